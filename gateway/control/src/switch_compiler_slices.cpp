// The table compiler's slice part: shapers onto ports, slices with their matches resolved (guests to
// their NIC ports, masks from lists, rates in bit/s, times in ns).
#include "switch_compiler_slices.hpp"

namespace edgegw::control {
namespace {

dataplane::SliceDrop drop_of(SliceDropPolicy policy) {
  switch (policy) {
    case SliceDropPolicy::tail: return dataplane::SliceDrop::tail;
    case SliceDropPolicy::codel: return dataplane::SliceDrop::codel;
    case SliceDropPolicy::red: return dataplane::SliceDrop::red;
  }
  return dataplane::SliceDrop::tail;
}

dataplane::SliceMatchSpec match_of(const SliceMatchConfig& m, const GatewayConfig& config) {
  dataplane::SliceMatchSpec out;
  out.ports = m.ports;
  for (const std::string& guest : m.guests) {
    if (const GuestConfig* g = config.find_guest(guest)) {
      for (const GuestNicConfig& nic : g->nics) out.ports.push_back(nic.port);
    }
  }
  // A guest without NICs matches nothing: a port list that names no port would match every port.
  if (!m.guests.empty() && out.ports.empty()) out.ports.push_back("");
  out.networks = m.networks;
  for (uint8_t pcp : m.pcp) out.pcp_mask = static_cast<uint8_t>(out.pcp_mask | 1u << pcp);
  for (uint8_t dscp : m.dscp) out.dscp_mask |= uint64_t{1} << dscp;
  if (m.protocol) out.protocol = *m.protocol;
  if (m.src) out.src = std::pair{m.src->prefix.address, m.src->prefix.length};
  if (m.dst) out.dst = std::pair{m.dst->prefix.address, m.dst->prefix.length};
  if (m.src_ports) out.src_ports = std::pair{m.src_ports->first, m.src_ports->last};
  if (m.dst_ports) out.dst_ports = std::pair{m.dst_ports->first, m.dst_ports->last};
  if (m.vni) out.vni = std::pair{m.vni->first, m.vni->last};
  return out;
}

}  // namespace

void compile_slices(const GatewayConfig& config, dataplane::SwitchSpec& spec) {
  for (size_t i = 0; i < config.ports.size() && i < spec.ports.size(); ++i) {
    if (const auto& shaper = config.ports[i].shaper) {
      spec.ports[i].shaper = dataplane::ShaperSpec{shaper->rate_kbit * 1000, shaper->burst_bytes, shaper->overhead_bytes};
    }
  }
  spec.slices.reserve(config.slices.size());
  for (const SliceConfig& s : config.slices) {
    dataplane::SliceSpec out;
    out.name = s.name;
    out.priority = s.priority;
    out.weight = s.weight;
    out.guaranteed_bps = s.guaranteed_kbit * 1000;
    out.ceiling_bps = s.ceiling_kbit * 1000;
    out.burst_bytes = s.burst_bytes;
    out.queue = dataplane::SliceQueueSpec{s.queue.packets,         s.queue.bytes,           drop_of(s.queue.drop),
                                          s.queue.codel_target_us, s.queue.codel_interval_us, s.queue.red_min_packets,
                                          s.queue.red_max_packets, s.queue.red_max_p_percent};
    out.latency_budget_ns = uint64_t{s.latency_budget_us} * 1000;
    for (const SliceMatchConfig& m : s.match) out.matches.push_back(match_of(m, config));
    if (s.remark_dscp) out.remark_dscp = *s.remark_dscp;
    if (s.remark_pcp) out.remark_pcp = *s.remark_pcp;
    if (s.police) {
      const SlicePoliceConfig& p = *s.police;
      out.police = dataplane::SlicePoliceSpec{p.trtcm,         p.cir_kbit * 1000, p.cbs_bytes, p.ebs_bytes,
                                              p.pir_kbit * 1000, p.pbs_bytes,     p.drop_yellow};
    }
    out.is_default = s.is_default;
    spec.slices.push_back(std::move(out));
  }
}

}  // namespace edgegw::control
