// The immutable forwarding snapshot: what the worker polls and how it forwards, compiled by the
// control plane from a SwitchSpec and the ports that are up, and published with one release store.
//
// RCU rules (rte_rcu_qsbr): the worker loads the pointer once per loop with acquire, uses it for
// that loop only, and reports quiescent at the end of the loop. The control plane never modifies a
// published snapshot; it publishes a new one, takes a token with rte_rcu_qsbr_start and frees the old
// one (and anything only it referenced: FDB tables, devices) once rte_rcu_qsbr_check says the worker
// passed the token. Dynamic state (the FDB tables, the per-port learned-MAC counts) lives outside the
// snapshot, owned by the control plane and keyed by stable ids, so an apply that keeps a network
// keeps its FDB.
//
// VLANs: a port belongs to networks through memberships (SnapshotMember), each with the tags its
// frames carry on that port's wire. Inside the switch frames are untagged; the parse stage maps
// (ingress port, tags) to a membership and strips the tags, the bridge pushes the egress member's.
#pragma once

#include <rte_config.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "conntrack_table.hpp"
#include "fdb_table.hpp"
#include "edgegw/netproto/nat_table.hpp"
#include "neighbor_table.hpp"

struct rte_lpm;
struct rte_lpm6;
struct rte_ring;

namespace edgegw::slicing {
class Classifier;
}

namespace edgegw::dataplane {

class SecurityClassifier;
class SliceState;
struct ShapedPort;

constexpr uint16_t kNoIndex = 0xffff;
constexpr unsigned kMaxPorts = RTE_MAX_ETHPORTS;
constexpr unsigned kEthHeaderLen = 14;
constexpr unsigned kVlanTagLen = 4;
constexpr uint16_t kTpidCtag = 0x8100;  // 802.1Q C-tag
constexpr uint16_t kTpidStag = 0x88a8;  // 802.1ad S-tag

// The tags of a frame as a lookup key: outer VID in the high half, inner VID in the low half; an
// 802.1Q-tagged frame is (0, vid), an untagged one (0, 0). kTagKeyNone matches no membership.
constexpr uint32_t tag_key(uint16_t outer_vlan, uint16_t vlan) { return uint32_t{outer_vlan} << 16 | vlan; }
constexpr uint32_t kTagKeyNone = 0xffffffff;

// One port's membership of one network.
struct SnapshotMember {
  uint16_t port = kNoIndex;     // index into Snapshot::ports
  uint16_t network = kNoIndex;  // index into Snapshot::networks
  uint16_t vlan = 0;            // C-tag VID pushed on egress, 0 = untagged
  uint16_t outer_vlan = 0;      // S-tag VID (TPID 0x88a8) outside `vlan`, 0 = none
  uint16_t tag_bytes = 0;       // 0, 4 or 8: what egress adds to the frame
  uint16_t policy = 0;          // security policy id (Snapshot::security), 0 = not filtered
};

// A tagged membership of a port: Snapshot::tag_map holds these sorted by key, per port.
struct TagMapEntry {
  uint32_t key = 0;  // tag_key(outer_vlan, vlan)
  uint16_t member = kNoIndex;
};

struct SnapshotPort {
  uint16_t port_id = 0;
  uint32_t incarnation = 0;  // stored in FDB entries learned on this port
  uint32_t max_frame = 0;    // MTU + Ethernet header, untagged; egress tags are allowed on top
  uint32_t mac_limit = 0;    // learned MACs across its networks, 0 = no limit
  uint16_t untagged = kNoIndex;  // membership for untagged (and priority-tagged) frames
  uint32_t tag_first = 0;        // its tagged memberships: tag_map[tag_first, tag_first + tag_count)
  uint16_t tag_count = 0;
  uint16_t zone = 0;  // the port's connection-tracking zone: stable while the port (by name) exists
  ShapedPort* shaped = nullptr;  // its scheduler (in Snapshot::slicing) when the port has a shaper
};

// A MAC pinned to a member; never learned over, never aged. Sorted by mac in Snapshot::static_macs.
struct StaticFdbEntry {
  uint64_t mac = 0;             // mac_key()
  uint16_t member = kNoIndex;   // kNoIndex while the member's port is down: frames to it are dropped
};

struct SnapshotNetwork {
  SnapshotNetwork() { member_by_port_id.fill(kNoIndex); }

  FdbTable* fdb = nullptr;  // owned by the control plane's FDB registry, outlives this snapshot
  uint64_t aging_ticks = 0;  // fdb_aging_s in the worker's time unit (TSC cycles)
  uint16_t member_count = 0;
  std::array<uint16_t, kMaxPorts> members{};  // indices into Snapshot::members, for flooding
  // DPDK port id -> its membership in this network (a port is in a network at most once), so an
  // FDB entry (port id + incarnation) finds its egress member. kNoIndex when not a member.
  std::array<uint16_t, RTE_MAX_ETHPORTS> member_by_port_id{};
  uint32_t static_first = 0;  // its static MACs: Snapshot::static_macs[static_first, + static_count)
  uint32_t static_count = 0;

  // Routed networks only (routed == true): the switch's interface on the subnet. Frames to
  // router_mac, and ARP asking for router_ip, go to the route stage instead of the bridge.
  bool routed = false;
  uint32_t router_ip = 0;      // host order
  uint32_t subnet_mask = 0;    // host order
  uint64_t router_mac = 0;     // mac_key()
  std::array<uint8_t, 6> router_mac_bytes{};
  uint32_t route_mtu = 0;      // smallest MTU of the member ports that are up: what routing may send
  NeighborTable* neighbors = nullptr;  // owned like the FDB table, outlives this snapshot
  // NAT (owned like the FDB table): on a NAT network (nat_inside) the table its traffic out is
  // translated with; on an uplink, the table of the NAT networks behind it (replies and forwards
  // to router_ip come in through it).
  netproto::NatTable* nat = nullptr;
  bool nat_inside = false;
  bool dhcp = false;  // DHCP to the gateway's server is punted to the control plane (Snapshot::punt)

  // IPv6 on a routed network (routed6 == true): the switch's global address on the IPv6 subnet and
  // its link-local address (both answer neighbor solicitations and ping), the neighbor cache that
  // neighbor discovery fills, and whether router solicitations go to the control plane (which
  // sends the router advertisements) instead of being flooded.
  bool routed6 = false;
  bool rs_punt = false;
  uint8_t prefix6 = 0;
  std::array<uint8_t, 16> router_ip6{};
  std::array<uint8_t, 16> link_local6{};
  Neighbor6Table* neighbors6 = nullptr;  // owned like `neighbors`
};

constexpr uint32_t kNoHop = 0xffffffff;

// Where a route leads: a routed network, and the next hop there (0: the destination itself, for
// the network's own subnet).
struct NextHop {
  uint16_t network = kNoIndex;
  uint32_t via = 0;    // host order
  bool local = false;  // the destination is this network's gateway address: the switch itself
};

// Where an IPv6 route leads: like NextHop, `via` all zero for the destination itself.
struct NextHop6 {
  uint16_t network = kNoIndex;
  bool local = false;
  std::array<uint8_t, 16> via{};
};

// Timing of the route stage, in the worker's time unit (TSC cycles).
struct RouterTimes {
  uint64_t neighbor_aging = 0;     // an entry unheard of this long is gone
  uint64_t neighbor_refresh = 0;   // an entry this old is still used, and asked for again
  uint64_t request_interval = 0;   // at most one ARP request per address per interval
  uint64_t icmp_error_interval = 0;  // ICMP errors: one token per interval
  uint32_t icmp_error_burst = 0;     // ... and at most this many saved up
};

// Learned MACs behind each DPDK port, across its networks, for mac_limit. Dynamic state like the
// FDB: written by the worker only (learn, move, age-out), read by the control plane (status).
// `incarnation` is the port incarnation the count belongs to: a new incarnation (device re-created,
// networks changed, FDB table replaced) makes the old entries unreachable, so the count restarts.
struct MacCount {
  std::atomic<uint32_t> incarnation{0};
  std::atomic<uint32_t> count{0};
};
using MacCounts = std::array<MacCount, RTE_MAX_ETHPORTS>;

// One rx queue the worker polls (a port has one per queue pair). Tx always uses queue 0: one worker
// owns every port, so no two threads share a tx queue.
struct SnapshotRxQueue {
  uint16_t port_id = 0;
  uint16_t queue = 0;
  uint16_t ingress = 0;        // index into Snapshot::ports
  bool rx_interrupt = false;   // the worker enables its rx interrupt before sleeping (see WakeSet)
};

// Per DPDK port id: where the port is in this snapshot.
struct PortIdEntry {
  uint16_t index = kNoIndex;
  uint32_t incarnation = 0;
};

struct Snapshot {
  uint64_t generation = 0;
  std::vector<SnapshotPort> ports;  // polled in this order; at most kMaxPorts
  std::vector<SnapshotNetwork> networks;
  std::vector<SnapshotMember> members;
  std::vector<TagMapEntry> tag_map;
  std::vector<StaticFdbEntry> static_macs;
  std::array<PortIdEntry, RTE_MAX_ETHPORTS> by_port_id{};
  MacCounts* mac_counts = nullptr;  // owned by the control plane, outlives every snapshot
  // Power-aware polling (worker.cpp): the queues to poll, the af_packet wake sockets to arm before
  // sleeping (owned by the port devices, closed only after this snapshot is retired), and whether
  // every queue can wake the worker (else it sleeps only briefly, see WorkerContext).
  std::vector<SnapshotRxQueue> rx_queues;
  std::vector<int> wake_sockets;
  bool all_queues_wake = true;

  // Routing: longest-prefix match over the routed networks' subnets and the static routes (the
  // LPM's next-hop value indexes next_hops), and the switch's own addresses (ICMP echo). The LPM
  // belongs to this snapshot (built before publishing, freed with it).
  std::shared_ptr<rte_lpm> lpm;
  std::vector<NextHop> next_hops;
  uint32_t default_hop = kNoHop;  // the default route (0.0.0.0/0), which rte_lpm cannot hold (depth 0)
  // IPv6 the same way: connected /len subnets, the gateways' /128 addresses (local), static routes.
  std::shared_ptr<rte_lpm6> lpm6;
  std::vector<NextHop6> next_hops6;
  uint32_t default_hop6 = kNoHop;  // ::/0
  RouterTimes router_times;
  // Frames for the control plane (DHCP to the gateway): the worker enqueues, the control plane
  // dequeues. Owned by the data plane for the EAL's lifetime; nullptr: such frames are dropped
  // (punt_full).
  rte_ring* punt = nullptr;

  // Security groups: the classifier of every policy (built before publishing, freed with the last
  // snapshot using it; null when no membership is filtered), the generation of the rules and of
  // which membership has which policy (a flow remembered under another generation is judged
  // again), and the connection table (owned by the data plane, lives until it stops).
  std::shared_ptr<const SecurityClassifier> security;
  uint32_t security_generation = 0;
  ConntrackTable* conntrack = nullptr;
  ConntrackTimes conntrack_times;
  // Slicing (slice_state.hpp): the state (schedulers, policers, counters; kept across applies that
  // do not change the slices or shapers; mutated by the worker only), this snapshot's classifier,
  // whether it looks past L2, the shaped ports (indices into ports) and every port's name (the
  // worker's migration of queued frames finds ports by name).
  std::shared_ptr<SliceState> slicing;
  std::shared_ptr<const slicing::Classifier> slice_classifier;
  bool slice_needs_l3 = false;
  // A slice has a latency budget: the worker keeps polling when idle (waking from a sleep costs more
  // than such a budget on many boxes).
  bool keep_polling = false;
  std::vector<uint16_t> shaped_ports;
  std::vector<std::string> port_names;
};

}  // namespace edgegw::dataplane
