// edgegwctl: the command-line client of the edgegw daemon, over its UNIX ctl socket.
//
// Exit codes (scripts rely on them; see docs/cli.md):
//   0 success    1 the command failed    2 usage error    3 daemon unreachable or broken reply
//   4 config rejected (validation or stale version)      5 `config diff`: documents differ
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "edgegw/cli/capture.hpp"
#include "edgegw/cli/ctl_client.hpp"
#include "edgegw/cli/format.hpp"

namespace {

using nlohmann::json;
using namespace edgegw::cli;

enum Exit { kOk = 0, kFailed = 1, kUsage = 2, kUnreachable = 3, kRejected = 4, kDiffers = 5 };

const char* kUsageText =
    "usage: edgegwctl [--json] [--socket PATH] <command>\n"
    "commands:\n"
    "  status                     node, config version, data plane and ports\n"
    "  port list                  ports with live counters\n"
    "  port show NAME             one port: settings, state, every counter and drop reason\n"
    "  network list               networks with members and FDB usage\n"
    "  network show NAME          one network: members with tags and state, FDB entries, DHCP server, IPv6\n"
    "  dhcp leases [NETWORK]      the DHCP servers' leases (bound, offered, released, declined)\n"
    "  nat sessions NETWORK [--limit N]  NAT sessions of a NAT network or uplink, most recent first\n"
    "  security-group list        security groups: rules, ports they filter, packets matched\n"
    "  security-group show NAME   one group: every rule with its counters, the policies using it\n"
    "  slice list                 slices: class, priority, rates, S-NSSAI, packets classified and dropped\n"
    "  slice show NAME            one slice: promise, policer colors, remarking, its queue on every shaped port\n"
    "  slice stats [NAME]         per slice and shaped port: sent, drops, depth, queueing and rx->tx latency\n"
    "  guest list                 guests: state, QEMU pid, accelerator, NICs, uptime, restarts, last exit\n"
    "  guest show NAME            one guest: QEMU, CPUs, memory, restart policy and history, NICs and links\n"
    "  guest start|stop|restart NAME [--no-wait]  waits until it runs (or stopped) unless --no-wait\n"
    "  guest console NAME [--send TEXT] [--bytes N]  the console's last N bytes; --send types TEXT first\n"
    "  config show                the active config document\n"
    "  config apply FILE|-        validate and apply a config document\n"
    "  config diff FILE|-         what applying FILE would change\n"
    "  config history [--limit N] stored config versions, newest first\n"
    "  config rollback VERSION    re-apply an earlier version as a new version\n"
    "  audit list [--limit N]     the audit log, newest first\n"
    "  capture PORT [--count N] [--filter EXPR] [--snaplen N] [--duration S] [--direction rx|tx|both]\n"
    "          -w FILE.pcapng     mirror a port's packets into a pcapng file (Ctrl-C stops)\n"
    "options:\n"
    "  --json          print the daemon's JSON reply instead of tables\n"
    "  --socket PATH   ctl socket (default $EDGEGW_CTL_SOCKET or /run/edgegw/ctl.sock)\n";

int usage(const std::string& why) {
  if (!why.empty()) std::cerr << "edgegwctl: " << why << "\n";
  std::cerr << kUsageText;
  return kUsage;
}

bool read_document(const std::string& path, std::string* out, std::string* error) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) {
      *error = "cannot read " + path;
      return false;
    }
    ss << in.rdbuf();
  }
  *out = ss.str();
  return true;
}

bool parse_limit(std::vector<std::string>& args, size_t from, json* req) {
  for (size_t i = from; i < args.size(); ++i) {
    if (args[i] == "--limit" && i + 1 < args.size()) {
      char* end = nullptr;
      unsigned long v = std::strtoul(args[i + 1].c_str(), &end, 10);
      if (*end || v == 0) return false;
      (*req)["limit"] = v;
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool as_json = false;
  const char* env_socket = std::getenv("EDGEGW_CTL_SOCKET");
  std::string socket = env_socket ? env_socket : "/run/edgegw/ctl.sock";
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      as_json = true;
    } else if (a == "--socket") {
      if (i + 1 >= argc) return usage("--socket needs a path");
      socket = argv[++i];
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsageText;
      return kOk;
    } else {
      args.push_back(a);
    }
  }
  if (args.empty()) return usage("");

  if (args[0] == "capture") return run_capture(socket, {args.begin() + 1, args.end()}, as_json);

  json req;
  bool wait_guest = false;
  bool slice_stats = false;  // slice stats: the per-port queue table of slice.list / slice.show
  std::string noun = args[0], verb = args.size() > 1 ? args[1] : "";
  std::string doc_path;
  if (noun == "status" && args.size() == 1) {
    req = {{"cmd", "status"}};
  } else if (noun == "port" && verb == "list" && args.size() == 2) {
    req = {{"cmd", "port.list"}};
  } else if ((noun == "port" || noun == "network") && verb == "show" && args.size() == 3) {
    req = {{"cmd", noun + ".show"}, {"name", args[2]}};
  } else if (noun == "network" && verb == "list" && args.size() == 2) {
    req = {{"cmd", "network.list"}};
  } else if (noun == "nat" && verb == "sessions" && args.size() >= 3) {
    req = {{"cmd", "nat.sessions"}, {"network", args[2]}};
    if (!parse_limit(args, 3, &req)) return usage("nat sessions takes NETWORK and --limit N");
  } else if (noun == "dhcp" && verb == "leases" && (args.size() == 2 || args.size() == 3)) {
    req = {{"cmd", "dhcp.leases"}};
    if (args.size() == 3) req["network"] = args[2];
  } else if (noun == "security-group" && verb == "list" && args.size() == 2) {
    req = {{"cmd", "security_group.list"}};
  } else if (noun == "security-group" && verb == "show" && args.size() == 3) {
    req = {{"cmd", "security_group.show"}, {"name", args[2]}};
  } else if (noun == "slice" && (verb == "list" || verb == "stats") && args.size() == 2) {
    req = {{"cmd", "slice.list"}};
    slice_stats = verb == "stats";
  } else if (noun == "slice" && (verb == "show" || verb == "stats") && args.size() == 3) {
    req = {{"cmd", "slice.show"}, {"name", args[2]}};
    slice_stats = verb == "stats";
  } else if (noun == "guest" && verb == "list" && args.size() == 2) {
    req = {{"cmd", "guest.list"}};
  } else if (noun == "guest" && verb == "show" && args.size() == 3) {
    req = {{"cmd", "guest.show"}, {"name", args[2]}};
  } else if (noun == "guest" && (verb == "start" || verb == "stop" || verb == "restart") &&
             (args.size() == 3 || (args.size() == 4 && args[3] == "--no-wait"))) {
    req = {{"cmd", "guest." + verb}, {"name", args[2]}};
    wait_guest = args.size() == 3;
  } else if (noun == "guest" && verb == "console" && args.size() >= 3) {
    req = {{"cmd", "guest.console"}, {"name", args[2]}};
    for (size_t i = 3; i < args.size(); ++i) {
      if (args[i] == "--send" && i + 1 < args.size()) {
        req["input"] = args[++i] + "\n";
      } else if (args[i] == "--bytes" && i + 1 < args.size()) {
        char* end = nullptr;
        unsigned long v = std::strtoul(args[i + 1].c_str(), &end, 10);
        if (*end || v == 0) return usage("--bytes needs a positive number");
        req["bytes"] = v;
        ++i;
      } else {
        return usage("guest console takes NAME, --send TEXT and --bytes N");
      }
    }
  } else if (noun == "config" && verb == "show" && args.size() == 2) {
    req = {{"cmd", "config.show"}};
  } else if (noun == "config" && (verb == "apply" || verb == "diff") && args.size() == 3) {
    std::string doc, error;
    if (!read_document(args[2], &doc, &error)) {
      std::cerr << "edgegwctl: " << error << "\n";
      return kFailed;
    }
    req = {{"cmd", "config." + verb}, {"document", doc}};
  } else if (noun == "config" && verb == "history") {
    req = {{"cmd", "config.history"}};
    if (!parse_limit(args, 2, &req)) return usage("config history takes only --limit N");
  } else if (noun == "audit" && verb == "list") {
    req = {{"cmd", "audit.list"}};
    if (!parse_limit(args, 2, &req)) return usage("audit list takes only --limit N");
  } else if (noun == "config" && verb == "rollback" && args.size() == 3) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(args[2].c_str(), &end, 10);
    if (*end || v == 0) return usage("rollback needs a version number");
    req = {{"cmd", "config.rollback"}, {"version", v}};
  } else {
    return usage("unknown command");
  }

  auto reply = ctl_call(socket, req);
  if (!reply) {
    std::cerr << "edgegwctl: " << reply.error().message << "\n";
    return kUnreachable;
  }
  const json& r = reply.value();
  if (!r.value("ok", false)) {
    const json err = r.contains("error") ? r["error"] : json::object();
    if (as_json) {
      std::cout << r.dump(2) << "\n";
    } else {
      std::cerr << format_error(err);
    }
    std::string code = err.value("code", "");
    return (code == "validation" || code == "stale_version") ? kRejected : kFailed;
  }
  json result = r.contains("result") ? r["result"] : json();
  if (wait_guest) {
    // start/restart: until it runs; stop: until it stopped (a guest powers down within its timeout).
    const std::string target = verb == "stop" ? "stopped" : "running";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(verb == "stop" ? 120 : 60);
    // A restart first passes through stopping; wait for that to end before looking for "running".
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string state = result.value("state", "");
      if (state == target) break;
      if (target == "running" && (state == "backoff" || (state == "stopped" && verb == "start"))) {
        std::cerr << "edgegwctl: guest " << args[2] << " did not start: "
                  << result.value("error", result.value("last_exit", "")) << "\n";
        return kFailed;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      auto again = ctl_call(socket, {{"cmd", "guest.show"}, {"name", args[2]}});
      if (!again || !again.value().value("ok", false)) break;
      result = again.value()["result"];
    }
    if (result.value("state", "") != target) {
      std::cerr << "edgegwctl: guest " << args[2] << " is " << result.value("state", "?") << ", not " << target
                << " yet\n";
      return kFailed;
    }
  }
  if (as_json) {
    std::cout << result.dump(2) << "\n";
  } else if (req["cmd"] == "status") {
    std::cout << format_status(result);
  } else if (req["cmd"] == "port.list") {
    std::cout << format_ports(result);
  } else if (req["cmd"] == "port.show") {
    std::cout << format_port(result);
  } else if (req["cmd"] == "network.list") {
    std::cout << format_networks(result);
  } else if (req["cmd"] == "network.show") {
    std::cout << format_network(result);
  } else if (req["cmd"] == "nat.sessions") {
    std::cout << format_nat_sessions(result);
  } else if (req["cmd"] == "dhcp.leases") {
    std::cout << format_dhcp_leases(result);
  } else if (req["cmd"] == "slice.list") {
    std::cout << (slice_stats ? format_slice_stats(result) : format_slices(result));
  } else if (req["cmd"] == "slice.show") {
    std::cout << (slice_stats ? format_slice_stats(json::array({result})) : format_slice(result));
  } else if (req["cmd"] == "security_group.list") {
    std::cout << format_security_groups(result);
  } else if (req["cmd"] == "security_group.show") {
    std::cout << format_security_group(result);
  } else if (req["cmd"] == "guest.list") {
    std::cout << format_guests(result);
  } else if (req["cmd"] == "guest.console") {
    std::cout << result.value("output", "");
  } else if (std::string(req["cmd"]).rfind("guest.", 0) == 0) {
    std::cout << format_guest(result);
  } else if (req["cmd"] == "config.show") {
    if (result.is_null()) {
      std::cout << "no config applied\n";
    } else {
      std::cout << result["document"].dump(2) << "\n";
    }
  } else if (req["cmd"] == "config.history") {
    std::cout << format_history(result);
  } else if (req["cmd"] == "audit.list") {
    std::cout << format_audit(result);
  } else if (req["cmd"] == "config.diff") {
    std::string diff = result.value("diff", "");
    std::cout << (diff.empty() ? "no changes\n" : diff);
  } else {
    std::cout << "applied version " << result.value("version", 0) << " (sha256 "
              << result.value("hash", "").substr(0, 12) << ")\n";
  }
  if (req["cmd"] == "config.diff" && result.value("changed", false)) return kDiffers;
  return kOk;
}
