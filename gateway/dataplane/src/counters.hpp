// Per-worker, per-port counters. Each worker lcore owns one WorkerCounters and is the only writer
// of it (a relaxed load + store, which compiles to a plain add: no lock prefix, no shared line with
// another writer). The control plane sums all workers on read, so readers never slow the workers.
// Cells are indexed by DPDK port id, which is stable for a device's lifetime; when a port id is
// reused by a new device the control plane subtracts a baseline taken at its creation.
#pragma once

#include <rte_config.h>

#include <atomic>
#include <cstdint>

#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::dataplane {

using Counter = std::atomic<uint64_t>;

// Single-writer increment: the worker is the only writer, so no read-modify-write atomics needed.
inline void bump(Counter& c, uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

struct alignas(64) PortCounterCells {
  Counter rx_packets{0};
  Counter rx_bytes{0};
  Counter tx_packets{0};
  Counter tx_bytes{0};
  Counter drops[kDropReasonCount] = {};

  Counter& drop(DropReason reason) { return drops[static_cast<unsigned>(reason)]; }
};

struct WorkerCounters {
  PortCounterCells ports[RTE_MAX_ETHPORTS];
  alignas(64) Counter loops{0};
  Counter idle_sleeps{0};
  // Loops that took over 1 ms without sleeping: the worker's CPU was taken from it (an interrupt
  // storm, another task, or on a VM the host stopping the vCPU), or one loop's work was that long.
  Counter long_loops{0};
  Counter long_loop_cycles{0};      // their total length
  Counter longest_loop_cycles{0};
  Counter busy_cycles{0};   // TSC cycles of rx bursts that received packets, rx call to tx flush
  Counter busy_packets{0};  // packets those bursts received
  // Route stage (see RouterCounters)
  Counter routed{0};
  Counter arp_replies{0};
  Counter arp_requests{0};
  Counter icmp_echo_replies{0};
  Counter icmp_errors{0};
  Counter icmp_rate_limited{0};
  Counter neighbor_table_full{0};
  Counter arp_replies_received{0};
  Counter fragmented{0};
  Counter fragments{0};
  Counter punted{0};
  Counter injected{0};
  Counter inject_stale{0};
  Counter routed6{0};
  Counter nd_adverts{0};
  Counter nd_solicits{0};
  Counter nd_adverts_received{0};
  // Drops of frames the switch itself sends (injected by the control plane): no ingress port.
  PortCounterCells local;
  // Security groups
  Counter conntrack_full{0};  // an allowed flow not remembered: the connection table was full
};

// Adds one worker's cells for a port into `out` (relaxed reads; a sum may be a few packets stale).
void accumulate(const PortCounterCells& cells, PortCounters* out);

// out = a - b, field by field (a baseline taken when a port id was given to a new device).
PortCounters subtract(const PortCounters& a, const PortCounters& b);

}  // namespace edgegw::dataplane
