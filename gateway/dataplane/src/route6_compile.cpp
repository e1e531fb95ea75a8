// The IPv6 half of the route compiler: gateway addresses, neighbor tables and the rte_lpm6 of a
// snapshot (see compile_routes6 in snapshot_compile.hpp).
#include <rte_errno.h>
#include <rte_lpm6.h>
#include <rte_memory.h>

#include <atomic>
#include <string>

#include "edgegw/common/log.hpp"
#include "edgegw/netproto/ipv6.hpp"
#include "snapshot_compile.hpp"

namespace edgegw::dataplane {
namespace {

struct Lpm6Entry {
  std::array<uint8_t, 16> prefix{};
  uint8_t length = 0;
  uint32_t hop = 0;
};

// rte_lpm6 takes one tbl8 group per byte of a prefix beyond the first three.
uint32_t tbl8_groups(const std::vector<Lpm6Entry>& entries) {
  uint32_t groups = 16;
  for (const Lpm6Entry& e : entries) groups += e.length > 24 ? (e.length - 24 + 7) / 8 : 0;
  return groups;
}

}  // namespace

void compile_routes6(Snapshot& snap, const std::vector<BridgeSpec>& bridges, const std::vector<Route6Spec>& routes6,
                     const std::map<std::string, Neighbor6Table*>& neighbor_tables) {
  std::vector<Lpm6Entry> entries;
  for (size_t n = 0; n < bridges.size(); ++n) {
    const BridgeSpec& b = bridges[n];
    if (!b.router || !b.router->v6) continue;
    const RouterInterface6Spec& r = *b.router->v6;
    SnapshotNetwork& net = snap.networks[n];
    net.routed6 = true;
    net.rs_punt = r.router_solicitations;
    net.prefix6 = r.prefix_length;
    net.router_ip6 = r.address;
    net.link_local6 = netproto::ipv6_link_local(b.router->mac);
    net.neighbors6 = neighbor_tables.at(b.name);

    const auto network = static_cast<uint16_t>(n);
    entries.push_back({netproto::ipv6_prefix_of(r.address, r.prefix_length), r.prefix_length,
                       static_cast<uint32_t>(snap.next_hops6.size())});
    snap.next_hops6.push_back(NextHop6{network, false, {}});
    entries.push_back({r.address, 128, static_cast<uint32_t>(snap.next_hops6.size())});
    snap.next_hops6.push_back(NextHop6{network, true, {}});
  }

  for (const Route6Spec& route : routes6) {
    for (size_t n = 0; n < bridges.size(); ++n) {
      const SnapshotNetwork& net = snap.networks[n];
      if (!net.routed6 || !netproto::ipv6_in_prefix(route.via, net.router_ip6, net.prefix6)) continue;
      if (route.length == 0) {
        snap.default_hop6 = static_cast<uint32_t>(snap.next_hops6.size());
      } else {
        entries.push_back({route.prefix, route.length, static_cast<uint32_t>(snap.next_hops6.size())});
      }
      snap.next_hops6.push_back(NextHop6{static_cast<uint16_t>(n), false, route.via});
      break;
    }
  }
  if (entries.empty()) return;

  rte_lpm6_config config{};
  config.max_rules = static_cast<uint32_t>(entries.size());
  config.number_tbl8s = tbl8_groups(entries);
  static std::atomic<uint64_t> serial{0};  // names are process-wide; the old table lives on a while
  const std::string name = "egw_lpm6_" + std::to_string(++serial);
  rte_lpm6* lpm = rte_lpm6_create(name.c_str(), SOCKET_ID_ANY, &config);
  if (lpm == nullptr) {
    log::error("dataplane", "cannot create the IPv6 route table", {{"error", rte_strerror(rte_errno)}});
    return;  // IPv6 routing stops (counted no_route); neighbor discovery and bridging go on
  }
  snap.lpm6 = std::shared_ptr<rte_lpm6>(lpm, rte_lpm6_free);
  for (const Lpm6Entry& e : entries) {
    if (rte_lpm6_add(lpm, e.prefix.data(), e.length, e.hop) != 0) {
      log::error("dataplane", "cannot add an IPv6 route",
                 {{"prefix", netproto::format_ipv6(e.prefix)}, {"length", e.length}});
    }
  }
}

}  // namespace edgegw::dataplane
