// The NDP fuzz harness, shared by fuzz_ndp (tests/fuzz/netproto_ndp_fuzz.cpp) and unit_netproto's
// replay of the seed corpus and the regressions (tests/unit/netproto/ndp_test.cpp).
//
// Input: an Ethernet frame for parse_router_solicitation. Most mutations break the ICMPv6 checksum,
// which is checked before the options: when bit 0 of the destination MAC's last byte is set
// (nothing the parser reads), the checksum is made right first, so the option walk is explored too.
// A rejection must name its field; an accepted solicitation must say what the frame says. Then the router advertisement that would
// answer it (unicast when the host gave its address and link-layer address), shaped by the input's
// first bytes, must carry a valid checksum and be refused by the solicitation parser at its type.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/ndp.hpp"

namespace edgegw::netproto::fuzz {

// `data`: the accepted frame (at least 62 bytes), whose first bytes shape the advertisement.
inline std::string check_answer(const RouterSolicitation& rs, const uint8_t* data) {
  RouterAdvertisement ra;
  std::copy(data + 6, data + 12, ra.router_mac.begin());
  if (rs.source_link_layer && !ipv6_is_unspecified(rs.source.data())) ra.unicast = NdpUnicast{rs.source, *rs.source_link_layer};
  ra.router_lifetime_s = load_be16(data);
  ra.mtu = data[2] & 1 ? 0 : 1280u + data[3];
  if (data[4] & 1) ra.prefix = RaPrefix{rs.source, static_cast<uint8_t>(data[5] & 127)};
  ra.dns.assign(data[4] >> 5, rs.source);
  ra.dns_lifetime_s = load_be32(data + 6);

  const std::vector<uint8_t> frame = build_router_advertisement(ra);
  const size_t icmp_len = 16 + 8 + (ra.mtu != 0 ? 8 : 0) + (ra.prefix ? 32 : 0) + (ra.dns.empty() ? 0 : 8 + 16 * ra.dns.size());
  if (frame.size() != kNdpFrameHeaderLen + icmp_len) return "advertisement of " + std::to_string(frame.size()) + " bytes";
  const uint8_t* ip = frame.data() + 14;
  if (load_be16(ip + 4) != icmp_len || ip[7] != kNdpHopLimit) return "advertisement's IPv6 header";
  const uint32_t pseudo = ipv6_pseudo_header_sum(ip + 8, ip + 24, static_cast<uint32_t>(icmp_len), kIpProtoIcmpv6);
  if (checksum_finish(checksum_add(pseudo, ip + 40, icmp_len)) != 0) return "advertisement's checksum";
  Result<RouterSolicitation> again = parse_router_solicitation(frame.data(), frame.size());
  if (again.ok() || again.error().message.rfind("icmpv6.type: 134", 0) != 0) {
    return "advertisement not refused at its type: " + (again.ok() ? std::string("accepted") : again.error().message);
  }
  return "";
}

// The ICMPv6 checksum of `frame` made right when its payload length fits the frame.
inline void fix_icmpv6_checksum(std::vector<uint8_t>& frame) {
  if (frame.size() < kNdpFrameHeaderLen + 4) return;
  uint8_t* ip = frame.data() + 14;
  const size_t payload = load_be16(ip + 4);
  if (payload < 4 || payload > frame.size() - kNdpFrameHeaderLen) return;
  store_be16(ip + 42, 0);
  const uint32_t pseudo = ipv6_pseudo_header_sum(ip + 8, ip + 24, static_cast<uint32_t>(payload), kIpProtoIcmpv6);
  store_be16(ip + 42, checksum_finish(checksum_add(pseudo, ip + 40, payload)));
}

// Runs one input; returns "" or what went wrong.
inline std::string run_ndp_fuzz_input(const uint8_t* input, size_t size) {
  std::vector<uint8_t> frame(input, input + size);
  if (size > 5 && (input[5] & 1) != 0) fix_icmpv6_checksum(frame);
  const uint8_t* data = frame.data();
  Result<RouterSolicitation> rs = parse_router_solicitation(data, size);
  if (!rs.ok()) {
    const std::string& m = rs.error().message;
    const bool named = m.rfind("eth", 0) == 0 || m.rfind("ipv6", 0) == 0 || m.rfind("icmpv6", 0) == 0;
    return named ? "" : "rejection does not name a field: " + m;
  }
  if (size < kNdpFrameHeaderLen + 8 || data[14 + 7] != kNdpHopLimit || data[14 + 40] != kIcmpv6RouterSolicitation) {
    return "accepted a frame that is no router solicitation";
  }
  if (!std::equal(rs->source.begin(), rs->source.end(), data + 14 + 8) ||
      !std::equal(rs->eth_source.begin(), rs->eth_source.end(), data + 6)) {
    return "addresses not the frame's";
  }
  if (rs->source_link_layer && ipv6_is_unspecified(rs->source.data())) return "link-layer address from ::";
  return check_answer(*rs, data);
}

}  // namespace edgegw::netproto::fuzz
