// The connection table on its own (plain C++, no EAL): how packets relate to a remembered flow,
// zones, timeouts by protocol and TCP state, generations, a full table, and deletion keeping
// colliding entries reachable.
#include <gtest/gtest.h>

#include <vector>

#include "conntrack_table.hpp"

namespace edgegw::dataplane {
namespace {

constexpr auto kIn = SecurityDirection::ingress;
constexpr auto kOut = SecurityDirection::egress;
constexpr ConntrackTimes kTimes{60, 7200, 10, 60, 30, 70};

constexpr FlowTuple kTcp{6, 0x0a000001, 0xc0a80002, 40000, 80};  // client -> server
constexpr FlowTuple kTcpBack{6, 0xc0a80002, 0x0a000001, 80, 40000};

TEST(ConntrackTable, ReplyAndContinuationAreRecognisedOthersAreNot) {
  ConntrackTable t(64);
  ASSERT_TRUE(t.remember(3, kTcp, kIn, true, 7, 0x02, 0, kTimes));
  EXPECT_EQ(t.size(), 1u);
  FlowLookup same = t.observe(3, kTcp, kIn, 0x10, 1, kTimes);
  EXPECT_EQ(same.relation, FlowRelation::original);
  EXPECT_EQ(same.generation, 7u);
  EXPECT_TRUE(same.original_routed);
  EXPECT_EQ(t.observe(3, kTcpBack, kOut, 0x12, 1, kTimes).relation, FlowRelation::reply);
  // The same addresses the other way in the same direction (a hairpin), another zone, another port.
  EXPECT_EQ(t.observe(3, kTcpBack, kIn, 0x10, 1, kTimes).relation, FlowRelation::none);
  EXPECT_EQ(t.observe(4, kTcp, kIn, 0x10, 1, kTimes).relation, FlowRelation::none);
  FlowTuple other = kTcp;
  other.sport = 40001;
  EXPECT_EQ(t.observe(3, other, kIn, 0x10, 1, kTimes).relation, FlowRelation::none);
  EXPECT_TRUE(t.contains(3, kTcpBack, 1, kTimes));
}

TEST(ConntrackTable, TimeoutsFollowProtocolAndTcpState) {
  ConntrackTable t(64);
  ASSERT_TRUE(t.remember(1, kTcp, kIn, false, 1, 0x02, 0, kTimes));
  EXPECT_EQ(t.observe(1, kTcp, kIn, 0x02, 59, kTimes).relation, FlowRelation::original) << "opening: 60";
  EXPECT_EQ(t.observe(1, kTcpBack, kOut, 0x12, 119, kTimes).relation, FlowRelation::none) << "expired 60 after";
  ASSERT_TRUE(t.remember(1, kTcp, kIn, false, 1, 0x02, 200, kTimes));
  EXPECT_EQ(t.observe(1, kTcpBack, kOut, 0x12, 201, kTimes).relation, FlowRelation::reply);
  EXPECT_EQ(t.observe(1, kTcp, kIn, 0x10, 5000, kTimes).relation, FlowRelation::original) << "established: 7200";
  EXPECT_EQ(t.observe(1, kTcp, kIn, 0x11, 5001, kTimes).relation, FlowRelation::original) << "FIN";
  EXPECT_EQ(t.observe(1, kTcpBack, kOut, 0x10, 5012, kTimes).relation, FlowRelation::none) << "closing: 10";

  const FlowTuple udp{17, 1, 2, 5, 6};
  const FlowTuple icmp{1, 1, 2, 9, 9};
  const FlowTuple gre{47, 1, 2, 0, 0};
  for (const FlowTuple& f : {udp, icmp, gre}) ASSERT_TRUE(t.remember(1, f, kOut, false, 1, 0, 0, kTimes));
  EXPECT_TRUE(t.contains(1, udp, 59, kTimes));
  EXPECT_FALSE(t.contains(1, udp, 60, kTimes));
  EXPECT_TRUE(t.contains(1, icmp, 29, kTimes));
  EXPECT_FALSE(t.contains(1, icmp, 30, kTimes));
  EXPECT_TRUE(t.contains(1, gre, 69, kTimes));
  t.sweep(100000, kTimes, 1000);
  EXPECT_EQ(t.size(), 0u) << "the sweep removes expired entries";
}

TEST(ConntrackTable, RememberRestampsALiveFlowAndRestartsAnExpiredOne) {
  ConntrackTable t(64);
  ASSERT_TRUE(t.remember(1, kTcp, kIn, true, 1, 0x02, 0, kTimes));
  ASSERT_TRUE(t.remember(1, kTcpBack, kOut, false, 2, 0x10, 5, kTimes));
  const FlowLookup found = t.observe(1, kTcp, kIn, 0x10, 6, kTimes);
  EXPECT_EQ(found.relation, FlowRelation::original) << "the orientation stays the first packet's";
  EXPECT_EQ(found.generation, 2u);
  EXPECT_EQ(t.size(), 1u);
  ASSERT_TRUE(t.remember(1, kTcpBack, kOut, false, 3, 0x02, 1000, kTimes));
  EXPECT_EQ(t.observe(1, kTcpBack, kOut, 0x10, 1001, kTimes).relation, FlowRelation::original);
  EXPECT_EQ(t.size(), 1u);
  t.forget(1, kTcp);
  EXPECT_EQ(t.size(), 0u);
}

TEST(ConntrackTable, AFullTableRefusesNewFlowsButReusesExpiredSlots) {
  ConntrackTable t(16);
  for (uint16_t i = 0; i < 16; ++i) ASSERT_TRUE(t.remember(1, FlowTuple{17, 1, 2, i, 53}, kOut, false, 1, 0, 0, kTimes));
  EXPECT_FALSE(t.remember(1, FlowTuple{17, 1, 2, 100, 53}, kOut, false, 1, 0, 1, kTimes));
  EXPECT_EQ(t.size(), 16u);
  // Once they expired and were swept (two rounds: a backward shift may move an entry behind the
  // cursor), new flows fit again.
  t.sweep(100, kTimes, 64);
  t.sweep(100, kTimes, 64);
  EXPECT_EQ(t.size(), 0u);
  for (uint16_t i = 0; i < 16; ++i) {
    EXPECT_TRUE(t.remember(1, FlowTuple{17, 3, 4, i, 53}, kOut, false, 1, 0, 100, kTimes)) << i;
  }
}

TEST(ConntrackTable, DeletionKeepsEveryOtherEntryReachable) {
  ConntrackTable t(512);
  std::vector<FlowTuple> flows;
  for (uint16_t i = 0; i < 500; ++i) flows.push_back(FlowTuple{6, 0x0a000000u + i % 7, 0x0b000000u, i, 443});
  for (const FlowTuple& f : flows) ASSERT_TRUE(t.remember(2, f, kOut, false, 1, 0x02, 0, kTimes));
  for (size_t i = 0; i < flows.size(); i += 3) t.forget(2, flows[i]);
  for (size_t i = 0; i < flows.size(); ++i) {
    EXPECT_EQ(t.contains(2, flows[i], 1, kTimes), i % 3 != 0) << i;
  }
  EXPECT_EQ(t.size(), 500u - 167u);
}

}  // namespace
}  // namespace edgegw::dataplane
