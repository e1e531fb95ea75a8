// The gateway's DHCP servers: one per routed network with a "dhcp" block, fed with the DHCP frames
// the data plane punts, answering through Dataplane::inject, with every lease kept in the state
// store before the reply that hands it out is sent (so a restarted gateway renews each client's
// address instead of giving it away).
//
// Conflict detection: before an address is offered, the network's ARP cache is asked whether
// another host answers for it; if so the address is quarantined (like a DECLINE) and the client is
// offered another. A client's own DECLINE quarantines the address too.
//
// Threading: control-plane thread only (PuntDispatcher, on a timer, hands over the frames).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgegw/control/config_model.hpp"
#include "edgegw/control/store.hpp"
#include "edgegw/netproto/dhcp_server.hpp"

namespace edgegw::dataplane {
class Dataplane;
struct PuntedFrame;
}  // namespace edgegw::dataplane

namespace edgegw::control {

class ApplyService;

// What one network's server did, beyond the server's own counters.
struct DhcpServiceCounters {
  uint64_t frames = 0;          // punted frames taken for this network
  uint64_t frames_malformed = 0;  // not IPv4/UDP to port 67, or broken headers: dropped
  uint64_t replies_sent = 0;
  uint64_t replies_failed = 0;  // the data plane refused the reply (queue full)
  uint64_t store_failed = 0;    // a lease could not be persisted: the reply was withheld
};

struct DhcpNetworkView {
  std::string network;
  netproto::DhcpPoolConfig pool;
  netproto::DhcpCounters server;
  DhcpServiceCounters service;
  size_t bound = 0;  // leases bound now
};

class DhcpService {
 public:
  // `clock_s`: Unix seconds (leases are stored with absolute expiry times). It is made monotonic
  // here: a clock stepping back never shortens or revives a lease.
  DhcpService(Store& store, dataplane::Dataplane& dataplane, const ApplyService& apply,
              std::function<uint64_t()> clock_s = {});
  ~DhcpService();

  // Follows the active config: servers made, reconfigured, removed with their stored leases. Cheap
  // when the version did not change; PuntDispatcher calls it before handing over frames.
  void follow_config();
  // A punted IPv4 frame: a DHCP message to its network's server, answered at once.
  void handle(const dataplane::PuntedFrame& frame);

  std::vector<DhcpNetworkView> networks() const;
  // A network's lease records (bound, offered, released, declined); nothing when it has no server.
  std::optional<std::vector<netproto::DhcpLease>> leases(const std::string& network) const;
  uint64_t now_s() const;  // the service's clock (as leases' expires_at_s)
  uint64_t frames_unrouted() const { return frames_unrouted_; }  // for networks without a server

 private:
  struct Server;
  void handle_frame(Server& server, const std::string& port, const std::vector<uint8_t>& frame);
  bool persist(Server& server);

  Store& store_;
  dataplane::Dataplane& dataplane_;
  const ApplyService& apply_;
  std::function<uint64_t()> clock_s_;
  mutable uint64_t last_now_s_ = 0;
  std::optional<uint64_t> configured_version_;
  std::map<std::string, std::unique_ptr<Server>> servers_;  // by network name
  uint64_t frames_unrouted_ = 0;
};

}  // namespace edgegw::control
