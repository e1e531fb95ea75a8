// SwitchSpec validation.
#include "spec_check.hpp"

#include <map>
#include <set>
#include <string>

#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/ipv6.hpp"
#include "port_device.hpp"
#include "security_policy.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {
namespace {

Error spec_error(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

std::string port_at(size_t i, const PortSpec& p) { return "ports[" + std::to_string(i) + "] (" + p.name + ")"; }
std::string bridge_at(size_t i, const BridgeSpec& b) { return "bridges[" + std::to_string(i) + "] (" + b.name + ")"; }

std::string tags_text(uint16_t outer_vlan, uint16_t vlan) {
  if (vlan == 0) return "untagged";
  return outer_vlan == 0 ? "vlan " + std::to_string(vlan)
                         : "outer_vlan " + std::to_string(outer_vlan) + " vlan " + std::to_string(vlan);
}

// One membership: a known port, once per network, VIDs in range, and tags no other network of the
// same port uses (which also allows at most one untagged membership per port).
Result<void> check_member(const std::string& where, const BridgeMember& m, const std::string& network,
                          const std::set<std::string>& port_names, std::set<std::string>& members,
                          std::map<std::string, std::map<uint32_t, std::string>>& tags_of_port) {
  if (port_names.count(m.port) == 0) return spec_error(where + ": unknown port " + m.port);
  if (!members.insert(m.port).second) return spec_error(where + ": port " + m.port + " is twice in " + network);
  if (m.vlan > kMaxVlan) return spec_error(where + ": vlan " + std::to_string(m.vlan) + " is outside 0..4094");
  if (m.outer_vlan > kMaxVlan) {
    return spec_error(where + ": outer_vlan " + std::to_string(m.outer_vlan) + " is outside 0..4094");
  }
  if (m.outer_vlan != 0 && m.vlan == 0) return spec_error(where + ": outer_vlan needs vlan");
  auto [it, fresh] = tags_of_port[m.port].emplace(tag_key(m.outer_vlan, m.vlan), network);
  if (!fresh) {
    return spec_error(where + ": port " + m.port + " is already " + tags_text(m.outer_vlan, m.vlan) + " in network " +
                      it->second);
  }
  return {};
}

// A list of security groups (a port's or a network's): known names, each once.
Result<void> check_group_list(const std::string& where, const std::vector<std::string>& list,
                              const std::set<std::string>& groups) {
  std::set<std::string> seen;
  for (const std::string& name : list) {
    if (groups.count(name) == 0) return spec_error(where + ": unknown security group " + name);
    if (!seen.insert(name).second) return spec_error(where + ": security group " + name + " is listed twice");
  }
  return {};
}

Result<void> check_security_rule(const std::string& where, const SecurityRuleSpec& r) {
  if (r.protocol != 0 && r.protocol != 1 && r.protocol != 6 && r.protocol != 17) {
    return spec_error(where + ": protocol must be 0, 1, 6 or 17");
  }
  if (r.remote_length > 32) return spec_error(where + ": remote_length must be 0..32");
  const uint32_t mask = r.remote_length == 0 ? 0 : ~uint32_t{0} << (32 - r.remote_length);
  if ((r.remote & ~mask) != 0) return spec_error(where + ": remote has host bits set");
  if (r.port_first > r.port_last) return spec_error(where + ": port_first is above port_last");
  const bool ports = r.protocol == 6 || r.protocol == 17;
  if (!ports && (r.port_first != 0 || r.port_last != 65535)) return spec_error(where + ": ports need TCP or UDP");
  if (r.icmp_type < -1 || r.icmp_type > 255 || (r.protocol != 1 && r.icmp_type != -1)) {
    return spec_error(where + ": icmp_type must be -1, or 0..255 with protocol 1");
  }
  return {};
}

// Groups with distinct names and valid rules, lists that name them, and a classifier within bounds.
Result<void> check_security(const SwitchSpec& spec) {
  std::set<std::string> groups;
  std::map<std::string, size_t> rules_of;
  for (size_t i = 0; i < spec.security_groups.size(); ++i) {
    const SecurityGroupSpec& g = spec.security_groups[i];
    const std::string at = "security_groups[" + std::to_string(i) + "] (" + g.name + ")";
    if (g.name.empty()) return spec_error("security_groups[" + std::to_string(i) + "]: name is empty");
    if (!groups.insert(g.name).second) return spec_error(at + ": duplicate security group name");
    for (size_t r = 0; r < g.rules.size(); ++r) {
      if (auto ok = check_security_rule(at + ".rules[" + std::to_string(r) + "]", g.rules[r]); !ok) return ok;
    }
    rules_of[g.name] = g.rules.size();
  }
  for (size_t i = 0; i < spec.ports.size(); ++i) {
    if (auto ok = check_group_list(port_at(i, spec.ports[i]), spec.ports[i].security_groups, groups); !ok) return ok;
  }
  for (size_t i = 0; i < spec.bridges.size(); ++i) {
    if (auto ok = check_group_list(bridge_at(i, spec.bridges[i]), spec.bridges[i].security_groups, groups); !ok) {
      return ok;
    }
  }
  const SecurityPolicies policies = resolve_security_policies(spec);
  if (policies.groups.size() >= kNoIndex) return spec_error("too many distinct security policies");
  size_t total = 0;
  for (const std::vector<std::string>& list : policies.groups) {
    for (const std::string& name : list) total += rules_of[name];
  }
  if (total > kMaxClassifierRules) {
    return spec_error("security policies hold " + std::to_string(total) + " rules together, at most " +
                      std::to_string(kMaxClassifierRules));
  }
  return {};
}

// The IPv6 interface of a router: a unicast global address of its subnet, not the subnet-router
// anycast address (host bits zero).
Result<void> check_router6(const RouterInterface6Spec& r, const std::string& at) {
  if (r.prefix_length < 16 || r.prefix_length > 127) return spec_error(at + ": router v6 prefix_length must be 16..127");
  const uint8_t* a = r.address.data();
  if (netproto::ipv6_is_multicast(a) || netproto::ipv6_is_link_local(a) || netproto::ipv6_is_unspecified(a) ||
      netproto::ipv6_is_loopback(a)) {
    return spec_error(at + ": router v6 address is not a global unicast address");
  }
  if (netproto::ipv6_prefix_of(r.address, r.prefix_length) == r.address) {
    return spec_error(at + ": router v6 address is the subnet-router anycast address");
  }
  return {};
}

constexpr uint16_t kIpv6MinMtu = 1280;  // RFC 8200 5: every link carrying IPv6

Result<void> check_routes6(const SwitchSpec& spec) {
  for (size_t i = 0; i < spec.routes6.size(); ++i) {
    const Route6Spec& route = spec.routes6[i];
    const std::string at = "routes6[" + std::to_string(i) + "]";
    if (route.length > 128) return spec_error(at + ": length must be 0..128");
    if (netproto::ipv6_prefix_of(route.prefix, route.length) != route.prefix) {
      return spec_error(at + ": prefix has host bits set");
    }
    bool connected = false;
    for (const BridgeSpec& b : spec.bridges) {
      if (!b.router || !b.router->v6) continue;
      const RouterInterface6Spec& r = *b.router->v6;
      connected = connected || (netproto::ipv6_in_prefix(route.via, r.address, r.prefix_length) && route.via != r.address);
    }
    if (!connected) return spec_error(at + ": via is not a host on a routed network's IPv6 subnet");
  }
  return {};
}

}  // namespace

Result<void> check_switch_spec(const SwitchSpec& spec, unsigned max_mtu) {
  if (spec.ports.size() > kMaxPorts) {
    return spec_error("too many ports: " + std::to_string(spec.ports.size()) + ", the data plane holds at most " +
                      std::to_string(kMaxPorts));
  }
  std::set<std::string> port_names;
  std::map<std::string, std::string> device_owner;  // device name -> port name
  for (size_t i = 0; i < spec.ports.size(); ++i) {
    const PortSpec& p = spec.ports[i];
    if (p.name.empty()) return spec_error("ports[" + std::to_string(i) + "]: name is empty");
    if (!port_names.insert(p.name).second) return spec_error(port_at(i, p) + ": duplicate port name");
    if (p.devargs.empty()) return spec_error(port_at(i, p) + ": devargs is empty");
    auto [it, fresh] = device_owner.emplace(device_name_of(p.devargs), p.name);
    if (!fresh) return spec_error(port_at(i, p) + ": device " + it->first + " is already used by port " + it->second);
    if (p.mtu < kMinMtu || p.mtu > max_mtu) {
      return spec_error(port_at(i, p) + ": mtu " + std::to_string(p.mtu) + " is outside " + std::to_string(kMinMtu) +
                        ".." + std::to_string(max_mtu) + " (max_mtu of the data plane)");
    }
    if (p.mac && ((*p.mac)[0] & 1) != 0) return spec_error(port_at(i, p) + ": mac is a multicast address");
  }

  size_t memberships = 0;
  for (const BridgeSpec& b : spec.bridges) memberships += b.members.size();
  if (memberships >= kNoIndex) {
    return spec_error("too many network memberships: " + std::to_string(memberships) + ", at most " +
                      std::to_string(kNoIndex - 1));
  }
  std::set<std::string> bridge_names;
  // Per port: every (outer_vlan, vlan) it carries across networks, and where it was claimed.
  std::map<std::string, std::map<uint32_t, std::string>> tags_of_port;
  for (size_t i = 0; i < spec.bridges.size(); ++i) {
    const BridgeSpec& b = spec.bridges[i];
    const std::string at = bridge_at(i, b);
    if (b.name.empty()) return spec_error("bridges[" + std::to_string(i) + "]: name is empty");
    if (!bridge_names.insert(b.name).second) return spec_error(at + ": duplicate network name");
    if (b.fdb_max_entries == 0 || b.fdb_max_entries > kMaxFdbEntries) {
      return spec_error(at + ": fdb_max_entries must be 1.." + std::to_string(kMaxFdbEntries));
    }
    if (b.fdb_aging_s == 0) return spec_error(at + ": fdb_aging_s must be at least 1");
    std::set<std::string> members;
    for (size_t m = 0; m < b.members.size(); ++m) {
      if (auto r = check_member(at + ".members[" + std::to_string(m) + "]", b.members[m], b.name, port_names, members,
                                tags_of_port);
          !r) {
        return r;
      }
    }
    std::set<uint64_t> static_macs;
    for (size_t m = 0; m < b.static_macs.size(); ++m) {
      const StaticMac& sm = b.static_macs[m];
      const std::string where = at + ".static_macs[" + std::to_string(m) + "]";
      if (members.count(sm.port) == 0) return spec_error(where + ": port " + sm.port + " is not a member of " + b.name);
      if ((sm.mac[0] & 1) != 0) return spec_error(where + ": mac is not a unicast address");
      uint64_t key = 0;
      for (uint8_t byte : sm.mac) key = key << 8 | byte;
      if (key == 0) return spec_error(where + ": mac is all zeroes");
      if (!static_macs.insert(key).second) return spec_error(where + ": duplicate static mac in " + b.name);
    }
    if (b.router) {
      const RouterInterfaceSpec& r = *b.router;
      if (r.prefix_length < 8 || r.prefix_length > 30) return spec_error(at + ": router prefix_length must be 8..30");
      const uint32_t mask = netproto::prefix_mask(r.prefix_length);
      if ((r.address & ~mask) == 0 || (r.address & ~mask) == ~mask) {
        return spec_error(at + ": router address is the subnet's network or broadcast address");
      }
      if ((r.mac[0] & 1) != 0 || r.mac == std::array<uint8_t, 6>{}) return spec_error(at + ": router mac is not unicast");
      if (r.v6) {
        if (Result<void> v6 = check_router6(*r.v6, at); !v6) return v6;
        for (const BridgeMember& m : b.members) {
          for (const PortSpec& p : spec.ports) {
            if (p.name == m.port && p.mtu < kIpv6MinMtu) {
              return spec_error(at + ": port " + p.name + " has mtu " + std::to_string(p.mtu) + ", below IPv6's 1280");
            }
          }
        }
      }
    }
    if (b.nat) {
      if (!b.router) return spec_error(at + ": nat needs a router");
      const BridgeSpec* uplink = nullptr;
      for (const BridgeSpec& other : spec.bridges) {
        if (other.name == b.nat->uplink) uplink = &other;
      }
      if (uplink == nullptr || !uplink->router || uplink->nat) {
        return spec_error(at + ": nat uplink " + b.nat->uplink + " is not a routed network outside NAT");
      }
      if (b.nat->max_sessions == 0) return spec_error(at + ": nat max_sessions must be at least 1");
      for (const NatForwardSpec& f : b.nat->forwards) {
        if ((f.protocol != 6 && f.protocol != 17) || f.port == 0 || f.to_port == 0) {
          return spec_error(at + ": nat forward needs protocol 6 or 17 and non-zero ports");
        }
      }
    }
  }
  for (size_t i = 0; i < spec.routes.size(); ++i) {
    const RouteSpec& route = spec.routes[i];
    const std::string at = "routes[" + std::to_string(i) + "]";
    if (route.length > 32) return spec_error(at + ": length must be 0..32");
    const uint32_t mask = netproto::prefix_mask(route.length);
    if ((route.prefix & ~mask) != 0) return spec_error(at + ": prefix has host bits set");
    bool connected = false;
    for (const BridgeSpec& b : spec.bridges) {
      if (!b.router) continue;
      const uint32_t net_mask = netproto::prefix_mask(b.router->prefix_length);
      connected = connected || ((route.via & net_mask) == (b.router->address & net_mask) && route.via != b.router->address);
    }
    if (!connected) return spec_error(at + ": via is not a host on a routed network's subnet");
  }
  if (Result<void> routes6 = check_routes6(spec); !routes6) return routes6;
  return check_security(spec);
}

}  // namespace edgegw::dataplane
