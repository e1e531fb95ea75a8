// The VLAN-aware switch on synthetic mbufs: parse and truncation, (port, tags) -> membership and
// unknown_vlan, strip on ingress and push on egress (exact bytes), QinQ both ways, isolation between
// networks sharing a trunk, static MACs, fdb_full, mac_limit, ageing, MTU with tags, hairpin, flood
// copies. Every test ends with the pool full again (SwitchFixture::TearDown).
#include "pipeline_fixture.hpp"

namespace edgegw::dataplane {
namespace {

using namespace test;  // NOLINT: the fixture's frames and MACs

using VlanPipelineTest = SwitchFixture;
using Bytes = std::vector<uint8_t>;

// The bytes a frame built by build_frame() has on a wire with `tags`.
Bytes wire(const MacBytes& dst, const MacBytes& src, std::initializer_list<WireTag> tags, uint16_t payload = 46) {
  Bytes b(dst.begin(), dst.end());
  b.insert(b.end(), src.begin(), src.end());
  for (const WireTag& t : tags) {
    b.insert(b.end(), {static_cast<uint8_t>(t.tpid >> 8), static_cast<uint8_t>(t.tpid), static_cast<uint8_t>(t.tci >> 8),
                       static_cast<uint8_t>(t.tci)});
  }
  b.insert(b.end(), {0x88, 0xb5});
  for (uint16_t i = 0; i < payload; ++i) b.push_back(static_cast<uint8_t>(i));
  return b;
}

constexpr WireTag kC10{kTpidCtag, 10};
constexpr WireTag kC20{kTpidCtag, 20};
constexpr WireTag kS100{kTpidStag, 100};

TEST_F(VlanPipelineTest, TruncatedHeadersAreMalformed) {
  rte_mbuf* half_tag = raw(kBcast, kMacC, 16, true);       // 0x8100 and half its TCI
  rte_mbuf* outer_only = raw(kBcast, kMacC, 18);           // S-tag, then the inner TPID and nothing more
  rte_mbuf* half_inner = raw(kBcast, kMacC, 20);           // S-tag, C-tag TPID, half the inner TCI
  for (rte_mbuf* m : {outer_only, half_inner}) {
    auto* p = rte_pktmbuf_mtod(m, uint8_t*);
    p[12] = 0x88, p[13] = 0xa8, p[14] = 0, p[15] = 100, p[16] = 0x81, p[17] = 0x00;
    if (m->data_len >= 20) p[18] = 0;
  }
  run(kQinq, {raw(kBcast, kMacC, 13), half_tag, outer_only, half_inner});
  EXPECT_EQ(drops(kQinq, DropReason::malformed), 4u);
  EXPECT_EQ(cells(kQinq).rx_packets.load(), 4u);
  EXPECT_EQ(cells(kQinq).rx_bytes.load(), 13u + 16 + 18 + 20);
  EXPECT_EQ(tx_->dirty_count, 0);
}

TEST_F(VlanPipelineTest, TagsThatMatchNoMembershipAreUnknownVlan) {
  run(kTrunk, {frame(kBcast, kMacC)});                                  // untagged on a trunk without PVID
  run(kTrunk, {frame(kBcast, kMacC, {{kTpidCtag, 30}})});               // a VLAN the trunk does not carry
  run(kTrunk, {frame(kBcast, kMacC, {{kTpidCtag, 4095}})});             // reserved VID
  run(kTrunk, {frame(kBcast, kMacC, {{kTpidStag, 10}})});               // a lone S-tag is not a C-tag
  run(kTrunk, {frame(kBcast, kMacC, {kC10, {kTpidCtag, 5}})});          // more tags than the membership
  run(kA, {frame(kBcast, kMacC, {kC10})});                              // tagged on an access port
  run(kQinq, {frame(kBcast, kMacC, {kC10})});                           // C-tag only on a QinQ member
  run(kQinq, {frame(kBcast, kMacC, {kS100, kC10, {kTpidCtag, 7}})});    // a third tag
  run(kQinq, {frame(kBcast, kMacC, {{kTpidStag, 0}, kC10})});           // outer VID 0
  EXPECT_EQ(drops(kTrunk, DropReason::unknown_vlan), 5u);
  EXPECT_EQ(drops(kA, DropReason::unknown_vlan), 1u);
  EXPECT_EQ(drops(kQinq, DropReason::unknown_vlan), 3u);
  EXPECT_EQ(tx_->dirty_count, 0) << "nothing left the switch";
  EXPECT_EQ(fdbs_[kLan]->size() + fdbs_[kV20]->size(), 0u) << "nothing was learned from dropped frames";
}

TEST_F(VlanPipelineTest, TrunkFrameIsStrippedForAccessPortsAndRetaggedForQinq) {
  run(kTrunk, {frame(kBcast, kMacC, {{kTpidCtag, 0xa00a}})});  // PCP 5, VID 10
  const Bytes untagged = wire(kBcast, kMacC, {});
  ASSERT_EQ(queued(kA), 1);
  EXPECT_EQ(sent_bytes(kA, 0), untagged);
  ASSERT_EQ(queued(kB), 1);
  EXPECT_EQ(sent_bytes(kB, 0), untagged);
  ASSERT_EQ(queued(kQinq), 1);
  EXPECT_EQ(sent_bytes(kQinq, 0), wire(kBcast, kMacC, {kS100, {kTpidCtag, 0xa00a}})) << "inner PCP carried";
  EXPECT_EQ(queued(kTrunk), 0);
  EXPECT_EQ(queued(kAccess20), 0) << "VLAN 10 never reaches VLAN 20";
  EXPECT_EQ(cells(kTrunk).rx_bytes.load(), 64u) << "rx bytes as on the wire";
  EXPECT_EQ(tx_->queues[kA].bytes, 60u) << "tx bytes as sent";
  EXPECT_EQ(tx_->queues[kQinq].bytes, 68u);
}

TEST_F(VlanPipelineTest, QinqFrameIsStrippedAndRetaggedForTheTrunk) {
  run(kQinq, {frame(kBcast, kMacD, {kS100, kC20})});
  ASSERT_EQ(queued(kAccess20), 1);
  EXPECT_EQ(sent_bytes(kAccess20, 0), wire(kBcast, kMacD, {}));
  ASSERT_EQ(queued(kTrunk), 1);
  EXPECT_EQ(sent_bytes(kTrunk, 0), wire(kBcast, kMacD, {kC20}));
  for (uint16_t p : {kA, kB, kSmall, kSolo, kLoner, kQinq}) EXPECT_EQ(queued(p), 0) << p;
  EXPECT_EQ(cells(kQinq).rx_bytes.load(), 68u);
}

TEST_F(VlanPipelineTest, AccessFrameGetsEachTaggedMembersOwnTagsInItsOwnBuffer) {
  rte_mbuf* m = frame(kBcast, kMacA);
  run(kA, {m});
  ASSERT_EQ(queued(kB), 1);
  ASSERT_EQ(queued(kSmall), 1);
  ASSERT_EQ(queued(kTrunk), 1);
  ASSERT_EQ(queued(kQinq), 1);
  EXPECT_EQ(queued_at(kB, 0), m);
  EXPECT_EQ(queued_at(kSmall, 0), m);
  EXPECT_EQ(rte_mbuf_refcnt_read(m), 2) << "untagged members share the frame";
  EXPECT_NE(queued_at(kTrunk, 0), m);
  EXPECT_NE(queued_at(kQinq, 0), m);
  EXPECT_NE(queued_at(kTrunk, 0), queued_at(kQinq, 0));
  EXPECT_EQ(sent_bytes(kB, 0), wire(kBcast, kMacA, {})) << "the shared frame was not modified";
  EXPECT_EQ(sent_bytes(kTrunk, 0), wire(kBcast, kMacA, {kC10}));
  EXPECT_EQ(sent_bytes(kQinq, 0), wire(kBcast, kMacA, {kS100, kC10}));
}

TEST_F(VlanPipelineTest, FloodToTaggedMembersOnlyUsesTheOriginalForOne) {
  run(kAccess20, {frame(kBcast, kMacD)});
  ASSERT_EQ(queued(kTrunk), 1);
  ASSERT_EQ(queued(kQinq), 1);
  EXPECT_NE(queued_at(kTrunk, 0), queued_at(kQinq, 0));
  EXPECT_EQ(sent_bytes(kTrunk, 0), wire(kBcast, kMacD, {kC20}));
  EXPECT_EQ(sent_bytes(kQinq, 0), wire(kBcast, kMacD, {kS100, kC20}));
}

TEST_F(VlanPipelineTest, FramesCraftedWithAnotherNetworksVlanStayOut) {
  // A host on the VLAN 20 access port tags its frame with VLAN 10 to reach "lan": refused.
  run(kAccess20, {frame(kBcast, kMacD, {kC10}), frame(kBcast, kMacD, {kS100, kC10})});
  EXPECT_EQ(drops(kAccess20, DropReason::unknown_vlan), 2u);
  // On the trunk, VLAN 20 goes to v20's members only, whatever it carries inside.
  run(kTrunk, {frame(kBcast, kMacD, {kC20})});
  for (uint16_t p : {kA, kB, kSmall}) EXPECT_EQ(queued(p), 0) << p;
  EXPECT_EQ(queued(kAccess20), 1);
  EXPECT_EQ(queued(kQinq), 1);
  EXPECT_EQ(sent_bytes(kQinq, 0), wire(kBcast, kMacD, {kS100, kC20}));
}

TEST_F(VlanPipelineTest, LearnedUnicastIsTaggedForItsMemberAndFdbsArePerNetwork) {
  run(kTrunk, {frame(kBcast, kMacC, {kC10})});
  drain_tx();
  run(kA, {frame(kMacC, kMacA)});
  ASSERT_EQ(queued(kTrunk), 1);
  EXPECT_EQ(sent_bytes(kTrunk, 0), wire(kMacC, kMacA, {kC10}));
  for (uint16_t p : {kB, kSmall, kQinq, kAccess20}) EXPECT_EQ(queued(p), 0) << p;
  drain_tx();
  // kMacC is unknown in v20: flooded there, with v20's tags.
  run(kAccess20, {frame(kMacC, kMacD)});
  ASSERT_EQ(queued(kTrunk), 1);
  EXPECT_EQ(sent_bytes(kTrunk, 0), wire(kMacC, kMacD, {kC20}));
  EXPECT_EQ(queued(kQinq), 1);
  EXPECT_EQ(queued(kA), 0);
}

TEST_F(VlanPipelineTest, HairpinIsPerMembership) {
  run(kTrunk, {frame(kBcast, kMacC, {kC10})});
  drain_tx();
  run(kTrunk, {frame(kMacC, kMacD, {kC10})});
  EXPECT_EQ(drops(kTrunk, DropReason::hairpin), 1u);
  EXPECT_EQ(tx_->dirty_count, 0);
  // The same destination on the trunk's other VLAN is another network: not a hairpin.
  run(kTrunk, {frame(kMacC, kMacD, {kC20})});
  EXPECT_EQ(drops(kTrunk, DropReason::hairpin), 1u);
  EXPECT_EQ(queued(kAccess20), 1);
}

TEST_F(VlanPipelineTest, StaticMacWinsOverLearningAndNeverAges) {
  std::vector<BridgeSpec> bridges = default_bridges();
  bridges[kLan].static_macs = {{kMacD, "b"}};
  bridges[kV20].static_macs = {{kMacD, "trunk"}};
  build(bridges);
  run(kA, {frame(kBcast, kMacD)});  // kMacD shows up behind a: not learned, not moved
  EXPECT_EQ(fdbs_[kLan]->size(), 0u);
  EXPECT_EQ(macs_learned(kA), 0u);
  drain_tx();
  const uint64_t much_later = 10 + 50 * kAging;
  age_fdbs(snap_, much_later, 1024);
  run(kSmall, {frame(kMacD, kMacA)}, much_later);
  ASSERT_EQ(queued(kB), 1);
  for (uint16_t p : {kA, kTrunk, kQinq}) EXPECT_EQ(queued(p), 0) << p;
  drain_tx();
  run(kAccess20, {frame(kMacD, kMacA)}, much_later);
  ASSERT_EQ(queued(kTrunk), 1);
  EXPECT_EQ(sent_bytes(kTrunk, 0), wire(kMacD, kMacA, {kC20}));
  EXPECT_EQ(queued(kQinq), 0);
  drain_tx();
  run(kB, {frame(kMacD, kMacA)}, much_later);
  EXPECT_EQ(drops(kB, DropReason::hairpin), 1u) << "static on the ingress member";
}

TEST_F(VlanPipelineTest, FullFdbIsCountedOnTheTrunkAndFramesStillGo) {
  build(default_bridges(), 1);
  run(kTrunk, {frame(kBcast, kMacC, {kC10}), frame(kBcast, kMacD, {kC10})});
  EXPECT_EQ(drops(kTrunk, DropReason::fdb_full), 1u);
  EXPECT_EQ(queued(kA), 2);
  EXPECT_EQ(macs_learned(kTrunk), 1u);
}

TEST_F(VlanPipelineTest, MacLimitCountsAcrossNetworksAndFramesStillGo) {
  mac_limit_[kTrunk] = 2;
  build(default_bridges());
  run(kTrunk, {frame(kBcast, kMacA, {kC10}), frame(kBcast, kMacB, {kC20})}, 10);
  EXPECT_EQ(macs_learned(kTrunk), 2u);
  run(kTrunk, {frame(kBcast, kMacC, {kC10}), frame(kBcast, kMacD, {kC20})}, 20);
  EXPECT_EQ(drops(kTrunk, DropReason::mac_limit), 2u);
  EXPECT_EQ(queued(kA), 2) << "refused MACs are still forwarded";
  EXPECT_EQ(queued(kAccess20), 2);
  EXPECT_EQ(fdbs_[kLan]->size() + fdbs_[kV20]->size(), 2u);
  PortCounters sum;
  accumulate(cells(kTrunk), &sum);
  EXPECT_EQ(sum.drops_total(), 0u) << "mac_limit is not a lost packet";
  drain_tx();
  // A learned MAC that moves to another port frees its place.
  run(kB, {frame(kBcast, kMacA)}, 30);
  EXPECT_EQ(macs_learned(kTrunk), 1u);
  EXPECT_EQ(macs_learned(kB), 1u);
  run(kTrunk, {frame(kBcast, kMacC, {kC10})}, 40);
  EXPECT_EQ(macs_learned(kTrunk), 2u);
  EXPECT_EQ(drops(kTrunk, DropReason::mac_limit), 2u);
  drain_tx();
  // Ageing frees the rest.
  age_fdbs(snap_, 40 + kAging, 1024);
  EXPECT_EQ(macs_learned(kTrunk), 0u);
  EXPECT_EQ(macs_learned(kB), 0u);
  EXPECT_EQ(fdbs_[kLan]->size() + fdbs_[kV20]->size(), 0u);
  run(kTrunk, {frame(kBcast, kMacD, {kC20})}, 50 + kAging);
  EXPECT_EQ(macs_learned(kTrunk), 1u);
  EXPECT_EQ(drops(kTrunk, DropReason::mac_limit), 2u);
}

TEST_F(VlanPipelineTest, AgedTaggedEntriesFloodAgain) {
  run(kTrunk, {frame(kBcast, kMacC, {kC10})}, 10);
  drain_tx();
  age_fdbs(snap_, 10 + kAging - 1, 1024);
  run(kA, {frame(kMacC, kMacA)}, 10 + kAging - 1);
  EXPECT_EQ(queued(kB), 0) << "still known";
  age_fdbs(snap_, 10 + kAging, 1024);
  EXPECT_EQ(fdbs_[kLan]->size(), 1u) << "kMacA, learned later, is still live";
  run(kA, {frame(kMacC, kMacA)}, 10 + kAging);
  EXPECT_EQ(queued(kB), 1) << "aged: flooded";
  EXPECT_EQ(queued(kTrunk), 2);
}

TEST_F(VlanPipelineTest, EgressTagsRideOnTopOfTheMtu) {
  std::vector<BridgeSpec> bridges = default_bridges();
  bridges[kLan].members = {{"a"}, {"small", 30}};  // small: MTU 1000, tagged
  build(bridges);
  run(kA, {frame(kBcast, kMacA, {}, 1000)});  // 1014 bytes: fits, 1018 on small's wire
  ASSERT_EQ(queued(kSmall), 1);
  EXPECT_EQ(queued_at(kSmall, 0)->pkt_len, 1018u);
  run(kA, {frame(kBcast, kMacA, {}, 1001)});
  EXPECT_EQ(queued(kSmall), 1);
  EXPECT_EQ(drops(kSmall, DropReason::mtu), 1u) << "counted on the egress port";
  EXPECT_EQ(drops(kA, DropReason::mtu), 0u);
  drain_tx();
  // Learned unicast towards the tagged member: the same limit.
  run(kSmall, {frame(kBcast, kMacC, {{kTpidCtag, 30}})});
  drain_tx();
  run(kA, {frame(kMacC, kMacA, {}, 1001), frame(kMacC, kMacA, {}, 1000)});
  EXPECT_EQ(drops(kSmall, DropReason::mtu), 2u);
  ASSERT_EQ(queued(kSmall), 1);
  EXPECT_EQ(bytes_of(queued_at(kSmall, 0)), wire(kMacC, kMacA, {{kTpidCtag, 30}}, 1000));
}

TEST_F(VlanPipelineTest, PriorityTaggedFramesBelongToTheUntaggedMembership) {
  run(kA, {frame(kBcast, kMacA, {{kTpidCtag, 0xe000}})});  // PCP 7, VID 0
  ASSERT_EQ(queued(kB), 1);
  EXPECT_EQ(sent_bytes(kB, 0), wire(kBcast, kMacA, {}));
  ASSERT_EQ(queued(kTrunk), 1);
  EXPECT_EQ(sent_bytes(kTrunk, 0), wire(kBcast, kMacA, {{kTpidCtag, 0xe00a}})) << "PCP carried";
}

TEST_F(VlanPipelineTest, FloodCopyWithoutBuffersIsCountedAsNoMbuf) {
  // A pool of one buffer: the frame takes it, so no tagged member can get a copy.
  static rte_mempool* tiny = rte_pktmbuf_pool_create("egw_tiny_pool", 1, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  ASSERT_NE(tiny, nullptr);
  rte_mbuf* m = build_frame(tiny, kBcast, kMacA, {});
  ASSERT_NE(m, nullptr);
  run(kA, {m});
  EXPECT_EQ(drops(kA, DropReason::no_mbuf), 2u) << "trunk and qinq";
  EXPECT_EQ(queued(kB), 1);
  EXPECT_EQ(queued(kSmall), 1);
  EXPECT_EQ(queued(kTrunk), 0);
  drain_tx();
  EXPECT_EQ(rte_mempool_avail_count(tiny), 1u);
}

}  // namespace
}  // namespace edgegw::dataplane
