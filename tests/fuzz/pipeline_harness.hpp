// The pipeline fuzz harness, shared by the libFuzzer target (tests/fuzz/pipeline_fuzz.cpp) and the
// unit test that replays tests/fuzz/regressions/pipeline/ (tests/unit/dataplane).
//
// A fixed switch of 16 net_null ports (tx discards, so every queued frame is really sent), compiled
// by the data plane's own snapshot compilers (memberships, routes, NAT tables):
//   L2 networks   lan (a, b, trunk VLAN 10, qinq 100/10), v20, v30, solo; loner is in no network
//   routed wan    10.0.0.1/24 on wan0, wan1, trunk VLAN 40, wanq QinQ 400/41; the NAT uplink;
//                 IPv6 fd00:10::1/64
//   routed far    172.16.0.1/24 on far0 (MTU 1000), farq QinQ 300/50
//   NAT guests    192.168.60.1/24 on g0 (MTU 1200), g1, trunk VLAN 60; forwards TCP 8080 ->
//                 192.168.60.10:80, UDP 5353 -> 192.168.60.11:53
//   NAT iot       192.168.70.1/24 on iot0 (MTU 1280), wanq VLAN 71; forward TCP 2222 -> 192.168.70.5:22;
//                 IPv6 fd00:70::1/64 routed, router solicitations punted
//                 (one table for both at wan: 16 sessions, 6 per inside host)
//   static routes 198.51.100.0/24 via 10.0.0.254, 203.0.113.0/24 via 172.16.0.254 (no default),
//                 2001:db8:100::/48 via fd00:10::fe
// Gateway MACs 02:e9:00:00:00:{10,17,60,70}; make_pipeline_corpus.py builds frames for it.
//
// The input is a list of records, each a frame on one port:
//   byte 0      bits 0-2 ingress port (low bits), bit 3 starts a new burst, bits 4-7 clock advance
//               (x 8 ticks; 15 is a long pause, past every neighbor and NAT timeout but TCP's)
//   bytes 1-2   little endian: bits 0-10 frame length (capped at kMaxFrame), bit 11 ingress port
//               bit 3, bit 12 the harness writes a valid IPv4 header checksum, bit 13 a valid
//               ICMP/UDP/TCP or ICMPv6 checksum (so mutations get past the checksum checks)
//   then        the frame's bytes (fewer when the input ends)
// Slices (ingress only, no shaped port): EF (DSCP 46) remarked to 34, UDP to 9000-9099 policed
// (srTCM 64 kbit/s, 1600-byte committed burst), VXLAN VNIs 100-199, the rest.
// Each burst runs through the parse, slice, bridge, route and tx stages (Pipeline::run's order but
// for the security stage) and then
// it checks: no mbuf leaked; every received packet got exactly one verdict per stage that saw it
// (counted drop, bridged, or the router's drop / reply / route); every frame on the wire carries
// exactly its egress member's tags; a bridged frame stays in its network; a router frame has its
// gateway's MAC, a valid IPv4 header with TTL > 0, a well-formed ARP message, or IPv6 with the hop
// limit one less, a neighbor advertisement to the asker or a solicitation to the solicited-node
// group; an ICMP or ICMPv6 error quotes a packet as it arrived; nothing leaves a NAT domain with an inside address, or enters it
// other than through the uplink address; tx counters match what was queued; the FDBs, neighbor
// tables and (after the input) the NAT table stay consistent.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "edgegw/dataplane/dataplane.hpp"

struct rte_mempool;

namespace edgegw::dataplane::fuzz {

class PipelineHarness {
 public:
  // Needs an initialised EAL; creates its own net_null devices (named with `tag`) and pool.
  // nullptr and `error` set when that fails.
  static std::unique_ptr<PipelineHarness> create(const std::string& tag, std::string* error);
  ~PipelineHarness();  // stops and removes its devices, frees its pool
  PipelineHarness(const PipelineHarness&) = delete;
  PipelineHarness& operator=(const PipelineHarness&) = delete;

  // Feeds one input; "" when every check held, else what broke. Dynamic state (FDB, neighbors, NAT
  // sessions, counters, the ICMP rate limit) starts fresh for each input, so results do not depend
  // on earlier inputs.
  std::string run(const uint8_t* data, size_t size);

  // What the last input made the stages do: drops by reason (all ports), the router's counters,
  // NAT sessions created. The replay test checks that the seed corpus reaches every verdict.
  struct Reached {
    std::array<uint64_t, kDropReasonCount> drops{};
    RouterCounters router;
    uint64_t nat_sessions = 0;
    std::map<std::string, uint64_t> slice_packets;  // classified into each slice, by name
    uint64_t remarked = 0;
  };
  Reached reached() const;

  struct State;

 private:
  explicit PipelineHarness(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace edgegw::dataplane::fuzz
