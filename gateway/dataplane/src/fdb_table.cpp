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

FdbLearn FdbTable::learn(uint64_t mac, FdbPortRef port, uint64_t now, uint64_t aging) {
  const uint64_t key = (mac & kMacMask) | kOccupied;
  Slot* reusable = nullptr;  // first expired slot of another MAC on the probe chain
  for (uint32_t i = home(mac);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.key == key) {
      FdbLearn result = s.port == port ? FdbLearn::refreshed : FdbLearn::moved;
      s.port = port;
      s.last_seen = now;
      return result;
    }
    if (s.key == 0) {
      // Not on the chain. Overwriting an expired slot keeps the chain intact (the slot stays
      // occupied) and does not change the count; a fresh slot needs room under max_entries.
      if (reusable == nullptr) {
        if (size() >= max_entries_) return FdbLearn::full;
        reusable = &s;
        add_size(+1);
      }
      reusable->key = key;
      reusable->port = port;
      reusable->last_seen = now;
      return FdbLearn::learned;
    }
    if (reusable == nullptr && now - s.last_seen >= aging) reusable = &s;
  }
}

void FdbTable::sweep(uint64_t now, uint64_t aging, uint32_t budget) {
  for (uint32_t n = 0; n < budget && n <= mask_; ++n) {
    uint32_t i = sweep_cursor_;
    sweep_cursor_ = (sweep_cursor_ + 1) & mask_;
    const Slot& s = slots_[i];
    // A backward shift may move an unexamined entry into slot i; it is examined on the next round.
    if (s.key != 0 && now - s.last_seen >= aging) erase_at(i);
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
    slots_[hole] = s;
    hole = j;
  }
  slots_[hole] = Slot{};
  add_size(-1);
}

}  // namespace edgegw::dataplane
