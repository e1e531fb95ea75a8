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
  double sum = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    if (copy[i] == 0) continue;
    const uint64_t lower = i == 0 ? 0 : upper_of(i - 1) + 1;
    sum += static_cast<double>(copy[i]) * (static_cast<double>(lower) + static_cast<double>(upper_of(i))) / 2;
  }
  s.mean = static_cast<uint64_t>(sum / static_cast<double>(total));
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
