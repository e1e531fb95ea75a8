// rtnetlink for host ports: addresses and link state over a NETLINK_ROUTE socket, every request
// acknowledged by the kernel and its error turned into a value; and HostAddresses, which keeps the
// configured addresses in place and removes only the ones it set.
#include "host_interface.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

#include "edgegw/common/log.hpp"

namespace edgegw::control {
namespace host_interface {
namespace {

constexpr const char* kComponent = "host_interface";

std::string errno_text(int error) { return std::strerror(error); }

// A request under construction: header, family header, attributes, in one aligned buffer.
class Request {
 public:
  Request(uint16_t type, uint16_t flags) {
    header()->nlmsg_len = NLMSG_LENGTH(0);
    header()->nlmsg_type = type;
    header()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
  }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buffer_); }

  template <typename T>
  T* append_body() {
    T* body = reinterpret_cast<T*>(buffer_ + NLMSG_ALIGN(header()->nlmsg_len));
    header()->nlmsg_len = NLMSG_ALIGN(header()->nlmsg_len) + NLMSG_ALIGN(sizeof(T));
    return body;
  }
  void append_attribute(uint16_t type, const void* data, size_t size) {
    auto* attribute = reinterpret_cast<rtattr*>(buffer_ + NLMSG_ALIGN(header()->nlmsg_len));
    attribute->rta_type = type;
    attribute->rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
    std::memcpy(RTA_DATA(attribute), data, size);
    header()->nlmsg_len = NLMSG_ALIGN(header()->nlmsg_len) + RTA_ALIGN(attribute->rta_len);
  }

 private:
  alignas(nlmsghdr) char buffer_[256] = {};
};

// One NETLINK_ROUTE socket for one exchange; closed on scope exit.
class Socket {
 public:
  Socket() : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Sends `request` and reads replies until its ack (or, for a dump, NLMSG_DONE), handing every
  // other message to `on_message`. The kernel's error in the ack becomes the Error.
  Result<void> exchange(Request& request, const std::function<void(const nlmsghdr*)>& on_message = {}) {
    if (fd_ < 0) return make_error(Errc::io, "netlink socket: " + errno_text(errno));
    const uint32_t seq = ++sequence_;
    request.header()->nlmsg_seq = seq;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_, request.header(), request.header()->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) < 0) {
      return make_error(Errc::io, "netlink send: " + errno_text(errno));
    }
    // Large enough for any datagram the kernel sends (dump parts are at most 32 KiB); heap memory
    // is aligned for nlmsghdr.
    std::vector<char> reply(65536);
    for (;;) {
      const ssize_t got = ::recv(fd_, reply.data(), reply.size(), 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        return make_error(Errc::io, "netlink receive: " + errno_text(errno));
      }
      size_t left = static_cast<size_t>(got);
      for (auto* msg = reinterpret_cast<const nlmsghdr*>(reply.data()); NLMSG_OK(msg, left); msg = NLMSG_NEXT(msg, left)) {
        if (msg->nlmsg_seq != seq) continue;  // a late reply to an earlier request
        if (msg->nlmsg_type == NLMSG_DONE) return {};
        if (msg->nlmsg_type == NLMSG_ERROR) {
          const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(msg));
          if (error->error == 0) return {};
          errno_ = -error->error;
          return make_error(Errc::io, errno_text(errno_));
        }
        if (on_message) on_message(msg);
      }
    }
  }
  int kernel_errno() const { return errno_; }

 private:
  int fd_;
  uint32_t sequence_ = 0;
  int errno_ = 0;
};

Result<int> index_of(const std::string& iface) {
  const unsigned index = ::if_nametoindex(iface.c_str());
  if (index == 0) return make_error(Errc::not_found, "interface " + iface + " does not exist");
  return static_cast<int>(index);
}

// The address message both RTM_NEWADDR and RTM_DELADDR carry.
void fill_address(Request& request, int index, const Ipv4HostAddress& address, bool with_broadcast) {
  auto* ifa = request.append_body<ifaddrmsg>();
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = address.length;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<uint32_t>(index);
  const uint32_t local = htonl(address.address);
  request.append_attribute(IFA_LOCAL, &local, sizeof local);
  request.append_attribute(IFA_ADDRESS, &local, sizeof local);
  if (with_broadcast) {
    const uint32_t host_mask = ~(~uint32_t{0} << (32 - address.length));
    const uint32_t broadcast = htonl(address.address | host_mask);
    request.append_attribute(IFA_BROADCAST, &broadcast, sizeof broadcast);
  }
}

}  // namespace

Result<bool> add_address(const std::string& iface, const Ipv4HostAddress& address) {
  Result<int> index = index_of(iface);
  if (!index) return index.error();
  Request request(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  fill_address(request, *index, address, true);
  Socket socket;
  Result<void> done = socket.exchange(request);
  if (!done && socket.kernel_errno() == EEXIST) return false;
  if (!done) {
    return make_error(done.error().code, "adding " + address.to_string() + " to " + iface + ": " + done.error().message);
  }
  return true;
}

Result<void> remove_address(const std::string& iface, const Ipv4HostAddress& address) {
  Result<int> index = index_of(iface);
  if (!index) return {};  // the interface went, and its addresses with it
  Request request(RTM_DELADDR, NLM_F_ACK);
  fill_address(request, *index, address, false);
  Socket socket;
  Result<void> done = socket.exchange(request);
  if (!done && (socket.kernel_errno() == EADDRNOTAVAIL || socket.kernel_errno() == ENODEV)) return {};
  if (!done) {
    return make_error(done.error().code,
                      "removing " + address.to_string() + " from " + iface + ": " + done.error().message);
  }
  return {};
}

Result<void> set_up(const std::string& iface) {
  Result<int> index = index_of(iface);
  if (!index) return index.error();
  Request request(RTM_NEWLINK, NLM_F_ACK);
  auto* info = request.append_body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  info->ifi_index = *index;
  info->ifi_flags = IFF_UP;
  info->ifi_change = IFF_UP;
  Socket socket;
  Result<void> done = socket.exchange(request);
  if (!done) return make_error(done.error().code, "bringing " + iface + " up: " + done.error().message);
  return {};
}

Result<std::vector<Ipv4HostAddress>> addresses(const std::string& iface) {
  Result<int> index = index_of(iface);
  if (!index) return index.error();
  Request request(RTM_GETADDR, NLM_F_DUMP);
  request.append_body<ifaddrmsg>()->ifa_family = AF_INET;
  std::vector<Ipv4HostAddress> found;
  Socket socket;
  Result<void> done = socket.exchange(request, [&](const nlmsghdr* msg) {
    if (msg->nlmsg_type != RTM_NEWADDR) return;
    const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(msg));
    if (ifa->ifa_family != AF_INET || static_cast<int>(ifa->ifa_index) != *index) return;
    int left = static_cast<int>(IFA_PAYLOAD(msg));
    for (auto* attribute = IFA_RTA(ifa); RTA_OK(attribute, left); attribute = RTA_NEXT(attribute, left)) {
      if (attribute->rta_type != IFA_LOCAL || RTA_PAYLOAD(attribute) != sizeof(uint32_t)) continue;
      uint32_t local = 0;
      std::memcpy(&local, RTA_DATA(attribute), sizeof local);
      found.push_back(Ipv4HostAddress{ntohl(local), ifa->ifa_prefixlen});
    }
  });
  if (!done) return make_error(done.error().code, "listing addresses of " + iface + ": " + done.error().message);
  return found;
}

Result<bool> is_up(const std::string& iface) {
  Result<int> index = index_of(iface);
  if (!index) return index.error();
  Request request(RTM_GETLINK, NLM_F_ACK);
  auto* info = request.append_body<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  info->ifi_index = *index;
  bool up = false;
  Socket socket;
  Result<void> done = socket.exchange(request, [&](const nlmsghdr* msg) {
    if (msg->nlmsg_type != RTM_NEWLINK) return;
    up = (static_cast<const ifinfomsg*>(NLMSG_DATA(msg))->ifi_flags & IFF_UP) != 0;
  });
  if (!done) return make_error(done.error().code, "reading link of " + iface + ": " + done.error().message);
  return up;
}

}  // namespace host_interface

void HostAddresses::sync(const GatewayConfig& config) {
  wanted_.clear();
  for (const PortConfig& port : config.ports) {
    if (port.kind == PortKind::host && port.address) wanted_[port.name] = Assignment{port.iface, *port.address};
  }
  // Remove first: an address moving from one port to another must leave its old interface before
  // the new one gets it.
  for (auto it = set_.begin(); it != set_.end();) {
    auto wanted = wanted_.find(it->first);
    if (wanted != wanted_.end() && wanted->second == it->second) {
      ++it;
      continue;
    }
    if (auto removed = host_interface::remove_address(it->second.iface, it->second.address); !removed) {
      log::warn(host_interface::kComponent, "could not remove an address it set",
                {{"port", it->first}, {"error", removed.error().message}});
    }
    it = set_.erase(it);
  }
  errors_.clear();
  // Every apply sets them again: a device re-created by the data plane comes back without them.
  for (const auto& [port, wanted] : wanted_) ensure(port, wanted, /*log_failure=*/true);
}

void HostAddresses::retry() {
  if (errors_.empty()) return;
  const std::map<std::string, std::string> failed = std::move(errors_);
  errors_.clear();
  for (const auto& [port, why] : failed) {
    auto wanted = wanted_.find(port);
    if (wanted != wanted_.end()) ensure(port, wanted->second, /*log_failure=*/false);
  }
}

void HostAddresses::ensure(const std::string& port, const Assignment& wanted, bool log_failure) {
  Result<void> done;
  if (Result<bool> added = host_interface::add_address(wanted.iface, wanted.address); !added) {
    done = added.error();
  } else {
    // Only an address this process added is its to remove later; one that was there already
    // (an operator's) stays ours only if we had set it before.
    if (*added) set_[port] = wanted;
    done = host_interface::set_up(wanted.iface);
  }
  if (!done) {
    errors_[port] = done.error().message;
    if (log_failure) {
      log::warn(host_interface::kComponent, "host address not set", {{"port", port}, {"error", done.error().message}});
    }
  }
}

std::string HostAddresses::error_for(const std::string& port) const {
  auto it = errors_.find(port);
  return it == errors_.end() ? std::string() : it->second;
}

}  // namespace edgegw::control
