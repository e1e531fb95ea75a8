// The pipeline fuzz harness: a fixed switch with L2, routed and NAT networks on net_null ports,
// records in, per-stage accounting and per-frame invariants checked after every burst.
#include "pipeline_harness.hpp"

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "edgegw/netproto/ipv6.hpp"
#include "pipeline_harness_state.hpp"

namespace edgegw::dataplane::fuzz {
namespace {

constexpr uint64_t kAging = 50;
constexpr uint64_t kTicksPerSecond = 1000;  // the router's and NAT's clock (RouterTimes, NatTimeouts)
constexpr uint64_t kLongPause = uint64_t{1} << 20;
constexpr uint64_t kNatSeed = 0;  // each protocol's dynamic ports start at port_min (the corpus relies on it)
constexpr uint32_t kNeighborCapacity = 8;
const char* const kPortNames[kPorts] = {"a",    "b",    "trunk", "qinq", "acc20", "loner", "acc30", "solo",
                                        "wan0", "wan1", "far0",  "g0",   "g1",    "iot0",  "farq",  "wanq"};

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }

RouterInterfaceSpec gateway(uint32_t address, uint8_t last_mac_byte, bool dhcp = false, const char* v6 = nullptr,
                            bool rs_punt = false) {
  RouterInterfaceSpec r{address, 24, {0x02, 0xe9, 0, 0, 0, last_mac_byte}, dhcp};
  if (v6 != nullptr) r.v6 = RouterInterface6Spec{*netproto::parse_ipv6(v6), 64, rs_punt};
  return r;
}

// The punt ring is small so that one burst of DHCP messages can fill it (punt_full).
constexpr unsigned kPuntRingSize = 4;

std::vector<BridgeSpec> harness_bridges() {
  const std::array<uint8_t, 6> pinned = {0x02, 0, 0, 0, 0, 0x01};
  std::vector<BridgeSpec> b(8);
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
  b[4].name = "wan";
  b[4].members = {{"wan0"}, {"wan1"}, {"trunk", 40}, {"wanq", 41, 400}};
  b[4].fdb_max_entries = 8;
  b[4].router = gateway(ip4(10, 0, 0, 1), 0x10, false, "fd00:10::1");
  b[5].name = "far";
  b[5].members = {{"far0"}, {"farq", 50, 300}};
  b[5].fdb_max_entries = 8;
  b[5].router = gateway(ip4(172, 16, 0, 1), 0x17);
  b[6].name = "guests";
  b[6].members = {{"g0"}, {"g1"}, {"trunk", 60}};
  b[6].fdb_max_entries = 8;
  b[6].router = gateway(ip4(192, 168, 60, 1), 0x60, true);  // serves DHCP: its DHCP messages are punted
  b[6].nat = NatSpec{"wan", 16, 6, {{6, 8080, ip4(192, 168, 60, 10), 80}, {17, 5353, ip4(192, 168, 60, 11), 53}}};
  b[7].name = "iot";
  b[7].members = {{"iot0"}, {"wanq", 71}};
  b[7].fdb_max_entries = 8;
  // IPv6 routed (never NATed) beside the NATed IPv4, and advertised: router solicitations are punted.
  b[7].router = gateway(ip4(192, 168, 70, 1), 0x70, false, "fd00:70::1", true);
  b[7].nat = NatSpec{"wan", 8, 4, {{6, 2222, ip4(192, 168, 70, 5), 22}}};
  return b;
}

std::vector<RouteSpec> harness_routes() {
  return {RouteSpec{ip4(198, 51, 100, 0), 24, ip4(10, 0, 0, 254)}, RouteSpec{ip4(203, 0, 113, 0), 24, ip4(172, 16, 0, 254)}};
}

std::vector<Route6Spec> harness_routes6() {
  return {Route6Spec{*netproto::parse_ipv6("2001:db8:100::"), 48, *netproto::parse_ipv6("fd00:10::fe")}};
}

uint32_t max_frame_of(uint16_t port) {
  const std::string name = kPortNames[port];
  const uint32_t mtu = name == "b" || name == "far0" ? 1000 : (name == "g0" ? 1200 : (name == "iot0" ? 1280 : 1500));
  return mtu + kEthHeaderLen;
}

const DropReason kParseVerdicts[] = {DropReason::malformed, DropReason::no_network, DropReason::unknown_vlan};
const DropReason kBridgeVerdicts[] = {DropReason::hairpin, DropReason::no_egress};
const DropReason kRouterVerdicts[] = {DropReason::ip_malformed, DropReason::ttl_exceeded, DropReason::no_route,
                                      DropReason::no_neighbor,  DropReason::frag_needed,  DropReason::not_routable,
                                      DropReason::nat_no_session, DropReason::nat_limit, DropReason::punt_full};

// The counters the harness compares between stages.
struct Totals {
  std::array<PortCounters, kPorts> ports;
  RouterCounters router;
};

uint64_t drop_delta(const Totals& a, const Totals& b, uint16_t port, DropReason r) {
  return b.ports[port].drops[unsigned(r)] - a.ports[port].drops[unsigned(r)];
}

template <typename Reasons>
uint64_t verdicts(const Totals& a, const Totals& b, uint16_t port, const Reasons& reasons) {
  uint64_t n = 0;
  for (DropReason r : reasons) n += drop_delta(a, b, port, r);
  return n;
}

// "" when, between a and b, the only drops counted are `at_ingress` reasons on the ingress port and
// `anywhere` reasons.
std::string drops_only(const Totals& a, const Totals& b, uint16_t ingress, std::initializer_list<DropReason> at_ingress,
                       std::initializer_list<DropReason> anywhere, const char* stage) {
  auto in = [](std::initializer_list<DropReason> list, unsigned r) {
    return std::find(list.begin(), list.end(), DropReason(r)) != list.end();
  };
  for (uint16_t p = 0; p < kPorts; ++p) {
    for (unsigned r = 0; r < kDropReasonCount; ++r) {
      if (a.ports[p].drops[r] == b.ports[p].drops[r] || in(anywhere, r) || (p == ingress && in(at_ingress, r))) continue;
      return std::string(stage) + " counted " + drop_reason_name(DropReason(r)) + " on port " + kPortNames[p];
    }
  }
  return "";
}

// The harness's slices: EF (DSCP 46) remarked to AF41 (34), UDP to 9000-9099 policed by a srTCM
// of 64 kbit/s with a 1600-byte committed burst and no excess, VXLAN VNIs 100-199, the rest.
std::vector<SliceSpec> harness_slices() {
  SliceSpec ef;
  ef.name = "ef";
  ef.priority = 0;
  ef.matches = {SliceMatchSpec{}};
  ef.matches[0].dscp_mask = uint64_t{1} << 46;
  ef.remark_dscp = 34;
  SliceSpec metered;
  metered.name = "metered";
  metered.matches = {SliceMatchSpec{}};
  metered.matches[0].protocol = 17;
  metered.matches[0].dst_ports = std::pair<uint16_t, uint16_t>{9000, 9099};
  metered.police = SlicePoliceSpec{};
  metered.police->cir_bps = 64'000;
  metered.police->cbs_bytes = 1600;
  metered.police->ebs_bytes = 0;
  SliceSpec tunnel;
  tunnel.name = "tunnel";
  tunnel.matches = {SliceMatchSpec{}};
  tunnel.matches[0].vni = std::pair<uint32_t, uint32_t>{100, 199};
  SliceSpec rest;
  rest.name = "rest";
  rest.is_default = true;
  return {ef, metered, tunnel, rest};
}

}  // namespace

std::unique_ptr<PipelineHarness> PipelineHarness::create(const std::string& tag, std::string* error) {
  auto state = std::make_unique<State>();
  state->tag = tag;
  std::unique_ptr<PipelineHarness> harness(new PipelineHarness(std::move(state)));
  State& s = *harness->state_;
  // Cache 0: the available count is exact, which is what the leak check compares.
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
  s.punt = rte_ring_create(("fzp_" + tag).c_str(), kPuntRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (s.punt == nullptr) {
    *error = "cannot create the punt ring";
    return nullptr;
  }
  if (std::string e = s.compile(); !e.empty()) {
    *error = e;
    return nullptr;
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
  state_->snap = Snapshot{};  // its LPM, before the pool
  rte_ring_free(state_->punt);
  rte_mempool_free(state_->pool);
}

// The snapshot is compiled once (an LPM costs a 64 MB table): reset() swaps the dynamic state the
// snapshot points to.
std::string PipelineHarness::State::compile() {
  bridges = harness_bridges();
  mac_counts = std::make_unique<MacCounts>();
  snap.mac_counts = mac_counts.get();
  for (uint16_t i = 0; i < kPorts; ++i) {
    SnapshotPort p;
    p.port_id = port_ids[i];
    p.incarnation = 7;
    p.max_frame = max_frame_of(i);
    p.mac_limit = i == 1 ? 2 : (i == 2 ? 3 : 0);
    snap.ports.push_back(p);
    snap.by_port_id[p.port_id] = PortIdEntry{i, p.incarnation};
    index_of_port[kPortNames[i]] = i;
  }
  snap.networks.resize(bridges.size());
  compile_memberships(snap, bridges, index_of_port);
  std::map<std::string, NeighborTable*> by_name;
  neighbors.resize(bridges.size());
  for (size_t n = 0; n < bridges.size(); ++n) {
    if (!bridges[n].router) continue;
    neighbors[n] = std::make_unique<NeighborTable>(kNeighborCapacity);
    by_name[bridges[n].name] = neighbors[n].get();
  }
  compile_routes(snap, bridges, harness_routes(), by_name, kTicksPerSecond);
  if (snap.lpm == nullptr) return "cannot create the route table";
  std::map<std::string, Neighbor6Table*> by_name6;
  neighbors6.resize(bridges.size());
  for (size_t n = 0; n < bridges.size(); ++n) {
    if (!bridges[n].router || !bridges[n].router->v6) continue;
    neighbors6[n] = std::make_unique<Neighbor6Table>(kNeighborCapacity);
    by_name6[bridges[n].name] = neighbors6[n].get();
  }
  compile_routes6(snap, bridges, harness_routes6(), by_name6);
  if (snap.lpm6 == nullptr) return "cannot create the IPv6 route table";
  snap.punt = punt;
  std::map<std::string, netproto::NatTable*> by_uplink;
  for (auto& [uplink, plan] : plan_nat_tables(bridges, kTicksPerSecond)) {
    plan.config.seed = kNatSeed;
    auto created = create_nat_table(plan);
    if (!created) return "cannot create the NAT table of " + uplink + ": " + created.error().message;
    by_uplink[uplink] = created->get();
    nat_tables[uplink] = std::move(*created);
  }
  attach_nat_tables(snap, bridges, by_uplink);
  for (size_t i = 0; i < bridges.size(); ++i) index_of_network[bridges[i].name] = static_cast<uint16_t>(i);
  slice_spec.slices = harness_slices();
  Result<std::unique_ptr<SliceState>> slices = SliceState::build(slice_spec, kTicksPerSecond, 0);
  if (!slices) return "cannot build the slices: " + slices.error().message;
  bool needs_l3 = false;
  if (!build_slice_classifier(**slices, index_of_port, index_of_network, &needs_l3)) return "cannot build the slice classifier";
  return "";
}

void PipelineHarness::State::reset() {
  Result<std::unique_ptr<SliceState>> built = SliceState::build(slice_spec, kTicksPerSecond, 0);
  slicing = built ? std::shared_ptr<SliceState>(std::move(*built)) : nullptr;
  snap.slicing = slicing;
  bool needs_l3 = false;
  if (slicing) {
    Result<std::shared_ptr<const slicing::Classifier>> classifier =
        build_slice_classifier(*slicing, index_of_port, index_of_network, &needs_l3);
    snap.slice_classifier = classifier ? *classifier : nullptr;
  }
  snap.slice_needs_l3 = needs_l3;
  counters = std::make_unique<WorkerCounters>();
  tx = std::make_unique<TxBuffers>();
  bridge = std::make_unique<BridgeStage>(*counters, *tx);
  route = std::make_unique<RouteStage>(*counters, *bridge);
  for (MacCount& c : *mac_counts) {
    c.incarnation.store(0);
    c.count.store(0);
  }
  fdbs.clear();
  for (size_t n = 0; n < bridges.size(); ++n) {
    fdbs.push_back(std::make_unique<FdbTable>(bridges[n].fdb_max_entries));
    snap.networks[n].fdb = fdbs.back().get();
    snap.networks[n].aging_ticks = kAging;
    if (neighbors[n] != nullptr) {
      neighbors[n] = std::make_unique<NeighborTable>(kNeighborCapacity);
      snap.networks[n].neighbors = neighbors[n].get();
    }
    if (neighbors6[n] != nullptr) {
      neighbors6[n] = std::make_unique<Neighbor6Table>(kNeighborCapacity);
      snap.networks[n].neighbors6 = neighbors6[n].get();
    }
  }
  nat_sessions_before = 0;
  for (auto& [uplink, table] : nat_tables) {
    table->clear();
    nat_sessions_before += table->counters().sessions_created;  // clear() keeps the counters
  }
}

namespace {

Totals read_totals(const WorkerCounters& c, const std::array<uint16_t, kPorts>& port_ids) {
  Totals t;
  for (uint16_t i = 0; i < kPorts; ++i) accumulate(c.ports[port_ids[i]], &t.ports[i]);
  RouterCounters& r = t.router;
  r.routed = c.routed.load();
  r.arp_replies = c.arp_replies.load();
  r.arp_requests = c.arp_requests.load();
  r.icmp_echo_replies = c.icmp_echo_replies.load();
  r.icmp_errors = c.icmp_errors.load();
  r.icmp_rate_limited = c.icmp_rate_limited.load();
  r.neighbor_table_full = c.neighbor_table_full.load();
  r.arp_replies_received = c.arp_replies_received.load();
  r.fragmented = c.fragmented.load();
  r.fragments = c.fragments.load();
  r.punted = c.punted.load();
  r.routed6 = c.routed6.load();
  r.nd_adverts = c.nd_adverts.load();
  r.nd_solicits = c.nd_solicits.load();
  r.nd_adverts_received = c.nd_adverts_received.load();
  return t;
}

}  // namespace

// One burst through parse, bridge, route and tx (the order of Pipeline::run; the stages are called
// one by one so that each one's verdicts and the queued frames can be checked).
std::string PipelineHarness::State::flush(rte_mbuf** pkts, uint16_t n, uint16_t ingress_port, uint64_t now) {
  ingress = ingress_port;
  arrival_count = n;
  uint64_t rx_bytes = 0;
  Burst burst;
  burst.ingress = ingress;
  for (uint16_t i = 0; i < n; ++i) {
    pkts[i]->port = i;
    rx_bytes += pkts[i]->pkt_len;
    arrivals[i].member = kNoIndex;
    arrivals[i].to_router = false;
    burst.pkts[burst.count++] = pkts[i];
  }
  const Totals t0 = read_totals(*counters, port_ids);
  L2ParseStage(*counters).process(snap, burst, now);
  const Totals t1 = read_totals(*counters, port_ids);
  const uint16_t parsed = burst.count;
  SliceStage(*counters).process(snap, burst, now);
  const Totals t1s = read_totals(*counters, port_ids);
  const uint16_t survivors = burst.count;
  for (uint16_t i = 0; i < burst.count; ++i) {
    const rte_mbuf* m = burst.pkts[i];
    Arrival& a = arrivals[m->port];
    a.member = static_cast<uint16_t>(m->hash.usr);
    if (a.member >= snap.members.size()) return "the parse stage passed a frame without a membership";
    if (m->nb_segs != 1 || m->data_len > kMaxFrame) return "the parse stage passed a frame it made bigger";
    a.len = m->data_len;
    std::memcpy(a.frame.data(), rte_pktmbuf_mtod(m, const uint8_t*), a.len);
  }
  Burst to_router;
  bridge->process(snap, burst, now, to_router);
  if (burst.count != 0) return "the bridge left packets in the burst";
  const uint16_t routed_in = to_router.count;
  for (uint16_t i = 0; i < to_router.count; ++i) {
    Arrival& a = arrivals[to_router.pkts[i]->port];
    if (!snap.networks[snap.members[a.member].network].routed) return "the bridge handed a frame of an L2 network to the router";
    a.to_router = true;
  }
  const Totals t2 = read_totals(*counters, port_ids);
  if (to_router.count != 0) route->process(snap, to_router, now);
  if (to_router.count != 0) return "the router left packets in its burst";
  const Totals t3 = read_totals(*counters, port_ids);
  // Punted: DHCP messages to the server of a network that has one, from this burst, as they arrived.
  uint64_t punted = 0;
  for (void* p = nullptr; rte_ring_dequeue(punt, &p) == 0; ++punted) {
    auto* m = static_cast<rte_mbuf*>(p);
    const bool from_burst = m->port < arrival_count && arrivals[m->port].to_router;
    const Arrival* a = from_burst ? &arrivals[m->port] : nullptr;
    const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
    const bool dhcp = m->data_len >= 14 + 20 + 8 && f[12] == 0x08 && f[23] == 17 &&
                      (f[14] & 15u) * 4 + 14 + 4 <= m->data_len && f[14 + (f[14] & 15u) * 4 + 2] == 0 &&
                      f[14 + (f[14] & 15u) * 4 + 3] == 67;
    const bool solicitation = m->data_len >= 14 + 40 + 8 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 &&
                              f[54] == 133;
    // (The route stage trims Ethernet padding: what is punted is the arrival up to its IPv4 length.)
    const bool same = a != nullptr && m->data_len <= a->len && std::memcmp(a->frame.data(), f, m->data_len) == 0;
    const SnapshotNetwork* net = a != nullptr ? &snap.networks[snap.members[a->member].network] : nullptr;
    const bool served = net != nullptr && ((dhcp && net->dhcp) || (solicitation && net->rs_punt));
    const bool stamped = m->hash.usr == (a != nullptr ? a->member : kNoIndex) && m->hash.fdir.hi == snap.generation;
    rte_pktmbuf_free(m);
    if (!from_burst || !same || !served || !stamped) {
      return "a punted frame that is neither a DHCP message to a server nor a router solicitation to an advertiser";
    }
  }
  if (t3.router.punted - t2.router.punted != punted) return "punted frames differ from those counted";

  Tally tally;
  tally.arp_requests.assign(snap.networks.size(), 0);
  tally.solicitations.assign(snap.networks.size(), 0);
  for (uint16_t d = 0; d < tx->dirty_count; ++d) {
    const uint16_t egress = tx->dirty[d];
    const TxBuffers::Queue& q = tx->queues[egress];
    for (uint16_t k = 0; k < q.count; ++k) {
      if (std::string e = check_frame(egress, q.pkts[k], tally); !e.empty()) return e;
    }
  }
  ShapedTx shaped(*counters, *tx);
  TxStage(*counters, *tx, shaped).process(snap, now);
  const Totals t4 = read_totals(*counters, port_ids);

  // Parse: every packet counted received on its port, and dropped there or passed on.
  for (uint16_t p = 0; p < kPorts; ++p) {
    const uint64_t rx = t1.ports[p].rx_packets - t0.ports[p].rx_packets;
    if (rx != (p == ingress ? n : 0)) return "rx counted " + std::to_string(rx) + " packets on " + kPortNames[p];
    if (t4.ports[p].rx_packets != t1.ports[p].rx_packets) return "a stage after parse counted rx";
  }
  if (t1.ports[ingress].rx_bytes - t0.ports[ingress].rx_bytes != rx_bytes) return "rx bytes differ from the bytes received";
  if (std::string e = drops_only(t0, t1, ingress, {DropReason::malformed, DropReason::no_network, DropReason::unknown_vlan}, {},
                                 "parse");
      !e.empty()) {
    return e;
  }
  if (verdicts(t0, t1, ingress, kParseVerdicts) != uint64_t{n} - parsed) return "the parse stage dropped a packet uncounted";

  // Slices: the policer's drops, on the ingress port, one per packet the stage took out, and the
  // slices' own policed counts agree with the port's.
  if (std::string e = drops_only(t1, t1s, ingress, {DropReason::policed}, {}, "slice"); !e.empty()) return e;
  if (drop_delta(t1, t1s, ingress, DropReason::policed) != uint64_t{parsed} - survivors) {
    return "the slice stage dropped a packet uncounted";
  }
  uint64_t slice_policed = 0, port_policed = 0;
  for (uint16_t i = 0; slicing && i < slicing->count(); ++i) slice_policed += slicing->counters(i).policed.load();
  for (uint16_t p = 0; p < kPorts; ++p) port_policed += t1s.ports[p].drops[unsigned(DropReason::policed)];
  if (slice_policed != port_policed) return "the slices' policed counts differ from the ports'";

  // Bridge: of the packets it kept (not the router's), each dropped once or sent on (or lost to
  // the egress MTU).
  if (std::string e = drops_only(t1s, t2, ingress,
                                 {DropReason::hairpin, DropReason::no_egress, DropReason::fdb_full, DropReason::mac_limit},
                                 {DropReason::mtu}, "bridge");
      !e.empty()) {
    return e;
  }
  if (t2.router.routed != t1s.router.routed || t2.router.arp_requests != t1s.router.arp_requests) {
    return "the bridge stage moved router counters";
  }
  const uint64_t bridged = survivors - routed_in;
  const uint64_t bridge_dropped = verdicts(t1s, t2, ingress, kBridgeVerdicts);
  uint64_t bridge_mtu = 0, bridged_sent = 0, refused_learns = 0;
  for (uint16_t p = 0; p < kPorts; ++p) bridge_mtu += drop_delta(t1s, t2, p, DropReason::mtu);
  refused_learns = drop_delta(t1s, t2, ingress, DropReason::fdb_full) + drop_delta(t1s, t2, ingress, DropReason::mac_limit);
  for (uint16_t k = 0; k < n; ++k) {
    if (arrivals[k].member != kNoIndex && !arrivals[k].to_router && tally.copies[k] != 0) ++bridged_sent;
    if (arrivals[k].member == kNoIndex && tally.copies[k] != 0) return "a packet the parse stage dropped was sent";
    if (tally.copies[k] > kPorts - 1) return "more copies than members";
  }
  if (bridge_dropped > bridged || refused_learns > survivors) return "more bridge verdicts than packets";
  if (bridged_sent + bridge_dropped > bridged) return "a bridged packet was both dropped and sent";
  if (bridged_sent + bridge_dropped + bridge_mtu < bridged) return "a bridged packet went nowhere and was not counted";

  // Route: each packet it got dropped with a reason, answered, taken in or routed; what it sends
  // (replies, routed frames, errors, ARP requests) fits (route MTU) unless a reply is as big as an
  // oversized request; counted MTU drops are on the ingress port.
  if (std::string e = drops_only(t2, t3, ingress,
                                 {DropReason::ip_malformed, DropReason::ttl_exceeded, DropReason::no_route,
                                  DropReason::no_neighbor, DropReason::frag_needed, DropReason::not_routable,
                                  DropReason::nat_no_session, DropReason::nat_limit, DropReason::mtu,
                                  DropReason::no_egress, DropReason::punt_full},
                                 {}, "route");
      !e.empty()) {
    return e;
  }
  const RouterCounters& r2 = t2.router;
  const RouterCounters& r3 = t3.router;
  const uint64_t handled = verdicts(t2, t3, ingress, kRouterVerdicts) + (r3.routed - r2.routed) +
                           (r3.arp_replies - r2.arp_replies) + (r3.icmp_echo_replies - r2.icmp_echo_replies) +
                           (r3.arp_replies_received - r2.arp_replies_received) + (r3.punted - r2.punted) +
                           (r3.nd_adverts - r2.nd_adverts) + (r3.nd_adverts_received - r2.nd_adverts_received);
  const uint64_t route_mtu = drop_delta(t2, t3, ingress, DropReason::mtu);
  if (handled > routed_in) return "more router verdicts than packets: " + std::to_string(handled) + " for " + std::to_string(routed_in);
  if (handled + route_mtu < routed_in) return "a packet to the router went nowhere and was not counted";
  uint64_t answered = 0;
  for (uint16_t k = 0; k < n; ++k) {
    if (arrivals[k].to_router && tally.copies[k] != 0) ++answered;
  }
  const uint64_t sent_on = (r3.routed - r2.routed) + (r3.arp_replies - r2.arp_replies) +
                           (r3.icmp_echo_replies - r2.icmp_echo_replies) + (r3.nd_adverts - r2.nd_adverts);
  if (answered > sent_on) return "the router sent more packets on than it counted";
  if (r3.icmp_errors - r2.icmp_errors != tally.icmp_errors) return "ICMP errors counted differ from those queued";
  uint64_t requests = 0;
  for (size_t net = 0; net < snap.networks.size(); ++net) {
    const uint32_t members = snap.networks[net].member_count;
    if (tally.arp_requests[net] % members != 0) return "an ARP request did not reach every member of its network";
    requests += tally.arp_requests[net] / members;
  }
  if (r3.arp_requests - r2.arp_requests != requests) return "ARP requests counted differ from those queued";
  uint64_t solicitations = 0;
  for (size_t net = 0; net < snap.networks.size(); ++net) {
    const uint32_t members = snap.networks[net].member_count;
    if (tally.solicitations[net] % members != 0) return "a neighbor solicitation did not reach every member of its network";
    solicitations += tally.solicitations[net] / members;
  }
  if (r3.nd_solicits - r2.nd_solicits != solicitations) return "neighbor solicitations counted differ from those queued";
  if (r3.routed6 - r2.routed6 > r3.routed - r2.routed) return "more IPv6 packets routed than packets routed";
  if (r3.neighbor_table_full != r2.neighbor_table_full &&
      r3.arp_replies_received + r3.arp_replies + r3.nd_adverts + r3.nd_adverts_received ==
          r2.arp_replies_received + r2.arp_replies + r2.nd_adverts + r2.nd_adverts_received) {
    return "neighbor_table_full without an ARP or neighbor discovery message to learn from";
  }

  // Tx: everything queued went out (net_null takes all), counted on its port.
  if (std::string e = drops_only(t3, t4, kNoIndex, {}, {}, "tx"); !e.empty()) return e;
  uint64_t sent = 0;
  for (uint16_t p = 0; p < kPorts; ++p) {
    sent += t4.ports[p].tx_packets - t3.ports[p].tx_packets;
    if (t4.ports[p].tx_bytes - t3.ports[p].tx_bytes != tally.bytes[p]) return "tx bytes differ from the bytes queued";
    if (t3.ports[p].tx_packets != t0.ports[p].tx_packets) return "a stage before tx counted tx";
  }
  if (sent != tally.frames) return "tx counted " + std::to_string(sent) + " of " + std::to_string(tally.frames) + " queued";
  return check_tables(now);
}

// After a burst: the FDBs agree with the learned-MAC counts, neighbors are on their subnets.
std::string PipelineHarness::State::check_tables(uint64_t now) const {
  age_fdbs(snap, now, 8);
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
  std::vector<NeighborTable::Entry> known;
  for (const SnapshotNetwork& net : snap.networks) {
    if (!net.routed) continue;
    net.neighbors->read_entries(&known);
    if (known.size() != net.neighbors->size()) return "a neighbor table's size disagrees with its entries";
    for (const NeighborTable::Entry& e : known) {
      if ((e.ip & net.subnet_mask) != (net.router_ip & net.subnet_mask) || e.ip == net.router_ip) {
        return "a neighbor off its network's subnet, or the gateway itself";
      }
      if (e.mac != 0 && (e.mac & 1) != 0) return "a multicast MAC learned as a neighbor";
    }
  }
  std::vector<Neighbor6Table::Entry> known6;
  for (const SnapshotNetwork& net : snap.networks) {
    if (!net.routed6) continue;
    net.neighbors6->read_entries(&known6);
    if (known6.size() != net.neighbors6->size()) return "an IPv6 neighbor table's size disagrees with its entries";
    for (const Neighbor6Table::Entry& e : known6) {
      netproto::Ipv6Address a;
      ipv6_key_bytes(e.ip, a.data());
      const bool on_link = netproto::ipv6_is_link_local(a.data()) || netproto::ipv6_in_prefix(a, net.router_ip6, net.prefix6);
      if (!on_link || a == net.router_ip6 || a == net.link_local6) return "an IPv6 neighbor off its link, or the gateway";
      if (e.mac != 0 && (e.mac & 1) != 0) return "a multicast MAC learned as an IPv6 neighbor";
    }
  }
  return "";
}

// After an input (a walk of the whole table: too slow for every burst).
std::string PipelineHarness::State::check_nat_tables() const {
  for (const auto& [uplink, table] : nat_tables) {
    std::string why;
    if (!table->check_invariants(&why)) return "NAT table of " + uplink + ": " + why;
  }
  return "";
}

PipelineHarness::Reached PipelineHarness::reached() const {
  const State& s = *state_;
  Reached r;
  const Totals t = read_totals(*s.counters, s.port_ids);
  for (const PortCounters& p : t.ports) {
    for (unsigned k = 0; k < kDropReasonCount; ++k) r.drops[k] += p.drops[k];
  }
  r.router = t.router;
  for (const auto& [uplink, table] : s.nat_tables) r.nat_sessions += table->counters().sessions_created;
  r.nat_sessions -= s.nat_sessions_before;
  for (uint16_t i = 0; s.slicing && i < s.slicing->count(); ++i) {
    r.slice_packets[s.slicing->name(i)] = s.slicing->counters(i).packets.load();
    r.remarked += s.slicing->counters(i).remarked.load();
  }
  return r;
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
    const uint16_t word = static_cast<uint16_t>(data[at + 1] | data[at + 2] << 8);
    const auto port = static_cast<uint16_t>((head & 7) | ((word >> 11) & 1) << 3);
    const bool new_burst = (head & 8) != 0;
    const unsigned advance = head >> 4;
    now += advance == 15 ? kLongPause : advance * 8u;
    at += 3;
    const size_t len = std::min<size_t>({word & 0x7ffu, kMaxFrame, size - at});
    if (count != 0 && (new_burst || port != ingress || count == kBurstSize)) {
      failure = s.flush(pkts, count, ingress, now);
      count = 0;
      if (!failure.empty()) break;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(s.pool);
    if (m == nullptr) return "the pool ran dry";
    auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(len)));
    std::memcpy(frame, data + at, len);
    fix_checksums(frame, len, (word & 0x1000) != 0, (word & 0x2000) != 0);
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
  if (failure.empty()) failure = s.check_nat_tables();
  return failure;
}

}  // namespace edgegw::dataplane::fuzz
