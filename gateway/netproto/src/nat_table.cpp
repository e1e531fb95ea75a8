// NAT session table: session storage and indexes, mappings and port allocation, forwards, expiry.
#include "edgegw/netproto/nat_table.hpp"

#include <algorithm>
#include <bit>
#include <new>

namespace edgegw::netproto {

namespace {
constexpr uint32_t kMaxSessionsLimit = 1u << 20;
constexpr uint32_t kWordsPerProto = 65536 / 64;
constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;
}  // namespace

NatTable::NatTable(const NatConfig& config)
    : config_(config),
      mappings_(config.max_sessions, config.seed ^ 0x6a09e667f3bcc908ull),
      hosts_(config.max_sessions, config.seed ^ 0xbb67ae8584caa73bull) {
  const uint32_t max = config_.max_sessions;
  sessions_ = std::make_unique<Session[]>(max);
  free_ = std::make_unique<uint32_t[]>(max);
  const uint64_t slots = std::bit_ceil(std::max<uint64_t>(16, uint64_t{max} * 2));
  index_mask_ = static_cast<uint32_t>(slots - 1);
  in_index_ = std::make_unique<uint64_t[]>(slots);
  out_index_ = std::make_unique<uint64_t[]>(slots);
  port_refs_ = std::make_unique<uint32_t[]>(kNatProtoCount * kPorts);
  port_used_ = std::make_unique<uint64_t[]>(kNatProtoCount * kWordsPerProto);
  const uint32_t range = uint32_t{config_.port_max} - config_.port_min + 1;
  for (size_t p = 0; p < kNatProtoCount; ++p) free_ports_[p] = range;
  reset_cursors();
  forward_of_ = std::make_unique<uint16_t[]>(2 * kPorts);  // TCP and UDP only
  forwards_ = std::make_unique<NatForward[]>(config_.max_forwards);
  forward_used_ = std::make_unique<bool[]>(config_.max_forwards);
}

// The free list (index 0 handed out first) and the cursors as a new table has them.
void NatTable::reset_cursors() {
  const uint32_t max = config_.max_sessions;
  for (uint32_t i = 0; i < max; ++i) free_[i] = max - 1 - i;
  free_top_ = max;
  sweep_cursor_ = 0;
  const uint32_t range = uint32_t{config_.port_max} - config_.port_min + 1;
  for (size_t p = 0; p < kNatProtoCount; ++p) {
    port_cursor_[p] = config_.port_min + static_cast<uint32_t>((config_.seed >> (8 * p)) % range);
  }
}

void NatTable::clear() {
  for (uint32_t i = 0; i < config_.max_sessions; ++i) {
    if ((sessions_[i].flags & kUsed) != 0) erase_session(i);
  }
  reset_cursors();
}

Result<std::unique_ptr<NatTable>> NatTable::create(const NatConfig& config) {
  if (config.max_sessions == 0 || config.max_sessions > kMaxSessionsLimit) {
    return make_error(Errc::invalid_argument, "nat: max_sessions must be 1..1048576");
  }
  if (config.port_min == 0 || config.port_min > config.port_max) {
    return make_error(Errc::invalid_argument, "nat: port range must be non-empty and exclude port 0");
  }
  try {
    return std::make_unique<NatTable>(config);
  } catch (const std::bad_alloc&) {
    return make_error(Errc::internal, "nat: out of memory for the session table");
  }
}

uint32_t NatTable::hash5(uint8_t proto, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp) const {
  uint64_t x = (uint64_t{a} << 32 | b) ^ config_.seed;
  x *= 0x9E3779B97F4A7C15ull;
  x ^= x >> 32;
  x ^= uint64_t{ap} << 24 | uint64_t{bp} << 8 | proto;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  x *= 0x94D049BB133111EBull;
  return static_cast<uint32_t>(x >> 32);
}

uint32_t NatTable::find_in(uint32_t hash, uint8_t proto, uint32_t ip, uint16_t port, uint32_t rip,
                           uint16_t rport) const {
  for (uint32_t i = hash & index_mask_;; i = (i + 1) & index_mask_) {
    const uint64_t e = in_index_[i];
    if (e == 0) return 0;
    if (e >> 32 != hash) continue;
    const Session& s = sessions_[static_cast<uint32_t>(e) - 1];
    if (s.proto == proto && s.inside_ip == ip && s.inside_port == port && s.remote_ip == rip &&
        s.remote_port == rport) {
      return static_cast<uint32_t>(e);
    }
  }
}

uint32_t NatTable::find_out(uint32_t hash, uint8_t proto, uint16_t ext_port, uint32_t rip, uint16_t rport) const {
  for (uint32_t i = hash & index_mask_;; i = (i + 1) & index_mask_) {
    const uint64_t e = out_index_[i];
    if (e == 0) return 0;
    if (e >> 32 != hash) continue;
    const Session& s = sessions_[static_cast<uint32_t>(e) - 1];
    if (s.proto == proto && s.external_port == ext_port && s.remote_ip == rip && s.remote_port == rport) {
      return static_cast<uint32_t>(e);
    }
  }
}

void NatTable::index_insert(uint64_t* index, uint32_t hash, uint32_t session) {
  uint32_t i = hash & index_mask_;
  while (index[i] != 0) i = (i + 1) & index_mask_;
  index[i] = uint64_t{hash} << 32 | (session + 1);
}

void NatTable::index_erase(uint64_t* index, uint32_t hash, uint32_t session) {
  const uint64_t entry = uint64_t{hash} << 32 | (session + 1);
  uint32_t hole = hash & index_mask_;
  while (index[hole] != entry) hole = (hole + 1) & index_mask_;
  for (uint32_t j = (hole + 1) & index_mask_;; j = (j + 1) & index_mask_) {
    const uint64_t e = index[j];
    if (e == 0) break;
    const uint32_t h = static_cast<uint32_t>(e >> 32) & index_mask_;
    const bool home_after_hole = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (home_after_hole) continue;
    index[hole] = e;
    hole = j;
  }
  index[hole] = 0;
}

void NatTable::write_session(Session& slot, const Session& v) {
  put(slot.seq, slot.seq + 1);
  std::atomic_thread_fence(std::memory_order_release);
  put(slot.inside_ip, v.inside_ip);
  put(slot.remote_ip, v.remote_ip);
  put(slot.inside_port, v.inside_port);
  put(slot.remote_port, v.remote_port);
  put(slot.external_port, v.external_port);
  put(slot.proto, v.proto);
  put(slot.flags, v.flags);
  put(slot.last_seen, v.last_seen);
  std::atomic_ref<uint32_t>(slot.seq).store(slot.seq + 1, std::memory_order_release);
}

uint32_t NatTable::insert_session(const Session& v, uint64_t now) {
  const uint32_t index = free_[--free_top_];
  Session value = v;
  value.last_seen = now;
  write_session(sessions_[index], value);
  index_insert(in_index_.get(), inside_hash(value), index);
  index_insert(out_index_.get(), outside_hash(value), index);
  put(size_, size_ + 1);
  bump(counters_.live[value.proto]);
  bump(counters_.sessions_created);
  return index;
}

void NatTable::erase_session(uint32_t index) {
  Session& s = sessions_[index];
  index_erase(in_index_.get(), inside_hash(s), index);
  index_erase(out_index_.get(), outside_hash(s), index);
  if ((s.flags & kForwarded) != 0) {
    port_unref(s.proto, s.external_port);
  } else {
    NatCountMap::Slot* m = mappings_.find(mapping_key(s.proto, s.inside_ip, s.inside_port));
    if (--m->count == 0) {
      port_unref(s.proto, m->value);
      mappings_.erase(m);
    }
    NatCountMap::Slot* host = hosts_.find(s.inside_ip);
    if (--host->count == 0) hosts_.erase(host);
  }
  bump(counters_.live[s.proto], -1);
  put(size_, size_ - 1);
  write_session(s, Session{});
  free_[free_top_++] = index;
}

bool NatTable::allocate_port(uint8_t proto, uint16_t* port) {
  if (free_ports_[proto] == 0) return false;
  const uint64_t* bits = port_used_.get() + size_t{proto} * kWordsPerProto;
  const uint32_t min = config_.port_min, max = config_.port_max;
  uint32_t c = port_cursor_[proto];
  // A free port in [min, max] exists, so this visits at most every word of the range once more.
  for (;;) {
    const uint32_t w = c >> 6;
    uint64_t word = ~bits[w] & (~0ull << (c & 63));
    if (w == max >> 6 && (max & 63) != 63) word &= (1ull << ((max & 63) + 1)) - 1;
    if (word != 0) {
      const uint32_t p = (w << 6) + static_cast<uint32_t>(std::countr_zero(word));
      *port = static_cast<uint16_t>(p);
      port_cursor_[proto] = p + 1 > max ? min : p + 1;
      return true;
    }
    c = (w + 1) << 6;
    if (c > max) c = min;
  }
}

void NatTable::port_ref(uint8_t proto, uint16_t port) {
  const size_t i = pi(static_cast<NatProto>(proto), port);
  if (port_refs_[i]++ == 0) {
    port_used_[i >> 6] |= 1ull << (i & 63);
    if (in_range(port)) --free_ports_[proto];
  }
}

void NatTable::port_unref(uint8_t proto, uint16_t port) {
  const size_t i = pi(static_cast<NatProto>(proto), port);
  if (--port_refs_[i] == 0) {
    port_used_[i >> 6] &= ~(1ull << (i & 63));
    if (in_range(port)) ++free_ports_[proto];
  }
}

const NatTable::Session* NatTable::outbound(NatProto proto, uint32_t inside_ip, uint16_t inside_port,
                                            uint32_t remote_ip, uint16_t remote_port, uint64_t now, bool create,
                                            NatStatus* status) {
  const auto p = static_cast<uint8_t>(proto);
  if (uint32_t e = find_in(hash5(p, inside_ip, inside_port, remote_ip, remote_port), p, inside_ip, inside_port,
                           remote_ip, remote_port)) {
    if (!expired(sessions_[e - 1], now)) {
      *status = NatStatus::ok;
      return &sessions_[e - 1];
    }
    erase_session(e - 1);
    bump(counters_.sessions_expired);
  }
  if (!create) {
    *status = NatStatus::no_session;
    return nullptr;
  }
  if (size_ >= config_.max_sessions) {
    bump(counters_.table_full);
    *status = NatStatus::table_full;
    return nullptr;
  }
  NatCountMap::Slot* host = hosts_.find(inside_ip);
  if (config_.max_sessions_per_host != 0 && host != nullptr && host->count >= config_.max_sessions_per_host) {
    bump(counters_.host_limit);
    *status = NatStatus::host_limit;
    return nullptr;
  }
  const uint64_t mkey = mapping_key(p, inside_ip, inside_port);
  NatCountMap::Slot* mapping = mappings_.find(mkey);
  uint16_t ext = 0;
  if (mapping != nullptr) {
    ext = mapping->value;
  } else if (!allocate_port(p, &ext)) {
    bump(counters_.no_port);
    *status = NatStatus::no_port;
    return nullptr;
  }
  // The mapping owns `ext`, so no other endpoint's session can hold this outside key; checked anyway
  // because a duplicate outside key would send one peer's replies to another host.
  const Session probe{0, remote_ip, 0, remote_port, ext, p, 0, 0, 0};
  if (uint32_t e = find_out(outside_hash(probe), p, ext, remote_ip, remote_port)) {
    *status = NatStatus::conflict;
    (void)e;
    return nullptr;
  }
  if (mapping == nullptr) {
    port_ref(p, ext);
    mapping = mappings_.insert(mkey, ext);
  }
  if (host == nullptr) host = hosts_.insert(inside_ip, 0);
  ++mapping->count;
  ++host->count;
  const Session v{inside_ip, remote_ip, inside_port, remote_port, ext, p, kUsed, now, 0};
  *status = NatStatus::ok;
  return &sessions_[insert_session(v, now)];
}

const NatTable::Session* NatTable::inbound(NatProto proto, uint16_t external_port, uint32_t remote_ip,
                                           uint16_t remote_port, uint64_t now, bool create, NatStatus* status) {
  const auto p = static_cast<uint8_t>(proto);
  const Session probe{0, remote_ip, 0, remote_port, external_port, p, 0, 0, 0};
  if (uint32_t e = find_out(outside_hash(probe), p, external_port, remote_ip, remote_port)) {
    if (!expired(sessions_[e - 1], now)) {
      *status = NatStatus::ok;
      return &sessions_[e - 1];
    }
    erase_session(e - 1);
    bump(counters_.sessions_expired);
  }
  const NatForward* fwd = create ? find_forward(proto, external_port) : nullptr;
  if (fwd == nullptr) {
    *status = NatStatus::no_session;
    return nullptr;
  }
  if (size_ >= config_.max_sessions) {
    bump(counters_.table_full);
    *status = NatStatus::table_full;
    return nullptr;
  }
  const Session v{fwd->inside_ip, remote_ip, fwd->inside_port, remote_port, external_port, p,
                  static_cast<uint8_t>(kUsed | kForwarded), now, 0};
  // The server may already talk to this remote from the same endpoint through a dynamic mapping:
  // one inside key cannot have two sessions, so the forward loses (the packet is dropped).
  if (uint32_t e = find_in(inside_hash(v), p, v.inside_ip, v.inside_port, remote_ip, remote_port)) {
    if (!expired(sessions_[e - 1], now)) {
      *status = NatStatus::conflict;
      return nullptr;
    }
    erase_session(e - 1);
    bump(counters_.sessions_expired);
  }
  port_ref(p, external_port);
  *status = NatStatus::ok;
  return &sessions_[insert_session(v, now)];
}

void NatTable::on_packet(const Session* session, bool outbound, uint8_t tcp_flags, uint64_t now) {
  Session& s = const_cast<Session&>(*session);  // our own slot: the table hands out const views only
  if (now > s.last_seen) put(s.last_seen, now);
  if (s.proto != static_cast<uint8_t>(NatProto::tcp)) return;
  uint8_t f = s.flags;
  if ((tcp_flags & kTcpRst) != 0) {
    f |= kRst;
  } else {
    const bool syn = (tcp_flags & kTcpSyn) != 0;
    // A new connection on the same 5-tuple after a close (RFC 5382 allows the reuse): start over.
    if (syn && (tcp_flags & kTcpAck) == 0 && tcp_state(s) == NatTcpState::closing) {
      f = static_cast<uint8_t>(f & (kUsed | kForwarded));
    }
    if (syn) f |= outbound ? kSynOut : kSynIn;
    if ((tcp_flags & kTcpFin) != 0) f |= outbound ? kFinOut : kFinIn;
  }
  if (f != s.flags) {
    Session v = s;
    v.flags = f;
    write_session(s, v);
  }
}

NatTcpState NatTable::tcp_state(const Session& s) const {
  if (s.proto != static_cast<uint8_t>(NatProto::tcp)) return NatTcpState::none;
  if ((s.flags & kRst) != 0 || (s.flags & (kFinOut | kFinIn)) == (kFinOut | kFinIn)) return NatTcpState::closing;
  if ((s.flags & (kSynOut | kSynIn)) == (kSynOut | kSynIn)) return NatTcpState::established;
  return NatTcpState::transitory;
}

uint64_t NatTable::timeout_of(const Session& s) const {
  const NatTimeouts& t = config_.timeouts;
  switch (static_cast<NatProto>(s.proto)) {
    case NatProto::udp:
      return t.udp;
    case NatProto::icmp:
      return t.icmp;
    case NatProto::tcp:
      break;
  }
  switch (tcp_state(s)) {
    case NatTcpState::established:
      return t.tcp_established;
    case NatTcpState::closing:
      return t.tcp_closing;
    default:
      return t.tcp_transitory;
  }
}

void NatTable::sweep(uint64_t now, uint32_t budget) {
  const uint32_t max = config_.max_sessions;
  for (uint32_t n = 0; n < budget && n < max; ++n) {
    const uint32_t i = sweep_cursor_;
    sweep_cursor_ = i + 1 == max ? 0 : i + 1;
    const Session& s = sessions_[i];
    if ((s.flags & kUsed) != 0 && expired(s, now)) {
      erase_session(i);
      bump(counters_.sessions_expired);
    }
  }
}

const NatTable::Session* NatTable::find_inside(NatProto proto, uint32_t inside_ip, uint16_t inside_port,
                                               uint32_t remote_ip, uint16_t remote_port, uint64_t now) const {
  const auto p = static_cast<uint8_t>(proto);
  const uint32_t e =
      find_in(hash5(p, inside_ip, inside_port, remote_ip, remote_port), p, inside_ip, inside_port, remote_ip, remote_port);
  return e != 0 && !expired(sessions_[e - 1], now) ? &sessions_[e - 1] : nullptr;
}

const NatTable::Session* NatTable::find_outside(NatProto proto, uint16_t external_port, uint32_t remote_ip,
                                                uint16_t remote_port, uint64_t now) const {
  const auto p = static_cast<uint8_t>(proto);
  const Session probe{0, remote_ip, 0, remote_port, external_port, p, 0, 0, 0};
  const uint32_t e = find_out(outside_hash(probe), p, external_port, remote_ip, remote_port);
  return e != 0 && !expired(sessions_[e - 1], now) ? &sessions_[e - 1] : nullptr;
}

Result<void> NatTable::add_forward(const NatForward& f) {
  if (f.proto == NatProto::icmp || f.external_port == 0 || f.inside_port == 0) {
    return make_error(Errc::invalid_argument, "nat: a forward needs TCP or UDP and non-zero ports");
  }
  if (find_forward(f.proto, f.external_port) != nullptr) {
    return make_error(Errc::conflict, "nat: external port already forwarded");
  }
  if (port_in_use(f.proto, f.external_port)) {
    return make_error(Errc::conflict, "nat: external port in use by live sessions");
  }
  for (uint32_t i = 0; i < config_.max_forwards; ++i) {
    if (forward_used_[i]) continue;
    forwards_[i] = f;
    forward_used_[i] = true;
    forward_of_[pi(f.proto, f.external_port)] = static_cast<uint16_t>(i + 1);
    port_ref(static_cast<uint8_t>(f.proto), f.external_port);
    return {};
  }
  return make_error(Errc::invalid_argument, "nat: too many port forwards");
}

Result<void> NatTable::remove_forward(NatProto proto, uint16_t external_port) {
  if (find_forward(proto, external_port) == nullptr) return make_error(Errc::not_found, "nat: no such forward");
  const size_t i = pi(proto, external_port);
  forward_used_[forward_of_[i] - 1] = false;
  forward_of_[i] = 0;
  port_unref(static_cast<uint8_t>(proto), external_port);
  return {};
}

const NatForward* NatTable::find_forward(NatProto proto, uint16_t external_port) const {
  if (proto != NatProto::tcp && proto != NatProto::udp) return nullptr;
  const uint16_t i = forward_of_[pi(proto, external_port)];
  return i != 0 ? &forwards_[i - 1] : nullptr;
}

}  // namespace edgegw::netproto
