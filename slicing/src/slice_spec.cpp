// Admission of a set of slices on one shaped port.
#include "edgegw/slicing/slice_spec.hpp"

namespace edgegw::slicing {

std::string check_slices(const PortShaperSpec& port, std::span<const SliceSpec> slices) {
  if (port.rate_bps == 0) return "the port's rate is 0";
  if (slices.empty()) return "no slices";
  if (slices.size() > kMaxSlices) {
    return std::to_string(slices.size()) + " slices, at most " + std::to_string(kMaxSlices);
  }
  uint64_t guaranteed = 0;
  std::string named;
  for (size_t i = 0; i < slices.size(); ++i) {
    const SliceSpec& s = slices[i];
    const std::string which = "slice " + std::to_string(i);
    if (s.priority >= kPriorities) return which + ": priority " + std::to_string(s.priority) + " is not 0..7";
    if (s.weight == 0 || s.weight > 1000) return which + ": weight " + std::to_string(s.weight) + " is not 1..1000";
    if (s.ceiling_bps != 0 && s.guaranteed_bps > s.ceiling_bps) return which + ": guaranteed rate above its ceiling";
    if (s.queue_packets == 0 || s.queue_bytes == 0 || s.burst_bytes == 0) return which + ": a zero limit";
    if (s.drop == DropPolicy::red && (s.red.min_packets >= s.red.max_packets || s.red.max_packets > s.queue_packets)) {
      return which + ": RED needs min < max <= queue packets";
    }
    if (s.drop == DropPolicy::codel && (s.codel.target_ns == 0 || s.codel.interval_ns <= s.codel.target_ns)) {
      return which + ": CoDel needs 0 < target < interval";
    }
    if (s.guaranteed_bps != 0) {
      guaranteed += s.guaranteed_bps;
      named += (named.empty() ? "" : ", ") + std::to_string(i);
    }
  }
  if (guaranteed > port.rate_bps) {
    return "guaranteed rates of slices " + named + " add up to " + std::to_string(guaranteed) +
           " bit/s, more than the port's " + std::to_string(port.rate_bps);
  }
  return "";
}

}  // namespace edgegw::slicing
