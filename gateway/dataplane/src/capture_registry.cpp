// Capture sessions on the control plane: start (pool, ring, filter, file), drain into pcapng, end
// after a grace period. The worker's part is in capture_tap.cpp.
#include "capture_registry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <cstring>
#include <optional>
#include <vector>

#include "edgegw/common/log.hpp"

namespace edgegw::dataplane {
namespace {

constexpr unsigned kDrainBurst = 64;
constexpr size_t kFlushBytes = 256 * 1024;  // flush mid-drain past this much buffered output
constexpr const char* kApplication = "edgegw capture";

uint64_t wall_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

struct CaptureRegistry::Session {
  uint32_t id = 0;
  CaptureRequest request;
  uint16_t port_id = 0;
  Phase phase = Phase::active;
  std::unique_ptr<CaptureSession> shared = std::make_unique<CaptureSession>();  // what the worker sees
  std::unique_ptr<CaptureFilter> filter;
  int fd = -1;
  PcapngWriter writer;
  uint32_t interface_id = 0;
  std::vector<uint8_t> scratch;  // a packet made contiguous for the writer
  uint64_t written = 0;
  uint64_t dropped = 0;        // final count, once done
  uint64_t start_tsc = 0;
  uint64_t start_ns = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  uint64_t token = 0;          // RCU token taken when the session left its slot
  bool write_failed = false;
  std::string end_reason;
};

CaptureRegistry::CaptureRegistry(rte_rcu_qsbr* rcu, CaptureSlots& slots, uint64_t tsc_hz, uint32_t max_frame)
    : rcu_(rcu), slots_(slots), tsc_hz_(tsc_hz), max_frame_(max_frame) {}

CaptureRegistry::~CaptureRegistry() { shutdown(); }

unsigned CaptureRegistry::active_count() const {
  unsigned n = 0;
  for (const auto& s : sessions_) n += s->phase != Phase::done ? 1 : 0;
  return n;
}

CaptureRegistry::Session* CaptureRegistry::find(uint32_t id) {
  for (auto& s : sessions_) {
    if (s->id == id) return s.get();
  }
  return nullptr;
}

Result<uint32_t> CaptureRegistry::start(const CaptureRequest& request, uint16_t port_id,
                                        const std::string& description) {
  if (request.path.empty() || request.path[0] != '/') {
    return make_error(Errc::invalid_argument, "must be an absolute path", "/path");
  }
  const auto direction = static_cast<uint8_t>(request.direction);
  if (direction == 0 || direction > static_cast<uint8_t>(CaptureDirection::both)) {
    return make_error(Errc::invalid_argument, "must be rx, tx or both", "/direction");
  }
  const uint32_t ring = request.ring_size;
  if (ring < 16 || ring > 65536 || (ring & (ring - 1)) != 0) {
    return make_error(Errc::invalid_argument, "must be a power of 2 from 16 to 65536", "/ring_size");
  }
  if (slots_.by_port_id[port_id].load(std::memory_order_relaxed) != nullptr) {
    return make_error(Errc::conflict, "port '" + request.port + "' is already being captured", "/port");
  }
  if (active_count() >= kMaxActiveCaptures) {
    return make_error(Errc::conflict, "at most " + std::to_string(kMaxActiveCaptures) + " captures run at once");
  }

  auto s = std::make_unique<Session>();
  s->id = ++next_id_;
  s->request = request;
  s->port_id = port_id;
  const uint32_t snaplen = request.snaplen == 0 || request.snaplen > max_frame_ ? max_frame_ : request.snaplen;
  if (!request.filter.empty()) {
    auto filter = CaptureFilter::compile(request.filter, snaplen);
    if (!filter) return filter.error();
    s->filter = std::move(*filter);
  }

  s->fd = ::open(request.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (s->fd < 0) {
    return make_error(Errc::io, "cannot create " + request.path + ": " + std::strerror(errno), "/path");
  }
  if (::fchmod(s->fd, 0600) != 0) {  // an existing file keeps its mode through O_CREAT
    Error e = make_error(Errc::io, "cannot chmod " + request.path + ": " + std::strerror(errno), "/path");
    release(*s);
    return e;
  }

  // Room for a full ring plus what sits in the worker's mempool cache and the copies being written.
  const unsigned mbufs = 2 * ring - 1;
  const unsigned cache = ring >= 256 ? 32 : 0;
  const std::string tag = std::to_string(s->id);
  CaptureSession& shared = *s->shared;
  shared.pool = rte_pktmbuf_pool_create(("egw_cap_p" + tag).c_str(), mbufs, cache, sizeof(CaptureMeta),
                                        static_cast<uint16_t>(snaplen + RTE_PKTMBUF_HEADROOM),
                                        static_cast<int>(rte_socket_id()));
  if (shared.pool != nullptr) {
    shared.ring = rte_ring_create(("egw_cap_r" + tag).c_str(), ring, static_cast<int>(rte_socket_id()),
                                  RING_F_SP_ENQ | RING_F_SC_DEQ);
  }
  if (shared.pool == nullptr || shared.ring == nullptr) {
    Error e = make_error(Errc::dpdk, std::string("capture buffers: ") + rte_strerror(rte_errno));
    release(*s);
    return e;
  }
  shared.filter = s->filter ? s->filter->program() : nullptr;
  shared.filter_jit = s->filter ? s->filter->jit() : nullptr;
  shared.snaplen = snaplen;
  shared.directions = direction;
  shared.limit = request.max_packets;

  s->scratch.resize(snaplen);
  s->writer.section(kApplication);
  s->interface_id = s->writer.interface(request.port, description, snaplen);
  if (auto r = s->writer.flush(s->fd); !r) {
    release(*s);
    return make_error(r.error().code, r.error().message, "/path");
  }
  if (request.duration_s != 0) s->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(request.duration_s);
  s->start_tsc = rte_get_tsc_cycles();
  s->start_ns = wall_ns();
  slots_.by_port_id[port_id].store(s->shared.get(), std::memory_order_release);

  log::info("dataplane", "capture started",
            {{"id", s->id}, {"port", request.port}, {"path", request.path}, {"filter", request.filter},
             {"snaplen", snaplen}, {"max_packets", request.max_packets}, {"duration_s", request.duration_s}});
  const uint32_t id = s->id;
  sessions_.push_back(std::move(s));
  return id;
}

uint64_t CaptureRegistry::ns_of(uint64_t tsc, const Session& s) const {
  if (tsc <= s.start_tsc || tsc_hz_ == 0) return s.start_ns;
  const unsigned __int128 elapsed = tsc - s.start_tsc;
  return s.start_ns + static_cast<uint64_t>(elapsed * 1000000000u / tsc_hz_);
}

void CaptureRegistry::drain(Session& s) {
  rte_ring* ring = s.shared->ring;
  if (ring == nullptr) return;
  rte_mbuf* pkts[kDrainBurst];
  unsigned n = 0;
  while ((n = rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(pkts), kDrainBurst, nullptr)) != 0) {
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = pkts[i];
      const uint64_t limit = s.request.max_packets;
      if (s.write_failed || (limit != 0 && s.written >= limit)) continue;
      const auto* meta = static_cast<const CaptureMeta*>(rte_mbuf_to_priv(m));
      const uint32_t len = std::min<uint32_t>(rte_pktmbuf_pkt_len(m), static_cast<uint32_t>(s.scratch.size()));
      const auto* data = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, len, s.scratch.data()));
      if (data == nullptr) continue;
      s.writer.packet(s.interface_id, ns_of(meta->tsc, s), data, len, meta->wire_len, meta->direction);
      ++s.written;
    }
    rte_pktmbuf_free_bulk(pkts, n);
    if (s.writer.buffered() >= kFlushBytes && !s.write_failed) {
      if (auto r = s.writer.flush(s.fd); !r) {
        s.write_failed = true;
        begin_end(s, r.error().message);
      }
    }
  }
}

void CaptureRegistry::begin_end(Session& s, const std::string& reason) {
  if (s.phase != Phase::active) return;
  CaptureSession* expected = s.shared.get();
  slots_.by_port_id[s.port_id].compare_exchange_strong(expected, nullptr, std::memory_order_release);
  // Taken after the store: once the worker passes it, it can no longer hold the session.
  s.token = rte_rcu_qsbr_start(rcu_);
  s.phase = Phase::ending;
  s.end_reason = reason;
}

void CaptureRegistry::poll_one(Session& s, const PortCheck& port_alive) {
  if (s.phase == Phase::done) return;
  drain(s);
  if (s.phase == Phase::active) {
    if (s.request.max_packets != 0 && s.written >= s.request.max_packets) {
      begin_end(s, "count");
    } else if (s.deadline && std::chrono::steady_clock::now() >= *s.deadline) {
      begin_end(s, "duration");
    } else if (port_alive && !port_alive(s.request.port, s.port_id)) {
      begin_end(s, "port removed");
    }
  }
  if (s.phase == Phase::ending && rte_rcu_qsbr_check(rcu_, s.token, false) == 1) {
    drain(s);  // what the worker enqueued before it let go
    finish(s);
    return;
  }
  if (s.writer.buffered() != 0 && !s.write_failed) {
    if (auto r = s.writer.flush(s.fd); !r) {
      s.write_failed = true;
      begin_end(s, r.error().message);
    }
  }
}

void CaptureRegistry::finish(Session& s) {
  s.dropped = s.shared->dropped.load(std::memory_order_relaxed);
  if (!s.write_failed) {
    const uint64_t received = s.shared->copied.load(std::memory_order_relaxed) + s.dropped;
    s.writer.stats(s.interface_id, wall_ns(), s.start_ns, received, s.dropped);
    if (auto r = s.writer.flush(s.fd); !r) s.end_reason = r.error().message;
  }
  release(s);
  s.phase = Phase::done;
  log::info("dataplane", "capture finished",
            {{"id", s.id}, {"port", s.request.port}, {"written", s.written}, {"dropped", s.dropped},
             {"reason", s.end_reason}});
}

// Keeps the newest finished sessions readable by id and forgets older ones.
void CaptureRegistry::evict_finished() {
  unsigned finished = 0;
  for (const auto& s : sessions_) finished += s->phase == Phase::done ? 1 : 0;
  for (auto it = sessions_.begin(); it != sessions_.end() && finished > kMaxFinishedCaptures;) {
    if ((*it)->phase == Phase::done) {
      it = sessions_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
}

// Frees the ring (and any copies still in it), the pool, the filter and the file descriptor.
void CaptureRegistry::release(Session& s) {
  CaptureSession& shared = *s.shared;
  if (shared.ring != nullptr) {
    void* left[kDrainBurst];
    unsigned n = 0;
    while ((n = rte_ring_sc_dequeue_burst(shared.ring, left, kDrainBurst, nullptr)) != 0) {
      rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(left), n);
    }
    rte_ring_free(shared.ring);
    shared.ring = nullptr;
  }
  if (shared.pool != nullptr) rte_mempool_free(shared.pool);
  shared.pool = nullptr;
  shared.filter = nullptr;
  shared.filter_jit = nullptr;
  s.filter.reset();
  if (s.fd >= 0) ::close(s.fd);
  s.fd = -1;
}

CaptureState CaptureRegistry::state_of(const Session& s) const {
  CaptureState st;
  st.id = s.id;
  st.port = s.request.port;
  st.path = s.request.path;
  st.written = s.written;
  st.dropped = s.phase == Phase::done ? s.dropped : s.shared->dropped.load(std::memory_order_relaxed);
  st.done = s.phase == Phase::done;
  st.end_reason = s.end_reason;
  return st;
}

Result<CaptureState> CaptureRegistry::poll(uint32_t id, const PortCheck& port_alive) {
  Session* s = find(id);
  if (s == nullptr) return make_error(Errc::not_found, "no capture " + std::to_string(id), "/id");
  poll_one(*s, port_alive);
  CaptureState st = state_of(*s);
  evict_finished();
  return st;
}

void CaptureRegistry::poll_all(const PortCheck& port_alive) {
  for (auto& s : sessions_) poll_one(*s, port_alive);
  evict_finished();
}

Result<CaptureState> CaptureRegistry::stop(uint32_t id) {
  Session* s = find(id);
  if (s == nullptr) return make_error(Errc::not_found, "no capture " + std::to_string(id), "/id");
  if (s->phase == Phase::active) begin_end(*s, "stopped");
  CaptureState st = state_of(*s);
  if (s->phase == Phase::done) {
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if ((*it)->id == id) {
        sessions_.erase(it);
        break;
      }
    }
  }
  return st;
}

void CaptureRegistry::shutdown() {
  for (auto& s : sessions_) {
    if (s->phase == Phase::done) continue;
    if (s->phase == Phase::active) {
      slots_.by_port_id[s->port_id].store(nullptr, std::memory_order_release);
      s->phase = Phase::ending;
      s->end_reason = "stopped";
    }
    drain(*s);
    finish(*s);
  }
}

}  // namespace edgegw::dataplane
