// The route stage on synthetic mbufs: ARP and ICMP echo for the gateway, IPv4 forwarding between
// routed networks (TTL, LPM, next-hop ARP), ICMP errors, malformed packets. Exact bytes are
// checked, checksums verified, and what must not come out is asserted absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <utility>
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
    b[0].router = RouterInterfaceSpec{kLanGw, 24, kLanRouter, false};
    b[1].name = "wan";
    b[1].members = {{"solo"}};
    b[1].router = RouterInterfaceSpec{kWanGw, 24, kWanRouter, false};
    b[2].name = "far";
    b[2].members = {{"small"}};
    b[2].router = RouterInterfaceSpec{kFarGw, 24, kFarRouter, false};
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
}

TEST_F(RouteStageTest, TooBigWithoutDontFragmentIsFragmented) {
  run(kSmall, {arp(2, kFarRouter, kMacC, kFarHost, kFarGw)});
  // 1100 bytes of data into an MTU of 1000: 976 (a multiple of 8 that fits) and 124.
  run(kA, {ipv4(kLanRouter, kMacA, kHostA, kFarHost, 17, 64, 1100, false)});
  ASSERT_EQ(queued(kSmall), 2);
  EXPECT_EQ(queued(kA), 0) << "nothing goes back to the sender";
  std::vector<uint8_t> data;
  for (uint16_t k = 0; k < 2; ++k) {
    const uint8_t* p = queued_frame(kSmall, k);
    EXPECT_EQ(0, std::memcmp(p, kMacC.data(), 6));
    EXPECT_EQ(0, std::memcmp(p + 6, kFarRouter.data(), 6));
    const uint8_t* ip = p + 14;
    EXPECT_EQ(checksum(ip, 20), 0) << "fragment " << k;
    EXPECT_EQ(ip[8], 63);
    EXPECT_EQ(load_be16(ip + 4), 0x1234) << "every fragment keeps the identification";
    EXPECT_EQ(load_be32(ip + 12), kHostA);
    data.insert(data.end(), ip + 20, ip + load_be16(ip + 2));
  }
  const uint8_t* first = queued_frame(kSmall, 0) + 14;
  const uint8_t* second = queued_frame(kSmall, 1) + 14;
  EXPECT_EQ(load_be16(first + 2), 996);
  EXPECT_EQ(load_be16(first + 6), 0x2000) << "offset 0, more fragments";
  EXPECT_EQ(load_be16(second + 2), 144);
  EXPECT_EQ(load_be16(second + 6), 976 / 8) << "offset 122, last";
  ASSERT_EQ(data.size(), 1100u);
  for (size_t i = 0; i < data.size(); ++i) ASSERT_EQ(data[i], static_cast<uint8_t>(i * 7)) << "byte " << i;
  EXPECT_EQ(counters_->fragmented.load(), 1u);
  EXPECT_EQ(counters_->fragments.load(), 2u);
  drain_tx();

  // A fragment (offset 800 bytes, more to come) is split further: offsets continue, MF stays set.
  rte_mbuf* piece = ipv4(kLanRouter, kMacA, kHostA, kFarHost, 17, 64, 1100, false);
  uint8_t* ip = rte_pktmbuf_mtod(piece, uint8_t*) + 14;
  store_be16(ip + 6, 0x2000 | 100);
  store_be16(ip + 10, 0);
  store_be16(ip + 10, checksum(ip, 20));
  run(kA, {piece});
  ASSERT_EQ(queued(kSmall), 2);
  EXPECT_EQ(load_be16(queued_frame(kSmall, 0) + 14 + 6), 0x2000 | 100);
  EXPECT_EQ(load_be16(queued_frame(kSmall, 1) + 14 + 6), 0x2000 | (100 + 122));
  drain_tx();

  // With IP options it is not fragmented here: dropped as too big, nothing sent back.
  rte_mbuf* with_options = ipv4(kLanRouter, kMacA, kHostA, kFarHost, 17, 64, 1100, false);
  ip = rte_pktmbuf_mtod(with_options, uint8_t*) + 14;
  ip[0] = 0x46;  // 24-byte header: the first 4 data bytes become an option
  ip[20] = 1;    // NOP
  ip[21] = 1;
  ip[22] = 1;
  ip[23] = 0;    // end of options
  store_be16(ip + 10, 0);
  store_be16(ip + 10, checksum(ip, 24));
  run(kA, {with_options});
  EXPECT_EQ(drops(kA, DropReason::mtu), 1u);
  EXPECT_EQ(queued(kSmall), 0);
  EXPECT_EQ(queued(kA), 0);
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

TEST_F(RouteStageTest, ArpReplyToTheGatewayIsTakenInAndCounted) {
  run(kSolo, {arp(2, kWanRouter, kMacD, kUpstream, kWanGw)});
  EXPECT_EQ(counters_->arp_replies_received.load(), 1u);
  EXPECT_EQ(counters_->arp_replies.load(), 0u);
  EXPECT_EQ(queued(kSolo) + queued(kA) + queued(kB), 0) << "nothing answers a reply";
  EXPECT_EQ(snap_.networks[1].neighbors->lookup(kUpstream, 10, 1000000), mac_key(kMacD.data()));
}

// Malformed ARP, ICMP and IPv4 to the gateway in the same bursts as valid routed traffic between two
// hosts: each is dropped and counted under its reason, and every valid packet is delivered intact
// (but for its MACs, TTL and header checksum) and in order.
class MalformedAmongValidTest : public RouteStageTest {
 protected:
  void SetUp() override {
    RouteStageTest::SetUp();
    if (pool_ == nullptr) return;
    run(kA, {arp(2, kLanRouter, kMacA, kHostA, kLanGw)});  // both gateways know their host
    run(kSmall, {arp(2, kFarRouter, kMacC, kFarHost, kFarGw)});
    ASSERT_EQ(counters_->arp_replies_received.load(), 2u);
  }

  // A UDP packet numbered `seq` and the frame it must leave as (to `to_mac` from `out_router`).
  rte_mbuf* valid(const MacBytes& dst_router, const MacBytes& from_mac, uint32_t src, uint32_t dst, uint16_t seq,
                  const MacBytes& to_mac, const MacBytes& out_router) {
    rte_mbuf* m = ipv4(dst_router, from_mac, src, dst, 17, 64, 30);
    uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
    store_be16(p + 14 + 20 + 8, seq);
    std::vector<uint8_t> out(p, p + m->data_len);
    std::memcpy(out.data(), to_mac.data(), 6);
    std::memcpy(out.data() + 6, out_router.data(), 6);
    uint8_t* ip = out.data() + 14;
    ip[8] = 63;
    store_be16(ip + 10, 0);
    store_be16(ip + 10, checksum(ip, 20));
    expected_.push_back(out);
    return m;
  }

  rte_mbuf* with_ip_header(rte_mbuf* m, uint16_t total, uint8_t version_ihl) {
    uint8_t* ip = rte_pktmbuf_mtod(m, uint8_t*) + 14;
    ip[0] = version_ihl;
    store_be16(ip + 2, total);
    store_be16(ip + 10, 0);
    store_be16(ip + 10, checksum(ip, 20));
    return m;
  }

  // The malformed packets a host at (mac, ip) may send its gateway (gw_mac, gw), each with the drop
  // reason it must be counted under.
  std::vector<std::pair<rte_mbuf*, DropReason>> malformed(const MacBytes& mac, uint32_t ip, const MacBytes& gw_mac,
                                                          uint32_t gw) {
    std::vector<std::pair<rte_mbuf*, DropReason>> bad;
    auto add = [&](rte_mbuf* m, DropReason r) { bad.emplace_back(m, r); };
    rte_mbuf* short_arp = arp(1, gw_mac, mac, ip, gw);
    rte_pktmbuf_trim(short_arp, 60 - 14 - 20);
    add(short_arp, DropReason::ip_malformed);
    rte_mbuf* hw_type = arp(1, gw_mac, mac, ip, gw);
    store_be16(rte_pktmbuf_mtod(hw_type, uint8_t*) + 14, 6);  // IEEE 802, not Ethernet
    add(hw_type, DropReason::ip_malformed);
    rte_mbuf* hw_length = arp(1, kBcast, mac, ip, gw);  // broadcast: for the gateway by its target address
    rte_pktmbuf_mtod(hw_length, uint8_t*)[14 + 4] = 8;
    add(hw_length, DropReason::ip_malformed);
    add(arp(3, gw_mac, mac, ip, gw), DropReason::not_routable);  // a RARP request
    rte_mbuf* bad_icmp_sum = echo_request(ip, gw, gw_mac);
    std::memcpy(rte_pktmbuf_mtod(bad_icmp_sum, uint8_t*) + 6, mac.data(), 6);
    rte_pktmbuf_mtod(bad_icmp_sum, uint8_t*)[34 + 2] ^= 0x5a;
    add(bad_icmp_sum, DropReason::ip_malformed);
    rte_mbuf* cut_echo = echo_request(ip, gw, gw_mac);  // the frame ends inside the echo
    std::memcpy(rte_pktmbuf_mtod(cut_echo, uint8_t*) + 6, mac.data(), 6);
    rte_pktmbuf_trim(cut_echo, 10);
    add(cut_echo, DropReason::ip_malformed);
    // An echo whose IPv4 packet ends inside the ICMP header is no echo request: not answered.
    rte_mbuf* short_echo = echo_request(ip, gw, gw_mac);
    std::memcpy(rte_pktmbuf_mtod(short_echo, uint8_t*) + 6, mac.data(), 6);
    add(with_ip_header(short_echo, 24, 0x45), DropReason::not_routable);
    add(with_ip_header(ipv4(gw_mac, mac, ip, kInternet, 17, 64, 30), 50, 0x44), DropReason::ip_malformed);  // IHL 4
    add(with_ip_header(ipv4(gw_mac, mac, ip, kInternet, 17, 64, 30), 50, 0x4f), DropReason::ip_malformed);  // IHL 15
    add(with_ip_header(ipv4(gw_mac, mac, ip, kInternet, 17, 64, 30), 51, 0x45), DropReason::ip_malformed);  // past the frame
    rte_mbuf* bad_sum = ipv4(gw_mac, mac, ip, kInternet, 17, 64, 30);
    rte_pktmbuf_mtod(bad_sum, uint8_t*)[14 + 11] ^= 0x01;
    add(bad_sum, DropReason::ip_malformed);
    return bad;
  }

  // valid, bad, valid, bad, ... then the rest of the valid ones, as one burst from `port`.
  void interleave_and_run(uint16_t port, std::vector<rte_mbuf*> good, const std::vector<std::pair<rte_mbuf*, DropReason>>& bad) {
    std::vector<rte_mbuf*> burst;
    for (size_t i = 0; i < std::max(good.size(), bad.size()); ++i) {
      if (i < good.size()) burst.push_back(good[i]);
      if (i < bad.size()) burst.push_back(bad[i].first);
    }
    run(port, burst);
  }

  static uint64_t count_of(const std::vector<std::pair<rte_mbuf*, DropReason>>& bad, DropReason r) {
    return static_cast<uint64_t>(std::count_if(bad.begin(), bad.end(), [r](const auto& b) { return b.second == r; }));
  }

  // A host and its gateway.
  struct Side {
    uint16_t port;
    MacBytes mac;
    uint32_t ip;
    MacBytes gw_mac;
    uint32_t gw;
  };

  // `count` valid packets from `from` to `to` and the malformed ones of `from`, interleaved in one
  // burst: the valid ones arrive intact and in order, the others are counted, nothing else is sent.
  void mixed_burst(const Side& from, const Side& to, uint16_t count) {
    expected_.clear();
    std::vector<rte_mbuf*> good;
    for (uint16_t seq = 0; seq < count; ++seq) good.push_back(valid(from.gw_mac, from.mac, from.ip, to.ip, seq, to.mac, to.gw_mac));
    const auto bad = malformed(from.mac, from.ip, from.gw_mac, from.gw);
    interleave_and_run(from.port, good, bad);
    ASSERT_EQ(queued(to.port), count);
    for (uint16_t k = 0; k < count; ++k) EXPECT_EQ(sent_bytes(to.port, k), expected_[k]) << "packet " << k;
    EXPECT_EQ(drops(from.port, DropReason::ip_malformed), count_of(bad, DropReason::ip_malformed));
    EXPECT_EQ(drops(from.port, DropReason::not_routable), count_of(bad, DropReason::not_routable));
    for (uint16_t port : {kA, kB, kSmall, kSolo}) {
      if (port != to.port) {
        EXPECT_EQ(queued(port), 0) << "no reply, no error, no flood";
      }
    }
    drain_tx();
  }

  std::vector<std::vector<uint8_t>> expected_;
};

TEST_F(MalformedAmongValidTest, EachIsCountedAndTheValidTrafficArrivesIntactAndInOrder) {
  const Side a{kA, kMacA, kHostA, kLanRouter, kLanGw};
  const Side c{kSmall, kMacC, kFarHost, kFarRouter, kFarGw};  // port small: MTU 1000, all of it fits
  mixed_burst(a, c, 16);  // 16 valid and 11 malformed
  EXPECT_EQ(counters_->routed.load(), 16u);
  mixed_burst(c, a, 10);
  EXPECT_EQ(counters_->routed.load(), 26u);
  EXPECT_EQ(counters_->icmp_errors.load() + counters_->arp_replies.load() + counters_->icmp_echo_replies.load(), 0u);
  for (uint16_t port : {kA, kSmall}) {
    EXPECT_EQ(drops(port, DropReason::malformed) + drops(port, DropReason::no_route) +
                  drops(port, DropReason::ttl_exceeded) + drops(port, DropReason::no_neighbor),
              0u)
        << "nothing else was dropped";
  }
}

// NAT in front of a smaller MTU: guests (192.168.50.0/24 on small, MTU 1000, and b) behind the wan
// uplink 10.0.0.1 (solo), TCP 8080 forwarded to the server 192.168.50.10:80.
class NatMtuTest : public RouteStageTest {
 protected:
  static constexpr uint32_t kServer = 0xc0a8320a;   // 192.168.50.10 (kMacC, on small)
  static constexpr uint32_t kClient = 0xc0a83214;   // 192.168.50.20 (kMacB, on b)

  void SetUp() override {
    RouteStageTest::SetUp();
    if (pool_ == nullptr) return;
    std::vector<BridgeSpec> b(2);
    b[0].name = "wan";
    b[0].members = {{"solo"}};
    b[0].router = RouterInterfaceSpec{kWanGw, 24, kWanRouter};
    b[1].name = "guests";
    b[1].members = {{"small"}, {"b"}};
    b[1].router = RouterInterfaceSpec{kLanGw, 24, kLanRouter};
    b[1].nat = NatSpec{"wan", 1024, 0, {{6, 8080, kServer, 80}}};
    build(b);
  }

  // A TCP SYN of `payload` bytes with DF set (the L4 checksum is not NAT's business to verify).
  rte_mbuf* syn(const MacBytes& dst_mac, const MacBytes& src_mac, uint32_t src, uint16_t sport, uint32_t dst,
                uint16_t dport, uint16_t payload) {
    rte_mbuf* m = ipv4(dst_mac, src_mac, src, dst, 6, 64, payload, true);
    uint8_t* tcp = rte_pktmbuf_mtod(m, uint8_t*) + 34;
    store_be16(tcp, sport);
    store_be16(tcp + 2, dport);
    tcp[12] = 0x50;  // data offset 5
    tcp[13] = 0x02;  // SYN
    return m;
  }

  // Sends `m` in on `port`: it must be dropped frag_needed, and the one frame back on `port` must be
  // an ICMP fragmentation needed (MTU 1000) from `gateway` to `sender`, quoting `m` as it was sent.
  // Returns that frame.
  std::vector<uint8_t> expect_frag_needed(uint16_t port, rte_mbuf* m, uint32_t gateway, uint32_t sender) {
    const std::vector<uint8_t> sent = bytes_of(m);
    run(port, {m});
    EXPECT_EQ(drops(port, DropReason::frag_needed), 1u);
    EXPECT_EQ(queued(port), 1);
    if (queued(port) != 1) return {};
    const std::vector<uint8_t> error = sent_bytes(port, 0);
    const uint8_t* ip = error.data() + 14;
    EXPECT_EQ(load_be32(ip + 12), gateway);
    EXPECT_EQ(load_be32(ip + 16), sender) << "to the sender, as it sent the packet";
    EXPECT_EQ(ip[20], 3);
    EXPECT_EQ(ip[21], 4);
    EXPECT_EQ(load_be16(ip + 26), 1000);
    EXPECT_EQ(checksum(ip + 20, error.size() - 34), 0);
    EXPECT_EQ(0, std::memcmp(ip + 28, sent.data() + 14, 576 - 28)) << "the packet as the sender sent it";
    return error;
  }
};

TEST_F(NatMtuTest, FragmentationNeededForAForwardQuotesThePacketAsSentNotTheInsideAddress) {
  const std::vector<uint8_t> error =
      expect_frag_needed(kSolo, syn(kWanRouter, kMacD, kUpstream, 40000, kWanGw, 8080, 1100), kWanGw, kUpstream);
  uint8_t inside[4];
  store_be32(inside, kServer);
  EXPECT_EQ(std::search(error.begin(), error.end(), inside, inside + 4), error.end()) << "the inside address leaked";
  EXPECT_EQ(queued(kSmall) + queued(kB), 0);
}

TEST_F(NatMtuTest, FragmentationNeededForAHairpinGoesBackToTheInsideSender) {
  // Not to the uplink address the hairpin translated its source to.
  expect_frag_needed(kB, syn(kLanRouter, kMacB, kClient, 40001, kWanGw, 8080, 1100), kLanGw, kClient);
  EXPECT_EQ(queued(kSmall) + queued(kSolo), 0);
}

TEST_F(RouteStageTest, NonRoutedNetworksDoNotRoute) {
  build(default_bridges());  // plain bridges: frames to any MAC are bridged
  run(kA, {echo_request(kHostA, kLanGw, kLanRouter)});
  EXPECT_EQ(counters_->icmp_echo_replies.load(), 0u);
  EXPECT_EQ(queued(kB), 1) << "unknown unicast: flooded within the network";
}

}  // namespace
}  // namespace edgegw::dataplane::test
