// Worker loop: read the clock and the snapshot once, poll every rx queue, report quiescent, and
// when idle block until a port has traffic.
//
// Power-aware polling: after `idle_spins` empty loops the worker arms every wake-up source of the
// snapshot (rx interrupts, af_packet wake sockets; see WakeSet), polls once more so a packet that
// arrived before arming is not left waiting, then blocks in the WakeSet. Any source, a publish
// (kick) or the timeout wakes it; it disarms and goes back to busy polling. Arming and disarming are
// the only system calls, and they happen only on these transitions, never while traffic flows.
//
// RCU: the worker stays online while it sleeps. The snapshot it armed names wake sockets that must
// stay open until it has disarmed them, so its grace period must include the sleep; the control
// plane kicks the worker after every publish, which ends the sleep within one wake-up.
#include "worker.hpp"

#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "idle_backoff.hpp"
#include "pipeline.hpp"
#include "slice_state.hpp"

namespace edgegw::dataplane {
namespace {

// FDB slots examined for ageing per network per loop: enough to sweep a 4096-entry table many
// times a minute even when idle, small enough to be noise next to one burst.
constexpr uint32_t kSweepSlotsPerLoop = 16;

// Longest sleep when every queue can wake the worker: only a safety net (a lost interrupt, a vhost
// guest whose fds are not registered yet) and the pace of FDB ageing while idle.
constexpr uint64_t kSafetySleepNs = 20'000'000;

class Poller {
 public:
  explicit Poller(WorkerContext& ctx) : ctx_(ctx), pipeline_(*ctx.counters, *ctx.tx) {}

  // One pass over every rx queue; returns the packets received (and forwarded or dropped). `now`
  // is when the pass began. Busy time is counted per burst that received packets, from its rx call
  // to the end of its transmit (as testpmd --record-core-cycles counts): an empty poll is idle time
  // even when another queue of the same pass was busy. The end of one busy burst is the start of the
  // next poll, so a clock read is paid per busy burst and after an empty poll, not per poll.
  unsigned poll(const Snapshot& tables, uint64_t now) {
    unsigned received = 0;
    uint64_t start = now;
    bool start_valid = true;
    for (const SnapshotRxQueue& q : tables.rx_queues) {
      if (!start_valid) start = rte_get_tsc_cycles();
      burst_.count = rte_eth_rx_burst(q.port_id, q.queue, burst_.pkts, kBurstSize);
      start_valid = burst_.count != 0;
      if (burst_.count == 0) continue;
      const uint16_t count = burst_.count;
      capture_tap(ctx_.capture, q.port_id, CaptureDirection::rx, burst_.pkts, count);
      burst_.ingress = q.ingress;
      pipeline_.run(tables, burst_, now);
      const uint64_t end = rte_get_tsc_cycles();
      bump(ctx_.counters->busy_cycles, end - start);
      bump(ctx_.counters->busy_packets, count);
      received += count;
      start = end;
    }
    return received;
  }

  // The shaped ports' schedulers: sends what they release now; returns how many frames that was.
  // `*backlogged` is true while frames wait in them (the worker must not sleep then).
  unsigned service_shapers(const Snapshot& tables, bool* backlogged) {
    *backlogged = false;
    if (tables.shaped_ports.empty()) return 0;
    return pipeline_.service_shapers(tables, rte_get_tsc_cycles(), backlogged);
  }

  // A new slicing state (the slices or shapers changed): the frames queued in the one used last
  // move into the new queues before anything else is sent. The last one is still alive: it was
  // retired with a snapshot this worker has not yet reported quiescent after.
  void follow_slicing(const Snapshot& tables, uint64_t now) {
    SliceState* current = tables.slicing.get();
    if (current == last_slicing_) return;
    if (last_slicing_ != nullptr && current != nullptr) slice_migrate(*last_slicing_, *current, tables, now, *ctx_.counters);
    last_slicing_ = current;
  }

  // Sends what the control plane queued (DHCP replies); returns how many frames that was.
  unsigned inject(const Snapshot& tables, uint64_t now) {
    if (ctx_.inject == nullptr) return 0;
    const auto count = static_cast<uint16_t>(
        rte_ring_dequeue_burst(ctx_.inject, reinterpret_cast<void**>(burst_.pkts), kBurstSize, nullptr));
    if (count != 0) pipeline_.inject(tables, burst_.pkts, count, now);
    return count;
  }

  // Arms the wake-up sources, polls once more and, when that finds nothing, sleeps up to
  // `timeout_ns` and polls after waking. Returns what those polls received (counted as busy).
  unsigned sleep_until_traffic(const Snapshot& tables, uint64_t timeout_ns) {
    for (const SnapshotRxQueue& q : tables.rx_queues) {
      if (q.rx_interrupt) rte_eth_dev_rx_intr_enable(q.port_id, q.queue);
    }
    for (int fd : tables.wake_sockets) arm_packet_wake_socket(fd);

    unsigned received = poll(tables, rte_get_tsc_cycles());
    if (received == 0) {
      ctx_.wake->wait(timeout_ns);
      bump(ctx_.counters->idle_sleeps);
      // Forward what woke us before paying for the disarming system calls, unless a publish woke
      // us: then the next loop polls with the new snapshot (a frame sent after apply() returned
      // must not meet the old one).
      if (ctx_.snapshot->load(std::memory_order_acquire) == &tables) received = poll(tables, rte_get_tsc_cycles());
    }

    for (int fd : tables.wake_sockets) disarm_packet_wake_socket(fd);
    for (const SnapshotRxQueue& q : tables.rx_queues) {
      if (q.rx_interrupt) rte_eth_dev_rx_intr_disable(q.port_id, q.queue);
    }
    return received;
  }

 private:
  WorkerContext& ctx_;
  Pipeline pipeline_;
  Burst burst_;
  SliceState* last_slicing_ = nullptr;
};

void count_long_loop(WorkerCounters& c, uint64_t cycles) {
  bump(c.long_loops);
  bump(c.long_loop_cycles, cycles);
  if (cycles > c.longest_loop_cycles.load(std::memory_order_relaxed)) {
    c.longest_loop_cycles.store(cycles, std::memory_order_relaxed);
  }
}

}  // namespace

int worker_main(void* arg) {
  WorkerContext& ctx = *static_cast<WorkerContext*>(arg);
  ctx.tid.store(rte_sys_gettid(), std::memory_order_release);
  // Short naps (ports without a wake-up source) must not be stretched by the default 50 us slack.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  Poller poller(ctx);
  IdleBackoff idle(ctx.idle_spins, ctx.idle_sleep_max_us);
  rte_rcu_qsbr_thread_online(ctx.rcu, ctx.rcu_thread_id);

  const uint64_t long_loop = rte_get_tsc_hz() / 1000;  // 1 ms
  uint64_t loop_start = rte_get_tsc_cycles();
  bool slept = false;
  while (!ctx.stop_requested.load(std::memory_order_relaxed)) {
    const uint64_t now = rte_get_tsc_cycles();
    if (const uint64_t took = now - loop_start; took > long_loop && !slept) count_long_loop(*ctx.counters, took);
    loop_start = now;
    slept = false;
    const Snapshot& tables = *ctx.snapshot->load(std::memory_order_acquire);
    poller.follow_slicing(tables, now);
    bool backlogged = false;
    if (poller.poll(tables, now) + poller.inject(tables, now) + poller.service_shapers(tables, &backlogged) != 0 ||
        backlogged || tables.keep_polling) {
      idle.on_traffic();
    } else if (unsigned nap_us = idle.on_empty_loop(); nap_us != 0) {
      // With a wake-up source on every queue the sleep lasts until traffic; otherwise it is a nap
      // that doubles up to idle_sleep_max_us, bounding the first packet's wait.
      const uint64_t timeout_ns = tables.all_queues_wake ? kSafetySleepNs : uint64_t{nap_us} * 1000;
      slept = true;
      if (poller.sleep_until_traffic(tables, timeout_ns) != 0) idle.on_traffic();
    }
    age_fdbs(tables, now, kSweepSlotsPerLoop);

    // Nothing from `tables` is used past this point.
    rte_rcu_qsbr_quiescent(ctx.rcu, ctx.rcu_thread_id);
    bump(ctx.counters->loops);
  }
  rte_rcu_qsbr_thread_offline(ctx.rcu, ctx.rcu_thread_id);
  return 0;
}

}  // namespace edgegw::dataplane
