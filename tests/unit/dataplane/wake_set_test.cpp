// The worker's wake-up set on its own: kicks, timeouts, and an af_packet wake socket that wakes the
// waiter only while armed.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>

#include "raw_socket.hpp"
#include "wake_set.hpp"

namespace edgegw::dataplane::test {
namespace {

using Clock = std::chrono::steady_clock;

double waited_ms(WakeSet& wake, uint64_t timeout_ns, int* ready) {
  const auto t0 = Clock::now();
  *ready = wake.wait(timeout_ns);
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

TEST(WakeSet, TimesOutWithoutSourcesAndAKickEndsTheWaitAtOnce) {
  WakeSet wake;
  ASSERT_TRUE(wake.open().ok());
  int ready = -1;
  EXPECT_GE(waited_ms(wake, 3'000'000, &ready), 2.9);
  EXPECT_EQ(ready, 0);

  wake.kick();  // before the wait: edge-triggered, still reported once
  EXPECT_LT(waited_ms(wake, 2'000'000'000, &ready), 500.0);
  EXPECT_EQ(ready, 1);
  // Nothing was read from the kick fd, yet the next wait sleeps again (no level-triggered spin).
  EXPECT_GE(waited_ms(wake, 3'000'000, &ready), 2.9);
  EXPECT_EQ(ready, 0);
}

TEST(WakeSet, PacketWakeSocketWakesOnlyWhileArmed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, AF_PACKET)";
  Topology topo;
  const Host& h = topo.add_host();
  WakeSet wake;
  ASSERT_TRUE(wake.open().ok());
  std::string error;
  const int fd = open_packet_wake_socket(h.dp_if, &error);
  ASSERT_GE(fd, 0) << error;
  ASSERT_TRUE(wake.add(fd));
  RawSocket host(h);
  ASSERT_TRUE(host.ok());
  int ready = -1;

  // Disarmed (as while the worker polls): a frame does not wake, nor queue anything.
  ASSERT_TRUE(host.send({kBroadcast, h.mac, 1}));
  EXPECT_GE(waited_ms(wake, 50'000'000, &ready), 49.0);
  EXPECT_EQ(ready, 0);

  arm_packet_wake_socket(fd);
  ASSERT_TRUE(host.send({kBroadcast, h.mac, 2}));
  EXPECT_LT(waited_ms(wake, 2'000'000'000, &ready), 500.0);
  EXPECT_EQ(ready, 1);
  disarm_packet_wake_socket(fd);
  char byte;
  EXPECT_LT(::recv(fd, &byte, 1, MSG_DONTWAIT), 0) << "disarming drains what queued while armed";

  ASSERT_TRUE(host.send({kBroadcast, h.mac, 3}));
  EXPECT_GE(waited_ms(wake, 50'000'000, &ready), 49.0);
  EXPECT_EQ(ready, 0);
  wake.remove(fd);
  ::close(fd);

  EXPECT_LT(open_packet_wake_socket(topo.missing_interface_name(), &error), 0);
  EXPECT_NE(error.find("no interface"), std::string::npos) << error;
}

}  // namespace
}  // namespace edgegw::dataplane::test
