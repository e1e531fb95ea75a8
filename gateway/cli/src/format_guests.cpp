// Human output of `edgegwctl guest list|show` and the guest line of `status`.
#include <ctime>
#include <string>
#include <vector>

#include "edgegw/cli/format.hpp"
#include "format_fields.hpp"

namespace edgegw::cli {
namespace {

using detail::key_values;
using detail::member;
using detail::num;
using detail::str;
using nlohmann::json;

std::string uptime_text(const json& g) {
  const int64_t started = num(g, "started_at_ms");
  if (started == 0) return "-";
  const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
  return format_duration(std::max<int64_t>(0, (now_ms - started) / 1000));
}

// "running", "backoff (next start in 4s)", "stopped (held)".
std::string state_text(const json& g) {
  std::string state = str(g, "state");
  if (member(g, "next_start_in_ms").is_number()) {
    state += " (next start in " + format_duration((num(g, "next_start_in_ms") + 999) / 1000) + ")";
  } else if (member(g, "held").is_boolean() && g["held"].get<bool>() && state == "stopped") {
    state += " (held)";
  }
  return state;
}

}  // namespace

std::string format_guests(const json& guests) {
  std::vector<std::vector<std::string>> rows;
  if (guests.is_array()) {
    for (const json& g : guests) {
      std::string ports;
      for (const json& n : member(g, "nics")) ports += (ports.empty() ? "" : ",") + str(n, "port");
      rows.push_back({str(g, "name"), state_text(g), num(g, "pid") ? std::to_string(num(g, "pid")) : "-",
                      str(g, "accel"), std::to_string(num(g, "vcpus")), std::to_string(num(g, "memory_mb")),
                      ports.empty() ? "-" : ports, uptime_text(g), std::to_string(num(g, "restarts")),
                      str(g, "last_exit")});
    }
  }
  return format_table({"GUEST", "STATE", "PID", "ACCEL", "VCPUS", "MEMORY MB", "NICS", "UPTIME", "RESTARTS",
                       "LAST EXIT"},
                      rows, {false, false, true, false, true, true, false, false, true, false});
}

std::string format_guest(const json& g) {
  std::string cpus;
  for (const json& c : member(g, "cpus")) cpus += (cpus.empty() ? "" : ",") + c.dump();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"guest", str(g, "name")},
      {"state", state_text(g)},
      {"qemu", num(g, "pid") ? "pid " + std::to_string(num(g, "pid")) + ", " + str(g, "accel") + ", " +
                                   str(g, "qemu_status") +
                                   (member(g, "adopted").is_boolean() && g["adopted"].get<bool>()
                                        ? ", adopted from an earlier gateway"
                                        : "")
                             : "-"},
      {"uptime", uptime_text(g)},
      {"vcpus", std::to_string(num(g, "vcpus")) + (cpus.empty() ? "" : " on CPUs " + cpus)},
      {"memory", std::to_string(num(g, "memory_mb")) + " MiB"},
      {"autostart", str(g, "autostart")},
      {"restart policy", str(g, "restart")},
      {"starts", std::to_string(num(g, "starts")) + " (" + std::to_string(num(g, "restarts")) + " by policy, " +
                     std::to_string(num(g, "crashes")) + " crashes, " +
                     std::to_string(num(g, "consecutive_failures")) + " failing in a row)"},
      {"last exit", str(g, "last_exit")},
      {"error", str(g, "error") == "-" ? "" : str(g, "error")},
      {"console", std::to_string(num(g, "console_bytes")) + " bytes captured"}};
  std::vector<std::vector<std::string>> rows;
  for (const json& n : member(g, "nics")) {
    const json& link = member(n, "link_up");
    rows.push_back({str(n, "port"), str(n, "mac"), link.is_boolean() ? (link.get<bool>() ? "up" : "down") : "-",
                    str(n, "socket")});
  }
  return key_values(fields) + "\n" + format_table({"NIC PORT", "MAC", "LINK", "SOCKET"}, rows, {false, false, false, false});
}

}  // namespace edgegw::cli
