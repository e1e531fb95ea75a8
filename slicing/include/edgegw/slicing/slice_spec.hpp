// What a slice promises on one shaped port, compiled for the fast path (no strings): priority,
// weight, guaranteed and ceiling rates, burst, queue limits, drop policy and latency budget; and the
// port's shaper. check_slices() is the admission check of one port.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace edgegw::slicing {

inline constexpr unsigned kMaxSlices = 64;
inline constexpr unsigned kPriorities = 8;

enum class DropPolicy : uint8_t { tail, codel, red };

struct CodelParams {
  uint64_t target_ns = 5'000'000;
  uint64_t interval_ns = 100'000'000;
};

struct RedParams {
  uint32_t min_packets = 0;
  uint32_t max_packets = 0;
  uint32_t max_p_permille = 100;
  uint8_t weight_shift = 9;  // the average moves by 2^-weight_shift of the difference per packet
};

struct SliceSpec {
  uint8_t priority = 7;             // 0 = highest .. 7
  uint32_t weight = 1;              // 1..1000: share of the excess among slices of equal priority
  uint64_t guaranteed_bps = 0;      // bits/s honoured first; 0 = none
  uint64_t ceiling_bps = 0;         // bits/s never exceeded; 0 = the port rate
  uint32_t burst_bytes = 16384;     // depth of the guaranteed and ceiling buckets
  uint32_t queue_packets = 1024;    // queue limit in packets ...
  uint32_t queue_bytes = 1u << 20;  // ... and in bytes (both apply)
  DropPolicy drop = DropPolicy::tail;
  CodelParams codel;
  RedParams red;
  uint64_t latency_budget_ns = 0;  // 0 = none; packets that waited longer are counted
};

struct PortShaperSpec {
  uint64_t rate_bps = 0;
  uint32_t burst_bytes = 16384;
  uint16_t overhead_bytes = 24;  // added to each packet's length for all rate accounting
};

// "" when the slices fit the port; else what is wrong, naming the slices by index: more than
// kMaxSlices, guarantees that add up beyond the port's rate, a guarantee above its ceiling, a
// ceiling above the port rate, zero limits, a priority or weight out of range, RED thresholds.
std::string check_slices(const PortShaperSpec& port, std::span<const SliceSpec> slices);

}  // namespace edgegw::slicing
