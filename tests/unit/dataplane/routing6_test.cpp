// IPv6 routing with real kernel stacks: hosts in network namespaces on three routed networks
// (af_packet ports) with static IPv6 addresses and default routes via their gateway's global or
// link-local address. Proves that the kernel resolves the gateways by neighbor discovery and pings
// them, that hosts reach each other and a static route's destination with the hop limit
// decremented once, that the switch resolves the hosts by its own solicitations, and that the
// kernel understands the switch's ICMPv6 errors (time exceeded, packet too big with the MTU, which
// it then uses for the path, no route).
#include <gtest/gtest.h>

#include "edgegw/netproto/ipv6.hpp"
#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

netproto::Ipv6Address v6(const char* text) { return *netproto::parse_ipv6(text); }

class Routing6Test : public DataplaneTest {
 protected:
  void SetUp() override {
    DataplaneTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a_ = &topo_.add_host("");
    b_ = &topo_.add_host("");
    c_ = &topo_.add_host("");
    // The hosts' namespaces start without IPv6 (see Topology): these three get it back.
    const std::pair<const Host*, const char*> hosts[] = {{a_, "fd00:31::10"}, {b_, "fd00:32::10"}, {c_, "fd00:33::10"}};
    for (const auto& [host, address] : hosts) {
      const std::string in = "ip netns exec " + host->ns + " ";
      ASSERT_EQ(sh(in + "sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 "
                        "net.ipv6.conf." + host->host_if + ".disable_ipv6=0 net.ipv6.conf." + host->host_if +
                   ".accept_ra=0"),
                0);
      ASSERT_EQ(sh("ip -n " + host->ns + " addr add " + address + "/64 dev " + host->host_if + " nodad"), 0);
    }
    // A's default route is the gateway's link-local address (as router advertisements teach it),
    // B's and C's its global address.
    const std::string lan_link_local = netproto::format_ipv6(netproto::ipv6_link_local(kLanMac));
    ASSERT_EQ(sh("ip -n " + a_->ns + " -6 route add default via " + lan_link_local + " dev " + a_->host_if), 0);
    ASSERT_EQ(sh("ip -n " + b_->ns + " -6 route add default via fd00:32::1"), 0);
    ASSERT_EQ(sh("ip -n " + c_->ns + " -6 route add default via fd00:33::1"), 0);
    // Behind C: a network only the static route reaches.
    ASSERT_EQ(sh("ip -n " + c_->ns + " addr add fd00:99::1/128 dev lo"), 0);
  }

  static constexpr std::array<uint8_t, 6> kLanMac = {0x02, 0xe9, 0, 0, 0x61, 1};

  static BridgeSpec routed(const std::string& name, const std::string& port, uint32_t gateway4, const char* gateway6,
                           uint8_t last) {
    BridgeSpec b = bridge(name, {port});
    b.router = RouterInterfaceSpec{gateway4, 24, {0x02, 0xe9, 0, 0, 0x61, last}, false,
                                   RouterInterface6Spec{v6(gateway6), 64, false}};
    return b;
  }

  void apply_site(bool with_routes) {
    SwitchSpec spec{{af_packet_port("pa", *a_), af_packet_port("pb", *b_, 1280), af_packet_port("pc", *c_)},
                    {routed("lan", "pa", 0x0ad52901, "fd00:31::1", 1), routed("lab", "pb", 0x0ad52a01, "fd00:32::1", 2),
                     routed("wan", "pc", 0x0ad52b01, "fd00:33::1", 3)}};
    if (with_routes) spec.routes6.push_back(Route6Spec{v6("fd00:99::"), 64, v6("fd00:33::10")});
    auto r = dp_->apply(spec);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    for (const PortSpec& p : spec.ports) ASSERT_TRUE(port_status(*dp_, p.name).up) << p.name;
  }

  static int sh(const std::string& command, std::string* out = nullptr) { return Topology::run(command, out); }
  int ping(const Host& from, const std::string& args, std::string* out) {
    return sh("ip netns exec " + from.ns + " ping -6 -n " + args + " 2>&1", out);
  }

  Topology topo_;
  const Host* a_ = nullptr;
  const Host* b_ = nullptr;
  const Host* c_ = nullptr;
};

TEST_F(Routing6Test, HostsPingTheirGatewaysAndEachOtherAcrossNetworks) {
  apply_site(true);
  const RouterCounters before = dp_->status().router;  // the data plane is shared by the tests
  std::string out;
  // C has not spoken yet: the switch finds it by a solicitation of its own (the first request waits
  // for the answer and is dropped, counted no_neighbor; the next ones go through).
  ASSERT_EQ(ping(*a_, "-c 3 -i 0.3 -W 2 fd00:99::1", &out), 0) << out;
  EXPECT_GE(dp_->status().router.nd_solicits - before.nd_solicits, 1u);
  const std::pair<const Host*, const char*> gateways[] = {{a_, "fd00:31::1"}, {b_, "fd00:32::1"}, {c_, "fd00:33::1"}};
  for (const auto& [host, gw] : gateways) {
    ASSERT_EQ(ping(*host, std::string("-c 2 -i 0.2 -W 2 ") + gw, &out), 0) << out;
  }
  const std::string lan_link_local = netproto::format_ipv6(netproto::ipv6_link_local(kLanMac));
  ASSERT_EQ(ping(*a_, "-c 2 -i 0.2 -W 2 " + lan_link_local + "%" + a_->host_if, &out), 0) << out;
  // Across networks: every reply arrives, hop limit 64 - 1.
  ASSERT_EQ(ping(*a_, "-c 5 -i 0.1 -W 2 fd00:32::10", &out), 0) << out;
  EXPECT_NE(out.find("5 received"), std::string::npos) << out;
  EXPECT_NE(out.find("ttl=63"), std::string::npos) << out;
  // Through the static route to the address behind C.
  ASSERT_EQ(ping(*a_, "-c 3 -i 0.2 -W 2 fd00:99::1", &out), 0) << out;
  EXPECT_NE(out.find("3 received"), std::string::npos) << out;

  // The kernel learned the gateway's MAC by neighbor discovery; the switch learned the hosts'.
  ASSERT_EQ(sh("ip -n " + a_->ns + " -6 neigh show dev " + a_->host_if, &out), 0);
  EXPECT_NE(out.find("02:e9:00:00:61:01"), std::string::npos) << out;
  std::string lab;
  for (const NeighborStatus& n : dp_->neighbors("lab")) lab += n.ip6 + " " + n.mac + "\n";
  EXPECT_NE(lab.find("fd00:32::10 "), std::string::npos) << lab;

  const DataplaneStatus s = dp_->status();
  EXPECT_GE(s.router.routed6 - before.routed6, 2u * 5 + 2 * 3);
  EXPECT_GE(s.router.nd_adverts - before.nd_adverts, 3u);
  EXPECT_GE(s.router.icmp_echo_replies - before.icmp_echo_replies, 8u);
}

TEST_F(Routing6Test, TheKernelReceivesTheSwitchsIcmpv6Errors) {
  apply_site(false);
  const uint64_t errors_before = dp_->status().router.icmp_errors;
  std::string out;
  ASSERT_EQ(ping(*a_, "-c 1 -W 2 fd00:31::1", &out), 0) << out;
  ASSERT_EQ(ping(*b_, "-c 1 -W 2 fd00:32::1", &out), 0) << out;

  // Hop limit 1: time exceeded from the gateway of A's network.
  EXPECT_NE(ping(*a_, "-c 1 -W 2 -t 1 fd00:32::10", &out), 0);
  EXPECT_NE(out.find("From fd00:31::1"), std::string::npos) << out;
  EXPECT_NE(out.find("Time exceeded"), std::string::npos) << out;

  // Port pb has MTU 1280: 1300 bytes of echo data are too big; the kernel takes the MTU for the
  // path and its next try, in fragments of its own, gets through.
  EXPECT_NE(ping(*a_, "-c 1 -W 2 -M do -s 1300 fd00:32::10", &out), 0);
  EXPECT_NE(out.find("Packet too big"), std::string::npos) << out;
  EXPECT_NE(out.find("1280"), std::string::npos) << out;
  ASSERT_EQ(sh("ip -n " + a_->ns + " -6 route get fd00:32::10", &out), 0);
  EXPECT_NE(out.find("mtu 1280"), std::string::npos) << out;
  ASSERT_EQ(sh("ip -n " + b_->ns + " link set " + b_->host_if + " mtu 1280"), 0);
  EXPECT_EQ(ping(*a_, "-c 1 -W 2 -s 1300 fd00:32::10", &out), 0) << out;
  EXPECT_NE(out.find("1308 bytes from fd00:32::10"), std::string::npos) << out;

  // No static route here: the address behind C is unreachable.
  EXPECT_NE(ping(*a_, "-c 1 -W 2 fd00:99::1", &out), 0);
  EXPECT_NE(out.find("Destination unreachable"), std::string::npos) << out;

  const PortStatus pa = port_status(*dp_, "pa");
  auto drops = [&](DropReason r) { return pa.counters.drops[static_cast<unsigned>(r)]; };
  EXPECT_EQ(drops(DropReason::ttl_exceeded), 1u);
  EXPECT_EQ(drops(DropReason::frag_needed), 1u);
  EXPECT_EQ(drops(DropReason::no_route), 1u);
  EXPECT_EQ(dp_->status().router.icmp_errors - errors_before, 3u);
}

}  // namespace
}  // namespace edgegw::dataplane::test
