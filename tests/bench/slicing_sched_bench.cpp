// slicing_sched_bench: the egress scheduler's cost per packet on one core, beside DPDK's rte_sched
// doing the same job on the same core: N slices (8 and 64) all backlogged, bursts of 32 dequeued and
// enqueued again (so the backlog stays), a port rate that does not limit. Ours: one PortScheduler
// with N slices over eight priorities, some with guarantees, weights 1..4. rte_sched: one port, one
// subport, N pipes (one per slice) each using the strict traffic class of the slice's priority.
// Both see real mbufs (--no-huge memory) and read the TSC as the data plane does.
//
// Prints per N: RESULT sched_cycles_per_packet_<N>_slices and sched_mpps_<N>_slices, medians of RUNS
// (default 7) runs, with rte_sched as the anchor. ONLY=edgegw (or rte_sched) runs one side alone and
// prints its cycles per packet, for profiling under perf.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_sched.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "edgegw/slicing/scheduler.hpp"

namespace {

constexpr uint32_t kBurst = 32;
constexpr uint32_t kPerSlice = 32;   // packets kept queued in every slice
constexpr uint32_t kIterations = 200000;
constexpr uint64_t kPortBps = 100'000'000'000;  // 100 Gbit/s: the shaper never limits

using edgegw::slicing::PortScheduler;
using edgegw::slicing::SliceSpec;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double run_ours(rte_mempool* pool, unsigned slices) {
  std::vector<SliceSpec> specs(slices);
  for (unsigned i = 0; i < slices; ++i) {
    specs[i].priority = static_cast<uint8_t>(i % 8);
    specs[i].weight = 1 + i % 4;
    specs[i].guaranteed_bps = i % 3 == 0 ? 100'000'000 : 0;
    specs[i].queue_packets = 64;
  }
  edgegw::slicing::PortShaperSpec port;
  port.rate_bps = kPortBps;
  std::string error;
  auto sched = PortScheduler::create(port, specs, rte_get_tsc_hz(), rte_rdtsc(), &error);
  if (!sched) {
    std::fprintf(stderr, "slicing_sched_bench: %s\n", error.c_str());
    std::exit(1);
  }
  std::vector<rte_mbuf*> held(slices * kPerSlice);
  if (rte_pktmbuf_alloc_bulk(pool, held.data(), static_cast<unsigned>(held.size())) != 0) std::exit(1);
  for (size_t k = 0; k < held.size(); ++k) {
    rte_pktmbuf_append(held[k], 64 + (k % 4) * 400);
    held[k]->hash.usr = static_cast<uint32_t>(k % slices);
    (void)sched->enqueue(static_cast<uint16_t>(k % slices), held[k], held[k]->pkt_len, 0, rte_rdtsc());
  }
  void* out[kBurst];
  void* dropped[kBurst];
  const uint64_t start = rte_rdtsc();
  uint64_t packets = 0;
  for (uint32_t it = 0; it < kIterations; ++it) {
    const uint64_t now = rte_rdtsc();
    uint16_t nd = 0;
    const uint16_t n = sched->dequeue(now, out, kBurst, dropped, &nd);
    for (uint16_t k = 0; k < n; ++k) {
      auto* m = static_cast<rte_mbuf*>(out[k]);
      (void)sched->enqueue(static_cast<uint16_t>(m->hash.usr), m, m->pkt_len, now, now);
    }
    packets += n;
  }
  const uint64_t cycles = rte_rdtsc() - start;
  if (std::getenv("ONLY") != nullptr) {
    std::fprintf(stderr, "%u slices: %.1f packets per dequeue\n", slices,
                 static_cast<double>(packets) / kIterations);
  }
  void* rest[kBurst];
  for (uint16_t n; (n = sched->drain(rest, kBurst)) != 0;) rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(rest), n);
  return packets == 0 ? 0 : static_cast<double>(cycles) / static_cast<double>(packets);
}

double run_rte_sched(rte_mempool* pool, unsigned slices) {
  rte_sched_subport_profile_params subport_profile{};
  subport_profile.tb_rate = kPortBps / 8;
  subport_profile.tb_size = 1'000'000;
  for (uint64_t& r : subport_profile.tc_rate) r = kPortBps / 8;
  subport_profile.tc_period = 10;
  rte_sched_port_params port_params{};
  port_params.name = "bench";
  port_params.socket = 0;
  port_params.rate = kPortBps / 8;
  port_params.mtu = 1522;
  port_params.frame_overhead = RTE_SCHED_FRAME_OVERHEAD_DEFAULT;
  port_params.n_subports_per_port = 1;
  port_params.subport_profiles = &subport_profile;
  port_params.n_subport_profiles = 1;
  port_params.n_max_subport_profiles = 1;
  port_params.n_pipes_per_subport = slices;
  rte_sched_port* port = rte_sched_port_config(&port_params);
  if (port == nullptr) {
    std::fprintf(stderr, "slicing_sched_bench: rte_sched_port_config failed\n");
    std::exit(1);
  }
  rte_sched_pipe_params pipe{};
  pipe.tb_rate = kPortBps / 8;
  pipe.tb_size = 1'000'000;
  for (uint64_t& r : pipe.tc_rate) r = kPortBps / 8;
  pipe.tc_period = 40;
  pipe.tc_ov_weight = 1;
  for (uint8_t& w : pipe.wrr_weights) w = 1;
  rte_sched_subport_params subport{};
  subport.n_pipes_per_subport_enabled = slices;
  for (uint16_t& q : subport.qsize) q = 64;
  subport.pipe_profiles = &pipe;
  subport.n_pipe_profiles = 1;
  subport.n_max_pipe_profiles = 1;
  if (rte_sched_subport_config(port, 0, &subport, 0) != 0) std::exit(1);
  for (unsigned p = 0; p < slices; ++p) {
    if (rte_sched_pipe_config(port, 0, p, 0) != 0) std::exit(1);
  }
  std::vector<rte_mbuf*> held(slices * kPerSlice);
  if (rte_pktmbuf_alloc_bulk(pool, held.data(), static_cast<unsigned>(held.size())) != 0) std::exit(1);
  for (size_t k = 0; k < held.size(); ++k) {
    rte_pktmbuf_append(held[k], 64 + (k % 4) * 400);
    const auto slice = static_cast<uint32_t>(k % slices);
    rte_sched_port_pkt_write(port, held[k], 0, slice, slice % 8, 0, RTE_COLOR_GREEN);
  }
  rte_sched_port_enqueue(port, held.data(), static_cast<uint32_t>(held.size()));
  rte_mbuf* out[kBurst];
  const uint64_t start = rte_rdtsc();
  uint64_t packets = 0;
  for (uint32_t it = 0; it < kIterations; ++it) {
    const int n = rte_sched_port_dequeue(port, out, kBurst);
    for (int k = 0; k < n; ++k) {
      // As the data plane would: classify (here: keep the slice) and write the scheduler's metadata.
      uint32_t subport_id, pipe_id, tc, queue;
      rte_sched_port_pkt_read_tree_path(port, out[k], &subport_id, &pipe_id, &tc, &queue);
      rte_sched_port_pkt_write(port, out[k], subport_id, pipe_id, tc, queue, RTE_COLOR_GREEN);
    }
    if (n > 0) rte_sched_port_enqueue(port, out, static_cast<uint32_t>(n));
    packets += static_cast<uint64_t>(n);
  }
  const uint64_t cycles = rte_rdtsc() - start;
  for (int n; (n = rte_sched_port_dequeue(port, out, kBurst)) > 0;) rte_pktmbuf_free_bulk(out, static_cast<unsigned>(n));
  rte_sched_port_free(port);
  return packets == 0 ? 0 : static_cast<double>(cycles) / static_cast<double>(packets);
}

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  const std::string prefix = "egw-schedbench-" + std::to_string(::getpid());
  std::vector<std::string> args = {"slicing_sched_bench", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
                                   "--file-prefix", prefix, "--log-level", "error", "--no-telemetry"};
  std::vector<char*> raw;
  for (std::string& a : args) raw.push_back(a.data());
  if (rte_eal_init(static_cast<int>(raw.size()), raw.data()) < 0) {
    std::fprintf(stderr, "slicing_sched_bench: rte_eal_init failed (root needed)\n");
    return 1;
  }
  rte_mempool* pool = rte_pktmbuf_pool_create("bench", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (pool == nullptr) return 1;
  const char* runs_env = std::getenv("RUNS");
  const int runs = runs_env != nullptr ? std::max(1, std::atoi(runs_env)) : 7;
  const double hz = static_cast<double>(rte_get_tsc_hz());
  if (const char* only = std::getenv("ONLY"); only != nullptr) {
    const bool ours = std::string(only) == "edgegw";
    for (unsigned slices : {8u, 64u}) {
      std::vector<double> v;
      for (int r = 0; r < runs; ++r) v.push_back(ours ? run_ours(pool, slices) : run_rte_sched(pool, slices));
      std::printf("%s %u slices: %.1f cycles/packet (median of %d)\n", only, slices, median(v), runs);
    }
    rte_eal_cleanup();
    return 0;
  }
  for (unsigned slices : {8u, 64u}) {
    std::vector<double> ours, theirs, ratios;
    for (int r = 0; r < runs; ++r) {
      // Alternate which goes first, so drift in the machine's load hits both alike.
      const bool ours_first = r % 2 == 0;
      const double a = ours_first ? run_ours(pool, slices) : run_rte_sched(pool, slices);
      const double b = ours_first ? run_rte_sched(pool, slices) : run_ours(pool, slices);
      ours.push_back(ours_first ? a : b);
      theirs.push_back(ours_first ? b : a);
      ratios.push_back(ours.back() / theirs.back());
      std::fprintf(stderr, "run %d, %u slices: edgegw %.1f, rte_sched %.1f cycles/packet\n", r + 1, slices, ours.back(),
                   theirs.back());
    }
    const double o = median(ours), t = median(theirs);
    std::printf("RESULT name=sched_cycles_per_packet_%u_slices value=%.1f unit=cycles anchor=rte_sched anchor_value=%.1f "
                "ratio=%.3f\n",
                slices, o, t, median(ratios));
    std::printf("RESULT name=sched_mpps_%u_slices value=%.2f unit=Mpps anchor=rte_sched anchor_value=%.2f ratio=%.3f\n",
                slices, hz / o / 1e6, hz / t / 1e6, t / o);
  }
  rte_mempool_free(pool);
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  return 0;
}
