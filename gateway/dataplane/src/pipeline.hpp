// The worker's packet stages. Each stage is a small class with one process(tables, burst, now) call
// that handles a whole burst; stages carry per-packet facts in the mbuf so later stages (routing,
// slicing, overlay) parse nothing twice. No stage allocates, locks, makes system calls or throws;
// every packet a stage drops is counted with its reason.
//
// Per-packet metadata the parse stage leaves in the mbuf for the later stages:
//   hash.usr   the ingress membership (index into Snapshot::members) in the low 16 bits; the route
//              stage sets kRoutedMark on what it forwards, so the security check at the egress
//              port knows the frame did not stay within its network
//   vlan_tci   the ingress inner tag's TCI (0 when untagged): its PCP is carried to egress tags
//   packet_type   of the frame as it is inside the switch: untagged Ethernet (so its L2 header is
//                 always kEthHeaderLen bytes; l2_len is not written: it lives in the mbuf's
//                 second cache line, and writing it cost a cache miss per frame)
//
// Threading: a Pipeline belongs to one worker lcore, as do the counters and tx buffers it writes.
#pragma once

#include <cstdint>

#include "burst.hpp"
#include "counters.hpp"
#include "edgegw/netproto/nat_translate.hpp"
#include "security_stage.hpp"
#include "slice_stage.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {

constexpr uint32_t kRoutedMark = 1u << 31;  // in hash.usr: the frame was routed (see above)

// Counts what arrived (bytes as received on the wire); drops runts and truncated tags
// (`malformed`), frames of a port in no network (`no_network`) and frames whose tags match none of
// the port's memberships (`unknown_vlan`, also a frame with more tags than its membership has);
// strips the tags. Leaves the survivors, in order, in the burst.
class L2ParseStage {
 public:
  explicit L2ParseStage(WorkerCounters& counters) : counters_(counters) {}
  void process(const Snapshot& tables, Burst& burst, uint64_t now);

 private:
  WorkerCounters& counters_;
};

// Learns source MACs into the ingress network's FDB (unless static there; within fdb_max_entries
// and the port's mac_limit) and sends each packet to its static or learned member or floods it to
// the network's other members, pushing each egress member's tags (bytes counted as sent on the
// wire). Consumes the burst: every packet ends in a tx queue or is dropped and counted.
//
// On a routed network, frames to the gateway MAC, and ARP requests for the gateway address, are
// learned from like any other and then moved into `to_router` (in order) for the route stage.
//
// Frames for a filtered membership (security groups) wait until the end of the stage's burst (or
// the router's, see flush_checks) and are judged together against that membership's ingress rules;
// refused ones are dropped and counted (`acl`) on the filtered port. Flooded frames are judged per
// flood.
class BridgeStage {
 public:
  BridgeStage(WorkerCounters& counters, TxBuffers& tx) : counters_(counters), tx_(tx), filter_(counters) {}
  void process(const Snapshot& tables, Burst& burst, uint64_t now, Burst& to_router);
  // Judges the frames waiting for filtered memberships and sends or drops them. process() calls
  // it at its end; the route stage at the end of its burst.
  void flush_checks(const Snapshot& tables, uint64_t now);

  // A frame the switch itself sends into `network` (routed out, or its own ARP and ICMP): to the
  // member its destination MAC was learned behind, or flooded to every member. Counts drops on
  // `counted`'s port. The frame must be untagged with a valid Ethernet header.
  void forward_from_router(const Snapshot& tables, uint16_t network, rte_mbuf* m, uint64_t now,
                           PortCounterCells& counted);
  // A frame back out of the member it came from (ARP and echo replies, ICMP errors).
  void send_to_member(const Snapshot& tables, uint16_t member, rte_mbuf* m, PortCounterCells& counted) {
    send_one(tables, member, m, counted);
  }

 private:
  // What learn() did to the FDB: nothing (refresh, or a static MAC), a change (learned, moved,
  // slot reused), or a counted refusal (fdb_full, mac_limit).
  enum class LearnOutcome : uint8_t { unchanged, changed, refused };
  static void prefetch_fdb_slots(const Snapshot& tables, const Burst& burst);
  LearnOutcome learn(const Snapshot& tables, const SnapshotNetwork& net, const SnapshotPort& ingress, uint64_t src,
                     uint64_t now, PortCounterCells& in);
  uint16_t unicast_member(const Snapshot& tables, const SnapshotNetwork& net, uint64_t dst, uint64_t now) const;
  void send_one(const Snapshot& tables, uint16_t member, rte_mbuf* m, PortCounterCells& in);
  // send_one(), or for a filtered membership (IPv4 only) after flush_checks() judged it.
  void deliver(const Snapshot& tables, uint16_t member, rte_mbuf* m, PortCounterCells& in, uint64_t now);
  // The flooded frame's filtered egress members that their ingress rules refuse it (set in `refused`).
  void judge_flood(const Snapshot& tables, const uint16_t* members, uint16_t count, rte_mbuf* m, uint64_t now,
                   bool* refused);
  // Into the egress port's tx queue; a full queue frees `m` and counts tx_full on that port.
  void enqueue(const Snapshot& tables, uint16_t port, rte_mbuf* m);
  void flood(const Snapshot& tables, const SnapshotNetwork& net, uint16_t ingress_member, rte_mbuf* m,
             PortCounterCells& in, uint64_t now);

  WorkerCounters& counters_;
  TxBuffers& tx_;
  SecurityFilter filter_;
  // Frames waiting for flush_checks(): the check, and where to send or count them.
  struct Waiting {
    uint16_t member = 0;
    PortCounterCells* in = nullptr;
  };
  uint16_t waiting_count_ = 0;
  Waiting waiting_[SecurityFilter::kMaxChecks];
  SecurityCheck checks_[SecurityFilter::kMaxChecks];
  SecurityVerdict verdicts_[SecurityFilter::kMaxChecks];
};

// Transmits every non-empty tx queue with one tx_burst per port; frees and counts (`tx_full`) what
// the device refused. A shaped port's queue goes into its scheduler instead (frames received at
// `rx_tick`), and what the scheduler releases now is transmitted.
class TxStage {
 public:
  TxStage(WorkerCounters& counters, TxBuffers& tx, ShapedTx& shaped) : counters_(counters), tx_(tx), shaped_(shaped) {}
  void process(const Snapshot& tables, uint64_t rx_tick);

 private:
  WorkerCounters& counters_;
  TxBuffers& tx_;
  ShapedTx& shaped_;
};

// The router of the routed networks: answers ARP and ICMP echo for the gateway addresses, and
// routes IPv4 between routed networks and to static routes (TTL, longest-prefix match, next-hop
// resolution by ARP, ICMP time exceeded / unreachable / fragmentation needed, rate-limited), handing
// each routed frame to the bridge of its egress network. IPv6 the same way where a network has it
// (neighbor discovery instead of ARP, hop limit, ICMPv6 errors incl. packet too big, no
// fragmentation); router solicitations go to the control plane. Consumes the burst.
class RouteStage {
 public:
  RouteStage(WorkerCounters& counters, BridgeStage& bridge) : counters_(counters), bridge_(bridge) {}
  void process(const Snapshot& tables, Burst& burst, uint64_t now);

 private:
  void handle_arp(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint64_t now, PortCounterCells& in);
  void handle_ipv4(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint64_t now, PortCounterCells& in);
  void echo_reply(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint32_t ihl, PortCounterCells& in);
  void send_echo_reply(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint8_t* icmp, uint8_t reply_type,
                       PortCounterCells& in);
  // The first bytes of a packet as it arrived, kept where NAT rewrites it in place.
  struct ArrivedHead;
  // Sends an ICMP error about `m` (which stays the caller's) back to its sender, if the rate limit
  // and RFC 1812's rules allow one. With `arrived`, `m` was rewritten by NAT: the error goes to
  // the sender and quotes the packet as it arrived, not as translated.
  void icmp_error(const Snapshot& tables, const rte_mbuf* m, uint16_t member, uint8_t type, uint8_t code,
                  uint32_t rest, uint64_t now, PortCounterCells& in, const ArrivedHead* arrived = nullptr);
  void arp_request(const Snapshot& tables, uint16_t network, uint32_t target, rte_mempool* pool, uint64_t now,
                   PortCounterCells& in);
  void punt(const Snapshot& tables, rte_mbuf* m, PortCounterCells& in);
  // A frame of `length` bytes the router builds, in a new buffer from `pool`; nullptr (counted
  // no_mbuf on `in`) when there is none.
  uint8_t* new_frame(rte_mempool* pool, uint32_t length, rte_mbuf** frame, PortCounterCells& in);
  // One token of the ICMP error rate limit (shared by ICMP and ICMPv6), or false (counted).
  bool take_icmp_token(const Snapshot& tables, uint64_t now);

  // IPv6 (route_stage6.cpp): neighbor discovery for the gateway addresses, echo, forwarding.
  void handle_ipv6(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint64_t now, PortCounterCells& in);
  void handle_nd(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint32_t total, uint64_t now,
                 PortCounterCells& in);
  void neighbor_advert(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint32_t total, uint64_t now,
                       PortCounterCells& in);
  void learn_advert(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint32_t total, uint64_t now,
                    PortCounterCells& in);
  void echo_reply6(const Snapshot& tables, rte_mbuf* m, uint16_t member, PortCounterCells& in);
  void learn_neighbor6(const Snapshot& tables, const SnapshotNetwork& net, const uint8_t* address, const uint8_t* mac,
                       uint64_t now);
  void icmp6_error(const Snapshot& tables, const rte_mbuf* m, uint16_t member, uint8_t type, uint8_t code,
                   uint32_t rest, uint64_t now, PortCounterCells& in);
  void neighbor_solicit(const Snapshot& tables, uint16_t network, const uint8_t* target, rte_mempool* pool,
                        uint64_t now, PortCounterCells& in);
  static const NextHop6* lookup_route6(const Snapshot& tables, const uint8_t* dst);
  void drop(rte_mbuf* m, PortCounterCells& in, DropReason reason) {
    bump(in.drop(reason));
    rte_pktmbuf_free(m);
  }
  void fragment(const Snapshot& tables, uint16_t network, rte_mbuf* m, uint32_t mtu, uint64_t now,
                PortCounterCells& in);
  static const NextHop* lookup_route(const Snapshot& tables, uint32_t dst);
  static bool nat_passed(const netproto::NatResult& r, rte_mbuf* m, PortCounterCells& in);

  WorkerCounters& counters_;
  BridgeStage& bridge_;
  uint64_t icmp_tokens_ = 0;       // ICMP error rate limit: tokens left ...
  uint64_t icmp_refilled_at_ = 0;  // ... and when they were last added
};

class Pipeline {
 public:
  Pipeline(WorkerCounters& counters, TxBuffers& tx)
      : counters_(counters), parse_(counters), security_(counters), slice_(counters), bridge_(counters, tx),
        route_(counters, bridge_), shaped_(counters, tx), tx_(counters, tx, shaped_) {}

  void run(const Snapshot& tables, Burst& burst, uint64_t now) {
    parse_.process(tables, burst, now);
    security_.process(tables, burst, now);
    slice_.process(tables, burst, now);
    bridge_.process(tables, burst, now, to_router_);
    if (to_router_.count != 0) route_.process(tables, to_router_, now);
    tx_.process(tables, now);
  }

  // The shaped ports' schedulers between bursts: what they release by `now` is transmitted.
  // `*backlogged` says whether frames are still queued (the worker keeps polling then).
  unsigned service_shapers(const Snapshot& tables, uint64_t now, bool* backlogged) {
    if (tables.shaped_ports.empty()) {
      *backlogged = false;
      return 0;
    }
    return shaped_.service(tables, now, backlogged);
  }

  // Frames the control plane sends as the gateway (see Dataplane::inject), each with its network's
  // index in hash.usr and the generation of the snapshot that numbered it in hash.fdir.hi: into
  // their networks, then transmitted. A frame numbered by another snapshot is dropped (counted).
  void inject(const Snapshot& tables, rte_mbuf** frames, uint16_t count, uint64_t now);

 private:
  WorkerCounters& counters_;
  L2ParseStage parse_;
  SecurityStage security_;
  SliceStage slice_;
  BridgeStage bridge_;
  RouteStage route_;
  ShapedTx shaped_;
  TxStage tx_;
  Burst to_router_;
};

// Deletes up to `budget` expired FDB slots (and neighbor slots) per network and keeps the per-port learned-MAC counts
// (mac_limit) in step; sweeps the connection table too. Called by the worker once per loop.
void age_fdbs(const Snapshot& tables, uint64_t now, uint32_t budget);

// True when the frame, with the egress member's tags pushed, fits the egress port. Tags ride on top
// of the MTU as on a Linux VLAN device: a 1500-byte MTU carries 1518-byte 802.1Q frames and
// 1522-byte QinQ frames. `m` is the untagged frame inside the switch.
inline bool fits_mtu(const SnapshotPort& egress, const SnapshotMember& member, const rte_mbuf* m) {
  return m->pkt_len + member.tag_bytes <= egress.max_frame + member.tag_bytes;
}

}  // namespace edgegw::dataplane
