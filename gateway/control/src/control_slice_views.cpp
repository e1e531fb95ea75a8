// Slice views for ControlApi (`slice.list`, `slice.show`, /api/v1/slices): each slice of the active
// config with its promise, joined by name with the data plane's counters and latency percentiles.
// Field names are the API: docs/cli.md lists them.

#include "edgegw/control/control_api.hpp"

namespace edgegw::control {
namespace {

using nlohmann::json;

double micros(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

json latency_json(const dataplane::LatencySummary& l) {
  return {{"count", l.count},    {"p50_us", micros(l.p50_ns)}, {"p99_us", micros(l.p99_ns)},
          {"p999_us", micros(l.p999_ns)}, {"max_us", micros(l.max_ns)}, {"mean_us", micros(l.mean_ns)}};
}

json queue_json(const dataplane::SliceQueueStatus& q) {
  return {{"port", q.port},
          {"enqueued_packets", q.enqueued_packets},
          {"enqueued_bytes", q.enqueued_bytes},
          {"sent_packets", q.sent_packets},
          {"sent_bytes", q.sent_bytes},
          {"drops",
           {{"queue_full", q.drop_queue_full}, {"red", q.drop_red}, {"codel", q.drop_codel}, {"tx", q.drop_tx}}},
          {"over_budget", q.over_budget},
          {"depth_packets", q.depth_packets},
          {"depth_bytes", q.depth_bytes},
          {"max_depth_packets", q.max_depth_packets},
          {"sojourn", latency_json(q.sojourn)},
          {"rx_to_tx", latency_json(q.rx_to_tx)}};
}

json snssai_json(const std::optional<SnssaiConfig>& label) {
  if (!label) return nullptr;
  json out = {{"sst", label->sst}};
  out["sd"] = label->sd ? json(snssai_sd_text(*label->sd)) : json(nullptr);
  return out;
}

// The slice `config` describes (nullptr: the implicit default slice of a config without slices).
json slice_json(const SliceConfig* config, const dataplane::SliceStatus& s) {
  uint64_t sent = 0, dropped = 0, depth = 0;
  for (const dataplane::SliceQueueStatus& q : s.queues) {
    sent += q.sent_packets;
    dropped += q.drop_queue_full + q.drop_red + q.drop_codel + q.drop_tx;
    depth += q.depth_packets;
  }
  json queues = json::array();
  for (const dataplane::SliceQueueStatus& q : s.queues) queues.push_back(queue_json(q));
  SliceConfig implicit;
  implicit.name = s.name;
  implicit.priority = 7;
  implicit.is_default = true;
  const SliceConfig& c = config != nullptr ? *config : implicit;
  return {{"name", s.name},
          {"class", slice_class_name(c.cls)},
          {"priority", c.priority},
          {"weight", c.weight},
          {"guaranteed_kbit", c.guaranteed_kbit},
          {"ceiling_kbit", c.ceiling_kbit},
          {"latency_budget_us", c.latency_budget_us},
          {"default", c.is_default},
          {"implicit", config == nullptr},
          {"snssai", snssai_json(c.snssai)},
          {"police", c.police ? json(c.police->trtcm ? "trtcm" : "srtcm") : json(nullptr)},
          {"packets", s.packets},
          {"bytes", s.bytes},
          {"colors", {{"green", s.green}, {"yellow", s.yellow}, {"red", s.red}}},
          {"policed", s.policed},
          {"remarked", s.remarked},
          {"sent_packets", sent},
          {"dropped_packets", dropped + s.policed},
          {"depth_packets", depth},
          {"queues", queues}};
}

}  // namespace

json ControlApi::slices() const {
  json out = json::array();
  const std::optional<GatewayConfig>& active = apply_.active();
  for (const dataplane::SliceStatus& s : dataplane_.slices()) {
    out.push_back(slice_json(active ? active->find_slice(s.name) : nullptr, s));
  }
  return out;
}

std::optional<json> ControlApi::slice_show(const std::string& name) const {
  const std::optional<GatewayConfig>& active = apply_.active();
  for (const dataplane::SliceStatus& s : dataplane_.slices()) {
    if (s.name == name) return slice_json(active ? active->find_slice(s.name) : nullptr, s);
  }
  return std::nullopt;
}

}  // namespace edgegw::control
