// The worker's side of packet capture: the per-port session slots it reads once per burst and the
// copy of matching packets into a session's ring.
//
// Threading and lifetime (who writes what):
// - CaptureSlots::by_port_id: written by the control plane (release store when a session starts,
//   nullptr when it ends); read by the worker with one acquire load per burst and used only within
//   that worker loop. The control plane frees a session only after rte_rcu_qsbr says the worker
//   passed a token taken after the nullptr store (the same RCU as the snapshots).
// - CaptureSession's configuration: written by the control plane before the session is published,
//   constant while it is.
// - CaptureSession's counters: written by the worker only (single-writer bump), read by the control
//   plane.
// - The ring: single producer (the worker), single consumer (the control plane).
#pragma once

#include <rte_config.h>

#include <array>
#include <atomic>
#include <cstdint>

#include "counters.hpp"
#include "edgegw/dataplane/capture.hpp"

struct rte_bpf;
struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace edgegw::dataplane {

// Stored in the private area of each capture mbuf by the worker: what the file needs besides bytes.
struct CaptureMeta {
  uint64_t tsc = 0;       // when the worker saw the packet (TSC cycles)
  uint32_t wire_len = 0;  // the packet's length before snaplen truncation
  uint8_t direction = 0;  // CaptureDirection::rx or ::tx
  uint8_t pad[3] = {};
};
static_assert(sizeof(CaptureMeta) % 8 == 0, "mbuf private areas are 8-byte aligned units");

struct CaptureSession {
  // Configuration: constant while the session is published.
  rte_ring* ring = nullptr;
  rte_mempool* pool = nullptr;
  const rte_bpf* filter = nullptr;                // nullptr: every packet matches
  uint64_t (*filter_jit)(void*) = nullptr;        // the filter's native code, when the JIT made one
  uint32_t snaplen = 0;
  uint8_t directions = 0;                         // CaptureDirection bits
  uint64_t limit = 0;                             // copies to make at most; 0 = no limit

  // Written by the worker only.
  alignas(64) Counter copied{0};   // enqueued into the ring
  Counter dropped{0};              // matched, but the ring was full or the pool empty
};

struct CaptureSlots {
  std::array<std::atomic<CaptureSession*>, RTE_MAX_ETHPORTS> by_port_id{};
};

// Copies the packets of `pkts` that the session wants into its ring (never blocks, never touches
// the originals). n <= kBurstSize.
void capture_burst(CaptureSession& session, CaptureDirection direction, rte_mbuf* const* pkts, uint16_t n);

// The hook: one load and a predicted-not-taken branch when no session watches the port.
inline void capture_tap(const CaptureSlots* slots, uint16_t port_id, CaptureDirection direction,
                        rte_mbuf* const* pkts, uint16_t n) {
  if (slots == nullptr || n == 0) return;
  CaptureSession* session = slots->by_port_id[port_id].load(std::memory_order_acquire);
  if (__builtin_expect(session == nullptr, 1)) return;
  capture_burst(*session, direction, pkts, n);
}

}  // namespace edgegw::dataplane
