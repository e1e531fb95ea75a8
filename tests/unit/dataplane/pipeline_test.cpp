// The packet stages on real mbufs, untagged: every verdict, with its counter, and no buffer leaked.
// VLAN and QinQ are in vlan_pipeline_test.cpp; the fixture is in pipeline_fixture.hpp.
#include "pipeline_fixture.hpp"

namespace edgegw::dataplane {
namespace {

using namespace test;  // NOLINT: the fixture's frames and MACs

using PipelineTest = SwitchFixture;

TEST_F(PipelineTest, RuntsAreDroppedAsMalformedAndCounted) {
  run(kA, {raw(kBcast, kMacA, 10), raw(kBcast, kMacA, 16, true), raw(kBcast, kMacA, 60)});
  EXPECT_EQ(drops(kA, DropReason::malformed), 2u);
  EXPECT_EQ(cells(kA).rx_packets.load(), 3u);
  EXPECT_EQ(cells(kA).rx_bytes.load(), 86u);
  EXPECT_EQ(queued(kB), 1);
}

TEST_F(PipelineTest, PortInNoNetworkDropsEverything) {
  run(kLoner, {frame(kBcast, kMacA), frame(kMacB, kMacA)});
  EXPECT_EQ(drops(kLoner, DropReason::no_network), 2u);
  EXPECT_EQ(tx_->dirty_count, 0);
}

TEST_F(PipelineTest, UnknownUnicastFloodsToTheOtherMembersSharingOneBuffer) {
  rte_mbuf* m = frame(kUnknown, kMacA);
  run(kA, {m});
  ASSERT_EQ(queued(kB), 1);
  ASSERT_EQ(queued(kSmall), 1);
  EXPECT_EQ(queued(kA), 0);
  EXPECT_EQ(queued(kLoner), 0);
  EXPECT_EQ(queued(kSolo), 0) << "never into another network";
  EXPECT_EQ(queued_at(kB, 0), m);
  EXPECT_EQ(queued_at(kSmall, 0), m);
  EXPECT_EQ(rte_mbuf_refcnt_read(m), 2);
}

TEST_F(PipelineTest, BroadcastAndMulticastFlood) {
  run(kA, {frame(kBcast, kMacA), frame(kMcast, kMacA)});
  EXPECT_EQ(queued(kB), 2);
  EXPECT_EQ(queued(kSmall), 2);
}

TEST_F(PipelineTest, LearnedUnicastGoesOnlyToItsPort) {
  run(kB, {frame(kBcast, kMacB)});  // learns B on kB; the broadcast goes to kA and kSmall
  ASSERT_EQ(queued(kB), 0);
  const uint16_t small_before = queued(kSmall);
  run(kA, {frame(kMacB, kMacA)});
  EXPECT_EQ(queued(kB), 1);
  EXPECT_EQ(queued(kSmall), small_before) << "learned unicast is not flooded";
  // And the reverse direction, A now being known too.
  TxBuffers::Queue& qa = tx_->queues[kA];
  uint16_t a_before = qa.count;
  run(kB, {frame(kMacA, kMacB)});
  EXPECT_EQ(qa.count, a_before + 1);
  EXPECT_EQ(queued(kSmall), small_before);
}

TEST_F(PipelineTest, DestinationOnTheIngressPortIsAHairpinDrop) {
  run(kB, {frame(kBcast, kMacB)});
  run(kB, {frame(kMacB, kMacC)});
  EXPECT_EQ(drops(kB, DropReason::hairpin), 1u);
}

// The bridge remembers the last source and destination within a burst; these bursts change the
// FDB midway, and every frame must still see the table as it is when the frame is handled.
TEST_F(PipelineTest, ALearnMidBurstChangesWhereTheRestOfTheBurstGoes) {
  const uint16_t small_before = queued(kSmall);
  // C unknown: flooded; then C speaks on kA; then a frame to C on kA is a hairpin, not a flood.
  run(kA, {frame(kMacC, kMacA), frame(kBcast, kMacC), frame(kMacC, kMacA)});
  EXPECT_EQ(queued(kSmall), small_before + 2) << "first frame to C and the broadcast flood; the last does not";
  EXPECT_EQ(drops(kA, DropReason::hairpin), 1u);
}

TEST_F(PipelineTest, RepeatedFramesInABurstAreAllForwardedAndCounted) {
  run(kB, {frame(kBcast, kMacB)});
  run(kA, {frame(kMacB, kMacA), frame(kMacB, kMacA), frame(kMacB, kMacA), frame(kMacB, kMacA)});
  EXPECT_EQ(queued(kB), 4);
  EXPECT_EQ(fdbs_[kLan]->size(), 2u);
  EXPECT_EQ(macs_learned(kA), 1u);
}

TEST_F(PipelineTest, EveryRefusedLearnInABurstIsCounted) {
  build(default_bridges(), 1);
  run(kB, {frame(kBcast, kMacB)});  // fills the one-entry FDB
  run(kA, {frame(kBcast, kMacA), frame(kBcast, kMacA), frame(kBcast, kMacA)});
  EXPECT_EQ(drops(kA, DropReason::fdb_full), 3u);
  EXPECT_EQ(queued(kB), 3);
}

TEST_F(PipelineTest, AMacMovingMidBurstIsFollowed) {
  // B learned on kB; the same burst on kA first sends to B (goes to kB), then B appears on kA
  // (moved), then a frame to B is a hairpin on kA.
  run(kB, {frame(kBcast, kMacB)});
  run(kA, {frame(kMacB, kMacA), frame(kBcast, kMacB), frame(kMacB, kMacA)});
  EXPECT_EQ(queued(kB), 2) << "the first frame and the broadcast";
  EXPECT_EQ(drops(kA, DropReason::hairpin), 1u);
}

TEST_F(PipelineTest, SourceMulticastIsNotLearned) {
  run(kB, {frame(kBcast, kMcast)});
  EXPECT_EQ(fdbs_[kLan]->size(), 0u);
}

TEST_F(PipelineTest, FramesAboveTheEgressMtuAreDroppedThereOnly) {
  run(kA, {raw(kBcast, kMacA, 1014)});  // 1000 + 14: fits kSmall
  EXPECT_EQ(queued(kSmall), 1);
  run(kA, {raw(kBcast, kMacA, 1015)});
  EXPECT_EQ(queued(kSmall), 1);
  EXPECT_EQ(queued(kB), 2);
  EXPECT_EQ(drops(kSmall, DropReason::mtu), 1u) << "counted on the egress port";
  EXPECT_EQ(drops(kA, DropReason::mtu), 0u);
}

TEST_F(PipelineTest, LearnedUnicastAboveTheMtuIsDroppedAndCounted) {
  run(kSmall, {frame(kBcast, kMacC)});
  const uint16_t b_before = queued(kB);
  run(kA, {raw(kMacC, kMacA, 1200)});
  EXPECT_EQ(drops(kSmall, DropReason::mtu), 1u);
  EXPECT_EQ(queued(kB), b_before) << "a learned destination is not flooded when it is too big";
}

TEST_F(PipelineTest, EntriesOfARecreatedPortAreIgnored) {
  run(kB, {frame(kBcast, kMacB)});
  snap_.by_port_id[snap_.ports[kB].port_id].incarnation += 1;  // kB was re-created
  snap_.ports[kB].incarnation += 1;
  const uint16_t small_before = queued(kSmall);
  run(kA, {frame(kMacB, kMacA)});
  EXPECT_EQ(queued(kSmall), small_before + 1) << "stale entry: flooded";
}

TEST_F(PipelineTest, AgedEntriesAreIgnored) {
  run(kB, {frame(kBcast, kMacB)}, 10);
  const uint16_t small_before = queued(kSmall);
  run(kA, {frame(kMacB, kMacA)}, 10 + kAging - 1);
  EXPECT_EQ(queued(kSmall), small_before);
  run(kA, {frame(kMacB, kMacA)}, 10 + kAging + kAging);
  EXPECT_EQ(queued(kSmall), small_before + 1);
}

TEST_F(PipelineTest, FullFdbIsCountedAndTheFrameStillForwarded) {
  build(default_bridges(), 1);
  run(kA, {frame(kBcast, kMacA), frame(kBcast, kMacC)});
  EXPECT_EQ(drops(kA, DropReason::fdb_full), 1u);
  EXPECT_EQ(queued(kB), 2);
  PortCounters sum;
  accumulate(cells(kA), &sum);
  EXPECT_EQ(sum.drops_total(), 0u) << "fdb_full is not a lost packet";
}

TEST_F(PipelineTest, FloodWithNoOtherPortIsCounted) {
  run(kSolo, {frame(kBcast, kMacA)});
  EXPECT_EQ(drops(kSolo, DropReason::no_egress), 1u);
}

TEST_F(PipelineTest, TxRefusalIsFreedAndCounted) {
  // Port ids 24.. have no device: tx_burst refuses everything, as a full queue would.
  run(kA, {frame(kBcast, kMacA), raw(kBcast, kMacA, 100)});
  ::testing::internal::CaptureStderr();
  ShapedTx shaped(*counters_, *tx_);
  TxStage(*counters_, *tx_, shaped).process(snap_, 0);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("tx_pkt_burst for not ready port 25"), std::string::npos) << log;
  EXPECT_EQ(tx_->dirty_count, 0);
  EXPECT_EQ(queued(kB), 0);
  EXPECT_EQ(drops(kB, DropReason::tx_full), 2u);
  EXPECT_EQ(drops(kSmall, DropReason::tx_full), 2u);
  EXPECT_EQ(cells(kB).tx_packets.load(), 0u);
  EXPECT_EQ(cells(kB).tx_bytes.load(), 0u);
}

}  // namespace
}  // namespace edgegw::dataplane
