// FDB table: learning with expired-slot reuse, backward-shift deletion, incremental ageing sweep.
#include "fdb_table.hpp"

#include <bit>

namespace edgegw::dataplane {

FdbTable::FdbTable(uint32_t max_entries) : max_entries_(max_entries) {
  uint64_t slots = std::bit_ceil(std::max<uint64_t>(16, uint64_t{max_entries} * 2));
  mask_ = static_cast<uint32_t>(slots - 1);
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots));
  slots_ = std::make_unique<Slot[]>(slots);
}

void FdbTable::write_slot(Slot& s, uint64_t key, uint64_t last_seen, FdbPortRef port) {
  put(s.seq, s.seq + 1);
  std::atomic_thread_fence(std::memory_order_release);
  put(s.key, key);
  put(s.last_seen, last_seen);
  put(s.port.port_id, port.port_id);
  put(s.port.incarnation, port.incarnation);
  std::atomic_ref<uint32_t>(s.seq).store(s.seq + 1, std::memory_order_release);
}

FdbLearn FdbTable::learn(uint64_t mac, FdbPortRef port, uint64_t now, uint64_t aging, FdbEvicted* evicted) {
  const uint64_t key = (mac & kMacMask) | kOccupied;
  Slot* reusable = nullptr;  // first expired slot of another MAC on the probe chain
  for (uint32_t i = home(mac);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.key == key) {
      if (s.port == port) {
        put(s.last_seen, now);
        return FdbLearn::refreshed;
      }
      if (evicted != nullptr) *evicted = FdbEvicted{true, s.port};
      write_slot(s, key, now, port);
      return FdbLearn::moved;
    }
    if (s.key == 0) {
      // Not on the chain. Overwriting an expired slot keeps the chain intact (the slot stays
      // occupied) and does not change the count; a fresh slot needs room under max_entries.
      if (reusable == nullptr) {
        if (size() >= max_entries_) return FdbLearn::full;
        reusable = &s;
        add_size(+1);
      } else if (evicted != nullptr) {
        *evicted = FdbEvicted{true, reusable->port};
      }
      write_slot(*reusable, key, now, port);
      return FdbLearn::learned;
    }
    if (reusable == nullptr && age_of(s, now) >= aging) reusable = &s;
  }
}

void FdbTable::read_entries(std::vector<Entry>* out) const {
  constexpr int kTries = 8;
  out->clear();
  for (uint32_t i = 0; i <= mask_; ++i) {
    // Seqlock reader: the const_cast only makes atomic_ref's constructor happy; nothing is written.
    Slot& s = const_cast<Slot&>(slots_[i]);
    for (int t = 0; t < kTries; ++t) {
      const uint32_t before = std::atomic_ref<uint32_t>(s.seq).load(std::memory_order_acquire);
      if ((before & 1) != 0) continue;
      Entry e;
      const uint64_t key = std::atomic_ref<uint64_t>(s.key).load(std::memory_order_relaxed);
      e.last_seen = std::atomic_ref<uint64_t>(s.last_seen).load(std::memory_order_relaxed);
      e.port.port_id = std::atomic_ref<uint16_t>(s.port.port_id).load(std::memory_order_relaxed);
      e.port.incarnation = std::atomic_ref<uint32_t>(s.port.incarnation).load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (std::atomic_ref<uint32_t>(s.seq).load(std::memory_order_relaxed) != before) continue;
      if (key != 0) {
        e.mac = key & kMacMask;
        out->push_back(e);
      }
      break;
    }
  }
}

// Backward-shift deletion: later entries of the same cluster that may live at `hole` move back so
// that every entry stays reachable from its home slot without tombstones.
void FdbTable::erase_at(uint32_t hole) {
  for (uint32_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
    Slot& s = slots_[j];
    if (s.key == 0) break;
    uint32_t h = home(s.key);
    // s may fill the hole unless its home lies cyclically in (hole, j].
    bool home_after_hole = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (home_after_hole) continue;
    write_slot(slots_[hole], s.key, s.last_seen, s.port);
    hole = j;
  }
  write_slot(slots_[hole], 0, 0, FdbPortRef{});
  add_size(-1);
}

}  // namespace edgegw::dataplane
