// The bridge stage: learn the source MAC, find the destination member (static, then learned), or
// flood within the network; push the egress member's tags.
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "edgegw/netproto/checksum.hpp"
#include "pipeline.hpp"

namespace edgegw::dataplane {
namespace {

using netproto::load_be16;
using netproto::load_be32;
using netproto::store_be16;

// unicast_member(): the destination is a static MAC whose port is down.
constexpr uint16_t kStaticDown = 0xfffe;
constexpr uint16_t kPcpMask = 0xe000;
// No MAC: mac_key() is 48 bits wide, so this never equals one.
constexpr uint64_t kNoMac = ~uint64_t{0};

// Pushes the member's tags in front of the ethertype of an mbuf nobody else references. The inner
// tag keeps the PCP the frame arrived with; the outer (S-tag) gets PCP 0. False when the mbuf has
// no headroom left (an rx buffer always has RTE_PKTMBUF_HEADROOM, and stripping only adds to it).
inline bool push_tags(const SnapshotMember& member, rte_mbuf* m) {
  if (member.tag_bytes == 0) return true;
  auto* eth = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, member.tag_bytes));
  if (eth == nullptr) return false;
  std::memmove(eth, eth + member.tag_bytes, 2 * RTE_ETHER_ADDR_LEN);
  uint8_t* tag = eth + 2 * RTE_ETHER_ADDR_LEN;
  if (member.outer_vlan != 0) {
    store_be16(tag, kTpidStag);
    store_be16(tag + 2, member.outer_vlan);
    tag += kVlanTagLen;
  }
  store_be16(tag, kTpidCtag);
  store_be16(tag + 2, static_cast<uint16_t>((m->vlan_tci & kPcpMask) | member.vlan));
  return true;
}

inline const StaticFdbEntry* find_static(const Snapshot& tables, const SnapshotNetwork& net, uint64_t mac) {
  if (net.static_count == 0) return nullptr;
  const StaticFdbEntry* first = tables.static_macs.data() + net.static_first;
  const StaticFdbEntry* last = first + net.static_count;
  const StaticFdbEntry* it =
      std::lower_bound(first, last, mac, [](const StaticFdbEntry& e, uint64_t k) { return e.mac < k; });
  return it != last && it->mac == mac ? it : nullptr;
}

// One learned MAC of `ref` is gone (aged, moved away, overwritten): lower its port's count, unless
// the count already belongs to a newer incarnation of the port.
inline void release_mac(MacCounts& counts, const FdbPortRef& ref) {
  MacCount& c = counts[ref.port_id];
  if (c.incarnation.load(std::memory_order_relaxed) != ref.incarnation) return;
  const uint32_t n = c.count.load(std::memory_order_relaxed);
  if (n != 0) c.count.store(n - 1, std::memory_order_relaxed);
}

}  // namespace

// Consecutive frames of a burst mostly belong to the same conversation, so the stage remembers,
// for this burst only, the last source it learned and the last destination it resolved (each with
// the membership it was seen in, which names the network). `now` is the same for the whole burst,
// so a second learn of the same source would only store the same time again, and a second lookup
// of the same destination finds the same entry unless a learn in between changed the table: any
// learn other than a refresh forgets the destination. A refused learn (fdb_full, mac_limit) is not
// remembered, so every frame it refuses is counted.
// Whether a broadcast frame is a DHCP client's message to a server (IPv4, UDP to port 67).
inline bool is_dhcp_to_server(const rte_mbuf* m, const uint8_t* eth) {
  constexpr uint32_t kUdpHeaderLen = 8;
  if (eth[12] != 0x08 || eth[13] != 0x00 || m->data_len < kEthHeaderLen + 20 + kUdpHeaderLen) return false;
  const uint8_t* ip = eth + kEthHeaderLen;
  const uint32_t ihl = (ip[0] & 0x0fu) * 4;
  return ip[9] == 17 && ihl >= 20 && m->data_len >= kEthHeaderLen + ihl + kUdpHeaderLen &&
         load_be16(ip + ihl + 2) == 67;
}

// IPv6 neighbor discovery for the gateway (multicast, so not to its MAC): a neighbor solicitation
// for one of its addresses, and router solicitations when the control plane answers them. Other
// neighbor discovery is bridged: hosts resolve each other.
inline bool is_nd_for_router(const SnapshotNetwork& net, const rte_mbuf* m, const uint8_t* eth) {
  constexpr uint32_t kIcmp = kEthHeaderLen + 40;
  constexpr uint32_t kTarget = kIcmp + 8;
  if (!net.routed6 || m->data_len < kIcmp + 4 || eth[kEthHeaderLen + 6] != 58) return false;
  if (eth[kIcmp] == 133) return net.rs_punt;  // router solicitation
  if (eth[kIcmp] != 135 || m->data_len < kTarget + 16) return false;  // neighbor solicitation
  return std::memcmp(eth + kTarget, net.router_ip6.data(), 16) == 0 ||
         std::memcmp(eth + kTarget, net.link_local6.data(), 16) == 0;
}

// Whether an untagged frame in a routed network is for the router: unicast to its MAC, an ARP
// request (broadcast) asking for its address, IPv6 neighbor discovery for it, or a broadcast DHCP
// message when the gateway serves DHCP (not flooded on: the gateway is the network's server). Other broadcasts and ARP are bridged
// as usual.
inline bool for_router(const SnapshotNetwork& net, const rte_mbuf* m, const uint8_t* eth) {
  if (!net.routed) return false;
  if ((eth[0] & 1) == 0) return mac_key(eth) == net.router_mac;
  constexpr uint32_t kArpTargetIp = kEthHeaderLen + 24;
  if (eth[12] == 0x08 && eth[13] == 0x06) {
    return m->data_len >= kArpTargetIp + 4 && load_be32(eth + kArpTargetIp) == net.router_ip;
  }
  if (eth[12] == 0x86 && eth[13] == 0xdd) return is_nd_for_router(net, m, eth);
  return net.dhcp && is_dhcp_to_server(m, eth);
}

void BridgeStage::process(const Snapshot& tables, Burst& burst, uint64_t now, Burst& to_router) {
  const SnapshotPort& ingress = tables.ports[burst.ingress];
  PortCounterCells& in = counters_.ports[ingress.port_id];
  uint64_t seen_src = kNoMac;
  uint16_t seen_src_member = kNoIndex;
  uint64_t seen_dst = kNoMac;
  uint16_t seen_dst_member = kNoIndex;
  uint16_t seen_egress = kNoIndex;
  prefetch_fdb_slots(tables, burst);
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    const auto member = static_cast<uint16_t>(m->hash.usr);
    const SnapshotNetwork& net = tables.networks[tables.members[member].network];
    const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
    if ((eth[6] & 1) == 0) {
      const uint64_t src = mac_key(eth + 6);
      if (src != seen_src || member != seen_src_member) {
        const LearnOutcome outcome = learn(tables, net, ingress, src, now, in);
        seen_src = outcome == LearnOutcome::refused ? kNoMac : src;
        seen_src_member = member;
        if (outcome == LearnOutcome::changed) seen_dst = kNoMac;
      }
    }
    if (for_router(net, m, eth)) {
      to_router.pkts[to_router.count++] = m;
      continue;
    }
    uint16_t egress = kNoIndex;
    if ((eth[0] & 1) == 0) {
      const uint64_t dst = mac_key(eth);
      if (dst != seen_dst || member != seen_dst_member) {
        seen_dst = dst;
        seen_dst_member = member;
        seen_egress = unicast_member(tables, net, dst, now);
      }
      egress = seen_egress;
    }
    if (egress == member) {
      bump(in.drop(DropReason::hairpin));
      rte_pktmbuf_free(m);
    } else if (egress == kStaticDown) {
      bump(in.drop(DropReason::no_egress));
      rte_pktmbuf_free(m);
    } else if (egress != kNoIndex) {
      deliver(tables, egress, m, in, now);
    } else {
      flood(tables, net, member, m, in, now);
    }
  }
  burst.count = 0;
  flush_checks(tables, now);
}

// Prefetches the FDB slots the burst will learn into and look up (a MAC repeated from the frame
// before needs none), so that with many stations the table's cache misses overlap.
void BridgeStage::prefetch_fdb_slots(const Snapshot& tables, const Burst& burst) {
  uint64_t last_src = kNoMac;
  uint64_t last_dst = kNoMac;
  for (uint16_t i = 0; i < burst.count; ++i) {
    const rte_mbuf* m = burst.pkts[i];
    const FdbTable& fdb = *tables.networks[tables.members[static_cast<uint16_t>(m->hash.usr)].network].fdb;
    const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint64_t src = mac_key(eth + 6);
    const uint64_t dst = mac_key(eth);
    if (src != last_src) fdb.prefetch(src);
    if (dst != last_dst) fdb.prefetch(dst);
    last_src = src;
    last_dst = dst;
  }
}

// Static MACs are never learned over. A MAC new to this port must fit the port's mac_limit (across
// its networks) and the network's fdb_max_entries; either refusal is counted and the packet goes on.
BridgeStage::LearnOutcome BridgeStage::learn(const Snapshot& tables, const SnapshotNetwork& net,
                                             const SnapshotPort& ingress, uint64_t src, uint64_t now,
                                             PortCounterCells& in) {
  if (find_static(tables, net, src) != nullptr) return LearnOutcome::unchanged;
  const FdbPortRef self{ingress.port_id, ingress.incarnation};
  MacCounts& counts = *tables.mac_counts;
  MacCount& mine = counts[ingress.port_id];
  if (mine.incarnation.load(std::memory_order_relaxed) != ingress.incarnation) {
    mine.count.store(0, std::memory_order_relaxed);
    mine.incarnation.store(ingress.incarnation, std::memory_order_relaxed);
  }
  const uint32_t learned = mine.count.load(std::memory_order_relaxed);
  if (ingress.mac_limit != 0 && learned >= ingress.mac_limit) {
    // At the limit only a refresh of a MAC already counted here may go on (a second probe, paid
    // only by ports at their limit).
    const FdbTable::Slot* known = net.fdb->find(src);
    if (known == nullptr || !(known->port == self)) {
      bump(in.drop(DropReason::mac_limit));
      return LearnOutcome::refused;
    }
  }
  FdbEvicted evicted;
  const FdbLearn result = net.fdb->learn(src, self, now, net.aging_ticks, &evicted);
  if (result == FdbLearn::full) {
    bump(in.drop(DropReason::fdb_full));
    return LearnOutcome::refused;
  }
  if (result == FdbLearn::refreshed) return LearnOutcome::unchanged;  // already counted
  mine.count.store(learned + 1, std::memory_order_relaxed);
  if (evicted.any) release_mac(counts, evicted.port);
  return LearnOutcome::changed;
}

// The member a unicast destination is behind: a static entry first, then a live learned entry whose
// port is still this incarnation and still in this network. kNoIndex when unknown (flood).
uint16_t BridgeStage::unicast_member(const Snapshot& tables, const SnapshotNetwork& net, uint64_t dst,
                                     uint64_t now) const {
  if (const StaticFdbEntry* pinned = find_static(tables, net, dst)) {
    return pinned->member == kNoIndex ? kStaticDown : pinned->member;
  }
  const FdbTable::Slot* entry = net.fdb->lookup(dst, now, net.aging_ticks);
  if (entry == nullptr) return kNoIndex;
  const uint16_t member = net.member_by_port_id[entry->port.port_id];
  if (member == kNoIndex || tables.ports[tables.members[member].port].incarnation != entry->port.incarnation) {
    return kNoIndex;
  }
  return member;
}

void BridgeStage::send_one(const Snapshot& tables, uint16_t member, rte_mbuf* m, PortCounterCells& in) {
  const SnapshotMember& to = tables.members[member];
  const SnapshotPort& out = tables.ports[to.port];
  if (!fits_mtu(out, to, m)) {
    bump(counters_.ports[out.port_id].drop(DropReason::mtu));
    rte_pktmbuf_free(m);
    return;
  }
  if (!push_tags(to, m)) {
    bump(in.drop(DropReason::no_mbuf));
    rte_pktmbuf_free(m);
    return;
  }
  enqueue(tables, to.port, m);
}

void BridgeStage::deliver(const Snapshot& tables, uint16_t member, rte_mbuf* m, PortCounterCells& in, uint64_t now) {
  const SnapshotMember& to = tables.members[member];
  if (to.policy == 0 || !is_checked_frame(rte_pktmbuf_mtod(m, const uint8_t*))) {
    send_one(tables, member, m, in);
    return;
  }
  if (waiting_count_ == SecurityFilter::kMaxChecks) flush_checks(tables, now);
  checks_[waiting_count_] = SecurityCheck{m, to.policy, tables.ports[to.port].zone, SecurityDirection::ingress,
                                          (m->hash.usr & kRoutedMark) != 0};
  waiting_[waiting_count_++] = Waiting{member, &in};
}

void BridgeStage::flush_checks(const Snapshot& tables, uint64_t now) {
  if (waiting_count_ == 0) return;
  filter_.judge(tables, checks_, waiting_count_, now, verdicts_);
  for (uint16_t i = 0; i < waiting_count_; ++i) {
    rte_mbuf* m = checks_[i].m;
    if (verdicts_[i] == SecurityVerdict::pass) {
      send_one(tables, waiting_[i].member, m, *waiting_[i].in);
      continue;
    }
    const uint16_t port_id = tables.ports[tables.members[waiting_[i].member].port].port_id;
    bump(counters_.ports[port_id].drop(verdicts_[i] == SecurityVerdict::deny ? DropReason::acl : DropReason::ip_malformed));
    rte_pktmbuf_free(m);
  }
  waiting_count_ = 0;
}

void BridgeStage::judge_flood(const Snapshot& tables, const uint16_t* members, uint16_t count, rte_mbuf* m,
                              uint64_t now, bool* refused) {
  SecurityCheck checks[kMaxPorts];
  SecurityVerdict verdicts[kMaxPorts];
  const bool routed = (m->hash.usr & kRoutedMark) != 0;
  for (uint16_t k = 0; k < count; ++k) {
    const SnapshotMember& to = tables.members[members[k]];
    checks[k] = SecurityCheck{m, to.policy, tables.ports[to.port].zone, SecurityDirection::ingress, routed};
  }
  filter_.judge(tables, checks, count, now, verdicts);
  for (uint16_t k = 0; k < count; ++k) {
    refused[k] = verdicts[k] != SecurityVerdict::pass;
    if (!refused[k]) continue;
    const uint16_t port_id = tables.ports[tables.members[members[k]].port].port_id;
    bump(counters_.ports[port_id].drop(verdicts[k] == SecurityVerdict::deny ? DropReason::acl : DropReason::ip_malformed));
  }
}

void BridgeStage::enqueue(const Snapshot& tables, uint16_t port, rte_mbuf* m) {
  if (tx_.add(port, m)) return;
  bump(counters_.ports[tables.ports[port].port_id].drop(DropReason::tx_full));
  rte_pktmbuf_free(m);
}

// Untagged members share the frame by reference count (transmit is read-only). A tagged member gets
// its own copy, because pushing its tag into a shared buffer would show on every port sharing it.
// A full copy rather than a header mbuf chained to an indirect clone: the copy stays one segment,
// which every PMD, the MTU check and later stages take as it is, and a flood of a small frame costs
// about the same either way; floods are the minority of traffic. The original frame itself goes to
// one tagged member when no untagged member shares it.
void BridgeStage::flood(const Snapshot& tables, const SnapshotNetwork& net, uint16_t ingress_member, rte_mbuf* m,
                        PortCounterCells& in, uint64_t now) {
  // Filtered members first: their ingress rules decide whether they get a copy at all.
  bool refused[kMaxPorts] = {};
  if (tables.security && is_checked_frame(rte_pktmbuf_mtod(m, const uint8_t*))) {
    uint16_t filtered[kMaxPorts];
    uint16_t position[kMaxPorts];
    bool verdicts[kMaxPorts];
    uint16_t count = 0;
    for (uint16_t k = 0; k < net.member_count; ++k) {
      if (net.members[k] == ingress_member || tables.members[net.members[k]].policy == 0) continue;
      filtered[count] = net.members[k];
      position[count++] = k;
    }
    if (count != 0) judge_flood(tables, filtered, count, m, now, verdicts);
    for (uint16_t k = 0; k < count; ++k) refused[position[k]] = verdicts[k];
  }
  uint16_t untagged[kMaxPorts];
  uint16_t tagged[kMaxPorts];
  uint16_t untagged_count = 0;
  uint16_t tagged_count = 0;
  uint16_t others = 0;
  for (uint16_t k = 0; k < net.member_count; ++k) {
    const uint16_t member = net.members[k];
    if (member == ingress_member) continue;
    ++others;
    if (refused[k]) continue;
    const SnapshotMember& to = tables.members[member];
    const SnapshotPort& out = tables.ports[to.port];
    if (!fits_mtu(out, to, m)) {
      bump(counters_.ports[out.port_id].drop(DropReason::mtu));
      continue;
    }
    if (to.tag_bytes == 0) {
      untagged[untagged_count++] = member;
    } else {
      tagged[tagged_count++] = member;
    }
  }
  if (untagged_count + tagged_count == 0) {
    if (others == 0) bump(in.drop(DropReason::no_egress));
    rte_pktmbuf_free(m);
    return;
  }
  // Copies first, while the original is still untouched.
  const uint16_t copies = untagged_count == 0 ? tagged_count - 1 : tagged_count;
  for (uint16_t k = 0; k < copies; ++k) {
    const SnapshotMember& to = tables.members[tagged[k]];
    rte_mbuf* copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
    if (copy == nullptr || !push_tags(to, copy)) {
      bump(in.drop(DropReason::no_mbuf));
      rte_pktmbuf_free(copy);
      continue;
    }
    enqueue(tables, to.port, copy);
  }
  if (untagged_count == 0) {
    send_one(tables, tagged[tagged_count - 1], m, in);  // MTU already checked; pushes the tags
    return;
  }
  if (untagged_count > 1) rte_pktmbuf_refcnt_update(m, static_cast<int16_t>(untagged_count - 1));
  for (uint16_t k = 0; k < untagged_count; ++k) enqueue(tables, tables.members[untagged[k]].port, m);
}

void BridgeStage::forward_from_router(const Snapshot& tables, uint16_t network, rte_mbuf* m, uint64_t now,
                                      PortCounterCells& counted) {
  const SnapshotNetwork& net = tables.networks[network];
  const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint16_t egress = (eth[0] & 1) == 0 ? unicast_member(tables, net, mac_key(eth), now) : kNoIndex;
  if (egress == kStaticDown) {
    bump(counted.drop(DropReason::no_egress));
    rte_pktmbuf_free(m);
  } else if (egress != kNoIndex) {
    deliver(tables, egress, m, counted, now);
  } else {
    flood(tables, net, kNoIndex, m, counted, now);
  }
}

void age_fdbs(const Snapshot& tables, uint64_t now, uint32_t budget) {
  // An empty connection table (no security groups in use) costs nothing to leave alone.
  if (tables.conntrack != nullptr && tables.conntrack->size() != 0) {
    tables.conntrack->sweep(now, tables.conntrack_times, budget * 4);
  }
  MacCounts& counts = *tables.mac_counts;
  for (const SnapshotNetwork& net : tables.networks) {
    net.fdb->sweep(now, net.aging_ticks, budget, [&counts](const FdbPortRef& ref) { release_mac(counts, ref); });
    if (net.neighbors != nullptr) net.neighbors->sweep(now, tables.router_times.neighbor_aging, budget);
    if (net.neighbors6 != nullptr) net.neighbors6->sweep(now, tables.router_times.neighbor_aging, budget);
    if (net.nat != nullptr && !net.nat_inside) net.nat->sweep(now, budget);  // each table once, at its uplink
  }
}

}  // namespace edgegw::dataplane
