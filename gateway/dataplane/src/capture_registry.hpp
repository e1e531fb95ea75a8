// The control plane's side of packet capture: starts sessions (capture pool, ring, filter, file),
// publishes them in the worker's per-port slots, drains their rings into pcapng files, ends them and
// frees what they hold once the worker can no longer see them.
//
// Threading: control plane only. Nothing here waits for the worker: an ending session leaves its
// slot at once, and its ring and pool are freed by a later poll, after an RCU grace period.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "capture_filter.hpp"
#include "capture_pcapng.hpp"
#include "capture_tap.hpp"
#include "edgegw/common/result.hpp"
#include "edgegw/dataplane/capture.hpp"

struct rte_rcu_qsbr;

namespace edgegw::dataplane {

constexpr unsigned kMaxActiveCaptures = 4;   // sessions holding a ring and a pool at once
constexpr unsigned kMaxFinishedCaptures = 16;  // finished sessions kept readable by id

class CaptureRegistry {
 public:
  // `max_frame` caps snaplen (no frame is longer); `tsc_hz` converts the worker's timestamps.
  CaptureRegistry(rte_rcu_qsbr* rcu, CaptureSlots& slots, uint64_t tsc_hz, uint32_t max_frame);
  ~CaptureRegistry();
  CaptureRegistry(const CaptureRegistry&) = delete;
  CaptureRegistry& operator=(const CaptureRegistry&) = delete;

  // `port_id` is the port's DPDK port id (it must be up); `description` goes into the file.
  Result<uint32_t> start(const CaptureRequest& request, uint16_t port_id, const std::string& description);

  // True while the session's port still has this device; a session whose port went away ends.
  using PortCheck = std::function<bool(const std::string& port, uint16_t port_id)>;
  Result<CaptureState> poll(uint32_t id, const PortCheck& port_alive);
  void poll_all(const PortCheck& port_alive);
  // Asks the session to end (poll finishes it); a finished one is forgotten.
  Result<CaptureState> stop(uint32_t id);

  // The workers are stopped: drains, closes and frees every session now, without a grace period.
  void shutdown();

 private:
  enum class Phase { active, ending, done };
  struct Session;

  void drain(Session& s);
  void poll_one(Session& s, const PortCheck& port_alive);
  void begin_end(Session& s, const std::string& reason);
  void finish(Session& s);
  void release(Session& s);
  void evict_finished();
  CaptureState state_of(const Session& s) const;
  uint64_t ns_of(uint64_t tsc, const Session& s) const;
  Session* find(uint32_t id);
  unsigned active_count() const;

  rte_rcu_qsbr* rcu_;
  CaptureSlots& slots_;
  uint64_t tsc_hz_;
  uint32_t max_frame_;
  uint32_t next_id_ = 0;
  std::deque<std::unique_ptr<Session>> sessions_;  // oldest first
};

}  // namespace edgegw::dataplane
