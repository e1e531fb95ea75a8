// Fuzz target for the bridge pipeline: records of frames (see pipeline_harness.hpp) through parse,
// VLAN classify/strip, learning, forwarding, tag push and transmit on real mbufs and net_null ports;
// aborts when an mbuf leaks, a packet is not accounted for, or a frame leaves with the wrong tags.
//
// The EAL starts once per process (--no-huge -m 256, one lcore, a file prefix of its own:
// $EDGEGW_FUZZ_FILE_PREFIX or egw-fuzz-<pid>); its runtime directory is removed at exit.
#include <rte_eal.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pipeline_harness.hpp"

namespace {

std::unique_ptr<edgegw::dataplane::fuzz::PipelineHarness> g_harness;
std::string g_runtime_dir;

void shut_down() {
  g_harness.reset();
  rte_eal_cleanup();
  std::error_code ignored;
  std::filesystem::remove_all(g_runtime_dir, ignored);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** argv) {
  const char* env = std::getenv("EDGEGW_FUZZ_FILE_PREFIX");
  const std::string prefix = env != nullptr ? env : "egw-fuzz-" + std::to_string(::getpid());
  g_runtime_dir = "/var/run/dpdk/" + prefix;
  std::vector<std::string> args = {(*argv)[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0",
                                   "--file-prefix=" + prefix, "--log-level=*:error", "--no-telemetry"};
  std::vector<char*> raw;
  for (std::string& a : args) raw.push_back(a.data());
  if (rte_eal_init(static_cast<int>(raw.size()), raw.data()) < 0) {
    std::fprintf(stderr, "fuzz_pipeline: rte_eal_init failed (root and --no-huge needed)\n");
    std::abort();
  }
  std::string error;
  g_harness = edgegw::dataplane::fuzz::PipelineHarness::create("fz", &error);
  if (!g_harness) {
    std::fprintf(stderr, "fuzz_pipeline: %s\n", error.c_str());
    std::abort();
  }
  std::atexit(shut_down);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string failure = g_harness->run(data, size);
  if (!failure.empty()) {
    std::fprintf(stderr, "fuzz_pipeline: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
