// DHCP to the gateway's server leaves the fast path for the control plane: broadcast DISCOVERs and
// REQUESTs (not flooded on) and unicast renewals to the gateway go into the punt ring, stamped with
// their ingress membership and the snapshot generation; other UDP broadcasts, and DHCP on a
// network whose gateway serves none, stay bridged; a full ring drops and counts.
#include <gtest/gtest.h>
#include <rte_ring.h>

#include <cstring>

#include "edgegw/netproto/checksum.hpp"
#include "pipeline_fixture.hpp"

namespace edgegw::dataplane::test {
namespace {

using netproto::checksum;
using netproto::store_be16;
using netproto::store_be32;

const MacBytes kLanRouter = {0x02, 0xe9, 0, 0, 0, 0x50};
const MacBytes kLabRouter = {0x02, 0xe9, 0, 0, 0, 0x60};
constexpr uint32_t kLanGw = 0xc0a83201;  // 192.168.50.1, serves DHCP
constexpr uint32_t kLabGw = 0xc0a83c01;  // 192.168.60.1, does not

class DhcpPuntTest : public SwitchFixture {
 protected:
  void SetUp() override {
    SwitchFixture::SetUp();
    if (pool_ == nullptr) return;
    std::vector<BridgeSpec> b(2);
    b[0].name = "lan";
    b[0].members = {{"a"}, {"b"}};
    b[0].router = RouterInterfaceSpec{kLanGw, 24, kLanRouter, true};
    b[1].name = "lab";
    b[1].members = {{"solo"}, {"small"}};
    b[1].router = RouterInterfaceSpec{kLabGw, 24, kLabRouter, false};
    build(b);
    snap_.generation = 41;
    ring_ = rte_ring_create("egw_test_punt", 64, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(ring_, nullptr);
    snap_.punt = ring_;
  }
  void TearDown() override {
    if (ring_ != nullptr) {
      void* m = nullptr;
      while (rte_ring_dequeue(ring_, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
      rte_ring_free(ring_);
    }
    SwitchFixture::TearDown();
  }

  // A UDP datagram from a client (port 68) in an Ethernet frame: 300 bytes of BOOTP-sized payload.
  rte_mbuf* udp(const MacBytes& dst_mac, const MacBytes& src_mac, uint32_t src, uint32_t dst, uint16_t dport) {
    constexpr uint16_t kPayload = 300;
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    const uint16_t total = 20 + 8 + kPayload;
    auto* p = m != nullptr ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 14 + total)) : nullptr;
    if (p == nullptr) {
      ADD_FAILURE() << "no mbuf";
      return m;
    }
    std::memset(p, 0, 14u + total);
    std::memcpy(p, dst_mac.data(), 6);
    std::memcpy(p + 6, src_mac.data(), 6);
    store_be16(p + 12, 0x0800);
    uint8_t* ip = p + 14;
    ip[0] = 0x45;
    store_be16(ip + 2, total);
    ip[8] = 64;
    ip[9] = 17;
    store_be32(ip + 12, src);
    store_be32(ip + 16, dst);
    store_be16(ip + 10, checksum(ip, 20));
    store_be16(ip + 20, 68);
    store_be16(ip + 22, dport);
    store_be16(ip + 24, 8 + kPayload);
    return m;
  }

  uint16_t member_of(uint16_t port, uint16_t network) const {
    return snap_.networks[network].member_by_port_id[snap_.ports[port].port_id];
  }

  rte_ring* ring_ = nullptr;
};

TEST_F(DhcpPuntTest, BroadcastDiscoverIsPuntedAndNotFlooded) {
  run(kA, {udp(kBcast, kMacA, 0, 0xffffffff, 67)});
  ASSERT_EQ(rte_ring_count(ring_), 1u);
  EXPECT_EQ(queued(kB), 0) << "the gateway is the network's server: nothing to flood";
  EXPECT_EQ(counters_->punted.load(), 1u);
  void* out = nullptr;
  ASSERT_EQ(rte_ring_dequeue(ring_, &out), 0);
  auto* m = static_cast<rte_mbuf*>(out);
  EXPECT_EQ(m->hash.usr, member_of(kA, 0)) << "the ingress membership names network and port";
  EXPECT_EQ(m->hash.fdir.hi, 41u) << "stamped with the generation that numbers the membership";
  EXPECT_EQ(m->pkt_len, 14u + 328u);
  rte_pktmbuf_free(m);
}

TEST_F(DhcpPuntTest, UnicastRenewalToTheGatewayIsPunted) {
  run(kB, {udp(kLanRouter, kMacB, 0xc0a83264, kLanGw, 67)});
  EXPECT_EQ(rte_ring_count(ring_), 1u);
  EXPECT_EQ(counters_->routed.load(), 0u);
}

TEST_F(DhcpPuntTest, OtherTrafficStaysOnItsPath) {
  // Not to the server port: an ordinary broadcast, flooded.
  run(kA, {udp(kBcast, kMacA, 0xc0a83264, 0xffffffff, 137)});
  EXPECT_EQ(queued(kB), 1);
  // DHCP in a routed network whose gateway serves none: bridged like any broadcast.
  run(kSolo, {udp(kBcast, kMacC, 0, 0xffffffff, 67)});
  EXPECT_EQ(queued(kSmall), 1);
  EXPECT_EQ(rte_ring_count(ring_), 0u);
  EXPECT_EQ(counters_->punted.load(), 0u);
}

TEST_F(DhcpPuntTest, WithoutRoomTheMessageIsDroppedAndCounted) {
  snap_.punt = nullptr;
  run(kA, {udp(kBcast, kMacA, 0, 0xffffffff, 67), udp(kLanRouter, kMacA, 0xc0a83264, kLanGw, 67)});
  EXPECT_EQ(drops(kA, DropReason::punt_full), 2u);
  EXPECT_EQ(queued(kB), 0);
}

}  // namespace
}  // namespace edgegw::dataplane::test
