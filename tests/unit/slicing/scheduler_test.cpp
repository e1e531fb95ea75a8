// PortScheduler on a simulated clock (ns): deterministic sources offer packets, the port is served
// every 10 us, and what left when is checked against the promises: urllc loses nothing under a 3x
// overload and stays within its budget, guarantees within 2 %, ceilings over every 10 ms window,
// the excess split by weight within 2 %, strict priority, and the tail / RED / CoDel queues.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <vector>

#include "edgegw/slicing/scheduler.hpp"

namespace edgegw::slicing {
namespace {

constexpr uint64_t kTps = 1'000'000'000;  // ticks are ns
constexpr uint64_t kStepNs = 10'000;

// A packet handle: slice, length and sequence packed into the pointer value.
void* handle(uint16_t slice, uint32_t len, uint32_t seq) {
  return reinterpret_cast<void*>((uint64_t{slice} << 48) | (uint64_t{len} << 32) | seq);
}
uint16_t slice_of(void* h) { return static_cast<uint16_t>(reinterpret_cast<uint64_t>(h) >> 48); }
uint32_t len_of(void* h) { return static_cast<uint32_t>(reinterpret_cast<uint64_t>(h) >> 32) & 0xffff; }

struct Source {
  uint16_t slice;
  uint64_t bps;  // offered
  uint32_t len;
  uint64_t next_ns = 0;
  uint32_t seq = 0;
};

struct Sent {
  uint64_t at_ns;
  uint16_t slice;
  uint32_t len;
};

// Runs `sources` through `s` for `duration_ns`; returns every packet sent, in order.
struct Simulation {
  std::vector<Sent> sent;
  std::map<uint16_t, uint64_t> offered, dropped;
  uint64_t codel_dropped = 0;

  void run(PortScheduler& s, std::vector<Source> sources, uint64_t duration_ns, uint64_t start_ns = 0) {
    void* out[32];
    void* dropped_out[32];
    for (uint64_t now = start_ns; now < start_ns + duration_ns; now += kStepNs) {
      for (Source& src : sources) {
        if (src.bps == 0) continue;
        const uint64_t gap = uint64_t{src.len} * 8 * kTps / src.bps;
        while (src.next_ns <= now) {
          ++offered[src.slice];
          if (s.enqueue(src.slice, handle(src.slice, src.len, src.seq++), src.len, src.next_ns, now) !=
              EnqueueVerdict::queued) {
            ++dropped[src.slice];
          }
          src.next_ns += gap;
        }
      }
      for (;;) {
        uint16_t nd = 0;
        const uint16_t n = s.dequeue(now, out, 32, dropped_out, &nd);
        codel_dropped += nd;
        for (uint16_t k = 0; k < n; ++k) sent.push_back({now, slice_of(out[k]), len_of(out[k])});
        if (n < 32 && nd == 0) break;
      }
    }
  }

  // Bits per second a slice sent in [from, to).
  double rate(uint16_t slice, uint64_t from_ns, uint64_t to_ns) const {
    uint64_t bytes = 0;
    for (const Sent& p : sent) {
      if (p.slice == slice && p.at_ns >= from_ns && p.at_ns < to_ns) bytes += p.len;
    }
    return static_cast<double>(bytes) * 8 * 1e9 / static_cast<double>(to_ns - from_ns);
  }

  // The most bytes `slice` (or any slice when -1) sent in any window of `window_ns`.
  uint64_t max_window_bytes(int slice, uint64_t window_ns) const {
    std::deque<const Sent*> in;
    uint64_t bytes = 0, best = 0;
    for (const Sent& p : sent) {
      if (slice >= 0 && p.slice != slice) continue;
      in.push_back(&p);
      bytes += p.len;
      while (in.front()->at_ns + window_ns <= p.at_ns) {
        bytes -= in.front()->len;
        in.pop_front();
      }
      best = std::max(best, bytes);
    }
    return best;
  }
};

std::unique_ptr<PortScheduler> make(uint64_t port_bps, const std::vector<SliceSpec>& slices, uint16_t overhead = 0) {
  PortShaperSpec port;
  port.rate_bps = port_bps;
  port.overhead_bytes = overhead;
  std::string error;
  auto s = PortScheduler::create(port, slices, kTps, 0, &error);
  EXPECT_TRUE(s) << error;
  return s;
}

SliceSpec slice(uint8_t priority, uint64_t guaranteed_bps = 0, uint32_t weight = 1, uint64_t ceiling_bps = 0) {
  SliceSpec s;
  s.priority = priority;
  s.guaranteed_bps = guaranteed_bps;
  s.weight = weight;
  s.ceiling_bps = ceiling_bps;
  s.queue_packets = 1024;
  s.queue_bytes = 1u << 22;
  return s;
}

constexpr uint64_t kMbit = 1'000'000;
constexpr uint64_t kSecond = 1'000'000'000;

TEST(PortScheduler, UrllcLosesNothingAndStaysWithinBudgetUnderAThreefoldBulkOverload) {
  SliceSpec urllc = slice(0, 10 * kMbit);
  urllc.queue_packets = 256;
  urllc.latency_budget_ns = 20'000;  // two service steps: within its guarantee it does not wait for the port
  SliceSpec bulk = slice(2);
  bulk.queue_packets = 512;
  auto s = make(100 * kMbit, {urllc, bulk}, 24);
  Simulation sim;
  sim.run(*s, {{0, 5 * kMbit, 200}, {1, 300 * kMbit, 1500}}, 2 * kSecond);
  EXPECT_EQ(sim.dropped[0], 0u) << "urllc lost packets";
  EXPECT_GT(sim.dropped[1], 0u) << "the bulk overload must overflow its queue";
  const SliceQueueStats& st = s->stats(0);
  EXPECT_EQ(st.sent_packets.load() + st.depth_packets.load(), sim.offered[0]);
  const HistogramSummary sojourn = st.sojourn.summary();
  EXPECT_LE(sojourn.p99, urllc.latency_budget_ns) << "p99 " << sojourn.p99 << " ns";
  EXPECT_LE(st.over_budget.load() * 1000, st.sent_packets.load()) << "at most 0.1 % over the budget";
  // The port stays full: urllc's 5 Mbit/s plus bulk make up the 100 Mbit/s (frames + 24 bytes).
  const double wire = (sim.rate(0, kSecond / 2, 2 * kSecond) * (200 + 24) / 200 +
                       sim.rate(1, kSecond / 2, 2 * kSecond) * (1500 + 24) / 1500);
  EXPECT_NEAR(wire, 100.0 * kMbit, 1.0 * kMbit);
}

TEST(PortScheduler, GuaranteesAreMetWithinTwoPercentWhenEverySliceIsOverloaded) {
  auto s = make(100 * kMbit, {slice(2, 20 * kMbit), slice(2, 30 * kMbit), slice(2, 10 * kMbit), slice(2)});
  Simulation sim;
  sim.run(*s, {{0, 100 * kMbit, 1500}, {1, 100 * kMbit, 1000}, {2, 100 * kMbit, 400}, {3, 100 * kMbit, 1500}},
          2 * kSecond);
  const uint64_t from = kSecond / 2, to = 2 * kSecond;
  EXPECT_GE(sim.rate(0, from, to), 20 * kMbit * 0.98);
  EXPECT_GE(sim.rate(1, from, to), 30 * kMbit * 0.98);
  EXPECT_GE(sim.rate(2, from, to), 10 * kMbit * 0.98);
  // The 40 Mbit/s left over is shared equally (weights 1): 10 each on top of the guarantees.
  EXPECT_NEAR(sim.rate(0, from, to), 30 * kMbit, 0.02 * 30 * kMbit);
  EXPECT_NEAR(sim.rate(1, from, to), 40 * kMbit, 0.02 * 40 * kMbit);
  EXPECT_NEAR(sim.rate(2, from, to), 20 * kMbit, 0.02 * 20 * kMbit);
  EXPECT_NEAR(sim.rate(3, from, to), 10 * kMbit, 0.02 * 10 * kMbit);
}

TEST(PortScheduler, CeilingsAndThePortRateHoldOverEveryTenMillisecondWindow) {
  SliceSpec capped = slice(1, 5 * kMbit, 1, 30 * kMbit);
  auto s = make(80 * kMbit, {capped, slice(2), slice(2, 0, 4)});
  Simulation sim;
  sim.run(*s, {{0, 100 * kMbit, 1500}, {1, 100 * kMbit, 1200}, {2, 100 * kMbit, 700}}, 2 * kSecond);
  constexpr uint64_t kWindow = 10'000'000;
  const uint64_t slack = 16384 + 1500;  // burst plus one packet of debt
  EXPECT_LE(sim.max_window_bytes(0, kWindow), 30 * kMbit / 8 / 100 + slack);
  // The port: one more burst, which guaranteed traffic may put it in debt by.
  EXPECT_LE(sim.max_window_bytes(-1, kWindow), 80 * kMbit / 8 / 100 + slack + 16384);
  EXPECT_NEAR(sim.rate(0, kSecond / 2, 2 * kSecond), 30 * kMbit, 0.02 * 30 * kMbit) << "the ceiling is also reached";
  // Slices 1 and 2 share the other 50 Mbit/s 1:4.
  EXPECT_NEAR(sim.rate(1, kSecond / 2, 2 * kSecond), 10 * kMbit, 0.02 * 10 * kMbit);
  EXPECT_NEAR(sim.rate(2, kSecond / 2, 2 * kSecond), 40 * kMbit, 0.02 * 40 * kMbit);
}

TEST(PortScheduler, WeightsSplitTheExcessInProportion) {
  {
    auto s = make(100 * kMbit, {slice(3, 0, 1), slice(3, 0, 3)});
    Simulation sim;
    sim.run(*s, {{0, 200 * kMbit, 1500}, {1, 200 * kMbit, 300}}, 2 * kSecond);
    EXPECT_NEAR(sim.rate(0, kSecond / 2, 2 * kSecond), 25 * kMbit, 0.02 * 25 * kMbit);
    EXPECT_NEAR(sim.rate(1, kSecond / 2, 2 * kSecond), 75 * kMbit, 0.02 * 75 * kMbit);
  }
  {
    auto s = make(100 * kMbit, {slice(3, 0, 1), slice(3, 0, 1), slice(3, 0, 2)});
    Simulation sim;
    sim.run(*s, {{0, 200 * kMbit, 1000}, {1, 200 * kMbit, 64}, {2, 200 * kMbit, 1500}}, 2 * kSecond);
    EXPECT_NEAR(sim.rate(0, kSecond / 2, 2 * kSecond), 25 * kMbit, 0.02 * 25 * kMbit);
    EXPECT_NEAR(sim.rate(1, kSecond / 2, 2 * kSecond), 25 * kMbit, 0.02 * 25 * kMbit);
    EXPECT_NEAR(sim.rate(2, kSecond / 2, 2 * kSecond), 50 * kMbit, 0.02 * 50 * kMbit);
  }
}

TEST(PortScheduler, TheExcessGoesByStrictPriorityBetweenLevels) {
  auto s = make(100 * kMbit, {slice(5), slice(1), slice(3)});
  Simulation sim;
  sim.run(*s, {{0, 100 * kMbit, 1500}, {1, 60 * kMbit, 1500}, {2, 30 * kMbit, 1500}}, 2 * kSecond);
  EXPECT_EQ(sim.dropped[1], 0u);
  EXPECT_EQ(sim.dropped[2], 0u);
  EXPECT_NEAR(sim.rate(1, kSecond / 2, 2 * kSecond), 60 * kMbit, 0.02 * 60 * kMbit);
  EXPECT_NEAR(sim.rate(2, kSecond / 2, 2 * kSecond), 30 * kMbit, 0.02 * 30 * kMbit);
  EXPECT_NEAR(sim.rate(0, kSecond / 2, 2 * kSecond), 10 * kMbit, 0.02 * 10 * kMbit);
}

TEST(PortScheduler, GuaranteesComeBeforeAHigherPrioritysExcess) {
  // The low-priority slice keeps its 20 Mbit/s guarantee while a high one offers the whole port.
  auto s = make(100 * kMbit, {slice(0), slice(6, 20 * kMbit)});
  Simulation sim;
  sim.run(*s, {{0, 150 * kMbit, 1500}, {1, 100 * kMbit, 1500}}, 2 * kSecond);
  EXPECT_NEAR(sim.rate(1, kSecond / 2, 2 * kSecond), 20 * kMbit, 0.02 * 20 * kMbit);
  EXPECT_NEAR(sim.rate(0, kSecond / 2, 2 * kSecond), 80 * kMbit, 0.02 * 80 * kMbit);
}

TEST(PortScheduler, TailDropAtPacketAndByteLimits) {
  SliceSpec small = slice(0);
  small.queue_packets = 4;
  small.queue_bytes = 2500;
  auto s = make(kMbit, {small});
  int queued = 0;
  for (uint32_t i = 0; i < 10; ++i) {
    queued += s->enqueue(0, handle(0, 1000, i), 1000, 0, 0) == EnqueueVerdict::queued;
  }
  EXPECT_EQ(queued, 2) << "2 x 1000 bytes fit in 2500";
  for (uint32_t i = 0; i < 10; ++i) {
    queued += s->enqueue(0, handle(0, 100, i), 100, 0, 0) == EnqueueVerdict::queued;
  }
  EXPECT_EQ(queued, 4) << "then the packet limit";
  EXPECT_EQ(s->stats(0).drop_queue_full.load(), 0u) << "published by the next dequeue or publish()";
  s->publish();
  EXPECT_EQ(s->stats(0).drop_queue_full.load(), 16u);
  EXPECT_EQ(s->stats(0).depth_packets.load(), 4u);
  EXPECT_EQ(s->stats(0).depth_bytes.load(), 2200u);
}

TEST(PortScheduler, RedDropsNothingBelowItsMinimumAndEverythingAboveItsMaximum) {
  SliceSpec red = slice(0);
  red.queue_packets = 200;
  red.drop = DropPolicy::red;
  red.red = RedParams{20, 60, 100, 4};
  {
    auto s = make(100 * kMbit, {red});
    Simulation sim;  // half the port: the queue never builds
    sim.run(*s, {{0, 50 * kMbit, 1000}}, kSecond);
    EXPECT_EQ(s->stats(0).drop_red.load(), 0u);
  }
  auto s = make(10 * kMbit, {red});
  Simulation sim;  // 3x the port: the average climbs past the maximum, so RED drops before the tail
  sim.run(*s, {{0, 30 * kMbit, 1000}}, kSecond);
  EXPECT_GT(s->stats(0).drop_red.load(), 0u);
  EXPECT_EQ(s->stats(0).drop_queue_full.load(), 0u);
  EXPECT_LE(s->stats(0).max_depth_packets.load(), 70u);
}

TEST(PortScheduler, CodelBringsAStandingQueueBackToItsTarget) {
  // A burst of 500 packets (200 ms at 20 Mbit/s) in front of a flow at exactly the port's rate: the
  // queue would stand forever with tail drop. CoDel (target 1 ms, interval 10 ms) drops until the
  // packets wait less than the target, then stops.
  SliceSpec codel = slice(0);
  codel.queue_packets = 4096;
  codel.queue_bytes = 1u << 24;
  SliceSpec tail = codel;
  codel.drop = DropPolicy::codel;
  codel.codel = CodelParams{1'000'000, 10'000'000};
  for (const SliceSpec& spec : {codel, tail}) {
    auto s = make(20 * kMbit, {spec});
    for (uint32_t i = 0; i < 500; ++i) ASSERT_EQ(s->enqueue(0, handle(0, 1000, i), 1000, 0, 0), EnqueueVerdict::queued);
    Simulation sim;
    sim.run(*s, {{0, 20 * kMbit, 1000, 0, 1000}}, 3 * kSecond);
    const SliceQueueStats& st = s->stats(0);
    if (spec.drop == DropPolicy::codel) {
      EXPECT_GT(sim.codel_dropped, 400u);
      EXPECT_LT(sim.codel_dropped, 600u) << "it stops once the queue is short";
      EXPECT_EQ(st.drop_codel.load(), sim.codel_dropped);
      EXPECT_LE(st.depth_packets.load(), 5u) << "1 ms at 20 Mbit/s is 2.5 packets";
    } else {
      EXPECT_EQ(sim.codel_dropped, 0u);
      EXPECT_GE(st.depth_packets.load(), 450u) << "tail drop keeps the standing queue";
    }
  }
}

TEST(PortScheduler, AdmissionRefusalNamesTheSlices) {
  PortShaperSpec port;
  port.rate_bps = 100 * kMbit;
  std::string error;
  EXPECT_EQ(PortScheduler::create(port, std::vector<SliceSpec>{slice(0, 60 * kMbit), slice(1), slice(2, 50 * kMbit)},
                                  kTps, 0, &error),
            nullptr);
  EXPECT_EQ(error, "guaranteed rates of slices 0, 2 add up to 110000000 bit/s, more than the port's 100000000");
  EXPECT_EQ(PortScheduler::create(port, std::vector<SliceSpec>{slice(0, 20 * kMbit, 1, 10 * kMbit)}, kTps, 0, &error),
            nullptr);
  EXPECT_EQ(error, "slice 0: guaranteed rate above its ceiling");
  EXPECT_EQ(PortScheduler::create(port, std::vector<SliceSpec>(65, slice(0)), kTps, 0, &error), nullptr);
  EXPECT_EQ(error, "65 slices, at most 64");
}

TEST(PortScheduler, DrainReturnsEverythingAndTheCountersAddUp) {
  auto s = make(10 * kMbit, {slice(0), slice(1), slice(2)});
  Simulation sim;
  sim.run(*s, {{0, 20 * kMbit, 500}, {1, 20 * kMbit, 700}, {2, 5 * kMbit, 100}}, kSecond / 10);
  uint64_t depth = 0;
  for (uint16_t i = 0; i < 3; ++i) {
    const SliceQueueStats& st = s->stats(i);
    EXPECT_EQ(st.enqueued_packets.load(), st.sent_packets.load() + st.depth_packets.load()) << i;
    EXPECT_EQ(st.enqueued_packets.load() + st.drop_queue_full.load(), sim.offered[i]) << i;
    depth += st.depth_packets.load();
  }
  ASSERT_TRUE(s->backlogged());
  void* out[16];
  uint64_t drained = 0;
  for (uint16_t n; (n = s->drain(out, 16)) != 0;) drained += n;
  EXPECT_EQ(drained, depth);
  EXPECT_FALSE(s->backlogged());
  EXPECT_EQ(s->next_send_tick(kSecond), UINT64_MAX);
  for (uint16_t i = 0; i < 3; ++i) EXPECT_EQ(s->stats(i).depth_packets.load(), 0u);
}

TEST(PortScheduler, NextSendTickSaysWhenTheShaperAllowsTheNextPacket) {
  SliceSpec one = slice(0);
  auto s = make(8 * kMbit, {one});  // 1 byte per us
  PortShaperSpec port;
  for (uint32_t i = 0; i < 40; ++i) ASSERT_EQ(s->enqueue(0, handle(0, 1000, i), 1000, 0, 0), EnqueueVerdict::queued);
  EXPECT_EQ(s->next_send_tick(0), 0u);
  void* out[32];
  void* dropped[32];
  uint16_t nd = 0;
  const uint16_t first = s->dequeue(0, out, 32, dropped, &nd);
  EXPECT_EQ(first, 17) << "16384 bytes of burst, then one packet of debt";
  const uint64_t next = s->next_send_tick(0);
  EXPECT_GT(next, 0u);
  EXPECT_EQ(s->dequeue(next - 1, out, 32, dropped, &nd), 0);
  EXPECT_EQ(s->dequeue(next, out, 32, dropped, &nd), 1);
}

}  // namespace
}  // namespace edgegw::slicing
