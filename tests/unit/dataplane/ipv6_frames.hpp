// IPv6 frames for the synthetic pipeline tests: ICMPv6 messages with a valid checksum (neighbor
// discovery, echo) and plain packets of any next header.
#pragma once

#include <rte_mbuf.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/ipv6.hpp"

namespace edgegw::dataplane::test {

using Ip6 = netproto::Ipv6Address;

inline Ip6 ip6(const char* text) {
  const auto parsed = netproto::parse_ipv6(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(Ip6{});
}

// The checksum check of the ICMPv6 message after the header at `ip`: 0 when it is valid.
inline uint16_t icmpv6_check(const uint8_t* ip) {
  const uint32_t length = netproto::load_be16(ip + 4);
  return netproto::checksum_finish(
      netproto::checksum_add(netproto::ipv6_pseudo_header_sum(ip + 8, ip + 24, length, 58), ip + 40, length));
}

// An IPv6 packet with `payload` after the fixed header, in an Ethernet frame. For next header 58
// the ICMPv6 checksum is filled in.
inline rte_mbuf* build_ipv6(rte_mempool* pool, const std::array<uint8_t, 6>& dst_mac,
                            const std::array<uint8_t, 6>& src_mac, const Ip6& src, const Ip6& dst, uint8_t next,
                            uint8_t hop_limit, std::vector<uint8_t> payload) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  const auto size = static_cast<uint16_t>(14 + 40 + payload.size());
  auto* p = m != nullptr ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, size)) : nullptr;
  if (p == nullptr) {
    ADD_FAILURE() << "no mbuf";
    return m;
  }
  std::memcpy(p, dst_mac.data(), 6);
  std::memcpy(p + 6, src_mac.data(), 6);
  netproto::store_be16(p + 12, 0x86dd);
  uint8_t* ip = p + 14;
  std::memset(ip, 0, 40);
  ip[0] = 0x60;
  netproto::store_be16(ip + 4, static_cast<uint16_t>(payload.size()));
  ip[6] = next;
  ip[7] = hop_limit;
  std::memcpy(ip + 8, src.data(), 16);
  std::memcpy(ip + 24, dst.data(), 16);
  if (next == 58 && payload.size() >= 4) {
    payload[2] = payload[3] = 0;
  }
  std::memcpy(ip + 40, payload.data(), payload.size());
  if (next == 58 && payload.size() >= 4) netproto::store_be16(ip + 42, icmpv6_check(ip));
  return m;
}

// ICMPv6 bodies (checksum left for build_ipv6).
inline std::vector<uint8_t> icmpv6_echo(uint16_t id, uint16_t seq, size_t data = 16) {
  std::vector<uint8_t> b(8 + data, 0);
  b[0] = 128;
  netproto::store_be16(b.data() + 4, id);
  netproto::store_be16(b.data() + 6, seq);
  for (size_t i = 0; i < data; ++i) b[8 + i] = static_cast<uint8_t>(i * 3);
  return b;
}

inline std::vector<uint8_t> nd_message(uint8_t type, uint8_t flags, const Ip6& target, uint8_t option,
                                       const std::array<uint8_t, 6>* mac) {
  std::vector<uint8_t> b(24, 0);
  b[0] = type;
  b[4] = flags;
  std::memcpy(b.data() + 8, target.data(), 16);
  if (mac != nullptr) {
    b.push_back(option);
    b.push_back(1);
    b.insert(b.end(), mac->begin(), mac->end());
  }
  return b;
}

inline std::vector<uint8_t> neighbor_solicitation(const Ip6& target, const std::array<uint8_t, 6>* source_mac) {
  return nd_message(135, 0, target, 1, source_mac);
}
inline std::vector<uint8_t> neighbor_advertisement(const Ip6& target, uint8_t flags,
                                                   const std::array<uint8_t, 6>* target_mac) {
  return nd_message(136, flags, target, 2, target_mac);
}
inline std::vector<uint8_t> router_solicitation(const std::array<uint8_t, 6>* source_mac) {
  std::vector<uint8_t> b(8, 0);
  b[0] = 133;
  if (source_mac != nullptr) {
    b.push_back(1);
    b.push_back(1);
    b.insert(b.end(), source_mac->begin(), source_mac->end());
  }
  return b;
}

}  // namespace edgegw::dataplane::test
