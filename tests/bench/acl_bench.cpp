// The security-group classifier's cost: the data plane's own SecurityClassifier (rte_acl) built
// with 10 and with 10 000 rules of realistic shape (random prefixes /8../32, single ports and
// ranges, mostly TCP and UDP), the rule the packets match near the end, classifying bursts of 32
// keys as the worker does. Reports the median cycles per packet of RUNS runs (default 7):
//   RESULT name=acl_10000_rules value=<c> unit=cycles/pkt anchor=acl_10_rules anchor_value=<c> ratio=<r>
#include <rte_cycles.h>
#include <rte_eal.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "security_policy.hpp"

namespace {

using namespace edgegw::dataplane;

constexpr uint32_t kBenchNet = 0xc6120000;  // 198.18.0.0/15 (RFC 2544): no random rule covers it
constexpr uint32_t kBursts = 20000;
constexpr uint32_t kWarmBursts = 1000;
constexpr uint32_t kBurst = 32;

uint32_t random_remote(std::mt19937& rng, uint8_t* length) {
  static constexpr uint8_t kLengths[] = {8, 12, 16, 20, 24, 24, 28, 32, 32, 32};
  *length = kLengths[rng() % std::size(kLengths)];
  for (;;) {
    const uint32_t mask = *length == 0 ? 0 : ~uint32_t{0} << (32 - *length);
    const uint32_t address = static_cast<uint32_t>(rng()) & mask;
    // Keep clear of the benchmark's own prefix, in either direction of containment.
    const uint32_t common = std::min<uint32_t>(*length, 15);
    const uint32_t common_mask = ~uint32_t{0} << (32 - common);
    if ((address & common_mask) != (kBenchNet & common_mask)) return address;
  }
}

// `count` rules: random ones, then the one the benchmark's packets match, then a final deny.
std::vector<SecurityRuleSpec> make_rules(size_t count, std::mt19937& rng) {
  static constexpr uint16_t kCommonPorts[] = {22, 25, 53, 80, 123, 161, 389, 443, 993, 1883, 3306, 5432, 8080, 8883};
  std::vector<SecurityRuleSpec> rules;
  while (rules.size() + 2 < count) {
    SecurityRuleSpec r;
    r.direction = SecurityDirection::ingress;
    r.allow = rng() % 4 != 0;
    const unsigned kind = rng() % 20;
    r.protocol = kind < 12 ? 6 : kind < 18 ? 17 : kind < 19 ? 1 : 0;
    r.remote = random_remote(rng, &r.remote_length);
    if (r.protocol == 6 || r.protocol == 17) {
      if (rng() % 10 < 7) {
        r.port_first = r.port_last = rng() % 2 ? kCommonPorts[rng() % std::size(kCommonPorts)]
                                               : static_cast<uint16_t>(1024 + rng() % 64000);
      } else {
        r.port_first = static_cast<uint16_t>(1024 + rng() % 60000);
        r.port_last = static_cast<uint16_t>(r.port_first + rng() % 1000);
      }
    } else if (r.protocol == 1) {
      r.icmp_type = static_cast<int16_t>(rng() % 2 ? 8 : 13);
    }
    rules.push_back(r);
  }
  SecurityRuleSpec match;
  match.direction = SecurityDirection::ingress;
  match.protocol = 6;
  match.remote = kBenchNet;
  match.remote_length = 15;
  match.port_first = match.port_last = 443;
  rules.push_back(match);
  SecurityRuleSpec deny;
  deny.allow = false;
  rules.push_back(deny);
  return rules;
}

struct Figure {
  double cycles_per_packet = 0;  // median of the runs
  double fastest = 0;            // the best run: the least disturbed by other load on the machine
  double build_ms = 0;
};

Figure measure(size_t rule_count, unsigned runs) {
  std::mt19937 rng(12345);
  const std::vector<SecurityGroupSpec> groups{SecurityGroupSpec{"bench", make_rules(rule_count, rng)}};
  SecurityPolicies policies;
  policies.groups = {{"bench"}};
  const auto started = std::chrono::steady_clock::now();
  auto built = SecurityClassifier::build(groups, policies, nullptr);
  if (!built) {
    std::fprintf(stderr, "acl_bench: %s\n", built.error().message.c_str());
    std::exit(1);
  }
  Figure figure;
  figure.build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  const SecurityClassifier& classifier = **built;

  AclKey keys[kBurst];
  const uint8_t* key_ptrs[kBurst];
  for (uint32_t i = 0; i < kBurst; ++i) {
    keys[i] = make_acl_key(1, 6, kBenchNet | (static_cast<uint32_t>(rng()) & 0x1ffff), 443);
    key_ptrs[i] = reinterpret_cast<const uint8_t*>(&keys[i]);
  }
  uint32_t results[kBurst];
  classifier.classify(SecurityDirection::ingress, key_ptrs, results, kBurst);
  for (uint32_t r : results) {
    if (r != rule_count - 1) {
      std::fprintf(stderr, "acl_bench: a key matched rule %u, not %zu\n", r, rule_count - 1);
      std::exit(1);
    }
  }
  std::vector<double> samples;
  uint64_t sink = 0;
  for (unsigned run = 0; run < runs; ++run) {
    for (uint32_t b = 0; b < kWarmBursts; ++b) classifier.classify(SecurityDirection::ingress, key_ptrs, results, kBurst);
    const uint64_t start = rte_rdtsc_precise();
    for (uint32_t b = 0; b < kBursts; ++b) {
      classifier.classify(SecurityDirection::ingress, key_ptrs, results, kBurst);
      sink += results[b % kBurst];
    }
    const uint64_t cycles = rte_rdtsc_precise() - start;
    samples.push_back(static_cast<double>(cycles) / (double{kBursts} * kBurst));
  }
  if (sink == 0) std::fprintf(stderr, "acl_bench: no matches\n");
  std::sort(samples.begin(), samples.end());
  figure.cycles_per_packet = samples[samples.size() / 2];
  figure.fastest = samples.front();
  return figure;
}

}  // namespace

int main() {
  const unsigned runs = std::getenv("RUNS") != nullptr ? static_cast<unsigned>(std::atoi(std::getenv("RUNS"))) : 7;
  const std::string prefix = "egw-aclbench-" + std::to_string(::getpid());
  std::vector<std::string> args = {"acl_bench", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
                                   "--file-prefix", prefix, "--log-level", "error"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    std::fprintf(stderr, "acl_bench: rte_eal_init failed\n");
    return 1;
  }
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  const Figure small = measure(10, std::max(1u, runs));
  const Figure large = measure(10000, std::max(1u, runs));
  std::printf("acl_10_rules: median %.1f, best %.1f cycles/pkt (built in %.1f ms); "
              "acl_10000_rules: median %.1f, best %.1f cycles/pkt (built in %.1f ms)\n",
              small.cycles_per_packet, small.fastest, small.build_ms, large.cycles_per_packet, large.fastest,
              large.build_ms);
  std::printf("RESULT name=acl_10000_rules value=%.1f unit=cycles/pkt anchor=acl_10_rules anchor_value=%.1f ratio=%.2f\n",
              large.cycles_per_packet, small.cycles_per_packet, large.cycles_per_packet / small.cycles_per_packet);
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  return 0;
}
