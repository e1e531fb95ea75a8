// PortScheduler: token buckets in bit-ticks, the guarantee phase (priority, round robin), the excess
// phase (priority, deficit round robin by weight), and the tail / RED / CoDel queues.
#include "edgegw/slicing/scheduler.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

namespace edgegw::slicing {
namespace {

constexpr uint8_t kNone = 64;
constexpr int64_t kQuantumBytes = 1600;   // per unit of weight: at least a full-size frame
constexpr uint32_t kMaxFrame = 65535 + 64;  // the largest packet plus overhead, for debt bounds
constexpr uint32_t kCodelMaxPacket = 1514;  // RFC 8289's MAXPACKET: a queue this small is not standing

// 2^16 / sqrt(n) for CoDel's control law, n = 0..1023 (n = 0 unused).
const std::array<uint32_t, 1024>& inverse_sqrt_q16() {
  static const std::array<uint32_t, 1024> table = [] {
    std::array<uint32_t, 1024> t{};
    for (size_t n = 1; n < t.size(); ++n) t[n] = static_cast<uint32_t>(65536.0 / std::sqrt(static_cast<double>(n)));
    return t;
  }();
  return table;
}

// The next set bit of `mask` after position `after` (wrapping); `mask` must not be 0.
inline unsigned next_after(uint64_t mask, unsigned after) {
  const uint64_t above = after >= 63 ? 0 : mask & (~uint64_t{0} << (after + 1));
  return static_cast<unsigned>(std::countr_zero(above != 0 ? above : mask));
}

inline void add(std::atomic<uint64_t>& c, uint64_t n) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

void PortScheduler::Bucket::refill(uint64_t now) {
  if (now <= last) return;
  const uint64_t dt = now - last;
  last = now;
  if (dt >= full_after) {
    tokens = cap;
    return;
  }
  tokens = std::min<int64_t>(cap, tokens + static_cast<int64_t>(dt * rate));
}

std::unique_ptr<PortScheduler> PortScheduler::create(const PortShaperSpec& port, std::span<const SliceSpec> slices,
                                                     uint64_t ticks_per_second, uint64_t now, std::string* error) {
  if (std::string why = check_slices(port, slices); !why.empty()) {
    if (error != nullptr) *error = why;
    return nullptr;
  }
  if (ticks_per_second == 0) {
    if (error != nullptr) *error = "the clock has no ticks";
    return nullptr;
  }
  std::unique_ptr<PortScheduler> p(new PortScheduler());
  p->tps_ = ticks_per_second;
  p->bit_ticks_ = 8 * ticks_per_second;
  p->overhead_ = port.overhead_bytes;
  p->ns_mult_ = static_cast<uint64_t>((static_cast<unsigned __int128>(1'000'000'000) << 32) / ticks_per_second);
  const uint64_t max_cost = uint64_t{kMaxFrame} * p->bit_ticks_;
  auto bucket = [&](uint64_t rate_bps, uint32_t burst_bytes) {
    Bucket b;
    b.rate = rate_bps;
    b.cap = static_cast<int64_t>(uint64_t{std::max<uint32_t>(burst_bytes, 1)} * p->bit_ticks_);
    b.tokens = b.cap;
    b.full_after = rate_bps == 0 ? UINT64_MAX : (static_cast<uint64_t>(b.cap) + max_cost) / rate_bps + 1;
    b.last = now;
    return b;
  };
  p->port_ = bucket(port.rate_bps, port.burst_bytes);
  p->stats_ = std::make_unique<SliceQueueStats[]>(slices.size());
  std::fill(std::begin(p->drr_), std::end(p->drr_), kNone);
  std::fill(std::begin(p->rr_), std::end(p->rr_), static_cast<uint8_t>(63));
  for (size_t i = 0; i < slices.size(); ++i) {
    const SliceSpec& spec = slices[i];
    Slice s;
    const uint32_t capacity = std::bit_ceil(std::max<uint32_t>(spec.queue_packets, 2));
    p->rings_.push_back(std::make_unique<Entry[]>(capacity));
    s.ring = p->rings_.back().get();
    s.mask = capacity - 1;
    s.limit_packets = spec.queue_packets;
    s.limit_bytes = spec.queue_bytes;
    s.priority = spec.priority;
    s.drop = spec.drop;
    s.guaranteed = spec.guaranteed_bps != 0;
    if (s.guaranteed) s.g = bucket(spec.guaranteed_bps, spec.burst_bytes);
    const uint64_t ceiling = spec.ceiling_bps == 0 ? port.rate_bps : std::min(spec.ceiling_bps, port.rate_bps);
    s.c = bucket(ceiling, spec.burst_bytes);
    s.capped = ceiling < port.rate_bps;
    s.quantum = kQuantumBytes * spec.weight;
    s.budget_ticks = spec.latency_budget_ns == 0
                         ? UINT64_MAX
                         : static_cast<uint64_t>((static_cast<unsigned __int128>(spec.latency_budget_ns) *
                                                  ticks_per_second) / 1'000'000'000);
    s.target = static_cast<uint64_t>((static_cast<unsigned __int128>(spec.codel.target_ns) * ticks_per_second) /
                                     1'000'000'000);
    s.interval = static_cast<uint64_t>((static_cast<unsigned __int128>(spec.codel.interval_ns) * ticks_per_second) /
                                       1'000'000'000);
    if (spec.drop == DropPolicy::red) {
      s.min_q16 = int64_t{spec.red.min_packets} << 16;
      s.max_q16 = int64_t{spec.red.max_packets} << 16;
      s.inv_range_q32 = (uint64_t{1} << 32) / (spec.red.max_packets - spec.red.min_packets);
      s.max_p_q16 = static_cast<uint32_t>(uint64_t{spec.red.max_p_permille} * 65536 / 1000);
      s.weight_shift = spec.red.weight_shift;
    }
    p->level_[spec.priority] |= uint64_t{1} << i;
    if (s.guaranteed) p->with_guarantee_ |= uint64_t{1} << i;
    if (s.capped) p->capped_ |= uint64_t{1} << i;
    p->slices_.push_back(s);
  }
  return p;
}

PortScheduler::~PortScheduler() = default;

bool PortScheduler::red_drops(Slice& s) {
  const int64_t q16 = int64_t{s.queued()} << 16;
  s.avg += (q16 - s.avg) >> s.weight_shift;
  if (s.avg < s.min_q16) return false;
  if (s.avg >= s.max_q16) return true;
  const uint64_t fraction_q16 = (static_cast<uint64_t>(s.avg - s.min_q16) * s.inv_range_q32) >> 32;
  const uint64_t p_q16 = (fraction_q16 * s.max_p_q16) >> 16;
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return (rng_ & 0xffff) < p_q16;
}

void PortScheduler::publish() {
  for (uint64_t m = dirty_; m != 0; m &= m - 1) {
    const unsigned i = static_cast<unsigned>(std::countr_zero(m));
    Slice& s = slices_[i];
    SliceQueueStats& st = stats_[i];
    add(st.enqueued_packets, s.enq_packets);
    add(st.enqueued_bytes, s.enq_bytes);
    add(st.sent_packets, s.sent_packets);
    add(st.sent_bytes, s.sent_bytes);
    add(st.guaranteed_bytes, s.guaranteed_bytes);
    add(st.drop_queue_full, s.queue_full);
    add(st.drop_red, s.red_dropped);
    add(st.over_budget, s.over_budget);
    st.depth_packets.store(s.queued(), std::memory_order_relaxed);
    st.depth_bytes.store(s.bytes, std::memory_order_relaxed);
    if (s.peak > st.max_depth_packets.load(std::memory_order_relaxed)) {
      st.max_depth_packets.store(s.peak, std::memory_order_relaxed);
    }
    s.enq_packets = s.sent_packets = s.queue_full = s.red_dropped = s.over_budget = 0;
    s.enq_bytes = s.sent_bytes = s.guaranteed_bytes = 0;
  }
  dirty_ = 0;
}

// Inlined: it runs once per packet.
[[gnu::always_inline]] inline void PortScheduler::pop(uint16_t i, Entry* e) {
  Slice& s = slices_[i];
  *e = s.ring[s.head & s.mask];
  ++s.head;
  s.bytes -= e->len;
  if (s.head == s.tail) {
    active_ &= ~(uint64_t{1} << i);
    s.deficit = 0;
  }
}

bool PortScheduler::codel_pop(uint16_t i, uint64_t now, Entry* e, void** dropped, uint16_t* dropped_count,
                              uint16_t room) {
  Slice& s = slices_[i];
  SliceQueueStats& st = stats_[i];
  // RFC 8289 dodequeue: take the head and judge whether the queue has stood above target for an interval.
  auto take = [&](bool* ok_to_drop) {
    *ok_to_drop = false;
    if (s.head == s.tail) {
      s.first_above = 0;
      return false;
    }
    pop(i, e);
    const uint64_t sojourn = now - std::min(now, e->enq);
    if (sojourn < s.target || s.bytes <= kCodelMaxPacket) {
      s.first_above = 0;
    } else if (s.first_above == 0) {
      s.first_above = now + s.interval;
    } else if (now >= s.first_above) {
      *ok_to_drop = true;
    }
    return true;
  };
  auto drop = [&]() {
    dropped[(*dropped_count)++] = e->pkt;
    add(st.drop_codel, 1);
  };
  auto control_law = [&](uint64_t t) {
    const uint32_t n = std::max<uint32_t>(s.count, 1);
    // A table for the usual counts; beyond it (a long overload) the square root itself, once per drop.
    const uint64_t inv = n < 1024 ? inverse_sqrt_q16()[n]
                                  : static_cast<uint64_t>(65536.0 / std::sqrt(static_cast<double>(n)));
    return t + ((s.interval * inv) >> 16);
  };
  bool ok = false;
  if (!take(&ok)) {
    s.dropping = false;
    return false;
  }
  if (s.dropping) {
    if (!ok) s.dropping = false;
    while (s.dropping && now >= s.drop_next && *dropped_count < room) {
      drop();
      ++s.count;
      if (!take(&ok)) {
        s.dropping = false;
        return false;
      }
      if (!ok) {
        s.dropping = false;
      } else {
        s.drop_next = control_law(s.drop_next);
      }
    }
  } else if (ok && *dropped_count < room) {
    drop();
    const bool more = take(&ok);
    s.dropping = true;
    const uint32_t delta = s.count - s.lastcount;
    s.count = delta > 1 && now - s.drop_next < 16 * s.interval ? delta : 1;
    s.drop_next = control_law(now);
    s.lastcount = s.count;
    if (!more) return false;
  }
  return true;
}

// Guarantees: the highest priority level with a candidate, round robin within it.
int PortScheduler::pick_guaranteed(uint64_t candidates) {
  if (candidates == 0) return -1;
  for (unsigned p = 0; p < kPriorities; ++p) {
    const uint64_t m = candidates & level_[p];
    if (m == 0) continue;
    const unsigned i = next_after(m, rr_[p]);
    rr_[p] = static_cast<uint8_t>(i);
    return static_cast<int>(i);
  }
  return -1;
}

// The excess: the highest priority level with a candidate, deficit round robin within it.
int PortScheduler::pick_excess(uint64_t candidates) {
  if (candidates == 0) return -1;
  for (unsigned p = 0; p < kPriorities; ++p) {
    const uint64_t m = candidates & level_[p];
    if (m == 0) continue;
    unsigned i = drr_[p];
    if (i == kNone || !(m >> i & 1)) {
      i = next_after(m, i == kNone ? 63 : i);
      slices_[i].deficit += slices_[i].quantum;
    }
    for (;;) {
      Slice& s = slices_[i];
      if (s.deficit >= static_cast<int64_t>(s.ring[s.head & s.mask].len)) break;
      i = next_after(m, i);
      slices_[i].deficit += slices_[i].quantum;
    }
    drr_[p] = static_cast<uint8_t>(i);
    return static_cast<int>(i);
  }
  return -1;
}

uint16_t PortScheduler::dequeue(uint64_t now, void** out, uint16_t max, void** dropped, uint16_t* dropped_count) {
  *dropped_count = 0;
  uint16_t n = 0;
  if (active_ != 0) n = serve(now, out, max, dropped, dropped_count);
  if (dirty_ != 0) publish();
  return n;
}

uint16_t PortScheduler::serve(uint64_t now, void** out, uint16_t max, void** dropped, uint16_t* dropped_count) {
  port_.refill(now);
  // Like an HTB class within its rate, a slice within its guarantee does not wait for the port: it
  // sends and the port's bucket owes it (at most one burst), which the excess then waits for. The
  // guarantees together fit the port's rate, so the port's long-run rate holds.
  const int64_t guaranteed_floor = -port_.cap;
  if (port_.tokens <= guaranteed_floor || (port_.tokens <= 0 && with_guarantee_ == 0)) return 0;
  // Buckets are refilled once per call: `now` does not move within it, so tokens only fall. A
  // slice without a ceiling of its own is bounded by the port's bucket alone.
  // Only slices with a ceiling of their own or a guarantee have buckets to look at.
  uint64_t within_ceiling = active_ & ~capped_, within_guarantee = 0;
  for (uint64_t m = active_ & (capped_ | with_guarantee_); m != 0; m &= m - 1) {
    const unsigned i = static_cast<unsigned>(std::countr_zero(m));
    Slice& s = slices_[i];
    if (s.capped) {
      s.c.refill(now);
      if (s.c.tokens > 0) within_ceiling |= uint64_t{1} << i;
    }
    if (s.guaranteed) {
      s.g.refill(now);
      if (s.g.tokens > 0) within_guarantee |= uint64_t{1} << i;
    }
  }
  uint16_t n = 0;
  RecordRun sojourn_run, rx_to_tx_run;
  // Sends the popped entry `e` of slice i and charges it.
  auto send = [&](uint16_t i, const Entry& e, bool guaranteed) __attribute__((always_inline)) {
    Slice& s = slices_[i];
    const int64_t cost = static_cast<int64_t>((uint64_t{e.len} + overhead_) * bit_ticks_);
    port_.tokens -= cost;
    if (s.capped) {
      s.c.tokens -= cost;
      if (s.c.tokens <= 0) within_ceiling &= ~(uint64_t{1} << i);
    }
    if (guaranteed) {
      s.g.tokens -= cost;
      if (s.g.tokens <= 0) within_guarantee &= ~(uint64_t{1} << i);
      s.guaranteed_bytes += e.len;
    } else {
      s.deficit -= e.len;
    }
    ++s.sent_packets;
    s.sent_bytes += e.len;
    SliceQueueStats& st = stats_[i];
    const uint64_t waited = now - std::min(now, e.enq);
    sojourn_run.record_ticks(&st.sojourn, waited, ns_mult_);
    rx_to_tx_run.record_ticks(&st.rx_to_tx, now - std::min(now, e.rx), ns_mult_);
    if (waited > s.budget_ticks) ++s.over_budget;
    out[n++] = e.pkt;
  };
  // Within one call the candidate sets only shrink (`now` stands, nothing is enqueued), so once no
  // slice is within its guarantee none will be, and the excess phase's pick stands while its deficit
  // covers its head and its ceiling and the port allow: that slice's run is sent without picking
  // again (what deficit round robin does).
  bool excess_phase = false;
  while (n < max && port_.tokens > guaranteed_floor) {
    const uint64_t sendable = active_ & within_ceiling;
    int pick = excess_phase ? -1 : pick_guaranteed(sendable & within_guarantee);
    const bool guaranteed = pick >= 0;
    if (!guaranteed) {
      excess_phase = true;
      if (port_.tokens <= 0) break;
      pick = pick_excess(sendable);
    }
    if (pick < 0) break;
    const auto i = static_cast<uint16_t>(pick);
    Slice& s = slices_[i];
    dirty_ |= uint64_t{1} << i;
    Entry e;
    if (s.drop == DropPolicy::codel) {
      if (!codel_pop(i, now, &e, dropped, dropped_count, max)) continue;
      send(i, e, guaranteed);
      continue;
    }
    pop(i, &e);
    send(i, e, guaranteed);
    if (guaranteed) continue;
    while (n < max && port_.tokens > 0 && s.head != s.tail && (within_ceiling >> i & 1) != 0 &&
           s.deficit >= static_cast<int64_t>(s.ring[s.head & s.mask].len)) {
      pop(i, &e);
      send(i, e, false);
    }
  }
  sojourn_run.flush();
  rx_to_tx_run.flush();
  return n;
}

uint64_t PortScheduler::next_send_tick(uint64_t now) {
  if (active_ == 0) return UINT64_MAX;
  port_.refill(now);
  auto ready_at = [&](const Bucket& b) -> uint64_t {
    if (b.tokens > 0) return now;
    return b.rate == 0 ? UINT64_MAX : now + static_cast<uint64_t>(-b.tokens) / b.rate + 1;
  };
  uint64_t slice_ready = UINT64_MAX;
  for (uint64_t m = active_; m != 0; m &= m - 1) {
    Slice& s = slices_[static_cast<unsigned>(std::countr_zero(m))];
    if (!s.capped) {
      slice_ready = now;
      break;
    }
    s.c.refill(now);
    slice_ready = std::min(slice_ready, ready_at(s.c));
  }
  return std::max(ready_at(port_), slice_ready);
}

uint16_t PortScheduler::drain(void** out, uint16_t max) {
  uint16_t n = 0;
  while (n < max && active_ != 0) {
    const auto i = static_cast<uint16_t>(std::countr_zero(active_));
    Entry e;
    pop(i, &e);
    dirty_ |= uint64_t{1} << i;
    out[n++] = e.pkt;
  }
  publish();
  return n;
}

}  // namespace edgegw::slicing
