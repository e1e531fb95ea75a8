// The route stage: ARP and ICMP echo for the gateway addresses, IPv4 forwarding between routed
// networks, ICMP errors. Frames arrive untagged from the bridge stage (for_router()); routed frames
// leave through the egress network's bridge (BridgeStage::forward_from_router).
#include <rte_lpm.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>

#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/nat_translate.hpp"
#include "pipeline.hpp"
#include "slice_mark.hpp"

namespace edgegw::dataplane {
namespace {

using netproto::checksum;
using netproto::checksum_update16;
using netproto::load_be16;
using netproto::load_be32;
using netproto::store_be16;
using netproto::store_be32;

constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoUdp = 17;
constexpr uint16_t kDhcpServerPort = 67;
constexpr uint8_t kDefaultTtl = 64;
constexpr uint32_t kArpLength = 28;
constexpr uint32_t kMinFrame = 60;  // Ethernet minimum without FCS: frames the switch builds are padded to it
constexpr uint32_t kIpv4HeaderLength = 20;
constexpr uint32_t kIpv4HeaderMax = 60;
// What NAT may rewrite after the IPv4 header: ports, the ICMP identifier, and the UDP (bytes 6-7)
// and TCP (bytes 16-17) checksums.
constexpr uint32_t kNatRewrittenL4 = 20;
constexpr uint32_t kIcmpHeaderLength = 8;
// RFC 1812 4.3.2.3: an ICMP error quotes as much of the packet as fits in 576 bytes.
constexpr uint32_t kIcmpQuoteMax = 576 - kIpv4HeaderLength - kIcmpHeaderLength;
constexpr uint16_t kIpDontFragment = 0x4000;
constexpr uint16_t kIpFragmentOffset = 0x1fff;

inline void write_mac(uint8_t* at, uint64_t key) { std::memcpy(at, &key, 6); }  // mac_key() layout

inline bool is_icmp_error_type(uint8_t type) { return type == 3 || type == 4 || type == 5 || type == 11 || type == 12; }

inline bool on_subnet(const SnapshotNetwork& net, uint32_t ip) {
  return (ip & net.subnet_mask) == (net.router_ip & net.subnet_mask);
}

}  // namespace

// The IPv4 header and what NAT may rewrite after it, copied before it does: an ICMP error about a
// translated packet (fragmentation needed on the way in) must reach and quote what the sender
// sent, never the inside address it was translated to.
struct RouteStage::ArrivedHead {
  uint8_t bytes[kIpv4HeaderMax + kNatRewrittenL4];
  uint32_t length = 0;
};

void RouteStage::process(const Snapshot& tables, Burst& burst, uint64_t now) {
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    const auto member = static_cast<uint16_t>(m->hash.usr);
    PortCounterCells& in = counters_.ports[tables.ports[tables.members[member].port].port_id];
    const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint16_t type = load_be16(eth + 12);
    if (type == kEtherArp) {
      handle_arp(tables, m, member, now, in);
    } else if (type == kEtherIpv4) {
      handle_ipv4(tables, m, member, now, in);
    } else if (type == kEtherIpv6) {
      handle_ipv6(tables, m, member, now, in);
    } else {
      drop(m, in, DropReason::not_routable);
    }
  }
  burst.count = 0;
  bridge_.flush_checks(tables, now);
}

// ARP for the gateway address: learn the sender (when it is on the subnet), answer a request in
// place. Replies to the switch's own requests only teach it the sender.
void RouteStage::handle_arp(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint64_t now,
                            PortCounterCells& in) {
  const SnapshotNetwork& net = tables.networks[tables.members[member].network];
  uint8_t* eth = rte_pktmbuf_mtod(m, uint8_t*);
  uint8_t* arp = eth + kEthHeaderLen;
  if (m->data_len < kEthHeaderLen + kArpLength || load_be16(arp) != 1 || load_be16(arp + 2) != kEtherIpv4 ||
      arp[4] != 6 || arp[5] != 4) {
    bump(in.drop(DropReason::ip_malformed));
    rte_pktmbuf_free(m);
    return;
  }
  const uint16_t op = load_be16(arp + 6);
  const uint32_t sender_ip = load_be32(arp + 14);
  const uint32_t target_ip = load_be32(arp + 24);
  if (target_ip != net.router_ip || (op != 1 && op != 2)) {
    bump(in.drop(DropReason::not_routable));
    rte_pktmbuf_free(m);
    return;
  }
  // A probe (sender 0.0.0.0) or a sender off the subnet teaches nothing.
  if (on_subnet(net, sender_ip) && sender_ip != net.router_ip && sender_ip != 0 && (arp[8] & 1) == 0) {
    if (!net.neighbors->learn(sender_ip, mac_key(arp + 8), now, tables.router_times.neighbor_aging)) {
      bump(counters_.neighbor_table_full);
    }
  }
  if (op == 2) {
    bump(counters_.arp_replies_received);  // consumed here, like a packet delivered to a host
    rte_pktmbuf_free(m);
    return;
  }
  // The request becomes the reply: target := sender, sender := the gateway.
  std::memcpy(arp + 18, arp + 8, 6);
  store_be32(arp + 24, sender_ip);
  write_mac(arp + 8, net.router_mac);
  store_be32(arp + 14, net.router_ip);
  store_be16(arp + 6, 2);
  std::memcpy(eth, arp + 18, 6);
  write_mac(eth + 6, net.router_mac);
  bump(counters_.arp_replies);
  bridge_.send_to_member(tables, member, m, in);
}

void RouteStage::handle_ipv4(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint64_t now,
                             PortCounterCells& in) {
  uint8_t* eth = rte_pktmbuf_mtod(m, uint8_t*);
  uint8_t* ip = eth + kEthHeaderLen;
  const uint32_t in_frame = m->data_len;
  const uint32_t ihl = in_frame >= kEthHeaderLen + kIpv4HeaderLength ? (ip[0] & 0x0fu) * 4 : 0;
  const uint32_t total = ihl != 0 ? load_be16(ip + 2) : 0;
  if (ihl < kIpv4HeaderLength || (ip[0] >> 4) != 4 || kEthHeaderLen + ihl > in_frame || total < ihl ||
      kEthHeaderLen + total > m->pkt_len || checksum(ip, ihl) != 0) {
    bump(in.drop(DropReason::ip_malformed));
    rte_pktmbuf_free(m);
    return;
  }
  // Short frames carry Ethernet padding after the packet: it is not forwarded.
  if (kEthHeaderLen + total < m->pkt_len) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - kEthHeaderLen - total));

  const SnapshotNetwork& in_net = tables.networks[tables.members[member].network];
  // A DHCP client's message to the gateway's server (broadcast, or unicast when it renews).
  if (in_net.dhcp && ip[9] == kProtoUdp && total >= ihl + 8 && (load_be16(ip + 6) & kIpFragmentOffset) == 0 &&
      load_be16(ip + ihl + 2) == kDhcpServerPort) {
    punt(tables, m, in);
    return;
  }
  const NextHop* hop = lookup_route(tables, load_be32(ip + 16));
  if (hop == nullptr) {
    icmp_error(tables, m, member, 3, 0, 0, now, in);  // destination net unreachable
    bump(in.drop(DropReason::no_route));
    rte_pktmbuf_free(m);
    return;
  }
  // To the switch itself: ping is answered; to a NAT uplink's address, replies and port forwards
  // come in (and inside hosts reach forwarded servers through it: hairpin).
  const bool echo_request = ip[9] == kProtoIcmp && total >= ihl + kIcmpHeaderLength && ip[ihl] == 8 &&
                            ip[ihl + 1] == 0 && (load_be16(ip + 6) & (kIpFragmentOffset | 0x2000)) == 0;
  const SnapshotNetwork& hop_net = tables.networks[hop->network];
  const bool to_nat_address = hop->local && !hop_net.nat_inside && hop_net.nat != nullptr;
  if (hop->local && (echo_request || !to_nat_address)) {
    if (echo_request) {
      echo_reply(tables, m, member, ihl, in);
    } else {
      bump(in.drop(DropReason::not_routable));
      rte_pktmbuf_free(m);
    }
    return;
  }
  const uint8_t ttl = ip[8];
  if (ttl <= 1) {
    icmp_error(tables, m, member, 11, 0, 0, now, in);
    bump(in.drop(DropReason::ttl_exceeded));
    rte_pktmbuf_free(m);
    return;
  }
  bool translated = false;
  ArrivedHead arrived;
  if (to_nat_address) {
    arrived.length = std::min(total, ihl + kNatRewrittenL4);
    std::memcpy(arrived.bytes, ip, arrived.length);
    const bool hairpin = in_net.nat_inside && in_net.nat == hop_net.nat;
    const netproto::NatResult r = hairpin ? netproto::nat_outbound(*hop_net.nat, ip, total, now)
                                          : netproto::nat_inbound(*hop_net.nat, ip, total, now);
    if (!nat_passed(r, m, in)) return;
    translated = true;
    hop = lookup_route(tables, load_be32(ip + 16));
    if (hop == nullptr || hop->local) {
      bump(in.drop(DropReason::not_routable));
      rte_pktmbuf_free(m);
      return;
    }
  }
  const SnapshotNetwork& out = tables.networks[hop->network];
  // Too big for the egress network: with DF the sender learns the MTU; without, the packet is
  // fragmented at the end (after NAT, which needs the whole transport header). A packet with IP
  // options is not fragmented here (which options each fragment carries is not worth the fast path).
  if (total > out.route_mtu && ((load_be16(ip + 6) & kIpDontFragment) != 0 || ihl != kIpv4HeaderLength)) {
    if ((load_be16(ip + 6) & kIpDontFragment) != 0) {
      // RFC 1191 next-hop MTU
      icmp_error(tables, m, member, 3, 4, out.route_mtu & 0xffff, now, in, translated ? &arrived : nullptr);
      bump(in.drop(DropReason::frag_needed));
    } else {
      bump(in.drop(DropReason::mtu));
    }
    rte_pktmbuf_free(m);
    return;
  }
  // Leaving a NAT network for any network outside its NAT domain: the source becomes the uplink's.
  if (!translated && in_net.nat_inside && !(out.nat_inside && out.nat == in_net.nat)) {
    if (in_net.nat == nullptr) {
      bump(in.drop(DropReason::nat_limit));  // its table could not be made: never leak inside addresses
      rte_pktmbuf_free(m);
      return;
    }
    if (!nat_passed(netproto::nat_outbound(*in_net.nat, ip, total, now), m, in)) return;
  }
  // Into a NAT network from outside its NAT domain only through the NAT (a reply or a forward):
  // its hosts are not reachable at their inside addresses, as behind any NAT router.
  if (!translated && out.nat_inside && !(in_net.nat_inside && in_net.nat == out.nat)) {
    bump(in.drop(DropReason::nat_no_session));
    rte_pktmbuf_free(m);
    return;
  }
  const RouterTimes& times = tables.router_times;
  const uint32_t next = hop->via != 0 ? hop->via : load_be32(ip + 16);
  bool ask = false;
  const uint64_t mac =
      out.neighbors->resolve(next, now, times.neighbor_refresh, times.request_interval, times.neighbor_aging, &ask);
  if (ask) arp_request(tables, hop->network, next, m->pool, now, in);
  if (mac == 0) {
    bump(in.drop(DropReason::no_neighbor));
    rte_pktmbuf_free(m);
    return;
  }
  // TTL and checksum (RFC 1624), then the frame is the egress gateway's, to the next hop.
  const uint16_t old_word = static_cast<uint16_t>(ttl << 8 | ip[9]);
  ip[8] = static_cast<uint8_t>(ttl - 1);
  store_be16(ip + 10, checksum_update16(load_be16(ip + 10), old_word, static_cast<uint16_t>(old_word - 0x100)));
  write_mac(eth, mac);
  write_mac(eth + 6, out.router_mac);
  bump(counters_.routed);
  m->hash.usr |= kRoutedMark;
  if (load_be16(ip + 2) > out.route_mtu) {
    fragment(tables, hop->network, m, out.route_mtu, now, in);
    return;
  }
  bridge_.forward_from_router(tables, hop->network, m, now, in);
}

// RFC 791 fragmentation of a routed packet (a 20-byte header, no DF) whose Ethernet header is
// already the egress one: fragments of at most `mtu` bytes, data in multiples of 8 bytes, offsets
// continuing the packet's own (it may itself be a fragment), MF on all but the last, which keeps
// the packet's MF. Consumes `m`; if a buffer runs out the fragments made are sent and the rest
// counted no_mbuf (the receiver's reassembly then times out, as after any loss).
void RouteStage::fragment(const Snapshot& tables, uint16_t network, rte_mbuf* m, uint32_t mtu, uint64_t now,
                          PortCounterCells& in) {
  const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint8_t* ip = eth + kEthHeaderLen;
  const uint32_t total = load_be16(ip + 2);
  const uint32_t data = total - kIpv4HeaderLength;
  const uint32_t step = (mtu - kIpv4HeaderLength) & ~7u;
  const uint16_t frag = load_be16(ip + 6);
  const uint32_t base = (frag & kIpFragmentOffset) * 8u;
  const bool more_after = (frag & 0x2000) != 0;
  bump(counters_.fragmented);
  for (uint32_t at = 0; at < data; at += step) {
    const uint32_t length = std::min(step, data - at);
    rte_mbuf* f = nullptr;
    uint8_t* p = new_frame(m->pool, kEthHeaderLen + kIpv4HeaderLength + length, &f, in);
    if (p == nullptr) break;
    f->port = m->port;  // where it came in, like the packet it is part of
    f->hash.usr = m->hash.usr;  // its ingress membership and routed mark (security groups)
    set_slice(f, slice_of(m));
    std::memcpy(p, eth, kEthHeaderLen + kIpv4HeaderLength);
    uint8_t* fip = p + kEthHeaderLen;
    const bool last = at + length == data;
    store_be16(fip + 2, static_cast<uint16_t>(kIpv4HeaderLength + length));
    store_be16(fip + 6, static_cast<uint16_t>(((base + at) / 8) | (last && !more_after ? 0 : 0x2000)));
    store_be16(fip + 10, 0);
    store_be16(fip + 10, checksum(fip, kIpv4HeaderLength));
    const void* src = rte_pktmbuf_read(m, kEthHeaderLen + kIpv4HeaderLength + at, length, fip + kIpv4HeaderLength);
    if (src != fip + kIpv4HeaderLength) std::memcpy(fip + kIpv4HeaderLength, src, length);
    bump(counters_.fragments);
    bridge_.forward_from_router(tables, network, f, now, in);
  }
  rte_pktmbuf_free(m);
}

// To the control plane, with what it needs to tell where the frame came from: the ingress
// membership stays in hash.usr, and the snapshot generation that numbers it goes in hash.fdir.hi.
void RouteStage::punt(const Snapshot& tables, rte_mbuf* m, PortCounterCells& in) {
  m->hash.fdir.hi = static_cast<uint32_t>(tables.generation);
  if (tables.punt == nullptr || rte_ring_enqueue(tables.punt, m) != 0) {
    bump(in.drop(DropReason::punt_full));
    rte_pktmbuf_free(m);
    return;
  }
  bump(counters_.punted);
}

const NextHop* RouteStage::lookup_route(const Snapshot& tables, uint32_t dst) {
  uint32_t index = 0;
  if (tables.lpm != nullptr && rte_lpm_lookup(tables.lpm.get(), dst, &index) == 0) return &tables.next_hops[index];
  return tables.default_hop != kNoHop ? &tables.next_hops[tables.default_hop] : nullptr;
}

// True when NAT translated the packet; otherwise drops it, counted by why.
bool RouteStage::nat_passed(const netproto::NatResult& r, rte_mbuf* m, PortCounterCells& in) {
  DropReason reason = DropReason::count_;
  switch (r.verdict) {
    case netproto::NatVerdict::translated: return true;
    case netproto::NatVerdict::limit: reason = DropReason::nat_limit; break;
    case netproto::NatVerdict::malformed: reason = DropReason::ip_malformed; break;
    case netproto::NatVerdict::no_session:
    case netproto::NatVerdict::not_translatable: reason = DropReason::nat_no_session; break;
  }
  bump(in.drop(reason));
  rte_pktmbuf_free(m);
  return false;
}

// An echo request to a gateway address becomes the reply, in place.
void RouteStage::echo_reply(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint32_t ihl,
                            PortCounterCells& in) {
  uint8_t* eth = rte_pktmbuf_mtod(m, uint8_t*);
  uint8_t* ip = eth + kEthHeaderLen;
  uint8_t* icmp = ip + ihl;
  const uint32_t total = load_be16(ip + 2);
  const uint32_t icmp_length = total - ihl;
  if (kEthHeaderLen + total > m->data_len || checksum(icmp, icmp_length) != 0) {
    bump(in.drop(DropReason::ip_malformed));
    rte_pktmbuf_free(m);
    return;
  }
  uint8_t src[4];
  std::memcpy(src, ip + 12, 4);
  std::memcpy(ip + 12, ip + 16, 4);  // from the address that was pinged
  std::memcpy(ip + 16, src, 4);
  ip[8] = kDefaultTtl;
  store_be16(ip + 10, 0);
  store_be16(ip + 10, checksum(ip, ihl));
  send_echo_reply(tables, m, member, icmp, 0, in);
}

// The common end of an echo reply (ICMP or ICMPv6) whose addresses are already swapped: the reply
// type (the checksum follows, RFC 1624), back to the sender from the gateway's MAC.
void RouteStage::send_echo_reply(const Snapshot& tables, rte_mbuf* m, uint16_t member, uint8_t* icmp,
                                 uint8_t reply_type, PortCounterCells& in) {
  const SnapshotNetwork& net = tables.networks[tables.members[member].network];
  uint8_t* eth = rte_pktmbuf_mtod(m, uint8_t*);
  const uint16_t old_word = load_be16(icmp);
  icmp[0] = reply_type;
  store_be16(icmp + 2, checksum_update16(load_be16(icmp + 2), old_word, load_be16(icmp)));
  std::memcpy(eth, eth + 6, 6);
  write_mac(eth + 6, net.router_mac);
  bump(counters_.icmp_echo_replies);
  bridge_.send_to_member(tables, member, m, in);
}

void RouteStage::icmp_error(const Snapshot& tables, const rte_mbuf* m, uint16_t member, uint8_t type, uint8_t code,
                            uint32_t rest, uint64_t now, PortCounterCells& in, const ArrivedHead* arrived) {
  const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint8_t* ip = arrived != nullptr ? arrived->bytes : eth + kEthHeaderLen;
  const uint32_t ihl = (ip[0] & 0x0fu) * 4;
  const uint32_t total = load_be16(ip + 2);
  const uint32_t src = load_be32(ip + 12);
  // RFC 1812 4.3.2.7: never about a non-first fragment, an ICMP error, or a source that is not
  // one host (zero, broadcast, multicast, loopback).
  if ((load_be16(ip + 6) & kIpFragmentOffset) != 0) return;
  if (ip[9] == kProtoIcmp && total > ihl && is_icmp_error_type(ip[ihl])) return;
  if (src == 0 || src == 0xffffffff || (src >> 28) == 0xe || (src >> 24) == 127) return;

  if (!take_icmp_token(tables, now)) return;

  const SnapshotNetwork& net = tables.networks[tables.members[member].network];
  const uint32_t quote = std::min({total, kIcmpQuoteMax, m->data_len - kEthHeaderLen});
  const uint32_t length = kIpv4HeaderLength + kIcmpHeaderLength + quote;
  rte_mbuf* e = nullptr;
  uint8_t* out = new_frame(m->pool, kEthHeaderLen + length, &e, in);
  if (out == nullptr) return;
  std::memcpy(out, eth + 6, 6);  // back to the sender (or the router it came through)
  write_mac(out + 6, net.router_mac);
  store_be16(out + 12, kEtherIpv4);
  uint8_t* oip = out + kEthHeaderLen;
  std::memset(oip, 0, kIpv4HeaderLength + kIcmpHeaderLength);
  oip[0] = 0x45;
  oip[1] = 0xc0;  // internetwork control
  store_be16(oip + 2, static_cast<uint16_t>(length));
  oip[8] = kDefaultTtl;
  oip[9] = kProtoIcmp;
  store_be32(oip + 12, net.router_ip);  // the interface the packet came in on
  store_be32(oip + 16, src);
  store_be16(oip + 10, checksum(oip, kIpv4HeaderLength));
  uint8_t* icmp = oip + kIpv4HeaderLength;
  icmp[0] = type;
  icmp[1] = code;
  store_be32(icmp + 4, rest);
  std::memcpy(icmp + kIcmpHeaderLength, eth + kEthHeaderLen, quote);
  if (arrived != nullptr) std::memcpy(icmp + kIcmpHeaderLength, arrived->bytes, std::min(quote, arrived->length));
  store_be16(icmp + 2, checksum(icmp, kIcmpHeaderLength + quote));
  bump(counters_.icmp_errors);
  bridge_.send_to_member(tables, member, e, in);
}

uint8_t* RouteStage::new_frame(rte_mempool* pool, uint32_t length, rte_mbuf** frame, PortCounterCells& in) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  auto* data = m != nullptr ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(length))) : nullptr;
  if (data == nullptr) {
    rte_pktmbuf_free(m);
    bump(in.drop(DropReason::no_mbuf));
    return nullptr;
  }
  set_slice(m, kNoSlice);
  *frame = m;
  return data;
}

bool RouteStage::take_icmp_token(const Snapshot& tables, uint64_t now) {
  const RouterTimes& times = tables.router_times;
  if (times.icmp_error_interval != 0 && now - icmp_refilled_at_ >= times.icmp_error_interval) {
    const uint64_t earned = (now - icmp_refilled_at_) / times.icmp_error_interval;
    icmp_tokens_ = std::min<uint64_t>(times.icmp_error_burst, icmp_tokens_ + earned);
    icmp_refilled_at_ = now;
  }
  if (icmp_tokens_ == 0) {
    bump(counters_.icmp_rate_limited);
    return false;
  }
  --icmp_tokens_;
  return true;
}

void RouteStage::arp_request(const Snapshot& tables, uint16_t network, uint32_t target, rte_mempool* pool,
                             uint64_t now, PortCounterCells& in) {
  const SnapshotNetwork& net = tables.networks[network];
  rte_mbuf* r = nullptr;
  uint8_t* out = new_frame(pool, kMinFrame, &r, in);
  if (out == nullptr) return;
  std::memset(out, 0, kMinFrame);
  std::memset(out, 0xff, 6);
  write_mac(out + 6, net.router_mac);
  store_be16(out + 12, kEtherArp);
  uint8_t* arp = out + kEthHeaderLen;
  store_be16(arp, 1);
  store_be16(arp + 2, kEtherIpv4);
  arp[4] = 6;
  arp[5] = 4;
  store_be16(arp + 6, 1);
  write_mac(arp + 8, net.router_mac);
  store_be32(arp + 14, net.router_ip);
  store_be32(arp + 24, target);
  bump(counters_.arp_requests);
  bridge_.forward_from_router(tables, network, r, now, in);
}

}  // namespace edgegw::dataplane
