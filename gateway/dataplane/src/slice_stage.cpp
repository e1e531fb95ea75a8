// SliceStage (classify, police, remark at ingress) and ShapedTx (a shaped port's scheduler, then tx).
#include "slice_stage.hpp"

#include <rte_ethdev.h>

#include <cstring>

#include "capture_tap.hpp"
#include "edgegw/netproto/checksum.hpp"
#include "slice_state.hpp"

namespace edgegw::dataplane {
namespace {

using netproto::load_be16;

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kVxlanPort = 4789;

bool has_ports(uint8_t protocol) { return protocol == 6 || protocol == 17 || protocol == 132; }

// L3/L4 facts of an untagged frame for the classifier (what it needs past L2).
void parse_l3(const rte_mbuf* m, slicing::PacketMeta& meta) {
  const auto* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t len = m->data_len;
  if (len < kEthHeaderLen + 20) return;
  const uint16_t type = load_be16(eth + 12);
  const uint8_t* ip = eth + kEthHeaderLen;
  const uint8_t* l4 = nullptr;
  uint32_t l4_len = 0;
  if (type == kEtherIpv4 && (ip[0] >> 4) == 4) {
    const uint32_t ihl = (ip[0] & 0x0fu) * 4;
    if (ihl < 20 || len < kEthHeaderLen + ihl) return;
    meta.ip_version = 4;
    meta.dscp = ip[1] >> 2;
    meta.protocol = ip[9];
    meta.src[10] = meta.src[11] = 0xff;
    meta.dst[10] = meta.dst[11] = 0xff;
    std::memcpy(meta.src.data() + 12, ip + 12, 4);
    std::memcpy(meta.dst.data() + 12, ip + 16, 4);
    // Only the first fragment has the ports.
    if ((load_be16(ip + 6) & 0x1fff) == 0) {
      l4 = ip + ihl;
      l4_len = len - kEthHeaderLen - ihl;
    }
  } else if (type == kEtherIpv6 && (ip[0] >> 4) == 6 && len >= kEthHeaderLen + 40) {
    meta.ip_version = 6;
    meta.dscp = static_cast<uint8_t>((load_be16(ip) >> 6) & 0x3f);
    meta.protocol = ip[6];
    std::memcpy(meta.src.data(), ip + 8, 16);
    std::memcpy(meta.dst.data(), ip + 24, 16);
    l4 = ip + 40;
    l4_len = len - kEthHeaderLen - 40;
  } else {
    return;
  }
  if (l4 == nullptr || !has_ports(meta.protocol) || l4_len < 4) return;
  meta.src_port = load_be16(l4);
  meta.dst_port = load_be16(l4 + 2);
  if (meta.protocol == 17 && meta.dst_port == kVxlanPort && l4_len >= 16 && (l4[8] & 0x08) != 0) {
    meta.has_vni = true;
    meta.vni = uint32_t{l4[12]} << 16 | uint32_t{l4[13]} << 8 | l4[14];
  }
}

// Rewrites the DSCP of an IPv4 or IPv6 packet (keeping ECN); true when it changed.
bool remark_dscp(rte_mbuf* m, uint8_t dscp) {
  auto* eth = rte_pktmbuf_mtod(m, uint8_t*);
  if (m->data_len < kEthHeaderLen + 20) return false;
  uint8_t* ip = eth + kEthHeaderLen;
  const uint16_t type = load_be16(eth + 12);
  if (type == kEtherIpv4 && (ip[0] >> 4) == 4) {
    const uint8_t tos = static_cast<uint8_t>(dscp << 2 | (ip[1] & 0x03));
    if (tos == ip[1]) return false;
    // RFC 1624 incremental update of the header checksum for the changed 16-bit word.
    const uint16_t old_word = load_be16(ip);
    ip[1] = tos;
    const uint16_t new_word = load_be16(ip);
    uint32_t sum = static_cast<uint16_t>(~load_be16(ip + 10)) + static_cast<uint16_t>(~old_word) + new_word;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    const auto check = static_cast<uint16_t>(~sum);
    ip[10] = static_cast<uint8_t>(check >> 8);
    ip[11] = static_cast<uint8_t>(check);
    return true;
  }
  if (type == kEtherIpv6 && (ip[0] >> 4) == 6) {
    const uint8_t tc = static_cast<uint8_t>((ip[0] & 0x0f) << 4 | ip[1] >> 4);
    const uint8_t next = static_cast<uint8_t>(dscp << 2 | (tc & 0x03));
    if (next == tc) return false;
    ip[0] = static_cast<uint8_t>(0x60 | next >> 4);
    ip[1] = static_cast<uint8_t>((next & 0x0f) << 4 | (ip[1] & 0x0f));
    return true;
  }
  return false;
}

}  // namespace

void SliceStage::process(const Snapshot& tables, Burst& burst, uint64_t now) {
  SliceState* state = tables.slicing.get();
  if (state == nullptr || burst.count == 0) return;
  if (state->trivial()) {
    // Everything in the default slice, nothing to meter or rewrite: count the burst at once.
    const uint16_t slice = state->default_slice();
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < burst.count; ++i) {
      set_slice(burst.pkts[i], slice);
      bytes += burst.pkts[i]->pkt_len;
    }
    SliceIngressCounters& c = state->counters(slice);
    bump(c.packets, burst.count);
    bump(c.bytes, bytes);
    bump(c.green, burst.count);
    return;
  }

  slicing::PacketMeta metas[kBurstSize];
  const slicing::PacketMeta* refs[kBurstSize];
  uint16_t slices[kBurstSize];
  for (uint16_t i = 0; i < burst.count; ++i) {
    const rte_mbuf* m = burst.pkts[i];
    slicing::PacketMeta& meta = metas[i];
    meta = slicing::PacketMeta{};
    meta.port = burst.ingress;
    const SnapshotMember& member = tables.members[static_cast<uint16_t>(m->hash.usr)];
    meta.network = member.network;
    meta.pcp = static_cast<uint8_t>(m->vlan_tci >> 13);
    if (tables.slice_needs_l3) parse_l3(m, meta);
    refs[i] = &meta;
  }
  tables.slice_classifier->classify_burst(refs, burst.count, slices);

  PortCounterCells& in = counters_.ports[tables.ports[burst.ingress].port_id];
  uint16_t kept = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    const uint16_t slice = state->bound(slices[i]);
    const SliceIngress& does = state->ingress(slice);
    SliceIngressCounters& c = state->counters(slice);
    bump(c.packets);
    bump(c.bytes, m->pkt_len);
    if (does.policed) {
      const slicing::Color color = state->policer(slice).color(m->pkt_len, now);
      if (color == slicing::Color::green) {
        bump(c.green);
      } else if (color == slicing::Color::yellow) {
        bump(c.yellow);
      } else {
        bump(c.red);
      }
      if (color == slicing::Color::red || (color == slicing::Color::yellow && does.drop_yellow)) {
        bump(c.policed);
        bump(in.drop(DropReason::policed));
        rte_pktmbuf_free(m);
        continue;
      }
    } else {
      bump(c.green);
    }
    if (does.remark_dscp >= 0 && remark_dscp(m, static_cast<uint8_t>(does.remark_dscp))) bump(c.remarked);
    if (does.remark_pcp >= 0) m->vlan_tci = static_cast<uint16_t>((m->vlan_tci & 0x1fff) | does.remark_pcp << 13);
    set_slice(m, slice);
    burst.pkts[kept++] = m;
  }
  burst.count = kept;
}

void ShapedTx::enqueue(const Snapshot& tables, uint16_t egress, rte_mbuf** pkts, uint16_t count, uint64_t rx_tick,
                       uint64_t now) {
  const SnapshotPort& port = tables.ports[egress];
  ShapedPort& shaped = *port.shaped;
  const SliceState& state = *tables.slicing;
  PortCounterCells& out = counters_.ports[port.port_id];
  for (uint16_t i = 0; i < count; ++i) {
    rte_mbuf* m = pkts[i];
    const uint16_t slice = state.bound(slice_of(m));
    const slicing::EnqueueVerdict verdict = shaped.scheduler->enqueue(slice, m, m->pkt_len, rx_tick, now);
    if (verdict == slicing::EnqueueVerdict::queued) continue;
    bump(out.drop(verdict == slicing::EnqueueVerdict::dropped_red ? DropReason::slice_red
                                                                   : DropReason::slice_queue_full));
    rte_pktmbuf_free(m);
  }
}

unsigned ShapedTx::drain(const Snapshot& tables, uint16_t egress, uint64_t now) {
  const SnapshotPort& port = tables.ports[egress];
  ShapedPort& shaped = *port.shaped;
  PortCounterCells& out = counters_.ports[port.port_id];
  unsigned sent_total = 0;
  void* frames[kBurstSize];
  void* dropped[kBurstSize];
  for (;;) {
    uint16_t dropped_count = 0;
    const uint16_t count = shaped.scheduler->dequeue(now, frames, kBurstSize, dropped, &dropped_count);
    if (dropped_count != 0) {
      bump(out.drop(DropReason::slice_codel), dropped_count);
      rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(dropped), dropped_count);
    }
    if (count == 0) {
      if (dropped_count != 0) continue;  // CoDel dropped the head: there may be more behind it
      break;
    }
    auto** pkts = reinterpret_cast<rte_mbuf**>(frames);
    uint64_t bytes = 0;
    for (uint16_t k = 0; k < count; ++k) bytes += pkts[k]->pkt_len;
    capture_tap(tx_.capture, port.port_id, CaptureDirection::tx, pkts, count);
    const uint16_t sent = rte_eth_tx_burst(port.port_id, 0, pkts, count);
    uint64_t refused_bytes = 0;
    for (uint16_t k = sent; k < count; ++k) {
      refused_bytes += pkts[k]->pkt_len;
      bump(shaped.tx_refused[tables.slicing->bound(slice_of(pkts[k]))]);
    }
    if (sent < count) {
      rte_pktmbuf_free_bulk(pkts + sent, count - sent);
      bump(out.drop(DropReason::tx_full), count - sent);
    }
    bump(out.tx_packets, sent);
    bump(out.tx_bytes, bytes - refused_bytes);
    sent_total += sent;
    if (count < kBurstSize) break;
  }
  return sent_total;
}

unsigned ShapedTx::service(const Snapshot& tables, uint64_t now, bool* backlogged) {
  unsigned sent = 0;
  bool left = false;
  for (uint16_t egress : tables.shaped_ports) {
    slicing::PortScheduler& scheduler = *tables.ports[egress].shaped->scheduler;
    if (!scheduler.backlogged()) continue;
    sent += drain(tables, egress, now);
    left = left || scheduler.backlogged();
  }
  *backlogged = left;
  return sent;
}

}  // namespace edgegw::dataplane
