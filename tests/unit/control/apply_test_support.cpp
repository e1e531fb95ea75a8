// The apply tests' data plane (one per process, started on first use, stopped by a gtest global
// environment), temp directories and config documents.
#include "apply_test_support.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace edgegw::control::test {
namespace {

// Started on first use, so the tests of this binary that need no data plane (bootstrap, diff) run
// without an EAL; stopped by the environment's TearDown at the end of the run.
std::unique_ptr<dataplane::Dataplane> g_dataplane;
bool g_start_attempted = false;
std::string g_prefix;

class DataplaneEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (g_dataplane) {
      g_dataplane->stop();
      g_dataplane.reset();
    }
    if (!g_prefix.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dpdk_runtime_dir(g_prefix), ec);
    }
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new DataplaneEnvironment);

}  // namespace

dataplane::EalOptions test_eal_options(const std::string& file_prefix) {
  dataplane::EalOptions options;
  options.no_huge = true;
  options.memory_mb = 256;
  options.file_prefix = file_prefix;
  options.lcores = "0@(0-1),1@(0-1)";
  return options;
}

std::string dpdk_runtime_dir(const std::string& file_prefix) {
  // DPDK's runtime directory for root: /var/run/dpdk/<prefix> (XDG_RUNTIME_DIR for other users).
  return "/var/run/dpdk/" + file_prefix;
}

dataplane::Dataplane* shared_dataplane() {
  if (!g_start_attempted) {
    // One attempt per process: the EAL cannot be initialised twice, not even after a failure.
    g_start_attempted = true;
    g_prefix = "egw-ut-control-" + std::to_string(::getpid());
    auto started = dataplane::Dataplane::start(test_eal_options(g_prefix));
    if (started) {
      g_dataplane = std::move(*started);
    } else {
      ADD_FAILURE() << "Dataplane::start failed: " << started.error().message;
    }
  }
  return g_dataplane.get();
}

void drain_reclaim(dataplane::Dataplane& dp) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (dp.reclaim() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void reset_dataplane(dataplane::Dataplane& dp) {
  Result<void> emptied = dp.apply(dataplane::SwitchSpec{});
  EXPECT_TRUE(emptied.ok()) << emptied.error().message;
  drain_reclaim(dp);
}

std::set<std::string> dataplane_port_names(const dataplane::Dataplane& dp) {
  std::set<std::string> names;
  for (const dataplane::PortStatus& port : dp.ports()) names.insert(port.name);
  return names;
}

std::string ring_config(uint64_t version, const std::vector<std::string>& ports,
                        const std::string& description) {
  std::string doc = "{\"version\": " + std::to_string(version) + ", \"description\": \"" + description +
                    "\", \"ports\": [";
  std::string members;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (i) {
      doc += ", ";
      members += ", ";
    }
    doc += "{\"name\": \"" + ports[i] + "\", \"kind\": \"vdev\", \"devargs\": \"net_ring_" + ports[i] +
           "\", \"mtu\": 1500}";
    members += "\"" + ports[i] + "\"";
  }
  doc += "], \"networks\": [";
  if (!ports.empty()) {
    doc += "{\"name\": \"lan\", \"mode\": \"bridge\", \"ports\": [" + members +
           "], \"fdb\": {\"aging_s\": 300, \"max_entries\": 1024}}";
  }
  doc += "]}";
  return doc;
}

}  // namespace edgegw::control::test
