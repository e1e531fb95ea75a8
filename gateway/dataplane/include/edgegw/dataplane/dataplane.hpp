// The data plane's one narrow interface to the control plane. No DPDK header leaks through here.
//
// Threading: every member function is called from the control-plane thread (the main lcore);
// the data plane runs its worker lcore(s) itself. Nothing here blocks on the workers: old tables
// and removed ports are released later by reclaim(), driven from a control-plane timer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/dataplane/capture.hpp"
#include "edgegw/dataplane/switch_spec.hpp"

namespace edgegw::dataplane {

struct EalOptions {
  std::string lcores = "0-1";      // EAL --lcores / -l; first lcore is main, the next is the worker
  unsigned memory_mb = 512;        // -m
  bool no_huge = true;             // --no-huge (tests, demo, boxes without reserved hugepages)
  bool no_pci = true;              // --no-pci (no PCI NICs used)
  std::string file_prefix;         // --file-prefix; empty: "edgegw-<pid>"; its runtime dir is removed at stop
  std::vector<std::string> extra;  // further EAL arguments, passed as they are
  unsigned mbufs = 8191;           // packet buffers in the shared pool
  // Largest port MTU the data plane accepts. It sizes the packet buffers (a frame always fits one
  // buffer), so it is fixed at start; apply() rejects a PortSpec::mtu above it.
  unsigned max_mtu = 1500;
  // Idle back-off of the worker: after `idle_spins` empty polls it blocks until a port has traffic
  // (rx interrupts, af_packet wake sockets; at most 20 ms). While it polls a port that has neither
  // (net_pcap, ...) it naps instead, doubling from 1 us up to `idle_sleep_max_us`. The first packet
  // returns it to full-rate polling.
  unsigned idle_spins = 256;
  unsigned idle_sleep_max_us = 200;
  // Flows the security groups' connection table holds at most (fixed at start).
  unsigned conntrack_entries = 65536;
};

enum class DropReason : uint8_t {
  no_mbuf,      // rx or flood copy could not get a buffer
  tx_full,      // the egress queue refused the packet
  no_network,   // arrived on a port that belongs to no network
  malformed,    // shorter than an Ethernet header
  mtu,          // larger than the egress port's MTU (routed: only with IP options and no DF; else fragmented)
  hairpin,      // learned destination is the ingress port: not sent back
  fdb_full,     // source MAC not learned because the network's FDB was full (packet still forwarded)
  no_egress,    // flooded, but the network has no other port that is up
  unknown_vlan, // tagged (or untagged) in a way that matches none of the port's memberships
  mac_limit,    // source MAC not learned: the port's mac_limit was reached (packet still forwarded)
  // Routed networks (the route stage):
  ip_malformed,   // to the gateway MAC, but not a well-formed IPv4 packet or ARP message
  ttl_exceeded,   // TTL ran out here (ICMP time exceeded sent back, within the ICMP rate limit)
  no_route,       // no route to the destination (ICMP net unreachable sent back)
  no_neighbor,    // the next hop's MAC is not known yet (an ARP request went out)
  frag_needed,    // larger than the egress MTU with DF set, or IPv6 (ICMP fragmentation needed / packet too big)
  not_routable,   // to the gateway itself but not something it answers (ARP, neighbor discovery, ping), not IP,
                  // IPv6 multicast or link-local destinations, or a link-local source (ICMPv6 beyond scope)
  nat_no_session, // to a NAT uplink's address without a session or port forward (or not translatable)
  nat_limit,      // a NAT session was needed and refused: table full, host limit or no free port
  punt_full,      // a DHCP message or router solicitation found the control plane's queue full
  acl,            // refused by the security groups of the port it came from or was going to
  // Slicing:
  policed,           // its slice's policer colored it red (or yellow, with drop_yellow)
  slice_queue_full,  // its slice's queue on the shaped egress port was full (packets or bytes)
  slice_red,         // dropped early by its slice's RED queue on the shaped egress port
  slice_codel,       // dropped by its slice's CoDel queue (waited too long) on the shaped egress port
  count_,
};

const char* drop_reason_name(DropReason reason);
constexpr unsigned kDropReasonCount = static_cast<unsigned>(DropReason::count_);

// Drops are counted on the port where the verdict is made: mtu and tx_full on the egress port, acl
// (and ip_malformed of a security check) on the filtered port, all others on the ingress port.
struct PortCounters {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  uint64_t drops[kDropReasonCount] = {};
  uint64_t drops_total() const;  // packets lost; fdb_full is not counted (those packets went on)
};

struct PortStatus {
  std::string name;
  std::string devargs;
  std::string network;      // first network it is a member of, "" when in none
  std::vector<std::string> networks;  // every network it is a member of (several on a trunk)
  uint16_t queues = 0;      // queue pairs in use
  uint32_t macs_learned = 0;  // learned MACs behind this port, across its networks
  int port_id = -1;         // DPDK port id, -1 when the device could not be created
  bool up = false;          // device started and forwarding
  std::string reason;       // why it is down ("" when up)
  bool link_up = false;
  uint32_t link_speed_mbps = 0;
  std::string mac;          // xx:xx:xx:xx:xx:xx
  uint16_t mtu = 0;
  PortCounters counters;    // the worker's view (what the bridge saw and did)
  uint64_t hw_rx_missed = 0;  // the device's own imissed + rx errors
  uint64_t hw_tx_errors = 0;
};

struct NetworkStatus {
  std::string name;
  std::vector<std::string> ports;  // member ports that are up and forwarding
  uint32_t fdb_entries = 0;        // learned MACs, aged ones included until the worker sweeps them
  uint32_t fdb_max_entries = 0;
  uint32_t neighbors = 0;          // routed networks: resolved ARP entries of the gateway
  uint32_t neighbors6 = 0;         // ... and resolved IPv6 neighbors
  uint32_t nat_sessions = 0;       // NAT networks: sessions in the table of their uplink
  // ... and the sessions that table refused, by why (shared by the NAT networks of one uplink)
  uint64_t nat_table_full = 0;
  uint64_t nat_host_limit = 0;
  uint64_t nat_no_port = 0;
};

struct FdbEntryStatus {
  std::string mac;     // xx:xx:xx:xx:xx:xx
  std::string port;
  uint16_t vlan = 0;   // the member's tags the MAC was learned on (0 = untagged)
  uint16_t outer_vlan = 0;
  bool is_static = false;
  uint32_t age_s = 0;  // seconds since last seen (0 for static entries)
};

// What the route stages did (all workers).
struct RouterCounters {
  uint64_t routed = 0;             // packets forwarded between routed networks
  uint64_t arp_replies = 0;        // ARP requests for a gateway address answered
  uint64_t arp_requests = 0;       // ARP requests sent for next hops
  uint64_t icmp_echo_replies = 0;  // pings of a gateway address answered
  uint64_t icmp_errors = 0;        // time exceeded, unreachable, fragmentation needed sent
  uint64_t icmp_rate_limited = 0;  // ICMP errors not sent because of the rate limit
  uint64_t neighbor_table_full = 0;  // a neighbor not learned: its network's table was full
  uint64_t arp_replies_received = 0;  // ARP replies to a gateway address taken in (their sender learned)
  uint64_t fragmented = 0;         // packets without DF above the egress MTU, sent in fragments
  uint64_t fragments = 0;          // ... the fragments made of them
  uint64_t punted = 0;             // DHCP messages and router solicitations handed to the control plane
  uint64_t injected = 0;           // frames the control plane sent through the worker (DHCP replies, advertisements)
  uint64_t inject_stale = 0;       // ... dropped because a new snapshot renumbered the networks meanwhile
  uint64_t routed6 = 0;            // of `routed`, the IPv6 packets
  uint64_t nd_adverts = 0;         // neighbor solicitations for a gateway address answered
  uint64_t nd_solicits = 0;        // neighbor solicitations sent for next hops
  uint64_t nd_adverts_received = 0;  // neighbor advertisements taken in (their target learned)
};

// A frame the worker handed to the control plane: a DHCP message to the server of a routed
// network (see RouterInterfaceSpec::dhcp) or an IPv6 router solicitation where the control plane
// advertises (RouterInterface6Spec::router_solicitations), untagged, as it arrived.
struct PuntedFrame {
  std::string network;
  std::string port;  // the member port it came in on
  std::vector<uint8_t> frame;
};

// One NAT session (a connection or flow through the NAT of an uplink).
struct NatSessionStatus {
  std::string protocol;     // tcp, udp, icmp
  uint32_t inside_ip = 0;   // host order
  uint16_t inside_port = 0;  // ICMP: the echo identifier
  uint32_t remote_ip = 0;
  uint16_t remote_port = 0;
  uint32_t external_ip = 0;  // the uplink's address
  uint16_t external_port = 0;
  bool forwarded = false;    // made by a port forward (inbound)
  std::string tcp_state;     // "", transitory, established, closing
  uint32_t idle_s = 0;       // since its last packet
};

// A resolved or pending entry of a routed network's ARP cache.
struct NeighborStatus {
  uint32_t ip = 0;   // host order (IPv4 entries)
  std::string ip6;   // IPv6 entries: the address (ip is 0)
  std::string mac;   // xx:xx:xx:xx:xx:xx, "" while unresolved
  uint32_t age_s = 0;  // since the neighbor last spoke ARP to the gateway
};

// The security groups' connection table.
struct ConntrackCounters {
  uint32_t entries = 0;   // flows remembered (expired ones until the worker sweeps them)
  uint32_t capacity = 0;
  uint64_t full = 0;      // allowed flows not remembered because the table was full
};

// Security groups: what each rule matched, and per policy (one ordered list of groups, shared by
// the memberships that use it) what no rule matched.
struct SecurityRuleStatus {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct SecurityGroupStatus {
  std::string name;
  std::vector<SecurityRuleStatus> rules;  // in the group's order; restart when its rules change
};

struct SecurityPolicyStatus {
  std::vector<std::string> groups;
  std::vector<std::string> ports;  // ports with a membership using this policy
  uint64_t default_allowed = 0;    // no rule matched: egress, or ingress bridged within the network
  uint64_t default_denied = 0;     // no rule matched: ingress routed from elsewhere
};

struct SecurityStatus {
  uint32_t generation = 0;  // of rules and policy assignments; flows of an older one are judged again
  size_t classifier_rules = 0;  // rules compiled (each group once per policy using it)
  std::vector<SecurityGroupStatus> groups;  // SwitchSpec order
  std::vector<SecurityPolicyStatus> policies;
};

// Slices: what each did at ingress (classification, policing, remarking) and in its queue on every
// shaped port. Counters follow the slice's name across applies.
struct LatencySummary {
  uint64_t count = 0;
  uint64_t p50_ns = 0;
  uint64_t p99_ns = 0;
  uint64_t p999_ns = 0;
  uint64_t max_ns = 0;
  uint64_t mean_ns = 0;
};

struct SliceQueueStatus {  // one slice's queue on one shaped port
  std::string port;
  uint64_t enqueued_packets = 0;
  uint64_t enqueued_bytes = 0;
  uint64_t sent_packets = 0;
  uint64_t sent_bytes = 0;
  uint64_t drop_queue_full = 0;  // tail drops (queue.packets or queue.bytes reached)
  uint64_t drop_red = 0;         // RED early drops
  uint64_t drop_codel = 0;       // CoDel head drops
  uint64_t drop_tx = 0;          // dequeued but refused by the device
  uint64_t over_budget = 0;      // sent after waiting longer than the slice's latency budget
  uint32_t depth_packets = 0;
  uint32_t depth_bytes = 0;
  uint32_t max_depth_packets = 0;
  LatencySummary sojourn;   // enqueue -> dequeue
  LatencySummary rx_to_tx;  // receipt -> transmission
};

struct SliceStatus {
  std::string name;
  uint64_t packets = 0;  // classified into the slice at ingress
  uint64_t bytes = 0;
  uint64_t green = 0;    // policer colors (packets); all green without a policer
  uint64_t yellow = 0;
  uint64_t red = 0;
  uint64_t policed = 0;  // dropped by the policer
  uint64_t remarked = 0;  // DSCP rewritten
  std::vector<SliceQueueStatus> queues;  // one per shaped port, SwitchSpec order
};

struct DataplaneStatus {
  unsigned worker_lcores = 0;
  uint64_t snapshot_generation = 0;  // increments on every publish
  uint64_t worker_loops = 0;
  uint64_t worker_idle_sleeps = 0;
  // Worker loops over 1 ms that were not sleeps (its CPU taken by the kernel or, on a VM, the host,
  // or one loop's work that long), their total and the longest, in TSC cycles.
  uint64_t long_loops = 0;
  uint64_t long_loop_cycles = 0;
  uint64_t longest_loop_cycles = 0;
  std::vector<int> worker_tids;      // kernel thread ids of the worker lcores (CPU accounting via /proc)
  bool reclaim_pending = false;      // old tables or removed devices still wait for a grace period
  // Worker cost: TSC cycles spent in rx bursts that received packets (rx call to transmit, as
  // testpmd --record-core-cycles counts; empty polls are idle time), and those packets.
  // busy_cycles / busy_packets is the cycles per packet the benchmark reports.
  uint64_t busy_cycles = 0;
  uint64_t busy_packets = 0;
  uint64_t tsc_hz = 0;
  RouterCounters router;
  ConntrackCounters conntrack;
};

class Dataplane {
 public:
  virtual ~Dataplane() = default;

  // Initialises the EAL, the packet pool and RCU, and launches the worker lcore. Once per process
  // (the EAL cannot be initialised twice): a second call, even after a failed first one or after
  // stop(), returns Errc::conflict. Needs at least 2 lcores (main + worker).
  static Result<std::unique_ptr<Dataplane>> start(const EalOptions& options);

  // Brings devices and forwarding tables to `spec`. A device that is missing or fails to start is
  // reported down with its reason and is not an error; the others forward. Returns an error only
  // when nothing was changed (e.g. a spec the data plane cannot hold: Errc::invalid_argument).
  // Ports and networks the change does not touch keep forwarding and keep their learned MACs.
  // Devices that go away (removed, admin down, changed devargs) close in a later reclaim(); a port
  // that needs such a device's name comes up there, reported "waiting for device ..." until then.
  virtual Result<void> apply(const SwitchSpec& spec) = 0;

  // Releases tables and closes devices that the workers no longer see. Never blocks; call it from a
  // timer (every few ms). Returns true while something is still waiting for a grace period.
  virtual bool reclaim() = 0;

  // In SwitchSpec order; ports that were removed are no longer listed.
  virtual std::vector<PortStatus> ports() const = 0;
  // In SwitchSpec order. Has a default so that test doubles of this interface need not provide it.
  virtual std::vector<NetworkStatus> networks() const { return {}; }
  // The FDB of one network (learned and static entries); empty when the network does not exist.
  virtual std::vector<FdbEntryStatus> fdb(const std::string& /*network*/) const { return {}; }
  // Rule and policy counters of the security groups (defaults for test doubles, as above).
  virtual SecurityStatus security() const { return {}; }
  virtual DataplaneStatus status() const = 0;
  // The NAT sessions of a NAT network (those of its inside hosts) or of an uplink (all of its
  // table), at most `limit`, oldest activity last; empty for other networks.
  virtual std::vector<NatSessionStatus> nat_sessions(const std::string& /*network*/, size_t /*limit*/) const {
    return {};
  }
  // Every slice (the implicit default one when the spec has none), SwitchSpec order.
  virtual std::vector<SliceStatus> slices() const { return {}; }
  // The ARP cache of a routed network; empty for other networks.
  virtual std::vector<NeighborStatus> neighbors(const std::string& /*network*/) const { return {}; }

  // The control plane's side of the gateway's own services (the DHCP server, router advertisements). punt_receive takes up
  // to `max` frames the worker handed over (call it from a timer; cheap when there are none).
  // inject sends an untagged Ethernet frame into `network` as the gateway: to the member its
  // destination MAC was learned behind, or flooded. It returns once the frame is queued for the
  // worker (Errc::not_found for an unknown network, Errc::unavailable when the queue is full).
  virtual std::vector<PuntedFrame> punt_receive(size_t /*max*/) { return {}; }
  virtual Result<void> inject(const std::string& /*network*/, const std::vector<uint8_t>& /*frame*/) {
    return make_error(Errc::unavailable, "this data plane cannot send frames of its own");
  }

  // Packet capture into pcapng files (see capture.hpp). At most a few sessions at once, one per port.
  // capture_poll drains a session's copies into its file and ends it when its count or duration is
  // reached; capture_poll_all does that for every session (call it from a timer, every few ms).
  // capture_stop asks a session to end; it is done (file closed) after a later poll. A finished
  // session stays readable by id until it is stopped or newer ones push it out. The defaults say
  // "unavailable" so that test doubles of this interface need not provide them.
  virtual Result<uint32_t> capture_start(const CaptureRequest& /*request*/) { return capture_unavailable(); }
  virtual Result<CaptureState> capture_poll(uint32_t /*id*/) { return capture_unavailable(); }
  virtual Result<CaptureState> capture_stop(uint32_t /*id*/) { return capture_unavailable(); }
  virtual void capture_poll_all() {}

  // Stops the workers, stops and closes every port and cleans up the EAL (and its runtime dir).
  virtual void stop() = 0;

 private:
  static Error capture_unavailable() { return make_error(Errc::unavailable, "this data plane cannot capture"); }
};

}  // namespace edgegw::dataplane
