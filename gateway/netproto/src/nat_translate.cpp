// NAT translation of raw IPv4 packets: header checks, session lookup, in-place rewrite with
// incremental checksum updates, ICMP errors and hairpinning.
#include "edgegw/netproto/nat_translate.hpp"

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto {

namespace {

constexpr size_t kSrcAddr = 12, kDstAddr = 16, kIpChecksum = 10;
constexpr uint8_t kIcmpEchoReply = 0, kIcmpUnreachable = 3, kIcmpEchoRequest = 8, kIcmpTimeExceeded = 11,
                  kIcmpParamProblem = 12;

// The parts of a checked IPv4 packet that translation needs.
struct Packet {
  uint8_t* ip = nullptr;
  uint8_t* l4 = nullptr;
  size_t l4_len = 0;  // L4 bytes within the total length
  uint8_t proto = 0;
  uint32_t src = 0, dst = 0;
  bool more_fragments = false;
  bool later_fragment = false;  // fragment offset != 0: no L4 header here
};

// A checksum field covering rewritten bytes; UDP's 0 means "no checksum" and stays 0.
struct CkField {
  uint8_t* at = nullptr;
  bool udp = false;
};

void ck_update(CkField f, uint16_t old_word, uint16_t new_word) {
  if (f.at == nullptr) return;
  uint16_t c = load_be16(f.at);
  if (f.udp && c == 0) return;
  c = checksum_update16(c, old_word, new_word);
  if (f.udp && c == 0) c = 0xffff;
  store_be16(f.at, c);
}

// Stores a 16-bit word and keeps up to three covering checksums valid.
void put16(uint8_t* p, uint16_t v, CkField a, CkField b = {}, CkField c = {}) {
  const uint16_t old = load_be16(p);
  store_be16(p, v);
  ck_update(a, old, v);
  ck_update(b, old, v);
  ck_update(c, old, v);
}
void put32(uint8_t* p, uint32_t v, CkField a, CkField b = {}, CkField c = {}) {
  put16(p, static_cast<uint16_t>(v >> 16), a, b, c);
  put16(p + 2, static_cast<uint16_t>(v), a, b, c);
}

NatMalformed parse_ipv4(uint8_t* ip, size_t len, Packet* out) {
  if (len < 20) return NatMalformed::truncated;
  if (ip[0] >> 4 != 4) return NatMalformed::bad_version;
  const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  if (ihl < 20) return NatMalformed::bad_ihl;
  if (len < ihl) return NatMalformed::truncated;
  const size_t total = load_be16(ip + 2);
  if (total < ihl) return NatMalformed::bad_total_length;
  if (total > len) return NatMalformed::truncated;
  if (checksum(ip, ihl) != 0) return NatMalformed::bad_checksum;
  const uint16_t frag = load_be16(ip + 6);
  out->ip = ip;
  out->l4 = ip + ihl;
  out->l4_len = total - ihl;
  out->proto = ip[9];
  out->src = load_be32(ip + kSrcAddr);
  out->dst = load_be32(ip + kDstAddr);
  out->more_fragments = (frag & 0x2000) != 0;
  out->later_fragment = (frag & 0x1fff) != 0;
  return NatMalformed::none;
}

NatResult malformed(NatMalformed reason) { return NatResult{NatVerdict::malformed, reason, NatStatus::ok, nullptr, nullptr, false}; }
NatResult verdict(NatVerdict v, NatStatus status = NatStatus::ok) {
  return NatResult{v, NatMalformed::none, status, nullptr, nullptr, false};
}
NatResult refused(NatStatus status) {
  return verdict(status == NatStatus::no_session || status == NatStatus::conflict ? NatVerdict::no_session
                                                                                 : NatVerdict::limit,
                 status);
}
NatResult translated(const NatTable::Session* s, const NatTable::Session* hairpin = nullptr, bool error = false) {
  return NatResult{NatVerdict::translated, NatMalformed::none, NatStatus::ok, s, hairpin, error};
}

bool is_icmp_error(uint8_t type) {
  return type == kIcmpUnreachable || type == kIcmpTimeExceeded || type == kIcmpParamProblem;
}

// Checks the L4 header of an unfragmented packet or first fragment (TCP, UDP, ICMP).
NatMalformed check_l4(const Packet& p) {
  if (p.proto == kIpProtoTcp) {
    if (p.l4_len < 20) return NatMalformed::truncated;
    const size_t doff = size_t{p.l4[12]} >> 4 << 2;
    if (doff < 20 || doff > p.l4_len) return NatMalformed::bad_l4_header;
  } else if (p.proto == kIpProtoUdp) {
    if (p.l4_len < 8) return NatMalformed::truncated;
    const size_t ulen = load_be16(p.l4 + 4);
    // A first fragment carries only part of the datagram the UDP length describes.
    if (ulen < 8 || (!p.more_fragments && ulen > p.l4_len)) return NatMalformed::bad_l4_header;
  } else if (p.proto == kIpProtoIcmp) {
    if (p.l4_len < 8) return NatMalformed::truncated;
  }
  return NatMalformed::none;
}

bool nat_proto_of(uint8_t ip_proto, NatProto* out) {
  switch (ip_proto) {
    case kIpProtoTcp: *out = NatProto::tcp; return true;
    case kIpProtoUdp: *out = NatProto::udp; return true;
    case kIpProtoIcmp: *out = NatProto::icmp; return true;
    default: return false;
  }
}

// The L4 checksum field of the outer packet, covering the pseudo header (TCP, UDP) or not (ICMP).
CkField l4_checksum(const Packet& p) {
  if (p.proto == kIpProtoTcp) return CkField{p.l4 + 16, false};
  if (p.proto == kIpProtoUdp) return CkField{p.l4 + 6, true};
  return CkField{p.l4 + 2, false};
}

// Rewrites the source (`dst` false) or destination endpoint of the outer packet: the address with
// the IPv4 header checksum and the TCP/UDP pseudo-header sum, then the port (ICMP echo: identifier).
void rewrite(const Packet& p, bool dst, uint32_t addr, uint16_t port) {
  const CkField ip_ck{p.ip + kIpChecksum, false};
  const CkField l4_ck = l4_checksum(p);
  const bool icmp = p.proto == kIpProtoIcmp;
  put32(p.ip + (dst ? kDstAddr : kSrcAddr), addr, ip_ck, icmp ? CkField{} : l4_ck);
  put16(p.l4 + (icmp ? 4 : dst ? 2 : 0), port, l4_ck);
}

// An ICMP error (type 3, 11, 12): translates the embedded packet and the outer address. Inbound,
// the embedded packet is one we sent (source: external endpoint -> inside endpoint; outer
// destination -> inside host); outbound, it is one we delivered (destination: inside endpoint ->
// external endpoint; outer source -> external address).
NatResult icmp_error(NatTable& table, const Packet& p, bool inbound, uint64_t now) {
  if (p.l4_len < 8 + 20) return malformed(NatMalformed::truncated);
  uint8_t* inner = p.l4 + 8;
  const size_t avail = p.l4_len - 8;
  if (inner[0] >> 4 != 4) return malformed(NatMalformed::bad_inner);
  const size_t ihl = size_t{inner[0] & 0x0fu} * 4;
  if (ihl < 20) return malformed(NatMalformed::bad_inner);
  if (avail < ihl + 8) return malformed(NatMalformed::truncated);
  if ((load_be16(inner + 6) & 0x1fff) != 0) return verdict(NatVerdict::not_translatable);
  NatProto proto = NatProto::tcp;
  if (!nat_proto_of(inner[9], &proto)) return verdict(NatVerdict::not_translatable);
  uint8_t* il4 = inner + ihl;
  const size_t il4_avail = avail - ihl;  // at least 8: the ports, or ICMP's type..sequence
  const uint32_t isrc = load_be32(inner + kSrcAddr), idst = load_be32(inner + kDstAddr);
  const bool icmp = proto == NatProto::icmp;
  if (icmp && il4[0] != kIcmpEchoRequest && il4[0] != kIcmpEchoReply) return verdict(NatVerdict::not_translatable);
  const uint16_t sport = icmp ? load_be16(il4 + 4) : load_be16(il4);
  const uint16_t dport = icmp ? 0 : load_be16(il4 + 2);
  NatStatus status = NatStatus::ok;
  const NatTable::Session* s = nullptr;
  if (inbound) {
    if (isrc != table.external_ip()) return verdict(NatVerdict::no_session, NatStatus::no_session);
    s = table.inbound(proto, sport, idst, dport, now, false, &status);
  } else {
    const uint16_t inside_port = icmp ? sport : dport;
    const uint16_t remote_port = icmp ? 0 : sport;
    s = table.outbound(proto, idst, inside_port, isrc, remote_port, now, false, &status);
  }
  if (s == nullptr) return refused(status);

  // The outer ICMP checksum covers every embedded byte, the embedded checksums included: each
  // word change is applied to it, and the embedded checksum fields' own changes at the end.
  const CkField outer{p.l4 + 2, false};
  const CkField inner_ip_ck{inner + kIpChecksum, false};
  CkField inner_l4_ck;
  if (proto == NatProto::tcp && il4_avail >= 18) inner_l4_ck = CkField{il4 + 16, false};
  if (proto == NatProto::udp) inner_l4_ck = CkField{il4 + 6, true};
  if (icmp) inner_l4_ck = CkField{il4 + 2, false};
  const uint16_t ip_ck_before = load_be16(inner + kIpChecksum);
  const uint16_t l4_ck_before = inner_l4_ck.at != nullptr ? load_be16(inner_l4_ck.at) : 0;

  const uint32_t addr = inbound ? s->inside_ip : table.external_ip();
  const uint16_t port = inbound ? s->inside_port : s->external_port;
  put32(inner + (inbound ? kSrcAddr : kDstAddr), addr, outer, inner_ip_ck, icmp ? CkField{} : inner_l4_ck);
  put16(il4 + (icmp ? 4 : inbound ? 0 : 2), port, outer, inner_l4_ck);
  ck_update(outer, ip_ck_before, load_be16(inner + kIpChecksum));
  if (inner_l4_ck.at != nullptr) ck_update(outer, l4_ck_before, load_be16(inner_l4_ck.at));
  // Outer address: ICMP has no pseudo header, so only the IPv4 header checksum changes.
  put32(p.ip + (inbound ? kDstAddr : kSrcAddr), addr, CkField{p.ip + kIpChecksum, false});
  return translated(s, nullptr, true);
}

// Checks the outer packet up to its L4 header. Returns false with `out` set when there is nothing
// to translate.
bool prepare(uint8_t* packet, size_t len, Packet* p, NatResult* out) {
  const NatMalformed m = parse_ipv4(packet, len, p);
  if (m != NatMalformed::none) {
    *out = malformed(m);
    return false;
  }
  NatProto proto = NatProto::tcp;
  if (p->later_fragment || !nat_proto_of(p->proto, &proto)) {
    *out = verdict(NatVerdict::not_translatable);
    return false;
  }
  const NatMalformed l4 = check_l4(*p);
  if (l4 != NatMalformed::none) {
    *out = malformed(l4);
    return false;
  }
  return true;
}

uint8_t tcp_flags(const Packet& p) { return p.proto == kIpProtoTcp ? p.l4[13] : 0; }

// An inside host talking to the external address: SNAT like any outbound packet, then DNAT through
// the forward or session that owns the destination port. Both sessions exist before a byte changes.
NatResult hairpin(NatTable& table, const Packet& p, NatProto proto, uint64_t now) {
  const uint16_t sport = load_be16(p.l4), dport = load_be16(p.l4 + 2);
  // Nothing behind that port: refuse before creating a session for it.
  if (table.find_forward(proto, dport) == nullptr && !table.port_in_use(proto, dport)) {
    return verdict(NatVerdict::no_session, NatStatus::no_session);
  }
  NatStatus status = NatStatus::ok;
  const NatTable::Session* s = table.outbound(proto, p.src, sport, p.dst, dport, now, true, &status);
  if (s == nullptr) return refused(status);
  const NatTable::Session* peer = table.inbound(proto, dport, table.external_ip(), s->external_port, now, true, &status);
  if (peer == nullptr) return refused(status);
  rewrite(p, false, table.external_ip(), s->external_port);
  rewrite(p, true, peer->inside_ip, peer->inside_port);
  table.on_packet(s, true, tcp_flags(p), now);
  table.on_packet(peer, false, tcp_flags(p), now);
  return translated(s, peer);
}

}  // namespace

NatResult nat_outbound(NatTable& table, uint8_t* packet, size_t len, uint64_t now) {
  Packet p;
  NatResult result;
  if (!prepare(packet, len, &p, &result)) return result;
  NatStatus status = NatStatus::ok;
  if (p.proto == kIpProtoIcmp) {
    const uint8_t type = p.l4[0];
    if (is_icmp_error(type)) return icmp_error(table, p, false, now);
    if (type != kIcmpEchoRequest && type != kIcmpEchoReply) return verdict(NatVerdict::not_translatable);
    // Pings to the gateway's own address are answered before NAT, never hairpinned.
    if (p.dst == table.external_ip()) return verdict(NatVerdict::no_session, NatStatus::no_session);
    const NatTable::Session* s = table.outbound(NatProto::icmp, p.src, load_be16(p.l4 + 4), p.dst, 0, now,
                                                type == kIcmpEchoRequest, &status);
    if (s == nullptr) return refused(status);
    rewrite(p, false, table.external_ip(), s->external_port);
    table.on_packet(s, true, 0, now);
    return translated(s);
  }
  const NatProto proto = p.proto == kIpProtoTcp ? NatProto::tcp : NatProto::udp;
  if (p.dst == table.external_ip()) return hairpin(table, p, proto, now);
  const NatTable::Session* s =
      table.outbound(proto, p.src, load_be16(p.l4), p.dst, load_be16(p.l4 + 2), now, true, &status);
  if (s == nullptr) return refused(status);
  rewrite(p, false, table.external_ip(), s->external_port);
  table.on_packet(s, true, tcp_flags(p), now);
  return translated(s);
}

NatResult nat_inbound(NatTable& table, uint8_t* packet, size_t len, uint64_t now) {
  Packet p;
  NatResult result;
  if (!prepare(packet, len, &p, &result)) return result;
  if (p.dst != table.external_ip()) return verdict(NatVerdict::not_translatable);
  // Hairpin sessions have the external address as their remote: a packet from outside claiming
  // that source must not reach them.
  if (p.src == table.external_ip()) return verdict(NatVerdict::no_session, NatStatus::no_session);
  NatStatus status = NatStatus::ok;
  if (p.proto == kIpProtoIcmp) {
    const uint8_t type = p.l4[0];
    if (is_icmp_error(type)) return icmp_error(table, p, true, now);
    // Echo requests to the external address are the router's to answer; only replies are NAT's.
    if (type != kIcmpEchoReply) return verdict(NatVerdict::not_translatable);
    const NatTable::Session* s = table.inbound(NatProto::icmp, load_be16(p.l4 + 4), p.src, 0, now, false, &status);
    if (s == nullptr) return refused(status);
    rewrite(p, true, s->inside_ip, s->inside_port);
    table.on_packet(s, false, 0, now);
    return translated(s);
  }
  const NatProto proto = p.proto == kIpProtoTcp ? NatProto::tcp : NatProto::udp;
  const NatTable::Session* s =
      table.inbound(proto, load_be16(p.l4 + 2), p.src, load_be16(p.l4), now, true, &status);
  if (s == nullptr) return refused(status);
  rewrite(p, true, s->inside_ip, s->inside_port);
  table.on_packet(s, false, tcp_flags(p), now);
  return translated(s);
}

const char* nat_verdict_name(NatVerdict v) {
  switch (v) {
    case NatVerdict::translated: return "translated";
    case NatVerdict::no_session: return "no_session";
    case NatVerdict::not_translatable: return "not_translatable";
    case NatVerdict::malformed: return "malformed";
    case NatVerdict::limit: return "limit";
  }
  return "?";
}

const char* nat_malformed_name(NatMalformed r) {
  switch (r) {
    case NatMalformed::none: return "none";
    case NatMalformed::truncated: return "truncated";
    case NatMalformed::bad_version: return "bad_version";
    case NatMalformed::bad_ihl: return "bad_ihl";
    case NatMalformed::bad_total_length: return "bad_total_length";
    case NatMalformed::bad_checksum: return "bad_checksum";
    case NatMalformed::bad_l4_header: return "bad_l4_header";
    case NatMalformed::bad_inner: return "bad_inner";
  }
  return "?";
}

}  // namespace edgegw::netproto
