// Port and network views for ControlApi. Field names are the API: docs/cli.md lists them.
#include "control_views.hpp"

#include "edgegw/control/control_api.hpp"
#include "edgegw/control/apply_service.hpp"
#include "edgegw/netproto/ipv6.hpp"

namespace edgegw::control::views {
namespace {

using nlohmann::json;

const dataplane::PortStatus* find_port(const std::vector<dataplane::PortStatus>& ports, const std::string& name) {
  for (const dataplane::PortStatus& p : ports) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const dataplane::NetworkStatus* find_network(const std::vector<dataplane::NetworkStatus>& statuses,
                                             const std::string& name) {
  for (const dataplane::NetworkStatus& n : statuses) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

json subnet_json(const NetworkConfig& network) {
  return network.subnet ? json(network.subnet->to_string()) : json(nullptr);
}

MacAddress router_mac_of(const NetworkConfig& network) {
  return network.router_mac.value_or(default_router_mac(network.name));
}

// The network's IPv6 subnet and the gateway's addresses on it: the configured one and the
// link-local one hosts see as their router (derived from the router MAC, as the data plane does).
json ipv6_json(const NetworkConfig& network) {
  if (!network.ipv6) return nullptr;
  const NetworkIpv6Config& ipv6 = *network.ipv6;
  const RouterAdvertisementConfig& ra = ipv6.router_advertisements;
  json dns = json::array();
  for (const Ipv6Address& server : ra.dns) dns.push_back(netproto::format_ipv6(server));
  return {{"subnet", ipv6.subnet.to_string()},
          {"gateway", netproto::format_ipv6(ipv6.gateway)},
          {"link_local", netproto::format_ipv6(netproto::ipv6_link_local(router_mac_of(network)))},
          {"router_advertisements",
           {{"enabled", ra.enabled},
            {"interval_s", ra.interval_s},
            {"router_lifetime_s", ra.router_lifetime_s},
            {"dns", dns}}}};
}

}  // namespace

json port_json(const dataplane::PortStatus& p, const PortContext& context) {
  json drops = json::object();
  for (unsigned r = 0; r < dataplane::kDropReasonCount; ++r) {
    drops[dataplane::drop_reason_name(static_cast<dataplane::DropReason>(r))] = p.counters.drops[r];
  }
  const PortConfig* config = context.config;
  json address = nullptr;
  if (config != nullptr && config->address) address = config->address->to_string();
  return {{"name", p.name},
          {"kind", config != nullptr ? json(port_kind_name(config->kind)) : json(nullptr)},
          {"role", config != nullptr ? json(port_role_name(config->role)) : json(nullptr)},
          {"network", p.network},
          {"networks", p.networks},
          {"devargs", p.devargs},
          {"port_id", p.port_id},
          {"state", p.up ? "up" : "down"},
          {"reason", p.reason},
          {"link", p.link_up ? "up" : "down"},
          {"link_up", p.link_up},
          {"speed_mbps", p.link_speed_mbps},
          {"mac", p.mac},
          {"mtu", p.mtu},
          {"queues", p.queues},
          {"macs_learned", p.macs_learned},
          {"address", address},
          {"host_address_error", context.host_address_error},
          {"rx_packets", p.counters.rx_packets},
          {"rx_bytes", p.counters.rx_bytes},
          {"tx_packets", p.counters.tx_packets},
          {"tx_bytes", p.counters.tx_bytes},
          {"drops_total", p.counters.drops_total()},
          {"drops", drops},
          {"hw_rx_missed", p.hw_rx_missed},
          {"hw_tx_errors", p.hw_tx_errors},
          {"security_groups", config != nullptr ? json(config->security_groups) : json::array()}};
}

json port_detail_json(const dataplane::PortStatus& p, const PortContext& context, const GatewayConfig* active,
                      const SwitchCompileOptions& options) {
  json out = port_json(p, context);
  const PortConfig* config = context.config;
  out["mac_limit"] = config != nullptr ? json(config->mac_limit) : json(nullptr);
  out["admin_up"] = config != nullptr ? json(config->admin_up) : json(nullptr);
  out["socket"] = config != nullptr && config->kind == PortKind::vhost ? json(vhost_socket_path(*config, options))
                                                                       : json(nullptr);
  out["iface"] = config != nullptr && !config->iface.empty() ? json(config->iface) : json(nullptr);
  json memberships = json::array();
  if (active != nullptr) {
    for (const NetworkConfig& network : active->networks) {
      for (const NetworkMember& m : network.ports) {
        if (m.port != p.name) continue;
        memberships.push_back({{"network", network.name}, {"vlan", m.vlan}, {"outer_vlan", m.outer_vlan}});
      }
    }
  }
  out["memberships"] = memberships;
  return out;
}

json network_json(const NetworkConfig& network, const std::vector<dataplane::PortStatus>& ports,
                  const std::vector<dataplane::NetworkStatus>& statuses) {
  json members = json::array();
  unsigned up = 0;
  for (const NetworkMember& m : network.ports) {
    members.push_back(m.port);
    const dataplane::PortStatus* p = find_port(ports, m.port);
    if (p != nullptr && p->up) ++up;
  }
  const dataplane::NetworkStatus* status = find_network(statuses, network.name);
  return {{"name", network.name},
          {"mode", network_mode_name(network.mode)},
          {"subnet", subnet_json(network)},
          {"members", members},
          {"members_up", up},
          {"fdb_entries", status != nullptr ? status->fdb_entries : 0},
          {"fdb_max_entries", network.fdb.max_entries},
          {"fdb_aging_s", network.fdb.aging_s},
          {"gateway", network.gateway ? json(format_ipv4(*network.gateway)) : json(nullptr)},
          {"nat_uplink", network.nat ? json(network.nat->uplink) : json(nullptr)},
          {"nat_sessions", status != nullptr ? status->nat_sessions : 0},
          {"nat_refused",
           network.nat ? json{{"table_full", status != nullptr ? status->nat_table_full : 0},
                              {"host_limit", status != nullptr ? status->nat_host_limit : 0},
                              {"no_port", status != nullptr ? status->nat_no_port : 0}}
                       : json(nullptr)},
          {"router_mac", network.mode == NetworkMode::routed || network.mode == NetworkMode::nat
                             ? json(format_mac(router_mac_of(network)))
                             : json(nullptr)},
          {"ipv6", ipv6_json(network)},
          {"neighbors", status != nullptr ? status->neighbors : 0},
          {"neighbors6", status != nullptr ? status->neighbors6 : 0},
          {"security_groups", network.security_groups}};
}

json network_detail_json(const NetworkConfig& network, const GatewayConfig& active,
                         const std::vector<dataplane::PortStatus>& ports,
                         const std::vector<dataplane::NetworkStatus>& statuses,
                         const std::vector<dataplane::FdbEntryStatus>& fdb) {
  json out = network_json(network, ports, statuses);
  json members = json::array();
  for (const NetworkMember& m : network.ports) {
    const PortConfig* config = active.find_port(m.port);
    const dataplane::PortStatus* p = find_port(ports, m.port);
    members.push_back({{"port", m.port},
                       {"vlan", m.vlan},
                       {"outer_vlan", m.outer_vlan},
                       {"role", config != nullptr ? json(port_role_name(config->role)) : json(nullptr)},
                       {"state", p == nullptr ? "missing" : p->up ? "up" : "down"},
                       {"reason", p == nullptr ? "not in the data plane" : p->reason}});
  }
  out["members"] = members;
  json static_macs = json::array();
  for (const StaticMacConfig& s : network.static_macs) {
    static_macs.push_back({{"mac", format_mac(s.mac)}, {"port", s.port}});
  }
  out["static_macs"] = static_macs;
  json entries = json::array();
  for (const dataplane::FdbEntryStatus& e : fdb) {
    entries.push_back({{"mac", e.mac},
                       {"port", e.port},
                       {"vlan", e.vlan},
                       {"outer_vlan", e.outer_vlan},
                       {"static", e.is_static},
                       {"age_s", e.age_s}});
  }
  out["fdb"] = entries;
  return out;
}

}  // namespace edgegw::control::views

namespace edgegw::control {

// ControlApi's port and network queries, next to the views they answer with.
namespace {

views::PortContext context_of(const std::optional<GatewayConfig>& active, const ApplyService& apply,
                              const std::string& port) {
  views::PortContext context;
  context.config = active ? active->find_port(port) : nullptr;
  context.host_address_error = apply.host_address_error(port);
  return context;
}

}  // namespace

nlohmann::json ControlApi::ports() const {
  nlohmann::json out = nlohmann::json::array();
  for (const dataplane::PortStatus& p : dataplane_.ports()) {
    out.push_back(views::port_json(p, context_of(apply_.active(), apply_, p.name)));
  }
  return out;
}

std::optional<nlohmann::json> ControlApi::port_show(const std::string& name) const {
  for (const dataplane::PortStatus& p : dataplane_.ports()) {
    if (p.name != name) continue;
    const std::optional<GatewayConfig>& active = apply_.active();
    return views::port_detail_json(p, context_of(active, apply_, name), active ? &*active : nullptr,
                                   apply_.compile_options());
  }
  return std::nullopt;
}

nlohmann::json ControlApi::networks() const {
  nlohmann::json out = nlohmann::json::array();
  const std::optional<GatewayConfig>& active = apply_.active();
  if (!active) return out;
  const std::vector<dataplane::PortStatus> ports = dataplane_.ports();
  const std::vector<dataplane::NetworkStatus> statuses = dataplane_.networks();
  for (const NetworkConfig& network : active->networks) {
    out.push_back(views::network_json(network, ports, statuses));
    add_dhcp(out.back());
    add_router_advertisements(out.back());
  }
  return out;
}

std::optional<nlohmann::json> ControlApi::network_show(const std::string& name) const {
  const std::optional<GatewayConfig>& active = apply_.active();
  const NetworkConfig* network = active ? active->find_network(name) : nullptr;
  if (network == nullptr) return std::nullopt;
  nlohmann::json out = views::network_detail_json(*network, *active, dataplane_.ports(), dataplane_.networks(),
                                                  dataplane_.fdb(name));
  add_dhcp(out);
  add_router_advertisements(out);
  nlohmann::json neighbors = nlohmann::json::array();
  for (const dataplane::NeighborStatus& n : dataplane_.neighbors(name)) {
    neighbors.push_back({{"ip", n.ip6.empty() ? format_ipv4(n.ip) : n.ip6}, {"mac", n.mac}, {"age_s", n.age_s}});
  }
  out["neighbor_entries"] = neighbors;
  return out;
}

}  // namespace edgegw::control
