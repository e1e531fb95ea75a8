// IPv6 neighbor discovery messages a router sends and takes in (RFC 4861): router advertisements
// built as whole Ethernet frames, router solicitations parsed and validated from the frames the data
// plane punts. Plain bytes in network order; no allocation beyond the returned frame.
//
// The parser takes arbitrary bytes (it is fuzzed) and rejects with an Error whose message starts
// with the offending field ("ipv6.hop_limit: 64, must be 255", "icmpv6.option[2].length: 0, ...").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/netproto/ipv6.hpp"

namespace edgegw::netproto {

using MacAddress = std::array<uint8_t, 6>;

inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr uint8_t kIpProtoIcmpv6 = 58;
inline constexpr uint8_t kIcmpv6RouterSolicitation = 133;
inline constexpr uint8_t kIcmpv6RouterAdvertisement = 134;
inline constexpr uint8_t kNdpHopLimit = 255;  // RFC 4861: proves the message was not routed
inline constexpr size_t kNdpFrameHeaderLen = 14 + 40;  // Ethernet + IPv6, where the ICMPv6 message starts

// Prefix information lifetimes. Shorter than RFC 4861 6.2.1's defaults (30 and 7 days): a prefix
// taken out of the config leaves the hosts within a day, and they still outlive many missed RAs.
inline constexpr uint32_t kRaPrefixValidLifetimeS = 86400;
inline constexpr uint32_t kRaPrefixPreferredLifetimeS = 14400;

struct RaPrefix {
  Ipv6Address address{};  // host bits zero
  uint8_t length = 64;    // the A (autonomous) flag is set only for 64: SLAAC needs a /64
  bool operator==(const RaPrefix&) const = default;
};

// A solicited advertisement may go to the soliciting host alone (RFC 4861 6.2.6).
struct NdpUnicast {
  Ipv6Address address{};
  MacAddress mac{};
  bool operator==(const NdpUnicast&) const = default;
};

// Everything an advertisement says. Cur hop limit 64, M = O = 0, reachable time and retrans timer 0
// (unspecified: hosts keep their defaults).
struct RouterAdvertisement {
  MacAddress router_mac{};  // Ethernet source and the source link-layer address option
  std::optional<NdpUnicast> unicast;  // nullopt: all-nodes (ff02::1 at 33:33:00:00:00:01)
  uint16_t router_lifetime_s = 1800;  // 0: not a default router (the final advertisement)
  uint32_t mtu = 0;                   // 0: no MTU option
  std::optional<RaPrefix> prefix;     // prefix information, on-link
  std::vector<Ipv6Address> dns;       // RDNSS option (RFC 8106) when not empty; the first 127 (its length byte)
  uint32_t dns_lifetime_s = 0;
  bool operator==(const RouterAdvertisement&) const = default;
};

// The whole Ethernet frame: IPv6 from the link-local address of router_mac, hop limit 255, the
// ICMPv6 checksum over the pseudo-header filled in.
std::vector<uint8_t> build_router_advertisement(const RouterAdvertisement& ra);

struct RouterSolicitation {
  Ipv6Address source{};  // :: when the host has no address yet
  MacAddress eth_source{};
  std::optional<MacAddress> source_link_layer;  // option 1, never with source ::
};

// Validates an untagged Ethernet frame as RFC 4861 6.1.1 asks (no extension headers accepted).
// Errc::invalid_argument naming the field when it is not a valid router solicitation.
Result<RouterSolicitation> parse_router_solicitation(const uint8_t* frame, size_t len);

}  // namespace edgegw::netproto
