// Connection tracking table: normalized flow keys, per-protocol timeouts, TCP close detection.
#include "conntrack_table.hpp"

#include <algorithm>
#include <bit>

#include "slot_table.hpp"

namespace edgegw::dataplane {
namespace {

constexpr uint64_t kOccupied = 1ull << 63;
constexpr uint32_t kOriginalIsLow = 1u << 0;
constexpr uint32_t kOriginalIngress = 1u << 1;
constexpr uint32_t kOriginalRouted = 1u << 2;
constexpr uint32_t kTcpStateShift = 3;
constexpr uint32_t kTcpStateMask = 3u << kTcpStateShift;
enum TcpState : uint32_t { kOpening = 0, kEstablished = 1, kClosing = 2 };

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

uint32_t tcp_state(const ConntrackTable::Slot& s) { return (s.flags & kTcpStateMask) >> kTcpStateShift; }

// The TCP state after a packet of the flow: a FIN or RST closes it, the first reply establishes it.
void follow_tcp(ConntrackTable::Slot& s, uint8_t tcp_flags, bool reply) {
  uint32_t state = tcp_state(s);
  if ((tcp_flags & (kTcpFin | kTcpRst)) != 0) {
    state = kClosing;
  } else if (reply && state == kOpening) {
    state = kEstablished;
  }
  s.flags = (s.flags & ~kTcpStateMask) | state << kTcpStateShift;
}

uint32_t original_flags(bool source_is_low, SecurityDirection direction, bool routed) {
  return (source_is_low ? kOriginalIsLow : 0) | (direction == SecurityDirection::ingress ? kOriginalIngress : 0) |
         (routed ? kOriginalRouted : 0);
}

}  // namespace

ConntrackTable::ConntrackTable(uint32_t capacity) : capacity_(capacity) {
  const uint32_t slots = std::bit_ceil(std::max<uint32_t>(16, capacity * 2));
  mask_ = slots - 1;
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots));
  slots_ = std::make_unique<Slot[]>(slots);
}

ConntrackTable::Key ConntrackTable::key_of(uint16_t zone, const FlowTuple& t) {
  const bool source_is_low = t.src < t.dst || (t.src == t.dst && t.sport <= t.dport);
  const uint32_t low_ip = source_is_low ? t.src : t.dst;
  const uint32_t high_ip = source_is_low ? t.dst : t.src;
  const uint16_t low_port = source_is_low ? t.sport : t.dport;
  const uint16_t high_port = source_is_low ? t.dport : t.sport;
  Key k;
  k.ips = uint64_t{low_ip} << 32 | high_ip;
  k.meta = kOccupied | uint64_t{zone} << 40 | uint64_t{t.proto} << 32 | uint64_t{low_port} << 16 | high_port;
  k.source_is_low = source_is_low;
  return k;
}

uint64_t ConntrackTable::timeout_of(const Slot& s, const ConntrackTimes& times) {
  switch (static_cast<uint8_t>(s.meta >> 32)) {
    case kProtoTcp:
      switch (tcp_state(s)) {
        case kEstablished: return times.tcp_established;
        case kClosing: return times.tcp_closing;
        default: return times.tcp_opening;
      }
    case kProtoUdp: return times.udp;
    case kProtoIcmp: return times.icmp;
    default: return times.other;
  }
}

uint32_t ConntrackTable::home(uint64_t ips, uint64_t meta) const {
  const uint64_t h = (ips ^ std::rotl(meta, 29)) * 0x9E3779B97F4A7C15ull;
  return static_cast<uint32_t>((h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ull >> shift_) & mask_;
}

ConntrackTable::Slot* ConntrackTable::find(const Key& key) {
  for (uint32_t i = home(key.ips, key.meta);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.meta == 0) return nullptr;
    if (s.meta == key.meta && s.ips == key.ips) return &s;
  }
}

FlowLookup ConntrackTable::observe(uint16_t zone, const FlowTuple& tuple, SecurityDirection direction,
                                   uint8_t tcp_flags, uint64_t now, const ConntrackTimes& times) {
  const Key key = key_of(zone, tuple);
  Slot* s = find(key);
  if (s == nullptr || !live(*s, now, times)) return {};
  const bool same_endpoint = key.source_is_low == ((s->flags & kOriginalIsLow) != 0);
  const bool same_direction = (direction == SecurityDirection::ingress) == ((s->flags & kOriginalIngress) != 0);
  FlowLookup found;
  if (same_endpoint && same_direction) {
    found.relation = FlowRelation::original;
  } else if (!same_endpoint && !same_direction) {
    found.relation = FlowRelation::reply;
  } else {
    return {};
  }
  found.generation = s->generation;
  found.original_routed = (s->flags & kOriginalRouted) != 0;
  s->last_seen = now;
  if (tuple.proto == kProtoTcp) follow_tcp(*s, tcp_flags, found.relation == FlowRelation::reply);
  return found;
}

bool ConntrackTable::remember(uint16_t zone, const FlowTuple& tuple, SecurityDirection direction, bool routed,
                              uint32_t generation, uint8_t tcp_flags, uint64_t now, const ConntrackTimes& times) {
  const Key key = key_of(zone, tuple);
  Slot* reusable = nullptr;  // first expired slot on the probe chain
  for (uint32_t i = home(key.ips, key.meta);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.meta == key.meta && s.ips == key.ips) {
      if (live(s, now, times)) {
        s.generation = generation;
        s.last_seen = now;
        if (tuple.proto == kProtoTcp) follow_tcp(s, tcp_flags, false);
        return true;
      }
      reusable = &s;  // the same flow, expired: starts again as this packet's
      break;
    }
    if (s.meta == 0) {
      if (reusable == nullptr) {
        if (size() >= capacity_) return false;
        reusable = &s;
        add_size(+1);
      }
      break;
    }
    if (reusable == nullptr && !live(s, now, times)) reusable = &s;
  }
  // Overwriting an expired slot keeps the probe chains intact: it stays occupied.
  Slot& s = *reusable;
  s.ips = key.ips;
  s.meta = key.meta;
  s.last_seen = now;
  s.generation = generation;
  s.flags = original_flags(key.source_is_low, direction, routed);
  if (tuple.proto == kProtoTcp) follow_tcp(s, tcp_flags, false);
  return true;
}

bool ConntrackTable::contains(uint16_t zone, const FlowTuple& tuple, uint64_t now, const ConntrackTimes& times) const {
  const Slot* s = find(key_of(zone, tuple));
  return s != nullptr && live(*s, now, times);
}

void ConntrackTable::forget(uint16_t zone, const FlowTuple& tuple) {
  if (Slot* s = find(key_of(zone, tuple))) erase_at(static_cast<uint32_t>(s - slots_.get()));
}

void ConntrackTable::sweep(uint64_t now, const ConntrackTimes& times, uint32_t budget) {
  for (uint32_t n = 0; n < budget && n <= mask_; ++n) {
    const uint32_t i = sweep_cursor_;
    sweep_cursor_ = (sweep_cursor_ + 1) & mask_;
    // A backward shift may move an unexamined entry into slot i; it is examined on the next round.
    if (slots_[i].meta != 0 && !live(slots_[i], now, times)) erase_at(i);
  }
}

void ConntrackTable::erase_at(uint32_t hole) {
  slot_table::erase_backward_shift(
      hole, mask_, [this](uint32_t i) { return slots_[i].meta != 0; },
      [this](uint32_t i) { return home(slots_[i].ips, slots_[i].meta); },
      [this](uint32_t from, uint32_t to) { slots_[to] = slots_[from]; }, [this](uint32_t i) { slots_[i] = Slot{}; });
  add_size(-1);
}

}  // namespace edgegw::dataplane
