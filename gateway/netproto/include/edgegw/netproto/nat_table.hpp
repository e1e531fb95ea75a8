// NAT session table: sessions keyed from inside and from outside, endpoint-independent port
// mappings, port forwards, TCP state and per-state timeouts, incremental expiry.
//
// Built in the spirit of dataplane's FdbTable: fixed capacity chosen at construction, nothing
// allocated, locked or thrown afterwards, plain C++ (tested without the EAL).
//   - Sessions live in a fixed array (a free list of indices). Two open-addressing indexes hold
//     (32-bit hash, session index) words: the inside key (proto, inside ip:port, remote ip:port) and
//     the outside key (proto, external port, remote ip:port). Each has at least 2 * max_sessions
//     slots, deletion is backward-shift, and the hash is seeded (NatConfig::seed) so remote peers
//     cannot aim keys at one probe chain.
//   - Endpoint-independent mapping (RFC 4787 REQ-1): a mapping (proto, inside ip, inside port) ->
//     external port lives while any session of that endpoint does (expired sessions not yet swept
//     included), so every remote sees the same external port.
//   - External ports, per protocol: a reference count per port (mappings, forwards and forwarded
//     sessions hold one each) and a bitmap of ports in use. Allocation scans the bitmap a word (64
//     ports) at a time from a cursor that moves on, so it is O(1) amortised; a per-protocol count of
//     free ports makes an exhausted range fail at once instead of scanning.
//   - Port forwards (DNAT) reserve their external port; an inbound packet to one creates a session
//     to the inside server. The per-host limit applies only to sessions inside hosts open.
//
// Time is the caller's unit (`now` and NatTimeouts alike). A session whose last packet is its
// state's timeout or more behind `now` is expired: lookups ignore it (the worker's lookups remove it
// on the way), sweep() removes it incrementally.
//
// Threading: every non-const member function, and the const lookups, are for the worker lcore only
// (the single writer). counters(), size(), snapshot_sessions() may be called by any thread: the
// worker stores every session field and counter with relaxed atomic stores and brackets changes of
// a session's identity with the session's sequence number (a per-slot seqlock, as in FdbTable), so
// a reader copies a session consistently without making the worker wait.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/netproto/nat_count_map.hpp"

namespace edgegw::netproto {

enum class NatProto : uint8_t { tcp = 0, udp = 1, icmp = 2 };
inline constexpr size_t kNatProtoCount = 3;
inline constexpr uint8_t kIpProtoIcmp = 1, kIpProtoTcp = 6, kIpProtoUdp = 17;

// Timeouts in the caller's time unit (defaults are seconds: RFC 5382 / RFC 4787 values).
struct NatTimeouts {
  uint64_t tcp_established = 7440;  // SYN seen both ways, no FIN pair, no RST
  uint64_t tcp_transitory = 240;    // opening (SYN seen one way only, or picked up mid-stream)
  uint64_t tcp_closing = 10;        // FIN seen both ways, or RST
  uint64_t udp = 300;               // RFC 4787 REQ-5: at least 120 s
  uint64_t icmp = 60;
};

struct NatConfig {
  uint32_t external_ip = 0;  // host order
  uint32_t max_sessions = 65536;
  uint32_t max_sessions_per_host = 4096;  // sessions an inside host may open; 0 = no limit
  uint16_t port_min = 1024;  // dynamic external ports (identifiers for ICMP echo), inclusive
  uint16_t port_max = 65535;
  uint16_t max_forwards = 256;
  uint64_t seed = 0;  // hash seed and first port cursor: the control plane passes a random value
  NatTimeouts timeouts;
};

// A static port forward: packets to external_ip:external_port (TCP or UDP) go to inside_ip:inside_port.
struct NatForward {
  NatProto proto = NatProto::tcp;
  uint16_t external_port = 0;
  uint32_t inside_ip = 0;
  uint16_t inside_port = 0;
};

enum class NatTcpState : uint8_t { none, transitory, established, closing };

// Counters: written by the worker, read by anyone through counters().
struct NatCounters {
  uint64_t sessions_created = 0;
  uint64_t sessions_expired = 0;  // removed by sweep() or replaced by a lookup after expiry
  uint64_t table_full = 0;        // a new session refused: max_sessions live
  uint64_t host_limit = 0;        // a new session refused: max_sessions_per_host
  uint64_t no_port = 0;           // a new session refused: no free external port
  std::array<uint64_t, kNatProtoCount> live{};  // sessions present per NatProto (expired not yet swept included)
};

// One session as snapshot_sessions() saw it.
struct NatSessionInfo {
  NatProto proto = NatProto::tcp;
  uint32_t inside_ip = 0;
  uint16_t inside_port = 0;
  uint32_t remote_ip = 0;
  uint16_t remote_port = 0;
  uint32_t external_ip = 0;
  uint16_t external_port = 0;
  bool forwarded = false;
  NatTcpState tcp_state = NatTcpState::none;
  uint64_t last_seen = 0;
};

// What looking up or creating a session found.
enum class NatStatus : uint8_t { ok, no_session, table_full, host_limit, no_port, conflict };

class NatTable {
 public:
  // A session slot. The worker writes it (relaxed atomic stores, see the file comment).
  struct Session {
    uint32_t inside_ip = 0;
    uint32_t remote_ip = 0;
    uint16_t inside_port = 0;  // ICMP echo: the inside host's identifier
    uint16_t remote_port = 0;  // ICMP echo: 0
    uint16_t external_port = 0;
    uint8_t proto = 0;  // NatProto
    uint8_t flags = 0;  // kUsed, kForwarded, TCP flags seen (kSynOut...)
    uint64_t last_seen = 0;
    uint32_t seq = 0;  // odd while the worker changes the slot's identity or TCP state
  };
  static constexpr uint8_t kUsed = 1, kForwarded = 2, kSynOut = 4, kSynIn = 8, kFinOut = 16, kFinIn = 32,
                           kRst = 64;

  // Throws std::bad_alloc; use create() to validate a config first.
  explicit NatTable(const NatConfig& config);
  NatTable(const NatTable&) = delete;
  NatTable& operator=(const NatTable&) = delete;

  // Validates `config` (capacity 1..1M sessions, a non-empty port range) and builds the table.
  static Result<std::unique_ptr<NatTable>> create(const NatConfig& config);

  // ---- worker (fast path) ----

  // The live session of an outbound packet (inside src -> remote dst), created when absent and
  // `create` is set. `status` says why there is none.
  const Session* outbound(NatProto proto, uint32_t inside_ip, uint16_t inside_port, uint32_t remote_ip,
                          uint16_t remote_port, uint64_t now, bool create, NatStatus* status);

  // The live session of an inbound packet (remote src -> external_port), created for a port forward
  // when absent and `create` is set.
  const Session* inbound(NatProto proto, uint16_t external_port, uint32_t remote_ip, uint16_t remote_port,
                         uint64_t now, bool create, NatStatus* status);

  // A packet of `s` passed: refreshes it and, for TCP, records the flags seen (`tcp_flags`, the
  // TCP header's flag byte) in that direction.
  void on_packet(const Session* s, bool outbound, uint8_t tcp_flags, uint64_t now);

  // Examines the next `budget` session slots (round robin) and removes expired sessions.
  void sweep(uint64_t now, uint32_t budget);

  // Removes every session (forwards stay) and returns the table to its state after construction:
  // same free-slot order and port cursors, so what follows is as deterministic as on a new table.
  // For a flush command (the external address changed) and for reusing a table in the fuzzer; O(max
  // sessions), not per packet. Counters are kept; flushed sessions are not counted as expired.
  void clear();

  // Port forwards (worker only: the worker applies them from its config snapshot; not per packet).
  // add_forward fails while the external port is in use (by a mapping, or by the sessions of a
  // removed forward until they expire); remove_forward keeps existing sessions until they expire.
  Result<void> add_forward(const NatForward& forward);
  Result<void> remove_forward(NatProto proto, uint16_t external_port);
  const NatForward* find_forward(NatProto proto, uint16_t external_port) const;
  // True when `port` is held by a mapping, a forward or a forwarded session of `proto`.
  bool port_in_use(NatProto proto, uint16_t port) const { return port_refs_[pi(proto, port)] != 0; }

  // Lookups without side effects (tests, diagnostics): the live session or nullptr.
  const Session* find_inside(NatProto proto, uint32_t inside_ip, uint16_t inside_port, uint32_t remote_ip,
                             uint16_t remote_port, uint64_t now) const;
  const Session* find_outside(NatProto proto, uint16_t external_port, uint32_t remote_ip, uint16_t remote_port,
                              uint64_t now) const;

  NatTcpState tcp_state(const Session& s) const;
  uint64_t timeout_of(const Session& s) const;
  bool expired(const Session& s, uint64_t now) const {
    return (now > s.last_seen ? now - s.last_seen : 0) >= timeout_of(s);
  }
  uint32_t external_ip() const { return config_.external_ip; }
  const NatConfig& config() const { return config_; }

  // Verifies every structural invariant (indexes, mappings, port references, host counts, free list,
  // no two sessions sharing an inside or an outside key). Worker thread or quiescent table; O(slots),
  // allocates (tests and fuzzing only). Returns false and says why in `why`.
  bool check_invariants(std::string* why) const;

  // ---- any thread ----
  NatCounters counters() const;
  uint32_t size() const;
  uint32_t max_sessions() const { return config_.max_sessions; }
  // Copies every present session (expired ones not yet swept included) into `out` (cleared first).
  // A slot the worker is changing is retried a few times and then skipped: a listing, not a proof.
  void snapshot_sessions(std::vector<NatSessionInfo>* out) const;

 private:
  static constexpr uint32_t kPorts = 65536;

  static size_t pi(NatProto proto, uint16_t port) { return static_cast<size_t>(proto) * kPorts + port; }
  uint32_t hash5(uint8_t proto, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp) const;
  uint32_t inside_hash(const Session& s) const {
    return hash5(s.proto, s.inside_ip, s.inside_port, s.remote_ip, s.remote_port);
  }
  uint32_t outside_hash(const Session& s) const {
    return hash5(static_cast<uint8_t>(s.proto | 0x80), 0, s.external_port, s.remote_ip, s.remote_port);
  }
  uint32_t find_in(uint32_t hash, uint8_t proto, uint32_t ip, uint16_t port, uint32_t rip, uint16_t rport) const;
  uint32_t find_out(uint32_t hash, uint8_t proto, uint16_t ext_port, uint32_t rip, uint16_t rport) const;
  void index_insert(uint64_t* index, uint32_t hash, uint32_t session);
  void index_erase(uint64_t* index, uint32_t hash, uint32_t session);
  uint32_t insert_session(const Session& proto_session, uint64_t now);
  void erase_session(uint32_t index);
  void reset_cursors();
  static uint64_t mapping_key(uint8_t proto, uint32_t ip, uint16_t port) {
    return uint64_t{proto} << 48 | uint64_t{ip} << 16 | port;
  }
  bool allocate_port(uint8_t proto, uint16_t* port);
  void port_ref(uint8_t proto, uint16_t port);
  void port_unref(uint8_t proto, uint16_t port);
  bool in_range(uint16_t port) const { return port >= config_.port_min && port <= config_.port_max; }

  template <class T>
  static void put(T& field, T value) {
    std::atomic_ref<T>(field).store(value, std::memory_order_relaxed);
  }
  static void bump(uint64_t& counter, int64_t delta = 1) {
    put(counter, counter + static_cast<uint64_t>(delta));
  }
  static void write_session(Session& slot, const Session& value);

  NatConfig config_;
  std::unique_ptr<Session[]> sessions_;
  std::unique_ptr<uint32_t[]> free_;    // stack of free session indices
  uint32_t free_top_ = 0;               // worker only
  std::unique_ptr<uint64_t[]> in_index_;   // (hash << 32 | session + 1), 0 = empty
  std::unique_ptr<uint64_t[]> out_index_;
  uint32_t index_mask_ = 0;
  NatCountMap mappings_;  // mapping_key -> (sessions, external port)
  NatCountMap hosts_;     // inside ip -> sessions it opened
  std::unique_ptr<uint32_t[]> port_refs_;  // [proto * 65536 + port]
  std::unique_ptr<uint64_t[]> port_used_;  // bitmap of port_refs_ != 0, same layout
  std::array<uint32_t, kNatProtoCount> free_ports_{};  // ports in range with no reference
  std::array<uint32_t, kNatProtoCount> port_cursor_{};
  std::unique_ptr<uint16_t[]> forward_of_;  // [proto * 65536 + port] -> forwards_ index + 1 (TCP, UDP)
  std::unique_ptr<NatForward[]> forwards_;
  std::unique_ptr<bool[]> forward_used_;
  uint32_t sweep_cursor_ = 0;  // worker only
  uint32_t size_ = 0;          // worker writes (relaxed atomic), anyone reads
  NatCounters counters_;       // worker writes (relaxed atomic), anyone reads
};

}  // namespace edgegw::netproto
