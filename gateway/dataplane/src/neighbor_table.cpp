// Neighbor (ARP) table: learning, request pacing, ageing sweep, seqlock listing.
#include "neighbor_table.hpp"

#include <algorithm>
#include <bit>

#include "slot_table.hpp"

namespace edgegw::dataplane {

using slot_table::get;
using slot_table::put;

// Seqlock-safe stores of an IPv6 key: word by word (a 16-byte atomic would take a lock).
inline void put(Ipv6Key& field, Ipv6Key value) {
  put(field.hi, value.hi);
  put(field.lo, value.lo);
}
inline Ipv6Key get(const Ipv6Key& field) { return Ipv6Key{get(field.hi), get(field.lo)}; }

template <class Address>
BasicNeighborTable<Address>::BasicNeighborTable(uint32_t capacity) : capacity_(capacity) {
  const uint32_t slots = std::bit_ceil(std::max<uint32_t>(16, capacity * 2));
  mask_ = slots - 1;
  shift_ = 32 - static_cast<unsigned>(std::countr_zero(slots));
  slots_ = std::make_unique<Slot[]>(slots);
}

template <class Address>
void BasicNeighborTable<Address>::write(Slot& s, Address ip, uint64_t mac, uint64_t last_seen, uint64_t requested) {
  slot_table::seq_write(s.seq, [&] {
    put(s.ip, ip);
    put(s.mac, mac);
    put(s.last_seen, last_seen);
    put(s.requested, requested);
  });
}

template <class Address>
typename BasicNeighborTable<Address>::Slot* BasicNeighborTable<Address>::claim(Address ip, uint64_t now, uint64_t aging) {
  Slot* reusable = nullptr;
  for (uint32_t i = home(ip);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (!s.ip) {
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

template <class Address>
bool BasicNeighborTable<Address>::learn(Address ip, uint64_t mac, uint64_t now, uint64_t aging) {
  if (!ip) return true;
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

template <class Address>
uint64_t BasicNeighborTable<Address>::resolve(Address ip, uint64_t now, uint64_t refresh, uint64_t interval, uint64_t aging,
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

template <class Address>
void BasicNeighborTable<Address>::sweep(uint64_t now, uint64_t aging, uint32_t budget) {
  for (uint32_t n = 0; n < budget && n <= mask_; ++n) {
    const uint32_t i = sweep_cursor_;
    sweep_cursor_ = (sweep_cursor_ + 1) & mask_;
    const Slot& s = slots_[i];
    if (!s.ip) continue;
    const uint64_t stamp = s.mac != 0 ? s.last_seen : s.requested;
    if (age(stamp, now) >= aging) erase_at(i);
  }
}

template <class Address>
void BasicNeighborTable<Address>::erase_at(uint32_t hole) {
  slot_table::erase_backward_shift(
      hole, mask_, [this](uint32_t i) { return static_cast<bool>(slots_[i].ip); },
      [this](uint32_t i) { return home(slots_[i].ip); },
      [this](uint32_t from, uint32_t to) {
        const Slot& s = slots_[from];
        write(slots_[to], s.ip, s.mac, s.last_seen, s.requested);
      },
      [this](uint32_t i) { write(slots_[i], Address{}, 0, 0, 0); });
  add_size(-1);
}

template <class Address>
void BasicNeighborTable<Address>::read_entries(std::vector<Entry>* out) const {
  out->clear();
  for (uint32_t i = 0; i <= mask_; ++i) {
    const Slot& s = slots_[i];
    Entry e;
    const bool read = slot_table::seq_read(s.seq, [&] {
      e.ip = get(s.ip);
      e.mac = get(s.mac);
      e.last_seen = get(s.last_seen);
    });
    if (read && e.ip) out->push_back(e);
  }
}

template class BasicNeighborTable<uint32_t>;
template class BasicNeighborTable<Ipv6Key>;

}  // namespace edgegw::dataplane
