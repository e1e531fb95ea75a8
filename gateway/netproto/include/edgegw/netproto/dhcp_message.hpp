// DHCPv4 messages (RFC 2131 / RFC 2132): the parsed form of a BOOTP/DHCP UDP payload, its parser and
// its encoder. The parser takes arbitrary bytes (it is fuzzed) and rejects with an Error naming the
// field plus a DhcpDropReason for the counters; the encoder writes into a caller's buffer and never
// allocates, so a reply costs no heap.
//
// All addresses and integers are in host order here; the wire is big-endian (checksum.hpp loaders).
// Only the options the server uses are kept; the others are skipped. Option overload (52), which
// moves options into the sname/file fields, is rejected as unsupported: no client we serve needs it,
// and not supporting it keeps those fields out of the parser.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "edgegw/common/result.hpp"

namespace edgegw::netproto {

using MacAddress = std::array<uint8_t, 6>;

inline constexpr uint8_t kBootRequest = 1;
inline constexpr uint8_t kBootReply = 2;
inline constexpr uint32_t kDhcpMagicCookie = 0x63825363;  // 99.130.83.99
inline constexpr size_t kDhcpHeaderLen = 240;              // fixed BOOTP fields + magic cookie
inline constexpr size_t kBootpMinLen = 300;                 // RFC 1542: relays may drop shorter messages
inline constexpr uint16_t kDhcpBroadcastFlag = 0x8000;
inline constexpr uint16_t kDhcpServerPort = 67;
inline constexpr uint16_t kDhcpClientPort = 68;

enum class DhcpMessageType : uint8_t {
  none = 0,  // option 53 absent (only in a message being built)
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};
const char* dhcp_message_type_name(DhcpMessageType type);

// Why a message got no answer: the parser's rejections first, then the server's. One counter each.
enum class DhcpDropReason : uint8_t {
  truncated,        // shorter than the fixed header, or an option runs past the end
  bad_op,           // op is not BOOTREQUEST/BOOTREPLY (parser), or a BOOTREPLY sent to the server
  bad_htype,        // not Ethernet
  bad_hlen,         // hardware address length is not 6
  bad_cookie,       // not 99.130.83.99: plain BOOTP or garbage
  bad_option,       // a known option with a wrong length or value, or repeated
  no_end_option,    // options not terminated by 255
  no_message_type,  // option 53 missing
  unsupported,      // option overload (52), a client id longer than the server keeps
  not_for_server,   // OFFER/ACK/NAK sent to a server
  other_server,     // a REQUEST choosing another server's offer, or naming another server
  not_owner,        // RELEASE/DECLINE of an address the client does not hold
  bad_request,      // REQUEST with neither a requested address nor ciaddr
  pool_exhausted,   // DISCOVER and no free address
};
inline constexpr size_t kDhcpDropReasonCount = static_cast<size_t>(DhcpDropReason::pool_exhausted) + 1;
// Counter name of a reason ("truncated", "bad_op", ...).
const char* dhcp_drop_reason_name(DhcpDropReason reason);

// A variable-length option's bytes (at most N; the option length byte bounds them at 255).
template <size_t N>
struct DhcpBytes {
  std::array<uint8_t, N> data{};
  uint16_t len = 0;

  bool empty() const { return len == 0; }
  std::span<const uint8_t> view() const { return {data.data(), len}; }
  std::string_view text() const { return {reinterpret_cast<const char*>(data.data()), len}; }
  // Copies the first min(size, N) bytes; the rest of the array stays zero so == compares content.
  void assign(const void* bytes, size_t size) {
    data.fill(0);
    len = static_cast<uint16_t>(size < N ? size : N);
    if (len != 0) std::memcpy(data.data(), bytes, len);
  }
  void assign(std::string_view s) { assign(s.data(), s.size()); }
  bool operator==(const DhcpBytes&) const = default;
};

struct DhcpMessage {
  // Fixed BOOTP fields.
  uint8_t op = kBootRequest;
  uint8_t hops = 0;
  uint32_t xid = 0;
  uint16_t secs = 0;
  uint16_t flags = 0;  // kDhcpBroadcastFlag = the client cannot receive unicast before it has an address
  uint32_t ciaddr = 0;
  uint32_t yiaddr = 0;
  uint32_t siaddr = 0;
  uint32_t giaddr = 0;  // set by a relay agent
  MacAddress chaddr{};

  // Options; zero or empty = absent (none of them has a meaningful zero).
  DhcpMessageType type = DhcpMessageType::none;  // 53
  uint32_t requested_ip = 0;                       // 50
  uint32_t server_id = 0;                          // 54
  uint32_t lease_time_s = 0;                       // 51
  uint32_t t1_s = 0;                               // 58 renewal time
  uint32_t t2_s = 0;                               // 59 rebinding time
  uint32_t subnet_mask = 0;                        // 1
  uint32_t router = 0;                             // 3 (the first router listed)
  std::array<uint32_t, 4> dns{};                   // 6 (the first four servers listed)
  uint8_t dns_count = 0;
  uint16_t mtu = 0;               // 26
  uint16_t max_message_size = 0;  // 57
  DhcpBytes<255> param_list;      // 55
  DhcpBytes<255> client_id;       // 61 (type byte + identifier)
  DhcpBytes<255> hostname;        // 12
  DhcpBytes<255> domain;          // 15

  bool broadcast() const { return (flags & kDhcpBroadcastFlag) != 0; }
  bool operator==(const DhcpMessage&) const = default;
};

// Parses a UDP payload. On failure the Error (Errc::invalid_argument) message starts with the field
// ("dhcp.hlen: ...", "dhcp.option[51].length: ...") and *reason, when given, is set for the counters.
Result<DhcpMessage> parse_dhcp_message(std::span<const uint8_t> payload, DhcpDropReason* reason = nullptr);

// The encoded size of `msg` (padded to kBootpMinLen).
size_t dhcp_encoded_size(const DhcpMessage& msg);

// Writes `msg` (a server's OFFER/ACK/NAK, or a client message in tests) into `out`: the fixed
// fields, the cookie, every present option, the end option, zero padding to kBootpMinLen. Returns
// the length, or an Error when `out` is smaller than dhcp_encoded_size(msg). No allocation on success.
Result<size_t> encode_dhcp_message(const DhcpMessage& msg, std::span<uint8_t> out);

}  // namespace edgegw::netproto
