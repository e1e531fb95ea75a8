// srTCM (RFC 2697) and trTCM (RFC 2698), color-blind, on integer bit-tick buckets.
#include "edgegw/slicing/policer.hpp"

#include <algorithm>

namespace edgegw::slicing {
namespace {

uint64_t full_after(uint64_t cap, uint64_t rate) { return rate == 0 ? UINT64_MAX : cap / rate + 1; }

}  // namespace

Policer::Policer(const PolicerSpec& spec, uint64_t ticks_per_second, uint64_t now)
    : mode_(spec.mode), tps_(ticks_per_second), last_(now) {
  c_.cap = uint64_t{spec.cbs_bytes} * 8 * tps_;
  c_.rate = spec.cir_bps;
  if (spec.mode == PolicerSpec::Mode::srtcm) {
    e_.cap = uint64_t{spec.ebs_bytes} * 8 * tps_;
    e_.rate = spec.cir_bps;  // E fills from C's overflow, at CIR
  } else {
    e_.cap = uint64_t{spec.pbs_bytes} * 8 * tps_;
    e_.rate = spec.pir_bps;
  }
  // srTCM: C's overflow fills E, so C's refill stays exact until both are full.
  c_.full_after = full_after(spec.mode == PolicerSpec::Mode::srtcm ? c_.cap + e_.cap : c_.cap, c_.rate);
  e_.full_after = full_after(e_.cap, e_.rate);
  c_.tokens = c_.cap;
  e_.tokens = e_.cap;
}

uint64_t Policer::fill(Bucket& b, uint64_t dt, uint64_t rate) {
  if (rate == 0 || dt == 0) return 0;
  const uint64_t room = b.cap - b.tokens;
  if (dt >= b.full_after) {
    b.tokens = b.cap;
    return UINT64_MAX;  // more than any bucket holds
  }
  const uint64_t add = dt * rate;
  if (add <= room) {
    b.tokens += add;
    return 0;
  }
  b.tokens = b.cap;
  return add - room;
}

Color Policer::color(uint32_t len, uint64_t now) {
  const uint64_t dt = now > last_ ? now - last_ : 0;
  last_ = std::max(last_, now);
  const uint64_t cost = uint64_t{len} * 8 * tps_;
  if (mode_ == PolicerSpec::Mode::srtcm) {
    const uint64_t overflow = fill(c_, dt, c_.rate);
    if (overflow != 0) {
      // RFC 2697: tokens that do not fit in C go to E.
      e_.tokens = overflow >= e_.cap - e_.tokens ? e_.cap : e_.tokens + overflow;
    }
    if (c_.tokens >= cost) {
      c_.tokens -= cost;
      return Color::green;
    }
    if (e_.tokens >= cost) {
      e_.tokens -= cost;
      return Color::yellow;
    }
    return Color::red;
  }
  fill(c_, dt, c_.rate);
  fill(e_, dt, e_.rate);
  if (e_.tokens < cost) return Color::red;
  if (c_.tokens < cost) {
    e_.tokens -= cost;
    return Color::yellow;
  }
  e_.tokens -= cost;
  c_.tokens -= cost;
  return Color::green;
}

}  // namespace edgegw::slicing
