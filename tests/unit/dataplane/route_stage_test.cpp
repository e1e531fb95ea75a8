// The route stage on synthetic mbufs: ARP and ICMP echo for the gateway, IPv4 forwarding between
// routed networks (TTL, LPM, next-hop ARP), ICMP errors, malformed packets. Exact bytes are
// checked, checksums verified, and what must not come out is asserted absent.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "edgegw/netproto/checksum.hpp"
#include "ipv4_frames.hpp"
#include "pipeline_fixture.hpp"

namespace edgegw::dataplane::test {
namespace {

using netproto::checksum;
using netproto::load_be16;
using netproto::load_be32;
using netproto::store_be16;
using netproto::store_be32;

const MacBytes kLanRouter = {0x02, 0xe9, 0, 0, 0, 0x50};
const MacBytes kWanRouter = {0x02, 0xe9, 0, 0, 0, 0x10};
const MacBytes kFarRouter = {0x02, 0xe9, 0, 0, 0, 0x17};
constexpr uint32_t kLanGw = 0xc0a83201;   // 192.168.50.1
constexpr uint32_t kHostA = 0xc0a8320a;   // 192.168.50.10 (kMacA, on port a)
constexpr uint32_t kWanGw = 0x0a000001;   // 10.0.0.1
constexpr uint32_t kUpstream = 0x0a0000fe;  // 10.0.0.254 (kMacD, on port solo): the default route
constexpr uint32_t kFarGw = 0xac100001;   // 172.16.0.1 (port small, MTU 1000)
constexpr uint32_t kFarHost = 0xac100005;  // 172.16.0.5 (kMacC)
constexpr uint32_t kInternet = 0x08080808;

class RouteStageTest : public SwitchFixture {
 protected:
  void SetUp() override {
    SwitchFixture::SetUp();
    if (pool_ == nullptr) return;
    build_routed(true);
  }

  void build_routed(bool default_route) {
    std::vector<BridgeSpec> b(3);
    b[0].name = "lan";
    b[0].members = {{"a"}, {"b"}};
    b[0].router = RouterInterfaceSpec{kLanGw, 24, kLanRouter};
    b[1].name = "wan";
    b[1].members = {{"solo"}};
    b[1].router = RouterInterfaceSpec{kWanGw, 24, kWanRouter};
    b[2].name = "far";
    b[2].members = {{"small"}};
    b[2].router = RouterInterfaceSpec{kFarGw, 24, kFarRouter};
    std::vector<RouteSpec> routes;
    if (default_route) routes.push_back(RouteSpec{0, 0, kUpstream});
    build(b, 16, routes);
  }

  rte_mbuf* ipv4(const MacBytes& dst_mac, const MacBytes& src_mac, uint32_t src, uint32_t dst, uint8_t proto,
                 uint8_t ttl, uint16_t payload, bool df = false) {
    return build_ipv4(pool_, dst_mac, src_mac, src, dst, proto, ttl, payload, df);
  }

  rte_mbuf* echo_request(uint32_t src, uint32_t dst, const MacBytes& dst_mac = kLanRouter) {
    rte_mbuf* m = ipv4(dst_mac, kMacA, src, dst, 1, 64, 16);
    uint8_t* icmp = rte_pktmbuf_mtod(m, uint8_t*) + 34;
    icmp[0] = 8;
    icmp[1] = 0;
    store_be16(icmp + 2, 0);
    store_be16(icmp + 4, 0x4242);  // identifier
    store_be16(icmp + 6, 7);       // sequence
    store_be16(icmp + 2, checksum(icmp, 16));
    return m;
  }

  rte_mbuf* arp(uint16_t op, const MacBytes& eth_dst, const MacBytes& sender_mac, uint32_t sender_ip,
                uint32_t target_ip) {
    return build_arp(pool_, op, eth_dst, sender_mac, sender_ip, target_ip);
  }

  // Teaches the router where the upstream next hop is (as its ARP reply would).
  void resolve_upstream() {
    run(kSolo, {arp(2, kWanRouter, kMacD, kUpstream, kWanGw)});
    ASSERT_EQ(counters_->neighbor_table_full.load(), 0u);
  }

  const uint8_t* queued_frame(uint16_t port, uint16_t k) const { return rte_pktmbuf_mtod(queued_at(port, k), const uint8_t*); }
};

TEST_F(RouteStageTest, ArpRequestForTheGatewayIsAnsweredAndTheAskerLearned) {
  run(kA, {arp(1, kBcast, kMacA, kHostA, kLanGw)});
  ASSERT_EQ(queued(kA), 1) << "the reply goes back where the request came from";
  EXPECT_EQ(queued(kB), 0) << "a request for the gateway is not flooded";
  const uint8_t* p = queued_frame(kA, 0);
  EXPECT_EQ(0, std::memcmp(p, kMacA.data(), 6));
  EXPECT_EQ(0, std::memcmp(p + 6, kLanRouter.data(), 6));
  EXPECT_EQ(load_be16(p + 14 + 6), 2) << "op reply";
  EXPECT_EQ(0, std::memcmp(p + 14 + 8, kLanRouter.data(), 6));
  EXPECT_EQ(load_be32(p + 14 + 14), kLanGw);
  EXPECT_EQ(0, std::memcmp(p + 14 + 18, kMacA.data(), 6));
  EXPECT_EQ(load_be32(p + 14 + 24), kHostA);
  EXPECT_EQ(counters_->arp_replies.load(), 1u);
  EXPECT_EQ(snap_.networks[0].neighbors->lookup(kHostA, 10, 1000000), mac_key(kMacA.data()));
}

TEST_F(RouteStageTest, ArpForAnotherHostIsBridgedNotAnswered) {
  run(kA, {arp(1, kBcast, kMacA, kHostA, 0xc0a83263)});
  EXPECT_EQ(queued(kB), 1) << "flooded in the network";
  EXPECT_EQ(queued(kA), 0);
  EXPECT_EQ(counters_->arp_replies.load(), 0u);
  EXPECT_EQ(queued(kSolo), 0) << "never into another network";
}

TEST_F(RouteStageTest, PingOfTheGatewayIsAnswered) {
  run(kA, {echo_request(kHostA, kLanGw)});
  ASSERT_EQ(queued(kA), 1);
  const uint8_t* p = queued_frame(kA, 0);
  const uint8_t* ip = p + 14;
  EXPECT_EQ(0, std::memcmp(p, kMacA.data(), 6));
  EXPECT_EQ(0, std::memcmp(p + 6, kLanRouter.data(), 6));
  EXPECT_EQ(load_be32(ip + 12), kLanGw);
  EXPECT_EQ(load_be32(ip + 16), kHostA);
  EXPECT_EQ(checksum(ip, 20), 0) << "IPv4 header checksum";
  EXPECT_EQ(ip[20], 0) << "echo reply";
  EXPECT_EQ(load_be16(ip + 24), 0x4242);
  EXPECT_EQ(load_be16(ip + 26), 7);
  EXPECT_EQ(checksum(ip + 20, 16), 0) << "ICMP checksum";
  EXPECT_EQ(counters_->icmp_echo_replies.load(), 1u);
}

TEST_F(RouteStageTest, PingOfAnotherNetworksGatewayIsAnsweredFromThatAddress) {
  run(kA, {echo_request(kHostA, kWanGw)});
  ASSERT_EQ(queued(kA), 1);
  EXPECT_EQ(load_be32(queued_frame(kA, 0) + 14 + 12), kWanGw);
  EXPECT_EQ(queued(kSolo), 0);
}

TEST_F(RouteStageTest, UnresolvedNextHopIsAskedForOnceAndTheFrameCounted) {
  run(kA, {ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 30), ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 30)});
  EXPECT_EQ(drops(kA, DropReason::no_neighbor), 2u);
  ASSERT_EQ(queued(kSolo), 1) << "one ARP request, not one per packet";
  const uint8_t* p = queued_frame(kSolo, 0);
  EXPECT_EQ(0, std::memcmp(p, kBcast.data(), 6));
  EXPECT_EQ(0, std::memcmp(p + 6, kWanRouter.data(), 6));
  EXPECT_EQ(load_be16(p + 12), 0x0806);
  EXPECT_EQ(load_be16(p + 14 + 6), 1);
  EXPECT_EQ(load_be32(p + 14 + 14), kWanGw);
  EXPECT_EQ(load_be32(p + 14 + 24), kUpstream);
  EXPECT_EQ(counters_->arp_requests.load(), 1u);
  EXPECT_EQ(queued(kB), 0);
}

TEST_F(RouteStageTest, RoutedPacketGoesToTheNextHopWithTtlAndChecksumUpdated) {
  resolve_upstream();
  rte_mbuf* m = ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 30);
  std::vector<uint8_t> sent(rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_mtod(m, uint8_t*) + m->data_len);
  run(kA, {m});
  ASSERT_EQ(queued(kSolo), 1);
  EXPECT_EQ(queued(kB), 0);
  const uint8_t* p = queued_frame(kSolo, 0);
  EXPECT_EQ(0, std::memcmp(p, kMacD.data(), 6)) << "to the next hop";
  EXPECT_EQ(0, std::memcmp(p + 6, kWanRouter.data(), 6)) << "from the egress gateway";
  EXPECT_EQ(p[14 + 8], 63) << "TTL decremented";
  EXPECT_EQ(checksum(p + 14, 20), 0) << "header checksum updated";
  // Everything else is as sent.
  EXPECT_EQ(0, std::memcmp(p + 14 + 12, sent.data() + 14 + 12, sent.size() - 14 - 12));
  EXPECT_EQ(counters_->routed.load(), 1u);
}

TEST_F(RouteStageTest, DirectlyConnectedDestinationIsResolvedItself) {
  run(kSmall, {arp(2, kFarRouter, kMacC, kFarHost, kFarGw)});  // learn 172.16.0.5
  run(kA, {ipv4(kLanRouter, kMacA, kHostA, kFarHost, 6, 10, 40)});
  ASSERT_EQ(queued(kSmall), 1);
  EXPECT_EQ(0, std::memcmp(queued_frame(kSmall, 0), kMacC.data(), 6));
  EXPECT_EQ(queued(kSolo), 0);
}

TEST_F(RouteStageTest, TtlOneGetsTimeExceededQuotingThePacket) {
  resolve_upstream();
  rte_mbuf* m = ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 1, 30);
  std::vector<uint8_t> sent(rte_pktmbuf_mtod(m, uint8_t*) + 14, rte_pktmbuf_mtod(m, uint8_t*) + m->data_len);
  run(kA, {m});
  EXPECT_EQ(queued(kSolo), 0);
  EXPECT_EQ(drops(kA, DropReason::ttl_exceeded), 1u);
  ASSERT_EQ(queued(kA), 1);
  const uint8_t* p = queued_frame(kA, 0);
  const uint8_t* ip = p + 14;
  EXPECT_EQ(0, std::memcmp(p, kMacA.data(), 6));
  EXPECT_EQ(load_be32(ip + 12), kLanGw) << "from the interface it arrived on";
  EXPECT_EQ(load_be32(ip + 16), kHostA);
  EXPECT_EQ(ip[9], 1);
  EXPECT_EQ(checksum(ip, 20), 0);
  EXPECT_EQ(ip[20], 11);
  EXPECT_EQ(ip[21], 0);
  EXPECT_EQ(load_be16(ip + 2), 20 + 8 + sent.size());
  EXPECT_EQ(checksum(ip + 20, 8 + sent.size()), 0);
  EXPECT_EQ(0, std::memcmp(ip + 28, sent.data(), sent.size())) << "the whole packet is quoted";
  EXPECT_EQ(counters_->icmp_errors.load(), 1u);
}

TEST_F(RouteStageTest, NoRouteGetsNetUnreachable) {
  build_routed(false);
  run(kA, {ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 30)});
  EXPECT_EQ(drops(kA, DropReason::no_route), 1u);
  ASSERT_EQ(queued(kA), 1);
  const uint8_t* ip = queued_frame(kA, 0) + 14;
  EXPECT_EQ(ip[20], 3);
  EXPECT_EQ(ip[21], 0);
}

TEST_F(RouteStageTest, TooBigWithDontFragmentGetsFragmentationNeededWithTheMtu) {
  run(kSmall, {arp(2, kFarRouter, kMacC, kFarHost, kFarGw)});
  run(kA, {ipv4(kLanRouter, kMacA, kHostA, kFarHost, 17, 64, 1100, true)});
  EXPECT_EQ(queued(kSmall), 0);
  EXPECT_EQ(drops(kA, DropReason::frag_needed), 1u);
  ASSERT_EQ(queued(kA), 1);
  const uint8_t* ip = queued_frame(kA, 0) + 14;
  EXPECT_EQ(ip[20], 3);
  EXPECT_EQ(ip[21], 4);
  EXPECT_EQ(load_be16(ip + 26), 1000) << "next-hop MTU (RFC 1191)";
  EXPECT_EQ(load_be16(ip + 2), 576) << "the quote is cut to fit 576 bytes";
  // Without DF it is dropped as too big (the switch does not fragment) and nothing is sent back.
  run(kA, {ipv4(kLanRouter, kMacA, kHostA, kFarHost, 17, 64, 1100, false)});
  EXPECT_EQ(drops(kA, DropReason::mtu), 1u);
  EXPECT_EQ(queued(kA), 1);
}

TEST_F(RouteStageTest, NoIcmpErrorAboutAnIcmpErrorOrAFragment) {
  build_routed(false);
  rte_mbuf* error = ipv4(kLanRouter, kMacA, kHostA, kInternet, 1, 64, 36);
  rte_pktmbuf_mtod(error, uint8_t*)[34] = 3;  // an ICMP unreachable, itself unroutable
  rte_mbuf* fragment = ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 30);
  uint8_t* ip = rte_pktmbuf_mtod(fragment, uint8_t*) + 14;
  store_be16(ip + 6, 100);  // offset 800
  store_be16(ip + 10, 0);
  store_be16(ip + 10, checksum(ip, 20));
  run(kA, {error, fragment});
  EXPECT_EQ(drops(kA, DropReason::no_route), 2u);
  EXPECT_EQ(queued(kA), 0);
  EXPECT_EQ(counters_->icmp_errors.load(), 0u);
}

TEST_F(RouteStageTest, IcmpErrorsAreRateLimited) {
  build_routed(false);
  for (int burst = 0; burst < 5; ++burst) {
    Burst b;
    b.ingress = kA;
    std::vector<rte_mbuf*> pkts;
    for (int i = 0; i < 30; ++i) pkts.push_back(ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 10));
    // All at the same instant: only the saved-up tokens (100) are spent.
    run(kA, {pkts[0], pkts[1], pkts[2], pkts[3], pkts[4], pkts[5], pkts[6], pkts[7], pkts[8], pkts[9],
             pkts[10], pkts[11], pkts[12], pkts[13], pkts[14], pkts[15], pkts[16], pkts[17], pkts[18], pkts[19],
             pkts[20], pkts[21], pkts[22], pkts[23], pkts[24], pkts[25], pkts[26], pkts[27], pkts[28], pkts[29]},
        1000000);
    drain_tx();
  }
  EXPECT_EQ(drops(kA, DropReason::no_route), 150u);
  EXPECT_EQ(counters_->icmp_errors.load(), 100u);
  EXPECT_EQ(counters_->icmp_rate_limited.load(), 50u);
}

TEST_F(RouteStageTest, MalformedPacketsToTheGatewayAreCountedAndDropped) {
  rte_mbuf* bad_sum = ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 30);
  rte_pktmbuf_mtod(bad_sum, uint8_t*)[14 + 10] ^= 0xff;
  rte_mbuf* bad_version = ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 30);
  rte_pktmbuf_mtod(bad_version, uint8_t*)[14] = 0x65;
  rte_mbuf* long_total = ipv4(kLanRouter, kMacA, kHostA, kInternet, 17, 64, 30);
  uint8_t* ip = rte_pktmbuf_mtod(long_total, uint8_t*) + 14;
  store_be16(ip + 2, 500);
  store_be16(ip + 10, 0);
  store_be16(ip + 10, checksum(ip, 20));
  rte_mbuf* runt = raw(kLanRouter, kMacA, 20);
  rte_pktmbuf_mtod(runt, uint8_t*)[12] = 0x08;
  rte_pktmbuf_mtod(runt, uint8_t*)[13] = 0x00;
  rte_mbuf* short_arp = arp(1, kLanRouter, kMacA, kHostA, kLanGw);
  rte_pktmbuf_trim(short_arp, 30);
  rte_mbuf* ipv6 = raw(kLanRouter, kMacA, 60);
  rte_pktmbuf_mtod(ipv6, uint8_t*)[12] = 0x86;
  rte_pktmbuf_mtod(ipv6, uint8_t*)[13] = 0xdd;
  run(kA, {bad_sum, bad_version, long_total, runt, short_arp, ipv6});
  EXPECT_EQ(drops(kA, DropReason::ip_malformed), 5u);
  EXPECT_EQ(drops(kA, DropReason::not_routable), 1u) << "IPv6 is not routed";
  EXPECT_EQ(queued(kA) + queued(kB) + queued(kSolo) + queued(kSmall), 0);
}

TEST_F(RouteStageTest, NonRoutedNetworksDoNotRoute) {
  build(default_bridges());  // plain bridges: frames to any MAC are bridged
  run(kA, {echo_request(kHostA, kLanGw, kLanRouter)});
  EXPECT_EQ(counters_->icmp_echo_replies.load(), 0u);
  EXPECT_EQ(queued(kB), 1) << "unknown unicast: flooded within the network";
}

}  // namespace
}  // namespace edgegw::dataplane::test
