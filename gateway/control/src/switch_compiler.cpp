// The table compiler: a validated GatewayConfig -> the SwitchSpec the data plane consumes.
// Pure and total: parse_config() has already checked names, references, tags, roles and ranges, so
// every config it accepts compiles; nothing here can fail or needs the store or DPDK.
#include <string>

#include "edgegw/control/apply_service.hpp"
#include "switch_compiler_slices.hpp"

namespace edgegw::control {
namespace {

constexpr unsigned kAfPacketRingFrames = 2048;

// DPDK devargs for one port. The virtual-device name carries the port name so two ports of the same
// kind get distinct device names (DPDK refuses a second vdev with the same name), and so the name
// stays the same across applies: the data plane keeps a device whose devargs did not change.
std::string devargs_for(const PortConfig& port, const SwitchCompileOptions& options) {
  switch (port.kind) {
    case PortKind::af_packet: {
      std::string devargs = "net_af_packet_" + port.name + ",iface=" + port.iface;
      // One queue pair is net_af_packet's default; more need a socket (fanout member) each.
      if (port.queues > 1) devargs += ",qpairs=" + std::to_string(port.queues);
      // A ring deep enough to ride out a stall of the worker (a vCPU the host stops for 20-100 ms
      // on a shared VM, measured by the slicing bench) without the kernel dropping what arrives
      // meanwhile: 2048 frames of 2 KiB per direction and queue (4 MiB), 80 ms at 300 Mbit/s of
      // full-size frames; net_af_packet's default of 512 overflowed in 20 ms there.
      devargs += ",framecnt=" + std::to_string(kAfPacketRingFrames);
      return devargs;
    }
    case PortKind::tap:
    case PortKind::host:
      // net_tap makes as many queues as the port configures; the devargs name only the interface.
      return "net_tap_" + port.name + ",iface=" + port.iface;
    case PortKind::pci:
      return port.pci;
    case PortKind::vdev:
      return port.devargs;
    case PortKind::vhost:
      // Server mode (no "client=1"): the gateway creates the socket and QEMU connects to it, so a
      // guest can be restarted without the switch re-creating its port.
      return "net_vhost_" + port.name + ",iface=" + vhost_socket_path(port, options) +
             ",queues=" + std::to_string(port.queues);
  }
  return port.devargs;
}

dataplane::SecurityRuleSpec rule_of(const SecurityRuleConfig& r) {
  dataplane::SecurityRuleSpec spec;
  spec.direction = r.direction == SecurityDirection::ingress ? dataplane::SecurityDirection::ingress
                                                             : dataplane::SecurityDirection::egress;
  spec.allow = r.action == SecurityAction::allow;
  switch (r.protocol) {
    case SecurityProtocol::any: spec.protocol = 0; break;
    case SecurityProtocol::icmp: spec.protocol = 1; break;
    case SecurityProtocol::tcp: spec.protocol = 6; break;
    case SecurityProtocol::udp: spec.protocol = 17; break;
  }
  spec.remote = r.remote.address;
  spec.remote_length = r.remote.length;
  // Without `ports` every port matches, 0 included (a rule for tcp with no ports is all of tcp).
  if (r.ports) {
    spec.port_first = r.ports->first;
    spec.port_last = r.ports->last;
  }
  if (r.icmp_type) spec.icmp_type = *r.icmp_type;
  return spec;
}

// The router's IPv6 interface; router solicitations are answered by the control plane only while
// it sends router advertisements there.
dataplane::RouterInterface6Spec router6_of(const NetworkIpv6Config& ipv6) {
  return {ipv6.gateway, ipv6.subnet.length, ipv6.router_advertisements.enabled};
}

dataplane::PortRole role_of(PortRole role) {
  switch (role) {
    case PortRole::physical: return dataplane::PortRole::physical;
    case PortRole::guest: return dataplane::PortRole::guest;
    case PortRole::host: return dataplane::PortRole::host;
  }
  return dataplane::PortRole::physical;
}

}  // namespace

std::string vhost_socket_path(const PortConfig& port, const SwitchCompileOptions& options) {
  if (!port.socket.empty()) return port.socket;
  return options.vhost_dir + "/" + port.name + ".sock";
}

std::vector<GuestDefinition> guest_definitions(const GatewayConfig& config, const SwitchCompileOptions& options) {
  std::vector<GuestDefinition> out;
  for (const GuestConfig& g : config.guests) {
    GuestDefinition def{g, {}};
    for (const GuestNicConfig& nic : g.nics) {
      const PortConfig* port = config.find_port(nic.port);
      def.nic_sockets.push_back(port != nullptr ? vhost_socket_path(*port, options) : "");
    }
    out.push_back(std::move(def));
  }
  return out;
}

dataplane::SwitchSpec compile_switch(const GatewayConfig& config, const SwitchCompileOptions& options) {
  dataplane::SwitchSpec spec;
  spec.ports.reserve(config.ports.size());
  for (const PortConfig& port : config.ports) {
    dataplane::PortSpec p;
    p.name = port.name;
    p.devargs = devargs_for(port, options);
    p.mtu = port.mtu;
    p.mac = port.mac;
    p.admin_up = port.admin_up;
    p.role = role_of(port.role);
    p.queues = port.queues;
    p.mac_limit = port.mac_limit;
    p.security_groups = port.security_groups;
    spec.ports.push_back(std::move(p));
  }
  spec.bridges.reserve(config.networks.size());
  for (const NetworkConfig& network : config.networks) {
    dataplane::BridgeSpec b;
    b.name = network.name;
    b.members.reserve(network.ports.size());
    for (const NetworkMember& m : network.ports) b.members.push_back({m.port, m.vlan, m.outer_vlan});
    b.fdb_aging_s = network.fdb.aging_s;
    b.fdb_max_entries = network.fdb.max_entries;
    b.static_macs.reserve(network.static_macs.size());
    for (const StaticMacConfig& s : network.static_macs) b.static_macs.push_back({s.mac, s.port});
    if ((network.mode == NetworkMode::routed || network.mode == NetworkMode::nat) && network.gateway &&
        network.subnet) {
      b.router = dataplane::RouterInterfaceSpec{*network.gateway, network.subnet->length,
                                                network.router_mac.value_or(default_router_mac(network.name)),
                                                network.dhcp.has_value()};
      if (network.ipv6) b.router->v6 = router6_of(*network.ipv6);
    }
    if (network.mode == NetworkMode::nat && network.nat) {
      dataplane::NatSpec nat;
      nat.uplink = network.nat->uplink;
      nat.max_sessions = network.nat->max_sessions;
      nat.max_sessions_per_host = network.nat->max_sessions_per_host;
      for (const PortForwardConfig& f : network.nat->port_forwards) {
        nat.forwards.push_back({static_cast<uint8_t>(f.protocol == ForwardProtocol::tcp ? 6 : 17), f.port, f.to, f.to_port});
      }
      b.nat = std::move(nat);
    }
    b.security_groups = network.security_groups;
    spec.bridges.push_back(std::move(b));
  }
  for (const RouteConfig& r : config.routes) spec.routes.push_back({r.prefix.address, r.prefix.length, r.via});
  for (const Route6Config& r : config.routes6) spec.routes6.push_back({r.prefix.address, r.prefix.length, r.via});
  for (const SecurityGroupConfig& g : config.security_groups) {
    dataplane::SecurityGroupSpec group;
    group.name = g.name;
    for (const SecurityRuleConfig& r : g.rules) group.rules.push_back(rule_of(r));
    spec.security_groups.push_back(std::move(group));
  }
  compile_slices(config, spec);
  return spec;
}

// Locally administered unicast 02:e9:xx:xx:xx:xx, the rest from FNV-1a of the network's name: the
// same across restarts and boxes (guests keep their ARP entries), distinct between networks.
MacAddress default_router_mac(const std::string& network) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : network) hash = (hash ^ c) * 16777619u;
  return MacAddress{0x02, 0xe9, static_cast<uint8_t>(hash >> 24), static_cast<uint8_t>(hash >> 16),
                    static_cast<uint8_t>(hash >> 8), static_cast<uint8_t>(hash)};
}

}  // namespace edgegw::control
