// The slice of a frame travels in the mbuf beside its membership (hash.usr): in hash.fdir.hi, free
// once the inject check has read it. Every stage that makes or copies frames marks them here, and a
// reader bounds what it reads (SliceState::bound): kNoSlice and stale indexes mean the default slice.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

namespace edgegw::dataplane {

constexpr uint16_t kNoSlice = 0xffff;  // a frame the switch made itself: the default slice

inline uint16_t slice_of(const rte_mbuf* m) { return static_cast<uint16_t>(m->hash.fdir.hi); }
inline void set_slice(rte_mbuf* m, uint16_t slice) { m->hash.fdir.hi = slice; }

}  // namespace edgegw::dataplane
