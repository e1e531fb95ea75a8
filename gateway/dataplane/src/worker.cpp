// Worker loop: read the clock and the snapshot once, poll every port, report quiescent, back off
// when idle.
#include "worker.hpp"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "idle_backoff.hpp"
#include "pipeline.hpp"

namespace edgegw::dataplane {
namespace {

// FDB slots examined for ageing per network per loop: enough to sweep a 4096-entry table many
// times a minute even when idle, small enough to be noise next to one burst.
constexpr uint32_t kSweepSlotsPerLoop = 16;

}  // namespace

int worker_main(void* arg) {
  WorkerContext& ctx = *static_cast<WorkerContext*>(arg);
  ctx.tid.store(rte_sys_gettid(), std::memory_order_release);

  Pipeline pipeline(*ctx.counters, *ctx.tx);
  IdleBackoff idle(ctx.idle_spins, ctx.idle_sleep_max_us);
  Burst burst;
  rte_rcu_qsbr_thread_online(ctx.rcu, ctx.rcu_thread_id);

  while (!ctx.stop_requested.load(std::memory_order_relaxed)) {
    const uint64_t now = rte_get_tsc_cycles();
    const Snapshot& tables = *ctx.snapshot->load(std::memory_order_acquire);
    unsigned received = 0;
    for (uint16_t i = 0; i < tables.ports.size(); ++i) {
      burst.count = rte_eth_rx_burst(tables.ports[i].port_id, 0, burst.pkts, kBurstSize);
      if (burst.count == 0) continue;
      received += burst.count;
      burst.ingress = i;
      pipeline.run(tables, burst, now);
    }
    for (const SnapshotNetwork& net : tables.networks) net.fdb->sweep(now, net.aging_ticks, kSweepSlotsPerLoop);

    // Nothing from `tables` is used past this point.
    rte_rcu_qsbr_quiescent(ctx.rcu, ctx.rcu_thread_id);
    bump(ctx.counters->loops);

    if (received != 0) {
      idle.on_traffic();
      continue;
    }
    if (unsigned sleep_us = idle.on_empty_loop(); sleep_us != 0) {
      // Offline while asleep so a grace period never waits for our wake-up.
      rte_rcu_qsbr_thread_offline(ctx.rcu, ctx.rcu_thread_id);
      rte_delay_us_sleep(sleep_us);
      rte_rcu_qsbr_thread_online(ctx.rcu, ctx.rcu_thread_id);
      bump(ctx.counters->idle_sleeps);
    }
  }
  rte_rcu_qsbr_thread_offline(ctx.rcu, ctx.rcu_thread_id);
  return 0;
}

}  // namespace edgegw::dataplane
