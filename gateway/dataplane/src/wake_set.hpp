// What wakes an idle worker: one epoll set that every port can make readable. The worker blocks in
// it only after a spell without traffic, so a busy port never pays a system call.
//
// Sources, registered edge-triggered (nothing is ever read from them on wake-up, so none can stay
// "ready" and turn the sleep into a spin):
// - rx interrupt fds of queues whose PMD offers them (net_tap: the queue's tap fd; net_vhost: the
//   guest's kick eventfd; most NICs: an eventfd bound to the queue's MSI-X vector);
// - one AF_PACKET "wake" socket per af_packet port (af_packet has no rx interrupt): bound to the
//   port's interface, with a filter that rejects every frame while the worker is busy and accepts
//   a 1-byte snap of each frame while it sleeps (switched only on sleep/wake transitions);
// - a kick eventfd the control plane writes after a publish (a new snapshot may have new ports to
//   arm and old ones whose grace period waits for the worker) and at stop.
//
// Threading: the control plane creates and destroys the set and adds/removes fds (epoll_ctl is
// thread-safe against a concurrent epoll_wait); the EAL interrupt thread re-adds a vhost port's
// fds when its guest (re)connects and kicks; the worker waits and arms/disarms.
#pragma once

#include <cstdint>
#include <string>

#include "edgegw/common/result.hpp"

namespace edgegw::dataplane {

class WakeSet {
 public:
  WakeSet() = default;
  ~WakeSet();
  WakeSet(const WakeSet&) = delete;
  WakeSet& operator=(const WakeSet&) = delete;

  Result<void> open();
  bool is_open() const { return epoll_fd_ >= 0; }

  // Adds `fd` edge-triggered for input. Adding an fd that is already in the set is not an error.
  bool add(int fd);
  // Removes `fd` (before it is closed; a closed fd leaves the set by itself, this only makes it explicit).
  void remove(int fd);
  // Wakes a sleeping worker (or makes its next sleep return at once). Any thread.
  void kick();

  // Worker: blocks until a source fires or `timeout_ns` passes. Returns the number of ready sources
  // (0 on timeout or signal).
  int wait(uint64_t timeout_ns);

 private:
  int epoll_fd_ = -1;
  int kick_fd_ = -1;
};

// An AF_PACKET socket bound to `ifname` that receives nothing until armed. -1 and `error` set when
// it cannot be made (the port then relies on the bounded sleep).
int open_packet_wake_socket(const std::string& ifname, std::string* error);
// Worker, before sleeping: frames arriving on the interface make the socket readable.
void arm_packet_wake_socket(int fd);
// Worker, after waking: back to rejecting every frame, and drop what queued while asleep.
void disarm_packet_wake_socket(int fd);

}  // namespace edgegw::dataplane
