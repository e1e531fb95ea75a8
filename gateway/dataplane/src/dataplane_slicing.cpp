// DataplaneImpl's slicing: keeping or rebuilding the slicing state on apply, compiling it into a
// snapshot, and the slice status (counters of the current state plus those carried from retired
// ones, latency percentiles of the current queues).
#include <rte_cycles.h>

#include "dataplane_impl.hpp"
#include "edgegw/common/log.hpp"

namespace edgegw::dataplane {
namespace {

uint64_t read(const Counter& c) { return c.load(std::memory_order_relaxed); }

LatencySummary summary_of(const slicing::HistogramSummary& h) {
  return LatencySummary{h.count, h.p50, h.p99, h.p999, h.max, h.mean};
}

void add_queue(SliceQueueStatus& to, const SliceQueueStatus& from) {
  to.enqueued_packets += from.enqueued_packets;
  to.enqueued_bytes += from.enqueued_bytes;
  to.sent_packets += from.sent_packets;
  to.sent_bytes += from.sent_bytes;
  to.drop_queue_full += from.drop_queue_full;
  to.drop_red += from.drop_red;
  to.drop_codel += from.drop_codel;
  to.drop_tx += from.drop_tx;
  to.over_budget += from.over_budget;
}

// What add_counters() does with a queue of `from` on a port `to` has no queue for.
enum class OtherPorts { add, skip };

// A slice's ingress counters, and its queues' matched by port.
void add_counters(SliceStatus& to, const SliceStatus& from, OtherPorts other_ports) {
  to.packets += from.packets;
  to.bytes += from.bytes;
  to.green += from.green;
  to.yellow += from.yellow;
  to.red += from.red;
  to.policed += from.policed;
  to.remarked += from.remarked;
  for (const SliceQueueStatus& q : from.queues) {
    SliceQueueStatus* into = nullptr;
    for (SliceQueueStatus& c : to.queues) {
      if (c.port == q.port) into = &c;
    }
    if (into == nullptr) {
      if (other_ports == OtherPorts::skip) continue;
      into = &to.queues.emplace_back();
      into->port = q.port;
    }
    add_queue(*into, q);
  }
}

// The counters of one slice of `state` (its queues' depth and latency too).
SliceStatus status_of(const SliceState& state, uint16_t slice) {
  SliceStatus s;
  s.name = state.name(slice);
  const SliceIngressCounters& c = state.counters(slice);
  s.packets = read(c.packets);
  s.bytes = read(c.bytes);
  s.green = read(c.green);
  s.yellow = read(c.yellow);
  s.red = read(c.red);
  s.policed = read(c.policed);
  s.remarked = read(c.remarked);
  for (const ShapedPort& p : state.ports()) {
    const slicing::SliceQueueStats& q = p.scheduler->stats(slice);
    SliceQueueStatus out;
    out.port = p.port;
    out.enqueued_packets = q.enqueued_packets.load(std::memory_order_relaxed);
    out.enqueued_bytes = q.enqueued_bytes.load(std::memory_order_relaxed);
    out.sent_packets = q.sent_packets.load(std::memory_order_relaxed);
    out.sent_bytes = q.sent_bytes.load(std::memory_order_relaxed);
    out.drop_queue_full = q.drop_queue_full.load(std::memory_order_relaxed);
    out.drop_red = q.drop_red.load(std::memory_order_relaxed);
    out.drop_codel = q.drop_codel.load(std::memory_order_relaxed);
    out.drop_tx = read(p.tx_refused[slice]);
    out.over_budget = q.over_budget.load(std::memory_order_relaxed);
    out.depth_packets = q.depth_packets.load(std::memory_order_relaxed);
    out.depth_bytes = q.depth_bytes.load(std::memory_order_relaxed);
    out.max_depth_packets = q.max_depth_packets.load(std::memory_order_relaxed);
    out.sojourn = summary_of(q.sojourn.summary());
    out.rx_to_tx = summary_of(q.rx_to_tx.summary());
    s.queues.push_back(out);
  }
  return s;
}

}  // namespace

Result<std::shared_ptr<SliceState>> DataplaneImpl::prepare_slicing(const SwitchSpec& spec) const {
  if (slicing_ && SliceState::same_plan(desired_, spec)) return slicing_;
  Result<std::unique_ptr<SliceState>> built = SliceState::build(spec, tsc_hz_, rte_get_tsc_cycles());
  if (!built) return built.error();
  return std::shared_ptr<SliceState>(std::move(*built));
}

void DataplaneImpl::compile_slicing(Snapshot& snap, const std::map<std::string, uint16_t>& index_of_port) {
  snap.slicing = slicing_;
  for (const SliceSpec& s : slicing_->slices()) snap.keep_polling = snap.keep_polling || s.latency_budget_ns != 0;
  snap.port_names.resize(snap.ports.size());
  for (const auto& [name, index] : index_of_port) snap.port_names[index] = name;
  for (ShapedPort& shaped : slicing_->ports()) {
    const auto it = index_of_port.find(shaped.port);
    if (it == index_of_port.end()) continue;  // down: its queue waits for it
    snap.ports[it->second].shaped = &shaped;
    snap.shaped_ports.push_back(it->second);
  }
  std::map<std::string, uint16_t> index_of_network;
  for (size_t i = 0; i < desired_.bridges.size(); ++i) {
    index_of_network[desired_.bridges[i].name] = static_cast<uint16_t>(i);
  }
  bool needs_l3 = false;
  Result<std::shared_ptr<const slicing::Classifier>> classifier =
      build_slice_classifier(*slicing_, index_of_port, index_of_network, &needs_l3);
  if (!classifier) {
    // The rules were checked when the state was built; only their indexes are new here.
    log::error("dataplane", "slice classifier not built: all traffic in the default slice",
               {{"error", classifier.error().message}});
    std::string error;
    needs_l3 = false;
    snap.slice_classifier = slicing::Classifier::create({}, slicing_->default_slice(), &error);
  } else {
    snap.slice_classifier = *classifier;
  }
  snap.slice_needs_l3 = needs_l3;
}

void DataplaneImpl::carry_slicing(const SliceState& retired) {
  for (uint16_t i = 0; i < retired.count(); ++i) {
    const SliceStatus s = status_of(retired, i);
    SliceStatus& carried = slices_carried_[s.name];
    carried.name = s.name;
    add_counters(carried, s, OtherPorts::add);
  }
}

std::vector<SliceStatus> DataplaneImpl::slices() const {
  std::vector<SliceStatus> out;
  if (!slicing_) return out;
  for (uint16_t i = 0; i < slicing_->count(); ++i) {
    SliceStatus s = status_of(*slicing_, i);
    if (auto it = slices_carried_.find(s.name); it != slices_carried_.end()) {
      add_counters(s, it->second, OtherPorts::skip);  // a port no longer shaped has no queue to show
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace edgegw::dataplane
