// The networks of a config document: members (untagged, 802.1Q, QinQ) and the rules that relate
// them across networks (a trunk carries distinct tags, one untagged membership per port), the rules
// of each mode over the members' roles, static MACs, subnets and the FDB settings.
#include <optional>
#include <string>
#include <unordered_set>

#include "config_reader.hpp"
#include "config_values.hpp"

namespace edgegw::control::detail {
namespace {

constexpr uint64_t kMinVlan = 1;
constexpr uint64_t kMaxVlan = 4094;  // 0 and 4095 are reserved by 802.1Q

uint32_t broadcast_of(const Ipv4Prefix& p) { return p.address | ~(p.length == 0 ? 0 : ~uint32_t{0} << (32 - p.length)); }

// "vlan 10" or "vlan 10 inside outer_vlan 100", for messages about a membership's tags.
std::string tags_text(const NetworkMember& m) {
  std::string text = "vlan " + std::to_string(m.vlan);
  if (m.outer_vlan != 0) text += " inside outer_vlan " + std::to_string(m.outer_vlan);
  return text;
}

}  // namespace

NetworkConfig ConfigReader::read_network(const Json& json, const Location& at) {
  NetworkConfig network;
  const size_t index = networks_read_++;  // its index in /networks
  if (!expect_object(json, at)) return network;
  ObjectReader object(json, at,
                      {"name", "mode", "ports", "static_macs", "subnet", "fdb", "gateway", "router_mac", "nat", "dhcp",
                       "ipv6", "security_groups"},
                      issues_);

  // How other issues name this network; a bad name is reported once, at its own field.
  std::string label = "another network";
  const Field name = object.required("name");
  if (auto text = read_string(name, issues_)) {
    if (auto checked = check_object_name(*text); !checked) {
      issues_.add(name.at, checked.error().message);
    } else {
      network_names_.add(*text, name.at, issues_);
      label = "network " + quote_text(*text);
    }
    network.name = *text;
  }

  std::optional<NetworkMode> mode;
  std::string mode_text;
  const Field mode_field = object.required("mode");
  if (auto text = read_string(mode_field, issues_)) {
    mode = network_mode_from_name(*text);
    mode_text = *text;
    if (mode) {
      network.mode = *mode;
    } else {
      issues_.add(mode_field.at, one_of_message({"bridge", "host-only", "isolated", "internal", "routed", "nat"}, *text));
    }
  }

  const Field ports = object.required("ports");
  std::vector<ReadMember> members;
  const bool all_known = read_members(ports, label, network, members);
  if (mode) check_mode(*mode, mode_text, ports, members, all_known);
  read_static_macs(object.optional("static_macs"), label, members, network);
  read_subnet(object.optional("subnet"), label, network);
  network.fdb = read_fdb(object.optional("fdb"));
  read_router(object, mode, label, members, network);
  read_nat(object, mode, label, network);
  read_dhcp(object, mode, members, network);
  read_ipv6(object, mode, label, network);
  const Field groups = object.optional("security_groups");
  network.security_groups = read_group_list(groups);
  if (groups.value != nullptr) network_groups_at_.emplace(index, groups.at);
  return network;
}

// Mode nat: the uplink (checked against the other networks once all are read), limits, forwards.
void ConfigReader::read_nat(const ObjectReader& object, std::optional<NetworkMode> mode, const std::string& label,
                            NetworkConfig& out) {
  const Field field = object.optional("nat");
  if (mode && *mode != NetworkMode::nat) {
    if (field.value != nullptr) issues_.add(field.at, "allowed only in mode 'nat'");
    return;
  }
  if (!mode) return;
  if (field.value == nullptr) {
    object.report_missing("nat", "needed in mode 'nat'");
    return;
  }
  const Json* json = read_object(field, issues_);
  if (json == nullptr) return;
  ObjectReader nat(*json, field.at, {"uplink", "max_sessions", "max_sessions_per_host", "port_forwards"}, issues_);
  NetworkNatConfig config;
  const Field uplink = nat.required("uplink");
  if (auto text = read_string(uplink, issues_)) {
    config.uplink = *text;
    nat_uplinks_.push_back(PlacedUplink{*text, label, uplink.at});
  }
  if (auto n = read_integer(nat.optional("max_sessions"), 1024, 1048576, issues_)) {
    config.max_sessions = static_cast<uint32_t>(*n);
  }
  if (auto n = read_integer(nat.optional("max_sessions_per_host"), 0, 1048576, issues_)) {
    config.max_sessions_per_host = static_cast<uint32_t>(*n);
  }
  const Field forwards = nat.optional("port_forwards");
  if (const Json* array = read_array(forwards, issues_)) {
    const size_t count = checked_length(*array, kMaxPortForwards, "port forwards", forwards.at);
    for (size_t i = 0; i < count; ++i) {
      const Location at = forwards.at.element(i);
      if (!expect_object((*array)[i], at)) continue;
      config.port_forwards.push_back(read_port_forward((*array)[i], at, config.uplink, out));
    }
  }
  out.nat = std::move(config);
}

PortForwardConfig ConfigReader::read_port_forward(const Json& json, const Location& at, const std::string& uplink,
                                                  const NetworkConfig& network) {
  ObjectReader object(json, at, {"protocol", "port", "to", "to_port"}, issues_);
  PortForwardConfig forward;
  const Field protocol = object.required("protocol");
  std::optional<std::string> proto_text = read_string(protocol, issues_);
  if (proto_text) {
    if (*proto_text == "tcp" || *proto_text == "udp") {
      forward.protocol = *proto_text == "tcp" ? ForwardProtocol::tcp : ForwardProtocol::udp;
    } else {
      issues_.add(protocol.at, one_of_message({"tcp", "udp"}, *proto_text));
      proto_text.reset();
    }
  }
  const Field port = object.required("port");
  if (auto n = read_integer(port, 1, 65535, issues_)) {
    forward.port = static_cast<uint16_t>(*n);
    // The uplink's address is shared by every NAT network behind it: a port is forwarded once.
    if (proto_text && !uplink.empty()) {
      forwarded_ports_.add(*proto_text + " port " + std::to_string(*n) + " of uplink " + uplink, port.at,
                           issues_);
    }
  }
  const Field to = object.required("to");
  if (auto text = read_string(to, issues_)) {
    if (Result<uint32_t> address = parse_ipv4(*text); !address) {
      issues_.add(to.at, address.error().message);
    } else if (network.subnet && !network.subnet->contains(*address)) {
      issues_.add(to.at, "must be on the network's subnet " + quote_text(network.subnet->to_string()) + ", got " +
                             quote_text(*text));
    } else if (network.gateway && *address == *network.gateway) {
      issues_.add(to.at, "is the network's gateway, not a host behind it");
    } else {
      forward.to = *address;
    }
  }
  if (auto n = read_integer(object.required("to_port"), 1, 65535, issues_)) forward.to_port = static_cast<uint16_t>(*n);
  return forward;
}

void ConfigReader::check_nat_uplinks(const GatewayConfig& config) {
  for (const PlacedUplink& ref : nat_uplinks_) {
    const NetworkConfig* uplink = config.find_network(ref.uplink);
    if (uplink == nullptr) {
      issues_.add(ref.at, "unknown network " + quote_text(ref.uplink));
    } else if (uplink->mode != NetworkMode::routed) {
      issues_.add(ref.at, "network " + quote_text(ref.uplink) + " has mode " +
                              quote_text(network_mode_name(uplink->mode)) + "; an uplink must be in mode 'routed'");
    }
  }
}

const Json* ConfigReader::read_routed_block(const Field& field, std::optional<NetworkMode> mode) {
  if (field.value == nullptr) return nullptr;
  if (mode && *mode != NetworkMode::routed && *mode != NetworkMode::nat) {
    issues_.add(field.at, "allowed only in modes 'routed' and 'nat'");
    return nullptr;
  }
  return read_object(field, issues_);
}

// Mode routed: a subnet and the switch's gateway address on it, optionally its MAC. Other modes are
// plain L2 segments and take neither. Host ports in a routed network need an address on the subnet
// other than the gateway's.
void ConfigReader::read_router(const ObjectReader& object, std::optional<NetworkMode> mode, const std::string& label,
                               const std::vector<ReadMember>& members, NetworkConfig& out) {
  const Field gateway = object.optional("gateway");
  const Field router_mac = object.optional("router_mac");
  if (mode && *mode != NetworkMode::routed && *mode != NetworkMode::nat) {
    for (const Field* f : {&gateway, &router_mac}) {
      if (f->value != nullptr) issues_.add(f->at, "allowed only in modes 'routed' and 'nat'");
    }
    return;
  }
  if (!mode) return;
  const std::string needed = std::string("needed in mode ") + quote_text(network_mode_name(*mode));
  if (object.optional("subnet").value == nullptr) object.report_missing("subnet", needed);
  if (gateway.value == nullptr) object.report_missing("gateway", needed);
  if (auto text = read_string(gateway, issues_)) {
    if (Result<uint32_t> address = parse_ipv4(*text); !address) {
      issues_.add(gateway.at, address.error().message);
    } else if (out.subnet && !out.subnet->contains(*address)) {
      issues_.add(gateway.at, "must be on the network's subnet " + quote_text(out.subnet->to_string()) + ", got " +
                                  quote_text(*text));
    } else if (out.subnet && (*address == out.subnet->address || *address == broadcast_of(*out.subnet))) {
      issues_.add(gateway.at, "must be a host address of " + quote_text(out.subnet->to_string()) +
                                  ", not its network or broadcast address, got " + quote_text(*text));
    } else {
      out.gateway = *address;
      gateways_.push_back(PlacedGateway{*address, *out.subnet, label, gateway.at.pointer});
    }
  }
  if (auto text = read_string(router_mac, issues_)) {
    if (auto parsed = parse_mac(*text); !parsed) {
      issues_.add(router_mac.at, parsed.error().message);
    } else {
      macs_.add(format_mac(*parsed), router_mac.at, issues_);
      out.router_mac = *parsed;
    }
  }
  if (!out.subnet) return;
  for (const ReadMember& m : members) {
    if (!m.usable) continue;
    const auto address = host_addresses_by_port_.find(m.member.port);
    if (address == host_addresses_by_port_.end()) continue;
    const uint32_t host = address->second.address;
    if (!out.subnet->contains(host) || address->second.length != out.subnet->length) {
      issues_.add(m.name_at, "host port " + quote_text(m.member.port) + " has address " +
                                 quote_text(address->second.to_string()) + ", which is not on the subnet " +
                                 quote_text(out.subnet->to_string()) + " of " + label);
    } else if (out.gateway && host == *out.gateway) {
      issues_.add(m.name_at, "host port " + quote_text(m.member.port) + " has the gateway address of " + label);
    }
  }
}

bool ConfigReader::read_members(const Field& field, const std::string& network, NetworkConfig& out,
                                std::vector<ReadMember>& read) {
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return false;
  if (array->empty()) {
    issues_.add(field.at, "must list at least one port, got an empty array");
    return false;
  }
  bool all_known = array->size() <= kMaxPorts;
  FirstSeen listed{"port"};
  const size_t count = checked_length(*array, kMaxPorts, "ports", field.at);
  for (size_t i = 0; i < count; ++i) {
    std::optional<ReadMember> m = read_member(Field{&(*array)[i], field.at.element(i)});
    if (!m) {
      all_known = false;
      continue;
    }
    out.ports.push_back(m->member);
    if (ports_readable_ && !declared_ports_.contains(m->member.port)) {
      issues_.add(m->name_at, "unknown port " + quote_text(m->member.port));
      m->usable = false;
    } else if (!listed.add(m->member.port, m->name_at, issues_)) {
      m->usable = false;
    }
    if (m->usable) check_membership(*m, network);
    all_known = all_known && m->usable && port_roles_.contains(m->member.port);
    read.push_back(std::move(*m));
  }
  return all_known;
}

std::optional<ReadMember> ConfigReader::read_member(const Field& entry) {
  ReadMember m{{}, entry.at, entry.at, true};
  if (entry.value->is_string()) {
    m.member.port = entry.value->get<std::string>();
    return m;
  }
  if (!entry.value->is_object()) {
    issues_.add(entry.at, std::string("must be a port name or an object, got ") + json_type_name(*entry.value));
    return std::nullopt;
  }
  ObjectReader object(*entry.value, entry.at, {"port", "vlan", "outer_vlan"}, issues_);
  const Field port = object.required("port");
  std::optional<std::string> name = read_string(port, issues_);
  if (!name) return std::nullopt;
  m.member.port = *name;
  m.name_at = port.at;

  const Field vlan = object.optional("vlan");
  const Field outer = object.optional("outer_vlan");
  if (vlan.value != nullptr) {
    m.tag_at = vlan.at;
    if (auto id = read_integer(vlan, kMinVlan, kMaxVlan, issues_)) {
      m.member.vlan = static_cast<uint16_t>(*id);
    } else {
      m.usable = false;
    }
  }
  if (outer.value != nullptr) {
    if (vlan.value == nullptr) {
      issues_.add(outer.at, "allowed only together with 'vlan' (QinQ needs the inner tag)");
      m.usable = false;
    } else if (auto id = read_integer(outer, kMinVlan, kMaxVlan, issues_)) {
      m.member.outer_vlan = static_cast<uint16_t>(*id);
    } else {
      m.usable = false;
    }
  }
  return m;
}

// Across networks: one untagged membership per port, distinct tags on a trunk, no tags on the host.
void ConfigReader::check_membership(const ReadMember& m, const std::string& network) {
  const std::string& port = m.member.port;
  const auto role = port_roles_.find(port);
  if (m.member.vlan != 0 && role != port_roles_.end() && role->second == PortRole::host) {
    issues_.add(m.tag_at, "not allowed for port " + quote_text(port) +
                              " with role 'host': the host port is untagged");
    return;
  }
  const PortOwner here{network, m.name_at.pointer};
  if (m.member.vlan == 0) {
    auto [owner, first] = untagged_owners_.try_emplace(port, here);
    if (!first) {
      issues_.add(m.name_at, "port " + quote_text(port) + " is already untagged in " + owner->second.network +
                                 " at " + owner->second.pointer);
    }
    return;
  }
  const std::string key = port + "/" + std::to_string(m.member.outer_vlan) + "/" + std::to_string(m.member.vlan);
  auto [owner, first] = tagged_owners_.try_emplace(key, here);
  if (!first) {
    issues_.add(m.tag_at, "port " + quote_text(port) + " already carries " + tags_text(m.member) + " in " +
                              owner->second.network + " at " + owner->second.pointer);
  }
}

// Which roles each mode holds. Issues about a member name the port and its role; "must include"
// issues are judged only when every member's role is known.
void ConfigReader::check_mode(NetworkMode mode, const std::string& mode_text, const Field& ports,
                              const std::vector<ReadMember>& members, bool all_known) {
  const std::string quoted_mode = quote_text(mode_text);
  bool has_physical = false;
  const ReadMember* first_host = nullptr;
  for (const ReadMember& m : members) {
    if (!m.usable) continue;
    const auto found = port_roles_.find(m.member.port);
    if (found == port_roles_.end()) continue;
    const PortRole role = found->second;
    const std::string who = "port " + quote_text(m.member.port) + " has role " + quote_text(port_role_name(role));
    has_physical = has_physical || role == PortRole::physical;
    if (mode == NetworkMode::isolated && role != PortRole::guest) {
      issues_.add(m.name_at, who + ", which mode " + quoted_mode + " does not allow (guests only)");
    } else if (mode == NetworkMode::host_only && role == PortRole::physical) {
      issues_.add(m.name_at, who + ", which mode " + quoted_mode + " does not allow (one host port and guests)");
    } else if (mode == NetworkMode::host_only && role == PortRole::host) {
      if (first_host != nullptr) {
        issues_.add(m.name_at, who + ", but mode " + quoted_mode + " takes exactly one host port (also " +
                                   quote_text(first_host->member.port) + " at " + first_host->name_at.pointer +
                                   ")");
      } else {
        first_host = &m;
      }
    }
  }
  if (!all_known) return;
  if (mode == NetworkMode::bridge && !has_physical) {
    issues_.add(ports.at, "must include a port with role 'physical' in mode " + quoted_mode +
                              " (guests share a segment with a physical port)");
  } else if (mode == NetworkMode::host_only && first_host == nullptr) {
    issues_.add(ports.at, "must include a port with role 'host' in mode " + quoted_mode);
  }
}

void ConfigReader::read_static_macs(const Field& field, const std::string& network,
                                    const std::vector<ReadMember>& members, NetworkConfig& out) {
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return;
  std::unordered_set<std::string> member_names;
  for (const ReadMember& m : members) member_names.insert(m.member.port);
  FirstSeen seen{"static MAC"};
  const size_t count = checked_length(*array, kMaxStaticMacs, "static MACs", field.at);
  for (size_t i = 0; i < count; ++i) {
    const Location at = field.at.element(i);
    if (!expect_object((*array)[i], at)) continue;
    ObjectReader object((*array)[i], at, {"mac", "port"}, issues_);
    StaticMacConfig entry;
    const Field mac = object.required("mac");
    if (auto text = read_string(mac, issues_)) {
      if (auto parsed = parse_mac(*text); !parsed) {
        issues_.add(mac.at, parsed.error().message);
      } else {
        seen.add(format_mac(*parsed), mac.at, issues_);
        entry.mac = *parsed;
      }
    }
    const Field port = object.required("port");
    if (auto text = read_string(port, issues_)) {
      if (!member_names.contains(*text)) {
        issues_.add(port.at, "port " + quote_text(*text) + " is not a member of " + network);
      }
      entry.port = *text;
    }
    out.static_macs.push_back(std::move(entry));
  }
}

void ConfigReader::read_subnet(const Field& field, const std::string& network, NetworkConfig& out) {
  std::optional<std::string> text = read_string(field, issues_);
  if (!text) return;
  Result<Ipv4Prefix> prefix = parse_subnet(*text);
  if (!prefix) {
    issues_.add(field.at, prefix.error().message);
    return;
  }
  out.subnet = *prefix;
  place_subnet(subnets_, *prefix, network, field.at, issues_);
}

FdbConfig ConfigReader::read_fdb(const Field& field) {
  FdbConfig fdb;
  const Json* json = read_object(field, issues_);
  if (json == nullptr) return fdb;
  ObjectReader object(*json, field.at, {"aging_s", "max_entries"}, issues_);
  if (auto aging = read_integer(object.optional("aging_s"), 10, 86400, issues_)) {
    fdb.aging_s = static_cast<uint32_t>(*aging);
  }
  if (auto entries = read_integer(object.optional("max_entries"), 16, 65536, issues_)) {
    fdb.max_entries = static_cast<uint32_t>(*entries);
  }
  return fdb;
}

}  // namespace edgegw::control::detail
