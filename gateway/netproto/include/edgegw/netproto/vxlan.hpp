// VXLAN (RFC 7348) over IPv4: the 8-byte header, the outer IPv4 and UDP headers the gateway writes,
// the outer UDP source port taken from the inner flow, what a received outer packet must be to be
// decapsulated (each refusal named), and the inner MTU an overlay can offer its guests when it runs
// plain or inside ESP tunnel mode (RFC 4303, AES-GCM RFC 4106 / ChaCha20-Poly1305 RFC 7634), with or
// without UDP encapsulation (RFC 3948).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgegw::netproto {

constexpr uint16_t kVxlanPort = 4789;
constexpr size_t kVxlanHeaderBytes = 8;
constexpr size_t kOuterIpv4Bytes = 20;
constexpr size_t kUdpBytes = 8;
constexpr size_t kInnerEthernetBytes = 14;
constexpr uint32_t kVxlanMaxVni = 0xffffff;

// Flags with the I bit (the VNI is valid), the VNI, every reserved bit zero (RFC 7348 section 5).
void write_vxlan_header(uint8_t* p, uint32_t vni);

// The outer source port: a hash of the inner flow folded into the dynamic range 49152-65535, so
// one flow keeps one path through ECMP and different flows spread (RFC 7348 section 5).
inline uint16_t vxlan_source_port(uint32_t inner_flow_hash) {
  return static_cast<uint16_t>(49152 + ((inner_flow_hash ^ (inner_flow_hash >> 16)) & 0x3fff));
}

// Outer IPv4 (no options, DF set: an oversize inner frame is refused before, never fragmented)
// and UDP to kVxlanPort with checksum 0 (allowed over IPv4, RFC 7348 section 5) at `p`, for
// `vxlan_bytes` of VXLAN header and inner frame after them. Addresses in host order.
void write_outer_ipv4_udp(uint8_t* p, uint32_t src, uint32_t dst, uint16_t source_port, uint8_t tos, uint8_t ttl,
                          uint16_t ident, size_t vxlan_bytes);

enum class VxlanDecapError : uint8_t {
  none,
  truncated,          // shorter than IPv4 + UDP + VXLAN + an inner Ethernet header
  not_ipv4,           // version is not 4
  bad_header_length,  // IHL below 5 or past the packet
  bad_total_length,   // total length below the headers or past the bytes received
  bad_checksum,       // IPv4 header checksum
  fragment,           // MF or a fragment offset: VXLAN is never fragmented here
  not_udp,
  not_vxlan_port,     // UDP destination is not 4789
  bad_udp_length,     // UDP length disagrees with the IPv4 total length
  no_vni_flag,        // the I flag is clear
};
const char* vxlan_decap_error_name(VxlanDecapError e);

struct VxlanDecap {
  VxlanDecapError error = VxlanDecapError::none;
  uint32_t vni = 0;
  uint32_t src = 0;           // the remote VTEP (host order)
  uint32_t dst = 0;
  size_t inner_offset = 0;    // the inner Ethernet frame in the bytes given
  size_t inner_length = 0;
};
// An outer IPv4 packet (from its IP header on) carrying VXLAN.
VxlanDecap decap_vxlan_ipv4(const uint8_t* ip, size_t length);

// The largest inner IP MTU (what a guest's interface may send) that fits an uplink of `uplink_mtu`:
// VXLAN over IPv4 adds 50 bytes (outer IPv4, UDP, VXLAN, the inner Ethernet header); inside ESP
// tunnel mode with an 8-byte IV and a 16-byte ICV (AES-GCM, ChaCha20-Poly1305) the VXLAN packet
// becomes the ESP payload (SPI and sequence 8, IV 8, padding to 4 bytes, pad length and next
// header 2, ICV 16) under a new outer IPv4 header, plus UDP 8 with NAT traversal. 0 when nothing fits.
size_t overlay_inner_mtu(size_t uplink_mtu, bool esp, bool udp_encapsulated);

}  // namespace edgegw::netproto
