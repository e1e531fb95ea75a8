// What the worker's open-addressing tables (FDB, neighbors, connection tracking) share: the
// single-writer slot stores, the per-slot seqlock through which the control plane lists slots
// without making the worker wait, and backward-shift deletion for linear probing.
//
// Seqlock: the worker (the only writer) makes a slot's `seq` odd, stores the fields with relaxed
// atomic stores (plain movs), and makes it even again with a release store. A reader copies the
// fields between two reads of an even, unchanged `seq`, and retries a few times otherwise.
#pragma once

#include <atomic>
#include <cstdint>

namespace edgegw::dataplane::slot_table {

// A relaxed atomic store of a plain field: what a concurrent reader may see torn-free.
template <class T>
inline void put(T& field, T value) {
  std::atomic_ref<T>(field).store(value, std::memory_order_relaxed);
}

template <class T>
inline T get(const T& field) {
  return std::atomic_ref<T>(const_cast<T&>(field)).load(std::memory_order_relaxed);
}

// Worker: runs `write` (which stores the slot's fields with put()) inside the slot's seqlock.
template <class Write>
inline void seq_write(uint32_t& seq, Write&& write) {
  put(seq, seq + 1);
  std::atomic_thread_fence(std::memory_order_release);
  write();
  std::atomic_ref<uint32_t>(seq).store(seq + 1, std::memory_order_release);
}

// Any thread: runs `read` (which copies the fields with get()) until it saw a stable slot; false
// when the worker kept changing it (the caller skips the slot: a listing, not a proof).
template <class Read>
inline bool seq_read(const uint32_t& seq, Read&& read) {
  constexpr int kTries = 8;
  auto& s = const_cast<uint32_t&>(seq);  // atomic_ref needs a non-const object; nothing is written
  for (int t = 0; t < kTries; ++t) {
    const uint32_t before = std::atomic_ref<uint32_t>(s).load(std::memory_order_acquire);
    if ((before & 1) != 0) continue;
    read();
    std::atomic_thread_fence(std::memory_order_acquire);
    if (std::atomic_ref<uint32_t>(s).load(std::memory_order_relaxed) == before) return true;
  }
  return false;
}

// Backward-shift deletion from a linear-probing table of mask + 1 slots: later entries of the
// cluster that may live at the hole move back into it, so every entry stays reachable from its
// home slot without tombstones. `occupied(i)`, `home(i)` (of the entry in slot i), `move(from, to)`
// and `clear(i)` are the table's.
template <class Occupied, class Home, class Move, class Clear>
inline void erase_backward_shift(uint32_t hole, uint32_t mask, Occupied&& occupied, Home&& home, Move&& move,
                                 Clear&& clear) {
  for (uint32_t j = (hole + 1) & mask; occupied(j); j = (j + 1) & mask) {
    const uint32_t h = home(j);
    // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
    const bool home_after_hole = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (home_after_hole) continue;
    move(j, hole);
    hole = j;
  }
  clear(hole);
}

}  // namespace edgegw::dataplane::slot_table
