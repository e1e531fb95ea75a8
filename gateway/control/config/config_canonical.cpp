// to_canonical_json(): one text per config. Fixed key order, every default written out, so the store,
// `config show` and `config diff` see the same bytes for the same config.
#include <string>

#include <nlohmann/json.hpp>

#include "edgegw/control/config_parse.hpp"
#include "edgegw/netproto/ipv6.hpp"

namespace edgegw::control {
namespace {

using Json = nlohmann::ordered_json;

Json port_json(const PortConfig& port) {
  Json out = Json::object();
  out["name"] = port.name;
  out["kind"] = port_kind_name(port.kind);
  out["role"] = port_role_name(port.role);
  switch (port.kind) {
    case PortKind::af_packet:
    case PortKind::tap: out["iface"] = port.iface; break;
    case PortKind::pci: out["pci"] = port.pci; break;
    case PortKind::vdev: out["devargs"] = port.devargs; break;
    // The default socket depends on the run directory, which the document does not know: an
    // unset socket stays unset.
    case PortKind::vhost:
      if (!port.socket.empty()) out["socket"] = port.socket;
      break;
    case PortKind::host:
      out["iface"] = port.iface;
      if (port.address) out["address"] = port.address->to_string();
      break;
  }
  out["mtu"] = port.mtu;
  if (port.mac) out["mac"] = format_mac(*port.mac);
  out["admin_up"] = port.admin_up;
  out["queues"] = port.queues;
  out["mac_limit"] = port.mac_limit;
  // Written only when there are any, so documents without security groups keep their form (and hash).
  if (!port.security_groups.empty()) out["security_groups"] = port.security_groups;
  if (port.shaper) {
    out["shaper"] = Json{{"rate_kbit", port.shaper->rate_kbit},
                         {"burst_bytes", port.shaper->burst_bytes},
                         {"overhead_bytes", port.shaper->overhead_bytes}};
  }
  return out;
}

// Every field written out, the defaults too, as for dhcp.
Json ipv6_json(const NetworkIpv6Config& ipv6) {
  const RouterAdvertisementConfig& ra = ipv6.router_advertisements;
  Json dns = Json::array();
  for (const Ipv6Address& server : ra.dns) dns.push_back(netproto::format_ipv6(server));
  return Json{{"subnet", ipv6.subnet.to_string()},
              {"gateway", netproto::format_ipv6(ipv6.gateway)},
              {"router_advertisements", Json{{"enabled", ra.enabled},
                                             {"interval_s", ra.interval_s},
                                             {"router_lifetime_s", ra.router_lifetime_s},
                                             {"dns", dns}}}};
}

Json network_json(const NetworkConfig& network) {
  Json out = Json::object();
  out["name"] = network.name;
  out["mode"] = network_mode_name(network.mode);
  out["ports"] = Json::array();
  for (const NetworkMember& m : network.ports) {
    // An untagged member is written as its name, the form most documents use.
    if (m.vlan == 0) {
      out["ports"].push_back(m.port);
      continue;
    }
    Json member = Json{{"port", m.port}, {"vlan", m.vlan}};
    if (m.outer_vlan != 0) member["outer_vlan"] = m.outer_vlan;
    out["ports"].push_back(std::move(member));
  }
  out["static_macs"] = Json::array();
  for (const StaticMacConfig& s : network.static_macs) {
    out["static_macs"].push_back(Json{{"mac", format_mac(s.mac)}, {"port", s.port}});
  }
  if (network.subnet) out["subnet"] = network.subnet->to_string();
  out["fdb"] = Json{{"aging_s", network.fdb.aging_s}, {"max_entries", network.fdb.max_entries}};
  if (network.gateway) out["gateway"] = format_ipv4(*network.gateway);
  if (network.router_mac) out["router_mac"] = format_mac(*network.router_mac);
  if (network.nat) {
    Json forwards = Json::array();
    for (const PortForwardConfig& f : network.nat->port_forwards) {
      forwards.push_back(Json{{"protocol", f.protocol == ForwardProtocol::tcp ? "tcp" : "udp"},
                              {"port", f.port},
                              {"to", format_ipv4(f.to)},
                              {"to_port", f.to_port}});
    }
    out["nat"] = Json{{"uplink", network.nat->uplink},
                      {"max_sessions", network.nat->max_sessions},
                      {"max_sessions_per_host", network.nat->max_sessions_per_host},
                      {"port_forwards", forwards}};
  }
  if (network.dhcp) {
    const NetworkDhcpConfig& d = *network.dhcp;
    Json dns = Json::array();
    for (uint32_t server : d.dns) dns.push_back(format_ipv4(server));
    Json leases = Json::array();
    for (const DhcpStaticLeaseConfig& l : d.static_leases) {
      leases.push_back(Json{{"mac", format_mac(l.mac)}, {"ip", format_ipv4(l.ip)}});
    }
    out["dhcp"] = Json{{"range", Json{{"first", format_ipv4(d.range_first)}, {"last", format_ipv4(d.range_last)}}},
                       {"lease_time_s", d.lease_time_s},
                       {"dns", dns},
                       {"domain", d.domain},
                       {"mtu", d.mtu},
                       {"static_leases", leases}};
  }
  if (network.ipv6) out["ipv6"] = ipv6_json(*network.ipv6);
  if (!network.security_groups.empty()) out["security_groups"] = network.security_groups;
  return out;
}

Json security_group_json(const SecurityGroupConfig& group) {
  Json rules = Json::array();
  for (const SecurityRuleConfig& r : group.rules) {
    Json rule = Json::object();
    rule["direction"] = r.direction == SecurityDirection::ingress ? "ingress" : "egress";
    rule["action"] = r.action == SecurityAction::allow ? "allow" : "deny";
    rule["protocol"] = security_protocol_name(r.protocol);
    rule["remote"] = r.remote.to_string();
    if (r.ports) {
      rule["ports"] = r.ports->first == r.ports->last
                          ? std::to_string(r.ports->first)
                          : std::to_string(r.ports->first) + "-" + std::to_string(r.ports->last);
    }
    if (r.icmp_type) rule["icmp_type"] = *r.icmp_type;
    rules.push_back(std::move(rule));
  }
  return Json{{"name", group.name}, {"rules", rules}};
}

Json guest_json(const GuestConfig& g) {
  Json out = Json::object();
  out["name"] = g.name;
  out["vcpus"] = g.vcpus;
  out["memory_mb"] = g.memory_mb;
  out["disks"] = Json::array();
  for (const GuestDiskConfig& d : g.disks) {
    out["disks"].push_back(
        Json{{"image", d.image}, {"format", d.format == DiskFormat::qcow2 ? "qcow2" : "raw"}, {"overlay", d.overlay}});
  }
  if (g.kernel) {
    Json k = Json{{"kernel", g.kernel->kernel}};
    if (!g.kernel->initrd.empty()) k["initrd"] = g.kernel->initrd;
    k["cmdline"] = g.kernel->cmdline;
    out["kernel"] = k;
  }
  out["nics"] = Json::array();
  for (const GuestNicConfig& n : g.nics) {
    Json nic = Json{{"port", n.port}};
    if (n.mac) nic["mac"] = format_mac(*n.mac);
    nic["hotplug"] = n.hotplug;
    out["nics"].push_back(nic);
  }
  if (g.cloud_init) {
    const GuestCloudInitConfig& c = *g.cloud_init;
    Json ci = Json::object();
    if (!c.hostname.empty()) ci["hostname"] = c.hostname;
    if (!c.user.empty()) ci["user"] = c.user;
    if (!c.password_hash.empty()) ci["password_hash"] = c.password_hash;
    ci["ssh_authorized_keys"] = c.ssh_authorized_keys;
    ci["network_dhcp"] = c.network_dhcp;
    out["cloud_init"] = ci;
  }
  out["autostart"] = g.autostart;
  out["restart"] = restart_policy_name(g.restart);
  out["cpus"] = g.cpus;
  return out;
}

std::string range_text(uint32_t first, uint32_t last) {
  return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

std::string address_match_text(const SliceAddressMatch& a) {
  if (!a.ipv4) return a.prefix.to_string();
  const uint32_t v4 = uint32_t{a.prefix.address[12]} << 24 | uint32_t{a.prefix.address[13]} << 16 |
                      uint32_t{a.prefix.address[14]} << 8 | a.prefix.address[15];
  return format_ipv4(v4) + "/" + std::to_string(a.prefix.length - 96);
}

Json slice_match_json(const SliceMatchConfig& m) {
  Json out = Json::object();
  if (!m.ports.empty()) out["ports"] = m.ports;
  if (!m.guests.empty()) out["guests"] = m.guests;
  if (!m.networks.empty()) out["networks"] = m.networks;
  if (!m.pcp.empty()) out["pcp"] = m.pcp;
  if (!m.dscp.empty()) out["dscp"] = m.dscp;
  if (m.protocol) {
    if (const char* name = slice_protocol_name(*m.protocol)) {
      out["protocol"] = name;
    } else {
      out["protocol"] = *m.protocol;
    }
  }
  if (m.src) out["src"] = address_match_text(*m.src);
  if (m.dst) out["dst"] = address_match_text(*m.dst);
  if (m.src_ports) out["src_ports"] = range_text(m.src_ports->first, m.src_ports->last);
  if (m.dst_ports) out["dst_ports"] = range_text(m.dst_ports->first, m.dst_ports->last);
  if (m.vni) out["vni"] = range_text(m.vni->first, m.vni->last);
  return out;
}

Json slice_json(const SliceConfig& s) {
  Json out = Json::object();
  out["name"] = s.name;
  out["class"] = slice_class_name(s.cls);
  out["priority"] = s.priority;
  out["weight"] = s.weight;
  out["guaranteed_kbit"] = s.guaranteed_kbit;
  out["ceiling_kbit"] = s.ceiling_kbit;
  out["burst_bytes"] = s.burst_bytes;
  Json queue = Json{{"packets", s.queue.packets}, {"bytes", s.queue.bytes}, {"drop", slice_drop_policy_name(s.queue.drop)}};
  if (s.queue.drop == SliceDropPolicy::codel) {
    queue["codel_target_us"] = s.queue.codel_target_us;
    queue["codel_interval_us"] = s.queue.codel_interval_us;
  } else if (s.queue.drop == SliceDropPolicy::red) {
    queue["red_min_packets"] = s.queue.red_min_packets;
    queue["red_max_packets"] = s.queue.red_max_packets;
    queue["red_max_p_percent"] = s.queue.red_max_p_percent;
  }
  out["queue"] = queue;
  out["latency_budget_us"] = s.latency_budget_us;
  out["match"] = Json::array();
  for (const SliceMatchConfig& m : s.match) out["match"].push_back(slice_match_json(m));
  if (s.remark_dscp || s.remark_pcp) {
    Json remark = Json::object();
    if (s.remark_dscp) remark["dscp"] = *s.remark_dscp;
    if (s.remark_pcp) remark["pcp"] = *s.remark_pcp;
    out["remark"] = remark;
  }
  if (s.police) {
    const SlicePoliceConfig& p = *s.police;
    Json police = Json{{"mode", p.trtcm ? "trtcm" : "srtcm"}, {"cir_kbit", p.cir_kbit}, {"cbs_bytes", p.cbs_bytes}};
    if (p.trtcm) {
      police["pir_kbit"] = p.pir_kbit;
      police["pbs_bytes"] = p.pbs_bytes;
    } else {
      police["ebs_bytes"] = p.ebs_bytes;
    }
    police["drop_yellow"] = p.drop_yellow;
    out["police"] = police;
  }
  if (s.snssai) {
    Json label = Json{{"sst", s.snssai->sst}};
    if (s.snssai->sd) label["sd"] = snssai_sd_text(*s.snssai->sd);
    out["snssai"] = label;
  }
  out["default"] = s.is_default;
  return out;
}

}  // namespace

std::string to_canonical_json(const GatewayConfig& config) {
  Json doc = Json::object();
  doc["version"] = config.version;
  doc["description"] = config.description;
  doc["ports"] = Json::array();
  for (const PortConfig& port : config.ports) doc["ports"].push_back(port_json(port));
  doc["networks"] = Json::array();
  for (const NetworkConfig& network : config.networks) doc["networks"].push_back(network_json(network));
  // Written only when there are any, so documents without routes keep their canonical form (and hash).
  // The IPv4 routes first, then the IPv6 ones, each in document order.
  if (!config.routes.empty() || !config.routes6.empty()) {
    doc["routes"] = Json::array();
    for (const RouteConfig& r : config.routes) {
      doc["routes"].push_back(Json{{"prefix", r.prefix.to_string()}, {"via", format_ipv4(r.via)}});
    }
    for (const Route6Config& r : config.routes6) {
      doc["routes"].push_back(Json{{"prefix", r.prefix.to_string()}, {"via", netproto::format_ipv6(r.via)}});
    }
  }
  if (!config.security_groups.empty()) {
    doc["security_groups"] = Json::array();
    for (const SecurityGroupConfig& g : config.security_groups) doc["security_groups"].push_back(security_group_json(g));
  }
  // Written only when there are any, as routes and security groups are.
  if (!config.guests.empty()) {
    doc["guests"] = Json::array();
    for (const GuestConfig& g : config.guests) doc["guests"].push_back(guest_json(g));
  }
  if (!config.slices.empty()) {
    doc["slices"] = Json::array();
    for (const SliceConfig& sl : config.slices) doc["slices"].push_back(slice_json(sl));
  }
  // replace: a config built in code (not parsed) may hold invalid UTF-8; dumping must not throw.
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace edgegw::control
