// The bridging fast path: parse, learn + forward/flood, transmit.
#include "pipeline.hpp"

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf_ptype.h>
#include <rte_prefetch.h>

namespace edgegw::dataplane {
namespace {

// Packets ahead whose headers are prefetched while the current one is handled.
constexpr uint16_t kPrefetchAhead = 4;

inline uint16_t ether_type_at(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

void L2ParseStage::process(const Snapshot& tables, Burst& burst, uint64_t /*now*/) {
  PortCounterCells& in = counters_.ports[tables.ports[burst.ingress].port_id];
  const uint16_t n = burst.count;
  for (uint16_t i = 0; i < kPrefetchAhead && i < n; ++i) rte_prefetch0(rte_pktmbuf_mtod(burst.pkts[i], void*));

  uint64_t bytes = 0;
  uint16_t kept = 0;
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) rte_prefetch0(rte_pktmbuf_mtod(burst.pkts[i + kPrefetchAhead], void*));
    rte_mbuf* m = burst.pkts[i];
    bytes += m->pkt_len;
    // The whole L2 header must be in the first segment: later stages read it there.
    if (m->data_len < kEthHeaderLen) {
      bump(in.drop(DropReason::malformed));
      rte_pktmbuf_free(m);
      continue;
    }
    const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
    uint16_t type = ether_type_at(eth + 12);
    if (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) {
      if (m->data_len < kEthHeaderLen + kVlanTagLen) {
        bump(in.drop(DropReason::malformed));
        rte_pktmbuf_free(m);
        continue;
      }
      m->l2_len = kEthHeaderLen + kVlanTagLen;
      m->packet_type = type == RTE_ETHER_TYPE_VLAN ? RTE_PTYPE_L2_ETHER_VLAN : RTE_PTYPE_L2_ETHER_QINQ;
    } else {
      m->l2_len = kEthHeaderLen;
      m->packet_type = RTE_PTYPE_L2_ETHER;
    }
    burst.pkts[kept++] = m;
  }
  bump(in.rx_packets, n);
  bump(in.rx_bytes, bytes);
  burst.count = kept;
}

void BridgeStage::process(const Snapshot& tables, Burst& burst, uint64_t now) {
  const SnapshotPort& ingress = tables.ports[burst.ingress];
  PortCounterCells& in = counters_.ports[ingress.port_id];
  if (ingress.network == kNoIndex) {
    bump(in.drop(DropReason::no_network), burst.count);
    rte_pktmbuf_free_bulk(burst.pkts, burst.count);
    burst.count = 0;
    return;
  }
  const SnapshotNetwork& net = tables.networks[ingress.network];
  const FdbPortRef self{ingress.port_id, ingress.incarnation};

  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
    const bool src_unicast = (eth[6] & 1) == 0;
    const bool dst_unicast = (eth[0] & 1) == 0;
    if (src_unicast && net.fdb->learn(mac_key(eth + 6), self, now, net.aging_ticks) == FdbLearn::full) {
      bump(in.drop(DropReason::fdb_full));  // not learned; the packet still goes on
    }
    uint16_t egress = dst_unicast ? learned_egress(tables, ingress, net, mac_key(eth), now) : kNoIndex;
    if (egress == burst.ingress) {
      bump(in.drop(DropReason::hairpin));
      rte_pktmbuf_free(m);
    } else if (egress != kNoIndex) {
      send_one(tables, egress, m);
    } else {
      flood(tables, net, burst.ingress, m);
    }
  }
  burst.count = 0;
}

// The egress index of a learned destination, or kNoIndex when the destination is unknown, aged,
// or was learned on a port that has since been re-created or left this network.
uint16_t BridgeStage::learned_egress(const Snapshot& tables, const SnapshotPort& ingress,
                                     const SnapshotNetwork& net, uint64_t dst, uint64_t now) const {
  const FdbTable::Slot* entry = net.fdb->lookup(dst, now, net.aging_ticks);
  if (entry == nullptr) return kNoIndex;
  const PortIdEntry& where = tables.by_port_id[entry->port.port_id];
  if (where.index == kNoIndex || where.incarnation != entry->port.incarnation || where.network != ingress.network) {
    return kNoIndex;
  }
  return where.index;
}

void BridgeStage::send_one(const Snapshot& tables, uint16_t egress, rte_mbuf* m) {
  const SnapshotPort& out = tables.ports[egress];
  if (!fits_mtu(out, m)) {
    bump(counters_.ports[out.port_id].drop(DropReason::mtu));
    rte_pktmbuf_free(m);
    return;
  }
  tx_.add(egress, m);
}

void BridgeStage::flood(const Snapshot& tables, const SnapshotNetwork& net, uint16_t ingress, rte_mbuf* m) {
  uint16_t targets[kMaxPorts];
  uint16_t target_count = 0;
  uint16_t others = 0;
  for (uint16_t k = 0; k < net.member_count; ++k) {
    const uint16_t egress = net.members[k];
    if (egress == ingress) continue;
    ++others;
    const SnapshotPort& out = tables.ports[egress];
    if (!fits_mtu(out, m)) {
      bump(counters_.ports[out.port_id].drop(DropReason::mtu));
      continue;
    }
    targets[target_count++] = egress;
  }
  if (target_count == 0) {
    if (others == 0) bump(counters_.ports[tables.ports[ingress].port_id].drop(DropReason::no_egress));
    rte_pktmbuf_free(m);
    return;
  }
  // Transmit is read-only, so every egress port sends the same buffer; each tx completion (or
  // refusal) drops one reference.
  if (target_count > 1) rte_pktmbuf_refcnt_update(m, static_cast<int16_t>(target_count - 1));
  for (uint16_t k = 0; k < target_count; ++k) tx_.add(targets[k], m);
}

void TxStage::process(const Snapshot& tables) {
  for (uint16_t d = 0; d < tx_.dirty_count; ++d) {
    const uint16_t egress = tx_.dirty[d];
    TxBuffers::Queue& q = tx_.queues[egress];
    const uint16_t port_id = tables.ports[egress].port_id;
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
