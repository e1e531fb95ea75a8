// Per-slice ingress meters, color-blind: srTCM (RFC 2697) and trTCM (RFC 2698). Buckets start full.
// Tokens are kept in bits scaled by the clock's ticks per second, so refilling and charging are
// exact integer operations without division.
#pragma once

#include <cstdint>

namespace edgegw::slicing {

enum class Color : uint8_t { green, yellow, red };

struct PolicerSpec {
  enum class Mode : uint8_t { srtcm, trtcm };
  Mode mode = Mode::srtcm;
  uint64_t cir_bps = 0;
  uint32_t cbs_bytes = 16384;
  uint32_t ebs_bytes = 16384;  // srtcm
  uint64_t pir_bps = 0;        // trtcm
  uint32_t pbs_bytes = 16384;  // trtcm
};

class Policer {
 public:
  Policer(const PolicerSpec& spec, uint64_t ticks_per_second, uint64_t now);
  Color color(uint32_t len, uint64_t now);

 private:
  // A token bucket in bit-ticks: `rate` bits/s fill it, `cap` bounds it.
  struct Bucket {
    uint64_t tokens = 0;
    uint64_t cap = 0;
    uint64_t rate = 0;
    uint64_t full_after = 0;  // ticks after which an empty bucket is full (bounds the product below)
  };
  // Adds `dt` ticks of `rate` to `b`; returns what did not fit (srTCM's overflow into E).
  static uint64_t fill(Bucket& b, uint64_t dt, uint64_t rate);

  PolicerSpec::Mode mode_;
  uint64_t tps_;
  uint64_t last_;
  Bucket c_;  // committed
  Bucket e_;  // srTCM: excess; trTCM: peak
};

}  // namespace edgegw::slicing
