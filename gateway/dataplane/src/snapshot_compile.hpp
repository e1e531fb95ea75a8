// The parts of snapshot compilation that turn BridgeSpecs into forwarding tables (memberships,
// routes, NAT tables). Apart from DataplaneImpl so that the pipeline's tests and fuzzer build their
// snapshots with the same code the data plane uses.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/dataplane/switch_spec.hpp"
#include "edgegw/netproto/nat_table.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {

// Fills snap.members, the networks' member lists, member_by_port_id and static MACs, each port's
// untagged membership and its slice of snap.tag_map, and snap.static_macs. Expects snap.ports
// filled (the ports that are up, named by `index_of_port`) and snap.networks sized like `bridges`,
// in the same order, and a spec that check_switch_spec() accepted. Members whose port is not up
// are left out; a static MAC on such a port stays, pointing nowhere (frames to it are dropped).
// `member_policies` ([bridge][member] in spec order, see SecurityPolicies) gives each membership its
// security policy; without it no membership is filtered.
void compile_memberships(Snapshot& snap, const std::vector<BridgeSpec>& bridges,
                         const std::map<std::string, uint16_t>& index_of_port,
                         const std::vector<std::vector<uint16_t>>* member_policies = nullptr);

}  // namespace edgegw::dataplane

namespace edgegw::dataplane {


// Fills the routing part of `snap` (after compile_memberships): each routed network's gateway
// interface, route MTU and neighbor table (from `neighbor_tables`, by network name, one for every
// bridge with a router), the router timings for `tsc_hz`, and the LPM over connected subnets,
// gateway addresses (/32, local) and static routes. Leaves snap.lpm empty when there is nothing to
// route or the LPM cannot be created (logged; routed packets are then counted no_route).
void compile_routes(Snapshot& snap, const std::vector<BridgeSpec>& bridges, const std::vector<RouteSpec>& routes,
                    const std::map<std::string, NeighborTable*>& neighbor_tables, uint64_t tsc_hz);

// The IPv6 part (after compile_routes, which sets the route MTUs): each network whose router has
// `v6` gets its addresses and neighbor table (from `neighbor_tables`, one for each such network),
// and snap.lpm6 holds the connected subnets, the gateways' /128s (local) and `routes6`.
void compile_routes6(Snapshot& snap, const std::vector<BridgeSpec>& bridges, const std::vector<Route6Spec>& routes6,
                     const std::map<std::string, Neighbor6Table*>& neighbor_tables);

// The NAT session table one uplink needs: shared by the NAT networks behind it, sized by the largest
// limits among them, holding all their port forwards, its timeouts in the worker's time unit.
struct NatTablePlan {
  netproto::NatConfig config;  // seed 0: the caller picks one
  std::vector<NatForwardSpec> forwards;
};

// The plans of `bridges` (accepted by check_switch_spec()), by uplink network name.
std::map<std::string, NatTablePlan> plan_nat_tables(const std::vector<BridgeSpec>& bridges, uint64_t tsc_hz);

// True when a table made for `a` serves `b` as it is (its sessions may be kept): same address,
// limits and forwards.
bool same_nat_table(const NatTablePlan& a, const NatTablePlan& b);

// The table of `plan` with its port forwards (a forward it cannot add is logged and left out).
Result<std::unique_ptr<netproto::NatTable>> create_nat_table(const NatTablePlan& plan);

// Points each uplink network, and each NAT network behind it, at the uplink's table (`by_uplink`,
// by network name). A NAT network whose uplink has no table stays nat_inside with no table: the
// route stage lets nothing out of it.
void attach_nat_tables(Snapshot& snap, const std::vector<BridgeSpec>& bridges,
                       const std::map<std::string, netproto::NatTable*>& by_uplink);

}  // namespace edgegw::dataplane
