// DPDK -> edgegw::log bridge over a fopencookie stream.
#include "dpdk_log.hpp"

#include <rte_log.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>
#include <string_view>

#include "edgegw/common/log.hpp"

namespace edgegw::dataplane::dpdk_log {
namespace {

// DPDK's NOTICE is its "normal" level, INFO is chatty driver detail: shift both down one step so a
// default (info) edgegw log shows what DPDK would show on a console.
log::Level map_level(int rte_level) {
  if (rte_level <= static_cast<int>(RTE_LOG_ERR)) return log::Level::error;
  if (rte_level == static_cast<int>(RTE_LOG_WARNING)) return log::Level::warn;
  if (rte_level == static_cast<int>(RTE_LOG_NOTICE)) return log::Level::info;
  return log::Level::debug;
}

constexpr uint64_t kRecentErrors = 8;

struct Bridge {
  std::mutex mu;
  std::string partial;                                  // a line DPDK has not finished; guarded by mu
  std::array<std::string, kRecentErrors> recent_errors;  // by error_seq % kRecentErrors; guarded by mu
  uint64_t error_seq = 0;                               // guarded by mu
  FILE* stream = nullptr;                               // control plane only (install/uninstall)
};

Bridge& bridge() {
  static Bridge b;
  return b;
}

void emit_line(Bridge& b, std::string_view line, int rte_level) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.empty()) return;
  log::Level level = map_level(rte_level);
  if (level == log::Level::error) b.recent_errors[++b.error_seq % kRecentErrors].assign(line);
  log::write(level, "dpdk", line);
}

// Called by stdio with the stream's lock held (DPDK flushes after every message), from whichever
// thread logged; rte_log_cur_msg_loglevel() is that thread's current message level.
ssize_t cookie_write(void* cookie, const char* data, size_t size) {
  Bridge& b = *static_cast<Bridge*>(cookie);
  const int rte_level = rte_log_cur_msg_loglevel();
  std::lock_guard lock(b.mu);
  std::string_view rest(data, size);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      b.partial.append(rest);
      break;
    }
    if (b.partial.empty()) {
      emit_line(b, rest.substr(0, nl), rte_level);
    } else {
      b.partial.append(rest.substr(0, nl));
      emit_line(b, b.partial, rte_level);
      b.partial.clear();
    }
    rest.remove_prefix(nl + 1);
  }
  return static_cast<ssize_t>(size);
}

}  // namespace

bool install() {
  Bridge& b = bridge();
  if (b.stream != nullptr) return true;
  cookie_io_functions_t io{};
  io.write = cookie_write;
  b.stream = fopencookie(&b, "w", io);
  if (b.stream == nullptr) return false;
  setvbuf(b.stream, nullptr, _IOLBF, 0);
  if (rte_openlog_stream(b.stream) != 0) {
    fclose(b.stream);
    b.stream = nullptr;
    return false;
  }
  return true;
}

void uninstall() {
  Bridge& b = bridge();
  if (b.stream == nullptr) return;
  rte_openlog_stream(nullptr);
  fclose(b.stream);
  b.stream = nullptr;
}

uint64_t error_seq() {
  Bridge& b = bridge();
  std::lock_guard lock(b.mu);
  return b.error_seq;
}

std::string first_error_since(uint64_t since) {
  Bridge& b = bridge();
  std::lock_guard lock(b.mu);
  if (b.error_seq <= since) return {};
  uint64_t first = std::max(since + 1, b.error_seq >= kRecentErrors ? b.error_seq - kRecentErrors + 1 : 1);
  return b.recent_errors[first % kRecentErrors];
}

}  // namespace edgegw::dataplane::dpdk_log
