// The ARP cache of one routed network: IPv4 address -> MAC, learned by the worker from ARP that
// answers or asks the switch's gateway address, aged like the FDB.
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
#include <cstdint>
#include <memory>
#include <vector>

namespace edgegw::dataplane {

class NeighborTable {
 public:
  struct Slot {
    uint32_t ip = 0;          // 0 = empty (0.0.0.0 is never a neighbor)
    uint32_t seq = 0;         // odd while the worker changes ip or mac
    uint64_t mac = 0;         // mac_key() of the neighbor; 0 while unresolved (requested only)
    uint64_t last_seen = 0;   // when the neighbor last spoke ARP to the switch
    uint64_t requested = 0;   // when the switch last asked for it (0 = never)
  };

  struct Entry {
    uint32_t ip = 0;
    uint64_t mac = 0;  // 0: unresolved
    uint64_t last_seen = 0;
  };

  explicit NeighborTable(uint32_t capacity);
  NeighborTable(const NeighborTable&) = delete;
  NeighborTable& operator=(const NeighborTable&) = delete;

  // Worker: `ip` is at `mac` as of `now`. False when the table is full of live entries (counted
  // by the caller); an entry expired by `aging` is reused.
  bool learn(uint32_t ip, uint64_t mac, uint64_t now, uint64_t aging);

  // Worker: the MAC of a live entry, or 0.
  uint64_t lookup(uint32_t ip, uint64_t now, uint64_t aging) const {
    const Slot* s = find(ip);
    return s != nullptr && s->mac != 0 && age(s->last_seen, now) < aging ? s->mac : 0;
  }

  // Worker, once per routed packet (one probe): the MAC of a live entry for `ip`, or 0; and in
  // *ask whether to send an ARP request now: the address is unresolved, or resolved but older than
  // `refresh`, and no request for it went out in the last `interval`. A request is recorded
  // (creating an unresolved slot when there is room; none when the table is full of live entries).
  uint64_t resolve(uint32_t ip, uint64_t now, uint64_t refresh, uint64_t interval, uint64_t aging, bool* ask);

  // Worker: removes up to `budget` slots' worth of expired entries (and stale unresolved ones).
  void sweep(uint64_t now, uint64_t aging, uint32_t budget);

  // Any thread: the entries (resolved or not), a listing like FdbTable::read_entries.
  void read_entries(std::vector<Entry>* out) const;

  uint32_t size() const { return size_.load(std::memory_order_relaxed); }
  uint32_t capacity() const { return capacity_; }

 private:
  static uint64_t age(uint64_t stamp, uint64_t now) { return now > stamp ? now - stamp : 0; }
  uint32_t home(uint32_t ip) const { return static_cast<uint32_t>((ip * 0x9E3779B1u) >> shift_) & mask_; }
  const Slot* find(uint32_t ip) const {
    for (uint32_t i = home(ip);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.ip == 0) return nullptr;
      if (s.ip == ip) return &s;
    }
  }
  Slot* find(uint32_t ip) { return const_cast<Slot*>(static_cast<const NeighborTable*>(this)->find(ip)); }
  // A slot for a new `ip` (on its chain: an empty or expired one), or nullptr when full.
  Slot* claim(uint32_t ip, uint64_t now, uint64_t aging);
  void write(Slot& s, uint32_t ip, uint64_t mac, uint64_t last_seen, uint64_t requested);
  void erase_at(uint32_t index);
  void add_size(int delta) { size_.store(size_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed); }

  std::unique_ptr<Slot[]> slots_;
  uint32_t mask_ = 0;
  unsigned shift_ = 0;
  uint32_t capacity_ = 0;
  uint32_t sweep_cursor_ = 0;
  std::atomic<uint32_t> size_{0};
};

}  // namespace edgegw::dataplane
