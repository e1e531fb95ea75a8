// Crafted Ethernet frames through AF_PACKET sockets opened inside a host's namespace, for tests that
// must count exactly what was sent and what came out (and prove what must not come out did not).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "netns_topology.hpp"

namespace edgegw::dataplane::test {

// IEEE 802 local experimental EtherType: nothing in a kernel reacts to it.
constexpr uint16_t kTestEtherType = 0x88B5;

extern const Mac kBroadcast;

struct TestFrame {
  Mac dst{};
  Mac src{};
  uint32_t seq = 0;
  size_t size = 60;  // whole frame without FCS
};

// The frame's bytes: dst, src, kTestEtherType, then a magic, this process's run tag and seq.
std::vector<uint8_t> build_frame(const TestFrame& f);

class RawSocket {
 public:
  // Bound to `host.host_if` inside `host.ns`, receiving only kTestEtherType frames of this run.
  explicit RawSocket(const Host& host);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }  // for tests that need socket options (timestamps) of their own
  bool send(const TestFrame& f);

  // Frames that arrived from the wire (not our own), of this run, until `count` are in or nothing
  // arrived for `quiet`. Returns the sequence numbers in arrival order.
  std::vector<uint32_t> receive(size_t count, std::chrono::milliseconds quiet = std::chrono::milliseconds(300));
  // Everything that arrives within `window` (to show that nothing does).
  std::vector<uint32_t> receive_for(std::chrono::milliseconds window);

 private:
  bool receive_one(int timeout_ms, uint32_t* seq);

  int fd_ = -1;
};

}  // namespace edgegw::dataplane::test
