// Blocking ctl client on plain POSIX sockets (edgegwctl is a short-lived command; no event loop).
#include "edgegw/cli/ctl_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgegw::cli {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool wait_ready(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

}  // namespace

Result<nlohmann::json> ctl_call(const std::string& socket_path, const nlohmann::json& request, int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return make_error(Errc::invalid_argument, "socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return make_error(Errc::io, std::string("socket: ") + std::strerror(errno));
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return make_error(Errc::unavailable,
                      "cannot reach edgegw at " + socket_path + ": " + std::strerror(errno) + " (is the daemon running?)");
  }
  std::string out = request.dump() + "\n";
  size_t sent = 0;
  while (sent < out.size()) {
    if (!wait_ready(s.fd, POLLOUT, timeout_ms)) return make_error(Errc::io, "timed out sending to " + socket_path);
    ssize_t n = ::send(s.fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(Errc::io, std::string("send to edgegw failed: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  std::string in;
  char buf[65536];
  while (in.find('\n') == std::string::npos) {
    if (!wait_ready(s.fd, POLLIN, timeout_ms)) return make_error(Errc::io, "timed out waiting for edgegw's reply");
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::io, std::string("reading edgegw's reply failed: ") + std::strerror(errno));
    if (n == 0) return make_error(Errc::io, "edgegw closed the connection without a reply");
    in.append(buf, static_cast<size_t>(n));
  }
  in.resize(in.find('\n'));
  nlohmann::json reply = nlohmann::json::parse(in, nullptr, false);
  if (reply.is_discarded() || !reply.is_object() || !reply.contains("ok")) {
    return make_error(Errc::io, "edgegw sent a reply that is not a ctl reply");
  }
  return reply;
}

}  // namespace edgegw::cli
