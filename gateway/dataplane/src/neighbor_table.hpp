// The neighbor caches of one routed network: IPv4 address -> MAC (ARP) and IPv6 address -> MAC
// (neighbor discovery), learned by the worker from ARP / NDP that answers or asks the switch's
// gateway addresses, aged like the FDB. One template, two address types.
//
// Same shape as FdbTable and for the same reasons (one writer, fixed size, no allocation after
// construction, plain C++): open addressing with linear probing over at least twice `capacity`
// slots, backward-shift deletion. The worker writes; the control plane lists the entries through a
// per-slot sequence number (a seqlock), never making the worker wait.
//
// Resolution state lives beside each entry: `requested` is when the worker last sent an ARP request
// for the address (an unresolved next hop, or a live entry past its refresh age), so requests for
// one address go out at most once per interval whatever the traffic.
#pragma once

#include <atomic>
#include <cstring>
#include <cstdint>
#include <memory>
#include <vector>

namespace edgegw::dataplane {

// An IPv6 address as a table key: its 16 bytes as two words (memory order). All zero (::) is never
// a neighbor, so it marks an empty slot as 0.0.0.0 does for IPv4.
struct Ipv6Key {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const Ipv6Key&) const = default;
  explicit operator bool() const { return (hi | lo) != 0; }
};

inline Ipv6Key ipv6_key(const uint8_t* bytes) {
  Ipv6Key k;
  std::memcpy(&k.hi, bytes, 8);
  std::memcpy(&k.lo, bytes + 8, 8);
  return k;
}
inline void ipv6_key_bytes(const Ipv6Key& k, uint8_t* out) {
  std::memcpy(out, &k.hi, 8);
  std::memcpy(out + 8, &k.lo, 8);
}

// 32 bits of an address for the home slot's multiplicative hash.
inline uint32_t neighbor_fold(uint32_t ip) { return ip; }
inline uint32_t neighbor_fold(const Ipv6Key& k) {
  const uint64_t x = k.hi ^ k.lo;
  return static_cast<uint32_t>(x ^ (x >> 32));
}

template <class Address>
class BasicNeighborTable {
 public:
  struct Slot {
    Address ip{};             // zero = empty (0.0.0.0 and :: are never neighbors)
    uint32_t seq = 0;         // odd while the worker changes ip or mac
    uint64_t mac = 0;         // mac_key() of the neighbor; 0 while unresolved (requested only)
    uint64_t last_seen = 0;   // when the neighbor last spoke ARP to the switch
    uint64_t requested = 0;   // when the switch last asked for it (0 = never)
  };

  struct Entry {
    Address ip{};
    uint64_t mac = 0;  // 0: unresolved
    uint64_t last_seen = 0;
  };

  explicit BasicNeighborTable(uint32_t capacity);
  BasicNeighborTable(const BasicNeighborTable&) = delete;
  BasicNeighborTable& operator=(const BasicNeighborTable&) = delete;

  // Worker: `ip` is at `mac` as of `now`. False when the table is full of live entries (counted
  // by the caller); an entry expired by `aging` is reused.
  bool learn(Address ip, uint64_t mac, uint64_t now, uint64_t aging);

  // Worker: the MAC of a live entry, or 0.
  uint64_t lookup(Address ip, uint64_t now, uint64_t aging) const {
    const Slot* s = find(ip);
    return s != nullptr && s->mac != 0 && age(s->last_seen, now) < aging ? s->mac : 0;
  }

  // Worker, once per routed packet (one probe): the MAC of a live entry for `ip`, or 0; and in
  // *ask whether to send an ARP request now: the address is unresolved, or resolved but older than
  // `refresh`, and no request for it went out in the last `interval`. A request is recorded
  // (creating an unresolved slot when there is room; none when the table is full of live entries).
  uint64_t resolve(Address ip, uint64_t now, uint64_t refresh, uint64_t interval, uint64_t aging, bool* ask);

  // Worker: removes up to `budget` slots' worth of expired entries (and stale unresolved ones).
  void sweep(uint64_t now, uint64_t aging, uint32_t budget);

  // Any thread: the entries (resolved or not), a listing like FdbTable::read_entries.
  void read_entries(std::vector<Entry>* out) const;

  uint32_t size() const { return size_.load(std::memory_order_relaxed); }
  uint32_t capacity() const { return capacity_; }

 private:
  static uint64_t age(uint64_t stamp, uint64_t now) { return now > stamp ? now - stamp : 0; }
  uint32_t home(Address ip) const {
    return static_cast<uint32_t>((neighbor_fold(ip) * 0x9E3779B1u) >> shift_) & mask_;
  }
  const Slot* find(Address ip) const {
    for (uint32_t i = home(ip);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.ip) return nullptr;
      if (s.ip == ip) return &s;
    }
  }
  Slot* find(Address ip) { return const_cast<Slot*>(static_cast<const BasicNeighborTable*>(this)->find(ip)); }
  // A slot for a new `ip` (on its chain: an empty or expired one), or nullptr when full.
  Slot* claim(Address ip, uint64_t now, uint64_t aging);
  void write(Slot& s, Address ip, uint64_t mac, uint64_t last_seen, uint64_t requested);
  void erase_at(uint32_t index);
  void add_size(int delta) { size_.store(size_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed); }

  std::unique_ptr<Slot[]> slots_;
  uint32_t mask_ = 0;
  unsigned shift_ = 0;
  uint32_t capacity_ = 0;
  uint32_t sweep_cursor_ = 0;
  std::atomic<uint32_t> size_{0};
};

using NeighborTable = BasicNeighborTable<uint32_t>;   // ARP
using Neighbor6Table = BasicNeighborTable<Ipv6Key>;   // neighbor discovery

}  // namespace edgegw::dataplane
