// The packet stages on real mbufs: every verdict, with its counter, and no buffer leaked (the pool
// must be full again after each test). Port ids 24..29 have no device; the stages never need one
// except TxStage, whose refusal path they exercise.
#include "pipeline.hpp"

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "shared_dataplane.hpp"

namespace edgegw::dataplane {
namespace {

using test::running_as_root;
using test::shared_dataplane;

constexpr uint64_t kAging = 1000;
using MacBytes = std::array<uint8_t, 6>;
const MacBytes kMacA = {0x02, 0, 0, 0, 0, 0x0a};
const MacBytes kMacB = {0x02, 0, 0, 0, 0, 0x0b};
const MacBytes kMacC = {0x02, 0, 0, 0, 0, 0x0c};
const MacBytes kUnknown = {0x02, 0, 0, 0, 0, 0xee};
const MacBytes kBcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const MacBytes kMcast = {0x01, 0x00, 0x5e, 0, 0, 1};

rte_mempool* test_pool() {
  // Cache 0: the available count is exact, which is what the leak check compares.
  static rte_mempool* pool = rte_pktmbuf_pool_create("egw_test_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  return pool;
}

class PipelineTest : public ::testing::Test {
 protected:
  // Snapshot indices: 0,1,2 in network 0 (index 2 has MTU 1000), 3 in no network, 4 alone in network 1.
  enum : uint16_t { kA = 0, kB = 1, kSmall = 2, kLoner = 3, kSolo = 4 };

  void SetUp() override {
    if (!running_as_root()) GTEST_SKIP() << "needs root (EAL)";
    ASSERT_NE(shared_dataplane(), nullptr) << test::start_error();
    pool_ = test_pool();
    ASSERT_NE(pool_, nullptr);
    available_before_ = rte_mempool_avail_count(pool_);
    counters_ = std::make_unique<WorkerCounters>();
    tx_ = std::make_unique<TxBuffers>();
    fdb0_ = std::make_unique<FdbTable>(16);
    fdb1_ = std::make_unique<FdbTable>(16);

    const uint16_t network_of[] = {0, 0, 0, kNoIndex, 1};
    const uint32_t mtu_of[] = {1500, 1500, 1000, 1500, 1500};
    snap_.networks.resize(2);
    snap_.networks[0].fdb = fdb0_.get();
    snap_.networks[1].fdb = fdb1_.get();
    for (SnapshotNetwork& n : snap_.networks) n.aging_ticks = kAging;
    for (uint16_t i = 0; i < 5; ++i) {
      SnapshotPort p{static_cast<uint16_t>(24 + i), network_of[i], 100u + i, mtu_of[i] + kEthHeaderLen};
      snap_.ports.push_back(p);
      snap_.by_port_id[p.port_id] = PortIdEntry{i, p.network, p.incarnation};
      if (p.network != kNoIndex) {
        SnapshotNetwork& n = snap_.networks[p.network];
        n.members[n.member_count++] = i;
      }
    }
  }

  void TearDown() override {
    if (pool_ == nullptr) return;
    for (uint16_t d = 0; d < tx_->dirty_count; ++d) {
      TxBuffers::Queue& q = tx_->queues[tx_->dirty[d]];
      for (uint16_t k = 0; k < q.count; ++k) rte_pktmbuf_free(q.pkts[k]);
    }
    EXPECT_EQ(rte_mempool_avail_count(pool_), available_before_) << "mbufs leaked";
  }

  rte_mbuf* frame(const MacBytes& dst, const MacBytes& src, uint16_t size = 60, bool vlan = false) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    EXPECT_NE(m, nullptr);
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, size));
    std::memset(p, 0, size);
    if (size >= 12) {
      std::memcpy(p, dst.data(), 6);
      std::memcpy(p + 6, src.data(), 6);
    }
    if (size >= 14) {
      p[12] = vlan ? 0x81 : 0x88;
      p[13] = vlan ? 0x00 : 0xb5;
    }
    return m;
  }

  void run(uint16_t ingress, std::initializer_list<rte_mbuf*> pkts, uint64_t now = 10) {
    Burst b;
    b.ingress = ingress;
    for (rte_mbuf* m : pkts) b.pkts[b.count++] = m;
    L2ParseStage(*counters_).process(snap_, b, now);
    BridgeStage(*counters_, *tx_).process(snap_, b, now);
    EXPECT_EQ(b.count, 0) << "the bridge consumes the whole burst";
  }

  uint16_t queued(uint16_t egress) const { return tx_->queues[egress].count; }
  rte_mbuf* queued_at(uint16_t egress, uint16_t k) const { return tx_->queues[egress].pkts[k]; }
  uint64_t drops(uint16_t index, DropReason r) {
    return counters_->ports[snap_.ports[index].port_id].drop(r).load();
  }
  PortCounterCells& cells(uint16_t index) { return counters_->ports[snap_.ports[index].port_id]; }

  rte_mempool* pool_ = nullptr;
  unsigned available_before_ = 0;
  std::unique_ptr<WorkerCounters> counters_;
  std::unique_ptr<TxBuffers> tx_;
  std::unique_ptr<FdbTable> fdb0_, fdb1_;
  Snapshot snap_;
};

TEST_F(PipelineTest, RuntsAreDroppedAsMalformedAndCounted) {
  run(kA, {frame(kBcast, kMacA, 10), frame(kBcast, kMacA, 16, true), frame(kBcast, kMacA, 60)});
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

TEST_F(PipelineTest, SourceMulticastIsNotLearned) {
  run(kB, {frame(kBcast, kMcast)});
  EXPECT_EQ(fdb0_->size(), 0u);
}

TEST_F(PipelineTest, FramesAboveTheEgressMtuAreDroppedThereOnly) {
  run(kA, {frame(kBcast, kMacA, 1014)});  // 1000 + 14: fits kSmall
  EXPECT_EQ(queued(kSmall), 1);
  run(kA, {frame(kBcast, kMacA, 1015)});
  EXPECT_EQ(queued(kSmall), 1);
  EXPECT_EQ(queued(kB), 2);
  EXPECT_EQ(drops(kSmall, DropReason::mtu), 1u) << "counted on the egress port";
  EXPECT_EQ(drops(kA, DropReason::mtu), 0u);
}

TEST_F(PipelineTest, VlanTaggedFramesGetFourMoreBytes) {
  run(kA, {frame(kBcast, kMacA, 1018, true)});
  EXPECT_EQ(queued(kSmall), 1);
  run(kA, {frame(kBcast, kMacA, 1019, true)});
  EXPECT_EQ(queued(kSmall), 1);
  EXPECT_EQ(drops(kSmall, DropReason::mtu), 1u);
}

TEST_F(PipelineTest, LearnedUnicastAboveTheMtuIsDroppedAndCounted) {
  run(kSmall, {frame(kBcast, kMacC)});
  const uint16_t b_before = queued(kB);
  run(kA, {frame(kMacC, kMacA, 1200)});
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
  fdb0_ = std::make_unique<FdbTable>(1);
  snap_.networks[0].fdb = fdb0_.get();
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
  run(kA, {frame(kBcast, kMacA), frame(kBcast, kMacA, 100)});
  ::testing::internal::CaptureStderr();
  TxStage(*counters_, *tx_).process(snap_);
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
