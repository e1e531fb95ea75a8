// NAT session table: the readers (counters and session snapshots from any thread) and the
// invariant check used by the tests and the fuzzer.
#include <bit>
#include <unordered_map>

#include "edgegw/netproto/nat_table.hpp"

namespace edgegw::netproto {

namespace {
// Readers load the worker's fields through atomic_ref; the const_cast only satisfies its
// constructor, nothing is written.
template <class T>
T load(const T& field, std::memory_order order = std::memory_order_relaxed) {
  return std::atomic_ref<T>(const_cast<T&>(field)).load(order);
}
}  // namespace

uint32_t NatTable::size() const { return load(size_); }

NatCounters NatTable::counters() const {
  NatCounters c;
  c.sessions_created = load(counters_.sessions_created);
  c.sessions_expired = load(counters_.sessions_expired);
  c.table_full = load(counters_.table_full);
  c.host_limit = load(counters_.host_limit);
  c.no_port = load(counters_.no_port);
  for (size_t p = 0; p < kNatProtoCount; ++p) c.live[p] = load(counters_.live[p]);
  return c;
}

void NatTable::snapshot_sessions(std::vector<NatSessionInfo>* out) const {
  constexpr int kTries = 8;
  out->clear();
  for (uint32_t i = 0; i < config_.max_sessions; ++i) {
    const Session& s = sessions_[i];
    for (int t = 0; t < kTries; ++t) {
      const uint32_t before = load(s.seq, std::memory_order_acquire);
      if ((before & 1) != 0) continue;
      Session c;
      c.inside_ip = load(s.inside_ip);
      c.remote_ip = load(s.remote_ip);
      c.inside_port = load(s.inside_port);
      c.remote_port = load(s.remote_port);
      c.external_port = load(s.external_port);
      c.proto = load(s.proto);
      c.flags = load(s.flags);
      c.last_seen = load(s.last_seen);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (load(s.seq) != before) continue;
      if ((c.flags & kUsed) != 0 && c.proto < kNatProtoCount) {
        NatSessionInfo info;
        info.proto = static_cast<NatProto>(c.proto);
        info.inside_ip = c.inside_ip;
        info.inside_port = c.inside_port;
        info.remote_ip = c.remote_ip;
        info.remote_port = c.remote_port;
        info.external_ip = config_.external_ip;
        info.external_port = c.external_port;
        info.forwarded = (c.flags & kForwarded) != 0;
        info.tcp_state = tcp_state(c);
        info.last_seen = c.last_seen;
        out->push_back(info);
      }
      break;
    }
  }
}

bool NatTable::check_invariants(std::string* why) const {
  auto fail = [why](std::string message) {
    if (why != nullptr) *why = std::move(message);
    return false;
  };
  const uint32_t max = config_.max_sessions;
  // Sessions: each reachable through both indexes (a find returns the first match, so a second
  // session with the same key would make one of them unreachable), references counted below.
  uint32_t used = 0;
  std::array<uint64_t, kNatProtoCount> live{};
  std::unordered_map<uint64_t, uint32_t> mapping_refs;
  std::unordered_map<uint32_t, uint32_t> host_refs;
  std::unordered_map<size_t, uint32_t> port_refs;  // expected references by pi(), sparse
  for (uint32_t i = 0; i < max; ++i) {
    const Session& s = sessions_[i];
    if ((s.flags & kUsed) == 0) continue;
    ++used;
    if (s.proto >= kNatProtoCount) return fail("session " + std::to_string(i) + ": bad proto");
    ++live[s.proto];
    if (find_in(inside_hash(s), s.proto, s.inside_ip, s.inside_port, s.remote_ip, s.remote_port) != i + 1) {
      return fail("session " + std::to_string(i) + ": not found by its inside key (duplicate key?)");
    }
    if (find_out(outside_hash(s), s.proto, s.external_port, s.remote_ip, s.remote_port) != i + 1) {
      return fail("session " + std::to_string(i) + ": not found by its outside key (duplicate key?)");
    }
    if ((s.flags & kForwarded) != 0) {
      ++port_refs[pi(static_cast<NatProto>(s.proto), s.external_port)];
      continue;
    }
    const NatCountMap::Slot* m = mappings_.find(mapping_key(s.proto, s.inside_ip, s.inside_port));
    if (m == nullptr || m->value != s.external_port) {
      return fail("session " + std::to_string(i) + ": its mapping is missing or names another port");
    }
    ++mapping_refs[mapping_key(s.proto, s.inside_ip, s.inside_port)];
    ++host_refs[s.inside_ip];
  }
  if (used != load(size_)) return fail("size differs from the sessions present");
  if (max - free_top_ != used) return fail("free list length differs from the sessions present");
  std::vector<bool> listed(max, false);
  for (uint32_t k = 0; k < free_top_; ++k) {
    const uint32_t i = free_[k];
    if (i >= max || listed[i] || (sessions_[i].flags & kUsed) != 0) return fail("free list names a bad slot");
    listed[i] = true;
  }
  for (size_t p = 0; p < kNatProtoCount; ++p) {
    if (counters_.live[p] != live[p]) return fail("live count of proto " + std::to_string(p) + " is wrong");
  }
  for (const uint64_t* index : {in_index_.get(), out_index_.get()}) {
    uint32_t entries = 0;
    for (uint32_t i = 0; i <= index_mask_; ++i) {
      if (index[i] == 0) continue;
      ++entries;
      const uint32_t s = static_cast<uint32_t>(index[i]) - 1;
      if (s >= max || (sessions_[s].flags & kUsed) == 0) return fail("index names a free session");
    }
    if (entries != used) return fail("an index holds a wrong number of entries");
  }
  // Mappings: exactly one per endpoint with sessions, counting them; each holds its port.
  if (mappings_.size() != mapping_refs.size()) return fail("mapping without sessions");
  for (uint32_t i = 0; i < mappings_.slot_count(); ++i) {
    const NatCountMap::Slot& m = mappings_.slot(i);
    if (m.key == 0) continue;
    const uint64_t key = NatCountMap::key_of(m);
    auto it = mapping_refs.find(key);
    if (it == mapping_refs.end() || it->second != m.count) return fail("mapping count is wrong");
    ++port_refs[pi(static_cast<NatProto>(key >> 48), m.value)];
  }
  if (hosts_.size() != host_refs.size()) return fail("host entry without sessions");
  for (const auto& [ip, n] : host_refs) {
    const NatCountMap::Slot* h = hosts_.find(ip);
    if (h == nullptr || h->count != n) return fail("host count is wrong");
  }
  // Ports: references = mappings + forwards + forwarded sessions; bitmap and free counts agree.
  for (uint32_t i = 0; i < config_.max_forwards; ++i) {
    if (!forward_used_[i]) continue;
    const NatForward& f = forwards_[i];
    if (find_forward(f.proto, f.external_port) != &f) return fail("forward index is wrong");
    ++port_refs[pi(f.proto, f.external_port)];
  }
  // Every set bit names a port with exactly the expected references, and there are as many set
  // bits as ports expected to be referenced (a walk of the bitmap, not of all 196608 counters).
  size_t bits = 0;
  std::array<uint32_t, kNatProtoCount> used_in_range{};
  for (size_t w = 0; w < kNatProtoCount * kPorts / 64; ++w) {
    for (uint64_t word = port_used_[w]; word != 0; word &= word - 1) {
      const size_t i = w * 64 + static_cast<size_t>(std::countr_zero(word));
      const auto port = static_cast<uint16_t>(i % kPorts);
      auto it = port_refs.find(i);
      if (it == port_refs.end() || it->second != port_refs_[i]) {
        return fail("port " + std::to_string(port) + ": wrong reference count");
      }
      ++bits;
      if (in_range(port)) ++used_in_range[i / kPorts];
    }
  }
  if (bits != port_refs.size()) return fail("a referenced port is missing from the bitmap");
  const uint32_t range = uint32_t{config_.port_max} - config_.port_min + 1;
  for (size_t p = 0; p < kNatProtoCount; ++p) {
    if (range - used_in_range[p] != free_ports_[p]) return fail("free port count is wrong");
  }
  return true;
}

}  // namespace edgegw::netproto
