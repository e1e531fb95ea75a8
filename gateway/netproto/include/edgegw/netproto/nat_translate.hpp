// NAT translation of raw IPv4 packets: SNAT of outbound packets, reverse translation of replies,
// DNAT through port forwards, hairpinning, and ICMP errors (the embedded packet is translated too).
//
// Every function takes the packet from its IPv4 header on (`len` bytes readable and writable; bytes
// past the header's total length, such as Ethernet padding, are left alone) and returns a verdict.
// Per-packet path: no allocation, locks, exceptions or system calls; every access is bounds-checked
// against `len` and the header's total length, whatever the bytes are. The IPv4 header checksum is
// verified (a translated packet is only ever as valid as it came in); L4 checksums are not verified
// but are updated incrementally (RFC 1624), so a valid one stays valid. TTL is the router's business.
// Only a translated packet is modified: any other verdict leaves every byte as it was.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edgegw/netproto/nat_table.hpp"

namespace edgegw::netproto {

enum class NatVerdict : uint8_t {
  translated,        // rewritten in place: forward it
  no_session,        // no session and none may be created (inbound without session or forward, an
                     // ICMP error about unknown traffic, a key conflict): drop
  not_translatable,  // not NAT's: non-first fragment, unknown protocol or ICMP type, inbound to
                     // another address than the external one
  malformed,         // see NatMalformed: drop
  limit,             // a session was needed but refused (NatResult::status: table_full, host_limit,
                     // no_port); counted by the table: drop
};

enum class NatMalformed : uint8_t {
  none,
  truncated,         // shorter than a header it announces, or than the total length
  bad_version,       // not IPv4
  bad_ihl,           // IHL below 5
  bad_total_length,  // total length below the header length
  bad_checksum,      // IPv4 header checksum does not verify
  bad_l4_header,     // TCP data offset below 5 or beyond the packet; UDP length out of bounds
  bad_inner,         // an ICMP error's embedded IPv4 header is not a sane one
};

struct NatResult {
  NatVerdict verdict = NatVerdict::malformed;
  NatMalformed malformed = NatMalformed::none;
  NatStatus status = NatStatus::ok;               // why there is no session (no_session, limit)
  const NatTable::Session* session = nullptr;     // the session used (translated)
  const NatTable::Session* hairpin = nullptr;     // hairpin: the session of the other leg
  bool icmp_error = false;                        // the packet was an ICMP error
};

// A packet from an inside host: source -> external address and port (a session is created when
// needed); to the external address itself: hairpin through a forward or a session.
NatResult nat_outbound(NatTable& table, uint8_t* packet, size_t len, uint64_t now);

// A packet to the external address: destination -> the inside endpoint of its session, or of a port
// forward (which creates the session).
NatResult nat_inbound(NatTable& table, uint8_t* packet, size_t len, uint64_t now);

const char* nat_verdict_name(NatVerdict verdict);
const char* nat_malformed_name(NatMalformed reason);

}  // namespace edgegw::netproto
