// Slicing in the data plane: the state that lives across applies (each shaped port's scheduler with
// its queued frames, each slice's policer and counters) and the per-snapshot classifier.
//
// A SliceState is built from the slice part of a SwitchSpec (the slices and the ports' shapers) and
// kept by every apply whose slice part is the same, so queues, meters and counters go on. A changed
// slice part builds a new state; the old one is retired with the old snapshot, and the worker, when
// it first sees the new state, moves the frames still queued in the old one into the new queues of
// the same port and slice name (slice_migrate), so a reconfiguration loses nothing it queued.
//
// Threading: built and read (counters, stats) by the control plane; the worker is the only writer of
// the schedulers, policers and counters (relaxed load + store, see counters.hpp).
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "counters.hpp"
#include "edgegw/dataplane/switch_spec.hpp"
#include "edgegw/slicing/classifier.hpp"
#include "edgegw/slicing/policer.hpp"
#include "edgegw/slicing/scheduler.hpp"
#include "slice_mark.hpp"

namespace edgegw::dataplane {

struct Snapshot;

// What a slice does to its frames at ingress; fixed for the state's life.
struct SliceIngress {
  int16_t remark_dscp = -1;  // -1 keep
  int16_t remark_pcp = -1;   // -1 keep
  bool policed = false;
  bool drop_yellow = false;
};

struct alignas(64) SliceIngressCounters {
  Counter packets{0};
  Counter bytes{0};
  Counter green{0};
  Counter yellow{0};
  Counter red{0};
  Counter policed{0};
  Counter remarked{0};
};

// One shaped port's scheduler and the frames its device refused, per slice.
struct ShapedPort {
  std::string port;
  std::unique_ptr<slicing::PortScheduler> scheduler;
  std::unique_ptr<Counter[]> tx_refused;  // per slice
};

class SliceState {
 public:
  // The slices of `spec` (an implicit "default" one when it has none) and a scheduler for every
  // port with a shaper, on the TSC clock. An error (a scheduler the slicing library refuses) names
  // the port; nothing is built then.
  static Result<std::unique_ptr<SliceState>> build(const SwitchSpec& spec, uint64_t tsc_hz, uint64_t now);
  // Equal slice parts keep the state: the slices and which ports have which shaper.
  static bool same_plan(const SwitchSpec& a, const SwitchSpec& b);
  ~SliceState();  // frees the frames still queued (none once the worker migrated them)
  SliceState(const SliceState&) = delete;
  SliceState& operator=(const SliceState&) = delete;

  uint16_t count() const { return static_cast<uint16_t>(names_.size()); }
  uint16_t default_slice() const { return default_; }
  uint16_t bound(uint16_t slice) const { return slice < count() ? slice : default_; }
  const std::string& name(uint16_t slice) const { return names_[slice]; }
  // kNoIndex when there is no slice of that name.
  uint16_t find(const std::string& name) const;
  const SliceIngress& ingress(uint16_t slice) const { return ingress_[slice]; }
  SliceIngressCounters& counters(uint16_t slice) const { return counters_[slice]; }
  slicing::Policer& policer(uint16_t slice) const { return *policers_[slice]; }
  // True when classification needs nothing but the default: no rules, no policer, no remarking.
  bool trivial() const { return trivial_; }
  std::vector<ShapedPort>& ports() { return ports_; }
  const std::vector<ShapedPort>& ports() const { return ports_; }
  ShapedPort* shaped(const std::string& port);
  const std::vector<SliceSpec>& slices() const { return slices_; }

 private:
  SliceState() = default;
  std::vector<SliceSpec> slices_;  // as built (the implicit default one included)
  std::vector<std::string> names_;
  uint16_t default_ = 0;
  bool trivial_ = true;
  std::vector<SliceIngress> ingress_;
  std::unique_ptr<SliceIngressCounters[]> counters_;
  // Policers are mutable state of the worker; empty for a slice without one.
  mutable std::vector<std::optional<slicing::Policer>> policers_;
  std::vector<ShapedPort> ports_;
};

// The classifier of one snapshot: the slices' matches with port and network names resolved to that
// snapshot's indexes (a name not in it matches nothing). Sets `needs_l3` when a rule looks past L2.
// `port_index` and `network_index` map names to the snapshot's indexes.
Result<std::shared_ptr<const slicing::Classifier>> build_slice_classifier(
    const SliceState& state, const std::map<std::string, uint16_t>& port_index,
    const std::map<std::string, uint16_t>& network_index, bool* needs_l3);

// The worker's move of queued frames from `from` (the state it used last) into `to` (the current
// one): per port name and slice name; a port without a scheduler now gets them sent at once, a port
// that is gone frees them. Returns the frames moved.
// Frames it has to free (a queue full, a port gone) are counted on the port as tx_full.
unsigned slice_migrate(SliceState& from, SliceState& to, const Snapshot& tables, uint64_t now,
                       WorkerCounters& counters);

}  // namespace edgegw::dataplane
