// IPv6 addresses and the few derived addresses neighbor discovery needs (RFC 4291, RFC 4861), and
// the ICMPv6 checksum's pseudo-header (RFC 8200 8.1). Plain bytes in network order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgegw::netproto {

using Ipv6Address = std::array<uint8_t, 16>;

// "2001:db8::1" and back (RFC 5952 form: lowercase, longest zero run compressed).
std::optional<Ipv6Address> parse_ipv6(std::string_view text);
std::string format_ipv6(const Ipv6Address& address);

// The first `length` bits of `address`, the rest zero.
Ipv6Address ipv6_prefix_of(const Ipv6Address& address, unsigned length);
bool ipv6_in_prefix(const Ipv6Address& address, const Ipv6Address& prefix, unsigned length);

// fe80::/64 with the modified EUI-64 interface identifier of `mac` (RFC 4291 appendix A).
Ipv6Address ipv6_link_local(const std::array<uint8_t, 6>& mac);
// ff02::1:ffXX:XXXX, the solicited-node multicast address of `address` (RFC 4291 2.7.1).
Ipv6Address ipv6_solicited_node(const Ipv6Address& address);
// 33:33 followed by the low 32 bits: the Ethernet address of an IPv6 multicast group (RFC 2464 7).
std::array<uint8_t, 6> ipv6_multicast_mac(const Ipv6Address& group);

inline bool ipv6_is_multicast(const uint8_t* a) { return a[0] == 0xff; }
inline bool ipv6_is_link_local(const uint8_t* a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }
inline bool ipv6_is_unspecified(const uint8_t* a) {
  uint8_t any = 0;
  for (int i = 0; i < 16; ++i) any |= a[i];
  return any == 0;
}
inline bool ipv6_is_loopback(const uint8_t* a) {
  uint8_t any = 0;
  for (int i = 0; i < 15; ++i) any |= a[i];
  return any == 0 && a[15] == 1;
}

// The not yet folded sum of the IPv6 pseudo-header: addresses, upper-layer length, next header.
uint32_t ipv6_pseudo_header_sum(const uint8_t* src, const uint8_t* dst, uint32_t length, uint8_t next_header);

}  // namespace edgegw::netproto
