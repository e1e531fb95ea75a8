// A fixed-size open-addressing map from a 63-bit key to a count and a 16-bit value: the NAT table's
// endpoint mappings ((proto, inside ip, inside port) -> external port, session count) and its
// per-inside-host session counts. Built like dataplane's FdbTable: linear probing over at least
// twice as many slots as entries (so every probe ends at an empty slot), backward-shift deletion (no
// tombstones), nothing allocated after construction. Worker thread only; no concurrent readers.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>

namespace edgegw::netproto {

class NatCountMap {
 public:
  struct Slot {
    uint64_t key = 0;  // key | kOccupied; 0 = empty
    uint32_t count = 0;
    uint16_t value = 0;
  };

  // Room for `max_entries` keys; `seed` perturbs the hash so that remote peers cannot aim keys at
  // one probe chain.
  NatCountMap(uint32_t max_entries, uint64_t seed) : seed_(seed | 1) {
    const uint64_t slots = std::bit_ceil(std::max<uint64_t>(16, uint64_t{max_entries} * 2));
    mask_ = static_cast<uint32_t>(slots - 1);
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots));
    slots_ = std::make_unique<Slot[]>(slots);
  }

  Slot* find(uint64_t key) {
    const uint64_t k = key | kOccupied;
    for (uint32_t i = home(k);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.key == 0) return nullptr;
      if (s.key == k) return &s;
    }
  }
  const Slot* find(uint64_t key) const { return const_cast<NatCountMap*>(this)->find(key); }

  // Inserts `key` (which must be absent) with a zero count; the caller keeps the entry count within
  // max_entries, so an empty slot is always found.
  Slot* insert(uint64_t key, uint16_t value) {
    const uint64_t k = key | kOccupied;
    uint32_t i = home(k);
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{k, 0, value};
    ++size_;
    return &slots_[i];
  }

  // Removes the entry `s` points at (backward shift: later entries of the cluster move back).
  void erase(Slot* s) {
    uint32_t hole = static_cast<uint32_t>(s - slots_.get());
    for (uint32_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
      Slot& t = slots_[j];
      if (t.key == 0) break;
      const uint32_t h = home(t.key);
      const bool home_after_hole = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (home_after_hole) continue;
      slots_[hole] = t;
      hole = j;
    }
    slots_[hole] = Slot{};
    --size_;
  }

  uint32_t size() const { return size_; }
  uint32_t slot_count() const { return mask_ + 1; }
  const Slot& slot(uint32_t i) const { return slots_[i]; }
  static uint64_t key_of(const Slot& s) { return s.key & ~kOccupied; }

 private:
  static constexpr uint64_t kOccupied = 1ull << 63;
  uint32_t home(uint64_t k) const {
    uint64_t x = (k ^ seed_) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
    return static_cast<uint32_t>((x * 0xBF58476D1CE4E5B9ull) >> shift_) & mask_;
  }

  std::unique_ptr<Slot[]> slots_;
  uint64_t seed_;
  uint32_t mask_ = 0;
  unsigned shift_ = 0;
  uint32_t size_ = 0;
};

}  // namespace edgegw::netproto
