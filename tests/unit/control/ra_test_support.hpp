// Shared pieces of the router advertisement tests: a config with an advertising network built as a
// value (the parser of `ipv6` is not needed), router solicitations as hosts send them, and a reader
// of the advertisements the gateway sends that checks what a host would check.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edgegw/control/config_model.hpp"
#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/ndp.hpp"

namespace edgegw::control::test {

inline netproto::Ipv6Address ip6(const char* text) { return *netproto::parse_ipv6(text); }

// Ports lan0 (MTU 1400) and lan1 (MTU 9000); network "lan", routed, 192.168.1.0/24 and
// 2001:db8:1::/64 advertised every 200 s at most with DNS 2001:db8::53 and ::54.
inline GatewayConfig advertising_config(uint64_t version) {
  GatewayConfig c;
  c.version = version;
  PortConfig lan0;
  lan0.name = "lan0";
  lan0.mtu = 1400;
  PortConfig lan1 = lan0;
  lan1.name = "lan1";
  lan1.mtu = 9000;
  c.ports = {lan0, lan1};
  NetworkConfig lan;
  lan.name = "lan";
  lan.mode = NetworkMode::routed;
  lan.ports = {{"lan0", 0, 0}, {"lan1", 10, 0}};
  lan.subnet = Ipv4Prefix{0xc0a80100, 24};
  lan.gateway = 0xc0a80101;
  NetworkIpv6Config v6;
  v6.subnet = Ipv6Prefix{ip6("2001:db8:1::"), 64};
  v6.gateway = ip6("2001:db8:1::1");
  v6.router_advertisements.dns = {ip6("2001:db8::53"), ip6("2001:db8::54")};
  lan.ipv6 = v6;
  c.networks = {lan};
  return c;
}

// A router solicitation from fe80::5054:ff:feaa:bbcc with its link-local address option.
inline std::vector<uint8_t> solicitation_frame(uint8_t hop_limit = 255) {
  std::vector<uint8_t> f = {0x33, 0x33, 0, 0, 0, 2, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc, 0x86, 0xdd,
                            0x60, 0, 0, 0, 0, 16, 58, hop_limit};
  const netproto::Ipv6Address src = ip6("fe80::5054:ff:feaa:bbcc"), dst = ip6("ff02::2");
  f.insert(f.end(), src.begin(), src.end());
  f.insert(f.end(), dst.begin(), dst.end());
  const std::vector<uint8_t> icmp = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
  f.insert(f.end(), icmp.begin(), icmp.end());
  const uint32_t sum = netproto::ipv6_pseudo_header_sum(src.data(), dst.data(), 16, 58);
  netproto::store_be16(&f[56], netproto::checksum_finish(netproto::checksum_add(sum, &f[54], 16)));
  return f;
}

// What a host reads from an advertisement. ok: Ethernet, IPv6 and ICMPv6 headers as RFC 4861
// wants them (hop limit 255, type 134, checksum valid, options that fit).
struct ReadAdvertisement {
  bool ok = false;
  netproto::MacAddress eth_destination{}, eth_source{};
  netproto::Ipv6Address source{}, destination{};
  uint16_t router_lifetime_s = 0;
  std::optional<netproto::MacAddress> source_link_layer;
  uint32_t mtu = 0;
  std::optional<netproto::RaPrefix> prefix;
  uint8_t prefix_flags = 0;
  uint32_t valid_lifetime_s = 0, preferred_lifetime_s = 0;
  std::vector<netproto::Ipv6Address> dns;
  uint32_t dns_lifetime_s = 0;
};

inline ReadAdvertisement read_advertisement(const std::vector<uint8_t>& f) {
  using netproto::load_be16;
  using netproto::load_be32;
  ReadAdvertisement r;
  if (f.size() < 14 + 40 + 16 || load_be16(&f[12]) != 0x86dd) return r;
  std::copy(f.begin(), f.begin() + 6, r.eth_destination.begin());
  std::copy(f.begin() + 6, f.begin() + 12, r.eth_source.begin());
  const uint8_t* ip = &f[14];
  const size_t len = load_be16(ip + 4);
  if (ip[0] >> 4 != 6 || ip[6] != 58 || ip[7] != 255 || 14 + 40 + len != f.size()) return r;
  std::copy(ip + 8, ip + 24, r.source.begin());
  std::copy(ip + 24, ip + 40, r.destination.begin());
  const uint8_t* icmp = ip + 40;
  const uint32_t sum = netproto::ipv6_pseudo_header_sum(ip + 8, ip + 24, static_cast<uint32_t>(len), 58);
  if (icmp[0] != 134 || icmp[1] != 0 || netproto::checksum_finish(netproto::checksum_add(sum, icmp, len)) != 0) return r;
  r.router_lifetime_s = load_be16(icmp + 6);
  for (size_t at = 16; at < len;) {
    const uint8_t* o = icmp + at;
    const size_t bytes = o[1] * 8u;
    if (bytes == 0 || at + bytes > len) return r;
    if (o[0] == 1) r.source_link_layer = netproto::MacAddress{o[2], o[3], o[4], o[5], o[6], o[7]};
    if (o[0] == 5) r.mtu = load_be32(o + 4);
    if (o[0] == 3 && bytes == 32) {
      netproto::RaPrefix p;
      p.length = o[2];
      std::copy(o + 16, o + 32, p.address.begin());
      r.prefix = p;
      r.prefix_flags = o[3];
      r.valid_lifetime_s = load_be32(o + 4);
      r.preferred_lifetime_s = load_be32(o + 8);
    }
    if (o[0] == 25) {
      r.dns_lifetime_s = load_be32(o + 4);
      for (size_t d = 8; d + 16 <= bytes; d += 16) {
        netproto::Ipv6Address a;
        std::copy(o + d, o + d + 16, a.begin());
        r.dns.push_back(a);
      }
    }
    at += bytes;
  }
  r.ok = true;
  return r;
}

}  // namespace edgegw::control::test
