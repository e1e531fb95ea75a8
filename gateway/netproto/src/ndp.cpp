// Router advertisements out, router solicitations in (RFC 4861 4.1, 4.2, 4.6, 6.1.1; RFC 8106 5.1).
#include "edgegw/netproto/ndp.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto {
namespace {

constexpr size_t kEthLen = 14;
constexpr size_t kIpv6Len = 40;
constexpr size_t kRaLen = 16;  // type, code, checksum, hop limit, flags, lifetime, reachable, retrans
constexpr size_t kRsLen = 8;   // type, code, checksum, reserved
constexpr uint8_t kCurHopLimit = 64;

// Option types, and their lengths in units of 8 bytes (RFC 4861 4.6, RFC 8106 5.1).
constexpr uint8_t kOptSourceLinkLayer = 1, kOptPrefixInformation = 3, kOptMtu = 5, kOptRdnss = 25;
constexpr size_t kOptLinkLayerLen = 8, kOptPrefixLen = 32, kOptMtuLen = 8, kOptRdnssHeaderLen = 8;
constexpr uint8_t kPrefixOnLink = 0x80, kPrefixAutonomous = 0x40;
constexpr size_t kRdnssMaxServers = 127;  // what the option's length byte can count

constexpr Ipv6Address kAllNodes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

Error invalid(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

std::string hex16(uint16_t value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04x", value);
  return text;
}

std::string option_field(size_t index) { return "icmpv6.option[" + std::to_string(index) + "]"; }

uint8_t* write_option_header(uint8_t* at, uint8_t type, size_t bytes) {
  at[0] = type;
  at[1] = static_cast<uint8_t>(bytes / 8);
  return at + 2;
}

}  // namespace

std::vector<uint8_t> build_router_advertisement(const RouterAdvertisement& ra) {
  const size_t dns_count = std::min(ra.dns.size(), kRdnssMaxServers);
  const size_t rdnss_len = dns_count == 0 ? 0 : kOptRdnssHeaderLen + 16 * dns_count;
  const size_t icmp_len = kRaLen + kOptLinkLayerLen + (ra.mtu != 0 ? kOptMtuLen : 0) +
                          (ra.prefix ? kOptPrefixLen : 0) + rdnss_len;
  std::vector<uint8_t> frame(kEthLen + kIpv6Len + icmp_len, 0);
  const Ipv6Address src = ipv6_link_local(ra.router_mac);
  const Ipv6Address& dst = ra.unicast ? ra.unicast->address : kAllNodes;
  const MacAddress dst_mac = ra.unicast ? ra.unicast->mac : ipv6_multicast_mac(kAllNodes);

  uint8_t* eth = frame.data();
  std::copy(dst_mac.begin(), dst_mac.end(), eth);
  std::copy(ra.router_mac.begin(), ra.router_mac.end(), eth + 6);
  store_be16(eth + 12, kEtherTypeIpv6);

  uint8_t* ip = eth + kEthLen;
  ip[0] = 0x60;  // version 6; traffic class and flow label 0
  store_be16(ip + 4, static_cast<uint16_t>(icmp_len));
  ip[6] = kIpProtoIcmpv6;
  ip[7] = kNdpHopLimit;
  std::copy(src.begin(), src.end(), ip + 8);
  std::copy(dst.begin(), dst.end(), ip + 24);

  uint8_t* icmp = ip + kIpv6Len;
  icmp[0] = kIcmpv6RouterAdvertisement;
  icmp[4] = kCurHopLimit;  // icmp[5]: M = O = 0, no DHCPv6 here
  store_be16(icmp + 6, ra.router_lifetime_s);  // reachable time and retrans timer stay 0: unspecified

  uint8_t* opt = icmp + kRaLen;
  uint8_t* body = write_option_header(opt, kOptSourceLinkLayer, kOptLinkLayerLen);
  std::copy(ra.router_mac.begin(), ra.router_mac.end(), body);
  opt += kOptLinkLayerLen;
  if (ra.mtu != 0) {
    body = write_option_header(opt, kOptMtu, kOptMtuLen);
    store_be32(body + 2, ra.mtu);  // after 2 reserved bytes
    opt += kOptMtuLen;
  }
  if (ra.prefix) {
    body = write_option_header(opt, kOptPrefixInformation, kOptPrefixLen);
    body[0] = ra.prefix->length;
    body[1] = static_cast<uint8_t>(kPrefixOnLink | (ra.prefix->length == 64 ? kPrefixAutonomous : 0));
    store_be32(body + 2, kRaPrefixValidLifetimeS);
    store_be32(body + 6, kRaPrefixPreferredLifetimeS);
    std::copy(ra.prefix->address.begin(), ra.prefix->address.end(), body + 14);  // after 4 reserved bytes
    opt += kOptPrefixLen;
  }
  if (rdnss_len != 0) {
    body = write_option_header(opt, kOptRdnss, rdnss_len);
    store_be32(body + 2, ra.dns_lifetime_s);
    for (size_t i = 0; i < dns_count; ++i) std::copy(ra.dns[i].begin(), ra.dns[i].end(), body + 6 + 16 * i);
  }

  const uint32_t sum = ipv6_pseudo_header_sum(src.data(), dst.data(), static_cast<uint32_t>(icmp_len), kIpProtoIcmpv6);
  store_be16(icmp + 2, checksum_finish(checksum_add(sum, icmp, icmp_len)));
  return frame;
}

Result<RouterSolicitation> parse_router_solicitation(const uint8_t* frame, size_t len) {
  if (len < kEthLen) return invalid("eth: frame of " + std::to_string(len) + " bytes, shorter than an Ethernet header");
  if (const uint16_t type = load_be16(frame + 12); type != kEtherTypeIpv6) {
    return invalid("eth.type: " + hex16(type) + ", must be 0x86dd (IPv6)");
  }
  if (len < kEthLen + kIpv6Len) {
    return invalid("ipv6: frame of " + std::to_string(len) + " bytes, shorter than the IPv6 header");
  }
  const uint8_t* ip = frame + kEthLen;
  if (ip[0] >> 4 != 6) return invalid("ipv6.version: " + std::to_string(ip[0] >> 4) + ", must be 6");
  const size_t payload = load_be16(ip + 4);
  if (payload > len - kEthLen - kIpv6Len) {
    return invalid("ipv6.payload_length: " + std::to_string(payload) + ", the frame holds " +
                   std::to_string(len - kEthLen - kIpv6Len) + " bytes after the header");
  }
  if (ip[6] != kIpProtoIcmpv6) {
    return invalid("ipv6.next_header: " + std::to_string(ip[6]) + ", must be 58 (ICMPv6; no extension headers)");
  }
  if (ip[7] != kNdpHopLimit) return invalid("ipv6.hop_limit: " + std::to_string(ip[7]) + ", must be 255");
  if (payload < kRsLen) return invalid("icmpv6.length: " + std::to_string(payload) + ", must be at least 8");
  const uint8_t* icmp = ip + kIpv6Len;
  if (icmp[0] != kIcmpv6RouterSolicitation) {
    return invalid("icmpv6.type: " + std::to_string(icmp[0]) + ", must be 133 (router solicitation)");
  }
  if (icmp[1] != 0) return invalid("icmpv6.code: " + std::to_string(icmp[1]) + ", must be 0");
  const uint32_t pseudo = ipv6_pseudo_header_sum(ip + 8, ip + 24, static_cast<uint32_t>(payload), kIpProtoIcmpv6);
  if (checksum_finish(checksum_add(pseudo, icmp, payload)) != 0) {
    return invalid("icmpv6.checksum: " + hex16(load_be16(icmp + 2)) + " does not match the message");
  }

  RouterSolicitation rs;
  std::copy(ip + 8, ip + 24, rs.source.begin());
  std::copy(frame + 6, frame + 12, rs.eth_source.begin());
  size_t index = 0;
  for (size_t at = kRsLen; at < payload; ++index) {
    const size_t left = payload - at;
    if (left < 2) return invalid(option_field(index) + ": 1 byte left, shorter than an option header");
    const size_t bytes = size_t{icmp[at + 1]} * 8;
    if (bytes == 0) return invalid(option_field(index) + ".length: 0, must not be 0");
    if (bytes > left) {
      return invalid(option_field(index) + ".length: " + std::to_string(bytes) + " bytes, " + std::to_string(left) +
                     " left in the message");
    }
    if (icmp[at] == kOptSourceLinkLayer && !rs.source_link_layer) {
      if (ipv6_is_unspecified(rs.source.data())) {
        return invalid(option_field(index) + ": a source link-layer address from the unspecified address ::");
      }
      MacAddress mac{};
      std::copy(icmp + at + 2, icmp + at + 8, mac.begin());
      rs.source_link_layer = mac;
    }
    at += bytes;
  }
  return rs;
}

}  // namespace edgegw::netproto
