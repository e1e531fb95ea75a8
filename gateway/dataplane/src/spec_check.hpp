// Checks a SwitchSpec against what the data plane can hold before anything is changed, so that
// apply() either takes the whole spec (devices may still come up down, with a reason) or returns
// an error and leaves everything as it was.
#pragma once

#include "edgegw/common/result.hpp"
#include "edgegw/dataplane/switch_spec.hpp"

namespace edgegw::dataplane {

constexpr unsigned kMinMtu = 68;  // IPv4's minimum
constexpr uint32_t kMaxFdbEntries = 1u << 20;
constexpr uint16_t kMaxVlan = 4094;

// Unique, non-empty port and network names; unique devices; MTUs in [68, max_mtu]; FDB sizes and
// ageing in range; no more ports than DPDK has port ids. Memberships: a known port, once per
// network, vlan and outer_vlan in 0..4094 (0 = none), outer_vlan only with vlan, and a port in
// several networks only with distinct (outer_vlan, vlan), so at most one untagged membership. Static
// MACs: unicast, not zero, unique per network, on a member port of that network.
Result<void> check_switch_spec(const SwitchSpec& spec, unsigned max_mtu);

}  // namespace edgegw::dataplane
