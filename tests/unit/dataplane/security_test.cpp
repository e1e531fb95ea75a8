// Security groups on synthetic mbufs: the first matching rule decides, port ranges and ICMP types,
// the defaults (bridged ingress allowed, routed ingress denied, egress allowed), stateful return
// traffic, judging remembered flows again after a rule change, and the rule and policy counters.
// Port b (192.168.50.11, kMacB) is the filtered one; a (192.168.50.10) shares its routed network,
// solo (10.0.0.254, kMacD) is on another.
#include <gtest/gtest.h>

#include "ipv4_frames.hpp"
#include "pipeline_fixture.hpp"

namespace edgegw::dataplane::test {
namespace {

const MacBytes kLanRouter = {0x02, 0xe9, 0, 0, 0, 0x50};
const MacBytes kWanRouter = {0x02, 0xe9, 0, 0, 0, 0x10};
constexpr uint32_t kLanGw = 0xc0a83201;    // 192.168.50.1
constexpr uint32_t kHostA = 0xc0a8320a;    // 192.168.50.10
constexpr uint32_t kHostB = 0xc0a8320b;    // 192.168.50.11
constexpr uint32_t kWanGw = 0x0a000001;    // 10.0.0.1
constexpr uint32_t kOutside = 0x0a0000fe;  // 10.0.0.254
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kSyn = 0x02;
constexpr uint8_t kAck = 0x10;

SecurityRuleSpec rule(SecurityDirection direction, bool allow, uint8_t protocol, uint16_t first = 0,
                      uint16_t last = 65535, uint32_t remote = 0, uint8_t length = 0) {
  SecurityRuleSpec r;
  r.direction = direction;
  r.allow = allow;
  r.protocol = protocol;
  r.remote = remote;
  r.remote_length = length;
  if (protocol == 1) {
    r.icmp_type = first == 0 && last == 65535 ? -1 : static_cast<int16_t>(first);
  } else if (protocol != 0) {
    r.port_first = first;
    r.port_last = last;
  }
  return r;
}

constexpr auto kIn = SecurityDirection::ingress;
constexpr auto kOut = SecurityDirection::egress;

class SecurityTest : public SwitchFixture {
 protected:
  // "lan" (a, b) and "wan" (solo), both routed; b filtered by `rules` (group "g").
  void apply(std::vector<SecurityRuleSpec> rules) {
    set_security({SecurityGroupSpec{"g", std::move(rules)}}, {{"b", {"g"}}});
    std::vector<BridgeSpec> b(2);
    b[0].name = "lan";
    b[0].members = {{"a"}, {"b"}};
    b[0].router = RouterInterfaceSpec{kLanGw, 24, kLanRouter};
    b[1].name = "wan";
    b[1].members = {{"solo"}};
    b[1].router = RouterInterfaceSpec{kWanGw, 24, kWanRouter};
    build(b);
  }

  // The router learns where b and the outside host are, and the FDB where their MACs are.
  void resolve_hosts() {
    for (auto [port, mac, ip, gw, router] : {std::tuple{kB, kMacB, kHostB, kLanGw, kLanRouter},
                                             std::tuple{kA, kMacA, kHostA, kLanGw, kLanRouter},
                                             std::tuple{kSolo, kMacD, kOutside, kWanGw, kWanRouter}}) {
      run(port, {arp_reply(router, mac, ip, gw)});
    }
    drain_tx();
  }

  rte_mbuf* arp_reply(const MacBytes& to, const MacBytes& from, uint32_t sender, uint32_t target) {
    return build_arp(pool_, 2, to, from, sender, target);
  }

  // From the outside host, routed to b; from a, bridged to b; from b to the outside (routed).
  rte_mbuf* routed_to_b(uint8_t proto, uint16_t sport, uint16_t dport, uint8_t flags = kSyn) {
    return build_transport(pool_, kWanRouter, kMacD, kOutside, kHostB, proto, sport, dport, flags);
  }
  rte_mbuf* bridged_to_b(uint8_t proto, uint16_t sport, uint16_t dport, uint32_t src = kHostA) {
    return build_transport(pool_, kMacB, kMacA, src, kHostB, proto, sport, dport);
  }
  rte_mbuf* from_b_out(uint8_t proto, uint16_t sport, uint16_t dport, uint8_t flags = kSyn) {
    return build_transport(pool_, kLanRouter, kMacB, kHostB, kOutside, proto, sport, dport, flags);
  }

  // Sends one frame in and says whether anything reached port `to` (and clears the queues).
  bool passes(uint16_t from, rte_mbuf* m, uint16_t to) {
    run(from, {m});
    const bool arrived = queued(to) != 0;
    drain_tx();
    return arrived;
  }

  uint64_t acl_drops(uint16_t port) { return drops(port, DropReason::acl); }
  uint64_t default_denied() const { return classifier_->policy(1).default_denied.load(); }
  uint64_t default_allowed() const { return classifier_->policy(1).default_allowed.load(); }
};

TEST_F(SecurityTest, FirstMatchingRuleDecides) {
  apply({rule(kIn, false, kTcp, 8080, 8080, kHostA, 32), rule(kIn, true, kTcp, 8080, 8080)});
  resolve_hosts();
  EXPECT_FALSE(passes(kA, bridged_to_b(kTcp, 40000, 8080), kB)) << "a is refused by the first rule";
  EXPECT_TRUE(passes(kA, bridged_to_b(kTcp, 40001, 8080, kHostA + 5), kB)) << "another source: the second rule";
  EXPECT_TRUE(passes(kSolo, routed_to_b(kTcp, 40002, 8080), kB)) << "routed, allowed by the second rule";
  EXPECT_EQ(rule_packets(0, 0), 1u);
  EXPECT_EQ(rule_packets(0, 1), 2u);
  EXPECT_EQ(rule_bytes(0, 1), 2u * (14 + 20 + 20));
  EXPECT_EQ(acl_drops(kB), 1u) << "counted on the filtered port";
  EXPECT_EQ(acl_drops(kA), 0u);
}

TEST_F(SecurityTest, PortRangesAndIcmpTypes) {
  apply({rule(kIn, true, kTcp, 8000, 8100), rule(kIn, true, 1, 8, 8)});
  resolve_hosts();
  EXPECT_TRUE(passes(kSolo, routed_to_b(kTcp, 1000, 8000), kB));
  EXPECT_TRUE(passes(kSolo, routed_to_b(kTcp, 1001, 8100), kB));
  EXPECT_FALSE(passes(kSolo, routed_to_b(kTcp, 1002, 7999), kB));
  EXPECT_FALSE(passes(kSolo, routed_to_b(kTcp, 1003, 8101), kB));
  EXPECT_FALSE(passes(kSolo, routed_to_b(kUdp, 1004, 8050), kB)) << "the range is for TCP";
  EXPECT_TRUE(passes(kSolo, build_icmp(pool_, kWanRouter, kMacD, kOutside, kHostB, 8, 7), kB)) << "echo request";
  EXPECT_FALSE(passes(kSolo, build_icmp(pool_, kWanRouter, kMacD, kOutside, kHostB, 13, 7), kB)) << "timestamp";
  EXPECT_EQ(acl_drops(kB), 4u);
  EXPECT_EQ(default_denied(), 4u);
}

TEST_F(SecurityTest, NoRuleMatchesRoutedIngressIsDeniedBridgedIsAllowed) {
  apply({});
  resolve_hosts();
  EXPECT_TRUE(passes(kA, bridged_to_b(kUdp, 5000, 5001), kB)) << "within the network";
  EXPECT_FALSE(passes(kSolo, routed_to_b(kUdp, 5000, 5001), kB)) << "from another network";
  EXPECT_TRUE(passes(kB, from_b_out(kUdp, 6000, 53), kSolo)) << "egress is allowed";
  EXPECT_EQ(default_allowed(), 2u);
  EXPECT_EQ(default_denied(), 1u);
  EXPECT_EQ(acl_drops(kB), 1u);
  EXPECT_EQ(drops(kSolo, DropReason::acl), 0u);
}

TEST_F(SecurityTest, ReturnTrafficOfAnAllowedFlowPasses) {
  apply({});
  resolve_hosts();
  ASSERT_TRUE(passes(kB, from_b_out(kUdp, 6000, 53), kSolo));
  EXPECT_TRUE(passes(kSolo, routed_to_b(kUdp, 53, 6000), kB)) << "the reply";
  EXPECT_FALSE(passes(kSolo, routed_to_b(kUdp, 53, 6001), kB)) << "not the flow";
  EXPECT_FALSE(passes(kSolo, routed_to_b(kUdp, 54, 6000), kB)) << "not the flow";
  // TCP: b connects out, the SYN-ACK and the rest of the connection come back.
  ASSERT_TRUE(passes(kB, from_b_out(kTcp, 7000, 443), kSolo));
  EXPECT_TRUE(passes(kSolo, routed_to_b(kTcp, 443, 7000, kSyn | kAck), kB));
  EXPECT_TRUE(passes(kSolo, routed_to_b(kTcp, 443, 7000, kAck), kB));
  // Ping out, the reply comes back (ICMP echo by identifier).
  ASSERT_TRUE(passes(kB, build_icmp(pool_, kLanRouter, kMacB, kHostB, kOutside, 8, 99), kSolo));
  EXPECT_TRUE(passes(kSolo, build_icmp(pool_, kWanRouter, kMacD, kOutside, kHostB, 0, 99), kB));
  EXPECT_FALSE(passes(kSolo, build_icmp(pool_, kWanRouter, kMacD, kOutside, kHostB, 0, 98), kB));
  EXPECT_EQ(acl_drops(kB), 3u);
  EXPECT_EQ(conntrack_->size(), 3u);
}

TEST_F(SecurityTest, EgressRulesDropAtTheFilteredPortButArpAndDhcpPass) {
  apply({rule(kOut, true, kUdp, 53, 53), rule(kOut, false, 0)});
  resolve_hosts();
  EXPECT_TRUE(passes(kB, from_b_out(kUdp, 6000, 53), kSolo));
  EXPECT_FALSE(passes(kB, from_b_out(kTcp, 6000, 80), kSolo));
  EXPECT_EQ(acl_drops(kB), 1u) << "counted where it came from";
  // ARP and a DHCP discover are not judged.
  EXPECT_TRUE(passes(kB, arp_reply(kMacA, kMacB, kHostB, kHostA), kA));
  EXPECT_TRUE(passes(kB, build_transport(pool_, kBcast, kMacB, 0, 0xffffffff, kUdp, 68, 67), kA));
  EXPECT_EQ(rule_packets(0, 0), 1u);
  EXPECT_EQ(rule_packets(0, 1), 1u);
}

TEST_F(SecurityTest, ARuleChangeJudgesRememberedFlowsAgain) {
  apply({rule(kIn, true, kTcp, 8080, 8080)});
  resolve_hosts();
  ASSERT_TRUE(passes(kSolo, routed_to_b(kTcp, 40000, 8080), kB));
  ASSERT_TRUE(passes(kB, from_b_out(kTcp, 8080, 40000, kSyn | kAck), kSolo)) << "the reply";
  EXPECT_TRUE(passes(kSolo, routed_to_b(kTcp, 40000, 8080, kAck), kB));
  EXPECT_EQ(rule_packets(0, 0), 1u) << "remembered: the rules are not asked again";

  // New rules that still allow it: the next packet is judged once more, and passes. (Every apply
  // here starts new FDB and neighbor tables: the hosts are resolved again; the connection table
  // stays.)
  apply({rule(kIn, true, kTcp, 8000, 8090)});
  resolve_hosts();
  EXPECT_TRUE(passes(kB, from_b_out(kTcp, 8080, 40000, kAck), kSolo)) << "a reply judged as its original";
  EXPECT_EQ(rule_packets(0, 0), 1u);
  EXPECT_TRUE(passes(kSolo, routed_to_b(kTcp, 40000, 8080, kAck), kB));
  EXPECT_EQ(rule_packets(0, 0), 1u) << "judged once per change";

  // Rules that refuse it: the flow is cut in both directions.
  apply({rule(kIn, true, kTcp, 9000, 9000)});
  resolve_hosts();
  EXPECT_FALSE(passes(kB, from_b_out(kTcp, 8080, 40000, kAck), kSolo));
  EXPECT_FALSE(passes(kSolo, routed_to_b(kTcp, 40000, 8080, kAck), kB));
  EXPECT_EQ(conntrack_->size(), 0u) << "forgotten";
}

TEST_F(SecurityTest, AFullConnectionTableStillJudgesByTheRules) {
  conntrack_.reset();
  conntrack_capacity_ = 16;
  apply({rule(kIn, true, kUdp, 5000, 5000)});
  resolve_hosts();
  for (uint16_t i = 0; i < 20; ++i) ASSERT_TRUE(passes(kSolo, routed_to_b(kUdp, 1000 + i, 5000), kB)) << i;
  EXPECT_EQ(conntrack_->size(), 16u);
  EXPECT_EQ(counters_->conntrack_full.load(), 4u);
  EXPECT_FALSE(passes(kSolo, routed_to_b(kUdp, 999, 5001), kB));
  // The reply of a flow the table could not hold meets b's egress rules: none, so allowed.
  EXPECT_TRUE(passes(kB, from_b_out(kUdp, 5000, 1019), kSolo));
}

TEST_F(SecurityTest, FloodedFramesAreJudgedPerFilteredMember) {
  apply({rule(kIn, false, kUdp, 9, 9)});
  // Unknown destination MAC: flooded within "lan", where b is the only other member.
  run(kA, {build_transport(pool_, kUnknown, kMacA, kHostA, kHostB, kUdp, 1, 9)});
  EXPECT_EQ(queued(kB), 0);
  EXPECT_EQ(acl_drops(kB), 1u);
  drain_tx();
  run(kA, {build_transport(pool_, kUnknown, kMacA, kHostA, kHostB, kUdp, 1, 10)});
  EXPECT_EQ(queued(kB), 1);
}

}  // namespace
}  // namespace edgegw::dataplane::test
