// Start-up refusals and a full start/stop cycle. The EAL initialises once per process, so each case
// runs in a child process: the parent test re-executes this binary with one DISABLED_ child test
// (--gtest_also_run_disabled_tests) and checks that it passed.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

std::string child_prefix() { return "egw-ut-child-" + std::to_string(::getpid()); }

EalOptions child_options() {
  EalOptions o;
  o.lcores = "0@(0-1),1@(0-1)";
  o.memory_mb = 128;
  o.mbufs = 1023;
  o.file_prefix = child_prefix();
  return o;
}

// Runs one child test of this binary; its output goes into the failure message.
void expect_child_passes(const std::string& test) {
  if (!running_as_root()) GTEST_SKIP() << "needs root (EAL)";
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string out;
  int rc = Topology::run(self + " --gtest_also_run_disabled_tests --gtest_filter=" + test, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("[  PASSED  ] 1 test."), std::string::npos) << out;
}

TEST(DataplaneStart, RefusesFewerThanTwoLcores) { expect_child_passes("StartChild.DISABLED_OneLcore"); }
TEST(DataplaneStart, ReportsEalArgumentErrors) { expect_child_passes("StartChild.DISABLED_BadEalArgument"); }
TEST(DataplaneStart, StopIsCompleteAndIdempotent) { expect_child_passes("StartChild.DISABLED_StartThenStop"); }

TEST(StartChild, DISABLED_OneLcore) {
  EalOptions o = child_options();
  o.lcores = "0@(0-1)";
  auto r = Dataplane::start(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().message.find("needs at least 2 lcores"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists("/var/run/dpdk/" + child_prefix())) << "runtime dir left behind";
}

TEST(StartChild, DISABLED_BadEalArgument) {
  EalOptions o = child_options();
  o.extra = {"--not-an-eal-option"};
  auto r = Dataplane::start(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::dpdk);
  EXPECT_NE(r.error().message.find("rte_eal_init failed"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists("/var/run/dpdk/" + child_prefix()));
}

TEST(StartChild, DISABLED_StartThenStop) {
  const std::string dir = "/var/run/dpdk/" + child_prefix();
  auto r = Dataplane::start(child_options());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  std::unique_ptr<Dataplane> dp = std::move(*r);
  EXPECT_TRUE(std::filesystem::exists(dir));
  const int tid = dp->status().worker_tids.at(0);
  ASSERT_TRUE(dp->apply(SwitchSpec{}).ok());

  dp->stop();
  EXPECT_FALSE(std::filesystem::exists(dir)) << "stop() must remove the EAL runtime dir";
  // The EAL (22.11) keeps its lcore threads until exit, parked on a pipe: the worker loop must
  // have returned, so the thread uses no more CPU.
  const uint64_t cpu0 = thread_cpu_ns(tid);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(thread_cpu_ns(tid), cpu0) << "the worker is still polling after stop()";
  EXPECT_EQ(dp->status().worker_lcores, 0u);
  auto after = dp->apply(SwitchSpec{});
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, Errc::unavailable);
  EXPECT_FALSE(dp->reclaim());
  dp->stop();   // idempotent
  dp.reset();   // the destructor stops again
}

}  // namespace
}  // namespace edgegw::dataplane::test
