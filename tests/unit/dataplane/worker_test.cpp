// The running worker: status, power-aware idling, the DPDK log bridge, and start-once.
#include <rte_cycles.h>
#include <rte_log.h>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

class WorkerTest : public DataplaneTest {
 protected:
  Topology topo_;
};

TEST_F(WorkerTest, StatusReportsTheWorkerAndEveryPublish) {
  DataplaneStatus s0 = dp_->status();
  EXPECT_EQ(s0.worker_lcores, 1u);
  ASSERT_EQ(s0.worker_tids.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists("/proc/self/task/" + std::to_string(s0.worker_tids[0])));
  ASSERT_TRUE(wait_until([&] { return dp_->status().worker_loops > s0.worker_loops; })) << "the worker is not looping";
  ASSERT_TRUE(dp_->apply(SwitchSpec{}).ok());
  EXPECT_EQ(dp_->status().snapshot_generation, s0.snapshot_generation + 1);
}

// An idle gateway (ports up, no traffic) must cost well under 10 % of a core.
TEST_F(WorkerTest, IdleWorkerUsesLessThanTenPercentOfACore) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), af_packet_port("pb", b)}, {bridge("lan", {"pa", "pb"})}}).ok());
  ASSERT_TRUE(drain_reclaim(*dp_));
  const int tid = dp_->status().worker_tids.at(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the idle spins

  const DataplaneStatus s0 = dp_->status();
  const uint64_t cpu0 = thread_cpu_ns(tid);
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const uint64_t cpu1 = thread_cpu_ns(tid);
  const double wall_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  const DataplaneStatus s1 = dp_->status();

  const double share = static_cast<double>(cpu1 - cpu0) / wall_ns;
  std::printf("[ idle     ] worker cpu %.2f %% of a core, %lu loops/s, %lu sleeps/s\n", share * 100,
              static_cast<unsigned long>((s1.worker_loops - s0.worker_loops) * 1e9 / wall_ns),
              static_cast<unsigned long>((s1.worker_idle_sleeps - s0.worker_idle_sleeps) * 1e9 / wall_ns));
  RecordProperty("idle_cpu_percent", std::to_string(share * 100));
  EXPECT_GT(cpu1, cpu0) << "schedstat did not move: wrong thread?";
  EXPECT_LT(share, 0.10);
  EXPECT_GT(s1.worker_idle_sleeps, s0.worker_idle_sleeps);
}

// Holds the thread it runs on for 5 ms, as a host stopping the vCPU would.
void hold_five_ms(int) {
  timespec ts{0, 5'000'000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

// A loop the worker did not sleep through but that took over 1 ms is counted with its length, so a
// latency tail can be told apart from a slow path; its naps are not.
TEST_F(WorkerTest, LoopsLongerThanAMillisecondAreCountedAndNapsAreNot) {
  // A slice with a latency budget keeps the worker polling (no naps).
  SwitchSpec polling;
  SliceSpec slice;
  slice.name = "rt";
  slice.latency_budget_ns = 100'000;
  slice.is_default = true;
  polling.slices = {slice};
  ASSERT_TRUE(dp_->apply(polling).ok());
  const DataplaneStatus s0 = dp_->status();
  ASSERT_TRUE(wait_until([&] { return dp_->status().worker_loops > s0.worker_loops + 1000; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const DataplaneStatus s1 = dp_->status();

  struct sigaction hold{}, previous{};
  hold.sa_handler = hold_five_ms;
  sigemptyset(&hold.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR2, &hold, &previous), 0);
  ASSERT_EQ(syscall(SYS_tgkill, getpid(), s1.worker_tids.at(0), SIGUSR2), 0);
  const bool counted = wait_until([&] { return dp_->status().long_loops > s1.long_loops; });
  const DataplaneStatus s2 = dp_->status();
  ASSERT_EQ(sigaction(SIGUSR2, &previous, nullptr), 0);
  ASSERT_TRUE(counted) << "a 5 ms hold of the polling worker was not counted";
  EXPECT_GE(s2.longest_loop_cycles, s2.tsc_hz * 45 / 10'000) << "the longest loop is at least the 5 ms hold";
  EXPECT_GE(s2.long_loop_cycles - s1.long_loop_cycles, s2.tsc_hz * 45 / 10'000);

  // Idle again: the worker naps, and its naps (up to idle_sleep_max_us, and the wake-up-source
  // sleeps far longer) are not long loops.
  ASSERT_TRUE(dp_->apply(SwitchSpec{}).ok());
  ASSERT_TRUE(wait_until([&] { return dp_->status().worker_idle_sleeps > s2.worker_idle_sleeps + 5; }));
  const DataplaneStatus s3 = dp_->status();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(dp_->status().long_loops, s3.long_loops + 1) << "naps counted as long loops";
}

TEST_F(WorkerTest, DpdkLogLinesBecomeEdgegwRecords) {
  ::testing::internal::CaptureStderr();
  rte_log(RTE_LOG_ERR, RTE_LOGTYPE_USER1, "USER1: edgegw-test error %d\n", 42);
  rte_log(RTE_LOG_WARNING, RTE_LOGTYPE_USER1, "USER1: edgegw-test warning\nUSER1: second line\n");
  rte_log(RTE_LOG_INFO, RTE_LOGTYPE_USER1, "USER1: edgegw-test chatter\n");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("level=error comp=dpdk msg=\"USER1: edgegw-test error 42\""), std::string::npos) << out;
  EXPECT_NE(out.find("level=warn comp=dpdk msg=\"USER1: edgegw-test warning\""), std::string::npos) << out;
  EXPECT_NE(out.find("level=warn comp=dpdk msg=\"USER1: second line\""), std::string::npos) << out;
  EXPECT_EQ(out.find("chatter"), std::string::npos) << "DPDK INFO is edgegw debug: " << out;
}

TEST_F(WorkerTest, SecondStartInTheSameProcessIsRefused) {
  auto again = Dataplane::start(EalOptions{});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
}

}  // namespace
}  // namespace edgegw::dataplane::test
