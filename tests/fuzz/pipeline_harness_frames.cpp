// The pipeline fuzz harness's checks on every frame a burst queued: tags, bridged frames in their
// network, router frames from their gateway and well formed, ICMP errors quoting what arrived, NAT
// domains sealed. And the checksum fix-ups records may ask for.
#include <algorithm>
#include <cstring>

#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/ipv6.hpp"
#include "pipeline_harness_state.hpp"

namespace edgegw::dataplane::fuzz {
namespace {

using netproto::checksum;
using netproto::checksum_add;
using netproto::checksum_finish;
using netproto::load_be16;
using netproto::load_be32;
using netproto::pseudo_header_sum;
using netproto::store_be16;

constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17;
constexpr uint32_t kArpLength = 28;
constexpr uint32_t kQuoteMax = 576 - 20 - 8;  // RFC 1812: an ICMP error fits in 576 bytes

bool icmp_error_type(uint8_t type) { return type == 3 || type == 4 || type == 5 || type == 11 || type == 12; }

// The member's tags, exactly, and a frame that fits the port.
std::string check_tags(const SnapshotMember& to, const SnapshotPort& port, const rte_mbuf* m) {
  if (m->pkt_len > port.max_frame + to.tag_bytes) return "egress frame above the MTU";
  if (m->data_len < kEthHeaderLen + to.tag_bytes) return "egress frame shorter than its headers";
  const uint8_t* tag = rte_pktmbuf_mtod(m, const uint8_t*) + 12;
  if (to.outer_vlan != 0) {
    if (load_be16(tag) != kTpidStag || (load_be16(tag + 2) & 0x0fff) != to.outer_vlan) return "wrong outer tag";
    tag += kVlanTagLen;
  }
  if (to.vlan != 0) {
    if (load_be16(tag) != kTpidCtag || (load_be16(tag + 2) & 0x0fff) != to.vlan) return "wrong inner tag";
    tag += kVlanTagLen;
  }
  if (load_be16(tag) == kTpidCtag || load_be16(tag) == kTpidStag) return "egress frame carries a tag of another member";
  return "";
}

// A well-formed IPv4 ARP message (Ethernet addresses) of operation `op`.
bool arp_shape(const uint8_t* arp, uint32_t len, uint16_t op) {
  return len >= kArpLength && load_be16(arp) == 1 && load_be16(arp + 2) == kEtherIpv4 && arp[4] == 6 && arp[5] == 4 &&
         load_be16(arp + 6) == op;
}

}  // namespace

void fix_checksums(uint8_t* frame, size_t len, bool header, bool l4) {
  if (!header && !l4) return;
  size_t at = 12;
  for (int tags = 0; tags < 2 && at + 4 <= len; ++tags) {
    const uint16_t tpid = load_be16(frame + at);
    if (tpid != kTpidCtag && tpid != kTpidStag) break;
    at += kVlanTagLen;
  }
  if (l4 && at + 2 + 40 + 4 <= len && load_be16(frame + at) == 0x86dd && frame[at + 2 + 6] == 58) {
    uint8_t* ip = frame + at + 2;
    const size_t n = std::min<size_t>(load_be16(ip + 4), len - at - 2 - 40);
    if (n < 4) return;
    store_be16(ip + 42, 0);
    store_be16(ip + 42, checksum_finish(checksum_add(netproto::ipv6_pseudo_header_sum(ip + 8, ip + 24, static_cast<uint32_t>(n), 58), ip + 40, n)));
    return;
  }
  if (at + 2 + 20 > len || load_be16(frame + at) != kEtherIpv4) return;
  uint8_t* ip = frame + at + 2;
  const size_t room = len - at - 2;
  const size_t ihl = (ip[0] & 15u) * 4;
  if (ihl < 20 || ihl > room) return;
  const size_t total = std::min<size_t>(load_be16(ip + 2), room);
  if (l4 && total > ihl && (load_be16(ip + 6) & 0x1fff) == 0) {
    uint8_t* l = ip + ihl;
    const size_t n = total - ihl;
    const uint32_t pseudo = pseudo_header_sum(load_be32(ip + 12), load_be32(ip + 16), ip[9], static_cast<uint16_t>(n));
    if (ip[9] == kIcmp && n >= 4) {
      store_be16(l + 2, 0);
      store_be16(l + 2, checksum(l, n));
    } else if (ip[9] == kUdp && n >= 8) {
      store_be16(l + 6, 0);
      const uint16_t c = checksum_finish(checksum_add(pseudo, l, n));
      store_be16(l + 6, c == 0 ? 0xffff : c);
    } else if (ip[9] == kTcp && n >= 18) {
      store_be16(l + 16, 0);
      store_be16(l + 16, checksum_finish(checksum_add(pseudo, l, n)));
    }
  }
  if (header) {
    store_be16(ip + 10, 0);
    store_be16(ip + 10, checksum(ip, ihl));
  }
}

uint16_t PipelineHarness::State::gateway_network(const uint8_t* eth, uint16_t egress) const {
  const uint64_t src = mac_key(eth + 6);
  for (size_t n = 0; n < snap.networks.size(); ++n) {
    const SnapshotNetwork& net = snap.networks[n];
    if (net.routed && net.router_mac == src && net.member_by_port_id[port_ids[egress]] != kNoIndex) {
      return static_cast<uint16_t>(n);
    }
  }
  return kNoIndex;
}

bool PipelineHarness::State::inside_address(const netproto::NatTable* table, uint32_t ip) const {
  for (const SnapshotNetwork& net : snap.networks) {
    if (net.nat_inside && net.nat == table && (ip & net.subnet_mask) == (net.router_ip & net.subnet_mask)) return true;
  }
  return false;
}

std::string PipelineHarness::State::check_frame(uint16_t egress, const rte_mbuf* m, Tally& tally) const {
  if (m->nb_segs != 1 || m->data_len != m->pkt_len) return "egress frame is not one segment";
  if (m->data_len < kEthHeaderLen) return "egress frame shorter than an Ethernet header";
  const uint16_t origin = m->port;
  if (origin != kRouterMade && origin >= arrival_count) return "egress frame of unknown origin";
  ++tally.frames;
  tally.bytes[egress] += m->pkt_len;
  if (origin != kRouterMade) ++tally.copies[origin];
  if (origin != kRouterMade && !arrivals[origin].to_router) return check_bridged(egress, m);

  const auto* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint16_t network = gateway_network(eth, egress);
  if (network == kNoIndex) return "a router frame leaves without its gateway's MAC as source";
  const SnapshotMember& to = snap.members[snap.networks[network].member_by_port_id[port_ids[egress]]];
  if (std::string e = check_tags(to, snap.ports[egress], m); !e.empty()) return e;
  const uint32_t type_at = 12 + to.tag_bytes;
  if (m->data_len < type_at + 2) return "a router frame without an ethertype";
  const uint16_t type = load_be16(eth + type_at);
  const uint8_t* l3 = eth + type_at + 2;
  const uint32_t l3_len = m->data_len - type_at - 2;
  if (type == 0x86dd) {
    if (origin == kRouterMade) return check_router_made6(network, eth, l3, l3_len, egress, tally);
    return check_router_handled6(network, eth, l3, l3_len, egress, arrivals[origin]);
  }
  if (origin == kRouterMade) return check_router_made(network, l3, l3_len, type, egress, tally);
  return check_router_handled(network, eth, l3, l3_len, type, egress, arrivals[origin]);
}

// A bridged frame belongs to a network of its ingress membership, does not go back to that
// membership, and carries exactly the egress member's tags.
std::string PipelineHarness::State::check_bridged(uint16_t egress, const rte_mbuf* m) const {
  const uint32_t ingress_member = m->hash.usr;
  if (ingress_member >= snap.members.size()) return "queued frame without an ingress membership";
  const SnapshotNetwork& net = snap.networks[snap.members[ingress_member].network];
  const uint16_t member = net.member_by_port_id[snap.ports[egress].port_id];
  if (member == kNoIndex) return "frame left on a port outside its network";
  if (member == ingress_member) return "frame sent back to its ingress membership";
  return check_tags(snap.members[member], snap.ports[egress], m);
}

// What the router builds: ARP requests for next hops (flooded in their network) and ICMP errors
// (back where the packet came from, quoting it as it arrived).
std::string PipelineHarness::State::check_router_made(uint16_t network, const uint8_t* l3, uint32_t l3_len, uint16_t type,
                                                      uint16_t egress, Tally& tally) const {
  const SnapshotNetwork& net = snap.networks[network];
  const uint8_t* eth = l3 - 14 - snap.members[net.member_by_port_id[port_ids[egress]]].tag_bytes;
  if (type == kEtherArp) {
    if (!arp_shape(l3, l3_len, 1) || l3_len < 46) return "a malformed ARP request";
    const uint32_t target = load_be32(l3 + 24);
    if (std::memcmp(eth, "\xff\xff\xff\xff\xff\xff", 6) != 0) return "an ARP request not broadcast";
    if (std::memcmp(l3 + 8, net.router_mac_bytes.data(), 6) != 0 || load_be32(l3 + 14) != net.router_ip) {
      return "an ARP request not from its gateway";
    }
    if ((target & net.subnet_mask) != (net.router_ip & net.subnet_mask) || target == net.router_ip) {
      return "an ARP request for an address off the subnet";
    }
    ++tally.arp_requests[network];
    return "";
  }
  if (type != kEtherIpv4) return "the router built a frame that is neither ARP nor IPv4";
  if (egress != ingress) return "an ICMP error left on another port than its packet came in on";
  const uint8_t* ip = l3;
  if (l3_len < 20 + 8 + 20 || ip[0] != 0x45 || load_be16(ip + 2) != l3_len || checksum(ip, 20) != 0) {
    return "an ICMP error with a bad IPv4 header";
  }
  if (ip[8] == 0 || ip[9] != kIcmp || load_be32(ip + 12) != net.router_ip) return "an ICMP error not from its gateway";
  const uint8_t* icmp = ip + 20;
  const uint32_t n = l3_len - 20;
  if (checksum(icmp, n) != 0) return "an ICMP error with a bad checksum";
  if (!((icmp[0] == 3 && (icmp[1] == 0 || icmp[1] == 4)) || (icmp[0] == 11 && icmp[1] == 0))) {
    return "an ICMP error of a type the router does not send";
  }
  // It quotes, from its first byte, a packet of this burst that came to this gateway, as it arrived,
  // and goes to that packet's sender (several packets of a burst may carry the same bytes).
  const uint8_t* quote = icmp + 8;
  const uint32_t quoted = n - 8;
  bool quotes_one = false;
  for (uint16_t k = 0; k < arrival_count; ++k) {
    const Arrival& a = arrivals[k];
    if (!a.to_router || snap.members[a.member].network != network || a.len < 14 + quoted) continue;
    const uint8_t* in = a.frame.data() + 14;
    if (std::min<uint32_t>(load_be16(in + 2), kQuoteMax) != quoted || std::memcmp(in, quote, quoted) != 0) continue;
    quotes_one = true;
    if (load_be32(ip + 16) != load_be32(in + 12) || std::memcmp(eth, a.frame.data() + 6, 6) != 0) continue;
    if ((load_be16(in + 6) & 0x1fff) != 0) return "an ICMP error about a non-first fragment";
    if (in[9] == kIcmp && icmp_error_type(in[(in[0] & 15u) * 4])) return "an ICMP error about an ICMP error";
    ++tally.icmp_errors;
    return "";
  }
  return quotes_one ? "an ICMP error not to the sender of its packet" : "an ICMP error quoting a packet not as it arrived";
}

// What the router sends on of a packet: an ARP reply to the asker, an echo reply, or the packet
// routed (TTL one less, valid checksum, and through NAT where a NAT domain's border is crossed).
std::string PipelineHarness::State::check_router_handled(uint16_t network, const uint8_t* eth, const uint8_t* l3,
                                                         uint32_t l3_len, uint16_t type, uint16_t egress,
                                                         const Arrival& in) const {
  const SnapshotNetwork& net = snap.networks[network];
  const SnapshotNetwork& from = snap.networks[snap.members[in.member].network];
  const uint8_t* in_l3 = in.frame.data() + 14;
  if (type == kEtherArp) {
    if (&net != &from || egress != ingress) return "an ARP reply went elsewhere than back to the asker";
    if (!arp_shape(l3, l3_len, 2) || in.len < 14 + kArpLength) return "a malformed ARP reply";
    if (std::memcmp(l3 + 8, net.router_mac_bytes.data(), 6) != 0 || load_be32(l3 + 14) != net.router_ip) {
      return "an ARP reply not from its gateway";
    }
    if (std::memcmp(l3 + 18, in_l3 + 8, 6) != 0 || std::memcmp(eth, in_l3 + 8, 6) != 0 ||
        load_be32(l3 + 24) != load_be32(in_l3 + 14)) {
      return "an ARP reply not to the asker";
    }
    return "";
  }
  if (type != kEtherIpv4) return "the router sent on a frame that is neither ARP nor IPv4";
  const uint8_t* ip = l3;
  const uint32_t ihl = l3_len >= 20 ? (ip[0] & 15u) * 4 : 0;
  if (ihl < 20 || (ip[0] >> 4) != 4 || ihl > l3_len || load_be16(ip + 2) != l3_len || checksum(ip, ihl) != 0) {
    return "the router sent on a malformed IPv4 packet";
  }
  const bool echo_reply = &net == &from && egress == ingress && ip[9] == kIcmp && ip[ihl] == 0 && ip[8] == 64;
  if (ip[8] == 0 || (!echo_reply && ip[8] != in_l3[8] - 1)) return "a routed packet without its TTL one less";
  // Out of a NAT domain: the uplink's address as source, no inside address quoted.
  if (from.nat_inside && !(net.nat_inside && net.nat == from.nat)) {
    if (load_be32(ip + 12) != from.nat->external_ip()) return "a packet left a NAT network with an inside source address";
    if (ip[9] == kIcmp && l3_len >= ihl + 8 + 20 && icmp_error_type(ip[ihl])) {
      const uint8_t* inner = ip + ihl + 8;
      if (inside_address(from.nat, load_be32(inner + 12)) || inside_address(from.nat, load_be32(inner + 16))) {
        return "an ICMP error left a NAT network quoting an inside address";
      }
    }
  }
  // Into a NAT domain from outside it: only through the uplink's address (a reply or a forward).
  if (net.nat_inside && !(from.nat_inside && from.nat == net.nat) && load_be32(in_l3 + 16) != net.nat->external_ip()) {
    return "a packet entered a NAT network other than through the uplink address";
  }
  return "";
}

}  // namespace edgegw::dataplane::fuzz
