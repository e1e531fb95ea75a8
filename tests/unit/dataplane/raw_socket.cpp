// AF_PACKET sockets created in another network namespace by a short-lived thread (setns changes only
// the calling thread; the socket stays bound to the namespace it was made in).
#include "raw_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace edgegw::dataplane::test {
namespace {

constexpr uint32_t kMagic = 0x45475754;  // "EGWT"

uint32_t run_tag() { return static_cast<uint32_t>(::getpid()); }

void put32(uint8_t* p, uint32_t v) {
  v = htonl(v);
  std::memcpy(p, &v, 4);
}

uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

int open_in_namespace(const std::string& ns, const std::string& ifname) {
  int fd = -1;
  std::thread t([&] {
    int nsfd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) return;
    int rc = ::setns(nsfd, CLONE_NEWNET);
    ::close(nsfd);
    if (rc != 0) return;
    // Protocol 0 until bound: the socket sees nothing from other interfaces in between.
    int s = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(kTestEtherType);
    addr.sll_ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
    if (addr.sll_ifindex == 0 || ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(s);
      return;
    }
    // Tests read after a whole stream was sent: room for thousands of small frames.
    int rcvbuf = 16 << 20;
    ::setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    fd = s;
  });
  t.join();
  return fd;
}

}  // namespace

const Mac kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

std::vector<uint8_t> build_frame(const TestFrame& f) {
  std::vector<uint8_t> b(std::max<size_t>(f.size, 26), 0);
  std::memcpy(b.data(), f.dst.data(), 6);
  std::memcpy(b.data() + 6, f.src.data(), 6);
  b[12] = kTestEtherType >> 8;
  b[13] = kTestEtherType & 0xff;
  put32(b.data() + 14, kMagic);
  put32(b.data() + 18, run_tag());
  put32(b.data() + 22, f.seq);
  return b;
}

RawSocket::RawSocket(const Host& host) : fd_(open_in_namespace(host.ns, host.host_if)) {}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::send(const TestFrame& f) {
  std::vector<uint8_t> bytes = build_frame(f);
  return ::send(fd_, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size());
}

bool RawSocket::receive_one(int timeout_ms, uint32_t* seq) {
  pollfd p{fd_, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left < 0 || ::poll(&p, 1, left) <= 0) return false;
    uint8_t buf[2048];
    sockaddr_ll from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 26 || from.sll_pkttype == PACKET_OUTGOING) continue;
    if (get32(buf + 14) != kMagic || get32(buf + 18) != run_tag()) continue;
    *seq = get32(buf + 22);
    return true;
  }
}

std::vector<uint32_t> RawSocket::receive(size_t count, std::chrono::milliseconds quiet) {
  std::vector<uint32_t> seqs;
  uint32_t seq = 0;
  while (seqs.size() < count && receive_one(static_cast<int>(quiet.count()), &seq)) seqs.push_back(seq);
  return seqs;
}

std::vector<uint32_t> RawSocket::receive_for(std::chrono::milliseconds window) {
  std::vector<uint32_t> seqs;
  auto deadline = std::chrono::steady_clock::now() + window;
  uint32_t seq = 0;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (receive_one(static_cast<int>(left.count()), &seq)) seqs.push_back(seq);
  }
  return seqs;
}

}  // namespace edgegw::dataplane::test
