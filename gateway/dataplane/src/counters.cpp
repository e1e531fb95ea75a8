// Counter names and aggregation of the workers' per-port cells.
#include "counters.hpp"

namespace edgegw::dataplane {

const char* drop_reason_name(DropReason reason) {
  // Counter names follow <stage>.<reason> once prefixed by the reader; these are the reasons.
  switch (reason) {
    case DropReason::no_mbuf: return "no_mbuf";
    case DropReason::tx_full: return "tx_full";
    case DropReason::no_network: return "no_network";
    case DropReason::malformed: return "malformed";
    case DropReason::mtu: return "mtu";
    case DropReason::hairpin: return "hairpin";
    case DropReason::fdb_full: return "fdb_full";
    case DropReason::no_egress: return "no_egress";
    case DropReason::unknown_vlan: return "unknown_vlan";
    case DropReason::mac_limit: return "mac_limit";
    case DropReason::ip_malformed: return "ip_malformed";
    case DropReason::ttl_exceeded: return "ttl_exceeded";
    case DropReason::no_route: return "no_route";
    case DropReason::no_neighbor: return "no_neighbor";
    case DropReason::frag_needed: return "frag_needed";
    case DropReason::not_routable: return "not_routable";
    case DropReason::nat_no_session: return "nat_no_session";
    case DropReason::nat_limit: return "nat_limit";
    case DropReason::punt_full: return "punt_full";
    case DropReason::acl: return "acl";
    case DropReason::policed: return "policed";
    case DropReason::slice_queue_full: return "slice_queue_full";
    case DropReason::slice_red: return "slice_red";
    case DropReason::slice_codel: return "slice_codel";
    case DropReason::count_: break;
  }
  return "unknown";
}

uint64_t PortCounters::drops_total() const {
  uint64_t total = 0;
  for (unsigned r = 0; r < kDropReasonCount; ++r) {
    // fdb_full and mac_limit packets are still forwarded: the counter says "not learned", not "lost".
    if (static_cast<DropReason>(r) == DropReason::fdb_full || static_cast<DropReason>(r) == DropReason::mac_limit) {
      continue;
    }
    total += drops[r];
  }
  return total;
}

void accumulate(const PortCounterCells& cells, PortCounters* out) {
  out->rx_packets += cells.rx_packets.load(std::memory_order_relaxed);
  out->rx_bytes += cells.rx_bytes.load(std::memory_order_relaxed);
  out->tx_packets += cells.tx_packets.load(std::memory_order_relaxed);
  out->tx_bytes += cells.tx_bytes.load(std::memory_order_relaxed);
  for (unsigned r = 0; r < kDropReasonCount; ++r) out->drops[r] += cells.drops[r].load(std::memory_order_relaxed);
}

PortCounters subtract(const PortCounters& a, const PortCounters& b) {
  PortCounters d;
  d.rx_packets = a.rx_packets - b.rx_packets;
  d.rx_bytes = a.rx_bytes - b.rx_bytes;
  d.tx_packets = a.tx_packets - b.tx_packets;
  d.tx_bytes = a.tx_bytes - b.tx_bytes;
  for (unsigned r = 0; r < kDropReasonCount; ++r) d.drops[r] = a.drops[r] - b.drops[r];
  return d;
}

}  // namespace edgegw::dataplane
