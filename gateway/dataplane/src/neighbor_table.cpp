// Neighbor (ARP) table: learning, request pacing, ageing sweep, seqlock listing.
#include "neighbor_table.hpp"

#include <algorithm>
#include <bit>

namespace edgegw::dataplane {
namespace {

template <class T>
void put(T& field, T value) {
  std::atomic_ref<T>(field).store(value, std::memory_order_relaxed);
}

}  // namespace

NeighborTable::NeighborTable(uint32_t capacity) : capacity_(capacity) {
  const uint32_t slots = std::bit_ceil(std::max<uint32_t>(16, capacity * 2));
  mask_ = slots - 1;
  shift_ = 32 - static_cast<unsigned>(std::countr_zero(slots));
  slots_ = std::make_unique<Slot[]>(slots);
}

void NeighborTable::write(Slot& s, uint32_t ip, uint64_t mac, uint64_t last_seen, uint64_t requested) {
  put(s.seq, s.seq + 1);
  std::atomic_thread_fence(std::memory_order_release);
  put(s.ip, ip);
  put(s.mac, mac);
  put(s.last_seen, last_seen);
  put(s.requested, requested);
  std::atomic_ref<uint32_t>(s.seq).store(s.seq + 1, std::memory_order_release);
}

NeighborTable::Slot* NeighborTable::claim(uint32_t ip, uint64_t now, uint64_t aging) {
  Slot* reusable = nullptr;
  for (uint32_t i = home(ip);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.ip == 0) {
      if (reusable != nullptr) return reusable;
      if (size() >= capacity_) return nullptr;
      add_size(+1);
      return &s;
    }
    // Expired: resolved and silent for `aging`, or unresolved and not asked for in as long.
    const uint64_t stamp = s.mac != 0 ? s.last_seen : s.requested;
    if (reusable == nullptr && age(stamp, now) >= aging) reusable = &s;
  }
}

bool NeighborTable::learn(uint32_t ip, uint64_t mac, uint64_t now, uint64_t aging) {
  if (ip == 0) return true;
  if (Slot* s = find(ip)) {
    if (s->mac == mac) {
      put(s->last_seen, now);
    } else {
      write(*s, ip, mac, now, s->requested);
    }
    return true;
  }
  Slot* s = claim(ip, now, aging);
  if (s == nullptr) return false;
  write(*s, ip, mac, now, 0);
  return true;
}

uint64_t NeighborTable::resolve(uint32_t ip, uint64_t now, uint64_t refresh, uint64_t interval, uint64_t aging,
                                bool* ask) {
  Slot* s = find(ip);
  if (s == nullptr) {
    s = claim(ip, now, aging);
    *ask = s != nullptr;  // full of live entries: nothing to ask with; the caller drops and counts
    if (s != nullptr) write(*s, ip, 0, 0, now);
    return 0;
  }
  const bool resolved = s->mac != 0;
  const uint64_t since_seen = age(s->last_seen, now);
  *ask = !(resolved && since_seen < refresh) && (s->requested == 0 || age(s->requested, now) >= interval);
  if (*ask) put(s->requested, now);
  return resolved && since_seen < aging ? s->mac : 0;
}

void NeighborTable::sweep(uint64_t now, uint64_t aging, uint32_t budget) {
  for (uint32_t n = 0; n < budget && n <= mask_; ++n) {
    const uint32_t i = sweep_cursor_;
    sweep_cursor_ = (sweep_cursor_ + 1) & mask_;
    const Slot& s = slots_[i];
    if (s.ip == 0) continue;
    const uint64_t stamp = s.mac != 0 ? s.last_seen : s.requested;
    if (age(stamp, now) >= aging) erase_at(i);
  }
}

void NeighborTable::erase_at(uint32_t hole) {
  for (uint32_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
    Slot& s = slots_[j];
    if (s.ip == 0) break;
    const uint32_t h = home(s.ip);
    const bool home_after_hole = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (home_after_hole) continue;
    write(slots_[hole], s.ip, s.mac, s.last_seen, s.requested);
    hole = j;
  }
  write(slots_[hole], 0, 0, 0, 0);
  add_size(-1);
}

void NeighborTable::read_entries(std::vector<Entry>* out) const {
  constexpr int kTries = 8;
  out->clear();
  for (uint32_t i = 0; i <= mask_; ++i) {
    Slot& s = const_cast<Slot&>(slots_[i]);  // atomic_ref needs a non-const object; nothing is written
    for (int t = 0; t < kTries; ++t) {
      const uint32_t before = std::atomic_ref<uint32_t>(s.seq).load(std::memory_order_acquire);
      if ((before & 1) != 0) continue;
      Entry e;
      e.ip = std::atomic_ref<uint32_t>(s.ip).load(std::memory_order_relaxed);
      e.mac = std::atomic_ref<uint64_t>(s.mac).load(std::memory_order_relaxed);
      e.last_seen = std::atomic_ref<uint64_t>(s.last_seen).load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (std::atomic_ref<uint32_t>(s.seq).load(std::memory_order_relaxed) != before) continue;
      if (e.ip != 0) out->push_back(e);
      break;
    }
  }
}

}  // namespace edgegw::dataplane
