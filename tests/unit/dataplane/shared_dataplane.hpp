// The one Dataplane of this test binary. The EAL initialises once per process, so every test that
// needs DPDK shares it: started on first use (--no-huge -m 512, lcores floating over the machine's
// CPUs, a file prefix unique to this run), stopped by a gtest Environment after the last test, which
// also checks that the EAL runtime directory is gone.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "edgegw/dataplane/dataplane.hpp"
#include "netns_topology.hpp"

namespace edgegw::dataplane::test {

// nullptr when the start failed (see start_error()).
Dataplane* shared_dataplane();
std::string start_error();
std::string shared_file_prefix();

// Calls reclaim() until nothing waits for a grace period; false on timeout.
bool drain_reclaim(Dataplane& dp, std::chrono::milliseconds timeout = std::chrono::seconds(3));

inline bool running_as_root() { return ::geteuid() == 0; }

// Base fixture for tests that forward real frames: skips when not root, applies an empty spec and
// drains reclaim in TearDown so every device a test opened is closed before its namespaces go.
class DataplaneTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  Dataplane* dp_ = nullptr;
};

// An af_packet port on the host's root-namespace veth end.
inline PortSpec af_packet_port(const std::string& name, const Host& host, uint16_t mtu = 1500) {
  PortSpec p;
  p.name = name;
  p.devargs = Topology::devargs(host);
  p.mtu = mtu;
  return p;
}

// A network whose members are the named ports, untagged.
inline BridgeSpec bridge(std::string name, const std::vector<std::string>& ports, uint32_t aging_s = 300,
                         uint32_t max_entries = 4096) {
  BridgeSpec b;
  b.name = std::move(name);
  for (const std::string& p : ports) b.members.push_back(BridgeMember{p, 0, 0});
  b.fdb_aging_s = aging_s;
  b.fdb_max_entries = max_entries;
  return b;
}

// Polls `done` every 5 ms until it is true or `timeout` passes.
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// The status of one port by name; a default PortStatus (name "") when it is not listed.
PortStatus port_status(const Dataplane& dp, const std::string& name);
NetworkStatus network_status(const Dataplane& dp, const std::string& name);

// Nanoseconds a thread of this process has run on a CPU (first field of its schedstat).
inline uint64_t thread_cpu_ns(int tid) {
  std::ifstream f("/proc/self/task/" + std::to_string(tid) + "/schedstat");
  uint64_t ns = 0;
  f >> ns;
  return ns;
}

}  // namespace edgegw::dataplane::test
