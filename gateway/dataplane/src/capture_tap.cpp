// Worker-side capture: filter a burst in one pass, copy the matches (truncated to snaplen) into the
// session's pool, tag them with time, length and direction, enqueue them in one call. Nothing here
// allocates from the heap, locks, makes a system call or waits: when the ring has no room or the
// pool no buffer, the copy is counted as dropped and the original packet goes on untouched.
#define ALLOW_EXPERIMENTAL_API  // rte_bpf is experimental in DPDK 22.11
#include "capture_tap.hpp"

#include <rte_bpf.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>

#include "burst.hpp"

namespace edgegw::dataplane {

void capture_burst(CaptureSession& s, CaptureDirection direction, rte_mbuf* const* pkts, uint16_t n) {
  if ((s.directions & static_cast<uint8_t>(direction)) == 0) return;
  n = std::min<uint16_t>(n, kBurstSize);
  const uint64_t copied = s.copied.load(std::memory_order_relaxed);
  if (s.limit != 0 && copied >= s.limit) return;

  uint64_t match[kBurstSize];
  if (s.filter_jit != nullptr) {
    for (uint16_t i = 0; i < n; ++i) match[i] = s.filter_jit(pkts[i]);
  } else if (s.filter != nullptr) {
    rte_bpf_exec_burst(s.filter, reinterpret_cast<void**>(const_cast<rte_mbuf**>(pkts)), match, n);
  }

  // Single producer: the free count can only grow until we enqueue, so everything copied fits.
  const unsigned room = rte_ring_free_count(s.ring);
  const uint64_t left = s.limit == 0 ? kBurstSize : s.limit - copied;
  const uint64_t tsc = rte_get_tsc_cycles();
  rte_mbuf* copies[kBurstSize];
  unsigned count = 0;
  uint64_t dropped = 0;
  for (uint16_t i = 0; i < n && count < left; ++i) {
    if (s.filter != nullptr && match[i] == 0) continue;
    rte_mbuf* c = count < room ? rte_pktmbuf_copy(pkts[i], s.pool, 0, s.snaplen) : nullptr;
    if (c == nullptr) {
      ++dropped;
      continue;
    }
    auto* meta = static_cast<CaptureMeta*>(rte_mbuf_to_priv(c));
    meta->tsc = tsc;
    meta->wire_len = pkts[i]->pkt_len;
    meta->direction = static_cast<uint8_t>(direction);
    copies[count++] = c;
  }
  if (count != 0) rte_ring_sp_enqueue_burst(s.ring, reinterpret_cast<void**>(copies), count, nullptr);
  if (count != 0) bump(s.copied, count);
  if (dropped != 0) bump(s.dropped, dropped);
}

}  // namespace edgegw::dataplane
