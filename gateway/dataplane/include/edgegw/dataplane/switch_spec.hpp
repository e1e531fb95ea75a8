// What the control plane asks of the data plane: plain values, no JSON, no SQLite, no DPDK types.
// The table compiler (control) builds one of these from a validated config; Dataplane::apply()
// turns it into devices and an immutable forwarding snapshot.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace edgegw::dataplane {

// devargs rules: a vdev name starts with its driver's name ("net_af_packet", "net_tap", ...) and is
// unique in the process ("net_af_packet_lan,iface=eg-lan0"); a PCI device is its full address
// ("0000:03:00.0"). One DPDK port per device. Changing a port's devargs re-creates its device.
// An af_packet port forwards whatever its kernel interface carries, including what that
// interface's own stack sends: give it no addresses (and no IPv6) and bring it up.
// What a port is to the switch. Network modes (control) decide which roles a network may hold;
// the data plane forwards the same way for all of them.
enum class PortRole : uint8_t {
  physical,  // a NIC or any device standing for the outside (af_packet, tap, pci, pcap, memif)
  guest,     // a guest's NIC (vhost-user), or a local workload on a veth
  host,      // the box itself: a kernel tap interface carrying the box's own traffic
};

// A port's egress shaper: the port's frames leave through a hierarchical scheduler (the shaper, then
// the slices, then one queue per slice); see SliceSpec.
struct ShaperSpec {
  uint64_t rate_bps = 0;
  uint32_t burst_bytes = 16384;
  uint16_t overhead_bytes = 24;  // added to every frame's length for all rate accounting
  bool operator==(const ShaperSpec&) const = default;
};

struct PortSpec {
  std::string name;     // stable id of the port across applies
  std::string devargs;  // DPDK device: "0000:03:00.0" or "net_af_packet_lan,iface=eg-lan0"
  uint16_t mtu = 1500;  // changed live when the driver can, else the device is re-created
  std::optional<std::array<uint8_t, 6>> mac;  // unset: the device's own (a set MAC stays until re-created)
  bool admin_up = true;  // false closes the device (link down); true opens it again
  PortRole role = PortRole::physical;
  uint16_t queues = 1;     // rx/tx queue pairs asked for; fewer when the driver has fewer
  uint32_t mac_limit = 0;  // most MACs learned behind this port across its networks, 0 = no limit
  // Names from SwitchSpec::security_groups filtering this port, in order; empty: each membership
  // takes its network's BridgeSpec::security_groups, and none there leaves it unfiltered.
  std::vector<std::string> security_groups = {};  // (an initializer: aggregate inits may leave it out)
  std::optional<ShaperSpec> shaper = {};  // unset: frames leave as they come
};

// A port's membership of one network. A port may be in several networks only with distinct tags
// (a trunk); at most one untagged membership per port. Frames inside the switch are untagged:
// tags are checked and stripped on ingress, pushed on egress.
struct BridgeMember {
  std::string port;         // a name from SwitchSpec::ports
  uint16_t vlan = 0;        // 802.1Q VID 1..4094 (C-tag, TPID 0x8100); 0 = untagged (access)
  uint16_t outer_vlan = 0;  // QinQ S-tag VID (TPID 0x88a8) outside `vlan`; 0 = none; needs vlan
};

struct StaticMac {
  std::array<uint8_t, 6> mac{};
  std::string port;  // a member port of the same network; never aged, never moved by learning
};

using Ipv6Bytes = std::array<uint8_t, 16>;  // an IPv6 address, network order

// The switch's IPv6 interface on a routed network: it answers neighbor solicitations and echo
// requests for `address` and its link-local address, routes IPv6 (hop limit, longest-prefix match,
// next hops by neighbor discovery, ICMPv6 errors incl. packet too big) and, with
// `router_solicitations`, hands router solicitations to the control plane (Dataplane::punt_receive),
// which answers them (and sends the periodic router advertisements) through Dataplane::inject.
struct RouterInterface6Spec {
  Ipv6Bytes address{};          // a global (or unique local) address of the subnet
  uint8_t prefix_length = 64;   // of the subnet (16..127)
  bool router_solicitations = false;
  bool operator==(const RouterInterface6Spec&) const = default;
};

// The switch's own interface on a routed network: frames to `mac` (and ARP for `address`) are
// routed instead of bridged; the address answers ARP and ICMP echo.
struct RouterInterfaceSpec {
  uint32_t address = 0;        // host order, a host address of the subnet
  uint8_t prefix_length = 24;  // of the subnet (8..30)
  std::array<uint8_t, 6> mac{};
  // DHCP messages to the server (UDP port 67, broadcast or to `mac`) go to the control plane
  // (Dataplane::punt_receive) instead of being routed.
  bool dhcp = false;
  // IPv6 on the same network, when set: the switch is its router at `v6.address` and at the
  // link-local address derived from `mac` (fe80::/64, modified EUI-64).
  std::optional<RouterInterface6Spec> v6 = {};
  bool operator==(const RouterInterfaceSpec&) const = default;
};

// A static route: destinations in prefix/length go to `via`, a next hop on a routed network's
// subnet. Each routed network's own subnet is routed to it directly without a RouteSpec.
struct RouteSpec {
  uint32_t prefix = 0;  // host order, host bits zero
  uint8_t length = 0;   // 0..32
  uint32_t via = 0;     // host order
};

// A static IPv6 route: destinations in prefix/length go to `via`, a global next hop on a routed
// network's IPv6 subnet.
struct Route6Spec {
  Ipv6Bytes prefix{};  // host bits zero
  uint8_t length = 0;  // 0..128
  Ipv6Bytes via{};
};

// A port forward: `protocol` (6 TCP, 17 UDP) to the uplink's address at `port` goes to to:to_port.
struct NatForwardSpec {
  uint8_t protocol = 6;
  uint16_t port = 0;
  uint32_t to = 0;  // host order
  uint16_t to_port = 0;
  bool operator==(const NatForwardSpec&) const = default;
};

// A routed network behind NAT: what leaves it for other networks gets the uplink network's router
// address as its source. NAT networks with the same uplink share one session table (sized by the
// largest max_sessions among them) and its port forwards.
struct NatSpec {
  std::string uplink;  // a BridgeSpec with a router, not itself behind NAT
  uint32_t max_sessions = 65536;
  uint32_t max_sessions_per_host = 4096;  // 0 = no limit
  std::vector<NatForwardSpec> forwards;
  bool operator==(const NatSpec&) const = default;
};

struct BridgeSpec {
  std::string name;  // stable id of the network across applies
  std::vector<BridgeMember> members;
  uint32_t fdb_aging_s = 300;
  uint32_t fdb_max_entries = 4096;  // learned entries; static ones do not count
  std::vector<StaticMac> static_macs;
  std::optional<RouterInterfaceSpec> router;  // set: a routed network
  std::optional<NatSpec> nat;                  // set (with router): a routed network behind NAT
  std::vector<std::string> security_groups = {};  // default of member ports that name none (PortSpec)
};

// One rule of a security group (see docs/config.md). Direction as seen from the port's device:
// ingress is traffic sent to the port, egress what arrives from it.
enum class SecurityDirection : uint8_t { ingress, egress };

struct SecurityRuleSpec {
  SecurityDirection direction = SecurityDirection::ingress;
  bool allow = true;
  uint8_t protocol = 0;        // 0 any, 1 ICMP, 6 TCP, 17 UDP
  uint32_t remote = 0;         // host order, host bits zero: source of ingress, destination of egress
  uint8_t remote_length = 0;   // 0..32
  uint16_t port_first = 0;     // TCP, UDP: destination ports first..last (0..65535: any)
  uint16_t port_last = 65535;
  int16_t icmp_type = -1;      // ICMP: the type, -1 any
  bool operator==(const SecurityRuleSpec&) const = default;
};

struct SecurityGroupSpec {
  std::string name;  // unique; stable id across applies (its rule counters live while its rules stay)
  std::vector<SecurityRuleSpec> rules;
  bool operator==(const SecurityGroupSpec&) const = default;
};

// Slices (docs/config.md#slices). Every frame that enters is classified into one slice: the first
// slice with a matching SliceMatchSpec, else the default one; it is policed and remarked at
// ingress, and queued in its slice's queue on every port with a shaper.
enum class SliceDrop : uint8_t { tail, codel, red };

struct SliceQueueSpec {
  uint32_t packets = 1024;
  uint32_t bytes = 1u << 20;
  SliceDrop drop = SliceDrop::tail;
  uint32_t codel_target_us = 5000;
  uint32_t codel_interval_us = 100000;
  uint32_t red_min_packets = 0;
  uint32_t red_max_packets = 0;
  uint16_t red_max_p_percent = 10;
  bool operator==(const SliceQueueSpec&) const = default;
};

// Every field set must match. Addresses are IPv6; IPv4 ones are IPv4-mapped (::ffff:a.b.c.d, length 96+).
struct SliceMatchSpec {
  std::vector<std::string> ports;     // ingress port names (a guest's NICs are its vhost ports); empty = any
  std::vector<std::string> networks;  // ingress network names; empty = any
  uint8_t pcp_mask = 0;               // bit n set: PCP n matches; 0 = any
  uint64_t dscp_mask = 0;             // bit n set: DSCP n matches; 0 = any (also non-IP)
  int16_t protocol = -1;              // IP protocol / next header, -1 = any
  std::optional<std::pair<Ipv6Bytes, uint8_t>> src = {};  // prefix and length
  std::optional<std::pair<Ipv6Bytes, uint8_t>> dst = {};
  std::optional<std::pair<uint16_t, uint16_t>> src_ports = {};  // first, last
  std::optional<std::pair<uint16_t, uint16_t>> dst_ports = {};
  std::optional<std::pair<uint32_t, uint32_t>> vni = {};
  bool operator==(const SliceMatchSpec&) const = default;
};

struct SlicePoliceSpec {
  bool trtcm = false;
  uint64_t cir_bps = 0;
  uint32_t cbs_bytes = 16384;
  uint32_t ebs_bytes = 16384;  // srtcm
  uint64_t pir_bps = 0;        // trtcm
  uint32_t pbs_bytes = 16384;  // trtcm
  bool drop_yellow = false;
  bool operator==(const SlicePoliceSpec&) const = default;
};

struct SliceSpec {
  std::string name;  // stable id across applies (its counters and queued frames follow the name)
  uint8_t priority = 3;
  uint32_t weight = 1;
  uint64_t guaranteed_bps = 0;
  uint64_t ceiling_bps = 0;  // 0 = the port's rate
  uint32_t burst_bytes = 16384;
  SliceQueueSpec queue = {};
  uint64_t latency_budget_ns = 0;  // 0 = none
  std::vector<SliceMatchSpec> matches = {};
  int16_t remark_dscp = -1;  // -1 = keep
  int16_t remark_pcp = -1;   // -1 = keep (the ingress tag's PCP)
  std::optional<SlicePoliceSpec> police = {};
  bool is_default = false;
  bool operator==(const SliceSpec&) const = default;
};

struct SwitchSpec {
  SwitchSpec() = default;
  // Switches without routes are common (tests, pure L2 sites): {ports, bridges} builds one.
  SwitchSpec(std::vector<PortSpec> ports_in, std::vector<BridgeSpec> bridges_in, std::vector<RouteSpec> routes_in = {})
      : ports(std::move(ports_in)), bridges(std::move(bridges_in)), routes(std::move(routes_in)) {}

  std::vector<PortSpec> ports;
  std::vector<BridgeSpec> bridges;
  std::vector<RouteSpec> routes;
  std::vector<SecurityGroupSpec> security_groups;
  std::vector<Route6Spec> routes6;
  // Empty: every frame is in one implicit default slice (a shaper alone still limits its port).
  std::vector<SliceSpec> slices;
};

}  // namespace edgegw::dataplane
