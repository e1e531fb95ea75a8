// IPv4 and ARP frames for the synthetic pipeline tests: a valid header checksum, TCP, UDP and ICMP
// headers where asked for, the rest of the payload counting.
#pragma once

#include <rte_mbuf.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::dataplane::test {

// An IPv4 packet of protocol `proto` with `payload` bytes after its header, in an Ethernet frame.
inline rte_mbuf* build_ipv4(rte_mempool* pool, const std::array<uint8_t, 6>& dst_mac,
                            const std::array<uint8_t, 6>& src_mac, uint32_t src, uint32_t dst, uint8_t proto,
                            uint8_t ttl, uint16_t payload, bool df = false) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  const uint16_t total = static_cast<uint16_t>(20 + payload);
  auto* p = m != nullptr ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(14 + total))) : nullptr;
  if (p == nullptr) {
    ADD_FAILURE() << "no mbuf";
    return m;
  }
  std::memset(p, 0, 14u + total);
  std::memcpy(p, dst_mac.data(), 6);
  std::memcpy(p + 6, src_mac.data(), 6);
  netproto::store_be16(p + 12, 0x0800);
  uint8_t* ip = p + 14;
  ip[0] = 0x45;
  netproto::store_be16(ip + 2, total);
  netproto::store_be16(ip + 4, 0x1234);
  netproto::store_be16(ip + 6, df ? 0x4000 : 0);
  ip[8] = ttl;
  ip[9] = proto;
  netproto::store_be32(ip + 12, src);
  netproto::store_be32(ip + 16, dst);
  netproto::store_be16(ip + 10, netproto::checksum(ip, 20));
  for (uint16_t i = 0; i < payload; ++i) ip[20 + i] = static_cast<uint8_t>(i * 7);
  return m;
}

// The first bytes after the IPv4 header (no options) of a frame built above.
inline uint8_t* l4_of(rte_mbuf* m) { return rte_pktmbuf_mtod(m, uint8_t*) + 14 + 20; }

// TCP (a 20-byte header with `flags`) or UDP (8 bytes) between the ports; checksums are not
// checked by the switch and left zero.
inline rte_mbuf* build_transport(rte_mempool* pool, const std::array<uint8_t, 6>& dst_mac,
                                 const std::array<uint8_t, 6>& src_mac, uint32_t src, uint32_t dst, uint8_t proto,
                                 uint16_t sport, uint16_t dport, uint8_t tcp_flags = 0x02) {
  rte_mbuf* m = build_ipv4(pool, dst_mac, src_mac, src, dst, proto, 64, proto == 6 ? 20 : 8 + 12);
  if (m == nullptr) return m;
  uint8_t* l4 = l4_of(m);
  netproto::store_be16(l4, sport);
  netproto::store_be16(l4 + 2, dport);
  if (proto == 6) {
    std::memset(l4 + 4, 0, 16);
    l4[12] = 0x50;
    l4[13] = tcp_flags;
  } else {
    netproto::store_be16(l4 + 4, 8 + 12);
    netproto::store_be16(l4 + 6, 0);
  }
  return m;
}

// ICMP of `type` (echo request 8, reply 0, ...) with identifier `id`.
inline rte_mbuf* build_icmp(rte_mempool* pool, const std::array<uint8_t, 6>& dst_mac,
                            const std::array<uint8_t, 6>& src_mac, uint32_t src, uint32_t dst, uint8_t type,
                            uint16_t id) {
  rte_mbuf* m = build_ipv4(pool, dst_mac, src_mac, src, dst, 1, 64, 16);
  if (m == nullptr) return m;
  uint8_t* icmp = l4_of(m);
  icmp[0] = type;
  icmp[1] = 0;
  netproto::store_be16(icmp + 2, 0);
  netproto::store_be16(icmp + 4, id);
  netproto::store_be16(icmp + 6, 1);
  netproto::store_be16(icmp + 2, netproto::checksum(icmp, 16));
  return m;
}

// An ARP message (op 1 request, 2 reply) for IPv4 over Ethernet in a 60-byte frame.
inline rte_mbuf* build_arp(rte_mempool* pool, uint16_t op, const std::array<uint8_t, 6>& eth_dst,
                           const std::array<uint8_t, 6>& sender_mac, uint32_t sender_ip, uint32_t target_ip) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  auto* p = m != nullptr ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 60)) : nullptr;
  if (p == nullptr) {
    ADD_FAILURE() << "no mbuf";
    return m;
  }
  std::memset(p, 0, 60);
  std::memcpy(p, eth_dst.data(), 6);
  std::memcpy(p + 6, sender_mac.data(), 6);
  netproto::store_be16(p + 12, 0x0806);
  uint8_t* a = p + 14;
  netproto::store_be16(a, 1);
  netproto::store_be16(a + 2, 0x0800);
  a[4] = 6;
  a[5] = 4;
  netproto::store_be16(a + 6, op);
  std::memcpy(a + 8, sender_mac.data(), 6);
  netproto::store_be32(a + 14, sender_ip);
  netproto::store_be32(a + 24, target_ip);
  return m;
}

}  // namespace edgegw::dataplane::test
