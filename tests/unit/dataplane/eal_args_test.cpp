// EAL argument building, runtime dir rules, buffer sizing and the idle back-off schedule.
#include "eal_args.hpp"

#include <gtest/gtest.h>

#include "idle_backoff.hpp"

namespace edgegw::dataplane {
namespace {

TEST(EalArgs, BuildsTheCommandLineFromOptions) {
  EalOptions o;
  o.lcores = "0@(0-1),1@(0-1)";
  o.memory_mb = 512;
  o.extra = {"--log-level", "lib.eal:debug"};
  std::vector<std::string> args = build_eal_args(o, "edgegw-42");
  std::vector<std::string> want = {"edgegw", "--lcores", "0@(0-1),1@(0-1)", "-m", "512", "--no-huge", "--no-pci",
                                   "--file-prefix", "edgegw-42", "--log-level", "lib.eal:debug"};
  EXPECT_EQ(args, want);
}

TEST(EalArgs, HugepagesAndPciWhenAsked) {
  EalOptions o;
  o.no_huge = false;
  o.no_pci = false;
  o.memory_mb = 0;
  std::vector<std::string> args = build_eal_args(o, "p");
  std::vector<std::string> want = {"edgegw", "--lcores", "0-1", "--file-prefix", "p"};
  EXPECT_EQ(args, want);
}

TEST(EalArgs, DefaultPrefixIsPerProcess) {
  EXPECT_EQ(default_file_prefix(), "edgegw-" + std::to_string(::getpid()));
}

TEST(EalArgs, RuntimeDirFollowsTheEalRules) {
  EXPECT_EQ(runtime_dir_for("p", true, "/run/user/1000"), "/var/run/dpdk/p");
  EXPECT_EQ(runtime_dir_for("p", false, "/run/user/1000"), "/run/user/1000/dpdk/p");
  EXPECT_EQ(runtime_dir_for("p", false, nullptr), "/tmp/dpdk/p");
  EXPECT_EQ(runtime_dir_for("p", false, ""), "/tmp/dpdk/p");
}

TEST(EalArgs, DataRoomHoldsTheLargestFrame) {
  EXPECT_EQ(mbuf_data_room_for(1500), 2048u + 128u);  // RTE_MBUF_DEFAULT_BUF_SIZE
  EXPECT_GE(mbuf_data_room_for(9000), 128u + 9000u + 14u + 8u);
}

TEST(IdleBackoff, SpinsThenDoublesUpToTheCapAndResetsOnTraffic) {
  IdleBackoff b(3, 20);
  EXPECT_EQ(b.on_empty_loop(), 0u);
  EXPECT_EQ(b.on_empty_loop(), 0u);
  EXPECT_EQ(b.on_empty_loop(), 0u);
  std::vector<unsigned> sleeps;
  for (int i = 0; i < 7; ++i) sleeps.push_back(b.on_empty_loop());
  EXPECT_EQ(sleeps, (std::vector<unsigned>{1, 2, 4, 8, 16, 20, 20}));
  b.on_traffic();
  EXPECT_EQ(b.on_empty_loop(), 0u);
  for (int i = 0; i < 2; ++i) b.on_empty_loop();
  EXPECT_EQ(b.on_empty_loop(), 1u);
}

TEST(IdleBackoff, ZeroCapStillSleepsAMicrosecond) {
  IdleBackoff b(0, 0);
  EXPECT_EQ(b.on_empty_loop(), 1u);
  EXPECT_EQ(b.on_empty_loop(), 1u);
}

}  // namespace
}  // namespace edgegw::dataplane
