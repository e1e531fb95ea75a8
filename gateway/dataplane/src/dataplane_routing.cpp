// The routing part of snapshot compilation: the routed networks' gateway interfaces, their ARP
// caches (kept across applies while the network keeps its address), route MTUs, and the LPM of
// connected subnets, gateway addresses and static routes.
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lpm.h>

#include <algorithm>
#include <atomic>
#include <random>

#include "dataplane_impl.hpp"
#include "edgegw/common/log.hpp"
#include "edgegw/netproto/checksum.hpp"
#include "snapshot_compile.hpp"

namespace edgegw::dataplane {
namespace {

constexpr uint32_t kNeighborCapacity = 1024;  // per routed network
constexpr uint64_t kNeighborAgingS = 300;     // like the FDB's default
constexpr uint64_t kNeighborRefreshS = 60;    // asked for again (still used) after this
constexpr uint64_t kRequestsPerSecond = 1;    // ARP requests per unresolved address (Linux: 1 s)
constexpr uint64_t kIcmpErrorsPerSecond = 1000;
constexpr uint32_t kIcmpErrorBurst = 100;
constexpr uint32_t kDefaultRouteMtu = 1500;   // a routed network with no port up yet


struct LpmEntry {
  uint32_t prefix = 0;
  uint8_t length = 0;
  uint32_t hop = 0;
};

}  // namespace

void DataplaneImpl::compile_routing(Snapshot& snap, Retired* retired) {
  std::map<std::string, NeighborRecord> kept;
  std::map<std::string, NeighborTable*> tables;
  std::map<std::string, Neighbor6Table*> tables6;
  for (const BridgeSpec& b : desired_.bridges) {
    if (!b.router) continue;
    NeighborRecord& record = kept[b.name];
    auto old = neighbors_.find(b.name);
    const bool had = old != neighbors_.end();
    if (had && old->second.table && old->second.router.address == b.router->address &&
        old->second.router.prefix_length == b.router->prefix_length) {
      record.table = std::move(old->second.table);
    } else {
      record.table = std::make_unique<NeighborTable>(kNeighborCapacity);
    }
    if (b.router->v6) {
      const std::optional<RouterInterface6Spec> was = had ? old->second.router.v6 : std::nullopt;
      if (had && old->second.table6 && was && was->address == b.router->v6->address &&
          was->prefix_length == b.router->v6->prefix_length) {
        record.table6 = std::move(old->second.table6);
      } else {
        record.table6 = std::make_unique<Neighbor6Table>(kNeighborCapacity);
      }
      tables6[b.name] = record.table6.get();
    }
    record.router = *b.router;
    tables[b.name] = record.table.get();
  }
  for (auto& [name, record] : neighbors_) {
    if (record.table) retired->neighbors.push_back(std::move(record.table));
    if (record.table6) retired->neighbors6.push_back(std::move(record.table6));
  }
  neighbors_ = std::move(kept);
  compile_routes(snap, desired_.bridges, desired_.routes, tables, tsc_hz_);
  compile_routes6(snap, desired_.bridges, desired_.routes6, tables6);
  compile_nat(snap, retired);
}

void DataplaneImpl::compile_nat(Snapshot& snap, Retired* retired) {
  std::map<std::string, NatRecord> kept;
  std::map<std::string, netproto::NatTable*> by_uplink;
  for (auto& [uplink, want] : plan_nat_tables(desired_.bridges, tsc_hz_)) {
    auto old = nat_tables_.find(uplink);
    NatRecord& record = kept[uplink];
    if (old != nat_tables_.end() && old->second.table && same_nat_table(old->second.plan, want)) {
      record = std::move(old->second);
    } else {
      want.config.seed = std::random_device{}() | uint64_t{std::random_device{}()} << 32;
      auto created = create_nat_table(want);
      if (!created) {
        log::error("dataplane", "cannot create a NAT table", {{"uplink", uplink}, {"error", created.error().message}});
        kept.erase(uplink);
        continue;  // its networks route without NAT: counted nat_no_session inbound, nothing leaves untranslated
      }
      record.plan = want;
      record.table = std::move(*created);
    }
    by_uplink[uplink] = record.table.get();
  }
  for (auto& [uplink, record] : nat_tables_) {
    if (record.table) retired->nat_tables.push_back(std::move(record.table));
  }
  nat_tables_ = std::move(kept);
  attach_nat_tables(snap, desired_.bridges, by_uplink);
}

std::map<std::string, NatTablePlan> plan_nat_tables(const std::vector<BridgeSpec>& bridges, uint64_t tsc_hz) {
  std::map<std::string, NatTablePlan> plans;
  for (const BridgeSpec& b : bridges) {
    if (!b.nat) continue;
    const bool first = plans.count(b.nat->uplink) == 0;
    NatTablePlan& p = plans[b.nat->uplink];
    p.config.max_sessions = first ? b.nat->max_sessions : std::max(p.config.max_sessions, b.nat->max_sessions);
    // Per host, 0 is no limit: the largest of all.
    const uint32_t per_host = b.nat->max_sessions_per_host;
    const uint32_t had = p.config.max_sessions_per_host;
    p.config.max_sessions_per_host = first ? per_host : (had == 0 || per_host == 0 ? 0 : std::max(had, per_host));
    p.forwards.insert(p.forwards.end(), b.nat->forwards.begin(), b.nat->forwards.end());
  }
  for (auto& [uplink, p] : plans) {
    for (const BridgeSpec& b : bridges) {
      if (b.name == uplink && b.router) p.config.external_ip = b.router->address;  // check_switch_spec: routed
    }
    p.config.timeouts = netproto::NatTimeouts{7440 * tsc_hz, 240 * tsc_hz, 10 * tsc_hz, 300 * tsc_hz, 60 * tsc_hz};
  }
  return plans;
}

bool same_nat_table(const NatTablePlan& a, const NatTablePlan& b) {
  return a.forwards == b.forwards && a.config.external_ip == b.config.external_ip &&
         a.config.max_sessions == b.config.max_sessions &&
         a.config.max_sessions_per_host == b.config.max_sessions_per_host;
}

Result<std::unique_ptr<netproto::NatTable>> create_nat_table(const NatTablePlan& plan) {
  auto created = netproto::NatTable::create(plan.config);
  if (!created) return created;
  // Not yet published: the worker cannot see the table, so the control plane may set it up.
  for (const NatForwardSpec& f : plan.forwards) {
    netproto::NatForward forward{f.protocol == 6 ? netproto::NatProto::tcp : netproto::NatProto::udp, f.port, f.to,
                                 f.to_port};
    if (auto added = (*created)->add_forward(forward); !added) {
      log::error("dataplane", "cannot add a port forward",
                 {{"external_ip", plan.config.external_ip}, {"error", added.error().message}});
    }
  }
  return created;
}

void attach_nat_tables(Snapshot& snap, const std::vector<BridgeSpec>& bridges,
                       const std::map<std::string, netproto::NatTable*>& by_uplink) {
  for (size_t n = 0; n < bridges.size(); ++n) {
    const BridgeSpec& b = bridges[n];
    if (auto it = by_uplink.find(b.name); it != by_uplink.end()) snap.networks[n].nat = it->second;
    if (!b.nat) continue;
    auto it = by_uplink.find(b.nat->uplink);
    // Without its table a NAT network must not leak inside addresses: it keeps nat_inside with no
    // table, and the route stage drops what would leave it (nat_limit).
    snap.networks[n].nat_inside = true;
    snap.networks[n].nat = it != by_uplink.end() ? it->second : nullptr;
  }
}

void compile_routes(Snapshot& snap, const std::vector<BridgeSpec>& bridges, const std::vector<RouteSpec>& routes,
                    const std::map<std::string, NeighborTable*>& neighbor_tables, uint64_t tsc_hz) {
  snap.router_times = RouterTimes{kNeighborAgingS * tsc_hz, kNeighborRefreshS * tsc_hz, tsc_hz / kRequestsPerSecond,
                                  tsc_hz / kIcmpErrorsPerSecond, kIcmpErrorBurst};
  std::vector<LpmEntry> entries;
  for (size_t n = 0; n < bridges.size(); ++n) {
    const BridgeSpec& b = bridges[n];
    if (!b.router) continue;
    const RouterInterfaceSpec& r = *b.router;
    SnapshotNetwork& net = snap.networks[n];
    net.routed = true;
    net.router_ip = r.address;
    net.subnet_mask = netproto::prefix_mask(r.prefix_length);
    net.router_mac = mac_key(r.mac.data());
    net.router_mac_bytes = r.mac;
    net.dhcp = r.dhcp;
    net.route_mtu = 0;
    for (uint16_t k = 0; k < net.member_count; ++k) {
      const uint32_t mtu = snap.ports[snap.members[net.members[k]].port].max_frame - kEthHeaderLen;
      net.route_mtu = net.route_mtu == 0 ? mtu : std::min(net.route_mtu, mtu);
    }
    if (net.route_mtu == 0) net.route_mtu = kDefaultRouteMtu;
    net.neighbors = neighbor_tables.at(b.name);

    const auto network = static_cast<uint16_t>(n);
    entries.push_back({r.address & net.subnet_mask, r.prefix_length, static_cast<uint32_t>(snap.next_hops.size())});
    snap.next_hops.push_back(NextHop{network, 0, false});
    entries.push_back({r.address, 32, static_cast<uint32_t>(snap.next_hops.size())});
    snap.next_hops.push_back(NextHop{network, 0, true});
  }

  for (const RouteSpec& route : routes) {
    for (size_t n = 0; n < bridges.size(); ++n) {
      const SnapshotNetwork& net = snap.networks[n];
      if (!net.routed || (route.via & net.subnet_mask) != (net.router_ip & net.subnet_mask)) continue;
      if (route.length == 0) {
        snap.default_hop = static_cast<uint32_t>(snap.next_hops.size());
      } else {
        entries.push_back({route.prefix, route.length, static_cast<uint32_t>(snap.next_hops.size())});
      }
      snap.next_hops.push_back(NextHop{static_cast<uint16_t>(n), route.via, false});
      break;
    }
  }
  if (entries.empty()) return;

  rte_lpm_config config{};
  config.max_rules = static_cast<uint32_t>(entries.size());
  // Every prefix longer than /24 takes a tbl8 group of its own.
  config.number_tbl8s = 16 + static_cast<uint32_t>(
      std::count_if(entries.begin(), entries.end(), [](const LpmEntry& e) { return e.length > 24; }));
  // LPM names are process-wide and the old snapshot's table lives until its grace period ends.
  static std::atomic<uint64_t> serial{0};
  const std::string name = "egw_lpm_" + std::to_string(++serial);
  rte_lpm* lpm = rte_lpm_create(name.c_str(), SOCKET_ID_ANY, &config);
  if (lpm == nullptr) {
    // Routing stops (every routed packet is counted no_route) but bridging goes on.
    log::error("dataplane", "cannot create the route table", {{"error", rte_strerror(rte_errno)}});
    return;
  }
  snap.lpm = std::shared_ptr<rte_lpm>(lpm, rte_lpm_free);
  for (const LpmEntry& e : entries) {
    if (rte_lpm_add(lpm, e.prefix, e.length, e.hop) != 0) {
      log::error("dataplane", "cannot add a route", {{"prefix", e.prefix}, {"length", e.length}});
    }
  }
}

std::vector<NatSessionStatus> DataplaneImpl::nat_sessions(const std::string& network, size_t limit) const {
  std::vector<NatSessionStatus> out;
  const BridgeSpec* net = nullptr;
  for (const BridgeSpec& b : desired_.bridges) {
    if (b.name == network) net = &b;
  }
  if (net == nullptr || !net->router) return out;
  // A NAT network lists its own hosts' sessions of its uplink's table; an uplink lists them all.
  const std::string& uplink = net->nat ? net->nat->uplink : net->name;
  auto table = nat_tables_.find(uplink);
  if (table == nat_tables_.end() || !table->second.table) return out;
  const uint32_t mask = netproto::prefix_mask(net->router->prefix_length);
  std::vector<netproto::NatSessionInfo> sessions;
  table->second.table->snapshot_sessions(&sessions);
  // Most recently active first, so a limit keeps the live ones.
  std::sort(sessions.begin(), sessions.end(),
            [](const netproto::NatSessionInfo& a, const netproto::NatSessionInfo& b) { return a.last_seen > b.last_seen; });
  const uint64_t now = rte_get_tsc_cycles();
  static const char* const kProto[] = {"tcp", "udp", "icmp"};
  static const char* const kTcpState[] = {"", "transitory", "established", "closing"};
  for (const netproto::NatSessionInfo& s : sessions) {
    if (out.size() >= limit) break;
    if (net->nat && (s.inside_ip & mask) != (net->router->address & mask)) continue;
    NatSessionStatus v;
    v.protocol = kProto[static_cast<size_t>(s.proto)];
    v.inside_ip = s.inside_ip;
    v.inside_port = s.inside_port;
    v.remote_ip = s.remote_ip;
    v.remote_port = s.remote_port;
    v.external_ip = s.external_ip;
    v.external_port = s.external_port;
    v.forwarded = s.forwarded;
    v.tcp_state = s.proto == netproto::NatProto::tcp ? kTcpState[static_cast<size_t>(s.tcp_state)] : "";
    v.idle_s = now > s.last_seen && tsc_hz_ != 0 ? static_cast<uint32_t>((now - s.last_seen) / tsc_hz_) : 0;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace edgegw::dataplane
