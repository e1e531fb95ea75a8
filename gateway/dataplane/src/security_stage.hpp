// Security groups on the fast path: what a frame's flow is, and the judgement of a batch of frames
// at filtered ports (connection table first, then one classify per direction for the rest).
//
// Checks happen at two places (see docs/config.md): SecurityStage judges what arrives from a
// filtered membership (egress rules) right after parsing; the bridge judges what it is about to
// send to a filtered membership (ingress rules), collecting its frames and the router's for the
// burst and judging them together. Both use SecurityFilter.
#pragma once

#include <cstdint>

#include "burst.hpp"
#include "conntrack_table.hpp"
#include "counters.hpp"
#include "security_policy.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {

// What the parser found in an untagged frame, for the security checks.
struct PacketFlow {
  enum class Kind : uint8_t {
    not_ipv4,   // ARP and any other ethertype: passes
    ipv6,       // rules are IPv4 only: passes within its network, refused when routed to the port
    exempt,     // DHCP between client and server (UDP 68 -> 67, 67 -> 68): passes
    malformed,  // IPv4 with a broken header: dropped at a filtered port
    ipv4,
  };
  Kind kind = Kind::not_ipv4;
  FlowTuple tuple;          // ICMP echo: the identifier as both ports; non-first fragments: no ports
  uint16_t rule_port = 0;   // what rules match: TCP/UDP destination port, ICMP type, else 0
  uint8_t tcp_flags = 0;
  bool trackable = false;   // TCP, UDP, ICMP echo and other protocols: remembered when allowed
  bool icmp_error = false;  // an ICMP error quoting a packet of `inner` (passes if that flow is known)
  FlowTuple inner;
};

// `frame` is `length` bytes of an untagged Ethernet frame (its first segment).
PacketFlow parse_packet_flow(const uint8_t* frame, uint32_t length);

// Whether an untagged frame is IPv4 at all: only those are checked against rules.
inline bool is_ipv4_frame(const uint8_t* frame) { return frame[12] == 0x08 && frame[13] == 0x00; }
inline bool is_ipv6_frame(const uint8_t* frame) { return frame[12] == 0x86 && frame[13] == 0xdd; }
// What the bridge hands to a filtered membership's ingress check: IPv4, and IPv6 (refused when routed).
inline bool is_checked_frame(const uint8_t* frame) { return is_ipv4_frame(frame) || is_ipv6_frame(frame); }

// One frame to judge at a filtered membership.
struct SecurityCheck {
  rte_mbuf* m = nullptr;
  uint16_t policy = 0;  // SnapshotMember::policy, not 0
  uint16_t zone = 0;    // SnapshotPort::zone of the filtered port
  SecurityDirection direction = SecurityDirection::ingress;
  bool routed = false;  // ingress: the frame was routed here (the default then denies)
};

enum class SecurityVerdict : uint8_t { pass, deny, malformed };

class SecurityFilter {
 public:
  static constexpr uint16_t kMaxChecks = 2 * kBurstSize;

  explicit SecurityFilter(WorkerCounters& counters) : counters_(counters) {}
  // Judges checks[0, count), count <= kMaxChecks. Counts rule matches, policy defaults and a full
  // connection table; the caller drops and counts what is not `pass`.
  void judge(const Snapshot& tables, const SecurityCheck* checks, uint16_t count, uint64_t now,
             SecurityVerdict* verdicts);

 private:
  // A check the rules decide: the flow as its first packet went (for a remembered flow judged
  // again after a rule change, its reply is judged as the original).
  struct Pending {
    uint16_t check = 0;
    SecurityDirection direction = SecurityDirection::ingress;
    bool routed = false;
    bool remembered = false;  // the flow has an entry stamped with an older generation
    FlowTuple tuple;
    uint8_t tcp_flags = 0;
    bool trackable = false;
  };
  void decide(const Snapshot& tables, const SecurityCheck& check, const Pending& p, uint32_t userdata, uint64_t now,
              SecurityVerdict* verdict);

  WorkerCounters& counters_;
  Pending pending_[kMaxChecks];
  AclKey keys_[kMaxChecks];
  const uint8_t* key_ptrs_[2][kMaxChecks];
  uint16_t slots_[2][kMaxChecks];  // pending index of each key, per direction
  uint32_t results_[2][kMaxChecks];
};

// Judges frames from filtered memberships against their egress rules; drops (counted on the
// ingress port: `acl`, `ip_malformed`) what they refuse. Keeps the rest, in order, in the burst.
class SecurityStage {
 public:
  explicit SecurityStage(WorkerCounters& counters) : counters_(counters), filter_(counters) {}
  void process(const Snapshot& tables, Burst& burst, uint64_t now);

 private:
  WorkerCounters& counters_;
  SecurityFilter filter_;
  SecurityCheck checks_[kBurstSize];
  SecurityVerdict verdicts_[kBurstSize];
};

}  // namespace edgegw::dataplane
