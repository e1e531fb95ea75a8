// edgegwctl capture: capture.start, then capture.status every 100 ms until done; a signal sends
// capture.stop once and keeps following the session until the daemon closed the file.
#include "edgegw/cli/capture.hpp"

#include <signal.h>
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "edgegw/cli/ctl_client.hpp"
#include "edgegw/cli/format.hpp"

namespace edgegw::cli {
namespace {

using nlohmann::json;

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kUnreachable = 3;
constexpr auto kPollPeriod = std::chrono::milliseconds(100);
// After a stop, how long the daemon may take to close the file (it needs one grace period).
constexpr auto kStopTimeout = std::chrono::seconds(10);

volatile sig_atomic_t g_stop_requested = 0;

void on_signal(int) { g_stop_requested = 1; }

const char* kCaptureUsage =
    "usage: edgegwctl capture PORT [--count N] [--filter EXPR] [--snaplen N] [--duration S]\n"
    "                          [--direction rx|tx|both] -w FILE.pcapng\n";

int usage(const std::string& why) {
  std::cerr << "edgegwctl: " << why << "\n" << kCaptureUsage;
  return kUsage;
}

bool parse_number(const std::string& text, uint64_t* out) {
  if (text.empty() || text[0] == '-') return false;
  char* end = nullptr;
  *out = std::strtoull(text.c_str(), &end, 10);
  return *end == '\0';
}

// The request for `args`, or a usage error in `why`.
bool build_request(const std::vector<std::string>& args, json* req, std::string* why) {
  *req = {{"cmd", "capture.start"}};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "-w" || a == "--filter" || a == "--direction") {
      if (!has_value) return *why = a + " needs a value", false;
      const std::string& v = args[++i];
      if (a == "-w") {
        (*req)["path"] = std::filesystem::absolute(v).lexically_normal().string();
      } else {
        (*req)[a == "--filter" ? "filter" : "direction"] = v;
      }
    } else if (a == "--count" || a == "--snaplen" || a == "--duration") {
      uint64_t n = 0;
      if (!has_value || !parse_number(args[i + 1], &n)) return *why = a + " needs a number", false;
      ++i;
      (*req)[a == "--count" ? "count" : a == "--snaplen" ? "snaplen" : "duration_s"] = n;
    } else if (!a.empty() && a[0] != '-' && !req->contains("port")) {
      (*req)["port"] = a;
    } else {
      return *why = "unexpected argument '" + a + "'", false;
    }
  }
  if (!req->contains("port")) return *why = "capture needs a PORT", false;
  if (!req->contains("path")) return *why = "capture needs -w FILE", false;
  return true;
}

// Calls the daemon; on failure prints why and sets `exit_code`.
bool call(const std::string& socket, const json& req, bool as_json, json* result, int* exit_code) {
  auto reply = ctl_call(socket, req);
  if (!reply) {
    std::cerr << "edgegwctl: " << reply.error().message << "\n";
    *exit_code = kUnreachable;
    return false;
  }
  const json& r = *reply;
  if (!r.value("ok", false)) {
    if (as_json) {
      std::cout << r.dump(2) << "\n";
    } else {
      std::cerr << format_error(r.contains("error") ? r["error"] : json::object());
    }
    *exit_code = kFailed;
    return false;
  }
  *result = r.contains("result") ? r["result"] : json::object();
  return true;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a sleep is cut short so the stop goes out at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

int run_capture(const std::string& socket, const std::vector<std::string>& args, bool as_json) {
  json req;
  std::string why;
  if (!build_request(args, &req, &why)) return usage(why);

  install_signal_handlers();
  int exit_code = kOk;
  json started;
  if (!call(socket, req, as_json, &started, &exit_code)) return exit_code;
  const uint64_t id = started.value("id", uint64_t{0});
  if (!as_json) std::cerr << "capturing on " << started.value("port", "") << " to " << started.value("path", "") << "\n";

  bool stop_sent = false;
  auto stop_deadline = std::chrono::steady_clock::time_point::max();
  json state;
  while (true) {
    if (g_stop_requested && !stop_sent) {
      if (!call(socket, {{"cmd", "capture.stop"}, {"id", id}}, as_json, &state, &exit_code)) return exit_code;
      stop_sent = true;
      stop_deadline = std::chrono::steady_clock::now() + kStopTimeout;
    }
    if (!call(socket, {{"cmd", "capture.status"}, {"id", id}}, as_json, &state, &exit_code)) return exit_code;
    if (state.value("done", false)) break;
    if (std::chrono::steady_clock::now() > stop_deadline) {
      std::cerr << "edgegwctl: the daemon did not finish capture " << id << " in time\n";
      return kFailed;
    }
    const timespec pause{0, std::chrono::duration_cast<std::chrono::nanoseconds>(kPollPeriod).count()};
    nanosleep(&pause, nullptr);  // a signal ends it early
  }

  const std::string reason = state.value("end_reason", "");
  if (as_json) {
    std::cout << state.dump(2) << "\n";
  } else {
    std::cout << "captured " << state.value("written", uint64_t{0}) << " packets (" << state.value("dropped", uint64_t{0})
              << " dropped) to " << state.value("path", "") << "\n";
  }
  if (reason.rfind("write failed", 0) == 0) {
    if (!as_json) std::cerr << "edgegwctl: " << reason << "\n";
    return kFailed;
  }
  return kOk;
}

}  // namespace edgegw::cli
