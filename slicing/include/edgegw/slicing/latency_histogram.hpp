// A log-linear histogram of nanoseconds: 16 buckets per power of two (at most 6.25% wide), exact
// below 16 ns, up to 2^40 ns (~18 min; larger values land in the last bucket), with the exact maximum.
// One writer (the worker) records with relaxed load + store (no locked instruction); readers on
// other threads read relaxed and compute percentiles on what they read.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace edgegw::slicing {

struct HistogramSummary {
  uint64_t count = 0;
  uint64_t p50 = 0;
  uint64_t p99 = 0;
  uint64_t p999 = 0;
  uint64_t max = 0;
  uint64_t mean = 0;  // from the buckets' midpoints (within the bucket width)
};

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBuckets = 16;
  static constexpr unsigned kMaxBits = 40;
  static constexpr unsigned kBuckets = kSubBuckets + (kMaxBits - 4) * kSubBuckets;

  static unsigned bucket_of(uint64_t ns) {
    if (ns < kSubBuckets) return static_cast<unsigned>(ns);
    const unsigned width = static_cast<unsigned>(std::bit_width(ns));  // 5 for 16..31
    if (width > kMaxBits) return kBuckets - 1;
    const unsigned shift = width - 5;
    return kSubBuckets + shift * kSubBuckets + static_cast<unsigned>((ns >> shift) & (kSubBuckets - 1));
  }
  // The largest value of a bucket.
  static uint64_t upper_of(unsigned bucket) {
    if (bucket < kSubBuckets) return bucket;
    const unsigned shift = (bucket - kSubBuckets) / kSubBuckets;
    const uint64_t sub = (bucket - kSubBuckets) % kSubBuckets;
    return ((kSubBuckets + sub + 1) << shift) - 1;
  }

  // Two stores at most: the bucket, and the maximum when it grows (the count and the mean come
  // from the buckets when read).
  void record(uint64_t ns) {
    std::atomic<uint64_t>& b = buckets_[bucket_of(ns)];
    b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (ns > max_.load(std::memory_order_relaxed)) max_.store(ns, std::memory_order_relaxed);
  }

  // `count` samples in one bucket whose largest is `max_ns` (what a RecordRun folds).
  void record_many(unsigned bucket, uint64_t count, uint64_t max_ns) {
    std::atomic<uint64_t>& b = buckets_[bucket];
    b.store(b.load(std::memory_order_relaxed) + count, std::memory_order_relaxed);
    if (max_ns > max_.load(std::memory_order_relaxed)) max_.store(max_ns, std::memory_order_relaxed);
  }

  uint64_t max() const { return max_.load(std::memory_order_relaxed); }
  // Percentiles are the upper bound of the bucket holding the rank, never above the maximum.
  HistogramSummary summary() const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> max_{0};
};

// Folds a run of samples that land in the same bucket of the same histogram into one update: a
// burst of one slice's packets mostly waited alike, and a counter in a register beats a
// load-add-store chain on the same memory per packet. flush() before anyone reads.
class RecordRun {
 public:
  void record(LatencyHistogram* h, uint64_t ns) {
    const unsigned b = LatencyHistogram::bucket_of(ns);
    if (h != hist_ || b != bucket_) {
      flush();
      hist_ = h;
      bucket_ = b;
    }
    ++count_;
    if (ns > max_) max_ = ns;
  }
  // A sample in clock ticks, `ns_per_tick_q32` ns each (Q32). Packets enqueued at one tick and sent
  // at one tick waited alike: a repeat of the last sample skips the conversion and the bucket lookup.
  void record_ticks(LatencyHistogram* h, uint64_t ticks, uint64_t ns_per_tick_q32) {
    if (ticks == last_ticks_ && h == hist_ && count_ != 0) {
      ++count_;
      return;
    }
    last_ticks_ = ticks;
    record(h, static_cast<uint64_t>((static_cast<unsigned __int128>(ticks) * ns_per_tick_q32) >> 32));
  }
  void flush() {
    if (count_ == 0) return;
    hist_->record_many(bucket_, count_, max_);
    count_ = 0;
    max_ = 0;
  }

 private:
  LatencyHistogram* hist_ = nullptr;
  unsigned bucket_ = 0;
  uint32_t count_ = 0;
  uint64_t max_ = 0;
  uint64_t last_ticks_ = 0;
};

}  // namespace edgegw::slicing
