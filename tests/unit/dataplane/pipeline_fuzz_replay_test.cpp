// Replays the pipeline fuzzer's seed corpus and every crash it ever found (tests/fuzz/corpus/pipeline,
// tests/fuzz/regressions/pipeline) through the same harness, so a fixed bug stays fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "pipeline_harness.hpp"
#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != ".gitkeep") out.push_back(e.path());
  }
  return out;
}

TEST(PipelineFuzzReplay, CorpusAndRegressionsPassEveryCheck) {
  if (!running_as_root()) GTEST_SKIP() << "needs root (EAL)";
  ASSERT_NE(shared_dataplane(), nullptr) << start_error();
  std::string error;
  auto harness = fuzz::PipelineHarness::create("ut", &error);
  ASSERT_NE(harness, nullptr) << error;
  std::vector<fs::path> files = inputs_in(fs::path(EDGEGW_SOURCE_DIR) / "tests/fuzz/corpus/pipeline");
  ASSERT_FALSE(files.empty()) << "the seed corpus is missing";
  for (const fs::path& p : inputs_in(fs::path(EDGEGW_SOURCE_DIR) / "tests/fuzz/regressions/pipeline")) {
    files.push_back(p);
  }
  fuzz::PipelineHarness::Reached seeds;
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(harness->run(bytes.data(), bytes.size()), "") << p;
    const fuzz::PipelineHarness::Reached r = harness->reached();
    for (unsigned k = 0; k < kDropReasonCount; ++k) seeds.drops[k] += r.drops[k];
    const RouterCounters& c = r.router;
    RouterCounters& sum = seeds.router;
    for (auto [to, from] : {std::pair{&sum.routed, c.routed}, {&sum.arp_replies, c.arp_replies},
                            {&sum.arp_requests, c.arp_requests}, {&sum.icmp_echo_replies, c.icmp_echo_replies},
                            {&sum.icmp_errors, c.icmp_errors}, {&sum.icmp_rate_limited, c.icmp_rate_limited},
                            {&sum.neighbor_table_full, c.neighbor_table_full},
                            {&sum.arp_replies_received, c.arp_replies_received}, {&sum.fragmented, c.fragmented},
                            {&sum.punted, c.punted}, {&sum.routed6, c.routed6}, {&sum.nd_adverts, c.nd_adverts},
                            {&sum.nd_solicits, c.nd_solicits}, {&sum.nd_adverts_received, c.nd_adverts_received}}) {
      *to += from;
    }
    seeds.nat_sessions += r.nat_sessions;
    for (const auto& [name, packets] : r.slice_packets) seeds.slice_packets[name] += packets;
    seeds.remarked += r.remarked;
  }
  // The seeds reach every verdict but the two a healthy pool and net_null never give, so the
  // fuzzer starts from every path.
  for (unsigned k = 0; k < kDropReasonCount; ++k) {
    const auto reason = static_cast<DropReason>(k);
    if (reason == DropReason::no_mbuf || reason == DropReason::tx_full) continue;
    // The harness's ports have no security groups yet (SecurityTest covers the acl verdict).
    if (reason == DropReason::acl) continue;
    // Its slices have no shaped port (integration_slicing_test and unit_slicing cover the queues' drops).
    if (reason == DropReason::slice_queue_full || reason == DropReason::slice_red || reason == DropReason::slice_codel) {
      continue;
    }
    EXPECT_NE(seeds.drops[k], 0u) << "no seed is dropped as " << drop_reason_name(reason);
  }
  const RouterCounters& c = seeds.router;
  for (auto [name, value] : {std::pair{"routed", c.routed}, {"arp_replies", c.arp_replies},
                             {"arp_requests", c.arp_requests}, {"icmp_echo_replies", c.icmp_echo_replies},
                             {"icmp_errors", c.icmp_errors}, {"icmp_rate_limited", c.icmp_rate_limited},
                             {"neighbor_table_full", c.neighbor_table_full},
                             {"arp_replies_received", c.arp_replies_received}, {"fragmented", c.fragmented},
                             {"punted", c.punted}, {"routed6", c.routed6}, {"nd_adverts", c.nd_adverts},
                             {"nd_solicits", c.nd_solicits}, {"nd_adverts_received", c.nd_adverts_received}}) {
    EXPECT_NE(value, 0u) << "no seed reaches " << name;
  }
  EXPECT_NE(seeds.nat_sessions, 0u) << "no seed makes a NAT session";
  for (const char* slice : {"ef", "metered", "tunnel", "rest"}) {
    EXPECT_NE(seeds.slice_packets[slice], 0u) << "no seed is classified into slice " << slice;
  }
  EXPECT_NE(seeds.remarked, 0u) << "no seed is remarked";
}

}  // namespace
}  // namespace edgegw::dataplane::test
