// Port kinds besides af_packet: a net_tap host port (the box's own kernel stack on the switch), the
// same with two queue pairs, and a vhost-user guest port driven by a DPDK virtio-user peer
// (dpdk-testpmd in its own process) that disconnects and reconnects.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "raw_socket.hpp"
#include "shared_dataplane.hpp"

extern char** environ;

namespace edgegw::dataplane::test {
namespace {

std::string unique(const std::string& stem) { return stem + std::to_string(::getpid() % 100000); }

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class PortKindsTest : public DataplaneTest {
 protected:
  Topology topo_;
};

// A tap port in the root namespace; a host in a namespace pings an address on it through the switch.
void ping_the_host_port_through_the_switch(Dataplane& dp, Topology& topo, uint16_t queues) {
  const Host& a = topo.add_host("10.213.77.2/24");
  const std::string tap = unique("egwtap");
  PortSpec host;
  host.name = "box";
  host.devargs = "net_tap_" + tap + ",iface=" + tap;
  host.role = PortRole::host;
  host.queues = queues;
  ASSERT_TRUE(dp.apply({{af_packet_port("pa", a), host}, {bridge("lan", {"pa", "box"})}}).ok());
  ASSERT_TRUE(drain_reclaim(dp));
  const PortStatus box = port_status(dp, "box");
  ASSERT_TRUE(box.up) << box.reason;
  EXPECT_EQ(box.queues, queues);
  EXPECT_TRUE(box.link_up);

  // The kernel side exists and is up without anyone else bringing it up.
  const std::string flags = read_file("/sys/class/net/" + tap + "/flags");
  ASSERT_FALSE(flags.empty()) << "no kernel interface " << tap;
  EXPECT_NE(std::stoul(flags, nullptr, 16) & 0x1, 0u) << "tap " << tap << " is not up: flags " << flags;

  // Every queue has a wake-up source, so the idle worker blocks (~50 wake-ups/s from the safety
  // timeout) instead of napping (thousands per second).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const uint64_t sleeps0 = dp.status().worker_idle_sleeps;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const uint64_t sleeps_per_s = dp.status().worker_idle_sleeps - sleeps0;
  EXPECT_LT(sleeps_per_s, 500u) << "the worker naps: a queue has no wake-up source";

  std::string out;
  ASSERT_EQ(Topology::run("ip addr add 10.213.77.1/24 dev " + tap, &out), 0) << out;
  const int rc = Topology::run("ip netns exec " + a.ns + " ping -c 3 -i 0.2 -W 2 10.213.77.1", &out);
  // The other way, from the box: each request 100 ms after the last, so the worker is asleep and
  // only the tap queue's rx interrupt wakes it (the reply then wakes it through pa's wake socket).
  // Without a working interrupt a request would wait for the 20 ms safety timeout: median ~10 ms.
  std::string from_box;
  const int rc_box = Topology::run("ping -c 10 -i 0.1 -W 2 10.213.77.2", &from_box);
  Topology::run("ip addr flush dev " + tap);
  EXPECT_EQ(rc, 0) << out;
  ASSERT_EQ(rc_box, 0) << from_box;
  std::vector<double> rtt_ms;
  for (size_t pos = from_box.find("time="); pos != std::string::npos; pos = from_box.find("time=", pos + 5)) {
    rtt_ms.push_back(std::stod(from_box.substr(pos + 5)));
  }
  ASSERT_EQ(rtt_ms.size(), 10u) << from_box;
  std::sort(rtt_ms.begin(), rtt_ms.end());
  std::printf("[ tap      ] queues=%u ping from the box to a host, idle worker each time: median %.3f ms\n", queues,
              rtt_ms[5]);
  EXPECT_LT(rtt_ms[5], 5.0) << from_box;
  const PortStatus after = port_status(dp, "box");
  EXPECT_GE(after.counters.rx_packets, 3u) << "echo replies from the box entered the switch on its tap port";
  EXPECT_GE(after.counters.tx_packets, 3u);
}

TEST_F(PortKindsTest, TapHostPortCarriesTrafficForTheBoxItself) {
  ping_the_host_port_through_the_switch(*dp_, topo_, 1);
}

TEST_F(PortKindsTest, TapPortWithTwoQueuesReportsThemAndForwards) {
  ping_the_host_port_through_the_switch(*dp_, topo_, 2);
}

// A driver with neither rx interrupts nor a wake socket (net_pcap on a live interface): the worker
// naps instead of blocking, and frames still cross both ways.
TEST_F(PortKindsTest, PcapPortWithoutWakeSourceStillForwards) {
  const Host& a = topo_.add_host("10.213.78.1/24");
  const Host& b = topo_.add_host("10.213.78.2/24");
  PortSpec pcap;
  pcap.name = "pb";
  pcap.devargs = "net_pcap_" + b.dp_if + ",iface=" + b.dp_if;
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), pcap}, {bridge("lan", {"pa", "pb"})}}).ok());
  ASSERT_TRUE(drain_reclaim(*dp_));
  ASSERT_TRUE(port_status(*dp_, "pb").up) << port_status(*dp_, "pb").reason;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // idle: napping
  const uint64_t sleeps = dp_->status().worker_idle_sleeps;
  std::string out;
  EXPECT_EQ(Topology::run("ip netns exec " + a.ns + " ping -c 3 -i 0.2 -W 2 10.213.78.2", &out), 0) << out;
  EXPECT_GT(dp_->status().worker_idle_sleeps, sleeps);
}

// dpdk-testpmd as the guest: a virtio-user port on the vhost-user socket, swapping MACs of what it
// receives (so frames from host A come back to A through the switch). Killed by PID.
class VirtioPeer {
 public:
  VirtioPeer(const std::string& socket, const std::string& log) {
    prefix_ = unique("egwvu") + "p" + std::to_string(++count_);
    const std::vector<std::string> args = {
        "stdbuf", "-oL", "dpdk-testpmd", "--no-huge", "-m", "256", "--no-pci", "--file-prefix=" + prefix_,
        "-l", "0-1", "--vdev=net_virtio_user0,path=" + socket + ",queues=1", "--", "--forward-mode=macswap",
        "--stats-period", "1", "--total-num-mbufs=2048", "-a"};
    std::vector<char*> argv;
    for (const std::string& s : args) argv.push_back(const_cast<char*>(s.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (posix_spawnp(&pid_, "stdbuf", &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~VirtioPeer() { stop(); }

  bool started() const { return pid_ > 0; }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    std::error_code ec;
    std::filesystem::remove_all("/var/run/dpdk/" + prefix_, ec);
  }

 private:
  static inline int count_ = 0;
  pid_t pid_ = -1;
  std::string prefix_;
};

// Sends `count` broadcast test frames from A; returns how many came back (MAC-swapped by the peer).
size_t echoes_through_the_guest(const Host& a, uint32_t first_seq, uint32_t count) {
  RawSocket sa(a);
  for (uint32_t i = 0; i < count; ++i) sa.send({kBroadcast, a.mac, first_seq + i});
  return sa.receive(count, std::chrono::milliseconds(1000)).size();
}

TEST_F(PortKindsTest, VhostUserPortSurvivesItsGuestReconnecting) {
  if (::system("command -v dpdk-testpmd >/dev/null 2>&1") != 0) GTEST_SKIP() << "dpdk-testpmd not installed";
  const Host& a = topo_.add_host();
  const std::string dir = "/tmp/" + unique("egw-vhost-");
  const std::string socket = dir + "/vm0.sock";
  std::filesystem::remove_all(dir);
  struct DirCleanup {
    std::string dir;
    ~DirCleanup() { std::filesystem::remove_all(dir); }
  } dir_cleanup{dir};
  // A stale socket file from an earlier run must not stop the probe.
  std::filesystem::create_directories(dir);
  ASSERT_EQ(Topology::run("python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('" + socket + "')\""), 0);

  PortSpec vm;
  vm.name = "vm";
  vm.devargs = "net_vhost_" + unique("vm") + ",iface=" + socket + ",queues=1";
  vm.role = PortRole::guest;
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), vm}, {bridge("lan", {"pa", "vm"})}}).ok());
  ASSERT_TRUE(drain_reclaim(*dp_));
  PortStatus before = port_status(*dp_, "vm");
  ASSERT_TRUE(before.up) << before.reason;
  EXPECT_FALSE(before.link_up) << "no guest yet";
  EXPECT_TRUE(std::filesystem::is_socket(socket));

  for (int round = 0; round < 2; ++round) {
    VirtioPeer peer(socket, dir + "/testpmd" + std::to_string(round) + ".log");
    ASSERT_TRUE(peer.started());
    ASSERT_TRUE(wait_until([&] { return port_status(*dp_, "vm").link_up; }, std::chrono::seconds(15)))
        << "guest did not connect (round " << round << "): "
        << read_file(dir + "/testpmd" + std::to_string(round) + ".log");
    const PortStatus up = port_status(*dp_, "vm");
    EXPECT_EQ(up.port_id, before.port_id) << "the port was re-created";
    const PortStatus c0 = up;
    // testpmd starts forwarding a moment after the link comes up: retry the first exchange.
    size_t echoed = 0;
    for (int attempt = 0; attempt < 20 && echoed == 0; ++attempt) echoed = echoes_through_the_guest(a, 0, 1);
    ASSERT_EQ(echoed, 1u) << read_file(dir + "/testpmd" + std::to_string(round) + ".log");
    EXPECT_EQ(echoes_through_the_guest(a, 100, 50), 50u);
    const PortStatus c1 = port_status(*dp_, "vm");
    EXPECT_GE(c1.counters.tx_packets - c0.counters.tx_packets, 51u) << "frames into the guest";
    EXPECT_GE(c1.counters.rx_packets - c0.counters.rx_packets, 51u) << "frames from the guest";

    peer.stop();
    ASSERT_TRUE(wait_until([&] { return !port_status(*dp_, "vm").link_up; }, std::chrono::seconds(5)));
    const PortStatus down = port_status(*dp_, "vm");
    EXPECT_TRUE(down.up) << "the port stays, only its link goes down";
    EXPECT_EQ(down.port_id, before.port_id);
  }
}

}  // namespace
}  // namespace edgegw::dataplane::test
