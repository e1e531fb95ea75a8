// The typed desired-state document: what a config (from CLI, MQTT, web or the default) says.
// Produced only by parse_config(), which has validated every field; consumers may trust it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgegw::control {

using MacAddress = std::array<uint8_t, 6>;

// Lowercase "xx:xx:xx:xx:xx:xx", the form the config and the canonical JSON use.
std::string format_mac(const MacAddress& mac);

// Capacity limits of one document; the parser reports a document that exceeds them.
inline constexpr size_t kMaxPorts = 32;
inline constexpr size_t kMaxNetworks = 64;
// Versions stay exact in every JSON implementation (JavaScript's Number.MAX_SAFE_INTEGER).
inline constexpr uint64_t kMaxConfigVersion = (uint64_t{1} << 53) - 1;

struct Ipv4Prefix {
  uint32_t address = 0;  // host byte order, host bits zero
  uint8_t length = 0;
  std::string to_string() const;
  bool contains(uint32_t addr) const;
  bool overlaps(const Ipv4Prefix& other) const;
  bool operator==(const Ipv4Prefix&) const = default;
};

// An interface address with its prefix ("192.168.50.1/24"): a usable host address, so the host bits
// are neither all zero (the network) nor all one (the broadcast address).
struct Ipv4HostAddress {
  uint32_t address = 0;  // host byte order
  uint8_t length = 0;    // 8..30
  std::string to_string() const;
  Ipv4Prefix prefix() const;  // the network it is on
  bool operator==(const Ipv4HostAddress&) const = default;
};

using Ipv6Address = std::array<uint8_t, 16>;  // network order

struct Ipv6Prefix {
  Ipv6Address address{};  // host bits zero
  uint8_t length = 0;
  std::string to_string() const;  // "2001:db8:1::/64"
  bool contains(const Ipv6Address& addr) const;
  bool overlaps(const Ipv6Prefix& other) const;
  bool operator==(const Ipv6Prefix&) const = default;
};

enum class PortKind {
  af_packet,  // Linux interface through DPDK's net_af_packet (a veth end, a NIC without a DPDK driver)
  tap,        // a kernel tap interface created by DPDK's net_tap
  pci,        // a NIC bound to vfio-pci / uio, by PCI address
  vdev,       // any other DPDK virtual device, given as raw devargs
  vhost,      // a guest's NIC: a vhost-user socket served by DPDK's net_vhost
  host,       // the box's own interface: a kernel tap interface created by net_tap
};

// What a port is to the switch; a network's mode decides which roles it may hold.
enum class PortRole {
  physical,  // a NIC or anything standing for the outside
  guest,     // a guest NIC (vhost) or a local workload or container (on a veth, tap or vdev)
  host,      // the box itself (kind host only)
};

const char* port_role_name(PortRole role);
std::optional<PortRole> port_role_from_name(std::string_view name);
// The role a port of `kind` has when its document says none.
PortRole default_port_role(PortKind kind);

const char* port_kind_name(PortKind kind);
std::optional<PortKind> port_kind_from_name(std::string_view name);

// A port's egress shaper: the port sends at most `rate_kbit`, and the slices share that rate by
// their priorities, guarantees, ceilings and weights (see docs/config.md#slices).
struct PortShaperConfig {
  uint64_t rate_kbit = 0;        // 64..100000000 (100 Gbit/s)
  uint32_t burst_bytes = 16384;  // 1514..16777216
  uint16_t overhead_bytes = 24;  // 0..64 added to every frame (preamble, inter-frame gap, FCS)

  bool operator==(const PortShaperConfig&) const = default;
};

struct PortConfig {
  std::string name;     // /ports/N/name: unique, [a-z][a-z0-9_-]{0,14}
  PortKind kind = PortKind::af_packet;
  PortRole role = PortRole::physical;  // /ports/N/role, default from the kind
  std::string iface;    // af_packet, tap, host: Linux interface name
  std::string pci;      // pci: domain:bus:device.function
  std::string devargs;  // vdev: raw DPDK devargs ("net_ring0", "net_memif0,role=server")
  std::string socket;   // vhost: absolute vhost-user socket path; "" = <vhost_dir>/<name>.sock
  std::optional<Ipv4HostAddress> address;  // host: the box's address on this interface
  uint16_t mtu = 1500;  // 68..9600
  std::optional<MacAddress> mac;  // unicast; default: the device's own
  bool admin_up = true;
  uint16_t queues = 1;     // 1..16 rx/tx queue pairs
  uint32_t mac_limit = 0;  // 0..65536 learned MACs behind the port, 0 = no limit
  // Names from GatewayConfig::security_groups, in order (their rules are concatenated); empty: the
  // default of each network the port is in (NetworkConfig::security_groups), else unfiltered.
  std::vector<std::string> security_groups;
  std::optional<PortShaperConfig> shaper;  // egress scheduling by slice; none: sent as it comes

  bool operator==(const PortConfig&) const = default;
};

enum class NetworkMode {
  bridge,     // an L2 segment shared with a physical port (a guest appears on the LAN like a host)
  host_only,  // guests and exactly one host port: the box talks to its guests, nothing goes outside
  isolated,   // guests only ("internal" is accepted as a synonym and written as "isolated")
  routed,     // an IPv4 subnet whose gateway address lives on the switch: frames to the gateway are
              // routed (TTL, ARP, ICMP) to the other routed networks and the static routes
  nat,        // a routed subnet whose traffic out to other networks is source-NATed to the gateway
              // address of its uplink network (with port forwards in)
};

const char* network_mode_name(NetworkMode mode);
std::optional<NetworkMode> network_mode_from_name(std::string_view name);

struct FdbConfig {
  uint32_t aging_s = 300;       // 10..86400
  uint32_t max_entries = 4096;  // 16..65536

  bool operator==(const FdbConfig&) const = default;
};

// A port's membership of a network: untagged (vlan 0), 802.1Q-tagged, or QinQ (outer_vlan set).
struct NetworkMember {
  std::string port;
  uint16_t vlan = 0;        // 1..4094, 0 = untagged
  uint16_t outer_vlan = 0;  // 1..4094 S-tag outside vlan, 0 = none; set only with vlan

  bool operator==(const NetworkMember&) const = default;
};

struct StaticMacConfig {
  MacAddress mac{};
  std::string port;  // a member port of the same network

  bool operator==(const StaticMacConfig&) const = default;
};

inline constexpr size_t kMaxStaticMacs = 256;  // per network

enum class ForwardProtocol { tcp, udp };

// A port forward (DNAT): `protocol` traffic to the uplink's address at `port` goes to to:to_port.
struct PortForwardConfig {
  ForwardProtocol protocol = ForwardProtocol::tcp;
  uint16_t port = 0;     // 1..65535 on the uplink address; unique per (uplink, protocol)
  uint32_t to = 0;       // host order, a host of the NAT network's subnet (not its gateway)
  uint16_t to_port = 0;  // 1..65535

  bool operator==(const PortForwardConfig&) const = default;
};

inline constexpr size_t kMaxPortForwards = 256;  // per network

// Mode nat: the uplink whose gateway address is the external address, and the session limits.
struct NetworkNatConfig {
  std::string uplink;  // a network in mode routed
  uint32_t max_sessions = 65536;         // 1024..1048576, per uplink (NAT networks sharing one share it)
  uint32_t max_sessions_per_host = 4096;  // 0..1048576, 0 = no limit
  std::vector<PortForwardConfig> port_forwards;

  bool operator==(const NetworkNatConfig&) const = default;
};

// A static DHCP lease: the client with `mac` always gets `ip`.
struct DhcpStaticLeaseConfig {
  MacAddress mac{};
  uint32_t ip = 0;  // host order, a host of the subnet, not the gateway

  bool operator==(const DhcpStaticLeaseConfig&) const = default;
};

inline constexpr size_t kMaxDhcpStaticLeases = 1024;  // per network

// Modes routed and nat: the gateway's DHCP server on the network. The options it sends: router =
// the gateway, subnet mask, and dns, domain and mtu when set.
struct NetworkDhcpConfig {
  // The dynamic pool (host order, inclusive; at most 65536 addresses). Default: the upper half of
  // the subnet's hosts on the larger side of the gateway address (192.168.1.128-254 for .1/24).
  uint32_t range_first = 0;
  uint32_t range_last = 0;
  uint32_t lease_time_s = 3600;  // 60..31536000
  std::vector<uint32_t> dns;     // at most 4 servers
  std::string domain;            // "" = not sent
  uint16_t mtu = 0;              // 0 = not sent, else 576..9600
  std::vector<DhcpStaticLeaseConfig> static_leases;

  bool operator==(const NetworkDhcpConfig&) const = default;
};

// Router advertisements (RFC 4861) of the gateway on an IPv6 subnet: hosts autoconfigure (SLAAC,
// when the subnet is a /64) and take the gateway's link-local address as their default router.
struct RouterAdvertisementConfig {
  bool enabled = true;
  uint32_t interval_s = 200;          // MaxRtrAdvInterval, 4..1800 (the minimum is a third of it)
  uint32_t router_lifetime_s = 1800;  // 0 (not a default router) or interval_s..9000
  std::vector<Ipv6Address> dns;       // RDNSS option (RFC 8106), at most 3

  bool operator==(const RouterAdvertisementConfig&) const = default;
};

// Modes routed and nat: the network's IPv6 subnet, routed (never NATed) by the switch at `gateway`.
struct NetworkIpv6Config {
  Ipv6Prefix subnet;        // length 16..127 (SLAAC needs 64), host bits zero
  Ipv6Address gateway{};    // a global address of the subnet, not the subnet-router anycast (host bits zero)
  RouterAdvertisementConfig router_advertisements;

  bool operator==(const NetworkIpv6Config&) const = default;
};

struct NetworkConfig {
  std::string name;
  NetworkMode mode = NetworkMode::bridge;
  // Each port at most once; a port may be in several networks only with distinct (outer_vlan, vlan),
  // and at most one of its memberships is untagged.
  std::vector<NetworkMember> ports;
  std::vector<StaticMacConfig> static_macs;
  std::optional<Ipv4Prefix> subnet;  // required in mode routed
  FdbConfig fdb;
  // Modes routed and nat: the switch's address on the subnet (host order; a host address of `subnet`)
  // and the MAC it answers with (default: derived from the network name, locally administered).
  std::optional<uint32_t> gateway;
  std::optional<MacAddress> router_mac;
  std::optional<NetworkNatConfig> nat;  // mode nat only (required there)
  std::optional<NetworkDhcpConfig> dhcp;  // modes routed and nat: the gateway serves DHCP
  std::optional<NetworkIpv6Config> ipv6;  // modes routed and nat: an IPv6 subnet routed by the gateway
  // The security groups of member ports that name none themselves (see PortConfig).
  std::vector<std::string> security_groups;

  bool operator==(const NetworkConfig&) const = default;
};

// A static IPv4 route: destinations in `prefix` go to the next hop `via`, which must be on the
// subnet of a routed network (directly connected). "0.0.0.0/0" is the default route.
struct RouteConfig {
  Ipv4Prefix prefix;  // length 0..32, host bits zero
  uint32_t via = 0;   // host order

  bool operator==(const RouteConfig&) const = default;
};

// A static IPv6 route ("::/0" the default): `via` is a global address on a routed network's IPv6
// subnet. Written in the same `routes` array as the IPv4 ones; kMaxRoutes counts both.
struct Route6Config {
  Ipv6Prefix prefix;    // length 0..128, host bits zero
  Ipv6Address via{};

  bool operator==(const Route6Config&) const = default;
};

inline constexpr size_t kMaxRoutes = 1024;

// Security groups: stateful IPv4 filters on the ports that name them (see docs/config.md).
enum class SecurityDirection { ingress, egress };  // towards the port's device / from it
enum class SecurityAction { allow, deny };
enum class SecurityProtocol { any, tcp, udp, icmp };

const char* security_protocol_name(SecurityProtocol protocol);

struct PortRange {
  uint16_t first = 1;
  uint16_t last = 65535;
  bool operator==(const PortRange&) const = default;
};

struct SecurityRuleConfig {
  SecurityDirection direction = SecurityDirection::ingress;
  SecurityAction action = SecurityAction::allow;
  SecurityProtocol protocol = SecurityProtocol::any;
  Ipv4Prefix remote;                 // the other end: source for ingress, destination for egress
  std::optional<PortRange> ports;    // tcp, udp: the packet's destination port
  std::optional<uint8_t> icmp_type;  // icmp only

  bool operator==(const SecurityRuleConfig&) const = default;
};

struct SecurityGroupConfig {
  std::string name;  // unique among security groups
  std::vector<SecurityRuleConfig> rules;

  bool operator==(const SecurityGroupConfig&) const = default;
};

inline constexpr size_t kMaxSecurityGroups = 64;
inline constexpr size_t kMaxSecurityRules = 1024;     // per group
inline constexpr size_t kMaxGroupsPerPort = 16;       // in a port's or a network's list
// Rules of all distinct port policies together (a policy: one ordered list of groups), which is
// what the data plane compiles into its classifier.
inline constexpr size_t kMaxCompiledSecurityRules = 16384;

std::string format_ipv4(uint32_t address);

// Guests: KVM virtual machines the gateway runs, one QEMU process each (see docs/config.md#guests).
enum class RestartPolicy {
  never,       // a guest that stops stays stopped
  on_failure,  // restarted when it crashed (QEMU died without the guest shutting down), with backoff
  always,      // restarted whenever it stops, also after a shutdown from inside, with backoff
};

const char* restart_policy_name(RestartPolicy policy);
std::optional<RestartPolicy> restart_policy_from_name(std::string_view name);

enum class DiskFormat { qcow2, raw };

struct GuestDiskConfig {
  std::string image;  // absolute path of the base image; never written (see overlay)
  DiskFormat format = DiskFormat::qcow2;
  // qcow2 only: the guest writes to its own qcow2 overlay backed by `image` (kept across restarts,
  // deleted with the guest). false: the guest writes the image itself.
  bool overlay = true;

  bool operator==(const GuestDiskConfig&) const = default;
};

// Direct kernel boot (no firmware, no boot disk needed).
struct GuestKernelConfig {
  std::string kernel;   // absolute path
  std::string initrd;   // absolute path, "" = none
  std::string cmdline;  // at most 1024 characters

  bool operator==(const GuestKernelConfig&) const = default;
};

struct GuestNicConfig {
  std::string port;               // a port of kind vhost, used by no other NIC
  std::optional<MacAddress> mac;  // unicast; default derived from the guest name and NIC index
  // Added at the end of a running guest's NICs: plugged in over QMP (device_add on a free PCIe root
  // port) instead of restarting the guest; removed from the end again: unplugged (device_del).
  bool hotplug = false;

  bool operator==(const GuestNicConfig&) const = default;
};

// A cloud-init NoCloud seed (a FAT volume labelled "cidata") attached to the guest.
struct GuestCloudInitConfig {
  std::string hostname;                          // default: the guest name
  std::string user;                              // "" = the image's default user
  std::string password_hash;                     // crypt(3) hash, "" = none (never a clear password)
  std::vector<std::string> ssh_authorized_keys;  // at most 16
  bool network_dhcp = true;                      // network-config: DHCP on every NIC (by MAC)

  bool operator==(const GuestCloudInitConfig&) const = default;
};

struct GuestConfig {
  std::string name;  // unique among guests, name pattern
  uint16_t vcpus = 1;         // 1..64
  uint32_t memory_mb = 256;   // 64..1048576
  std::vector<GuestDiskConfig> disks;  // at most 8, attached as virtio disks in order
  std::optional<GuestKernelConfig> kernel;  // else firmware (SeaBIOS) boots the first disk
  std::vector<GuestNicConfig> nics;         // at most 8, in PCI slot order
  std::optional<GuestCloudInitConfig> cloud_init;
  bool autostart = true;  // started when the config is applied and when the gateway starts
  RestartPolicy restart = RestartPolicy::on_failure;
  // Host CPUs the guest's threads may run on; empty = the board's guest CPUs (never a CPU the
  // board dedicates to a data-plane lcore).
  std::vector<uint16_t> cpus;

  bool operator==(const GuestConfig&) const = default;
};

inline constexpr size_t kMaxGuests = 32;
inline constexpr size_t kMaxGuestDisks = 8;
inline constexpr size_t kMaxGuestNics = 8;

// The default MAC of a guest NIC: 52:54:00 (QEMU's prefix) and three bytes hashed from the guest name
// and NIC index, so a guest keeps its MAC (and its DHCP address) across restarts and config changes.
MacAddress default_guest_mac(const std::string& guest, size_t nic_index);

// Slices: named shares of the ports with a promise (priority, guaranteed and ceiling rates, queue,
// latency budget), see docs/config.md#slices.
enum class SliceClass { urllc, embb, mmtc, custom };
const char* slice_class_name(SliceClass cls);
std::optional<SliceClass> slice_class_from_name(std::string_view name);

enum class SliceDropPolicy { tail, codel, red };
const char* slice_drop_policy_name(SliceDropPolicy policy);

struct SliceQueueConfig {
  uint32_t packets = 1024;      // 1..65536
  uint32_t bytes = 1048576;     // 1514..67108864
  SliceDropPolicy drop = SliceDropPolicy::tail;
  uint32_t codel_target_us = 5000;      // codel: 100..1000000
  uint32_t codel_interval_us = 100000;  // codel: 1000..10000000, more than the target
  uint32_t red_min_packets = 0;         // red: 1 <= min < max <= packets (default packets/4, 3*packets/4)
  uint32_t red_max_packets = 0;
  uint16_t red_max_p_percent = 10;      // red: 1..100

  bool operator==(const SliceQueueConfig&) const = default;
};

// An address prefix of either family; IPv4 kept as an IPv4-mapped IPv6 prefix (::ffff:a.b.c.d/96+len).
struct SliceAddressMatch {
  bool ipv4 = true;
  Ipv6Prefix prefix;

  bool operator==(const SliceAddressMatch&) const = default;
};

struct VniRange {
  uint32_t first = 1;         // 1..16777215
  uint32_t last = 16777215;

  bool operator==(const VniRange&) const = default;
};

// One way into a slice: every field given must match (and within a list, any of its entries).
struct SliceMatchConfig {
  std::vector<std::string> ports;     // ingress ports
  std::vector<std::string> guests;    // ingress through any NIC of these guests
  std::vector<std::string> networks;  // ingress networks
  std::vector<uint8_t> pcp;           // VLAN PCP of the ingress tag, 0..7
  std::vector<uint8_t> dscp;          // 0..63
  std::optional<uint8_t> protocol;    // IP protocol / next header
  std::optional<SliceAddressMatch> src;
  std::optional<SliceAddressMatch> dst;
  std::optional<PortRange> src_ports;  // tcp, udp, sctp
  std::optional<PortRange> dst_ports;
  std::optional<VniRange> vni;

  bool operator==(const SliceMatchConfig&) const = default;
};

// Ingress policing: srTCM (RFC 2697) or trTCM (RFC 2698), color-blind. Red is dropped; yellow is
// dropped too when `drop_yellow`, else passed (and counted).
struct SlicePoliceConfig {
  bool trtcm = false;
  uint64_t cir_kbit = 0;        // 8..100000000
  uint32_t cbs_bytes = 16384;   // 1514..16777216
  uint32_t ebs_bytes = 16384;   // srtcm: 0..16777216
  uint64_t pir_kbit = 0;        // trtcm: cir_kbit..100000000
  uint32_t pbs_bytes = 16384;   // trtcm: 1514..16777216
  bool drop_yellow = false;

  bool operator==(const SlicePoliceConfig&) const = default;
};

// A 5G S-NSSAI (3GPP TS 23.003): the slice/service type and an optional differentiator.
struct SnssaiConfig {
  uint8_t sst = 1;               // 0..255 (1 eMBB, 2 URLLC, 3 MIoT, 4 V2X, ...)
  std::optional<uint32_t> sd;    // 24 bits, "000000".."fffffe" (ffffff means none)

  bool operator==(const SnssaiConfig&) const = default;
};
// An SD as config documents and status write it: 6 lower-case hex digits.
std::string snssai_sd_text(uint32_t sd);

// The protocol names a slice match accepts ("icmp", "tcp", "udp", "icmpv6", "sctp") and back
// (nullptr: a number without a name, written as the number).
std::optional<uint8_t> slice_protocol_number(std::string_view name);
const char* slice_protocol_name(uint8_t number);

struct SliceConfig {
  std::string name;
  SliceClass cls = SliceClass::custom;
  uint8_t priority = 3;            // 0 (first) .. 7; default from the class
  uint32_t weight = 1;             // 1..1000: share of the excess among equal priorities
  uint64_t guaranteed_kbit = 0;    // 0..100000000 on every shaped port
  uint64_t ceiling_kbit = 0;       // 0 = the port's rate; else guaranteed_kbit..100000000
  uint32_t burst_bytes = 16384;    // 1514..16777216
  SliceQueueConfig queue;
  uint32_t latency_budget_us = 0;  // 0 = none, else 1..10000000; default from the class
  std::vector<SliceMatchConfig> match;
  std::optional<uint8_t> remark_dscp;  // rewritten on the slice's IP packets
  std::optional<uint8_t> remark_pcp;   // written into the slice's egress VLAN tags
  std::optional<SlicePoliceConfig> police;
  std::optional<SnssaiConfig> snssai;
  bool is_default = false;  // unmatched traffic; exactly one slice when there are any

  bool operator==(const SliceConfig&) const = default;
};

inline constexpr size_t kMaxSlices = 64;
inline constexpr size_t kMaxSliceMatches = 64;     // per slice
inline constexpr size_t kMaxSliceMatchRules = 1024;  // all slices together


struct GatewayConfig {
  uint64_t version = 0;  // 1..2^53-1, must increase with every applied document
  std::string description;
  std::vector<PortConfig> ports;
  std::vector<NetworkConfig> networks;
  std::vector<RouteConfig> routes;
  std::vector<Route6Config> routes6;  // the IPv6 entries of the document's `routes`, in their order
  std::vector<SecurityGroupConfig> security_groups;
  std::vector<GuestConfig> guests;
  std::vector<SliceConfig> slices;

  const PortConfig* find_port(const std::string& name) const;
  const NetworkConfig* find_network(const std::string& name) const;
  const SecurityGroupConfig* find_security_group(const std::string& name) const;
  const GuestConfig* find_guest(const std::string& name) const;
  const SliceConfig* find_slice(const std::string& name) const;
  // The slice unmatched traffic goes to (nullptr when there are no slices).
  const SliceConfig* default_slice() const;

  bool operator==(const GatewayConfig&) const = default;
};

}  // namespace edgegw::control
