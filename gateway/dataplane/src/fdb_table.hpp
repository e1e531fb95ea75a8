// The forwarding database of one bridge network: MAC -> (port, incarnation), with ageing.
//
// A fixed-size open-addressing table (linear probing) rather than rte_hash: the worker is its only
// writer and only reader, so it needs no locks or RCU of its own; it allocates nothing after
// construction; ageing is a field compare instead of a second structure; deletion is backward-shift
// so there are no tombstones to degrade lookups; and it is plain C++, so it is tested without the EAL.
// The table holds at most max_entries MACs in at least 2 * max_entries slots (load <= 50 %), which
// keeps probe chains short and guarantees that every probe ends at an empty slot.
//
// Threading: learn(), lookup(), find(), sweep() are called by the worker lcore only. size(),
// max_entries() and read_entries() may be called by any thread (the control plane lists the FDB).
// The worker is the only writer of the slots; it stores every slot field with a relaxed atomic store
// (a plain mov) and brackets changes of a slot's key or port with that slot's sequence number, so
// read_entries() can copy a slot consistently without a lock and without ever making the worker
// wait (a per-slot seqlock; a refresh of last_seen alone is one atomic store and needs no bracket).
// The table is built by the control plane before it is published and freed by it after an RCU
// grace period.
//
// Time is whatever unit the caller uses for `now` and `aging` (the worker passes TSC cycles, tests
// pass small integers). An entry whose last_seen is `aging` or more behind `now` is expired: lookups
// ignore it, learn() reuses its slot, sweep() removes it.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace edgegw::dataplane {

// Where a MAC was learned: the DPDK port id plus the port's incarnation, which the control plane
// changes whenever the port is re-created or changes network. A lookup that finds an old
// incarnation treats the entry as unknown, so a port leaving a network needs no FDB flush.
struct FdbPortRef {
  uint16_t port_id = 0;
  uint32_t incarnation = 0;
  bool operator==(const FdbPortRef&) const = default;
};

enum class FdbLearn : uint8_t {
  refreshed,  // known MAC on the same port: last_seen updated
  learned,    // new MAC
  moved,      // known MAC, now seen on another port (or another incarnation)
  full,       // new MAC, but max_entries live entries are present: not learned
};

// What a learn() overwrote: the previous port of a moved MAC, or the port of an expired entry of
// another MAC whose slot was reused. The caller keeps per-port counts with it.
struct FdbEvicted {
  bool any = false;
  FdbPortRef port;
};

// A MAC address as the low 48 bits of an integer (byte order of the frame, loaded natively).
// Two loads combined in registers: a 6-byte memcpy into a zeroed 8-byte integer is stored to the
// stack in two parts and read back whole, which stalls on store forwarding on every frame.
inline uint64_t mac_key(const uint8_t* mac) {
  uint32_t low = 0;
  uint16_t high = 0;
  std::memcpy(&low, mac, sizeof low);
  std::memcpy(&high, mac + sizeof low, sizeof high);
  return uint64_t{low} | uint64_t{high} << 32;
}
// Both boards (x86-64, ARM64) are little-endian; mac_text() and the tests rely on the byte layout.
static_assert(std::endian::native == std::endian::little);

class FdbTable {
 public:
  struct Slot {
    uint64_t key = 0;  // mac | kOccupied; 0 = empty
    uint64_t last_seen = 0;
    FdbPortRef port;
    uint32_t seq = 0;  // odd while the worker changes key or port (see read_entries)
  };

  // One entry as read_entries() saw it.
  struct Entry {
    uint64_t mac = 0;
    uint64_t last_seen = 0;
    FdbPortRef port;
  };

  explicit FdbTable(uint32_t max_entries);
  FdbTable(const FdbTable&) = delete;
  FdbTable& operator=(const FdbTable&) = delete;

  // Learns or refreshes `mac` on `port`. `evicted`, when given, says which counted entry the call
  // overwrote (see FdbEvicted).
  FdbLearn learn(uint64_t mac, FdbPortRef port, uint64_t now, uint64_t aging, FdbEvicted* evicted = nullptr);

  // The entry for `mac`, expired or not, or nullptr when there is none.
  const Slot* find(uint64_t mac) const {
    for (uint32_t i = home(mac);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == 0) return nullptr;
      if (s.key == (mac | kOccupied)) return &s;
    }
  }

  // Starts loading the home slot of `mac`: the bridge calls it for a whole burst before it learns
  // and looks up, so that the misses of a large table overlap instead of queueing one by one.
  void prefetch(uint64_t mac) const { __builtin_prefetch(&slots_[home(mac)]); }

  // Ticks since `s` was last seen. The worker may run on either CPU and a VM's vCPUs need not agree
  // on the TSC exactly, so a stamp can be a little ahead of `now`: that is age 0, never a wrap to
  // "expired long ago".
  static uint64_t age_of(const Slot& s, uint64_t now) { return now > s.last_seen ? now - s.last_seen : 0; }

  // The live entry for `mac`, or nullptr when unknown or expired.
  const Slot* lookup(uint64_t mac, uint64_t now, uint64_t aging) const {
    const Slot* s = find(mac);
    return s != nullptr && age_of(*s, now) < aging ? s : nullptr;
  }

  // Examines the next `budget` slots (round robin) and deletes expired entries, calling
  // on_erase(port) for each. The worker calls it once per loop so that size() tracks live entries
  // without a full scan at any one time.
  template <class OnErase>
  void sweep(uint64_t now, uint64_t aging, uint32_t budget, OnErase&& on_erase) {
    for (uint32_t n = 0; n < budget && n <= mask_; ++n) {
      uint32_t i = sweep_cursor_;
      sweep_cursor_ = (sweep_cursor_ + 1) & mask_;
      const Slot& s = slots_[i];
      // A backward shift may move an unexamined entry into slot i; it is examined on the next round.
      if (s.key != 0 && age_of(s, now) >= aging) {
        const FdbPortRef port = s.port;
        erase_at(i);
        on_erase(port);
      }
    }
  }
  void sweep(uint64_t now, uint64_t aging, uint32_t budget) {
    sweep(now, aging, budget, [](const FdbPortRef&) {});
  }

  // Any thread: copies every occupied slot (expired ones included) into `out` (cleared first; its
  // capacity is reused). A slot the worker is changing is retried a few times and then skipped, and
  // an entry moved by a concurrent deletion may be missed or seen twice: a listing, not a proof.
  void read_entries(std::vector<Entry>* out) const;

  uint32_t size() const { return size_.load(std::memory_order_relaxed); }
  uint32_t max_entries() const { return max_entries_; }
  uint32_t slot_count() const { return mask_ + 1; }

  // Home slot of a MAC; public so that tests can build colliding keys.
  uint32_t home(uint64_t mac) const {
    return static_cast<uint32_t>(((mac & kMacMask) * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
  }

 private:
  static constexpr uint64_t kOccupied = 1ull << 63;
  static constexpr uint64_t kMacMask = (1ull << 48) - 1;

  // The slots live in their own mapping; a large table asks for transparent huge pages (see
  // fdb_table.cpp).
  struct SlotsUnmap {
    size_t bytes;  // no default member initializer: the enclosing class must see it default-constructible
    void operator()(Slot* slots) const;
  };
  static std::unique_ptr<Slot[], SlotsUnmap> map_slots(uint64_t count);
  void erase_at(uint32_t index);
  // Worker-side slot writes: relaxed atomic stores, bracketed by the slot's seq (slot_table.hpp).
  static void write_slot(Slot& s, uint64_t key, uint64_t last_seen, FdbPortRef port);
  void add_size(int delta) {
    size_.store(size_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  std::unique_ptr<Slot[], SlotsUnmap> slots_;
  uint32_t mask_ = 0;
  unsigned shift_ = 0;
  uint32_t max_entries_ = 0;
  uint32_t sweep_cursor_ = 0;     // worker only
  std::atomic<uint32_t> size_{0};  // written by the worker only, read by anyone
};

}  // namespace edgegw::dataplane
