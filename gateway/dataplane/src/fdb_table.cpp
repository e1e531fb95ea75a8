// FDB table: learning with expired-slot reuse, backward-shift deletion, incremental ageing sweep.
#include "fdb_table.hpp"

#include <sys/mman.h>

#include <bit>
#include <memory>
#include <new>

#include "slot_table.hpp"

namespace edgegw::dataplane {

using slot_table::get;
using slot_table::put;

FdbTable::FdbTable(uint32_t max_entries) : max_entries_(max_entries) {
  uint64_t slots = std::bit_ceil(std::max<uint64_t>(16, uint64_t{max_entries} * 2));
  mask_ = static_cast<uint32_t>(slots - 1);
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots));
  slots_ = map_slots(slots);
}

// A table of many stations is looked up at random: with 4 KiB pages every lookup of a multi-MiB
// table also misses the TLB (a nested page walk in a VM), which costs as much as the cache miss.
// Tables of 2 MiB and more are therefore mapped 2 MiB-aligned and advised to use transparent huge
// pages. Without THP (or with it off) the advice is ignored and the table works the same.
std::unique_ptr<FdbTable::Slot[], FdbTable::SlotsUnmap> FdbTable::map_slots(uint64_t count) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t bytes = count * sizeof(Slot);
  const size_t mapped = bytes >= kHugePage ? (bytes + kHugePage - 1) / kHugePage * kHugePage : bytes;
  // Over-map by one huge page so the table can start on a huge page boundary.
  const size_t reserve = mapped >= kHugePage ? mapped + kHugePage : mapped;
  void* base = ::mmap(nullptr, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  auto* start = static_cast<uint8_t*>(base);
  if (reserve != mapped) {
    auto* aligned = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(start) + kHugePage - 1) & ~(kHugePage - 1));
    if (aligned != start) ::munmap(start, static_cast<size_t>(aligned - start));
    const size_t tail = reserve - static_cast<size_t>(aligned - start) - mapped;
    if (tail != 0) ::munmap(aligned + mapped, tail);
    start = aligned;
    ::madvise(start, mapped, MADV_HUGEPAGE);
  }
  // Anonymous memory is zeroed: constructing the slots only makes them objects.
  Slot* slots = std::uninitialized_value_construct_n(reinterpret_cast<Slot*>(start), count) - count;
  return std::unique_ptr<Slot[], SlotsUnmap>(slots, SlotsUnmap{mapped});
}

void FdbTable::SlotsUnmap::operator()(Slot* slots) const { ::munmap(slots, bytes); }

void FdbTable::write_slot(Slot& s, uint64_t key, uint64_t last_seen, FdbPortRef port) {
  slot_table::seq_write(s.seq, [&] {
    put(s.key, key);
    put(s.last_seen, last_seen);
    put(s.port.port_id, port.port_id);
    put(s.port.incarnation, port.incarnation);
  });
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
  out->clear();
  for (uint32_t i = 0; i <= mask_; ++i) {
    const Slot& s = slots_[i];
    Entry e;
    uint64_t key = 0;
    const bool read = slot_table::seq_read(s.seq, [&] {
      key = get(s.key);
      e.last_seen = get(s.last_seen);
      e.port.port_id = get(s.port.port_id);
      e.port.incarnation = get(s.port.incarnation);
    });
    if (read && key != 0) {
      e.mac = key & kMacMask;
      out->push_back(e);
    }
  }
}

void FdbTable::erase_at(uint32_t hole) {
  slot_table::erase_backward_shift(
      hole, mask_, [this](uint32_t i) { return slots_[i].key != 0; },
      [this](uint32_t i) { return home(slots_[i].key); },
      [this](uint32_t from, uint32_t to) {
        const Slot& s = slots_[from];
        write_slot(slots_[to], s.key, s.last_seen, s.port);
      },
      [this](uint32_t i) { write_slot(slots_[i], 0, 0, FdbPortRef{}); });
  add_size(-1);
}

}  // namespace edgegw::dataplane
