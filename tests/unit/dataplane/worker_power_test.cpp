// Power-aware polling, measured on af_packet ports between two namespaces: the idle worker's CPU,
// how long the first frame after an idle spell takes compared with a frame the polling worker
// catches, and that a moderate stream starting from idle loses nothing.
//
// Latency is one-way, from just before send() in one namespace to the kernel's receive timestamp
// (SO_TIMESTAMPNS, CLOCK_REALTIME) in the other: both ends read the same clock, and the test
// thread's own wake-up delays do not count.
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "raw_socket.hpp"
#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

int64_t realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

uint32_t get32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }

// Spins (MSG_DONTWAIT) until a test frame of this run with sequence `want` arrives or `timeout_ms`
// passes; returns its kernel receive time, or -1. Spinning lets the caller send the next frame
// within microseconds of this one's arrival.
int64_t receive_timestamped(int fd, uint32_t want, int timeout_ms) {
  const int64_t deadline = realtime_ns() + int64_t{timeout_ms} * 1000000;
  uint8_t buf[2048];
  alignas(cmsghdr) char control[256];
  while (realtime_ns() < deadline) {
    sockaddr_ll from{};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 26 || from.sll_pkttype == PACKET_OUTGOING) continue;
    if (get32(buf + 14) != 0x45475754 || get32(buf + 18) != static_cast<uint32_t>(::getpid())) continue;
    if (get32(buf + 22) != want) continue;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
      }
    }
    return -1;
  }
  return -1;
}

int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

double percentile_us(std::vector<int64_t> ns, double p) {
  if (ns.empty()) return -1;
  std::sort(ns.begin(), ns.end());
  size_t i = std::min(ns.size() - 1, static_cast<size_t>(p * static_cast<double>(ns.size())));
  return static_cast<double>(ns[i]) / 1000.0;
}

class WorkerPowerTest : public DataplaneTest {
 protected:
  void SetUp() override {
    DataplaneTest::SetUp();
    if (dp_ == nullptr) return;
    a_ = &topo_.add_host();
    b_ = &topo_.add_host();
    const SwitchSpec spec{{af_packet_port("pa", *a_), af_packet_port("pb", *b_)}, {bridge("lan", {"pa", "pb"})}};
    ASSERT_TRUE(dp_->apply(spec).ok());
    ASSERT_TRUE(drain_reclaim(*dp_));
  }

  Topology topo_;
  const Host* a_ = nullptr;
  const Host* b_ = nullptr;
};

TEST_F(WorkerPowerTest, IdleWorkerUsesLessThanFivePercentOfACore) {
  const int tid = dp_->status().worker_tids.at(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const DataplaneStatus s0 = dp_->status();
  const uint64_t cpu0 = thread_cpu_ns(tid);
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const uint64_t cpu1 = thread_cpu_ns(tid);
  const double wall_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  const DataplaneStatus s1 = dp_->status();
  const double percent = static_cast<double>(cpu1 - cpu0) / wall_ns * 100;
  std::printf("[ power    ] idle_cpu_percent=%.3f sleeps_per_s=%.0f\n", percent,
              static_cast<double>(s1.worker_idle_sleeps - s0.worker_idle_sleeps) * 1e9 / wall_ns);
  RecordProperty("idle_cpu_percent", std::to_string(percent));
  EXPECT_GT(cpu1, cpu0) << "schedstat did not move: wrong thread?";
  EXPECT_LT(percent, 5.0);
}

// How late this machine runs a thread blocked in read() on an eventfd after the write, `count`
// times 3 ms apart: the scheduling share of any wake-up here.
std::vector<int64_t> thread_wake_latencies(int count) {
  const int efd = ::eventfd(0, EFD_CLOEXEC);
  std::vector<int64_t> written(static_cast<size_t>(count)), woke(static_cast<size_t>(count));
  std::thread sleeper([&] {
    for (int i = 0; i < count; ++i) {
      uint64_t v = 0;
      if (::read(efd, &v, sizeof v) != sizeof v) return;
      woke[static_cast<size_t>(i)] = realtime_ns();
    }
  });
  for (int i = 0; i < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    const uint64_t one = 1;
    written[static_cast<size_t>(i)] = realtime_ns();
    if (::write(efd, &one, sizeof one) != sizeof one) break;
    while (woke[static_cast<size_t>(i)] == 0 && realtime_ns() < written[static_cast<size_t>(i)] + 100000000) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  sleeper.join();
  ::close(efd);
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i) out.push_back(woke[static_cast<size_t>(i)] - written[static_cast<size_t>(i)]);
  return out;
}

// Reads every timestamped test frame queued on `fd` (non-blocking) into rx_ns[seq - first].
void collect_timestamps(int fd, uint32_t first, std::vector<int64_t>& rx_ns) {
  for (uint32_t i = 0; i < rx_ns.size(); ++i) {
    const int64_t t = receive_timestamped(fd, first + i, 50);
    if (t >= 0) rx_ns[i] = t;
  }
}

// Wake-up: one frame A->B after the worker slept for 3 ms, 200 times. Busy path: trains of 20
// frames 2 us apart (plus the send itself), which keep the worker polling; only trains during
// which it slept at most once (before the first frame) count.
//
// Bounds: wake-up p50 and p90 at most 100 us over the busy path's. The target is the same at p99,
// which is measured and reported but not asserted: this VM has 2 vCPUs shared with four parallel
// builds and benchmarks that spin pinned threads on both (load average 7-9 while this was
// written); a woken thread, or the sender's softirq, then waits up to several ms for a CPU, and
// 200 samples put p99 on two of them. Wake-up samples and busy trains alternate so both see the
// same load (the busy path shows the same ms tail); with the safety timeout raised to 500 ms the
// tail stayed the same, so no wake-up is missed. How late the machine runs a plain blocked thread
// is printed for scale. A wake-up path that did not work would leave frames to the 20 ms safety
// timeout and fail the bounds.
TEST_F(WorkerPowerTest, WakeUpCostsLittleOverTheBusyPath) {
  RawSocket sa(*a_);
  RawSocket sb(*b_);
  ASSERT_TRUE(sa.ok() && sb.ok());
  const int on = 1;
  ASSERT_EQ(::setsockopt(sb.fd(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on), 0);
  // Teach the FDB where B is, so the frames go only there.
  ASSERT_TRUE(sb.send({a_->mac, b_->mac, 1000000}));
  ASSERT_EQ(sa.receive(1).size(), 1u);

  // Wake-up samples and busy trains alternate, so that both see the same machine load.
  constexpr int kSamples = 200;
  constexpr uint32_t kTrain = 20;
  constexpr int64_t kTrainGapNs = 2000;
  std::vector<int64_t> wake;
  std::vector<int64_t> busy;
  int lost = 0;
  uint32_t seq = 100000;
  for (uint32_t i = 0; i < kSamples; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    const uint64_t sleeps_before = dp_->status().worker_idle_sleeps;
    const int64_t sent = realtime_ns();
    sa.send({b_->mac, a_->mac, i});
    const int64_t arrived = receive_timestamped(sb.fd(), i, 200);
    if (arrived < 0) {
      ++lost;
    } else if (dp_->status().worker_idle_sleeps > sleeps_before) {
      wake.push_back(arrived - sent);
    }

    if (i % 2 != 0) continue;  // a train every other sample: ~19 busy samples per train
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    std::vector<int64_t> train_sent(kTrain), train_arrived(kTrain, -1);
    const uint64_t train_sleeps_before = dp_->status().worker_idle_sleeps;
    for (uint32_t k = 0; k < kTrain; ++k) {
      train_sent[k] = realtime_ns();
      sa.send({b_->mac, a_->mac, seq + k});
      while (realtime_ns() < train_sent[k] + kTrainGapNs) {
      }
    }
    collect_timestamps(sb.fd(), seq, train_arrived);
    seq += kTrain;
    // One sleep is the one before the first frame; more mean the train lost the CPU midway.
    if (dp_->status().worker_idle_sleeps - train_sleeps_before > 1) continue;
    for (uint32_t k = 1; k < kTrain; ++k) {
      if (train_arrived[k] >= 0) busy.push_back(train_arrived[k] - train_sent[k]);
    }
  }

  const double wake_p50 = percentile_us(wake, 0.5), wake_p90 = percentile_us(wake, 0.9);
  const double wake_p99 = percentile_us(wake, 0.99);
  const double busy_p50 = percentile_us(busy, 0.5), busy_p90 = percentile_us(busy, 0.9);
  const double busy_p99 = percentile_us(busy, 0.99);
  std::printf("[ power    ] wake_latency_p50_us=%.1f wake_latency_p90_us=%.1f wake_latency_p99_us=%.1f "
              "wake_latency_max_us=%.1f wake_samples=%zu lost=%d\n",
              wake_p50, wake_p90, wake_p99, percentile_us(wake, 1.0), wake.size(), lost);
  std::printf("[ power    ] busy_latency_p50_us=%.1f busy_latency_p90_us=%.1f busy_latency_p99_us=%.1f "
              "busy_samples=%zu\n",
              busy_p50, busy_p90, busy_p99, busy.size());
  RecordProperty("wake_latency_p99_us", std::to_string(wake_p99));
  RecordProperty("busy_latency_p99_us", std::to_string(busy_p99));
  EXPECT_EQ(lost, 0);
  ASSERT_GE(wake.size(), static_cast<size_t>(kSamples * 9 / 10)) << "the worker was not asleep before most frames";
  ASSERT_GE(busy.size(), static_cast<size_t>(kTrain - 1)) << "no train kept the worker polling";
  const std::vector<int64_t> thread_wake = thread_wake_latencies(kSamples);
  std::printf("[ power    ] thread_wake_p50_us=%.1f thread_wake_p90_us=%.1f thread_wake_p99_us=%.1f "
              "(this machine, now)\n",
              percentile_us(thread_wake, 0.5), percentile_us(thread_wake, 0.9), percentile_us(thread_wake, 0.99));
  EXPECT_LE(wake_p50, busy_p50 + 100.0);
  EXPECT_LE(wake_p90, busy_p90 + 100.0);
}

// 5 kpps for 2 s, three times, each starting after an idle spell: every frame arrives. At 200 us
// spacing the worker may fall asleep between frames, so this is thousands of wake-ups per run.
TEST_F(WorkerPowerTest, ModerateStreamFromIdleLosesNothing) {
  RawSocket sa(*a_);
  RawSocket sb(*b_);
  ASSERT_TRUE(sa.ok() && sb.ok());
  ASSERT_TRUE(sb.send({a_->mac, b_->mac, 0xfffffff0}));
  ASSERT_EQ(sa.receive(1).size(), 1u);

  constexpr uint32_t kFrames = 10000;
  constexpr int64_t kGapNs = 200000;
  const DataplaneStatus start = dp_->status();
  for (int run = 0; run < 3; ++run) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const uint64_t sleeps0 = dp_->status().worker_idle_sleeps;
    const PortStatus before = port_status(*dp_, "pb");
    const PortStatus ingress_before = port_status(*dp_, "pa");
    uint32_t send_failures = 0;
    int64_t next = monotonic_ns();
    for (uint32_t seq = 0; seq < kFrames; ++seq) {
      if (!sa.send({b_->mac, a_->mac, static_cast<uint32_t>(run) << 16 | seq})) ++send_failures;
      // Never faster than 5 kpps: when this thread was kept off the CPU it resumes the pace
      // instead of catching up with a burst (that would be a test of ring sizes, not of waking).
      next = std::max(next + kGapNs, monotonic_ns());
      timespec until{static_cast<time_t>(next / 1000000000), static_cast<long>(next % 1000000000)};
      ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
    }
    std::vector<uint32_t> got = sb.receive(kFrames, std::chrono::milliseconds(500));
    const PortStatus after = port_status(*dp_, "pb");
    const uint64_t ring_missed = port_status(*dp_, "pa").hw_rx_missed - ingress_before.hw_rx_missed;
    const uint64_t sleeps = dp_->status().worker_idle_sleeps - sleeps0;
    std::printf("[ power    ] run %d: %zu/%u frames arrived, worker slept %lu times, ingress ring overflowed by %lu\n",
                run, got.size(), kFrames, static_cast<unsigned long>(sleeps), static_cast<unsigned long>(ring_missed));
    EXPECT_EQ(send_failures, 0u);
    EXPECT_EQ(got.size(), kFrames) << "run " << run;
    EXPECT_EQ(after.counters.drops_total(), before.counters.drops_total());
    EXPECT_GT(sleeps, 0u) << "the stream never found the worker asleep: not a wake-up test";
  }
  // Every forwarded frame was received in a loop whose cycles count as busy.
  const DataplaneStatus end = dp_->status();
  const uint64_t packets = end.busy_packets - start.busy_packets;
  const uint64_t cycles = end.busy_cycles - start.busy_cycles;
  ASSERT_GT(end.tsc_hz, 0u);
  EXPECT_GE(packets, 3u * kFrames);
  EXPECT_LT(packets, 3u * kFrames + 100) << "only the stream (and little else) crossed the worker";
  ASSERT_GT(cycles, 0u);
  const double ns_per_packet = static_cast<double>(cycles) / static_cast<double>(packets) * 1e9 /
                               static_cast<double>(end.tsc_hz);
  std::printf("[ power    ] busy_ns_per_packet=%.0f (single frames: rx, bridge, one af_packet send each)\n",
              ns_per_packet);
  EXPECT_LT(ns_per_packet, 1e6) << "a millisecond per frame: busy cycles include sleeps";
}

}  // namespace
}  // namespace edgegw::dataplane::test
