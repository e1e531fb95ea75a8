// The route stage's IPv6 half on synthetic mbufs: neighbor discovery for the gateway addresses,
// echo, forwarding (hop limit, LPM, next hops by neighbor solicitation), ICMPv6 errors, router
// solicitations, malformed packets, security groups. Exact bytes and checksums are checked, and
// what must not come out is asserted absent.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ipv6_frames.hpp"
#include "pipeline_fixture.hpp"

namespace edgegw::dataplane::test {
namespace {

using netproto::load_be16;
using netproto::load_be32;

const MacBytes kLanRouter = {0x02, 0xe9, 0, 0, 0, 0x50};
const MacBytes kWanRouter = {0x02, 0xe9, 0, 0, 0, 0x10};
const MacBytes kFarRouter = {0x02, 0xe9, 0, 0, 0, 0x17};
const MacBytes kAllNodesMac = {0x33, 0x33, 0, 0, 0, 1};

class RouteStage6Test : public SwitchFixture {
 protected:
  const Ip6 lan_gw_ = ip6("fd00:50::1");
  const Ip6 lan_ll_ = netproto::ipv6_link_local(kLanRouter);
  const Ip6 host_a_ = ip6("fd00:50::a");     // kMacA on port a
  const Ip6 host_a_ll_ = ip6("fe80::a");
  const Ip6 wan_gw_ = ip6("fd00:10::1");
  const Ip6 upstream_ = ip6("fd00:10::fe");  // kMacD on port solo: the default route
  const Ip6 far_gw_ = ip6("fd00:17::1");     // port small, MTU 1000
  const Ip6 far_host_ = ip6("fd00:17::5");   // kMacC
  const Ip6 internet_ = ip6("2001:db8::8");

  void SetUp() override {
    SwitchFixture::SetUp();
    if (pool_ == nullptr) return;
    build_routed(true, false);
  }

  void build_routed(bool default_route, bool rs_punt) {
    std::vector<BridgeSpec> b(3);
    b[0].name = "lan";
    b[0].members = {{"a"}, {"b"}};
    b[0].router = RouterInterfaceSpec{0xc0a83201, 24, kLanRouter, false, RouterInterface6Spec{lan_gw_, 64, rs_punt}};
    b[1].name = "wan";
    b[1].members = {{"solo"}};
    b[1].router = RouterInterfaceSpec{0x0a000001, 24, kWanRouter, false, RouterInterface6Spec{wan_gw_, 64, false}};
    b[2].name = "far";
    b[2].members = {{"small"}};
    b[2].router = RouterInterfaceSpec{0xac100001, 24, kFarRouter, false, RouterInterface6Spec{far_gw_, 64, false}};
    std::vector<Route6Spec> routes6;
    if (default_route) routes6.push_back(Route6Spec{Ip6{}, 0, upstream_});
    build(b, 16, {}, routes6);
  }

  rte_mbuf* v6(const MacBytes& dst_mac, const MacBytes& src_mac, const Ip6& src, const Ip6& dst, uint8_t next,
               uint8_t hop_limit, std::vector<uint8_t> payload) {
    return build_ipv6(pool_, dst_mac, src_mac, src, dst, next, hop_limit, std::move(payload));
  }
  rte_mbuf* udp6(const Ip6& src, const Ip6& dst, uint8_t hop_limit = 64, size_t size = 30,
                 const MacBytes& src_mac = kMacA, const MacBytes& to = kLanRouter) {
    return v6(to, src_mac, src, dst, 17, hop_limit, std::vector<uint8_t>(size, 0x5a));
  }
  // A neighbor solicitation for `target` as a host sends it: to the solicited-node group.
  rte_mbuf* solicit(const Ip6& src, const Ip6& target, const MacBytes* source_mac, uint8_t hop_limit = 255) {
    const Ip6 group = netproto::ipv6_solicited_node(target);
    return v6(netproto::ipv6_multicast_mac(group), kMacA, src, group, 58, hop_limit,
              neighbor_solicitation(target, source_mac));
  }
  // Teaches the router a neighbor the way it would answer a solicitation.
  void advertise(uint16_t port, const MacBytes& mac, const Ip6& address, const MacBytes& router, const Ip6& to) {
    run(port, {v6(router, mac, address, to, 58, 255, neighbor_advertisement(address, 0x60, &mac))});
  }

  const uint8_t* queued_frame(uint16_t port, uint16_t k) const {
    return rte_pktmbuf_mtod(queued_at(port, k), const uint8_t*);
  }
  static bool addr_is(const uint8_t* at, const Ip6& want) { return std::memcmp(at, want.data(), 16) == 0; }
};

TEST_F(RouteStage6Test, NeighborSolicitationForTheGatewayIsAnsweredAndTheAskerLearned) {
  run(kA, {solicit(host_a_, lan_gw_, &kMacA)});
  ASSERT_EQ(queued(kA), 1) << "the advertisement goes back where the solicitation came from";
  EXPECT_EQ(queued(kB), 0) << "a solicitation for the gateway is not flooded";
  const uint8_t* p = queued_frame(kA, 0);
  const uint8_t* ip = p + 14;
  EXPECT_EQ(0, std::memcmp(p, kMacA.data(), 6));
  EXPECT_EQ(0, std::memcmp(p + 6, kLanRouter.data(), 6));
  EXPECT_EQ(load_be16(p + 12), 0x86dd);
  EXPECT_EQ(ip[7], 255) << "hop limit of neighbor discovery";
  EXPECT_TRUE(addr_is(ip + 8, lan_gw_)) << "from the address asked for";
  EXPECT_TRUE(addr_is(ip + 24, host_a_));
  const uint8_t* na = ip + 40;
  EXPECT_EQ(na[0], 136);
  EXPECT_EQ(na[4], 0xe0) << "router, solicited, override";
  EXPECT_TRUE(addr_is(na + 8, lan_gw_));
  EXPECT_EQ(na[24], 2) << "target link-layer address option";
  EXPECT_EQ(0, std::memcmp(na + 26, kLanRouter.data(), 6));
  EXPECT_EQ(icmpv6_check(ip), 0) << "ICMPv6 checksum";
  EXPECT_EQ(counters_->nd_adverts.load(), 1u);
  EXPECT_EQ(snap_.networks[0].neighbors6->lookup(ipv6_key(host_a_.data()), 10, 1000000), mac_key(kMacA.data()));
}

TEST_F(RouteStage6Test, OnlyHostsOnTheLinkAreLearned) {
  // Answered, but a sender off the subnet, or claiming the gateway's own address, is not learned.
  run(kA, {solicit(ip6("2001:db8::5"), lan_gw_, &kMacA), solicit(lan_gw_, lan_ll_, &kMacA)});
  EXPECT_EQ(queued(kA), 2);
  EXPECT_EQ(snap_.networks[0].neighbors6->size(), 0u);
  run(kA, {solicit(host_a_ll_, lan_gw_, &kMacA)});
  EXPECT_EQ(snap_.networks[0].neighbors6->size(), 1u) << "a link-local sender is";
}

TEST_F(RouteStage6Test, LinkLocalAddressIsAnsweredToo) {
  run(kA, {solicit(host_a_ll_, lan_ll_, &kMacA)});
  ASSERT_EQ(queued(kA), 1);
  EXPECT_TRUE(addr_is(queued_frame(kA, 0) + 14 + 8, lan_ll_));
  EXPECT_EQ(lan_ll_, ip6("fe80::e9:ff:fe00:50")) << "modified EUI-64 of 02:e9:00:00:00:50";
}

TEST_F(RouteStage6Test, DuplicateAddressDetectionOfTheGatewayIsDefendedToAllNodes) {
  run(kA, {solicit(Ip6{}, lan_gw_, nullptr)});
  ASSERT_EQ(queued(kA), 1);
  const uint8_t* p = queued_frame(kA, 0);
  EXPECT_EQ(0, std::memcmp(p, kAllNodesMac.data(), 6));
  EXPECT_TRUE(addr_is(p + 14 + 24, ip6("ff02::1")));
  EXPECT_EQ(p[14 + 40 + 4], 0xa0) << "router and override, not solicited";
  EXPECT_EQ(snap_.networks[0].neighbors6->size(), 0u) << "an unspecified source teaches nothing";
}

TEST_F(RouteStage6Test, SolicitationForAnotherHostIsBridgedNotAnswered) {
  run(kA, {solicit(host_a_, ip6("fd00:50::b"), &kMacA)});
  EXPECT_EQ(queued(kB), 1) << "flooded in the network";
  EXPECT_EQ(queued(kA), 0);
  EXPECT_EQ(counters_->nd_adverts.load(), 0u);
  EXPECT_EQ(queued(kSolo), 0);
}

TEST_F(RouteStage6Test, PingOfTheGatewayGlobalAndLinkLocalIsAnswered) {
  run(kA, {v6(kLanRouter, kMacA, host_a_, lan_gw_, 58, 64, icmpv6_echo(0x4242, 7)),
           v6(kLanRouter, kMacA, host_a_ll_, lan_ll_, 58, 64, icmpv6_echo(0x4242, 8)),
           v6(kLanRouter, kMacA, host_a_, wan_gw_, 58, 64, icmpv6_echo(0x4242, 9))});
  ASSERT_EQ(queued(kA), 3);
  const Ip6 from[3] = {lan_gw_, lan_ll_, wan_gw_};
  for (uint16_t k = 0; k < 3; ++k) {
    const uint8_t* ip = queued_frame(kA, k) + 14;
    EXPECT_TRUE(addr_is(ip + 8, from[k])) << k;
    EXPECT_EQ(ip[40], 129) << "echo reply";
    EXPECT_EQ(load_be16(ip + 44), 0x4242);
    EXPECT_EQ(load_be16(ip + 46), 7 + k);
    EXPECT_EQ(icmpv6_check(ip), 0) << k;
  }
  EXPECT_EQ(queued(kSolo), 0);
  EXPECT_EQ(counters_->icmp_echo_replies.load(), 3u);
}

TEST_F(RouteStage6Test, UnresolvedNextHopIsSolicitedThenRoutedWithTheHopLimitDecremented) {
  run(kA, {udp6(host_a_, internet_), udp6(host_a_, internet_)});
  EXPECT_EQ(drops(kA, DropReason::no_neighbor), 2u);
  ASSERT_EQ(queued(kSolo), 1) << "one solicitation per interval";
  const uint8_t* ns = queued_frame(kSolo, 0);
  const Ip6 group = netproto::ipv6_solicited_node(upstream_);
  const auto group_mac = netproto::ipv6_multicast_mac(group);
  EXPECT_EQ(0, std::memcmp(ns, group_mac.data(), 6));
  EXPECT_TRUE(addr_is(ns + 14 + 8, wan_gw_));
  EXPECT_TRUE(addr_is(ns + 14 + 24, group));
  EXPECT_EQ(ns[14 + 40], 135);
  EXPECT_TRUE(addr_is(ns + 14 + 48, upstream_));
  EXPECT_EQ(0, std::memcmp(ns + 14 + 66, kWanRouter.data(), 6)) << "source link-layer address option";
  EXPECT_EQ(icmpv6_check(ns + 14), 0);
  EXPECT_EQ(counters_->nd_solicits.load(), 1u);
  drain_tx();

  advertise(kSolo, kMacD, upstream_, kWanRouter, wan_gw_);
  EXPECT_EQ(counters_->nd_adverts_received.load(), 1u);
  run(kA, {udp6(host_a_, internet_, 9)});
  ASSERT_EQ(queued(kSolo), 1);
  const uint8_t* p = queued_frame(kSolo, 0);
  EXPECT_EQ(0, std::memcmp(p, kMacD.data(), 6));
  EXPECT_EQ(0, std::memcmp(p + 6, kWanRouter.data(), 6));
  EXPECT_EQ(p[14 + 7], 8) << "hop limit decremented";
  EXPECT_TRUE(addr_is(p + 14 + 8, host_a_));
  EXPECT_TRUE(addr_is(p + 14 + 24, internet_));
  EXPECT_EQ(counters_->routed6.load(), 1u);
  EXPECT_EQ(queued(kB), 0);
}

TEST_F(RouteStage6Test, HopLimitOneGetsTimeExceededQuotingThePacket) {
  run(kA, {udp6(host_a_, internet_, 1)});
  EXPECT_EQ(drops(kA, DropReason::ttl_exceeded), 1u);
  ASSERT_EQ(queued(kA), 1);
  const uint8_t* p = queued_frame(kA, 0);
  const uint8_t* ip = p + 14;
  EXPECT_EQ(0, std::memcmp(p, kMacA.data(), 6));
  EXPECT_TRUE(addr_is(ip + 8, lan_gw_));
  EXPECT_TRUE(addr_is(ip + 24, host_a_));
  EXPECT_EQ(ip[40], 3);
  EXPECT_EQ(ip[41], 0);
  EXPECT_EQ(load_be16(ip + 4), 8 + 40 + 30) << "the whole packet is quoted";
  EXPECT_TRUE(addr_is(ip + 48 + 24, internet_)) << "quoted destination";
  EXPECT_EQ(icmpv6_check(ip), 0);
  EXPECT_EQ(queued(kSolo), 0);
}

TEST_F(RouteStage6Test, NoRouteGetsDestinationUnreachable) {
  build_routed(false, false);
  run(kA, {udp6(host_a_, internet_)});
  EXPECT_EQ(drops(kA, DropReason::no_route), 1u);
  ASSERT_EQ(queued(kA), 1);
  const uint8_t* ip = queued_frame(kA, 0) + 14;
  EXPECT_EQ(ip[40], 1);
  EXPECT_EQ(ip[41], 0) << "no route to destination";
  EXPECT_EQ(icmpv6_check(ip), 0);
}

TEST_F(RouteStage6Test, TooBigGetsPacketTooBigWithTheMtuAndIsNeverFragmented) {
  advertise(kSmall, kMacC, far_host_, kFarRouter, far_gw_);
  run(kA, {udp6(host_a_, far_host_, 64, 1300), udp6(host_a_, far_host_, 64, 1000 - 40)});
  EXPECT_EQ(drops(kA, DropReason::frag_needed), 1u);
  ASSERT_EQ(queued(kA), 1);
  const uint8_t* ip = queued_frame(kA, 0) + 14;
  EXPECT_EQ(ip[40], 2) << "packet too big";
  EXPECT_EQ(load_be32(ip + 44), 1000u) << "the egress MTU";
  EXPECT_EQ(load_be16(ip + 4), 1240u) << "quoted up to the minimum MTU of 1280";
  EXPECT_EQ(icmpv6_check(ip), 0);
  ASSERT_EQ(queued(kSmall), 1) << "the one that fits is routed";
  EXPECT_EQ(queued_at(kSmall, 0)->pkt_len, 14u + 1000u);
}

TEST_F(RouteStage6Test, LinkLocalSourceIsNotRoutedAndLinkLocalDestinationsNotReached) {
  run(kA, {udp6(host_a_ll_, internet_), udp6(host_a_, ip6("fe80::d"))});
  EXPECT_EQ(drops(kA, DropReason::not_routable), 2u);
  ASSERT_EQ(queued(kA), 1) << "beyond scope of the source, sent once";
  const uint8_t* ip = queued_frame(kA, 0) + 14;
  EXPECT_EQ(ip[40], 1);
  EXPECT_EQ(ip[41], 2);
  EXPECT_TRUE(addr_is(ip + 8, lan_ll_)) << "to a link-local sender from the link-local address";
  EXPECT_EQ(queued(kSolo), 0);
}

TEST_F(RouteStage6Test, NoErrorAboutAnIcmpv6Error) {
  std::vector<uint8_t> error(8 + 48, 0);
  error[0] = 1;  // destination unreachable
  run(kA, {v6(kLanRouter, kMacA, host_a_, internet_, 58, 1, error)});
  EXPECT_EQ(drops(kA, DropReason::ttl_exceeded), 1u);
  EXPECT_EQ(queued(kA), 0);
}

TEST_F(RouteStage6Test, RouterSolicitationsArePuntedOnlyWhenTheControlPlaneAdvertises) {
  const Ip6 all_routers = ip6("ff02::2");
  const MacBytes all_routers_mac = {0x33, 0x33, 0, 0, 0, 2};
  run(kA, {v6(all_routers_mac, kMacA, host_a_ll_, all_routers, 58, 255, router_solicitation(&kMacA))});
  EXPECT_EQ(queued(kB), 1) << "without advertisements here the solicitation is bridged";
  drain_tx();
  build_routed(true, true);
  run(kA, {v6(all_routers_mac, kMacA, host_a_ll_, all_routers, 58, 255, router_solicitation(&kMacA))});
  EXPECT_EQ(queued(kB), 0);
  // This snapshot has no punt ring: the punt path counts it as a full queue.
  EXPECT_EQ(drops(kA, DropReason::punt_full), 1u);
}

TEST_F(RouteStage6Test, MalformedNeighborDiscoveryAndIpv6AreCountedAndDropped) {
  rte_mbuf* bad_checksum = solicit(host_a_, lan_gw_, &kMacA);
  rte_pktmbuf_mtod(bad_checksum, uint8_t*)[14 + 40 + 2] ^= 0x01;
  rte_mbuf* truncated = udp6(host_a_, internet_);
  netproto::store_be16(rte_pktmbuf_mtod(truncated, uint8_t*) + 14 + 4, 400);  // payload beyond the frame
  rte_mbuf* version4 = udp6(host_a_, internet_);
  rte_pktmbuf_mtod(version4, uint8_t*)[14] = 0x40;
  rte_mbuf* bad_echo = v6(kLanRouter, kMacA, host_a_, lan_gw_, 58, 64, icmpv6_echo(1, 1));
  rte_pktmbuf_mtod(bad_echo, uint8_t*)[14 + 40 + 8] ^= 0x01;  // the data, under the checksum
  std::vector<uint8_t> zero_option = neighbor_solicitation(lan_gw_, &kMacA);
  zero_option[25] = 0;  // option length 0
  run(kA, {solicit(host_a_, lan_gw_, &kMacA, 64),  // not from the link
           bad_checksum, truncated, version4, bad_echo,
           v6(kLanRouter, kMacA, host_a_, lan_gw_, 58, 255, zero_option)});
  EXPECT_EQ(drops(kA, DropReason::ip_malformed), 6u);
  EXPECT_EQ(queued(kA), 0);
  EXPECT_EQ(queued(kSolo), 0);
  EXPECT_EQ(counters_->nd_adverts.load(), 0u);
  EXPECT_EQ(snap_.networks[0].neighbors6->size(), 0u) << "nothing learned from a malformed message";
}

TEST_F(RouteStage6Test, FilteredPortsGetNoRoutedIpv6ButTheGatewayStillAnswersThem) {
  SecurityRuleSpec allow_all;
  allow_all.direction = SecurityDirection::egress;
  SecurityRuleSpec allow_in = allow_all;
  allow_in.direction = SecurityDirection::ingress;
  set_security({SecurityGroupSpec{"g", {allow_all, allow_in}}}, {{"a", {"g"}}});
  build_routed(true, false);
  advertise(kSolo, kMacD, upstream_, kWanRouter, wan_gw_);
  run(kA, {udp6(host_a_, internet_), v6(kLanRouter, kMacA, host_a_, lan_gw_, 58, 64, icmpv6_echo(1, 1))});
  EXPECT_EQ(drops(kA, DropReason::acl), 1u) << "IPv6 leaving a filtered port is not routed";
  EXPECT_EQ(queued(kSolo), 0);
  EXPECT_EQ(queued(kA), 1) << "the echo reply";
  drain_tx();
  // Into the filtered port from another network: refused at the port; within its network: bridged.
  run(kA, {solicit(host_a_, lan_gw_, &kMacA)});
  drain_tx();
  run(kSolo, {udp6(upstream_, host_a_, 64, 30, kMacD, kWanRouter)});
  EXPECT_EQ(drops(kA, DropReason::acl), 2u);
  EXPECT_EQ(queued(kA), 0);
  run(kB, {udp6(ip6("fd00:50::b"), host_a_, 64, 30, kMacB, kMacA)});
  EXPECT_EQ(queued(kA), 1) << "bridged IPv6 passes";
}

}  // namespace
}  // namespace edgegw::dataplane::test
