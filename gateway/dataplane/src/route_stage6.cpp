// The route stage's IPv6 half: neighbor discovery for the gateway addresses (RFC 4861), echo,
// forwarding with the hop limit, ICMPv6 errors (RFC 4443). Frames arrive untagged from the bridge
// stage; routed frames leave through the egress network's bridge, as in route_stage.cpp.
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/ipv6.hpp"
#include "pipeline.hpp"

namespace edgegw::dataplane {
namespace {

using netproto::checksum_add;
using netproto::checksum_finish;
using netproto::load_be16;
using netproto::store_be16;
using netproto::store_be32;

constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint32_t kIpv6HeaderLength = 40;
constexpr uint8_t kNextHeaderIcmpv6 = 58;
constexpr uint8_t kNdHopLimit = 255;  // RFC 4861: anything else did not come from the link
constexpr uint8_t kDefaultHopLimit = 64;
constexpr uint32_t kIcmpv6HeaderLength = 8;
// RFC 4443 2.4 (c): an error quotes as much of the packet as fits in the minimum MTU.
constexpr uint32_t kIcmpv6QuoteMax = 1280 - kIpv6HeaderLength - kIcmpv6HeaderLength;
constexpr uint32_t kNdMessageLength = 24;  // NS and NA: header, flags or reserved, target
constexpr uint32_t kLinkLayerOptionLength = 8;
constexpr uint32_t kNdFrameLength = kEthHeaderLen + kIpv6HeaderLength + kNdMessageLength + kLinkLayerOptionLength;

enum Icmpv6Type : uint8_t {
  kDestinationUnreachable = 1,
  kPacketTooBig = 2,
  kTimeExceeded = 3,
  kEchoRequest = 128,
  kEchoReply = 129,
  kRouterSolicitation = 133,
  kRedirect = 137,
  kNeighborSolicitation = 135,
  kNeighborAdvertisement = 136,
};
enum NdOption : uint8_t { kSourceLinkLayer = 1, kTargetLinkLayer = 2 };
constexpr uint8_t kNaRouter = 0x80, kNaSolicited = 0x40, kNaOverride = 0x20;

const uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

inline bool same(const uint8_t* a, const std::array<uint8_t, 16>& b) { return std::memcmp(a, b.data(), 16) == 0; }
inline void write_mac(uint8_t* at, uint64_t key) { std::memcpy(at, &key, 6); }  // mac_key() layout

inline bool is_own_address(const SnapshotNetwork& net, const uint8_t* a) {
  return same(a, net.router_ip6) || same(a, net.link_local6);
}

// The ICMPv6 checksum of the `length` bytes after the IPv6 header at `ip` (0 when verifying a valid one).
uint16_t icmpv6_checksum(const uint8_t* ip, uint32_t length) {
  const uint32_t pseudo = netproto::ipv6_pseudo_header_sum(ip + 8, ip + 24, length, kNextHeaderIcmpv6);
  return checksum_finish(checksum_add(pseudo, ip + kIpv6HeaderLength, length));
}

void write_ipv6_header(uint8_t* ip, uint32_t payload, uint8_t hop_limit, const uint8_t* src, const uint8_t* dst) {
  std::memset(ip, 0, 4);
  ip[0] = 0x60;
  store_be16(ip + 4, static_cast<uint16_t>(payload));
  ip[6] = kNextHeaderIcmpv6;
  ip[7] = hop_limit;
  std::memcpy(ip + 8, src, 16);
  std::memcpy(ip + 24, dst, 16);
}

// The link-layer address option `type` among the options at [at, end), or nullptr; *valid turns
// false when an option has length 0 or runs past the end (RFC 4861 6.1: the message is dropped).
const uint8_t* find_link_layer_option(const uint8_t* at, const uint8_t* end, uint8_t type, bool* valid) {
  const uint8_t* found = nullptr;
  *valid = true;
  while (at < end) {
    if (end - at < 2 || at[1] == 0 || at[1] * 8 > end - at) {
      *valid = false;
      return nullptr;
    }
    if (at[0] == type && at[1] == 1 && found == nullptr) found = at + 2;
    at += at[1] * 8;
  }
  return found;
}

}  // namespace

void RouteStage::handle_ipv6(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint64_t now,
                             PortCounterCells& in) {
  const SnapshotNetwork& in_net = tables.networks[tables.members[member].network];
  if (!in_net.routed6) return drop(m, in, DropReason::not_routable);
  uint8_t* eth = rte_pktmbuf_mtod(m, uint8_t*);
  uint8_t* ip = eth + kEthHeaderLen;
  if (m->data_len < kEthHeaderLen + kIpv6HeaderLength || (ip[0] >> 4) != 6 ||
      kEthHeaderLen + kIpv6HeaderLength + load_be16(ip + 4) > m->pkt_len) {
    return drop(m, in, DropReason::ip_malformed);
  }
  const uint32_t total = kIpv6HeaderLength + load_be16(ip + 4);
  if (kEthHeaderLen + total < m->pkt_len) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - kEthHeaderLen - total));
  const uint8_t* src = ip + 8;
  const uint8_t* dst = ip + 24;
  const bool icmp = ip[6] == kNextHeaderIcmpv6 && total >= kIpv6HeaderLength + 4 &&
                    m->data_len >= kEthHeaderLen + kIpv6HeaderLength + 4;
  if (icmp && ip[kIpv6HeaderLength] >= kRouterSolicitation && ip[kIpv6HeaderLength] <= kRedirect) {
    return handle_nd(tables, m, member, total, now, in);
  }
  if (netproto::ipv6_is_multicast(src) || netproto::ipv6_is_loopback(src)) return drop(m, in, DropReason::ip_malformed);
  // Multicast is not routed; another host's link-local address is never reached through a router.
  if (netproto::ipv6_is_multicast(dst) || netproto::ipv6_is_unspecified(src)) {
    return drop(m, in, DropReason::not_routable);
  }
  const NextHop6* hop = nullptr;
  bool local = same(dst, in_net.link_local6);
  if (!local) {
    if (netproto::ipv6_is_link_local(dst)) return drop(m, in, DropReason::not_routable);
    hop = lookup_route6(tables, dst);
    local = hop != nullptr && hop->local;
  }
  if (local) {
    const bool echo = icmp && ip[kIpv6HeaderLength] == kEchoRequest && ip[kIpv6HeaderLength + 1] == 0;
    if (!echo) return drop(m, in, DropReason::not_routable);
    return echo_reply6(tables, m, member, in);
  }
  // Security groups have IPv4 rules only: a filtered port's traffic is not routed (default deny).
  if (tables.members[member].policy != 0) return drop(m, in, DropReason::acl);
  if (netproto::ipv6_is_link_local(src)) {
    icmp6_error(tables, m, member, kDestinationUnreachable, 2, 0, now, in);  // beyond scope of source
    return drop(m, in, DropReason::not_routable);
  }
  if (hop == nullptr) {
    icmp6_error(tables, m, member, kDestinationUnreachable, 0, 0, now, in);  // no route
    return drop(m, in, DropReason::no_route);
  }
  if (ip[7] <= 1) {
    icmp6_error(tables, m, member, kTimeExceeded, 0, 0, now, in);
    return drop(m, in, DropReason::ttl_exceeded);
  }
  const SnapshotNetwork& out = tables.networks[hop->network];
  if (total > out.route_mtu) {  // routers never fragment IPv6: the sender learns the path MTU
    icmp6_error(tables, m, member, kPacketTooBig, 0, out.route_mtu, now, in);
    return drop(m, in, DropReason::frag_needed);
  }
  const uint8_t* next = netproto::ipv6_is_unspecified(hop->via.data()) ? dst : hop->via.data();
  const RouterTimes& times = tables.router_times;
  bool ask = false;
  const uint64_t mac = out.neighbors6->resolve(ipv6_key(next), now, times.neighbor_refresh, times.request_interval,
                                               times.neighbor_aging, &ask);
  if (ask) neighbor_solicit(tables, hop->network, next, m->pool, now, in);
  if (mac == 0) return drop(m, in, DropReason::no_neighbor);
  --ip[7];  // no header checksum in IPv6
  write_mac(eth, mac);
  write_mac(eth + 6, out.router_mac);
  bump(counters_.routed);
  bump(counters_.routed6);
  m->hash.usr |= kRoutedMark;
  bridge_.forward_from_router(tables, hop->network, m, now, in);
}

// Router solicitations (to the control plane), neighbor solicitations and advertisements. RFC 4861
// validation first: hop limit 255, code 0, a valid checksum over the whole message.
void RouteStage::handle_nd(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint32_t total, uint64_t now,
                           PortCounterCells& in) {
  const SnapshotNetwork& net = tables.networks[tables.members[member].network];
  const uint8_t* ip = rte_pktmbuf_mtod_offset(m, const uint8_t*, kEthHeaderLen);
  const uint8_t* icmp = ip + kIpv6HeaderLength;
  if (m->data_len < kEthHeaderLen + total || ip[7] != kNdHopLimit || icmp[1] != 0 ||
      icmpv6_checksum(ip, total - kIpv6HeaderLength) != 0) {
    return drop(m, in, DropReason::ip_malformed);
  }
  switch (icmp[0]) {
    case kRouterSolicitation:
      if (!net.rs_punt) return drop(m, in, DropReason::not_routable);
      return punt(tables, m, in);
    case kNeighborSolicitation: return neighbor_advert(tables, m, member, total, now, in);
    case kNeighborAdvertisement: return learn_advert(tables, m, member, total, now, in);
    default: return drop(m, in, DropReason::not_routable);  // other routers' advertisements, redirects
  }
}

// A neighbor solicitation for a gateway address: the sender is learned (from its source link-layer
// option) and answered with a solicited advertisement.
void RouteStage::neighbor_advert(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint32_t total, uint64_t now,
                                 PortCounterCells& in) {
  const SnapshotNetwork& net = tables.networks[tables.members[member].network];
  const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint8_t* ip = eth + kEthHeaderLen;
  const uint8_t* icmp = ip + kIpv6HeaderLength;
  if (total < kIpv6HeaderLength + kNdMessageLength || netproto::ipv6_is_multicast(icmp + 8)) {
    return drop(m, in, DropReason::ip_malformed);
  }
  bool options_valid = true;
  const uint8_t* source_mac = find_link_layer_option(icmp + kNdMessageLength, ip + total, kSourceLinkLayer,
                                                     &options_valid);
  const bool dad = netproto::ipv6_is_unspecified(ip + 8);  // duplicate address detection: no sender yet
  if (!options_valid || (dad && (source_mac != nullptr || !netproto::ipv6_is_multicast(ip + 24)))) {
    return drop(m, in, DropReason::ip_malformed);
  }
  if (!is_own_address(net, icmp + 8)) return drop(m, in, DropReason::not_routable);
  if (!dad && source_mac != nullptr) learn_neighbor6(tables, net, ip + 8, source_mac, now);  // on-link senders
  uint8_t target[16];
  uint8_t to_ip[16];
  uint8_t to_mac[6];
  std::memcpy(target, icmp + 8, 16);
  std::memcpy(to_ip, dad ? kAllNodes : ip + 8, 16);
  if (dad) {
    const std::array<uint8_t, 6> group = netproto::ipv6_multicast_mac(std::to_array(kAllNodes));
    std::memcpy(to_mac, group.data(), 6);
  } else {
    std::memcpy(to_mac, eth + 6, 6);
  }
  rte_mbuf* reply = nullptr;
  uint8_t* out = new_frame(m->pool, kNdFrameLength, &reply, in);
  if (reply != nullptr) reply->port = m->port;  // where it came in, like the solicitation it answers
  rte_pktmbuf_free(m);
  if (out == nullptr) return;
  std::memcpy(out, to_mac, 6);
  write_mac(out + 6, net.router_mac);
  store_be16(out + 12, kEtherIpv6);
  uint8_t* oip = out + kEthHeaderLen;
  write_ipv6_header(oip, kNdMessageLength + kLinkLayerOptionLength, kNdHopLimit, target, to_ip);
  uint8_t* na = oip + kIpv6HeaderLength;
  std::memset(na, 0, kNdMessageLength);
  na[0] = kNeighborAdvertisement;
  na[4] = static_cast<uint8_t>(kNaRouter | kNaOverride | (dad ? 0 : kNaSolicited));
  std::memcpy(na + 8, target, 16);
  na[kNdMessageLength] = kTargetLinkLayer;
  na[kNdMessageLength + 1] = 1;
  write_mac(na + kNdMessageLength + 2, net.router_mac);
  store_be16(na + 2, icmpv6_checksum(oip, kNdMessageLength + kLinkLayerOptionLength));
  reply->hash.usr = member;
  bump(counters_.nd_adverts);
  bridge_.send_to_member(tables, member, reply, in);
}

// `address` is at `mac`, as of `now`: learned when it is another host on the link (link-local or on
// the subnet, not the gateway) at a unicast MAC; anything else teaches nothing.
void RouteStage::learn_neighbor6(const Snapshot& tables, const SnapshotNetwork& net, const uint8_t* address,
                                 const uint8_t* mac, uint64_t now) {
  netproto::Ipv6Address a;
  std::memcpy(a.data(), address, 16);
  const bool on_link = netproto::ipv6_is_link_local(address) || netproto::ipv6_in_prefix(a, net.router_ip6, net.prefix6);
  if (!on_link || is_own_address(net, address) || (mac[0] & 1) != 0) return;
  if (!net.neighbors6->learn(ipv6_key(address), mac_key(mac), now, tables.router_times.neighbor_aging)) {
    bump(counters_.neighbor_table_full);
  }
}

// A neighbor advertisement: its target is learned at its target link-layer address (or, without
// that option, at the frame's source), like an ARP reply.
void RouteStage::learn_advert(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint32_t total, uint64_t now,
                              PortCounterCells& in) {
  const SnapshotNetwork& net = tables.networks[tables.members[member].network];
  const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint8_t* ip = eth + kEthHeaderLen;
  const uint8_t* icmp = ip + kIpv6HeaderLength;
  if (total < kIpv6HeaderLength + kNdMessageLength) return drop(m, in, DropReason::ip_malformed);
  const uint8_t* target = icmp + 8;
  bool options_valid = true;
  const uint8_t* target_mac = find_link_layer_option(icmp + kNdMessageLength, ip + total, kTargetLinkLayer,
                                                     &options_valid);
  // RFC 4861 7.1.2: a multicast target, or a solicited advertisement to a multicast address, is invalid.
  if (!options_valid || netproto::ipv6_is_multicast(target) ||
      (netproto::ipv6_is_multicast(ip + 24) && (icmp[4] & kNaSolicited) != 0)) {
    return drop(m, in, DropReason::ip_malformed);
  }
  const uint8_t* mac = target_mac != nullptr ? target_mac : eth + 6;
  learn_neighbor6(tables, net, target, mac, now);
  bump(counters_.nd_adverts_received);
  rte_pktmbuf_free(m);
}

// An echo request to a gateway address becomes the reply, in place (when its checksum holds).
// Swapping the addresses leaves the pseudo-header's sum as it was, so only the type changes it.
void RouteStage::echo_reply6(const Snapshot& tables, rte_mbuf* m, uint16_t member, PortCounterCells& in) {
  uint8_t* ip = rte_pktmbuf_mtod_offset(m, uint8_t*, kEthHeaderLen);
  const uint32_t total = kIpv6HeaderLength + load_be16(ip + 4);
  if (kEthHeaderLen + total > m->data_len || icmpv6_checksum(ip, total - kIpv6HeaderLength) != 0) {
    return drop(m, in, DropReason::ip_malformed);
  }
  uint8_t address[16];
  std::memcpy(address, ip + 8, 16);
  std::memcpy(ip + 8, ip + 24, 16);
  std::memcpy(ip + 24, address, 16);
  ip[7] = kDefaultHopLimit;
  send_echo_reply(tables, m, member, ip + kIpv6HeaderLength, kEchoReply, in);
}

// An ICMPv6 error about `m` (which stays the caller's) back to its sender, within the shared rate
// limit. Never about an ICMPv6 error or a redirect (RFC 4443 2.4 (e)); the caller has checked that
// the source is one unicast host.
void RouteStage::icmp6_error(const Snapshot& tables, const rte_mbuf* m, uint16_t member, uint8_t type, uint8_t code,
                             uint32_t rest, uint64_t now, PortCounterCells& in) {
  const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint8_t* ip = eth + kEthHeaderLen;
  const uint32_t total = kIpv6HeaderLength + load_be16(ip + 4);
  if (ip[6] == kNextHeaderIcmpv6 && total > kIpv6HeaderLength &&
      (ip[kIpv6HeaderLength] < kEchoRequest || ip[kIpv6HeaderLength] == kRedirect)) {
    return;
  }
  if (!take_icmp_token(tables, now)) return;
  const SnapshotNetwork& net = tables.networks[tables.members[member].network];
  const uint32_t quote = std::min({total, kIcmpv6QuoteMax, m->data_len - kEthHeaderLen});
  const uint32_t length = kIcmpv6HeaderLength + quote;
  rte_mbuf* e = nullptr;
  uint8_t* out = new_frame(m->pool, kEthHeaderLen + kIpv6HeaderLength + length, &e, in);
  if (out == nullptr) return;
  std::memcpy(out, eth + 6, 6);  // back to the sender (or the router it came through)
  write_mac(out + 6, net.router_mac);
  store_be16(out + 12, kEtherIpv6);
  uint8_t* oip = out + kEthHeaderLen;
  // From the address of this link the sender can reach: link-local for a link-local sender.
  const uint8_t* from = netproto::ipv6_is_link_local(ip + 8) ? net.link_local6.data() : net.router_ip6.data();
  write_ipv6_header(oip, length, kDefaultHopLimit, from, ip + 8);
  uint8_t* icmp = oip + kIpv6HeaderLength;
  icmp[0] = type;
  icmp[1] = code;
  store_be16(icmp + 2, 0);
  store_be32(icmp + 4, rest);
  std::memcpy(icmp + kIcmpv6HeaderLength, ip, quote);
  store_be16(icmp + 2, icmpv6_checksum(oip, length));
  e->hash.usr = member;
  bump(counters_.icmp_errors);
  bridge_.send_to_member(tables, member, e, in);
}

// A multicast neighbor solicitation for a next hop, from the gateway's global address.
void RouteStage::neighbor_solicit(const Snapshot& tables, uint16_t network, const uint8_t* target,
                                  rte_mempool* pool, uint64_t now, PortCounterCells& in) {
  const SnapshotNetwork& net = tables.networks[network];
  rte_mbuf* r = nullptr;
  uint8_t* out = new_frame(pool, kNdFrameLength, &r, in);
  if (out == nullptr) return;
  std::array<uint8_t, 16> target_bytes;
  std::memcpy(target_bytes.data(), target, 16);
  const std::array<uint8_t, 16> group = netproto::ipv6_solicited_node(target_bytes);
  const std::array<uint8_t, 6> group_mac = netproto::ipv6_multicast_mac(group);
  std::memcpy(out, group_mac.data(), 6);
  write_mac(out + 6, net.router_mac);
  store_be16(out + 12, kEtherIpv6);
  uint8_t* oip = out + kEthHeaderLen;
  write_ipv6_header(oip, kNdMessageLength + kLinkLayerOptionLength, kNdHopLimit, net.router_ip6.data(), group.data());
  uint8_t* ns = oip + kIpv6HeaderLength;
  std::memset(ns, 0, kNdMessageLength);
  ns[0] = kNeighborSolicitation;
  std::memcpy(ns + 8, target, 16);
  ns[kNdMessageLength] = kSourceLinkLayer;
  ns[kNdMessageLength + 1] = 1;
  write_mac(ns + kNdMessageLength + 2, net.router_mac);
  store_be16(ns + 2, icmpv6_checksum(oip, kNdMessageLength + kLinkLayerOptionLength));
  r->hash.usr = 0;  // the gateway's own frame, not a routed one (security groups let it pass)
  bump(counters_.nd_solicits);
  bridge_.forward_from_router(tables, network, r, now, in);
}

const NextHop6* RouteStage::lookup_route6(const Snapshot& tables, const uint8_t* dst) {
  uint32_t index = 0;
  if (tables.lpm6 != nullptr && rte_lpm6_lookup(tables.lpm6.get(), dst, &index) == 0) return &tables.next_hops6[index];
  return tables.default_hop6 != kNoHop ? &tables.next_hops6[tables.default_hop6] : nullptr;
}

}  // namespace edgegw::dataplane
