// Real frames through the data plane: hosts in network namespaces, af_packet ports on the root ends
// of their veth pairs. Proves ping works, counters match what was sent, learning stops flooding,
// networks never leak into each other and the egress MTU holds.
#include <gtest/gtest.h>

#include <fstream>

#include "raw_socket.hpp"
#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

class ForwardingTest : public DataplaneTest {
 protected:
  // Applies `spec` and waits until the listed ports are up.
  void apply_and_wait(const SwitchSpec& spec) {
    auto r = dp_->apply(spec);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    for (const PortSpec& p : spec.ports) {
      PortStatus s = port_status(*dp_, p.name);
      ASSERT_TRUE(s.up) << p.name << " down: " << s.reason;
    }
  }

  static uint64_t kernel_stat(const Host& h, const std::string& stat) {
    std::string out;
    Topology::run("ip netns exec " + h.ns + " cat /sys/class/net/" + h.host_if + "/statistics/" + stat, &out);
    return std::stoull(out);
  }

  Topology topo_;
};

TEST_F(ForwardingTest, TwoHostsPingThroughTheBridgeAndCountersMatchTheKernels) {
  const Host& a = topo_.add_host("10.213.1.1/24");
  const Host& b = topo_.add_host("10.213.1.2/24");
  apply_and_wait({{af_packet_port("pa", a), af_packet_port("pb", b)}, {bridge("lan", {"pa", "pb"})}});
  const uint64_t a_tx0 = kernel_stat(a, "tx_packets"), a_txb0 = kernel_stat(a, "tx_bytes");
  const uint64_t b_rx0 = kernel_stat(b, "rx_packets"), b_tx0 = kernel_stat(b, "tx_packets");

  std::string out;
  int rc = Topology::run("ip netns exec " + a.ns + " ping -c 5 -i 0.05 -W 2 -q " + b.ip, &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("5 received"), std::string::npos) << out;

  // The kernels' interface counters are ground truth: what host A sent is what port pa received,
  // and what pb transmitted is what host B received.
  ASSERT_TRUE(wait_until([&] { return port_status(*dp_, "pb").counters.tx_packets == kernel_stat(b, "rx_packets") - b_rx0; }));
  PortStatus pa = port_status(*dp_, "pa");
  PortStatus pb = port_status(*dp_, "pb");
  EXPECT_GE(pa.counters.rx_packets, 6u) << "ARP request + 5 echo requests";
  EXPECT_EQ(pa.counters.rx_packets, kernel_stat(a, "tx_packets") - a_tx0);
  EXPECT_EQ(pa.counters.rx_bytes, kernel_stat(a, "tx_bytes") - a_txb0);
  EXPECT_EQ(pb.counters.rx_packets, kernel_stat(b, "tx_packets") - b_tx0);
  EXPECT_EQ(pa.counters.rx_packets, pb.counters.tx_packets);
  EXPECT_EQ(pb.counters.rx_packets, pa.counters.tx_packets);
  EXPECT_EQ(pa.counters.drops_total() + pb.counters.drops_total(), 0u);
  EXPECT_EQ(pa.network, "lan");
  EXPECT_TRUE(pa.link_up);
  EXPECT_EQ(pa.mtu, 1500);
}

TEST_F(ForwardingTest, CountersMatchCraftedFramesExactly) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  apply_and_wait({{af_packet_port("pa", a), af_packet_port("pb", b)}, {bridge("lan", {"pa", "pb"})}});
  RawSocket sa(a), sb(b);
  ASSERT_TRUE(sa.ok() && sb.ok());

  ASSERT_TRUE(sb.send({kBroadcast, b.mac, 0, 60}));  // B learned
  ASSERT_EQ(sa.receive(1).size(), 1u);
  constexpr uint32_t kFrames = 50;
  uint64_t bytes = 0;
  for (uint32_t i = 1; i <= kFrames; ++i) {
    size_t size = 60 + i * 20;
    bytes += size;
    ASSERT_TRUE(sa.send({b.mac, a.mac, i, size}));
  }
  std::vector<uint32_t> got = sb.receive(kFrames);
  ASSERT_EQ(got.size(), kFrames);
  for (uint32_t i = 0; i < kFrames; ++i) EXPECT_EQ(got[i], i + 1) << "in order";

  ASSERT_TRUE(wait_until([&] { return port_status(*dp_, "pb").counters.tx_packets == kFrames; }));
  PortStatus pa = port_status(*dp_, "pa");
  PortStatus pb = port_status(*dp_, "pb");
  EXPECT_EQ(pa.counters.rx_packets, kFrames);
  EXPECT_EQ(pa.counters.rx_bytes, bytes);
  EXPECT_EQ(pa.counters.tx_packets, 1u);
  EXPECT_EQ(pa.counters.tx_bytes, 60u);
  EXPECT_EQ(pb.counters.rx_packets, 1u);
  EXPECT_EQ(pb.counters.tx_packets, kFrames);
  EXPECT_EQ(pb.counters.tx_bytes, bytes);
  EXPECT_EQ(pa.counters.drops_total() + pb.counters.drops_total(), 0u);
  EXPECT_EQ(pa.hw_tx_errors + pb.hw_tx_errors, 0u);
  EXPECT_EQ(network_status(*dp_, "lan").fdb_entries, 2u);
}

TEST_F(ForwardingTest, UnknownUnicastIsFloodedLearnedUnicastIsNot) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  const Host& c = topo_.add_host();
  apply_and_wait({{af_packet_port("pa", a), af_packet_port("pb", b), af_packet_port("pc", c)},
                  {bridge("lan", {"pa", "pb", "pc"})}});
  RawSocket sa(a), sb(b), sc(c);
  ASSERT_TRUE(sa.ok() && sb.ok() && sc.ok());

  ASSERT_TRUE(sa.send({b.mac, a.mac, 1}));  // B unknown: flooded
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{1});
  EXPECT_EQ(sc.receive(1), std::vector<uint32_t>{1}) << "unknown unicast reaches every other port";

  ASSERT_TRUE(sb.send({a.mac, b.mac, 2}));  // A was learned from frame 1
  EXPECT_EQ(sa.receive(1), std::vector<uint32_t>{2});

  ASSERT_TRUE(sa.send({b.mac, a.mac, 3}));  // B was learned from frame 2
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{3});
  EXPECT_TRUE(sc.receive_for(std::chrono::milliseconds(300)).empty()) << "learned unicast must not reach C";
  EXPECT_EQ(port_status(*dp_, "pc").counters.tx_packets, 1u);
}

TEST_F(ForwardingTest, FramesNeverCrossBetweenNetworks) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  const Host& c = topo_.add_host();
  const Host& d = topo_.add_host();
  apply_and_wait({{af_packet_port("pa", a), af_packet_port("pb", b), af_packet_port("pc", c), af_packet_port("pd", d)},
                  {bridge("net1", {"pa", "pb"}), bridge("net2", {"pc", "pd"})}});
  RawSocket sa(a), sb(b), sc(c), sd(d);
  ASSERT_TRUE(sa.ok() && sb.ok() && sc.ok() && sd.ok());

  ASSERT_TRUE(sd.send({kBroadcast, d.mac, 1}));  // D known in net2 from now on
  EXPECT_EQ(sc.receive(1), std::vector<uint32_t>{1});
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 2}));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{2});
  // A frame in net1 addressed to a MAC learned in net2 is unknown in net1: flooded there only.
  ASSERT_TRUE(sa.send({d.mac, a.mac, 3}));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{3});

  EXPECT_TRUE(sc.receive_for(std::chrono::milliseconds(300)).empty()) << "net1 broadcast/unicast leaked into net2";
  EXPECT_TRUE(sd.receive_for(std::chrono::milliseconds(100)).empty()) << "net1 frames leaked into net2";
  EXPECT_TRUE(sa.receive_for(std::chrono::milliseconds(100)).empty()) << "net2 broadcast leaked into net1";
  EXPECT_EQ(port_status(*dp_, "pc").counters.tx_packets, 1u);
  EXPECT_EQ(port_status(*dp_, "pd").counters.tx_packets, 0u);
  EXPECT_EQ(port_status(*dp_, "pa").counters.tx_packets, 0u);
}

TEST_F(ForwardingTest, EgressMtuIsEnforcedAndCountedOnTheEgressPort) {
  const Host& a = topo_.add_host();
  const Host& b = topo_.add_host();
  apply_and_wait({{af_packet_port("pa", a), af_packet_port("pb", b, 1000)}, {bridge("lan", {"pa", "pb"})}});
  PortStatus pb = port_status(*dp_, "pb");
  EXPECT_EQ(pb.mtu, 1000);
  std::ifstream kernel_mtu("/sys/class/net/" + b.dp_if + "/mtu");
  unsigned mtu = 0;
  kernel_mtu >> mtu;
  EXPECT_EQ(mtu, 1000u) << "af_packet applies the MTU to its kernel interface";

  RawSocket sa(a), sb(b);
  ASSERT_TRUE(sa.ok() && sb.ok());
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 1, 1014}));
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 2, 1015}));
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 3, 900}));
  EXPECT_EQ(sb.receive(3), (std::vector<uint32_t>{1, 3}));
  ASSERT_TRUE(wait_until([&] { return port_status(*dp_, "pb").counters.drops[unsigned(DropReason::mtu)] == 1; }));
  EXPECT_EQ(port_status(*dp_, "pa").counters.drops_total(), 0u);
}

}  // namespace
}  // namespace edgegw::dataplane::test
