// The slicing stages of the fast path: classification, policing and remarking at ingress
// (SliceStage), and the shaped ports' egress through their schedulers (ShapedTx).
#pragma once

#include <cstdint>

#include "burst.hpp"
#include "counters.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {

// Puts every frame of the burst into its slice (the mbuf carries it, see slice_mark.hpp), counts
// it there, meters it with the slice's policer (red dropped as `policed`, yellow too when the slice
// says so) and remarks it (DSCP rewritten with the IPv4 checksum updated; PCP into the TCI the
// egress tags take). Keeps the survivors, in order, in the burst. Frames are untagged here.
class SliceStage {
 public:
  explicit SliceStage(WorkerCounters& counters) : counters_(counters) {}
  void process(const Snapshot& tables, Burst& burst, uint64_t now);

 private:
  WorkerCounters& counters_;
};

// A shaped port's egress: frames go into the port's scheduler (by their slice; what its queue
// refuses is freed and counted), and what the scheduler lets go at `now` is transmitted. `rx_tick`
// is when the frames were received (the latency histograms measure from it).
class ShapedTx {
 public:
  ShapedTx(WorkerCounters& counters, TxBuffers& tx) : counters_(counters), tx_(tx) {}
  void enqueue(const Snapshot& tables, uint16_t egress, rte_mbuf** pkts, uint16_t count, uint64_t rx_tick,
               uint64_t now);
  // Transmits what the scheduler of `egress` releases at `now`; returns the frames sent.
  unsigned drain(const Snapshot& tables, uint16_t egress, uint64_t now);
  // drain() for every shaped port with frames queued; returns the frames sent. `*backlogged` says
  // whether any port still holds frames (the worker must not sleep then).
  unsigned service(const Snapshot& tables, uint64_t now, bool* backlogged);

 private:
  WorkerCounters& counters_;
  TxBuffers& tx_;  // only for its capture slots (the tx capture tap)
};

}  // namespace edgegw::dataplane
