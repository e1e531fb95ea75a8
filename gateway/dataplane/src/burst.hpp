// What moves between packet stages on a worker: a burst from one ingress port, and the per-egress
// transmit buffers the bridge fills and the tx stage drains once per burst.
#pragma once

#include <rte_mbuf.h>

#include <array>
#include <cstdint>

#include "snapshot.hpp"

namespace edgegw::dataplane {

struct CaptureSlots;

constexpr uint16_t kBurstSize = 32;

struct Burst {
  rte_mbuf* pkts[kBurstSize];
  uint16_t count = 0;
  uint16_t ingress = 0;  // index into Snapshot::ports
};

// One pending transmit burst per egress port (indexed like Snapshot::ports), drained after every
// burst. A received packet goes at most once to each egress port; the route stage may add frames
// of its own (ARP requests, ICMP), so a queue holds twice a burst and refuses beyond that (the
// caller frees and counts). Owned by one worker; only that worker touches it.
struct TxBuffers {
  static constexpr uint16_t kQueueSize = 2 * kBurstSize;
  struct Queue {
    uint16_t count = 0;
    uint32_t bytes = 0;
    rte_mbuf* pkts[kQueueSize];
  };

  [[nodiscard]] bool add(uint16_t egress, rte_mbuf* m) {
    Queue& q = queues[egress];
    if (q.count == kQueueSize) return false;
    if (q.count == 0) dirty[dirty_count++] = egress;
    q.pkts[q.count++] = m;
    q.bytes += m->pkt_len;
    return true;
  }

  std::array<Queue, kMaxPorts> queues;
  std::array<uint16_t, kMaxPorts> dirty;  // egress indices with a non-empty queue, in first-use order
  uint16_t dirty_count = 0;
  const CaptureSlots* capture = nullptr;  // set by the control plane: the tx capture tap reads it
};

}  // namespace edgegw::dataplane
