// Percentiles of a LatencyHistogram, from one relaxed read of its buckets.
#include "edgegw/slicing/latency_histogram.hpp"

#include <algorithm>
#include <vector>

namespace edgegw::slicing {

HistogramSummary LatencyHistogram::summary() const {
  std::vector<uint64_t> copy(kBuckets);
  uint64_t total = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    copy[i] = buckets_[i].load(std::memory_order_relaxed);
    total += copy[i];
  }
  HistogramSummary s;
  s.count = total;
  s.max = max();
  if (total == 0) return s;
  s.mean = sum_.load(std::memory_order_relaxed) / std::max<uint64_t>(1, count());
  // The value below which `fraction` of the samples lie: the bucket holding rank ceil(f * total).
  auto percentile = [&](double fraction) {
    const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(fraction * static_cast<double>(total) + 0.999999));
    uint64_t seen = 0;
    for (unsigned i = 0; i < kBuckets; ++i) {
      seen += copy[i];
      if (seen >= rank) return std::min(upper_of(i), s.max);
    }
    return s.max;
  };
  s.p50 = percentile(0.50);
  s.p99 = percentile(0.99);
  s.p999 = percentile(0.999);
  return s;
}

}  // namespace edgegw::slicing
