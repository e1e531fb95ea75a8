// Lazily started shared Dataplane and the Environment that stops it.
#include "shared_dataplane.hpp"

#include <filesystem>
#include <memory>
#include <thread>

namespace edgegw::dataplane::test {
namespace {

struct Shared {
  std::unique_ptr<Dataplane> dp;
  std::string error;
  std::string prefix = "egw-ut-" + std::to_string(::getpid());
  bool attempted = false;
};

Shared& shared() {
  static Shared s;
  return s;
}

class DataplaneEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    Shared& s = shared();
    if (!s.dp) return;
    s.dp->stop();
    s.dp->stop();  // idempotent
    s.dp.reset();  // the destructor stops again: still a no-op
    const std::string dir = "/var/run/dpdk/" + s.prefix;
    EXPECT_FALSE(std::filesystem::exists(dir)) << "EAL runtime dir left behind: " << dir;
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new DataplaneEnvironment);

}  // namespace

Dataplane* shared_dataplane() {
  Shared& s = shared();
  if (!s.attempted) {
    s.attempted = true;
    EalOptions options;
    options.lcores = "0@(0-1),1@(0-1)";  // the machine is shared: let both lcores float
    options.memory_mb = 512;
    options.no_huge = true;
    options.no_pci = true;
    options.file_prefix = s.prefix;
    options.mbufs = 8191;
    auto started = Dataplane::start(options);
    if (started) {
      s.dp = std::move(*started);
    } else {
      s.error = started.error().to_string();
    }
  }
  return s.dp.get();
}

std::string start_error() { return shared().error; }
std::string shared_file_prefix() { return shared().prefix; }

bool drain_reclaim(Dataplane& dp, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (dp.reclaim()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void DataplaneTest::SetUp() {
  if (!running_as_root()) GTEST_SKIP() << "needs root (EAL, network namespaces, AF_PACKET)";
  dp_ = shared_dataplane();
  ASSERT_NE(dp_, nullptr) << "data plane failed to start: " << start_error();
}

void DataplaneTest::TearDown() {
  if (dp_ == nullptr) return;
  EXPECT_TRUE(dp_->apply(SwitchSpec{}).ok());
  EXPECT_TRUE(drain_reclaim(*dp_)) << "devices still waiting for a grace period";
}

PortStatus port_status(const Dataplane& dp, const std::string& name) {
  for (PortStatus& p : dp.ports()) {
    if (p.name == name) return p;
  }
  return {};
}

NetworkStatus network_status(const Dataplane& dp, const std::string& name) {
  for (NetworkStatus& n : dp.networks()) {
    if (n.name == name) return n;
  }
  return {};
}

}  // namespace edgegw::dataplane::test
