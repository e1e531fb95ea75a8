// ControlApi: one dispatch for the ctl socket and the web API.
#include "edgegw/control/control_api.hpp"

#include "edgegw/common/log.hpp"
#include "control_views.hpp"
#include "edgegw/control/capture_commands.hpp"

namespace edgegw::control {
namespace {

using nlohmann::json;

constexpr const char* kProductVersion = "0.1.0";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json version_json(const ConfigVersion& v) {
  return {{"version", v.version},
          {"hash", v.hash},
          {"source", config_source_name(v.source)},
          {"actor", v.actor},
          {"status", config_status_name(v.status)},
          {"created_at_ms", v.created_at_ms},
          {"applied_at_ms", v.applied_at_ms},
          {"error", v.error}};
}

double cycles_to_ms(uint64_t cycles, uint64_t tsc_hz) {
  return tsc_hz == 0 ? 0.0 : static_cast<double>(cycles) * 1e3 / static_cast<double>(tsc_hz);
}

json issues_json(const std::vector<ConfigIssue>& issues) {
  json out = json::array();
  for (const ConfigIssue& i : issues) out.push_back({{"pointer", i.pointer}, {"message", i.message}});
  return out;
}

// Typed argument readers: a wrong type is a bad request naming the argument.
const json* arg(const json& req, const char* key) {
  auto it = req.find(key);
  return it == req.end() ? nullptr : &*it;
}

}  // namespace

ControlApi::ControlApi(const Bootstrap& bootstrap, Store& store, ApplyService& apply,
                       dataplane::Dataplane& dataplane)
    : bootstrap_(bootstrap),
      store_(store),
      apply_(apply),
      dataplane_(dataplane),
      started_(std::chrono::steady_clock::now()),
      started_at_ms_(now_ms()) {}

json ControlApi::reply_error(const Error& e, const std::vector<ConfigIssue>& issues) {
  ++counters_.failed;
  json err = {{"code", errc_name(e.code)}, {"message", e.message}, {"pointer", e.pointer}};
  if (!issues.empty()) err["issues"] = issues_json(issues);
  return {{"ok", false}, {"error", err}};
}

json ControlApi::reply_apply(const ApplyResult& r) {
  if (!r.ok) return reply_error(r.error, r.issues);
  return {{"ok", true}, {"result", {{"version", r.version}, {"hash", r.hash}}}};
}

json ControlApi::status() const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  json config = nullptr;
  if (auto active = store_.active(); active && active.value()) config = version_json(*active.value());
  dataplane::DataplaneStatus dp = dataplane_.status();
  const ApplyCounters& ac = apply_.counters();
  return {{"product", "edgegw"},
          {"version", kProductVersion},
          {"node_id", bootstrap_.node_id},
          {"board", bootstrap_.board},
          {"started_at_ms", started_at_ms_},
          {"uptime_s", uptime.count()},
          {"config", config},
          {"dataplane",
           {{"worker_lcores", dp.worker_lcores},
            {"generation", dp.snapshot_generation},
            {"worker_loops", dp.worker_loops},
            {"worker_idle_sleeps", dp.worker_idle_sleeps},
            {"long_loops", dp.long_loops},
            {"long_loop_ms", cycles_to_ms(dp.long_loop_cycles, dp.tsc_hz)},
            {"longest_loop_ms", cycles_to_ms(dp.longest_loop_cycles, dp.tsc_hz)},
            {"busy_cycles", dp.busy_cycles},
            {"busy_packets", dp.busy_packets},
            {"tsc_hz", dp.tsc_hz},
            {"cycles_per_packet", dp.busy_packets == 0 ? 0.0
                                                       : static_cast<double>(dp.busy_cycles) /
                                                             static_cast<double>(dp.busy_packets)},
            {"router",
             {{"routed", dp.router.routed},
              {"arp_replies", dp.router.arp_replies},
              {"arp_requests", dp.router.arp_requests},
              {"icmp_echo_replies", dp.router.icmp_echo_replies},
              {"icmp_errors", dp.router.icmp_errors},
              {"icmp_rate_limited", dp.router.icmp_rate_limited},
              {"neighbor_table_full", dp.router.neighbor_table_full},
              {"arp_replies_received", dp.router.arp_replies_received},
              {"fragmented", dp.router.fragmented},
              {"fragments", dp.router.fragments},
              {"punted", dp.router.punted},
              {"injected", dp.router.injected},
              {"inject_stale", dp.router.inject_stale},
              {"routed6", dp.router.routed6},
              {"nd_adverts", dp.router.nd_adverts},
              {"nd_solicits", dp.router.nd_solicits},
              {"nd_adverts_received", dp.router.nd_adverts_received}}},
            {"security", views::security_status_json(dp, dataplane_.security())}}},
          {"counters",
           {{"config.applied", ac.applied},
            {"config.rejected_invalid", ac.rejected_invalid},
            {"config.rejected_stale", ac.rejected_stale},
            {"config.failed", ac.failed},
            {"ctl.handled", counters_.handled},
            {"ctl.bad_request", counters_.bad_request}}},
          {"ports", ports()},
          {"guests", guests_summary()}};
}

json ControlApi::config_show() const {
  auto active = store_.active();
  if (!active || !active.value()) return nullptr;
  const ConfigVersion& v = *active.value();
  json doc = json::parse(v.document, nullptr, false);
  return {{"meta", version_json(v)}, {"document", doc}};
}

json ControlApi::config_history(size_t limit) const {
  json out = json::array();
  if (auto h = store_.history(limit)) {
    for (const ConfigVersion& v : h.value()) out.push_back(version_json(v));
  }
  return out;
}

json ControlApi::handle_text(const std::string& text, ConfigSource source, const std::string& actor) {
  json req = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object()) {
    ++counters_.bad_request;
    return {{"ok", false},
            {"error", {{"code", "invalid_argument"}, {"message", "request is not a JSON object"}, {"pointer", ""}}}};
  }
  return handle(req, source, actor);
}

json ControlApi::handle(const json& req, ConfigSource source, const std::string& actor) {
  auto bad = [&](const std::string& pointer, const std::string& message) {
    ++counters_.bad_request;
    return json{{"ok", false},
                {"error", {{"code", "invalid_argument"}, {"message", message}, {"pointer", pointer}}}};
  };
  const json* cmd = arg(req, "cmd");
  if (!cmd || !cmd->is_string()) return bad("/cmd", "must be a string naming the command");
  const std::string name = cmd->get<std::string>();
  ++counters_.handled;

  auto limit_arg = [&](size_t def, size_t* out) -> bool {
    const json* l = arg(req, "limit");
    if (!l) {
      *out = def;
      return true;
    }
    if (!l->is_number_unsigned() || l->get<uint64_t>() == 0 || l->get<uint64_t>() > 10000) return false;
    *out = l->get<size_t>();
    return true;
  };

  if (name == "status") return {{"ok", true}, {"result", status()}};
  if (name == "port.list") return {{"ok", true}, {"result", ports()}};
  if (name == "network.list") return {{"ok", true}, {"result", networks()}};
  if (name == "security_group.list") return {{"ok", true}, {"result", security_groups()}};
  if (name == "slice.list") return {{"ok", true}, {"result", slices()}};
  if (name == "port.show" || name == "network.show" || name == "security_group.show" || name == "slice.show") {
    const std::string what = name == "port.show"      ? "port"
                             : name == "network.show" ? "network"
                             : name == "slice.show"   ? "slice"
                                                      : "security group";
    const json* n = arg(req, "name");
    if (!n || !n->is_string()) return bad("/name", "must be a string naming the " + what);
    const std::string wanted = n->get<std::string>();
    std::optional<json> shown = name == "port.show"      ? port_show(wanted)
                                : name == "network.show" ? network_show(wanted)
                                : name == "slice.show"   ? slice_show(wanted)
                                                         : security_group_show(wanted);
    if (!shown) return reply_error(make_error(Errc::not_found, "no " + what + " named '" + wanted + "'", "/name"));
    return {{"ok", true}, {"result", *shown}};
  }
  if (name == "nat.sessions") {
    const json* n = arg(req, "network");
    if (!n || !n->is_string()) return bad("/network", "must be a string naming a NAT network or an uplink");
    size_t limit = 0;
    if (!limit_arg(1000, &limit)) return bad("/limit", "must be an integer between 1 and 10000");
    const std::string network = n->get<std::string>();
    const std::optional<GatewayConfig>& active = apply_.active();
    const NetworkConfig* config = active ? active->find_network(network) : nullptr;
    if (config == nullptr || (config->mode != NetworkMode::nat && config->mode != NetworkMode::routed)) {
      return reply_error(make_error(Errc::not_found, "no NAT network or uplink named '" + network + "'", "/network"));
    }
    json out = json::array();
    for (const dataplane::NatSessionStatus& s : dataplane_.nat_sessions(network, limit)) {
      out.push_back({{"protocol", s.protocol},
                     {"inside", format_ipv4(s.inside_ip) + ":" + std::to_string(s.inside_port)},
                     {"remote", format_ipv4(s.remote_ip) + ":" + std::to_string(s.remote_port)},
                     {"external", format_ipv4(s.external_ip) + ":" + std::to_string(s.external_port)},
                     {"forwarded", s.forwarded},
                     {"tcp_state", s.tcp_state},
                     {"idle_s", s.idle_s}});
    }
    return {{"ok", true}, {"result", out}};
  }
  if (name == "dhcp.leases") {
    const json* n = arg(req, "network");
    if (n && !n->is_string()) return bad("/network", "must be a string naming the network");
    const std::string network = n ? n->get<std::string>() : "";
    json leases = dhcp_leases(network);
    if (!network.empty() && leases.is_null()) {
      return reply_error(make_error(Errc::not_found, "network '" + network + "' has no DHCP server", "/network"));
    }
    return {{"ok", true}, {"result", leases}};
  }
  if (name == "config.show") return {{"ok", true}, {"result", config_show()}};
  if (name == "config.history") {
    size_t limit = 0;
    if (!limit_arg(50, &limit)) return bad("/limit", "must be an integer between 1 and 10000");
    return {{"ok", true}, {"result", config_history(limit)}};
  }
  if (name == "audit.list") {
    size_t limit = 0;
    if (!limit_arg(50, &limit)) return bad("/limit", "must be an integer between 1 and 10000");
    auto log = store_.audit_log(limit);
    if (!log) return reply_error(log.error());
    json out = json::array();
    for (const AuditEntry& a : log.value()) {
      out.push_back({{"id", a.id}, {"ts_ms", a.ts_ms}, {"action", a.action}, {"source", a.source},
                     {"actor", a.actor}, {"version", a.version}, {"detail", a.detail}});
    }
    return {{"ok", true}, {"result", out}};
  }
  if (name == "config.apply") {
    const json* doc = arg(req, "document");
    if (!doc || !doc->is_string()) return bad("/document", "must be a string holding the config document");
    return reply_apply(apply_.apply(doc->get<std::string>(), source, actor));
  }
  if (name == "config.rollback") {
    const json* v = arg(req, "version");
    if (!v || !v->is_number_unsigned()) return bad("/version", "must be a positive integer");
    return reply_apply(apply_.rollback(v->get<uint64_t>(), source, actor));
  }
  if (name == "config.diff") {
    const json* doc = arg(req, "document");
    if (!doc || !doc->is_string()) return bad("/document", "must be a string holding the config document");
    ParsedConfig parsed = parse_config(doc->get<std::string>());
    if (!parsed.ok()) return reply_error(first_issue_error(parsed), parsed.issues);
    std::string before;
    uint64_t active_version = 0;
    if (auto active = store_.active(); active && active.value()) {
      before = active.value()->document;
      active_version = active.value()->version;
    }
    std::string after = to_canonical_json(parsed.config);
    std::string diff = unified_diff(before, after, "active (version " + std::to_string(active_version) + ")",
                                    "new (version " + std::to_string(parsed.config.version) + ")");
    return {{"ok", true}, {"result", {{"changed", !diff.empty()}, {"diff", diff},
                                      {"active_version", active_version},
                                      {"new_version", parsed.config.version}}}};
  }
  if (auto reply = handle_guest_command(name, req)) return *reply;
  if (auto reply = handle_capture_command(name, req, dataplane_)) {
    if (!reply->value("ok", false)) ++counters_.failed;
    return *reply;
  }
  --counters_.handled;
  return bad("/cmd", "unknown command '" + name + "'");
}

}  // namespace edgegw::control
