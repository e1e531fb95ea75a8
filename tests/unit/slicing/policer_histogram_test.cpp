// Policers (srTCM, trTCM) on hand-computed sequences and their long-run rates; the latency
// histogram's buckets, percentiles within 6.25 % and its exact maximum.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "edgegw/slicing/latency_histogram.hpp"
#include "edgegw/slicing/policer.hpp"

namespace edgegw::slicing {
namespace {

constexpr uint64_t kTps = 1'000'000'000;

TEST(Policer, SrtcmSpendsCommittedThenExcessThenRed) {
  // CIR 8 kbit/s = 1 byte per ms; CBS 2000, EBS 1000; buckets start full.
  Policer p(PolicerSpec{PolicerSpec::Mode::srtcm, 8000, 2000, 1000, 0, 0}, kTps, 0);
  EXPECT_EQ(p.color(1500, 0), Color::green);   // C 2000 -> 500
  EXPECT_EQ(p.color(600, 0), Color::yellow);   // C 500 < 600; E 1000 -> 400
  EXPECT_EQ(p.color(700, 0), Color::red);      // neither has 700
  EXPECT_EQ(p.color(400, 0), Color::green);    // C 500 -> 100
  // 1.9 s later C has 100 + 1900 = 2000: full, nothing overflows.
  EXPECT_EQ(p.color(2000, 1'900'000'000), Color::green);   // C -> 0
  EXPECT_EQ(p.color(100, 1'900'000'000), Color::yellow);   // E 400 -> 300
  // 2.5 s later: C fills its 2000 in 2 s, the other 500 bytes overflow into E: 300 + 500 = 800.
  EXPECT_EQ(p.color(2000, 4'400'000'000), Color::green);
  EXPECT_EQ(p.color(800, 4'400'000'000), Color::yellow);
  EXPECT_EQ(p.color(1, 4'400'000'000), Color::red);
}

TEST(Policer, TrtcmPeakFirstThenCommitted) {
  // CIR 8 kbit/s (1 B/ms), CBS 1000; PIR 16 kbit/s (2 B/ms), PBS 3000.
  Policer p(PolicerSpec{PolicerSpec::Mode::trtcm, 8000, 1000, 0, 16000, 3000}, kTps, 0);
  EXPECT_EQ(p.color(1000, 0), Color::green);   // P 3000 -> 2000, C 1000 -> 0
  EXPECT_EQ(p.color(1500, 0), Color::yellow);  // C short; P 2000 -> 500
  EXPECT_EQ(p.color(600, 0), Color::red);      // P 500 < 600
  EXPECT_EQ(p.color(500, 0), Color::yellow);   // P 500 -> 0, C 0
  EXPECT_EQ(p.color(1, 0), Color::red);
  // 500 ms later: P 1000, C 500.
  EXPECT_EQ(p.color(500, 500'000'000), Color::green);
  EXPECT_EQ(p.color(500, 500'000'000), Color::yellow);
  EXPECT_EQ(p.color(1, 500'000'000), Color::red);
}

TEST(Policer, LongRunGreenRateIsTheCommittedRate) {
  for (auto mode : {PolicerSpec::Mode::srtcm, PolicerSpec::Mode::trtcm}) {
    // 10 Mbit/s committed, offered 30 Mbit/s of 1000-byte packets for 10 s.
    Policer p(PolicerSpec{mode, 10'000'000, 16384, 16384, 20'000'000, 16384}, kTps, 0);
    uint64_t green = 0, yellow = 0;
    for (uint64_t t = 0; t < 10'000'000'000; t += 266'667) {
      const Color c = p.color(1000, t);
      green += c == Color::green;
      yellow += c == Color::yellow;
    }
    const double green_bps = static_cast<double>(green) * 8000 / 10;
    EXPECT_NEAR(green_bps, 10e6, 0.005 * 10e6) << static_cast<int>(mode);
    if (mode == PolicerSpec::Mode::trtcm) {
      EXPECT_NEAR(static_cast<double>(green + yellow) * 8000 / 10, 20e6, 0.005 * 20e6) << "peak";
    }
  }
}

TEST(LatencyHistogram, BucketsAreExactBelowSixteenAndSixteenPerPowerOfTwo) {
  for (uint64_t v = 0; v < 16; ++v) EXPECT_EQ(LatencyHistogram::upper_of(LatencyHistogram::bucket_of(v)), v);
  for (uint64_t v : {16ull, 17ull, 31ull, 32ull, 1000ull, 123456ull, 987654321ull}) {
    const unsigned b = LatencyHistogram::bucket_of(v);
    const uint64_t upper = LatencyHistogram::upper_of(b);
    EXPECT_GE(upper, v);
    EXPECT_LE(static_cast<double>(upper - v), 0.0625 * static_cast<double>(v)) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::upper_of(b - 1), v) << v;
    }
  }
  EXPECT_EQ(LatencyHistogram::bucket_of(uint64_t{1} << 50), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, PercentilesOfKnownDistributionsWithinTheBucketWidth) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.record(v * 10);  // uniform 10 ns .. 1 ms
  const HistogramSummary s = h.summary();
  EXPECT_EQ(s.count, 100000u);
  EXPECT_EQ(s.max, 1'000'000u);
  EXPECT_NEAR(static_cast<double>(s.p50), 500'000, 0.0625 * 500'000);
  EXPECT_NEAR(static_cast<double>(s.p99), 990'000, 0.0625 * 990'000);
  EXPECT_NEAR(static_cast<double>(s.p999), 999'000, 0.0625 * 999'000);
  EXPECT_LE(s.p999, s.max);
  EXPECT_NEAR(static_cast<double>(s.mean), 500'005, 0.0625 * 500'005);
  LatencyHistogram tail;  // 99 % at 20 us, 1 % at 5 ms: p99 is still 20 us, p99.9 the tail
  for (int i = 0; i < 9900; ++i) tail.record(20'000);
  for (int i = 0; i < 100; ++i) tail.record(5'000'000);
  const HistogramSummary t = tail.summary();
  EXPECT_NEAR(static_cast<double>(t.p99), 20'000, 0.0625 * 20'000);
  EXPECT_NEAR(static_cast<double>(t.p999), 5'000'000, 0.0625 * 5'000'000);
  EXPECT_EQ(t.max, 5'000'000u);
  EXPECT_EQ(LatencyHistogram().summary().count, 0u);
}

TEST(LatencyHistogram, ARecordRunLeavesWhatRecordingEachSampleWould) {
  LatencyHistogram direct_a, direct_b, run_a, run_b;
  RecordRun run;
  uint64_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    // Runs of equal buckets, changes of bucket and of histogram, as a burst of mixed slices gives.
    const uint64_t ns = (i / 7) % 3 == 0 ? 20'000 + (x >> 60) : (x >> 40);
    const bool a = (i / 11) % 2 == 0;
    (a ? direct_a : direct_b).record(ns);
    run.record(a ? &run_a : &run_b, ns);
    if (i % 32 == 31) run.flush();
  }
  run.flush();
  run.flush();  // a second flush adds nothing
  for (auto [d, r] : {std::pair{&direct_a, &run_a}, std::pair{&direct_b, &run_b}}) {
    const HistogramSummary ds = d->summary(), rs = r->summary();
    EXPECT_EQ(rs.count, ds.count);
    EXPECT_EQ(rs.p50, ds.p50);
    EXPECT_EQ(rs.p99, ds.p99);
    EXPECT_EQ(rs.p999, ds.p999);
    EXPECT_EQ(rs.max, ds.max);
    EXPECT_EQ(rs.mean, ds.mean);
  }
  EXPECT_GT(run_a.summary().count, 0u);
  EXPECT_GT(run_b.summary().count, 0u);
}

}  // namespace
}  // namespace edgegw::slicing
