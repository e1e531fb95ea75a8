// The pipeline fuzz harness: a fixed VLAN switch on net_null ports, records in, invariants checked.
#include "pipeline_harness.hpp"

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <vector>

#include "pipeline.hpp"
#include "snapshot_compile.hpp"

namespace edgegw::dataplane::fuzz {
namespace {

constexpr uint16_t kPorts = 8;
constexpr uint16_t kMaxFrame = 1600;
constexpr uint64_t kAging = 50;
const char* const kPortNames[kPorts] = {"a", "b", "trunk", "qinq", "acc20", "loner", "acc30", "solo"};
const DropReason kIngressLoss[] = {DropReason::malformed, DropReason::no_network, DropReason::unknown_vlan,
                                   DropReason::hairpin, DropReason::no_egress};

std::vector<BridgeSpec> harness_bridges() {
  const std::array<uint8_t, 6> pinned = {0x02, 0, 0, 0, 0, 0x01};
  std::vector<BridgeSpec> b(4);
  b[0].name = "lan";
  b[0].members = {{"a"}, {"b"}, {"trunk", 10}, {"qinq", 10, 100}};
  b[0].static_macs = {{pinned, "b"}};
  b[0].fdb_max_entries = 4;
  b[1].name = "v20";
  b[1].members = {{"trunk", 20}, {"qinq", 20, 100}, {"acc20"}};
  b[1].static_macs = {{pinned, "trunk"}};
  b[1].fdb_max_entries = 8;
  b[2].name = "v30";
  b[2].members = {{"qinq", 30, 200}, {"acc30"}};
  b[2].fdb_max_entries = 8;
  b[3].name = "solo";
  b[3].members = {{"solo"}};
  b[3].fdb_max_entries = 8;
  return b;
}

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

struct PipelineHarness::State {
  std::string tag;
  std::vector<std::string> vdevs;
  std::array<uint16_t, kPorts> port_ids{};
  rte_mempool* pool = nullptr;
  std::vector<BridgeSpec> bridges = harness_bridges();
  Snapshot snap;
  std::vector<std::unique_ptr<FdbTable>> fdbs;
  std::unique_ptr<MacCounts> mac_counts;
  std::unique_ptr<WorkerCounters> counters;
  std::unique_ptr<TxBuffers> tx;

  void reset();
  std::string flush(rte_mbuf** pkts, uint16_t n, uint16_t ingress, uint64_t now);
  std::string check_egress(uint16_t egress, const rte_mbuf* m) const;
  PortCounters totals(uint16_t index) const {
    PortCounters c;
    accumulate(counters->ports[port_ids[index]], &c);
    return c;
  }
};

std::unique_ptr<PipelineHarness> PipelineHarness::create(const std::string& tag, std::string* error) {
  auto state = std::make_unique<State>();
  state->tag = tag;
  std::unique_ptr<PipelineHarness> harness(new PipelineHarness(std::move(state)));
  State& s = *harness->state_;
  s.pool = rte_pktmbuf_pool_create(("fz_" + tag).c_str(), 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (s.pool == nullptr) {
    *error = "cannot create the pool";
    return nullptr;
  }
  for (uint16_t i = 0; i < kPorts; ++i) {
    const std::string name = "net_null_" + tag + std::to_string(i);
    if (rte_eal_hotplug_add("vdev", name.c_str(), "") != 0) {
      *error = "cannot create " + name;
      return nullptr;
    }
    s.vdevs.push_back(name);
    uint16_t id = 0;
    rte_eth_conf conf{};
    if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0 || rte_eth_dev_configure(id, 1, 1, &conf) != 0 ||
        rte_eth_rx_queue_setup(id, 0, 64, SOCKET_ID_ANY, nullptr, s.pool) != 0 ||
        rte_eth_tx_queue_setup(id, 0, 64, SOCKET_ID_ANY, nullptr) != 0 || rte_eth_dev_start(id) != 0) {
      *error = "cannot start " + name;
      return nullptr;
    }
    s.port_ids[i] = id;
  }
  return harness;
}

PipelineHarness::PipelineHarness(std::unique_ptr<State> state) : state_(std::move(state)) {}

PipelineHarness::~PipelineHarness() {
  for (const std::string& name : state_->vdevs) {
    uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &id) == 0) {
      rte_eth_dev_stop(id);
      rte_eth_dev_close(id);
    }
    rte_eal_hotplug_remove("vdev", name.c_str());
  }
  rte_mempool_free(state_->pool);
}

void PipelineHarness::State::reset() {
  counters = std::make_unique<WorkerCounters>();
  tx = std::make_unique<TxBuffers>();
  mac_counts = std::make_unique<MacCounts>();
  snap = Snapshot{};
  snap.mac_counts = mac_counts.get();
  std::map<std::string, uint16_t> index_of_port;
  for (uint16_t i = 0; i < kPorts; ++i) {
    SnapshotPort p;
    p.port_id = port_ids[i];
    p.incarnation = 7;
    p.max_frame = (i == 1 ? 1000u : 1500u) + kEthHeaderLen;
    p.mac_limit = i == 1 ? 2 : (i == 2 ? 3 : 0);
    snap.ports.push_back(p);
    snap.by_port_id[p.port_id] = PortIdEntry{i, p.incarnation};
    index_of_port[kPortNames[i]] = i;
  }
  fdbs.clear();
  snap.networks.resize(bridges.size());
  for (size_t n = 0; n < bridges.size(); ++n) {
    fdbs.push_back(std::make_unique<FdbTable>(bridges[n].fdb_max_entries));
    snap.networks[n].fdb = fdbs.back().get();
    snap.networks[n].aging_ticks = kAging;
  }
  compile_memberships(snap, bridges, index_of_port);
}

// A frame queued on `egress` must belong to a network of its ingress membership, not go back to that
// membership, carry exactly the egress member's tags and fit the egress port.
std::string PipelineHarness::State::check_egress(uint16_t egress, const rte_mbuf* m) const {
  const uint32_t ingress_member = m->hash.usr;
  if (ingress_member >= snap.members.size()) return "queued frame without an ingress membership";
  const SnapshotNetwork& net = snap.networks[snap.members[ingress_member].network];
  const uint16_t member = net.member_by_port_id[snap.ports[egress].port_id];
  if (member == kNoIndex) return "frame left on a port outside its network";
  if (member == ingress_member) return "frame sent back to its ingress membership";
  const SnapshotMember& to = snap.members[member];
  if (m->nb_segs != 1 || m->data_len != m->pkt_len) return "egress frame is not one segment";
  if (m->pkt_len > snap.ports[egress].max_frame + to.tag_bytes) return "egress frame above the MTU";
  const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  if (m->data_len < kEthHeaderLen + to.tag_bytes) return "egress frame shorter than its headers";
  const uint8_t* tag = p + 12;
  if (to.outer_vlan != 0) {
    if (be16(tag) != kTpidStag || (be16(tag + 2) & 0x0fff) != to.outer_vlan) return "wrong outer tag";
    tag += kVlanTagLen;
  }
  if (to.vlan != 0) {
    if (be16(tag) != kTpidCtag || (be16(tag + 2) & 0x0fff) != to.vlan) return "wrong inner tag";
    tag += kVlanTagLen;
  }
  if (be16(tag) == kTpidCtag || be16(tag) == kTpidStag) return "egress frame carries a tag of another member";
  return "";
}

std::string PipelineHarness::State::flush(rte_mbuf** pkts, uint16_t n, uint16_t ingress, uint64_t now) {
  std::array<PortCounters, kPorts> before;
  for (uint16_t i = 0; i < kPorts; ++i) before[i] = totals(i);

  Burst burst;
  burst.ingress = ingress;
  for (uint16_t i = 0; i < n; ++i) burst.pkts[burst.count++] = pkts[i];
  L2ParseStage(*counters).process(snap, burst, now);
  Burst to_router;
  BridgeStage(*counters, *tx).process(snap, burst, now, to_router);
  if (burst.count != 0) return "the bridge left packets in the burst";
  if (to_router.count != 0) return "a frame went to the router of a network without one";

  uint64_t queued = 0;
  std::array<uint64_t, kPorts> queued_bytes{};
  for (uint16_t d = 0; d < tx->dirty_count; ++d) {
    const uint16_t egress = tx->dirty[d];
    const TxBuffers::Queue& q = tx->queues[egress];
    for (uint16_t k = 0; k < q.count; ++k) {
      if (std::string e = check_egress(egress, q.pkts[k]); !e.empty()) return e;
      queued_bytes[egress] += q.pkts[k]->pkt_len;
    }
    queued += q.count;
  }
  TxStage(*counters, *tx).process(snap);

  uint64_t rx = 0, ingress_loss = 0, egress_loss = 0, not_learned = 0;
  for (uint16_t i = 0; i < kPorts; ++i) {
    const PortCounters after = totals(i);
    rx += after.rx_packets - before[i].rx_packets;
    for (DropReason r : kIngressLoss) {
      const uint64_t delta = after.drops[unsigned(r)] - before[i].drops[unsigned(r)];
      if (delta != 0 && i != ingress) return std::string("ingress verdict ") + drop_reason_name(r) + " on another port";
      ingress_loss += delta;
    }
    egress_loss += after.drops[unsigned(DropReason::mtu)] - before[i].drops[unsigned(DropReason::mtu)];
    egress_loss += after.drops[unsigned(DropReason::no_mbuf)] - before[i].drops[unsigned(DropReason::no_mbuf)];
    not_learned += after.drops[unsigned(DropReason::fdb_full)] - before[i].drops[unsigned(DropReason::fdb_full)];
    not_learned += after.drops[unsigned(DropReason::mac_limit)] - before[i].drops[unsigned(DropReason::mac_limit)];
    if (after.drops[unsigned(DropReason::tx_full)] != before[i].drops[unsigned(DropReason::tx_full)]) {
      return "net_null refused a frame";
    }
    if (after.tx_bytes - before[i].tx_bytes != queued_bytes[i]) return "tx bytes differ from the bytes queued";
  }
  uint64_t sent = 0;
  for (uint16_t i = 0; i < kPorts; ++i) sent += totals(i).tx_packets - before[i].tx_packets;
  if (rx != n) return "rx counted " + std::to_string(rx) + " of " + std::to_string(n) + " packets";
  if (sent != queued) return "tx counted " + std::to_string(sent) + " of " + std::to_string(queued) + " queued";
  if (ingress_loss > n || not_learned > n) return "more verdicts than packets";
  const uint64_t went_on = n - ingress_loss;
  if (n == 1 && ingress_loss == 1 && queued + egress_loss != 0) return "a dropped packet was also sent";
  if (went_on != 0 && queued + egress_loss < went_on) return "a forwarded packet went nowhere and was not counted";
  if (queued > went_on * (kPorts - 1)) return "more copies than members";

  age_fdbs(snap, now, 8);
  // Every learned entry is counted on its port and nowhere else (MacCount for mac_limit).
  uint64_t learned = 0, counted = 0;
  std::vector<FdbTable::Entry> entries;
  for (const auto& t : fdbs) {
    learned += t->size();
    t->read_entries(&entries);
    if (entries.size() != t->size()) return "read_entries disagrees with size()";
  }
  for (uint16_t i = 0; i < kPorts; ++i) {
    const MacCount& c = (*mac_counts)[port_ids[i]];
    if (c.incarnation.load() == snap.ports[i].incarnation) counted += c.count.load();
    if (snap.ports[i].mac_limit != 0 && c.count.load() > snap.ports[i].mac_limit) return "mac_limit exceeded";
  }
  if (learned != counted) return "learned MACs " + std::to_string(learned) + " but counted " + std::to_string(counted);
  return "";
}

std::string PipelineHarness::run(const uint8_t* data, size_t size) {
  State& s = *state_;
  s.reset();
  const unsigned available = rte_mempool_avail_count(s.pool);
  uint64_t now = 1000;
  rte_mbuf* pkts[kBurstSize];
  uint16_t count = 0;
  uint16_t ingress = 0;
  size_t at = 0;
  std::string failure;
  while (at + 3 <= size && failure.empty()) {
    const uint8_t head = data[at];
    const uint16_t port = head & 7;
    const bool new_burst = (head & 8) != 0;
    now += (head >> 4) * 8u;
    size_t len = (data[at + 1] | data[at + 2] << 8) & 0x7ff;
    at += 3;
    len = std::min<size_t>({len, kMaxFrame, size - at});
    if (count != 0 && (new_burst || port != ingress || count == kBurstSize)) {
      failure = s.flush(pkts, count, ingress, now);
      count = 0;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(s.pool);
    if (m == nullptr) return "the pool ran dry";
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(len)), data + at, len);
    at += len;
    ingress = port;
    pkts[count++] = m;
  }
  if (count != 0) {
    if (failure.empty()) {
      failure = s.flush(pkts, count, ingress, now);
    } else {
      rte_pktmbuf_free_bulk(pkts, count);
    }
  }
  if (failure.empty() && rte_mempool_avail_count(s.pool) != available) {
    failure = "mbufs leaked: " + std::to_string(available - rte_mempool_avail_count(s.pool));
  }
  return failure;
}

}  // namespace edgegw::dataplane::fuzz
