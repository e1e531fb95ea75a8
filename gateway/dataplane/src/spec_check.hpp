// Checks a SwitchSpec against what the data plane can hold before anything is changed, so that
// apply() either takes the whole spec (devices may still come up down, with a reason) or returns
// an error and leaves everything as it was.
#pragma once

#include "edgegw/common/result.hpp"
#include "edgegw/dataplane/switch_spec.hpp"

namespace edgegw::dataplane {

constexpr unsigned kMinMtu = 68;  // IPv4's minimum
constexpr uint32_t kMaxFdbEntries = 1u << 20;

// Unique, non-empty port and network names; unique devices; MTUs in [68, max_mtu]; every network
// member is a known port that belongs to no other network; FDB sizes and ageing in range; no more
// ports than DPDK has port ids.
Result<void> check_switch_spec(const SwitchSpec& spec, unsigned max_mtu);

}  // namespace edgegw::dataplane
