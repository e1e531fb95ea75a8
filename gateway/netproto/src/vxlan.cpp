// VXLAN over IPv4: header codec, outer headers, decapsulation checks, inner MTU arithmetic.
#include "edgegw/netproto/vxlan.hpp"

#include <cstring>

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto {

void write_vxlan_header(uint8_t* p, uint32_t vni) {
  p[0] = 0x08;  // I
  p[1] = p[2] = p[3] = 0;
  store_be32(p + 4, (vni & kVxlanMaxVni) << 8);
}

void write_outer_ipv4_udp(uint8_t* p, uint32_t src, uint32_t dst, uint16_t source_port, uint8_t tos, uint8_t ttl,
                          uint16_t ident, size_t vxlan_bytes) {
  const auto udp_length = static_cast<uint16_t>(kUdpBytes + vxlan_bytes);
  p[0] = 0x45;
  p[1] = tos;
  store_be16(p + 2, static_cast<uint16_t>(kOuterIpv4Bytes + udp_length));
  store_be16(p + 4, ident);
  store_be16(p + 6, 0x4000);  // DF
  p[8] = ttl;
  p[9] = 17;
  store_be16(p + 10, 0);
  store_be32(p + 12, src);
  store_be32(p + 16, dst);
  store_be16(p + 10, checksum(p, kOuterIpv4Bytes));
  uint8_t* udp = p + kOuterIpv4Bytes;
  store_be16(udp, source_port);
  store_be16(udp + 2, kVxlanPort);
  store_be16(udp + 4, udp_length);
  store_be16(udp + 6, 0);
}

const char* vxlan_decap_error_name(VxlanDecapError e) {
  switch (e) {
    case VxlanDecapError::none: return "none";
    case VxlanDecapError::truncated: return "truncated";
    case VxlanDecapError::not_ipv4: return "not_ipv4";
    case VxlanDecapError::bad_header_length: return "bad_header_length";
    case VxlanDecapError::bad_total_length: return "bad_total_length";
    case VxlanDecapError::bad_checksum: return "bad_checksum";
    case VxlanDecapError::fragment: return "fragment";
    case VxlanDecapError::not_udp: return "not_udp";
    case VxlanDecapError::not_vxlan_port: return "not_vxlan_port";
    case VxlanDecapError::bad_udp_length: return "bad_udp_length";
    case VxlanDecapError::no_vni_flag: return "no_vni_flag";
  }
  return "?";
}

VxlanDecap decap_vxlan_ipv4(const uint8_t* ip, size_t length) {
  VxlanDecap out;
  auto fail = [&](VxlanDecapError e) {
    out.error = e;
    return out;
  };
  if (length < kOuterIpv4Bytes) return fail(VxlanDecapError::truncated);
  if ((ip[0] >> 4) != 4) return fail(VxlanDecapError::not_ipv4);
  const size_t header = size_t{ip[0] & 0x0fu} * 4;
  if (header < kOuterIpv4Bytes || header > length) return fail(VxlanDecapError::bad_header_length);
  const size_t total = load_be16(ip + 2);
  if (total < header || total > length) return fail(VxlanDecapError::bad_total_length);
  if (checksum(ip, header) != 0) return fail(VxlanDecapError::bad_checksum);
  if ((load_be16(ip + 6) & 0x3fff) != 0) return fail(VxlanDecapError::fragment);
  if (ip[9] != 17) return fail(VxlanDecapError::not_udp);
  if (total < header + kUdpBytes + kVxlanHeaderBytes + kInnerEthernetBytes) return fail(VxlanDecapError::truncated);
  const uint8_t* udp = ip + header;
  if (load_be16(udp + 2) != kVxlanPort) return fail(VxlanDecapError::not_vxlan_port);
  if (load_be16(udp + 4) != total - header) return fail(VxlanDecapError::bad_udp_length);
  const uint8_t* vxlan = udp + kUdpBytes;
  if ((vxlan[0] & 0x08) == 0) return fail(VxlanDecapError::no_vni_flag);  // other bits: reserved, ignored
  out.vni = load_be32(vxlan + 4) >> 8;
  out.src = load_be32(ip + 12);
  out.dst = load_be32(ip + 16);
  out.inner_offset = header + kUdpBytes + kVxlanHeaderBytes;
  out.inner_length = total - out.inner_offset;
  return out;
}

size_t overlay_inner_mtu(size_t uplink_mtu, bool esp, bool udp_encapsulated) {
  constexpr size_t kVxlanOverhead = kOuterIpv4Bytes + kUdpBytes + kVxlanHeaderBytes + kInnerEthernetBytes;
  if (!esp) return uplink_mtu > kVxlanOverhead ? uplink_mtu - kVxlanOverhead : 0;
  // uplink >= outer IPv4 [+ UDP] + SPI/seq 8 + IV 8 + align4(payload + 2) + ICV 16
  constexpr size_t kEspFixed = 8 + 8 + 16;
  const size_t outer = kOuterIpv4Bytes + (udp_encapsulated ? kUdpBytes : 0) + kEspFixed;
  if (uplink_mtu < outer + kVxlanOverhead + 2) return 0;
  const size_t room = (uplink_mtu - outer) & ~size_t{3};  // the padded payload and its 2 trailer bytes
  return room >= kVxlanOverhead + 2 ? room - 2 - kVxlanOverhead : 0;
}

}  // namespace edgegw::netproto
