// The DHCPv4 server of one routed network: address pool, static leases, the lease table and the
// RFC 2131 section 4.3 decisions. It does no I/O and reads no clock: the caller passes each message
// with the current time (seconds, any epoch, never going back) and sends the reply it is given.
// Persistence is the caller's too: leases() lists the table, restore() loads it back, and a
// decision says when a bound lease changed, so the caller can store it before sending the ACK.
//
// Threading: none of its own. It is control-plane state, used from one thread (the control plane's
// event loop); the caller serialises calls.
//
// One record per address. A record keeps its client after the lease ends ("released", or an
// offer/lease past its expiry) as a hint, so a returning client gets its old address back; the
// allocator hands out never-used addresses first, then the ones expired longest ago.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/netproto/dhcp_message.hpp"

namespace edgegw::netproto {

// Pools above this are refused by validate(): the allocator scans the range when every address has
// been used once, which stays cheap at this size.
inline constexpr uint32_t kDhcpMaxPoolSize = 65536;
inline constexpr size_t kDhcpMaxClientIdLen = 64;
inline constexpr size_t kDhcpMaxHostnameLen = 63;
// Every reply must fit the 576-byte minimum a client accepts (548 bytes of UDP payload); the
// domain is the only unbounded option, and this bound keeps the largest reply under it.
inline constexpr size_t kDhcpMaxDomainLen = 128;

struct DhcpStaticLease {
  MacAddress mac{};
  uint32_t ip = 0;
  bool operator==(const DhcpStaticLease&) const = default;
};

// All addresses in host order. Field names in validate() errors are given in the comments.
struct DhcpPoolConfig {
  uint32_t subnet = 0;       // "subnet": the network address
  uint32_t prefix_len = 24;  // "prefix_len": 1..30
  uint32_t server_ip = 0;    // "server_ip": our address on the network (the gateway), option 54
  uint32_t range_first = 0;  // "range.first"
  uint32_t range_last = 0;   // "range.last"
  std::vector<DhcpStaticLease> static_leases;  // "static_leases/<i>/mac", "static_leases/<i>/ip"
  uint32_t router = 0;                         // "router", 0 = none sent
  std::vector<uint32_t> dns;                   // "dns/<i>", at most 4
  std::string domain;                          // "domain", empty = none sent
  uint16_t mtu = 0;                            // "mtu", 0 = none sent
  uint32_t lease_time_s = 3600;                // "lease_time_s"
  uint32_t offer_hold_s = 30;                  // "offer_hold_s": how long an OFFER reserves its address
  uint32_t decline_hold_s = 600;               // "decline_hold_s": quarantine of a DECLINEd address
  bool operator==(const DhcpPoolConfig&) const = default;
};

// An Error (Errc::validation) whose pointer names the first offending field, or success.
Result<void> validate(const DhcpPoolConfig& config);

enum class DhcpLeaseState : uint8_t {
  offered,   // reserved by an OFFER until expires_at_s
  bound,     // ACKed until expires_at_s
  released,  // freed by the client; kept as a hint for it
  declined,  // the client found the address in use: quarantined until expires_at_s, no owner
};
const char* dhcp_lease_state_name(DhcpLeaseState state);

// One lease record, as persisted. The client is client_id when not empty, else mac. An offered or
// bound record past expires_at_s is free (a hint, like released).
struct DhcpLease {
  std::vector<uint8_t> client_id;  // option 61, at most kDhcpMaxClientIdLen bytes
  MacAddress mac{};
  uint32_t ip = 0;
  uint64_t expires_at_s = 0;
  std::string hostname;  // option 12, at most kDhcpMaxHostnameLen characters
  DhcpLeaseState state = DhcpLeaseState::bound;
  bool operator==(const DhcpLease&) const = default;
};

enum class DhcpAction : uint8_t { none, offer, ack, nak };

// Where the reply goes (RFC 2131 section 4.1).
enum class DhcpReplyTo : uint8_t {
  relay,      // to giaddr, port 67
  ciaddr,     // unicast to the client's current address, port 68
  broadcast,  // 255.255.255.255, port 68
  yiaddr,     // unicast to yiaddr at chaddr, port 68 (the client accepts unicast before configuring)
};

struct DhcpDecision {
  DhcpAction action = DhcpAction::none;
  DhcpMessage reply;  // when action != none: ready for encode_dhcp_message()
  DhcpReplyTo reply_to = DhcpReplyTo::broadcast;
  uint32_t reply_ip = 0;  // destination address for reply_to (0xffffffff for broadcast)
  std::optional<DhcpDropReason> dropped;  // why there is no reply when the message was ignored
  bool table_changed = false;  // any record changed (offers included)
  bool lease_changed = false;  // a bound/released/declined record changed: persist before replying
};

struct DhcpCounters {
  std::array<uint64_t, 9> received{};  // accepted messages, indexed by DhcpMessageType
  uint64_t offers = 0;
  uint64_t acks = 0;
  uint64_t naks = 0;
  uint64_t releases = 0;
  uint64_t declines = 0;
  uint64_t conflicts = 0;  // addresses found in use by a host the server did not give them to
  std::array<uint64_t, kDhcpDropReasonCount> drops{};  // pool exhaustion is drops[pool_exhausted]

  uint64_t received_of(DhcpMessageType t) const { return received[static_cast<size_t>(t)]; }
  uint64_t dropped(DhcpDropReason r) const { return drops[static_cast<size_t>(r)]; }
};

class DhcpServer {
 public:
  // Validates the config first.
  static Result<DhcpServer> create(DhcpPoolConfig config);

  // Parses and handles one UDP payload; a parse failure is counted under its reason.
  DhcpDecision handle_packet(std::span<const uint8_t> payload, uint64_t now_s);
  DhcpDecision handle(const DhcpMessage& msg, uint64_t now_s);

  // Every record (hints and quarantined addresses included), ordered by address.
  std::vector<DhcpLease> leases() const;
  // The record of an address or of a client, or nullptr.
  const DhcpLease* find_ip(uint32_t ip) const;
  const DhcpLease* find_client(std::span<const uint8_t> client_id, const MacAddress& mac) const;

  // Replaces the table with `records` after checking every one ("leases/<i>/ip", ...): address in
  // the pool or the record's own static lease, no address or client twice, sizes in bounds. All or
  // nothing. An offer does not survive a restart: offered records load as expired hints.
  Result<void> restore(const std::vector<DhcpLease>& records, uint64_t now_s);

  // Conflict detection: `ip` answers for a host the server did not give it to (seen in ARP by the
  // caller). The address is quarantined like a DECLINEd one, taken from whoever held or was offered
  // it, so the next DISCOVER of that client gets another. False (nothing changed) for an address
  // outside the pool that is no static lease. Counted in conflicts. The caller persists the table.
  bool quarantine(uint32_t ip, uint64_t now_s);

  // Switches to `config` (validated first; on error nothing changes). Records still valid in the
  // new pool are kept, the others dropped; returns how many were dropped.
  Result<size_t> reconfigure(DhcpPoolConfig config);

  const DhcpPoolConfig& config() const { return config_; }
  const DhcpCounters& counters() const { return counters_; }

 private:
  explicit DhcpServer(DhcpPoolConfig config);

  struct Client {
    std::string key;  // 'c' + client id, or 'm' + chaddr
    std::span<const uint8_t> client_id;
    MacAddress mac{};
  };
  static std::string client_key(std::span<const uint8_t> client_id, const MacAddress& mac);
  static std::string record_key(const DhcpLease& lease) { return client_key(lease.client_id, lease.mac); }

  void index_config();
  bool in_subnet(uint32_t ip) const;
  bool in_range(uint32_t ip) const { return ip >= config_.range_first && ip <= config_.range_last; }
  // Whether `ip` may be given to the holder of `mac` at all (pool or its static lease).
  bool assignable(uint32_t ip, const MacAddress& mac) const;
  // Whether a record holds `ip` now for someone other than `key` (an active lease or quarantine).
  bool held_by_other(uint32_t ip, const std::string& key, uint64_t now_s) const;
  std::optional<uint32_t> pick_free(uint64_t now_s);

  DhcpLease& claim(uint32_t ip, const Client& client, DhcpDecision& d);
  void erase(uint32_t ip, DhcpDecision& d);
  DhcpMessage reply_base(const DhcpMessage& req, DhcpMessageType type) const;
  void fill_config_options(DhcpMessage& reply, bool with_lease) const;
  DhcpDecision drop(DhcpDropReason reason);
  DhcpDecision finish(const DhcpMessage& req, DhcpDecision d);

  DhcpDecision on_discover(const DhcpMessage& msg, const Client& c, uint64_t now_s);
  DhcpDecision on_request(const DhcpMessage& msg, const Client& c, uint64_t now_s);
  DhcpDecision on_release(const DhcpMessage& msg, const Client& c, uint64_t now_s);
  DhcpDecision on_decline(const DhcpMessage& msg, const Client& c, uint64_t now_s);
  DhcpDecision on_inform(const DhcpMessage& msg);
  DhcpDecision ack(const DhcpMessage& msg, uint32_t ip, const Client& c, uint64_t now_s);
  DhcpDecision nak(const DhcpMessage& msg);

  DhcpPoolConfig config_;
  uint32_t mask_ = 0;
  std::unordered_map<uint32_t, DhcpLease> by_ip_;         // one record per address
  std::unordered_map<std::string, uint32_t> by_client_;   // client key -> its record's address (not declined)
  std::unordered_map<uint64_t, uint32_t> static_by_mac_;  // MAC (as integer) -> static address
  std::unordered_map<uint32_t, uint64_t> static_by_ip_;   // static address -> MAC
  uint64_t next_unused_ = 0;  // allocator cursor: addresses below it have had a record
  DhcpCounters counters_;
};

}  // namespace edgegw::netproto
