// The pipeline fuzz harness's checks on the IPv6 frames of the router: neighbor solicitations to
// the solicited-node group, ICMPv6 errors quoting a packet as it arrived, neighbor advertisements
// and echo replies to the asker, routed packets with the hop limit one less and nothing else changed.
#include <algorithm>
#include <cstring>

#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/ipv6.hpp"
#include "pipeline_harness_state.hpp"

namespace edgegw::dataplane::fuzz {
namespace {

using netproto::load_be16;
using netproto::load_be32;

constexpr uint32_t kHeader = 40;
constexpr uint32_t kQuoteMax = 1280 - kHeader - 8;  // RFC 4443: an error fits in the minimum MTU

bool same(const uint8_t* a, const std::array<uint8_t, 16>& b) { return std::memcmp(a, b.data(), 16) == 0; }

// A whole ICMPv6 message with a valid checksum behind a well-formed fixed header.
bool icmpv6_shape(const uint8_t* ip, uint32_t len) {
  if (len < kHeader + 8 || (ip[0] >> 4) != 6 || load_be16(ip + 4) != len - kHeader || ip[6] != 58) return false;
  const uint32_t pseudo = netproto::ipv6_pseudo_header_sum(ip + 8, ip + 24, len - kHeader, 58);
  return netproto::checksum_finish(netproto::checksum_add(pseudo, ip + kHeader, len - kHeader)) == 0;
}

bool link_layer_option_is(const uint8_t* option, uint8_t type, const std::array<uint8_t, 6>& mac) {
  return option[0] == type && option[1] == 1 && std::memcmp(option + 2, mac.data(), 6) == 0;
}

}  // namespace

std::string PipelineHarness::State::check_router_made6(uint16_t network, const uint8_t* eth, const uint8_t* l3,
                                                       uint32_t l3_len, uint16_t egress, Tally& tally) const {
  const SnapshotNetwork& net = snap.networks[network];
  if (!net.routed6) return "an IPv6 frame from a gateway without IPv6";
  if (!icmpv6_shape(l3, l3_len)) return "the router built a malformed ICMPv6 message";
  const uint8_t* icmp = l3 + kHeader;
  if (icmp[0] == 135) {
    netproto::Ipv6Address target;
    std::memcpy(target.data(), icmp + 8, 16);
    const netproto::Ipv6Address group = netproto::ipv6_solicited_node(target);
    const auto group_mac = netproto::ipv6_multicast_mac(group);
    if (l3_len != kHeader + 32 || l3[7] != 255 || !same(l3 + 8, net.router_ip6) || !same(l3 + 24, group) ||
        std::memcmp(eth, group_mac.data(), 6) != 0 || !link_layer_option_is(icmp + 24, 1, net.router_mac_bytes)) {
      return "a neighbor solicitation not from its gateway to the solicited-node group";
    }
    if (!netproto::ipv6_in_prefix(target, net.router_ip6, net.prefix6) || target == net.router_ip6) {
      return "a neighbor solicitation for an address off the subnet";
    }
    ++tally.solicitations[network];
    return "";
  }
  if (icmp[0] != 1 && icmp[0] != 2 && icmp[0] != 3) return "the router built an ICMPv6 message it does not send";
  if (egress != ingress) return "an ICMPv6 error left on another port than its packet came in on";
  const bool to_link_local = netproto::ipv6_is_link_local(l3 + 24);
  if (!same(l3 + 8, to_link_local ? net.link_local6 : net.router_ip6)) return "an ICMPv6 error not from its gateway";
  const uint8_t* quote = icmp + 8;
  const uint32_t quoted = l3_len - kHeader - 8;
  bool quotes_one = false;
  for (uint16_t k = 0; k < arrival_count; ++k) {
    const Arrival& a = arrivals[k];
    if (!a.to_router || snap.members[a.member].network != network || a.len < 14 + quoted) continue;
    const uint8_t* in = a.frame.data() + 14;
    if (std::min<uint32_t>(kHeader + load_be16(in + 4), kQuoteMax) != quoted || std::memcmp(in, quote, quoted) != 0) {
      continue;
    }
    quotes_one = true;
    if (std::memcmp(l3 + 24, in + 8, 16) != 0 || std::memcmp(eth, a.frame.data() + 6, 6) != 0) continue;
    // Only a message that has a type can be an error or a redirect (an empty payload is neither).
    const bool icmp_message = in[6] == 58 && load_be16(in + 4) > 0;
    if (icmp_message && (in[kHeader] < 128 || in[kHeader] == 137)) return "an ICMPv6 error about an error or a redirect";
    if (icmp[0] == 2 && load_be32(icmp + 4) < 1280) return "a packet too big below the IPv6 minimum MTU";
    ++tally.icmp_errors;
    return "";
  }
  return quotes_one ? "an ICMPv6 error not to the sender of its packet" : "an ICMPv6 error quoting a packet not as it arrived";
}

std::string PipelineHarness::State::check_router_handled6(uint16_t network, const uint8_t* eth, const uint8_t* l3,
                                                          uint32_t l3_len, uint16_t egress, const Arrival& in) const {
  const SnapshotNetwork& net = snap.networks[network];
  const SnapshotNetwork& from = snap.networks[snap.members[in.member].network];
  const uint8_t* in_l3 = in.frame.data() + 14;
  if (!net.routed6 || !from.routed6) return "IPv6 handled by a gateway without IPv6";
  if (l3_len < kHeader || (l3[0] >> 4) != 6 || load_be16(l3 + 4) != l3_len - kHeader) {
    return "the router sent on a malformed IPv6 packet";
  }
  const bool back = &net == &from && egress == ingress;
  if (l3[6] == 58 && l3_len >= kHeader + 8 && (l3[kHeader] == 136 || l3[kHeader] == 129) && back) {
    if (!icmpv6_shape(l3, l3_len)) return "a neighbor advertisement or echo reply with a bad checksum";
    if (l3[kHeader] == 129) {
      if (l3[7] != 64 || std::memcmp(l3 + 8, in_l3 + 24, 16) != 0 || std::memcmp(l3 + 24, in_l3 + 8, 16) != 0) {
        return "an echo reply not from the address pinged to the asker";
      }
      return "";
    }
    const uint8_t* na = l3 + kHeader;
    const bool dad = netproto::ipv6_is_unspecified(in_l3 + 8);
    const bool ours = same(na + 8, net.router_ip6) || same(na + 8, net.link_local6);
    if (l3[7] != 255 || std::memcmp(na + 8, in_l3 + kHeader + 8, 16) != 0 || !ours) {
      return "a neighbor advertisement for an address that is not the gateway's one asked for";
    }
    if (std::memcmp(l3 + 8, na + 8, 16) != 0 || !link_layer_option_is(na + 24, 2, net.router_mac_bytes)) {
      return "a neighbor advertisement not from its target";
    }
    const bool to_asker = dad ? netproto::ipv6_is_multicast(l3 + 24) && eth[0] == 0x33
                              : std::memcmp(l3 + 24, in_l3 + 8, 16) == 0 && std::memcmp(eth, in.frame.data() + 6, 6) == 0;
    if (!to_asker) return "a neighbor advertisement not to the asker";
    return "";
  }
  // Routed: the packet as it arrived (its padding trimmed) with the hop limit one less.
  if (l3[7] == 0 || l3[7] + 1 != in_l3[7]) return "a routed IPv6 packet without its hop limit one less";
  if (in.len < 14 + l3_len || std::memcmp(l3, in_l3, 7) != 0 || std::memcmp(l3 + 8, in_l3 + 8, l3_len - 8) != 0) {
    return "a routed IPv6 packet changed beyond its hop limit";
  }
  if (netproto::ipv6_is_link_local(l3 + 8) || netproto::ipv6_is_multicast(l3 + 24) ||
      netproto::ipv6_is_link_local(l3 + 24)) {
    return "a link-local or multicast IPv6 packet was routed";
  }
  return "";
}

}  // namespace edgegw::dataplane::fuzz
