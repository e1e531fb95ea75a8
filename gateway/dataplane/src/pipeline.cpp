// The fast path's first and last stages: parse + VLAN classify + strip, and transmit. The bridge
// in between is in bridge_stage.cpp.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf_ptype.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>

#include "edgegw/netproto/checksum.hpp"
#include "pipeline.hpp"

#include "capture_tap.hpp"
#include "slice_state.hpp"

namespace edgegw::dataplane {
namespace {

// Packets ahead whose headers are prefetched while the current one is handled.
constexpr uint16_t kPrefetchAhead = 4;
constexpr uint16_t kVidMask = 0x0fff;

using netproto::load_be16;
inline bool is_tpid(uint16_t type) { return type == kTpidCtag || type == kTpidStag; }

// What the parser found in a frame's first segment.
struct Tags {
  bool complete = false;   // the Ethernet header and every tag it announces are present
  uint16_t bytes = 0;      // tag bytes after the MAC addresses: 0, 4 or 8
  uint32_t key = 0;        // tag_key() of the tags, kTagKeyNone when no membership can match
  uint16_t inner_tci = 0;  // TCI of the innermost tag (its PCP is carried to egress)
};

// Up to two tags: an outer 0x88a8 or 0x8100 tag, then an inner 0x8100 tag. A single 0x8100 tag
// with VID 0 (priority tag) counts as untagged; a lone 0x88a8 tag, a VID-0 outer tag and a third
// tag match no membership.
inline Tags parse_tags(const uint8_t* eth, uint32_t len) {
  Tags t;
  if (len < kEthHeaderLen) return t;
  const uint16_t type = load_be16(eth + 12);
  if (!is_tpid(type)) {
    t.complete = true;
    return t;
  }
  if (len < kEthHeaderLen + kVlanTagLen) return t;
  const uint16_t tci1 = load_be16(eth + 14);
  const uint16_t type2 = load_be16(eth + 16);
  if (type2 != kTpidCtag) {
    t.complete = true;
    t.bytes = kVlanTagLen;
    t.inner_tci = tci1;
    t.key = type == kTpidCtag && !is_tpid(type2) ? tag_key(0, tci1 & kVidMask) : kTagKeyNone;
    return t;
  }
  if (len < kEthHeaderLen + 2 * kVlanTagLen) return t;
  const uint16_t tci2 = load_be16(eth + 18);
  t.complete = true;
  t.bytes = 2 * kVlanTagLen;
  t.inner_tci = tci2;
  const bool third_tag = is_tpid(load_be16(eth + 20));
  const uint16_t outer = tci1 & kVidMask;
  t.key = outer == 0 || third_tag ? kTagKeyNone : tag_key(outer, tci2 & kVidMask);
  return t;
}

// The port's membership for `key`, or kNoIndex.
inline uint16_t membership_of(const Snapshot& tables, const SnapshotPort& port, uint32_t key) {
  if (key == 0) return port.untagged;
  if (key == kTagKeyNone || port.tag_count == 0) return kNoIndex;
  const TagMapEntry* first = tables.tag_map.data() + port.tag_first;
  const TagMapEntry* last = first + port.tag_count;
  const TagMapEntry* it = std::lower_bound(first, last, key, [](const TagMapEntry& e, uint32_t k) { return e.key < k; });
  return it != last && it->key == key ? it->member : kNoIndex;
}

}  // namespace

void L2ParseStage::process(const Snapshot& tables, Burst& burst, uint64_t /*now*/) {
  const SnapshotPort& port = tables.ports[burst.ingress];
  PortCounterCells& in = counters_.ports[port.port_id];
  const uint16_t n = burst.count;
  const bool in_no_network = port.untagged == kNoIndex && port.tag_count == 0;
  for (uint16_t i = 0; i < kPrefetchAhead && i < n; ++i) rte_prefetch0(rte_pktmbuf_mtod(burst.pkts[i], void*));

  uint64_t bytes = 0;
  uint16_t kept = 0;
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) rte_prefetch0(rte_pktmbuf_mtod(burst.pkts[i + kPrefetchAhead], void*));
    rte_mbuf* m = burst.pkts[i];
    bytes += m->pkt_len;  // as received on the wire, tags included
    // The whole L2 header must be in the first segment: later stages read it there.
    uint8_t* eth = rte_pktmbuf_mtod(m, uint8_t*);
    const Tags tags = parse_tags(eth, m->data_len);
    DropReason verdict = DropReason::count_;
    uint16_t member = kNoIndex;
    if (!tags.complete) {
      verdict = DropReason::malformed;
    } else if (in_no_network) {
      verdict = DropReason::no_network;
    } else if (member = membership_of(tables, port, tags.key); member == kNoIndex) {
      verdict = DropReason::unknown_vlan;
    }
    if (verdict != DropReason::count_) {
      bump(in.drop(verdict));
      rte_pktmbuf_free(m);
      continue;
    }
    if (tags.bytes != 0) {
      // Strip like rte_vlan_strip: slide the MAC addresses over the tags, drop the front.
      std::memmove(eth + tags.bytes, eth, 2 * RTE_ETHER_ADDR_LEN);
      rte_pktmbuf_adj(m, tags.bytes);
    }
    m->hash.usr = member;
    m->vlan_tci = tags.inner_tci;
    m->packet_type = RTE_PTYPE_L2_ETHER;
    burst.pkts[kept++] = m;
  }
  bump(in.rx_packets, n);
  bump(in.rx_bytes, bytes);
  burst.count = kept;
}

void TxStage::process(const Snapshot& tables, uint64_t rx_tick) {
  uint64_t now = 0;  // read once, and only when a shaped port has frames
  for (uint16_t d = 0; d < tx_.dirty_count; ++d) {
    const uint16_t egress = tx_.dirty[d];
    TxBuffers::Queue& q = tx_.queues[egress];
    if (tables.ports[egress].shaped != nullptr) {
      if (now == 0) now = rte_get_tsc_cycles();
      shaped_.enqueue(tables, egress, q.pkts, q.count, rx_tick, now);
      shaped_.drain(tables, egress, now);
      q.count = 0;
      q.bytes = 0;
      continue;
    }
    const uint16_t port_id = tables.ports[egress].port_id;
    capture_tap(tx_.capture, port_id, CaptureDirection::tx, q.pkts, q.count);
    const uint16_t sent = rte_eth_tx_burst(port_id, 0, q.pkts, q.count);
    uint32_t refused_bytes = 0;
    // Refused packets are still ours: read their length before freeing them. Sent ones may
    // already be freed by the driver, so the sent byte count is derived, never read.
    for (uint16_t k = sent; k < q.count; ++k) refused_bytes += q.pkts[k]->pkt_len;
    if (sent < q.count) rte_pktmbuf_free_bulk(q.pkts + sent, q.count - sent);

    PortCounterCells& out = counters_.ports[port_id];
    bump(out.tx_packets, sent);
    bump(out.tx_bytes, q.bytes - refused_bytes);
    if (sent < q.count) bump(out.drop(DropReason::tx_full), q.count - sent);
    q.count = 0;
    q.bytes = 0;
  }
  tx_.dirty_count = 0;
}

}  // namespace edgegw::dataplane

namespace edgegw::dataplane {

void Pipeline::inject(const Snapshot& tables, rte_mbuf** frames, uint16_t count, uint64_t now) {
  for (uint16_t i = 0; i < count; ++i) {
    rte_mbuf* m = frames[i];
    const uint32_t network = m->hash.usr;
    if (m->hash.fdir.hi != static_cast<uint32_t>(tables.generation) || network >= tables.networks.size()) {
      bump(counters_.inject_stale);
      rte_pktmbuf_free(m);
      continue;
    }
    bump(counters_.injected);
    m->hash.usr = 0;  // the gateway's own frame: not routed (security groups let DHCP replies pass)
    if (tables.slicing) set_slice(m, tables.slicing->default_slice());
    bridge_.forward_from_router(tables, static_cast<uint16_t>(network), m, now, counters_.local);
  }
  bridge_.flush_checks(tables, now);  // frames to filtered members wait for their judgement
  tx_.process(tables, now);
}

}  // namespace edgegw::dataplane
