#include "edgegw/netproto/ipv6.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto {

std::optional<Ipv6Address> parse_ipv6(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string copy(text);
  Ipv6Address out{};
  if (inet_pton(AF_INET6, copy.c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

std::string format_ipv6(const Ipv6Address& address) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, address.data(), text, sizeof text);  // glibc writes the RFC 5952 form
  return text;
}

Ipv6Address ipv6_prefix_of(const Ipv6Address& address, unsigned length) {
  Ipv6Address out{};
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bits = length > i * 8 ? std::min(8u, length - i * 8) : 0;
    out[i] = bits == 0 ? 0 : static_cast<uint8_t>(address[i] & (0xff00u >> bits));
  }
  return out;
}

bool ipv6_in_prefix(const Ipv6Address& address, const Ipv6Address& prefix, unsigned length) {
  return ipv6_prefix_of(address, length) == ipv6_prefix_of(prefix, length);
}

Ipv6Address ipv6_link_local(const std::array<uint8_t, 6>& mac) {
  Ipv6Address out{};
  out[0] = 0xfe;
  out[1] = 0x80;
  out[8] = static_cast<uint8_t>(mac[0] ^ 0x02);  // the universal/local bit inverted
  out[9] = mac[1];
  out[10] = mac[2];
  out[11] = 0xff;
  out[12] = 0xfe;
  out[13] = mac[3];
  out[14] = mac[4];
  out[15] = mac[5];
  return out;
}

Ipv6Address ipv6_solicited_node(const Ipv6Address& address) {
  Ipv6Address out{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0};
  out[13] = address[13];
  out[14] = address[14];
  out[15] = address[15];
  return out;
}

std::array<uint8_t, 6> ipv6_multicast_mac(const Ipv6Address& group) {
  return {0x33, 0x33, group[12], group[13], group[14], group[15]};
}

uint32_t ipv6_pseudo_header_sum(const uint8_t* src, const uint8_t* dst, uint32_t length, uint8_t next_header) {
  uint32_t sum = checksum_add(0, src, 16);
  sum = checksum_add(sum, dst, 16);
  sum += length >> 16;
  sum += length & 0xffff;
  sum += next_header;
  return sum;
}

}  // namespace edgegw::netproto
