// VXLAN over IPv4: what the gateway writes decapsulates to what it wrapped, every refusal is named,
// the source port stays in the dynamic range, and the inner MTU fits the uplink byte for byte.
#include "edgegw/netproto/vxlan.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto {
namespace {

// An outer packet as the gateway sends it, around a 60-byte inner frame.
std::vector<uint8_t> wrapped(uint32_t vni, size_t inner = 60) {
  std::vector<uint8_t> p(kOuterIpv4Bytes + kUdpBytes + kVxlanHeaderBytes + inner);
  for (size_t i = 0; i < inner; ++i) p[p.size() - inner + i] = static_cast<uint8_t>(i);
  write_outer_ipv4_udp(p.data(), 0x0a000001, 0x0a000002, vxlan_source_port(0xdeadbeef), 0xb8, 64, 7,
                       kVxlanHeaderBytes + inner);
  write_vxlan_header(p.data() + kOuterIpv4Bytes + kUdpBytes, vni);
  return p;
}

TEST(Vxlan, WhatIsWrappedDecapsulatesToTheSameFrameAndVni) {
  for (uint32_t vni : {1u, 150u, 0x123456u, kVxlanMaxVni}) {
    const std::vector<uint8_t> p = wrapped(vni);
    EXPECT_EQ(checksum(p.data(), kOuterIpv4Bytes), 0) << "a valid outer IPv4 checksum";
    EXPECT_EQ(load_be16(p.data() + 6), 0x4000) << "DF, never fragmented";
    EXPECT_EQ(p[1], 0xb8) << "the DSCP given";
    const VxlanDecap d = decap_vxlan_ipv4(p.data(), p.size());
    ASSERT_EQ(d.error, VxlanDecapError::none) << vxlan_decap_error_name(d.error);
    EXPECT_EQ(d.vni, vni);
    EXPECT_EQ(d.src, 0x0a000001u);
    EXPECT_EQ(d.dst, 0x0a000002u);
    ASSERT_EQ(d.inner_length, 60u);
    for (size_t i = 0; i < 60; ++i) EXPECT_EQ(p[d.inner_offset + i], i);
  }
  // RFC 7348 wire image: flags 0x08, reserved zero, VNI in the high 24 bits of the second word.
  std::array<uint8_t, 8> h{};
  write_vxlan_header(h.data(), 0xabcdef);
  EXPECT_EQ(h, (std::array<uint8_t, 8>{0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0}));
}

TEST(Vxlan, EveryMalformedOuterPacketIsRefusedByName) {
  struct Case {
    const char* what;
    std::function<void(std::vector<uint8_t>&)> spoil;
    VxlanDecapError error;
  };
  auto fix = [](std::vector<uint8_t>& p) {
    store_be16(p.data() + 10, 0);
    store_be16(p.data() + 10, checksum(p.data(), size_t{p[0] & 0x0fu} * 4));
  };
  const std::vector<Case> cases = {
      {"IPv6 version", [&](auto& p) { p[0] = 0x65; }, VxlanDecapError::not_ipv4},
      {"IHL 4", [&](auto& p) { p[0] = 0x44; }, VxlanDecapError::bad_header_length},
      {"total length past the bytes", [&](auto& p) { store_be16(p.data() + 2, 2000), fix(p); },
       VxlanDecapError::bad_total_length},
      {"checksum", [&](auto& p) { p[10] ^= 1; }, VxlanDecapError::bad_checksum},
      {"more fragments", [&](auto& p) { store_be16(p.data() + 6, 0x2000), fix(p); }, VxlanDecapError::fragment},
      {"fragment offset", [&](auto& p) { store_be16(p.data() + 6, 0x0010), fix(p); }, VxlanDecapError::fragment},
      {"TCP", [&](auto& p) { p[9] = 6, fix(p); }, VxlanDecapError::not_udp},
      {"port 4790", [&](auto& p) { store_be16(p.data() + 22, 4790); }, VxlanDecapError::not_vxlan_port},
      {"UDP length", [&](auto& p) { store_be16(p.data() + 24, 30); }, VxlanDecapError::bad_udp_length},
      {"I flag clear", [&](auto& p) { p[28] = 0; }, VxlanDecapError::no_vni_flag},
      {"no room for an inner Ethernet header",
       [&](auto& p) {
         p.resize(kOuterIpv4Bytes + kUdpBytes + kVxlanHeaderBytes + 10);
         store_be16(p.data() + 2, static_cast<uint16_t>(p.size()));
         store_be16(p.data() + 24, static_cast<uint16_t>(p.size() - kOuterIpv4Bytes));
         fix(p);
       },
       VxlanDecapError::truncated},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> p = wrapped(150);
    c.spoil(p);
    EXPECT_EQ(decap_vxlan_ipv4(p.data(), p.size()).error, c.error) << c.what;
    EXPECT_STRNE(vxlan_decap_error_name(c.error), "?");
  }
  const std::vector<uint8_t> p = wrapped(150);
  for (size_t n = 0; n < p.size() - 60 + kInnerEthernetBytes; ++n) {
    EXPECT_NE(decap_vxlan_ipv4(p.data(), n).error, VxlanDecapError::none) << "a cut at " << n;
  }
  std::vector<uint8_t> reserved = wrapped(150);
  reserved[29] = 0xff;  // reserved bits set: ignored on receipt (RFC 7348 section 5)
  EXPECT_EQ(decap_vxlan_ipv4(reserved.data(), reserved.size()).error, VxlanDecapError::none);
}

TEST(Vxlan, SourcePortsStayInTheDynamicRangeAndSpread) {
  std::vector<int> seen(16384);
  for (uint32_t h = 0; h < 1'000'000; h += 7) {
    const uint16_t port = vxlan_source_port(h * 2654435761u);
    ASSERT_GE(port, 49152);
    ++seen[port - 49152];
  }
  int used = 0;
  for (int n : seen) used += n != 0;
  EXPECT_GT(used, 16000) << "flows spread over the range";
  EXPECT_EQ(vxlan_source_port(12345), vxlan_source_port(12345)) << "one flow, one port";
}

// The bytes on the uplink for a guest packet of `inner_mtu`, built up header by header.
size_t wire_bytes(size_t inner_mtu, bool esp, bool udp_encapsulated) {
  const size_t vxlan_packet = 20 + 8 + 8 + 14 + inner_mtu;
  if (!esp) return vxlan_packet;
  size_t pad = 0;
  while ((vxlan_packet + pad + 2) % 4 != 0) ++pad;
  return 20 + (udp_encapsulated ? 8 : 0) + 4 + 4 + 8 + vxlan_packet + pad + 1 + 1 + 16;
}

TEST(Vxlan, TheInnerMtuIsTheLargestThatFitsTheUplink) {
  EXPECT_EQ(overlay_inner_mtu(1500, false, false), 1450u);
  EXPECT_EQ(overlay_inner_mtu(1500, true, false), 1396u);
  EXPECT_EQ(overlay_inner_mtu(1500, true, true), 1388u);
  for (size_t uplink : {576u, 1280u, 1400u, 1499u, 1500u, 1501u, 1502u, 1503u, 9000u}) {
    for (bool esp : {false, true}) {
      for (bool natt : {false, true}) {
        if (!esp && natt) continue;
        const size_t m = overlay_inner_mtu(uplink, esp, natt);
        ASSERT_GT(m, 0u);
        EXPECT_LE(wire_bytes(m, esp, natt), uplink) << uplink << " esp " << esp << " natt " << natt;
        EXPECT_GT(wire_bytes(m + 1, esp, natt), uplink) << "one more byte does not fit: " << uplink;
      }
    }
  }
  EXPECT_EQ(overlay_inner_mtu(60, true, true), 0u) << "nothing fits";
}

}  // namespace
}  // namespace edgegw::netproto
