// The part of snapshot compilation that turns BridgeSpec memberships into forwarding tables. Apart
// from DataplaneImpl so that the pipeline's tests and fuzzer build their snapshots with the same
// code the data plane uses.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "edgegw/dataplane/switch_spec.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {

// Fills snap.members, the networks' member lists, member_by_port_id and static MACs, each port's
// untagged membership and its slice of snap.tag_map, and snap.static_macs. Expects snap.ports
// filled (the ports that are up, named by `index_of_port`) and snap.networks sized like `bridges`,
// in the same order, and a spec that check_switch_spec() accepted. Members whose port is not up
// are left out; a static MAC on such a port stays, pointing nowhere (frames to it are dropped).
void compile_memberships(Snapshot& snap, const std::vector<BridgeSpec>& bridges,
                         const std::map<std::string, uint16_t>& index_of_port);

}  // namespace edgegw::dataplane
