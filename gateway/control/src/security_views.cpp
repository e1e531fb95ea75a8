// Security group views for ControlApi (`security_group.list`, `security_group.show`): the active
// config's groups and rules joined with the data plane's rule and policy counters. Field names are
// the API: docs/cli.md lists them.
#include <algorithm>

#include "control_views.hpp"
#include "edgegw/control/control_api.hpp"

namespace edgegw::control::views {
namespace {

using nlohmann::json;

const dataplane::SecurityGroupStatus* find_group(const dataplane::SecurityStatus& status, const std::string& name) {
  for (const dataplane::SecurityGroupStatus& g : status.groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

bool names(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Ports whose policy (own groups, or a network's default) includes the group, in config order.
json ports_using(const std::string& group, const dataplane::SecurityStatus& status) {
  json ports = json::array();
  for (const dataplane::SecurityPolicyStatus& p : status.policies) {
    if (!names(p.groups, group)) continue;
    for (const std::string& port : p.ports) {
      if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
    }
  }
  return ports;
}

json rule_json(const SecurityRuleConfig& r, const dataplane::SecurityRuleStatus* counters) {
  json ports = nullptr;
  if (r.ports) {
    ports = r.ports->first == r.ports->last ? std::to_string(r.ports->first)
                                            : std::to_string(r.ports->first) + "-" + std::to_string(r.ports->last);
  }
  return {{"direction", r.direction == SecurityDirection::ingress ? "ingress" : "egress"},
          {"action", r.action == SecurityAction::allow ? "allow" : "deny"},
          {"protocol", security_protocol_name(r.protocol)},
          {"remote", r.remote.to_string()},
          {"ports", ports},
          {"icmp_type", r.icmp_type ? json(*r.icmp_type) : json(nullptr)},
          {"packets", counters != nullptr ? counters->packets : 0},
          {"bytes", counters != nullptr ? counters->bytes : 0}};
}

}  // namespace

json security_group_json(const SecurityGroupConfig& group, const dataplane::SecurityStatus& status) {
  const dataplane::SecurityGroupStatus* counters = find_group(status, group.name);
  uint64_t packets = 0;
  if (counters != nullptr) {
    for (const dataplane::SecurityRuleStatus& r : counters->rules) packets += r.packets;
  }
  return {{"name", group.name}, {"rules", group.rules.size()}, {"ports", ports_using(group.name, status)},
          {"matched_packets", packets}};
}

json security_group_detail_json(const SecurityGroupConfig& group, const dataplane::SecurityStatus& status) {
  json out = security_group_json(group, status);
  const dataplane::SecurityGroupStatus* counters = find_group(status, group.name);
  json rules = json::array();
  for (size_t i = 0; i < group.rules.size(); ++i) {
    const bool counted = counters != nullptr && i < counters->rules.size();
    rules.push_back(rule_json(group.rules[i], counted ? &counters->rules[i] : nullptr));
  }
  out["rules"] = rules;
  json policies = json::array();
  for (const dataplane::SecurityPolicyStatus& p : status.policies) {
    if (!names(p.groups, group.name)) continue;
    policies.push_back({{"groups", p.groups},
                        {"ports", p.ports},
                        {"default_allowed", p.default_allowed},
                        {"default_denied", p.default_denied}});
  }
  out["policies"] = policies;
  return out;
}

json security_status_json(const dataplane::DataplaneStatus& dp, const dataplane::SecurityStatus& security) {
  return {{"generation", security.generation},
          {"classifier_rules", security.classifier_rules},
          {"conntrack_entries", dp.conntrack.entries},
          {"conntrack_capacity", dp.conntrack.capacity},
          {"conntrack_full", dp.conntrack.full}};
}

}  // namespace edgegw::control::views

namespace edgegw::control {

nlohmann::json ControlApi::security_groups() const {
  nlohmann::json out = nlohmann::json::array();
  const std::optional<GatewayConfig>& active = apply_.active();
  if (!active) return out;
  const dataplane::SecurityStatus status = dataplane_.security();
  for (const SecurityGroupConfig& g : active->security_groups) out.push_back(views::security_group_json(g, status));
  return out;
}

std::optional<nlohmann::json> ControlApi::security_group_show(const std::string& name) const {
  const std::optional<GatewayConfig>& active = apply_.active();
  const SecurityGroupConfig* group = active ? active->find_security_group(name) : nullptr;
  if (group == nullptr) return std::nullopt;
  return views::security_group_detail_json(*group, dataplane_.security());
}

}  // namespace edgegw::control
