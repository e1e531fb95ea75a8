// A switch on synthetic mbufs for the pipeline tests: a snapshot compiled from BridgeSpecs by the
// data plane's own compilers (memberships, routes, NAT tables), port ids 24..31 (no device: the stages never need one
// except TxStage, whose refusal path the tests exercise), frames built byte by byte, and a leak
// check (the pool must be full again after each test).
#pragma once

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <vector>

#include "pipeline.hpp"
#include "security_policy.hpp"
#include "shared_dataplane.hpp"
#include "snapshot_compile.hpp"

namespace edgegw::dataplane::test {

constexpr uint64_t kAging = 1000;
using MacBytes = std::array<uint8_t, 6>;
inline const MacBytes kMacA = {0x02, 0, 0, 0, 0, 0x0a};
inline const MacBytes kMacB = {0x02, 0, 0, 0, 0, 0x0b};
inline const MacBytes kMacC = {0x02, 0, 0, 0, 0, 0x0c};
inline const MacBytes kMacD = {0x02, 0, 0, 0, 0, 0x0d};
inline const MacBytes kUnknown = {0x02, 0, 0, 0, 0, 0xee};
inline const MacBytes kBcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline const MacBytes kMcast = {0x01, 0x00, 0x5e, 0, 0, 1};

// A tag to put on a frame: TPID and TCI as they go on the wire.
struct WireTag {
  uint16_t tpid = kTpidCtag;
  uint16_t tci = 0;
};

inline rte_mempool* test_pool() {
  // Cache 0: the available count is exact, which is what the leak check compares.
  static rte_mempool* pool =
      rte_pktmbuf_pool_create("egw_test_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  return pool;
}

// dst, src, tags, ethertype 0x88b5, then `payload` bytes counting 0, 1, 2, ...
inline rte_mbuf* build_frame(rte_mempool* pool, const MacBytes& dst, const MacBytes& src,
                             std::initializer_list<WireTag> tags, uint16_t payload = 46) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  const uint16_t size = static_cast<uint16_t>(14 + 4 * tags.size() + payload);
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, size));
  std::memcpy(p, dst.data(), 6);
  std::memcpy(p + 6, src.data(), 6);
  uint8_t* at = p + 12;
  for (const WireTag& t : tags) {
    at[0] = static_cast<uint8_t>(t.tpid >> 8);
    at[1] = static_cast<uint8_t>(t.tpid);
    at[2] = static_cast<uint8_t>(t.tci >> 8);
    at[3] = static_cast<uint8_t>(t.tci);
    at += 4;
  }
  at[0] = 0x88;
  at[1] = 0xb5;
  for (uint16_t i = 0; i < payload; ++i) at[2 + i] = static_cast<uint8_t>(i);
  return m;
}

inline std::vector<uint8_t> bytes_of(const rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  return std::vector<uint8_t>(p, p + m->data_len);
}

class SwitchFixture : public ::testing::Test {
 protected:
  // Snapshot indices of the ports (DPDK port id = 24 + index).
  enum : uint16_t { kA = 0, kB, kSmall, kLoner, kSolo, kTrunk, kQinq, kAccess20, kPortCount };
  // Network indices.
  enum : uint16_t { kLan = 0, kSoloNet, kV20 };

  // "lan": a, b, small (MTU 1000) untagged; trunk VLAN 10; qinq S-VLAN 100 + VLAN 10.
  // "solo": solo alone. "v20": trunk VLAN 20, access20 untagged, qinq S-VLAN 100 + VLAN 20.
  // loner is in no network.
  static std::vector<BridgeSpec> default_bridges() {
    std::vector<BridgeSpec> b(3);
    b[0].name = "lan";
    b[0].members = {{"a"}, {"b"}, {"small"}, {"trunk", 10}, {"qinq", 10, 100}};
    b[1].name = "solo";
    b[1].members = {{"solo"}};
    b[2].name = "v20";
    b[2].members = {{"trunk", 20}, {"access20"}, {"qinq", 20, 100}};
    return b;
  }

  void SetUp() override {
    if (!running_as_root()) GTEST_SKIP() << "needs root (EAL)";
    ASSERT_NE(shared_dataplane(), nullptr) << start_error();
    pool_ = test_pool();
    ASSERT_NE(pool_, nullptr);
    available_before_ = rte_mempool_avail_count(pool_);
    counters_ = std::make_unique<WorkerCounters>();
    tx_ = std::make_unique<TxBuffers>();
    bridge_ = std::make_unique<BridgeStage>(*counters_, *tx_);
    route_ = std::make_unique<RouteStage>(*counters_, *bridge_);
    security_ = std::make_unique<SecurityStage>(*counters_);
    mac_counts_ = std::make_unique<MacCounts>();
    build(default_bridges());
  }

  void TearDown() override {
    if (pool_ == nullptr) return;
    snap_ = Snapshot{};  // its classifier's rte_acl contexts go while the EAL is up
    classifier_.reset();
    drain_tx();
    EXPECT_EQ(rte_mempool_avail_count(pool_), available_before_) << "mbufs leaked";
  }

  // (Re)compiles the snapshot: ports keep their incarnations, FDB tables are new (16 entries each
  // unless `fdb_max` says otherwise).
  // Router timings run on a 1000 ticks/s clock: neighbors age after 300000 ticks, refresh after
  // 60000, one ARP request per address per 1000 ticks, one ICMP error token per tick (burst 100).
  static constexpr uint64_t kTicksPerSecond = 1000;

  void build(std::vector<BridgeSpec> bridges, uint32_t fdb_max = 16, std::vector<RouteSpec> routes = {},
             std::vector<Route6Spec> routes6 = {}) {
    static const char* names[kPortCount] = {"a", "b", "small", "loner", "solo", "trunk", "qinq", "access20"};
    bridges_ = std::move(bridges);
    snap_ = Snapshot{};
    snap_.mac_counts = mac_counts_.get();
    std::map<std::string, uint16_t> index_of_port;
    for (uint16_t i = 0; i < kPortCount; ++i) {
      SnapshotPort p;
      p.port_id = static_cast<uint16_t>(24 + i);
      p.incarnation = 100u + i;
      p.max_frame = (i == kSmall ? 1000u : 1500u) + kEthHeaderLen;
      p.mac_limit = mac_limit_[i];
      snap_.ports.push_back(p);
      snap_.by_port_id[p.port_id] = PortIdEntry{i, p.incarnation};
      index_of_port[names[i]] = i;
    }
    fdbs_.clear();
    snap_.networks.resize(bridges_.size());
    for (size_t n = 0; n < bridges_.size(); ++n) {
      fdbs_.push_back(std::make_unique<FdbTable>(fdb_max));
      snap_.networks[n].fdb = fdbs_.back().get();
      snap_.networks[n].aging_ticks = kAging;
    }
    compile_security(index_of_port);
    neighbor_tables_.clear();
    std::map<std::string, NeighborTable*> neighbors;
    for (const BridgeSpec& b : bridges_) {
      if (!b.router) continue;
      neighbor_tables_.push_back(std::make_unique<NeighborTable>(64));
      neighbors[b.name] = neighbor_tables_.back().get();
    }
    compile_routes(snap_, bridges_, routes, neighbors, kTicksPerSecond);
    neighbor6_tables_.clear();
    std::map<std::string, Neighbor6Table*> neighbors6;
    for (const BridgeSpec& b : bridges_) {
      if (!b.router || !b.router->v6) continue;
      neighbor6_tables_.push_back(std::make_unique<Neighbor6Table>(64));
      neighbors6[b.name] = neighbor6_tables_.back().get();
    }
    compile_routes6(snap_, bridges_, routes6, neighbors6);
    // NAT tables as the data plane makes them, with seed 0: each protocol's first dynamic port is
    // 1024, the next 1025, and so on.
    nat_tables_.clear();
    std::map<std::string, netproto::NatTable*> by_uplink;
    for (auto& [uplink, plan] : plan_nat_tables(bridges_, kTicksPerSecond)) {
      auto created = create_nat_table(plan);
      ASSERT_TRUE(created.ok()) << created.error().message;
      by_uplink[uplink] = created->get();
      nat_tables_[uplink] = std::move(*created);
    }
    attach_nat_tables(snap_, bridges_, by_uplink);
  }

  // Security groups for the next build(): the groups and, by port name, each port's own list
  // (networks take theirs from BridgeSpec::security_groups). The connection table lives across
  // builds like the data plane's; every build is a new rule generation.
  void set_security(std::vector<SecurityGroupSpec> groups, std::map<std::string, std::vector<std::string>> port_groups) {
    security_groups_ = std::move(groups);
    port_groups_ = std::move(port_groups);
  }

  void compile_security(const std::map<std::string, uint16_t>& index_of_port) {
    SwitchSpec spec;
    for (const auto& [name, index] : index_of_port) {
      PortSpec p;
      p.name = name;
      if (auto it = port_groups_.find(name); it != port_groups_.end()) p.security_groups = it->second;
      spec.ports.push_back(p);
      snap_.ports[index].zone = index;
    }
    spec.bridges = bridges_;
    spec.security_groups = security_groups_;
    policies_ = resolve_security_policies(spec);
    compile_memberships(snap_, bridges_, index_of_port, &policies_.member_policy);
    if (!policies_.groups.empty()) {
      auto built = SecurityClassifier::build(security_groups_, policies_, classifier_.get());
      ASSERT_TRUE(built.ok()) << built.error().message;
      classifier_ = *built;
    }
    snap_.security = policies_.groups.empty() ? nullptr : classifier_;
    snap_.security_generation = ++security_generation_;
    if (!conntrack_) conntrack_ = std::make_unique<ConntrackTable>(conntrack_capacity_);
    snap_.conntrack = conntrack_.get();
    const uint64_t s = kTicksPerSecond;
    snap_.conntrack_times = ConntrackTimes{60 * s, 7200 * s, 10 * s, 60 * s, 30 * s, 60 * s};
  }

  // What rule `rule` of group `group` (indices in set_security's order) matched.
  uint64_t rule_packets(size_t group, size_t rule) const {
    return classifier_->group_counters().at(group)->cells[rule].packets.load();
  }
  uint64_t rule_bytes(size_t group, size_t rule) const {
    return classifier_->group_counters().at(group)->cells[rule].bytes.load();
  }

  void drain_tx() {
    for (uint16_t d = 0; d < tx_->dirty_count; ++d) {
      TxBuffers::Queue& q = tx_->queues[tx_->dirty[d]];
      for (uint16_t k = 0; k < q.count; ++k) rte_pktmbuf_free(q.pkts[k]);
      q.count = 0;
      q.bytes = 0;
    }
    tx_->dirty_count = 0;
  }

  rte_mbuf* frame(const MacBytes& dst, const MacBytes& src, std::initializer_list<WireTag> tags = {},
                  uint16_t payload = 46) {
    rte_mbuf* m = build_frame(pool_, dst, src, tags, payload);
    EXPECT_NE(m, nullptr);
    return m;
  }

  // A frame of exactly `size` bytes (at least 12): addresses, then zeroes; `vlan` puts 0x8100 at 12.
  rte_mbuf* raw(const MacBytes& dst, const MacBytes& src, uint16_t size, bool vlan = false) {
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
    run(ingress, std::vector<rte_mbuf*>(pkts), now);
  }

  // One burst (at most kBurstSize packets) through parse, bridge and route; tx is left queued.
  void run(uint16_t ingress, const std::vector<rte_mbuf*>& pkts, uint64_t now = 10) {
    ASSERT_LE(pkts.size(), kBurstSize);
    Burst b;
    b.ingress = ingress;
    for (rte_mbuf* m : pkts) b.pkts[b.count++] = m;
    L2ParseStage(*counters_).process(snap_, b, now);
    security_->process(snap_, b, now);
    Burst to_router;
    bridge_->process(snap_, b, now, to_router);
    EXPECT_EQ(b.count, 0) << "the bridge consumes the whole burst";
    if (to_router.count != 0) route_->process(snap_, to_router, now);
    EXPECT_EQ(to_router.count, 0) << "the router consumes what it was given";
  }

  uint16_t queued(uint16_t egress) const { return tx_->queues[egress].count; }
  rte_mbuf* queued_at(uint16_t egress, uint16_t k) const { return tx_->queues[egress].pkts[k]; }
  std::vector<uint8_t> sent_bytes(uint16_t egress, uint16_t k) const { return bytes_of(queued_at(egress, k)); }
  uint64_t drops(uint16_t index, DropReason r) { return counters_->ports[snap_.ports[index].port_id].drop(r).load(); }
  PortCounterCells& cells(uint16_t index) { return counters_->ports[snap_.ports[index].port_id]; }
  uint32_t macs_learned(uint16_t index) const { return (*mac_counts_)[snap_.ports[index].port_id].count.load(); }

  rte_mempool* pool_ = nullptr;
  unsigned available_before_ = 0;
  std::unique_ptr<WorkerCounters> counters_;
  std::unique_ptr<TxBuffers> tx_;
  std::unique_ptr<BridgeStage> bridge_;
  std::unique_ptr<RouteStage> route_;
  std::unique_ptr<SecurityStage> security_;
  std::unique_ptr<MacCounts> mac_counts_;
  std::vector<std::unique_ptr<FdbTable>> fdbs_;
  std::vector<std::unique_ptr<NeighborTable>> neighbor_tables_;
  std::vector<std::unique_ptr<Neighbor6Table>> neighbor6_tables_;
  std::map<std::string, std::unique_ptr<netproto::NatTable>> nat_tables_;  // by uplink name
  std::vector<BridgeSpec> bridges_;
  std::array<uint32_t, kPortCount> mac_limit_{};
  std::vector<SecurityGroupSpec> security_groups_;
  std::map<std::string, std::vector<std::string>> port_groups_;
  SecurityPolicies policies_;
  std::shared_ptr<const SecurityClassifier> classifier_;
  uint32_t security_generation_ = 0;
  uint32_t conntrack_capacity_ = 1024;  // set before the first build to change it
  std::unique_ptr<ConntrackTable> conntrack_;
  Snapshot snap_;
};

}  // namespace edgegw::dataplane::test
