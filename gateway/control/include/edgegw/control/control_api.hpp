// The control plane's query and command interface. The ctl socket (edgegwctl) and the web API call
// the same functions, so a command behaves the same whichever way it arrives.
//
// Requests and replies are JSON objects: {"cmd": "status"} -> {"ok": true, "result": {...}} or
// {"ok": false, "error": {"code": "...", "message": "...", "pointer": "...", "issues": [...]}}.
// Called on the control-plane thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "edgegw/control/apply_service.hpp"
#include "edgegw/control/bootstrap.hpp"
#include "edgegw/control/store.hpp"
#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::control {

// Line diff of two texts in unified style (---/+++ header, @@ hunks with 3 lines of context).
// Empty when the texts are equal.
std::string unified_diff(const std::string& before, const std::string& after, const std::string& before_name,
                         const std::string& after_name);

struct RequestCounters {
  uint64_t handled = 0;
  uint64_t bad_request = 0;  // malformed requests: not JSON, unknown cmd, wrong argument types
  uint64_t failed = 0;       // well-formed requests whose command failed
};

class DhcpService;
class GuestManager;
class RaService;

class ControlApi {
 public:
  ControlApi(const Bootstrap& bootstrap, Store& store, ApplyService& apply, dataplane::Dataplane& dataplane);
  // The DHCP servers whose state the network views and `dhcp.leases` show (none until set).
  void set_dhcp(const DhcpService* dhcp) { dhcp_ = dhcp; }
  // The router advertisers whose state the network views show (none until set).
  void set_ra(const RaService* ra) { ra_ = ra; }
  // The guest manager the guest views and commands use (none until set: no guests).
  void set_guests(GuestManager* guests) { guests_ = guests; }

  // Dispatches one request (see the header comment); never throws.
  nlohmann::json handle(const nlohmann::json& request, ConfigSource source, const std::string& actor);
  // Parses `text` as a request first; a malformed one is answered and counted as bad_request.
  nlohmann::json handle_text(const std::string& text, ConfigSource source, const std::string& actor);

  nlohmann::json status() const;
  nlohmann::json ports() const;
  // One port with every counter and drop reason, its memberships and limits; nothing when unknown.
  std::optional<nlohmann::json> port_show(const std::string& name) const;
  // The active config's networks with live member and FDB state.
  nlohmann::json networks() const;
  // One network: members with tags and state, static MACs, FDB entries; nothing when unknown.
  std::optional<nlohmann::json> network_show(const std::string& name) const;
  // The lease records of one network's DHCP server ("" = every server), each with its network.
  nlohmann::json dhcp_leases(const std::string& network) const;
  // The active config's security groups with what their rules matched; one group with each rule's
  // counters and the policies that include it (nothing when unknown).
  nlohmann::json security_groups() const;
  std::optional<nlohmann::json> security_group_show(const std::string& name) const;
  // Guests with their state, NICs (and their switch ports' link), restarts and last exit.
  nlohmann::json guests() const;
  std::optional<nlohmann::json> guest_show(const std::string& name) const;
  // For status: how many guests are configured and in each state, the accelerator, the counters.
  nlohmann::json guests_summary() const;
  // Slices: the active config's promise (class, priority, rates, S-NSSAI) joined with what the data
  // plane did (classified, policed, remarked; per shaped port sent, drops, depth, latency percentiles).
  nlohmann::json slices() const;
  std::optional<nlohmann::json> slice_show(const std::string& name) const;
  nlohmann::json config_show() const;
  nlohmann::json config_history(size_t limit) const;

  const RequestCounters& counters() const { return counters_; }

 private:
  nlohmann::json reply_error(const Error& e, const std::vector<ConfigIssue>& issues = {});
  nlohmann::json reply_apply(const ApplyResult& r);

  const Bootstrap& bootstrap_;
  Store& store_;
  ApplyService& apply_;
  dataplane::Dataplane& dataplane_;
  const DhcpService* dhcp_ = nullptr;
  const RaService* ra_ = nullptr;
  GuestManager* guests_ = nullptr;
  // guest.* commands; nothing when `name` is not one.
  std::optional<nlohmann::json> handle_guest_command(const std::string& name, const nlohmann::json& req);
  // Adds the "dhcp" object (pool, leases bound, counters) to a network view; null without a server.
  void add_dhcp(nlohmann::json& network_view) const;
  // Adds the "router_advertisements" object (what is advertised, counters); null when not advertising.
  void add_router_advertisements(nlohmann::json& network_view) const;
  std::chrono::steady_clock::time_point started_;
  int64_t started_at_ms_;
  RequestCounters counters_;
};

}  // namespace edgegw::control
