// Test helpers for the NAT tests: IPv4 TCP/UDP/ICMP packets built byte by byte with checksums
// computed from scratch, and checks that a packet's checksums verify.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto::test {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

// An IPv4 header (IHL 5, TTL 64, id 0x1234) in front of `l4`, header checksum computed.
inline Bytes ipv4(uint8_t proto, uint32_t src, uint32_t dst, const Bytes& l4, uint16_t frag = 0) {
  Bytes p(20);
  p[0] = 0x45;
  store_be16(&p[2], static_cast<uint16_t>(20 + l4.size()));
  store_be16(&p[4], 0x1234);
  store_be16(&p[6], frag);
  p[8] = 64;
  p[9] = proto;
  store_be32(&p[12], src);
  store_be32(&p[16], dst);
  store_be16(&p[10], checksum(p.data(), 20));
  p.insert(p.end(), l4.begin(), l4.end());
  return p;
}

inline uint16_t l4_checksum(uint8_t proto, uint32_t src, uint32_t dst, const Bytes& l4) {
  return checksum_finish(checksum_add(pseudo_header_sum(src, dst, proto, static_cast<uint16_t>(l4.size())),
                                      l4.data(), l4.size()));
}

inline Bytes tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags,
                 const Bytes& payload = {}) {
  Bytes t(20);
  store_be16(&t[0], sport);
  store_be16(&t[2], dport);
  store_be32(&t[4], 0x01020304);  // sequence
  store_be32(&t[8], (flags & kAck) != 0 ? 0x0a0b0c0d : 0);
  t[12] = 5 << 4;
  t[13] = flags;
  store_be16(&t[14], 65535);
  t.insert(t.end(), payload.begin(), payload.end());
  store_be16(&t[16], l4_checksum(6, src, dst, t));
  return ipv4(6, src, dst, t);
}

inline Bytes udp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const Bytes& payload = {1, 2, 3},
                 bool with_checksum = true) {
  Bytes u(8);
  store_be16(&u[0], sport);
  store_be16(&u[2], dport);
  store_be16(&u[4], static_cast<uint16_t>(8 + payload.size()));
  u.insert(u.end(), payload.begin(), payload.end());
  if (with_checksum) {
    uint16_t c = l4_checksum(17, src, dst, u);
    store_be16(&u[6], c == 0 ? 0xffff : c);
  }
  return ipv4(17, src, dst, u);
}

inline Bytes icmp_message(uint8_t type, uint8_t code, uint32_t rest, const Bytes& body) {
  Bytes m(8);
  m[0] = type;
  m[1] = code;
  store_be32(&m[4], rest);
  m.insert(m.end(), body.begin(), body.end());
  store_be16(&m[2], checksum(m.data(), m.size()));
  return m;
}

inline Bytes icmp_echo(uint32_t src, uint32_t dst, uint8_t type, uint16_t id, uint16_t seq = 7) {
  return ipv4(1, src, dst, icmp_message(type, 0, uint32_t{id} << 16 | seq, {0xde, 0xad, 0xbe, 0xef}));
}

// An ICMP error (type/code) from src to dst quoting the first `quoted` bytes of `original`.
inline Bytes icmp_error(uint32_t src, uint32_t dst, uint8_t type, uint8_t code, const Bytes& original,
                        size_t quoted) {
  const Bytes body(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(quoted));
  return ipv4(1, src, dst, icmp_message(type, code, 0, body));
}

inline bool ip_checksum_ok(const Bytes& p) { return p.size() >= 20 && checksum(p.data(), (p[0] & 15u) * 4) == 0; }

// The L4 checksum of a whole (unfragmented) packet verifies; UDP 0 means "none".
inline bool l4_checksum_ok(const Bytes& p) {
  const size_t ihl = (p[0] & 15u) * 4;
  const Bytes l4(p.begin() + static_cast<std::ptrdiff_t>(ihl), p.end());
  if (p[9] == 1) return checksum(l4.data(), l4.size()) == 0;
  if (p[9] == 17 && load_be16(&l4[6]) == 0) return true;
  return checksum_finish(checksum_add(pseudo_header_sum(load_be32(&p[12]), load_be32(&p[16]), p[9],
                                                        static_cast<uint16_t>(l4.size())),
                                      l4.data(), l4.size())) == 0;
}

}  // namespace edgegw::netproto::test
