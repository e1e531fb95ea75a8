// Connection tracking for security groups: the flows a filtered port's rules allowed, so their
// return traffic passes without the rules.
//
// An entry is one flow at one check point: the zone (a filtered port, by a stable id) and the
// flow's two endpoints, stored in a normalized order so both directions of the flow find the same
// slot. It remembers which endpoint started the flow and in which direction (to the port or from
// it) it was allowed, so a packet is either the flow going on (`original`), its return traffic
// (`reply`) or something else that happens to share the addresses (`none`: judged by the rules).
// It also remembers the rule generation that allowed it: after a rule change the worker judges
// the flow again on its next packet.
//
// Same shape as FdbTable and NeighborTable (one writer, fixed size, no allocation after
// construction, plain C++, backward-shift deletion): at most `capacity` entries in at least twice
// as many slots. Only the worker touches the slots; the control plane reads size() for status, so
// the slots need no seqlock. Time is the caller's unit (TSC cycles in the worker).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "edgegw/dataplane/switch_spec.hpp"

namespace edgegw::dataplane {

// A packet's flow as it travels (host order); ICMP echo carries its identifier as both ports.
struct FlowTuple {
  uint8_t proto = 0;
  uint32_t src = 0;
  uint32_t dst = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;
};

// How long an entry lives without traffic, in the caller's time unit.
struct ConntrackTimes {
  uint64_t tcp_opening = 0;      // TCP before the first reply
  uint64_t tcp_established = 0;  // TCP after it
  uint64_t tcp_closing = 0;      // TCP once a FIN or RST was seen
  uint64_t udp = 0;
  uint64_t icmp = 0;
  uint64_t other = 0;
};

enum class FlowRelation : uint8_t {
  none,      // no live entry, or one the packet does not continue or answer
  original,  // the flow going on the way it was allowed
  reply,     // its return traffic
};

struct FlowLookup {
  FlowRelation relation = FlowRelation::none;
  uint32_t generation = 0;   // of the rules that allowed the flow
  bool original_routed = false;  // the flow's first packet was routed to the port (ingress)
};

constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpRst = 0x04;

class ConntrackTable {
 public:
  struct Slot {
    uint64_t ips = 0;   // low endpoint's address << 32 | high endpoint's
    uint64_t meta = 0;  // kOccupied | zone << 40 | proto << 32 | low port << 16 | high port; 0 = empty
    uint64_t last_seen = 0;
    uint32_t generation = 0;
    uint32_t flags = 0;  // kOriginalIsLow, kOriginalIngress, kOriginalRouted, TCP state
  };

  explicit ConntrackTable(uint32_t capacity);
  ConntrackTable(const ConntrackTable&) = delete;
  ConntrackTable& operator=(const ConntrackTable&) = delete;

  // Worker: how a packet of `tuple` crossing `zone` in `direction` relates to a live entry. When
  // it continues or answers the flow, the entry is refreshed (and its TCP state follows the
  // packet's `tcp_flags`).
  FlowLookup observe(uint16_t zone, const FlowTuple& tuple, SecurityDirection direction, uint8_t tcp_flags,
                     uint64_t now, const ConntrackTimes& times);

  // Worker: a packet the rules of `generation` allowed. Creates the flow's entry as this packet's
  // (an expired one is replaced), or refreshes a live one and stamps it with `generation`. False
  // when the table is full of live entries: nothing is remembered.
  bool remember(uint16_t zone, const FlowTuple& tuple, SecurityDirection direction, bool routed, uint32_t generation,
                uint8_t tcp_flags, uint64_t now, const ConntrackTimes& times);

  // Worker: whether a live entry holds the flow of `tuple` at `zone`, whichever its orientation
  // (for ICMP errors about it).
  bool contains(uint16_t zone, const FlowTuple& tuple, uint64_t now, const ConntrackTimes& times) const;

  // Worker: drops the flow's entry (its rules refuse it now).
  void forget(uint16_t zone, const FlowTuple& tuple);

  // Worker: removes up to `budget` slots' worth of expired entries (round robin).
  void sweep(uint64_t now, const ConntrackTimes& times, uint32_t budget);

  uint32_t size() const { return size_.load(std::memory_order_relaxed); }  // any thread
  uint32_t capacity() const { return capacity_; }

 private:
  struct Key {
    uint64_t ips = 0;
    uint64_t meta = 0;
    bool source_is_low = false;  // the packet's source is the low endpoint
  };
  static Key key_of(uint16_t zone, const FlowTuple& tuple);
  static uint64_t timeout_of(const Slot& s, const ConntrackTimes& times);
  static bool live(const Slot& s, uint64_t now, const ConntrackTimes& times) {
    return (now > s.last_seen ? now - s.last_seen : 0) < timeout_of(s, times);
  }
  uint32_t home(uint64_t ips, uint64_t meta) const;
  Slot* find(const Key& key);
  const Slot* find(const Key& key) const { return const_cast<ConntrackTable*>(this)->find(key); }
  void erase_at(uint32_t index);
  void add_size(int delta) { size_.store(size_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed); }

  std::unique_ptr<Slot[]> slots_;
  uint32_t mask_ = 0;
  unsigned shift_ = 0;
  uint32_t capacity_ = 0;
  uint32_t sweep_cursor_ = 0;
  std::atomic<uint32_t> size_{0};  // written by the worker only
};

}  // namespace edgegw::dataplane
