// The worker lcore: run-to-completion polling of every rx queue in the current snapshot; tx on
// queue 0 of each port (one worker owns every port).
#pragma once

#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>

#include "burst.hpp"
#include "capture_tap.hpp"
#include "counters.hpp"
#include "snapshot.hpp"
#include "wake_set.hpp"

namespace edgegw::dataplane {

// Shared between the control plane and one worker. Each member says who writes it.
struct WorkerContext {
  // Written by the control plane (publish); read by the worker once per loop.
  std::atomic<const Snapshot*>* snapshot = nullptr;
  // Set up by the control plane before launch; the worker reports quiescent on it.
  rte_rcu_qsbr* rcu = nullptr;
  unsigned rcu_thread_id = 0;
  // Written by the worker only; the control plane sums them on read.
  WorkerCounters* counters = nullptr;
  // Owned and used by the worker only (allocated by the control plane so the worker allocates nothing).
  TxBuffers* tx = nullptr;
  unsigned idle_spins = 256;
  unsigned idle_sleep_max_us = 200;
  // Set up by the control plane before launch (it adds and removes ports' fds); the worker blocks
  // in it when idle. Kicked by the control plane after every publish and at stop.
  WakeSet* wake = nullptr;
  // Set up by the control plane before launch; the rx capture tap reads a port's slot per burst.
  const CaptureSlots* capture = nullptr;
  // Set up by the control plane before launch: frames it sends as the gateway (Dataplane::inject);
  // it enqueues, the worker dequeues once per loop.
  rte_ring* inject = nullptr;

  std::atomic<bool> stop_requested{false};  // written by the control plane
  std::atomic<int> tid{0};                  // written by the worker when it starts
};

// The lcore entry point for rte_eal_remote_launch; `arg` is a WorkerContext*.
int worker_main(void* arg);

}  // namespace edgegw::dataplane
