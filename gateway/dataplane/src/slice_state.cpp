// SliceState: building the slices' policers and the shaped ports' schedulers, the per-snapshot
// classifier, and the worker's migration of queued frames to a new state.
#include "slice_state.hpp"

#include <rte_ethdev.h>

#include <algorithm>

#include "snapshot.hpp"

namespace edgegw::dataplane {
namespace {

slicing::DropPolicy drop_policy(SliceDrop drop) {
  switch (drop) {
    case SliceDrop::tail: return slicing::DropPolicy::tail;
    case SliceDrop::codel: return slicing::DropPolicy::codel;
    case SliceDrop::red: return slicing::DropPolicy::red;
  }
  return slicing::DropPolicy::tail;
}

slicing::SliceSpec qos_of(const SliceSpec& s) {
  slicing::SliceSpec q;
  q.priority = s.priority;
  q.weight = s.weight;
  q.guaranteed_bps = s.guaranteed_bps;
  q.ceiling_bps = s.ceiling_bps;
  q.burst_bytes = s.burst_bytes;
  q.queue_packets = s.queue.packets;
  q.queue_bytes = s.queue.bytes;
  q.drop = drop_policy(s.queue.drop);
  q.codel.target_ns = uint64_t{s.queue.codel_target_us} * 1000;
  q.codel.interval_ns = uint64_t{s.queue.codel_interval_us} * 1000;
  q.red.min_packets = s.queue.red_min_packets;
  q.red.max_packets = s.queue.red_max_packets;
  q.red.max_p_permille = uint32_t{s.queue.red_max_p_percent} * 10;
  q.latency_budget_ns = s.latency_budget_ns;
  return q;
}

// The slice part of a spec that decides the state: the slices, and the shaper of each port by name.
std::vector<std::pair<std::string, ShaperSpec>> shapers_of(const SwitchSpec& spec) {
  std::vector<std::pair<std::string, ShaperSpec>> out;
  for (const PortSpec& p : spec.ports) {
    if (p.shaper) out.emplace_back(p.name, *p.shaper);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace

Result<std::unique_ptr<SliceState>> SliceState::build(const SwitchSpec& spec, uint64_t tsc_hz, uint64_t now) {
  std::unique_ptr<SliceState> state(new SliceState());
  state->slices_ = spec.slices;
  if (state->slices_.empty()) {
    SliceSpec implicit;
    implicit.name = "default";
    implicit.priority = 7;
    implicit.is_default = true;
    state->slices_.push_back(implicit);
  }
  const size_t n = state->slices_.size();
  state->counters_ = std::make_unique<SliceIngressCounters[]>(n);
  std::vector<slicing::SliceSpec> qos;
  for (size_t i = 0; i < n; ++i) {
    const SliceSpec& s = state->slices_[i];
    state->names_.push_back(s.name);
    if (s.is_default) state->default_ = static_cast<uint16_t>(i);
    SliceIngress in;
    in.remark_dscp = s.remark_dscp;
    in.remark_pcp = s.remark_pcp;
    in.policed = s.police.has_value();
    in.drop_yellow = s.police && s.police->drop_yellow;
    state->ingress_.push_back(in);
    if (s.police) {
      slicing::PolicerSpec p;
      p.mode = s.police->trtcm ? slicing::PolicerSpec::Mode::trtcm : slicing::PolicerSpec::Mode::srtcm;
      p.cir_bps = s.police->cir_bps;
      p.cbs_bytes = s.police->cbs_bytes;
      p.ebs_bytes = s.police->ebs_bytes;
      p.pir_bps = s.police->pir_bps;
      p.pbs_bytes = s.police->pbs_bytes;
      state->policers_.emplace_back(std::in_place, p, tsc_hz, now);
    } else {
      state->policers_.emplace_back();
    }
    if (!s.matches.empty() || in.policed || in.remark_dscp >= 0 || in.remark_pcp >= 0) state->trivial_ = false;
    qos.push_back(qos_of(s));
  }
  for (const PortSpec& p : spec.ports) {
    if (!p.shaper) continue;
    slicing::PortShaperSpec shaper;
    shaper.rate_bps = p.shaper->rate_bps;
    shaper.burst_bytes = p.shaper->burst_bytes;
    shaper.overhead_bytes = p.shaper->overhead_bytes;
    std::string error;
    std::unique_ptr<slicing::PortScheduler> scheduler = slicing::PortScheduler::create(shaper, qos, tsc_hz, now, &error);
    if (!scheduler) return make_error(Errc::invalid_argument, "port '" + p.name + "': " + error);
    ShapedPort shaped;
    shaped.port = p.name;
    shaped.scheduler = std::move(scheduler);
    shaped.tx_refused = std::make_unique<Counter[]>(n);
    state->ports_.push_back(std::move(shaped));
  }
  return state;
}

bool SliceState::same_plan(const SwitchSpec& a, const SwitchSpec& b) {
  return a.slices == b.slices && shapers_of(a) == shapers_of(b);
}

SliceState::~SliceState() {
  void* frames[32];
  for (ShapedPort& p : ports_) {
    for (uint16_t got; (got = p.scheduler->drain(frames, 32)) != 0;) {
      rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(frames), got);
    }
  }
}

uint16_t SliceState::find(const std::string& name) const {
  for (uint16_t i = 0; i < count(); ++i) {
    if (names_[i] == name) return i;
  }
  return kNoIndex;
}

ShapedPort* SliceState::shaped(const std::string& port) {
  for (ShapedPort& p : ports_) {
    if (p.port == port) return &p;
  }
  return nullptr;
}

namespace {

// The bits of the named ports or networks (indexes 0..63; a name not up now matches nothing).
uint64_t index_mask(const std::vector<std::string>& names, const std::map<std::string, uint16_t>& index_of,
                    uint32_t field, slicing::MatchRule* rule) {
  if (names.empty()) return 0;
  rule->fields |= field;
  uint64_t mask = 0;
  for (const std::string& name : names) {
    auto it = index_of.find(name);
    if (it != index_of.end() && it->second < 64) mask |= uint64_t{1} << it->second;
  }
  return mask;
}

// A prefix (address, length) or a range (first, last) the match gives, if it gives one.
template <typename Pair, typename A, typename B>
void set_pair(const std::optional<Pair>& given, uint32_t field, A* first, B* second, slicing::MatchRule* rule) {
  if (!given) return;
  rule->fields |= field;
  *first = static_cast<A>(given->first);
  *second = static_cast<B>(given->second);
}

}  // namespace

Result<std::shared_ptr<const slicing::Classifier>> build_slice_classifier(
    const SliceState& state, const std::map<std::string, uint16_t>& port_index,
    const std::map<std::string, uint16_t>& network_index, bool* needs_l3) {
  using slicing::MatchRule;
  std::vector<MatchRule> rules;
  *needs_l3 = false;
  for (uint16_t slice = 0; slice < state.count(); ++slice) {
    for (const SliceMatchSpec& m : state.slices()[slice].matches) {
      MatchRule r;
      r.slice = slice;
      r.ports = index_mask(m.ports, port_index, MatchRule::kPorts, &r);
      r.networks = index_mask(m.networks, network_index, MatchRule::kNetworks, &r);
      if (m.pcp_mask != 0) {
        r.fields |= MatchRule::kPcp;
        r.pcp = m.pcp_mask;
      }
      if (m.dscp_mask != 0) {
        r.fields |= MatchRule::kDscp;
        r.dscp = m.dscp_mask;
      }
      if (m.protocol >= 0) {
        r.fields |= MatchRule::kProtocol;
        r.protocol = static_cast<uint8_t>(m.protocol);
      }
      set_pair(m.src, MatchRule::kSrc, &r.src, &r.src_length, &r);
      set_pair(m.dst, MatchRule::kDst, &r.dst, &r.dst_length, &r);
      set_pair(m.src_ports, MatchRule::kSrcPorts, &r.src_port_first, &r.src_port_last, &r);
      set_pair(m.dst_ports, MatchRule::kDstPorts, &r.dst_port_first, &r.dst_port_last, &r);
      set_pair(m.vni, MatchRule::kVni, &r.vni_first, &r.vni_last, &r);
      if ((r.fields & ~(MatchRule::kPorts | MatchRule::kNetworks | MatchRule::kPcp)) != 0) *needs_l3 = true;
      rules.push_back(r);
    }
  }
  std::string error;
  std::unique_ptr<slicing::Classifier> c = slicing::Classifier::create(rules, state.default_slice(), &error, state.count());
  if (!c) return make_error(Errc::invalid_argument, "slice classifier: " + error);
  return std::shared_ptr<const slicing::Classifier>(std::move(c));
}

unsigned slice_migrate(SliceState& from, SliceState& to, const Snapshot& tables, uint64_t now,
                       WorkerCounters& counters) {
  // Old slice index -> new one, by name (a slice that is gone: the new default).
  uint16_t remap[slicing::kMaxSlices];
  for (uint16_t s = 0; s < from.count() && s < slicing::kMaxSlices; ++s) {
    const uint16_t found = to.find(from.name(s));
    remap[s] = found == kNoIndex ? to.default_slice() : found;
  }
  unsigned moved = 0;
  void* frames[32];
  for (ShapedPort& old : from.ports()) {
    ShapedPort* target = to.shaped(old.port);
    uint16_t egress = kNoIndex;
    for (size_t i = 0; i < tables.port_names.size(); ++i) {
      if (tables.port_names[i] == old.port) egress = static_cast<uint16_t>(i);
    }
    for (uint16_t got; (got = old.scheduler->drain(frames, 32)) != 0;) {
      auto** pkts = reinterpret_cast<rte_mbuf**>(frames);
      uint16_t unsent = 0;
      for (uint16_t k = 0; k < got; ++k) {
        rte_mbuf* m = pkts[k];
        set_slice(m, remap[from.bound(slice_of(m))]);
        if (target != nullptr) {
          if (target->scheduler->enqueue(slice_of(m), m, m->pkt_len, now, now) == slicing::EnqueueVerdict::queued) {
            ++moved;
          } else {
            pkts[unsent++] = m;  // freed below
          }
        } else {
          pkts[unsent++] = m;
        }
      }
      // No scheduler there any more: the frames leave now, as an unshaped port's would.
      uint16_t sent = 0;
      if (target == nullptr && egress != kNoIndex && unsent != 0) {
        sent = rte_eth_tx_burst(tables.ports[egress].port_id, 0, pkts, unsent);
        moved += sent;
        bump(counters.ports[tables.ports[egress].port_id].tx_packets, sent);
      }
      if (sent < unsent) {
        if (egress != kNoIndex) bump(counters.ports[tables.ports[egress].port_id].drop(DropReason::tx_full), unsent - sent);
        rte_pktmbuf_free_bulk(pkts + sent, unsent - sent);
      }
    }
  }
  return moved;
}

}  // namespace edgegw::dataplane
