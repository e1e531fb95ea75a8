// The worker's wake-up set: epoll + a kick eventfd, and the AF_PACKET wake sockets of af_packet ports.
#include "wake_set.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace edgegw::dataplane {
namespace {

// Classic BPF programs of one instruction: the return value is how many bytes of the frame to queue.
sock_filter g_reject_all[] = {{BPF_RET | BPF_K, 0, 0, 0}};
sock_filter g_accept_snap[] = {{BPF_RET | BPF_K, 0, 0, 1}};

bool set_filter(int fd, sock_filter* program) {
  sock_fprog prog{1, program};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0;
}

// Bounded: at most what queued during one sleep (the socket buffer caps it anyway).
constexpr int kMaxDrain = 4096;

}  // namespace

WakeSet::~WakeSet() {
  if (kick_fd_ >= 0) ::close(kick_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Result<void> WakeSet::open() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return make_error(Errc::io, std::string("epoll_create1: ") + std::strerror(errno));
  kick_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (kick_fd_ < 0 || !add(kick_fd_)) return make_error(Errc::io, std::string("kick eventfd: ") + std::strerror(errno));
  return {};
}

bool WakeSet::add(int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.fd = fd;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0 || errno == EEXIST;
}

void WakeSet::remove(int fd) { ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void WakeSet::kick() {
  if (kick_fd_ < 0) return;
  const uint64_t one = 1;
  // The counter only overflows after 2^64 kicks; a short write cannot happen on an eventfd.
  [[maybe_unused]] ssize_t n = ::write(kick_fd_, &one, sizeof one);
}

int WakeSet::wait(uint64_t timeout_ns) {
  epoll_event events[8];
  timespec timeout{static_cast<time_t>(timeout_ns / 1000000000u), static_cast<long>(timeout_ns % 1000000000u)};
  int n = ::epoll_pwait2(epoll_fd_, events, 8, &timeout, nullptr);
  if (n < 0 && errno == ENOSYS) {
    // Kernels before 5.11: millisecond resolution, rounded up so a short sleep still sleeps.
    n = ::epoll_wait(epoll_fd_, events, 8, static_cast<int>((timeout_ns + 999999) / 1000000));
  }
  return n < 0 ? 0 : n;
}

int open_packet_wake_socket(const std::string& ifname, std::string* error) {
  const unsigned ifindex = ::if_nametoindex(ifname.c_str());
  if (ifindex == 0) {
    *error = "wake socket: no interface " + ifname;
    return -1;
  }
  // Protocol 0: the socket receives nothing until bind(), and the reject filter is in place by then.
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("wake socket: ") + std::strerror(errno);
    return -1;
  }
  const int one = 1;
  // Frames the af_packet PMD sends out of this interface are not traffic to wake up for.
  ::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (!set_filter(fd, g_reject_all) || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = std::string("wake socket setup: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

void arm_packet_wake_socket(int fd) { set_filter(fd, g_accept_snap); }

void disarm_packet_wake_socket(int fd) {
  set_filter(fd, g_reject_all);
  char byte;
  for (int i = 0; i < kMaxDrain && ::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_TRUNC) >= 0; ++i) {
  }
}

}  // namespace edgegw::dataplane
