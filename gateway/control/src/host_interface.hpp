// The box's own addresses on its host ports: the kernel side of a `host` port (the tap interface
// net_tap creates) gets the configured IPv4 address and is brought up, over rtnetlink.
//
// Every rtnetlink call of the control plane lives in host_interface.cpp. Calls are synchronous
// requests to the kernel with an ack (microseconds; no I/O wait), made on the control-plane thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/control/config_model.hpp"

namespace edgegw::control {

namespace host_interface {

// RTM_NEWADDR: adds `address` (with its prefix and broadcast) to `iface`. True when this call added
// it, false when it was there already.
Result<bool> add_address(const std::string& iface, const Ipv4HostAddress& address);
// RTM_DELADDR: removes `address` from `iface`. Not there, or the interface is gone: success.
Result<void> remove_address(const std::string& iface, const Ipv4HostAddress& address);
// RTM_NEWLINK with IFF_UP.
Result<void> set_up(const std::string& iface);
// RTM_GETADDR dump: the IPv4 addresses of `iface` (Errc::not_found when it does not exist).
Result<std::vector<Ipv4HostAddress>> addresses(const std::string& iface);
// Whether `iface` is administratively up (Errc::not_found when it does not exist).
Result<bool> is_up(const std::string& iface);

}  // namespace host_interface

// Keeps the addresses of host ports as configured. Touches only addresses it set itself: one that
// an operator (or DHCP) put on the interface stays, and one it set and is no longer configured is
// removed. Why a port's address is not in place is kept per port for the status (the config is
// applied all the same: the data plane runs without it).
class HostAddresses {
 public:
  HostAddresses() = default;
  HostAddresses(const HostAddresses&) = delete;
  HostAddresses& operator=(const HostAddresses&) = delete;

  // After every apply: removes what is no longer wanted, then sets each configured address and
  // brings its interface up.
  void sync(const GatewayConfig& config);
  // Tries the ports that failed again (a tap interface appears only once its device is created,
  // which may be a reclaim() after the apply). Cheap when nothing failed.
  void retry();

  // Why the port's configured address is not in place, "" when it is (or none is configured).
  std::string error_for(const std::string& port) const;
  bool has_errors() const { return !errors_.empty(); }

 private:
  struct Assignment {
    std::string iface;
    Ipv4HostAddress address;
    bool operator==(const Assignment&) const = default;
  };

  void ensure(const std::string& port, const Assignment& wanted, bool log_failure);

  std::map<std::string, Assignment> wanted_;  // port -> configured address
  std::map<std::string, Assignment> set_;     // port -> address this process put on the interface
  std::map<std::string, std::string> errors_;  // port -> why its address is not in place
};

}  // namespace edgegw::control
