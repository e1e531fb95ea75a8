// Internet checksums (RFC 1071) and their incremental update (RFC 1624), on raw bytes in network
// order. Used by every stage that builds or rewrites IPv4, ICMP, UDP or TCP headers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgegw::netproto {

// The IPv4 netmask of a prefix length 0..32, host order (0 for /0: a shift by 32 is undefined).
inline uint32_t prefix_mask(uint32_t length) { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }

// Big-endian field access on packet bytes (no alignment assumed).
inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// One's-complement sum of `len` bytes added to `sum` (not folded, not inverted). An odd last byte
// is padded with zero, as RFC 1071 says.
uint32_t checksum_add(uint32_t sum, const uint8_t* data, size_t len);

// Folds a sum to 16 bits and inverts it: the value to put in a checksum field.
uint16_t checksum_finish(uint32_t sum);

// The checksum of `len` bytes (field zeroed by the caller, or the result is 0 when verifying).
inline uint16_t checksum(const uint8_t* data, size_t len) { return checksum_finish(checksum_add(0, data, len)); }

// RFC 1624 eqn. 3: the new checksum when a 16-bit word covered by `old_checksum` changes from
// `old_word` to `new_word`. A 32-bit field is two calls (or checksum_update32).
uint16_t checksum_update16(uint16_t old_checksum, uint16_t old_word, uint16_t new_word);
uint16_t checksum_update32(uint16_t old_checksum, uint32_t old_value, uint32_t new_value);

// The sum of the IPv4 pseudo-header for TCP/UDP (addresses in host order, length of the L4 bytes).
uint32_t pseudo_header_sum(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t l4_length);

}  // namespace edgegw::netproto
