// Structured logging: one record, one line, one write(2) so concurrent writers never interleave.
#include "edgegw/common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "edgegw/common/result.hpp"

namespace edgegw {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::validation: return "validation";
    case Errc::stale_version: return "stale_version";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::io: return "io";
    case Errc::sqlite: return "sqlite";
    case Errc::dpdk: return "dpdk";
    case Errc::unavailable: return "unavailable";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

std::string Error::to_string() const {
  if (pointer.empty()) return message;
  return pointer + ": " + message;
}

}  // namespace edgegw

namespace edgegw::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

// syslog priorities for journald's stream protocol.
int syslog_priority(Level l) {
  switch (l) {
    case Level::debug: return 7;
    case Level::info: return 6;
    case Level::warn: return 4;
    case Level::error: return 3;
  }
  return 6;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

bool journal_attached() {
  static const bool attached = std::getenv("JOURNAL_STREAM") != nullptr;
  return attached;
}

}  // namespace

void set_level(Level l) { g_level.store(static_cast<int>(l), std::memory_order_relaxed); }
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

bool parse_level(std::string_view text, Level* out) {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (text == level_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

std::string format(Level l, std::string_view component, std::string_view message,
                   std::initializer_list<Field> fields, bool journal_prefix) {
  std::string out;
  out.reserve(128);
  if (journal_prefix) {
    out.push_back('<');
    out.push_back(static_cast<char>('0' + syslog_priority(l)));
    out.push_back('>');
  } else {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[96];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    out.append("ts=").append(ts).push_back(' ');
  }
  out.append("level=").append(level_name(l));
  out.append(" comp=");
  append_value(out, component);
  out.append(" msg=");
  append_value(out, message);
  for (const Field& f : fields) {
    out.push_back(' ');
    out.append(f.key);
    out.push_back('=');
    append_value(out, f.value);
  }
  out.push_back('\n');
  return out;
}

void write(Level l, std::string_view component, std::string_view message, std::initializer_list<Field> fields) {
  if (static_cast<int>(l) < g_level.load(std::memory_order_relaxed)) return;
  std::string line = format(l, component, message, fields, journal_attached());
  ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  (void)n;
}

}  // namespace edgegw::log
