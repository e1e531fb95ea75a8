// Security groups on the fast path: flow parsing, batch judgement, the check of frames from
// filtered ports.
#include "security_stage.hpp"

#include <rte_mbuf.h>

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::dataplane {
namespace {

using netproto::load_be16;
using netproto::load_be32;

constexpr uint32_t kEthHeader = 14;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint16_t kFragmentOffset = 0x1fff;
constexpr uint8_t kIcmpEchoReply = 0;
constexpr uint8_t kIcmpEchoRequest = 8;

bool is_icmp_error(uint8_t type) { return type == 3 || type == 4 || type == 5 || type == 11 || type == 12; }

// The addresses and ports of the IPv4 packet at `ip` (`length` bytes available), for an ICMP
// error's quote; false when it is too short to tell.
bool quoted_tuple(const uint8_t* ip, uint32_t length, FlowTuple* out) {
  if (length < 20 || (ip[0] >> 4) != 4) return false;
  const uint32_t ihl = (ip[0] & 0x0fu) * 4;
  if (ihl < 20 || length < ihl) return false;
  out->proto = ip[9];
  out->src = load_be32(ip + 12);
  out->dst = load_be32(ip + 16);
  out->sport = out->dport = 0;
  const uint8_t* l4 = ip + ihl;
  if (out->proto == kProtoTcp || out->proto == kProtoUdp) {
    if (length < ihl + 4) return false;
    out->sport = load_be16(l4);
    out->dport = load_be16(l4 + 2);
  } else if (out->proto == kProtoIcmp) {
    if (length < ihl + 8) return false;
    out->sport = out->dport = load_be16(l4 + 4);
  }
  return true;
}

SecurityDirection opposite(SecurityDirection d) {
  return d == SecurityDirection::ingress ? SecurityDirection::egress : SecurityDirection::ingress;
}

FlowTuple reversed(const FlowTuple& t) { return FlowTuple{t.proto, t.dst, t.src, t.dport, t.sport}; }

}  // namespace

PacketFlow parse_packet_flow(const uint8_t* frame, uint32_t length) {
  PacketFlow f;
  if (length >= kEthHeader && is_ipv6_frame(frame)) f.kind = PacketFlow::Kind::ipv6;
  if (length < kEthHeader || !is_ipv4_frame(frame)) return f;
  f.kind = PacketFlow::Kind::malformed;
  const uint8_t* ip = frame + kEthHeader;
  const uint32_t available = length - kEthHeader;
  if (available < 20 || (ip[0] >> 4) != 4) return f;
  const uint32_t ihl = (ip[0] & 0x0fu) * 4;
  const uint32_t total = load_be16(ip + 2);
  if (ihl < 20 || ihl > available || total < ihl) return f;
  FlowTuple& t = f.tuple;
  t.proto = ip[9];
  t.src = load_be32(ip + 12);
  t.dst = load_be32(ip + 16);
  f.kind = PacketFlow::Kind::ipv4;
  f.trackable = true;
  // A non-first fragment carries no L4 header: judged by addresses and protocol alone.
  if ((load_be16(ip + 6) & kFragmentOffset) != 0) return f;
  const uint8_t* l4 = ip + ihl;
  const uint32_t l4_length = available - ihl;
  if (t.proto == kProtoTcp || t.proto == kProtoUdp) {
    if (l4_length < (t.proto == kProtoTcp ? 14u : 4u)) {
      f.kind = PacketFlow::Kind::malformed;
      return f;
    }
    t.sport = load_be16(l4);
    t.dport = load_be16(l4 + 2);
    f.rule_port = t.dport;
    if (t.proto == kProtoTcp) f.tcp_flags = l4[13];
    if (t.proto == kProtoUdp && ((t.sport == 68 && t.dport == 67) || (t.sport == 67 && t.dport == 68))) {
      f.kind = PacketFlow::Kind::exempt;
    }
  } else if (t.proto == kProtoIcmp) {
    if (l4_length < 8) {
      f.kind = PacketFlow::Kind::malformed;
      return f;
    }
    const uint8_t type = l4[0];
    f.rule_port = type;
    f.trackable = type == kIcmpEchoRequest || type == kIcmpEchoReply;
    if (f.trackable) t.sport = t.dport = load_be16(l4 + 4);
    f.icmp_error = is_icmp_error(type) && quoted_tuple(l4 + 8, l4_length - 8, &f.inner);
  }
  return f;
}

void SecurityFilter::judge(const Snapshot& tables, const SecurityCheck* checks, uint16_t count, uint64_t now,
                           SecurityVerdict* verdicts) {
  const SecurityClassifier* classifier = tables.security.get();
  ConntrackTable* conntrack = tables.conntrack;
  const ConntrackTimes& times = tables.conntrack_times;
  uint16_t keyed[2] = {0, 0};
  for (uint16_t i = 0; i < count; ++i) {
    const SecurityCheck& c = checks[i];
    verdicts[i] = SecurityVerdict::pass;
    if (classifier == nullptr) continue;  // no policy compiled: nothing is filtered
    const PacketFlow f = parse_packet_flow(rte_pktmbuf_mtod(c.m, const uint8_t*), c.m->data_len);
    if (f.kind == PacketFlow::Kind::not_ipv4 || f.kind == PacketFlow::Kind::exempt) continue;
    if (f.kind == PacketFlow::Kind::ipv6) {
      if (c.routed) verdicts[i] = SecurityVerdict::deny;  // no IPv6 rules: default deny from other networks
      continue;
    }
    if (f.kind == PacketFlow::Kind::malformed) {
      verdicts[i] = SecurityVerdict::malformed;
      continue;
    }
    Pending& p = pending_[i];
    p = Pending{i, c.direction, c.routed, false, f.tuple, f.tcp_flags, f.trackable};
    uint16_t rule_port = f.rule_port;
    if (conntrack != nullptr && f.trackable) {
      const FlowLookup known = conntrack->observe(c.zone, f.tuple, c.direction, f.tcp_flags, now, times);
      if (known.relation != FlowRelation::none && known.generation == tables.security_generation) continue;
      if (known.relation == FlowRelation::reply) {
        // Judged again as the flow's first packet went: the other direction, the other way round.
        p.direction = opposite(c.direction);
        p.tuple = reversed(f.tuple);
        rule_port = f.tuple.proto == kProtoIcmp ? kIcmpEchoRequest : p.tuple.dport;
      }
      if (known.relation != FlowRelation::none) {
        p.routed = known.original_routed;
        p.remembered = true;
      }
    } else if (conntrack != nullptr && f.icmp_error && conntrack->contains(c.zone, f.inner, now, times)) {
      continue;  // an error about a flow the port has
    }
    const unsigned d = static_cast<unsigned>(p.direction);
    const uint32_t remote = p.direction == SecurityDirection::ingress ? p.tuple.src : p.tuple.dst;
    keys_[i] = make_acl_key(c.policy, p.tuple.proto, remote, rule_port);
    key_ptrs_[d][keyed[d]] = reinterpret_cast<const uint8_t*>(&keys_[i]);
    slots_[d][keyed[d]++] = i;
  }
  for (unsigned d = 0; d < 2; ++d) {
    if (keyed[d] == 0) continue;
    classifier->classify(static_cast<SecurityDirection>(d), key_ptrs_[d], results_[d], keyed[d]);
    for (uint16_t k = 0; k < keyed[d]; ++k) {
      const uint16_t i = slots_[d][k];
      decide(tables, checks[i], pending_[i], results_[d][k], now, &verdicts[i]);
    }
  }
}

// The verdict of the first matching rule (userdata) or of the policy's default, and what the
// connection table learns from it.
void SecurityFilter::decide(const Snapshot& tables, const SecurityCheck& check, const Pending& p, uint32_t userdata,
                            uint64_t now, SecurityVerdict* verdict) {
  const SecurityClassifier& classifier = *tables.security;
  bool allow = false;
  if (userdata != 0) {
    const SecurityRuleRef& rule = classifier.rule(userdata);
    bump(rule.counters->packets);
    bump(rule.counters->bytes, check.m->pkt_len);
    allow = rule.allow;
  } else {
    // No rule: egress passes; ingress passes when bridged within the network, not when routed.
    SecurityPolicyCounters& policy = classifier.policy(check.policy);
    allow = p.direction == SecurityDirection::egress || !p.routed;
    bump(allow ? policy.default_allowed : policy.default_denied);
  }
  ConntrackTable* conntrack = tables.conntrack;
  if (!allow) {
    *verdict = SecurityVerdict::deny;
    if (p.remembered) conntrack->forget(check.zone, p.tuple);
    return;
  }
  *verdict = SecurityVerdict::pass;
  if (conntrack != nullptr && p.trackable &&
      !conntrack->remember(check.zone, p.tuple, p.direction, p.routed, tables.security_generation, p.tcp_flags, now,
                           tables.conntrack_times)) {
    bump(counters_.conntrack_full);
  }
}

void SecurityStage::process(const Snapshot& tables, Burst& burst, uint64_t now) {
  if (!tables.security) return;
  const SnapshotPort& port = tables.ports[burst.ingress];
  uint16_t count = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    const SnapshotMember& member = tables.members[static_cast<uint16_t>(m->hash.usr)];
    if (member.policy == 0 || !is_ipv4_frame(rte_pktmbuf_mtod(m, const uint8_t*))) continue;
    checks_[count++] = SecurityCheck{m, member.policy, port.zone, SecurityDirection::egress, false};
  }
  if (count == 0) return;
  filter_.judge(tables, checks_, count, now, verdicts_);
  // Keep the survivors in order: the checked frames are a subsequence of the burst.
  PortCounterCells& in = counters_.ports[port.port_id];
  uint16_t next_check = 0;
  uint16_t kept = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    if (next_check < count && checks_[next_check].m == m) {
      const SecurityVerdict v = verdicts_[next_check++];
      if (v != SecurityVerdict::pass) {
        bump(in.drop(v == SecurityVerdict::deny ? DropReason::acl : DropReason::ip_malformed));
        rte_pktmbuf_free(m);
        continue;
      }
    }
    burst.pkts[kept++] = m;
  }
  burst.count = kept;
}

}  // namespace edgegw::dataplane
