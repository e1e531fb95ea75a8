// Security groups of a config document: the groups and their rules, the lists of groups that ports
// and networks name, and the bound on what the data plane compiles (the rules of every distinct
// port policy together).
#include <map>
#include <optional>
#include <string>

#include "config_reader.hpp"
#include "config_values.hpp"

namespace edgegw::control::detail {
namespace {

std::optional<SecurityProtocol> protocol_from_name(std::string_view name) {
  for (SecurityProtocol p : {SecurityProtocol::any, SecurityProtocol::tcp, SecurityProtocol::udp, SecurityProtocol::icmp}) {
    if (name == security_protocol_name(p)) return p;
  }
  return std::nullopt;
}

}  // namespace

// Read before the ports and networks, wherever they are in the document: those name the groups.
void ConfigReader::read_security_groups(const Field& field, GatewayConfig& config) {
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return;
  groups_readable_ = array->size() <= kMaxSecurityGroups;
  const size_t count = checked_length(*array, kMaxSecurityGroups, "security groups", field.at);
  for (size_t i = 0; i < count; ++i) {
    const Location at = field.at.element(i);
    if (!expect_object((*array)[i], at)) continue;
    ObjectReader object((*array)[i], at, {"name", "rules"}, issues_);
    SecurityGroupConfig group;
    const Field name = object.required("name");
    if (auto text = read_string(name, issues_)) {
      declared_groups_.insert(*text);
      if (auto checked = check_object_name(*text); !checked) {
        issues_.add(name.at, checked.error().message);
      } else {
        group_names_.add(*text, name.at, issues_);
      }
      group.name = *text;
    }
    const Field rules = object.required("rules");
    if (const Json* list = read_array(rules, issues_)) {
      const size_t rule_count = checked_length(*list, kMaxSecurityRules, "rules", rules.at);
      for (size_t r = 0; r < rule_count; ++r) {
        const Location rule_at = rules.at.element(r);
        if (!expect_object((*list)[r], rule_at)) continue;
        group.rules.push_back(read_security_rule((*list)[r], rule_at));
      }
    }
    config.security_groups.push_back(std::move(group));
  }
}

SecurityRuleConfig ConfigReader::read_security_rule(const Json& json, const Location& at) {
  ObjectReader object(json, at, {"direction", "action", "protocol", "remote", "ports", "icmp_type"}, issues_);
  SecurityRuleConfig rule;
  const Field direction = object.required("direction");
  if (auto text = read_string(direction, issues_)) {
    if (*text == "ingress" || *text == "egress") {
      rule.direction = *text == "ingress" ? SecurityDirection::ingress : SecurityDirection::egress;
    } else {
      issues_.add(direction.at, one_of_message({"ingress", "egress"}, *text));
    }
  }
  const Field action = object.required("action");
  if (auto text = read_string(action, issues_)) {
    if (*text == "allow" || *text == "deny") {
      rule.action = *text == "allow" ? SecurityAction::allow : SecurityAction::deny;
    } else {
      issues_.add(action.at, one_of_message({"allow", "deny"}, *text));
    }
  }
  // Without a valid protocol only the syntax of ports and icmp_type can be checked.
  bool protocol_known = true;
  const Field protocol_field = object.optional("protocol");
  if (protocol_field.value != nullptr) {
    protocol_known = false;
    if (auto text = read_string(protocol_field, issues_)) {
      if (std::optional<SecurityProtocol> p = protocol_from_name(*text)) {
        rule.protocol = *p;
        protocol_known = true;
      } else {
        issues_.add(protocol_field.at, one_of_message({"any", "tcp", "udp", "icmp"}, *text));
      }
    }
  }
  const Field remote = object.optional("remote");
  if (auto text = read_string(remote, issues_)) {
    if (Result<Ipv4Prefix> prefix = parse_route_prefix(*text); !prefix) {
      issues_.add(remote.at, prefix.error().message);
    } else {
      rule.remote = *prefix;
    }
  }
  const std::string protocol_text = security_protocol_name(rule.protocol);
  const bool has_ports = rule.protocol == SecurityProtocol::tcp || rule.protocol == SecurityProtocol::udp;
  const Field ports = object.optional("ports");
  if (ports.value != nullptr && protocol_known && !has_ports) {
    issues_.add(ports.at, "allowed only when protocol is 'tcp' or 'udp', not " + quote_text(protocol_text));
  } else if (auto text = read_string(ports, issues_)) {
    if (Result<PortRange> range = parse_port_range(*text); !range) {
      issues_.add(ports.at, range.error().message);
    } else {
      rule.ports = *range;
    }
  }
  const Field icmp_type = object.optional("icmp_type");
  if (icmp_type.value != nullptr && protocol_known && rule.protocol != SecurityProtocol::icmp) {
    issues_.add(icmp_type.at, "allowed only when protocol is 'icmp', not " + quote_text(protocol_text));
  } else if (auto type = read_integer(icmp_type, 0, 255, issues_)) {
    rule.icmp_type = static_cast<uint8_t>(*type);
  }
  return rule;
}

// A port's or a network's "security_groups": known names, each once.
std::vector<std::string> ConfigReader::read_group_list(const Field& field) {
  std::vector<std::string> names;
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return names;
  FirstSeen listed{"security group"};
  const size_t count = checked_length(*array, kMaxGroupsPerPort, "security groups", field.at);
  for (size_t i = 0; i < count; ++i) {
    const Field entry{&(*array)[i], field.at.element(i)};
    std::optional<std::string> name = read_string(entry, issues_);
    if (!name) continue;
    if (groups_readable_ && !declared_groups_.contains(*name)) {
      issues_.add(entry.at, "unknown security group " + quote_text(*name));
    } else {
      listed.add(*name, entry.at, issues_);
    }
    names.push_back(*name);
  }
  return names;
}

// What the data plane compiles: for every network membership, the port's own groups or else the
// network's, one policy per distinct list; all their rules together are bounded. Reported where
// the policy that crosses the bound is named.
void ConfigReader::check_security_policies(const GatewayConfig& config) {
  size_t total = 0;
  std::map<std::vector<std::string>, bool> seen;
  for (size_t n = 0; n < config.networks.size(); ++n) {
    const NetworkConfig& network = config.networks[n];
    for (const NetworkMember& m : network.ports) {
      const PortConfig* port = config.find_port(m.port);
      if (port == nullptr) continue;
      const bool own = !port->security_groups.empty();
      const std::vector<std::string>& groups = own ? port->security_groups : network.security_groups;
      if (groups.empty() || !seen.emplace(groups, true).second) continue;
      for (const std::string& name : groups) {
        if (const SecurityGroupConfig* group = config.find_security_group(name)) total += group->rules.size();
      }
      if (total <= kMaxCompiledSecurityRules) continue;
      Location where;
      if (auto it = port_groups_at_.find(port->name); own && it != port_groups_at_.end()) where = it->second;
      if (auto it = network_groups_at_.find(n); !own && it != network_groups_at_.end()) where = it->second;
      issues_.add(where, "makes " + std::to_string(total) + " rules across the distinct port policies, more than " +
                             std::to_string(kMaxCompiledSecurityRules));
      return;
    }
  }
}

}  // namespace edgegw::control::detail
