// apply() and reclaim() against real devices: ports that cannot come up, changes under traffic,
// removal and re-creation of devices, admin state, live changes, and refusals that change nothing.
#include <net/if.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "edgegw/common/fault.hpp"
#include "raw_socket.hpp"
#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

// AF_PACKET sockets in the root namespace bound to `ifname` (/proc/net/packet, column Iface).
int packet_sockets_on(const std::string& ifname) {
  const unsigned ifindex = ::if_nametoindex(ifname.c_str());
  std::ifstream f("/proc/net/packet");
  std::string line;
  std::getline(f, line);  // header
  int count = 0;
  while (std::getline(f, line)) {
    std::istringstream fields(line);
    std::string sk, refcnt, type, proto;
    unsigned iface = 0;
    fields >> sk >> refcnt >> type >> proto >> iface;
    if (ifindex != 0 && iface == ifindex) ++count;
  }
  return count;
}

class ApplyTest : public DataplaneTest {
 protected:
  Topology topo_;
};

TEST_F(ApplyTest, MissingInterfaceIsReportedDownWhileTheOthersForward) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  PortSpec ghost;
  ghost.name = "ghost";
  ghost.devargs = "net_af_packet_ghost" + std::to_string(::getpid()) + ",iface=" + topo_.missing_interface_name();
  auto r = dp_->apply({{af_packet_port("pa", a), ghost, af_packet_port("pb", b)}, {bridge("lan", {"pa", "ghost", "pb"})}});
  ASSERT_TRUE(r.ok()) << "a port that cannot come up is not an error of apply: " << r.error().to_string();

  PortStatus g = port_status(*dp_, "ghost");
  EXPECT_FALSE(g.up);
  EXPECT_EQ(g.port_id, -1);
  EXPECT_EQ(g.network, "lan");
  EXPECT_EQ(g.reason, "device probe failed: No such device (net_af_packet: iface " + topo_.missing_interface_name() +
                          " not found)");
  EXPECT_TRUE(port_status(*dp_, "pa").up);
  EXPECT_TRUE(port_status(*dp_, "pb").up);
  EXPECT_EQ(network_status(*dp_, "lan").ports, (std::vector<std::string>{"pa", "pb"}));

  RawSocket sa(a), sb(b);
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 7}));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{7});
  EXPECT_EQ(port_status(*dp_, "pa").counters.drops_total(), 0u) << "flooding skips the port that is down";
}

TEST_F(ApplyTest, ProbeFailureSaysWhatTheDriverSaidAndAFixedSpecComesUp) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  PortSpec bad = af_packet_port("pb", b);
  bad.devargs += ",framesz=65536";  // larger than the default block size: the driver refuses
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), bad}, {bridge("lan", {"pa", "pb"})}}).ok());
  PortStatus pb = port_status(*dp_, "pb");
  EXPECT_FALSE(pb.up);
  EXPECT_NE(pb.reason.find("device probe failed: "), std::string::npos) << pb.reason;
  EXPECT_NE(pb.reason.find("frame size exceeds block size"), std::string::npos) << pb.reason;

  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), af_packet_port("pb", b)}, {bridge("lan", {"pa", "pb"})}}).ok());
  pb = port_status(*dp_, "pb");
  ASSERT_TRUE(pb.up) << pb.reason;
  RawSocket sa(a), sb(b);
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 1}));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{1});
}

// The flow A->B in "lan" runs at ~1000 frames/s while other ports and a network are added, changed
// and removed. Not one frame may be lost, and C (also in "lan") must see none of them: were the FDB
// of "lan" reset by an apply, the flow would be flooded to C until B spoke again (it never does).
TEST_F(ApplyTest, ChangesElsewhereLoseNoFrameAndKeepTheFdb) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  const Host& c = topo_.add_host();
  const Host& d = topo_.add_host();
  const Host& e = topo_.add_host();
  const PortSpec pa = af_packet_port("pa", a), pb = af_packet_port("pb", b), pc = af_packet_port("pc", c);
  const PortSpec pd = af_packet_port("pd", d), pe = af_packet_port("pe", e);
  const BridgeSpec lan = bridge("lan", {"pa", "pb", "pc"});
  ASSERT_TRUE(dp_->apply({{pa, pb, pc}, {lan}}).ok());
  RawSocket sa(a), sb(b), sc(c), sd(d), se(e);
  ASSERT_TRUE(sa.ok() && sb.ok() && sc.ok() && sd.ok() && se.ok());
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 100000}));
  ASSERT_TRUE(sb.send({kBroadcast, b.mac, 100001}));
  ASSERT_EQ(sc.receive(2).size(), 2u);
  ASSERT_EQ(sb.receive(1), std::vector<uint32_t>{100000});
  ASSERT_EQ(network_status(*dp_, "lan").fdb_entries, 2u);
  const uint64_t generation0 = dp_->status().snapshot_generation;

  constexpr uint32_t kFrames = 1500;
  std::atomic<uint32_t> sent{0};
  std::thread stream([&] {
    for (uint32_t i = 0; i < kFrames; ++i) {
      if (sa.send({b.mac, a.mac, i})) sent.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(1000));
    }
  });
  auto pause = [] { std::this_thread::sleep_for(std::chrono::milliseconds(150)); };
  pause();
  BridgeSpec iot = bridge("iot", {"pd", "pe"}, 60, 256);
  EXPECT_TRUE(dp_->apply({{pa, pb, pc, pd, pe}, {lan, iot}}).ok());  // new devices + network
  ASSERT_TRUE(sd.send({kBroadcast, d.mac, 200000}));
  EXPECT_EQ(se.receive(1), std::vector<uint32_t>{200000}) << "the added network forwards";
  pause();
  dp_->reclaim();
  iot.fdb_aging_s = 30;
  iot.fdb_max_entries = 512;
  EXPECT_TRUE(dp_->apply({{pa, pb, pc, pd, pe}, {lan, iot}}).ok());  // the other network resized
  pause();
  dp_->reclaim();
  iot.members = {BridgeMember{"pe"}};
  EXPECT_TRUE(dp_->apply({{pa, pb, pc, pe}, {lan, iot}}).ok());  // a device removed
  pause();
  EXPECT_TRUE(drain_reclaim(*dp_));
  stream.join();

  ASSERT_EQ(sent.load(), kFrames);
  std::vector<uint32_t> got = sb.receive(kFrames, std::chrono::milliseconds(1000));
  EXPECT_EQ(got.size(), kFrames) << "frames lost during applies: " << kFrames - got.size();
  for (uint32_t i = 0; i < got.size() && i < kFrames; ++i) {
    if (got[i] != i) {
      ADD_FAILURE() << "frame " << i << " arrived as " << got[i];
      break;
    }
  }
  std::vector<uint32_t> leaked = sc.receive_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(leaked.empty()) << leaked.size() << " frames of the learned flow were flooded to C";
  EXPECT_EQ(network_status(*dp_, "lan").fdb_entries, 2u);
  EXPECT_EQ(dp_->status().snapshot_generation, generation0 + 3);
  EXPECT_EQ(port_status(*dp_, "pa").counters.rx_packets, kFrames + 1);
  EXPECT_EQ(port_status(*dp_, "pb").counters.tx_packets, kFrames + 1);
  EXPECT_EQ(network_status(*dp_, "iot").ports, std::vector<std::string>{"pe"});
  EXPECT_EQ(network_status(*dp_, "iot").fdb_max_entries, 512u);
}

// af_packet opens its socket for every interface before binding it to its own, so a new device's
// ring can start with frames of other ports. Ports are added and removed repeatedly while "lan"
// carries a busy flow: the new network must never see a frame of it.
TEST_F(ApplyTest, NewPortsNeverForwardFramesQueuedBeforeTheyJoined) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  const Host& d = topo_.add_host();
  const Host& e = topo_.add_host();
  const PortSpec pa = af_packet_port("pa", a), pb = af_packet_port("pb", b);
  const PortSpec pd = af_packet_port("pd", d), pe = af_packet_port("pe", e);
  const SwitchSpec lan_only{{pa, pb}, {bridge("lan", {"pa", "pb"})}};
  const SwitchSpec both{{pa, pb, pd, pe}, {bridge("lan", {"pa", "pb"}), bridge("iot", {"pd", "pe"})}};
  ASSERT_TRUE(dp_->apply(lan_only).ok());
  RawSocket sa(a), sd(d), se(e);
  ASSERT_TRUE(sa.ok() && sd.ok() && se.ok());

  std::atomic<bool> done{false};
  std::thread stream([&] {
    for (uint32_t i = 0; !done.load(); ++i) {
      sa.send({b.mac, a.mac, i});
      if (i % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  });
  for (int cycle = 0; cycle < 6; ++cycle) {
    EXPECT_TRUE(dp_->apply(both).ok());
    EXPECT_TRUE(port_status(*dp_, "pe").up);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(dp_->apply(lan_only).ok());
    EXPECT_TRUE(drain_reclaim(*dp_));
  }
  done = true;
  stream.join();
  EXPECT_TRUE(sd.receive_for(std::chrono::milliseconds(200)).empty()) << "lan frames leaked into iot via pe";
  EXPECT_TRUE(se.receive_for(std::chrono::milliseconds(100)).empty()) << "lan frames leaked into iot via pd";
}

TEST_F(ApplyTest, RemovedPortIsClosedAfterReclaimAndCanComeBack) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  const SwitchSpec both{{af_packet_port("pa", a), af_packet_port("pb", b)}, {bridge("lan", {"pa", "pb"})}};
  ASSERT_TRUE(dp_->apply(both).ok());
  ASSERT_TRUE(drain_reclaim(*dp_));
  EXPECT_GT(packet_sockets_on(b.dp_if), 0);

  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a)}, {bridge("lan", {"pa"})}}).ok());
  EXPECT_EQ(port_status(*dp_, "pb").name, "") << "a removed port is no longer listed";
  EXPECT_TRUE(dp_->status().reclaim_pending) << "the device waits for the grace period";
  EXPECT_TRUE(drain_reclaim(*dp_));
  EXPECT_FALSE(dp_->status().reclaim_pending);
  EXPECT_EQ(packet_sockets_on(b.dp_if), 0) << "the af_packet device was not closed";

  // Its vdev name was released: the same devargs probe again.
  ASSERT_TRUE(dp_->apply(both).ok());
  ASSERT_TRUE(port_status(*dp_, "pb").up) << port_status(*dp_, "pb").reason;
  EXPECT_EQ(port_status(*dp_, "pb").counters.tx_packets, 0u) << "a new device starts from zero";
  RawSocket sa(a), sb(b);
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 9}));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{9});
}

TEST_F(ApplyTest, RenamedPortWaitsForItsDeviceThenComesUp) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), af_packet_port("pb", b)}, {bridge("lan", {"pa", "pb"})}}).ok());
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), af_packet_port("pb2", b)}, {bridge("lan", {"pa", "pb2"})}}).ok());
  PortStatus pb2 = port_status(*dp_, "pb2");
  EXPECT_FALSE(pb2.up);
  EXPECT_EQ(pb2.reason, "waiting for device " + Topology::devargs(b).substr(0, Topology::devargs(b).find(',')) +
                            " to be released");
  ASSERT_TRUE(drain_reclaim(*dp_));
  pb2 = port_status(*dp_, "pb2");
  ASSERT_TRUE(pb2.up) << pb2.reason;
  RawSocket sa(a), sb(b);
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 3}));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{3});
}

TEST_F(ApplyTest, AdminDownClosesThePortAndAdminUpReopensIt) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  PortSpec pb = af_packet_port("pb", b);
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), pb}, {bridge("lan", {"pa", "pb"})}}).ok());
  pb.admin_up = false;
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), pb}, {bridge("lan", {"pa", "pb"})}}).ok());
  ASSERT_TRUE(drain_reclaim(*dp_));
  PortStatus s = port_status(*dp_, "pb");
  EXPECT_FALSE(s.up);
  EXPECT_EQ(s.reason, "admin down");
  EXPECT_EQ(packet_sockets_on(b.dp_if), 0);
  RawSocket sa(a), sb(b);
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 1}));
  EXPECT_TRUE(sb.receive_for(std::chrono::milliseconds(300)).empty());
  EXPECT_EQ(port_status(*dp_, "pa").counters.drops[unsigned(DropReason::no_egress)], 1u);

  pb.admin_up = true;
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), pb}, {bridge("lan", {"pa", "pb"})}}).ok());
  ASSERT_TRUE(port_status(*dp_, "pb").up) << port_status(*dp_, "pb").reason;
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 2}));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{2});
}

TEST_F(ApplyTest, MtuAndMacChangeLiveWithoutRecreatingTheDevice) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  PortSpec pb = af_packet_port("pb", b);
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), pb}, {bridge("lan", {"pa", "pb"})}}).ok());
  const int port_id = port_status(*dp_, "pb").port_id;
  pb.mtu = 1400;
  pb.mac = std::array<uint8_t, 6>{0x02, 0xee, 0, 0, 0, 0x42};
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a), pb}, {bridge("lan", {"pa", "pb"})}}).ok());
  PortStatus s = port_status(*dp_, "pb");
  EXPECT_TRUE(s.up);
  EXPECT_EQ(s.port_id, port_id);
  EXPECT_EQ(s.mtu, 1400);
  EXPECT_EQ(s.mac, "02:ee:00:00:00:42");
  std::ifstream addr("/sys/class/net/" + b.dp_if + "/address");
  std::string kernel_mac;
  addr >> kernel_mac;
  EXPECT_EQ(kernel_mac, "02:ee:00:00:00:42");
  EXPECT_FALSE(dp_->status().reclaim_pending && !drain_reclaim(*dp_));
}

TEST_F(ApplyTest, FailPointMakesApplyFailAndChangesNothing) {
  const Host& a = topo_.add_host();
  ASSERT_TRUE(dp_->apply({{af_packet_port("pa", a)}, {}}).ok());
  const uint64_t generation = dp_->status().snapshot_generation;
  fault::arm_fail_point("dataplane.apply");
  auto r = dp_->apply(SwitchSpec{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::dpdk);
  EXPECT_EQ(r.error().message, "injected failure");
  EXPECT_EQ(dp_->status().snapshot_generation, generation);
  EXPECT_TRUE(port_status(*dp_, "pa").up);
  EXPECT_TRUE(dp_->apply(SwitchSpec{}).ok()) << "a fail point fires once";
}

TEST_F(ApplyTest, InvalidSpecIsRefusedAndChangesNothing) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  const SwitchSpec good{{af_packet_port("pa", a), af_packet_port("pb", b)}, {bridge("lan", {"pa", "pb"})}};
  ASSERT_TRUE(dp_->apply(good).ok());
  const uint64_t generation = dp_->status().snapshot_generation;
  SwitchSpec bad = good;
  bad.bridges.push_back(bridge("other", {"pb"}));
  auto r = dp_->apply(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().message.find("port pb is already untagged in network lan"), std::string::npos) << r.error().message;
  EXPECT_EQ(dp_->status().snapshot_generation, generation);
  EXPECT_EQ(port_status(*dp_, "pb").network, "lan");
  RawSocket sa(a), sb(b);
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 4}));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{4});
}

}  // namespace
}  // namespace edgegw::dataplane::test
