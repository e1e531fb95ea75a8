// Daemon lifecycle: first start on the default config, restart keeps the applied config, SIGHUP
// reloads, SIGTERM leaves nothing behind, kill -9 at every step of an apply recovers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "edgegw/control/store.hpp"
#include "harness/daemon.hpp"
#include "harness/netns.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

bool pings(const NetnsHost& from, const NetnsHost& to) {
  // A FAILED neighbour entry from an earlier unreachable phase makes the kernel drop the first
  // echo while it re-resolves; start from a clean neighbour table so every echo counts.
  from.exec("ip neigh flush dev eth0");
  int rc = 0;
  std::string out = from.exec("ping -q -c 3 -i 0.1 -W 2 " + to.ip(), &rc);
  return rc == 0 && out.find("3 received") != std::string::npos;
}

TEST_F(Lifecycle, FirstStartRunsTheEmbeddedDefaultSite) {
  GatewayDaemon gw;
  ASSERT_TRUE(gw.start()) << gw.log();
  json s = gw.status();
  EXPECT_EQ(s["config"]["version"], 1);
  EXPECT_EQ(s["config"]["source"], "default");
  std::vector<std::string> names;
  for (const json& p : s["ports"]) names.push_back(p["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"uplink", "lan"}));
  EXPECT_EQ(gw.stop(), 0);
}

TEST_F(Lifecycle, GracefulStopLeavesNothingBehind) {
  NetnsHost a("a", "10.203.0.1/24"), b("b", "10.203.0.2/24");
  GatewayDaemon gw;
  gw.write_desired(bridge_config(2, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  ASSERT_TRUE(gw.start()) << gw.log();
  ASSERT_TRUE(std::filesystem::exists(gw.dpdk_runtime_dir()));
  int status = gw.stop(SIGINT);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(std::filesystem::exists(gw.dpdk_runtime_dir())) << "EAL runtime dir left behind";
  EXPECT_FALSE(std::filesystem::exists(gw.socket_path()));
  EXPECT_FALSE(std::filesystem::exists(gw.dir() + "/run/edgegw.pid"));
  EXPECT_NE(gw.log().find("msg=stopped"), std::string::npos);
  // The hosts' interfaces are the test's, untouched, and still usable.
  EXPECT_NE(sh("ip link show " + a.gateway_iface()).out.find("UP"), std::string::npos);
}

TEST_F(Lifecycle, RestartKeepsTheAppliedConfig) {
  NetnsHost a("a", "10.204.0.1/24"), b("b", "10.204.0.2/24");
  GatewayDaemon gw;
  ASSERT_TRUE(gw.start()) << gw.log();
  CommandResult apply = gw.edgegwctl({"config", "apply", "-"},
                                     bridge_config(7, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  ASSERT_EQ(apply.exit_code, 0) << apply.out;
  EXPECT_NE(apply.out.find("applied version 7"), std::string::npos) << apply.out;
  EXPECT_TRUE(pings(a, b));
  ASSERT_EQ(gw.stop(), 0);

  ASSERT_TRUE(gw.start()) << gw.log();
  json s = gw.status();
  EXPECT_EQ(s["config"]["version"], 7);
  EXPECT_EQ(s["config"]["source"], "cli");
  EXPECT_TRUE(pings(a, b));
  ASSERT_EQ(gw.stop(), 0);
}

TEST_F(Lifecycle, SighupAppliesANewerDesiredConfigFile) {
  NetnsHost a("a", "10.205.0.1/24"), b("b", "10.205.0.2/24");
  GatewayDaemon gw;
  gw.write_desired(bridge_config(2, {{"pa", a.gateway_iface()}}));
  ASSERT_TRUE(gw.start()) << gw.log();
  EXPECT_FALSE(pings(a, b));  // b is not in the network yet
  gw.write_desired(bridge_config(3, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  ::kill(gw.process().pid(), SIGHUP);
  bool applied = false;
  for (int i = 0; i < 100 && !applied; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    applied = gw.status()["config"]["version"] == 3;
  }
  ASSERT_TRUE(applied) << gw.log();
  EXPECT_EQ(gw.status()["config"]["source"], "file");
  EXPECT_TRUE(pings(a, b)) << gw.status().dump() << "\n" << gw.log();
  EXPECT_TRUE(gw.running());
  EXPECT_EQ(gw.stop(), 0);
}

// kill -9 at each named step of an apply; the restart comes back on the last applied version
// (the new one only when the kill came after it was marked applied) and the database is sound.
TEST_F(Lifecycle, KillDuringApplyRecoversAtEveryStep) {
  struct Step {
    const char* point;
    bool new_version_survives;
  };
  const Step steps[] = {{"apply.after_validate", false},
                        {"apply.after_store_pending", false},
                        {"apply.after_dataplane", false},
                        {"apply.after_mark_applied", true}};
  NetnsHost a("a", "10.206.0.1/24"), b("b", "10.206.0.2/24");
  GatewayDaemon gw;
  gw.write_desired(bridge_config(2, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  ASSERT_TRUE(gw.start()) << gw.log();
  ASSERT_EQ(gw.stop(), 0);
  uint64_t active = 2, next = 10;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.point);
    ASSERT_TRUE(gw.start({{"EDGEGW_KILL_POINT", step.point}})) << gw.log();
    // Version `next` drops port pb: only visible if it really got applied.
    CommandResult r = gw.edgegwctl({"config", "apply", "-"}, bridge_config(next, {{"pa", a.gateway_iface()}}));
    EXPECT_EQ(r.exit_code, 3) << "the daemon should have died mid-apply: " << r.out;
    int status = gw.process().wait_exit(std::chrono::seconds(20));
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status << "\n" << gw.log();

    {
      auto store = control::Store::open(gw.db_path());
      ASSERT_TRUE(store) << store.error().message;
      auto integrity = store.value()->integrity_check();
      ASSERT_TRUE(integrity);
      EXPECT_EQ(integrity.value(), "ok");
    }
    std::filesystem::remove_all(gw.dpdk_runtime_dir());
    ASSERT_TRUE(gw.start()) << gw.log();
    json s = gw.status();
    uint64_t expect = step.new_version_survives ? next : active;
    EXPECT_EQ(s["config"]["version"], expect);
    bool has_pb = false;
    for (const json& p : s["ports"]) has_pb |= p["name"] == "pb";
    EXPECT_EQ(has_pb, !step.new_version_survives) << s.dump();
    if (!step.new_version_survives) {
      EXPECT_TRUE(pings(a, b));
    }
    // What happened is in the history: the interrupted version is abandoned (or applied).
    json history = gw.ctl({{"cmd", "config.history"}})["result"];
    bool found = false;
    for (const json& v : history) {
      if (v["version"] == next) {
        found = true;
        EXPECT_EQ(v["status"], step.new_version_survives ? "applied" : "abandoned") << v.dump();
      }
    }
    // Killed before anything was stored: nothing to find, and nothing lost.
    EXPECT_EQ(found, std::string(step.point) != "apply.after_validate");
    ASSERT_EQ(gw.stop(), 0);
    if (step.new_version_survives) active = next;
    next += 1;
  }
}

}  // namespace
}  // namespace edgegw::test
