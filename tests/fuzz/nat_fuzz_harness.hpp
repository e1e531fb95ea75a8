// The NAT fuzz harness, shared by fuzz_nat (tests/fuzz/netproto_nat_fuzz.cpp) and unit_netproto's
// replay of the seed corpus and the regressions (tests/unit/netproto/nat_fuzz_replay_test.cpp).
//
// Input: byte 0 shapes the table (capacity 1..16, per-host limit 0..3, 4 or 8 dynamic ports), then
// records [ctl][len][len packet bytes from the IPv4 header on]: ctl bit 0 = inbound, bit 1 = sweep
// after the packet (bit 2: a large budget), bits 3..7 = time advance. Forwards: TCP 1026 (inside the
// dynamic range) -> 10.0.0.5:22, TCP 8080 -> 10.0.0.5:80, UDP 53 -> 10.0.0.6:53; external address
// 198.51.100.1. Checks: an untranslated packet is unchanged; a translated one has a session, a
// valid IPv4 header checksum, and a valid L4 checksum if it had one; the table's invariants hold.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/nat_translate.hpp"

namespace edgegw::netproto::fuzz {

inline constexpr uint32_t kNatFuzzExternal = 0xc6336401;  // 198.51.100.1

// True when `p` is a whole, unfragmented TCP/UDP/ICMP packet whose L4 checksum verifies (UDP with
// checksum 0 has none: false).
inline bool nat_fuzz_l4_valid(const std::vector<uint8_t>& p) {
  if (p.size() < 20) return false;
  const size_t ihl = (p[0] & 15u) * 4;
  const size_t total = load_be16(&p[2]);
  if (ihl < 20 || total < ihl || total > p.size() || (load_be16(&p[6]) & 0x3fff) != 0) return false;
  const uint8_t* l4 = p.data() + ihl;
  const size_t n = total - ihl;
  switch (p[9]) {
    case kIpProtoIcmp:
      return n >= 8 && checksum(l4, n) == 0;
    case kIpProtoUdp:
      if (n < 8 || load_be16(l4 + 6) == 0) return false;
      [[fallthrough]];
    case kIpProtoTcp: {
      const uint32_t sum = pseudo_header_sum(load_be32(&p[12]), load_be32(&p[16]), p[9], static_cast<uint16_t>(n));
      return checksum_finish(checksum_add(sum, l4, n)) == 0;
    }
    default:
      return false;
  }
}

// Runs one input; returns "" or what went wrong.
inline std::string run_nat_fuzz_input(const uint8_t* data, size_t size) {
  if (size == 0) return "";
  // A new table per input would spend most of the time faulting in its pages: one table per shape,
  // cleared (back to its state after construction) before each input.
  static std::array<std::unique_ptr<NatTable>, 128> tables;
  const size_t shape = data[0] & 0x7fu;
  if (tables[shape] == nullptr) {
    NatConfig c;
    c.external_ip = kNatFuzzExternal;
    c.max_sessions = 1 + (data[0] & 15u);
    c.max_sessions_per_host = (data[0] >> 4) & 3u;
    c.port_min = 1024;
    c.port_max = static_cast<uint16_t>(1024 + 3 + ((data[0] >> 6) & 1u) * 4);
    c.max_forwards = 4;
    c.timeouts = NatTimeouts{40, 20, 5, 30, 10};
    tables[shape] = std::make_unique<NatTable>(c);
    const NatForward forwards[] = {{NatProto::tcp, 1026, 0x0a000005, 22},
                                   {NatProto::tcp, 8080, 0x0a000005, 80},
                                   {NatProto::udp, 53, 0x0a000006, 53}};
    for (const NatForward& f : forwards) {
      if (!tables[shape]->add_forward(f).ok()) return "forward refused";
    }
  }
  NatTable& table = *tables[shape];
  table.clear();
  uint64_t now = 0;
  size_t pos = 1;
  while (pos + 2 <= size) {
    const uint8_t ctl = data[pos];
    size_t len = data[pos + 1];
    pos += 2;
    if (len > size - pos) len = size - pos;
    std::vector<uint8_t> packet(data + pos, data + pos + len);
    pos += len;
    now += ctl >> 3;
    const std::vector<uint8_t> before = packet;
    const bool inbound = (ctl & 1) != 0;
    const NatResult r = inbound ? nat_inbound(table, packet.data(), packet.size(), now)
                                : nat_outbound(table, packet.data(), packet.size(), now);
    if (r.verdict != NatVerdict::translated) {
      if (packet != before) return "packet changed although not translated";
    } else {
      if (r.session == nullptr) return "translated without a session";
      if (table.expired(*r.session, now)) return "translated by an expired session";
      if (checksum(packet.data(), (packet[0] & 15u) * 4) != 0) return "IPv4 header checksum broken";
      if (nat_fuzz_l4_valid(before) && !nat_fuzz_l4_valid(packet)) return "L4 checksum broken";
      if (!inbound && !r.icmp_error && load_be32(&packet[12]) != kNatFuzzExternal) return "source not translated";
    }
    if ((ctl & 2) != 0) table.sweep(now, (ctl & 4) != 0 ? 64 : 3);
  }
  std::string why;
  if (!table.check_invariants(&why)) return "table invariant: " + why;
  return "";
}

}  // namespace edgegw::netproto::fuzz
