// The per-port hierarchical egress scheduler: port shaper -> slices -> one FIFO queue per slice.
//
// Semantics (like Linux HTB, simplified to two levels):
// - A slice may send only within its ceiling (ceiling_bps, or the port rate), and its excess only
//   within the port's shaper. Token buckets may go into debt by one packet, so long-run rates are
//   exact and any window carries at most rate * window + burst + one packet.
// - A slice within its guarantee does not wait for the port's bucket (as an HTB class within its
//   rate does not wait for its parent): the port owes it, at most one burst, and the excess waits.
//   So a port's window may carry one more burst; its long-run rate holds (admission keeps the
//   guarantees within it).
// - Guarantees first: among backlogged slices with guaranteed tokens, the highest priority is served,
//   round robin among equal priorities; that service is charged to the slice's guaranteed bucket.
// - The excess: among backlogged slices within their ceilings, strict priority between levels, and
//   deficit round robin in bytes, with quanta proportional to `weight`, among equal priorities.
// - Queues drop at the tail (packets or bytes), early by RED at enqueue, or at the head by CoDel
//   (RFC 8289) at dequeue.
//
// Packets are opaque handles with a length; the scheduler never touches packet memory. Time is the
// caller's tick (TSC in the data plane, ns in tests). Nothing allocates after create().
// Threading: one writer (the worker) calls enqueue/dequeue/drain; stats() may be read from another
// thread (relaxed atomics written with load + store, no locked instructions).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edgegw/slicing/latency_histogram.hpp"
#include "edgegw/slicing/slice_spec.hpp"

namespace edgegw::slicing {

enum class EnqueueVerdict : uint8_t { queued, dropped_queue_full, dropped_red };

struct SliceQueueStats {
  std::atomic<uint64_t> enqueued_packets{0};
  std::atomic<uint64_t> enqueued_bytes{0};
  std::atomic<uint64_t> sent_packets{0};
  std::atomic<uint64_t> sent_bytes{0};
  std::atomic<uint64_t> guaranteed_bytes{0};  // sent bytes served under the slice's guarantee
  std::atomic<uint64_t> drop_queue_full{0};
  std::atomic<uint64_t> drop_red{0};
  std::atomic<uint64_t> drop_codel{0};
  std::atomic<uint64_t> over_budget{0};  // sent after waiting longer than the latency budget
  std::atomic<uint32_t> depth_packets{0};
  std::atomic<uint32_t> depth_bytes{0};
  std::atomic<uint32_t> max_depth_packets{0};
  LatencyHistogram sojourn;   // enqueue -> dequeue, ns
  LatencyHistogram rx_to_tx;  // the rx tick given at enqueue -> dequeue, ns
};

class PortScheduler {
 public:
  // nullptr (and `*error`) when check_slices() refuses the slices.
  static std::unique_ptr<PortScheduler> create(const PortShaperSpec& port, std::span<const SliceSpec> slices,
                                               uint64_t ticks_per_second, uint64_t now, std::string* error);
  ~PortScheduler();
  PortScheduler(const PortScheduler&) = delete;
  PortScheduler& operator=(const PortScheduler&) = delete;

  // A dropped packet stays the caller's (free it).
  EnqueueVerdict enqueue(uint16_t slice, void* pkt, uint32_t len, uint64_t rx_tick, uint64_t now);
  // Up to `max` packets allowed to leave at `now`, in send order. Packets CoDel drops go to
  // `dropped` (room for `max`; the caller frees them) and are counted.
  uint16_t dequeue(uint64_t now, void** out, uint16_t max, void** dropped, uint16_t* dropped_count);
  bool backlogged() const { return active_ != 0; }
  // The earliest tick at which dequeue() can release something: `now` when it can now, UINT64_MAX
  // when nothing is queued.
  uint64_t next_send_tick(uint64_t now);
  uint16_t slice_count() const { return static_cast<uint16_t>(slices_.size()); }
  const SliceQueueStats& stats(uint16_t slice) const { return stats_[slice]; }
  // Takes every queued packet out (reconfiguration, shutdown), up to `max` per call.
  uint16_t drain(void** out, uint16_t max);
  // Makes what enqueue() and dequeue() counted visible in stats(). The counters are kept in the
  // slices' own cache lines on the fast path and published once per dequeue() (and drain()) call,
  // so a reader sees them at most one service round late.
  void publish();

 private:
  struct Entry {
    void* pkt;
    uint32_t len;
    uint64_t rx;
    uint64_t enq;
  };
  // A token bucket in bit-ticks (bits scaled by ticks per second); may go into debt by one packet.
  struct Bucket {
    int64_t tokens = 0;
    int64_t cap = 0;
    uint64_t rate = 0;        // bits per second
    uint64_t full_after = 0;  // ticks that fill it from the deepest debt
    uint64_t last = 0;
    void refill(uint64_t now);
  };
  struct Slice {
    Entry* ring = nullptr;
    uint32_t mask = 0;
    uint32_t head = 0;
    uint32_t tail = 0;
    uint32_t bytes = 0;
    uint32_t limit_packets = 0;
    uint32_t limit_bytes = 0;
    uint8_t priority = 0;
    DropPolicy drop = DropPolicy::tail;
    bool guaranteed = false;
    Bucket g;  // guaranteed rate
    Bucket c;  // ceiling
    int64_t deficit = 0;
    int64_t quantum = 0;
    uint64_t budget_ticks = UINT64_MAX;  // none
    // CoDel (RFC 8289), in ticks
    uint64_t target = 0;
    uint64_t interval = 0;
    uint64_t first_above = 0;
    uint64_t drop_next = 0;
    uint32_t count = 0;
    uint32_t lastcount = 0;
    bool dropping = false;
    // RED: average queue length in packets, Q16
    int64_t avg = 0;
    int64_t min_q16 = 0;
    int64_t max_q16 = 0;
    uint64_t inv_range_q32 = 0;
    uint32_t max_p_q16 = 0;
    uint8_t weight_shift = 9;
    bool capped = false;  // a ceiling below the port rate: its bucket is checked
    // Counted since the last publish().
    uint32_t enq_packets = 0;
    uint64_t enq_bytes = 0;
    uint32_t sent_packets = 0;
    uint64_t sent_bytes = 0;
    uint64_t guaranteed_bytes = 0;
    uint32_t queue_full = 0;
    uint32_t red_dropped = 0;
    uint32_t over_budget = 0;
    uint32_t peak = 0;

    uint32_t queued() const { return tail - head; }
  };

  PortScheduler() = default;
  void pop(uint16_t i, Entry* e);
  // CoDel's dequeue for slice i: false when the queue ran empty (drops included).
  bool codel_pop(uint16_t i, uint64_t now, Entry* e, void** dropped, uint16_t* dropped_count, uint16_t room);
  bool red_drops(Slice& s);
  uint16_t serve(uint64_t now, void** out, uint16_t max, void** dropped, uint16_t* dropped_count);
  int pick_guaranteed(uint64_t candidates);
  int pick_excess(uint64_t candidates);

  Bucket port_;
  uint64_t tps_ = 0;
  uint64_t bit_ticks_ = 0;  // the cost of one byte: 8 * ticks per second
  uint32_t overhead_ = 0;
  uint64_t ns_mult_ = 0;    // ns = ticks * ns_mult_ >> 32
  uint64_t active_ = 0;     // bit i: slice i has packets
  uint64_t dirty_ = 0;      // bit i: slice i counted something since the last publish()
  uint64_t with_guarantee_ = 0;
  uint64_t capped_ = 0;  // bit i: slice i has a ceiling below the port rate
  uint64_t level_[kPriorities] = {};  // bit i: slice i has this priority
  uint8_t rr_[kPriorities] = {};      // round robin of the guarantee phase: last served per level
  uint8_t drr_[kPriorities] = {};     // deficit round robin of the excess: current per level (64: none)
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
  std::vector<Slice> slices_;
  std::unique_ptr<SliceQueueStats[]> stats_;
  std::vector<std::unique_ptr<Entry[]>> rings_;
};

// Inline: the data plane calls it once per packet.
inline EnqueueVerdict PortScheduler::enqueue(uint16_t slice, void* pkt, uint32_t len, uint64_t rx_tick, uint64_t now) {
  Slice& s = slices_[slice];
  dirty_ |= uint64_t{1} << slice;
  if (s.queued() >= s.limit_packets || s.bytes + len > s.limit_bytes) {
    ++s.queue_full;
    return EnqueueVerdict::dropped_queue_full;
  }
  if (s.drop == DropPolicy::red && red_drops(s)) {
    ++s.red_dropped;
    return EnqueueVerdict::dropped_red;
  }
  s.ring[s.tail & s.mask] = Entry{pkt, len, rx_tick, now};
  ++s.tail;
  s.bytes += len;
  active_ |= uint64_t{1} << slice;
  ++s.enq_packets;
  s.enq_bytes += len;
  s.peak = std::max(s.peak, s.queued());
  return EnqueueVerdict::queued;
}

}  // namespace edgegw::slicing
