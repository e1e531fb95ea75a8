// The JSON views of ports and networks that the ctl socket and the web API answer with: the data
// plane's live state joined with what the active config says (kind, role, tags, addresses).
// Internal to edgegw_control; pure functions of their arguments.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgegw/control/apply_service.hpp"
#include "edgegw/control/config_model.hpp"
#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::control::views {

// What a view needs from the control plane besides the data plane's state.
struct PortContext {
  const PortConfig* config = nullptr;  // the port in the active config, nullptr when unknown
  std::string host_address_error;      // why the configured address is not set, "" when it is
};

// One port in lists: identity, state, link, memberships and counters.
nlohmann::json port_json(const dataplane::PortStatus& p, const PortContext& context);
// One port in full: port_json plus its memberships with tags, limits and where its device lives.
nlohmann::json port_detail_json(const dataplane::PortStatus& p, const PortContext& context,
                                const GatewayConfig* active, const SwitchCompileOptions& options);

// One network in lists: mode, subnet, members, how many are up, FDB usage.
nlohmann::json network_json(const NetworkConfig& network, const std::vector<dataplane::PortStatus>& ports,
                            const std::vector<dataplane::NetworkStatus>& statuses);
// One network in full: network_json plus each member's tags, role and state, the static MACs and
// the FDB entries with their ages.
nlohmann::json network_detail_json(const NetworkConfig& network, const GatewayConfig& active,
                                   const std::vector<dataplane::PortStatus>& ports,
                                   const std::vector<dataplane::NetworkStatus>& statuses,
                                   const std::vector<dataplane::FdbEntryStatus>& fdb);

// Sets network_view[key] to to_json(entry) for the entry of a gateway service's networks() (DHCP
// servers, router advertisers) that serves the network the view shows, else to null.
template <class Entry, class ToJson>
void add_service_json(nlohmann::json& network_view, const char* key, const std::vector<Entry>& entries,
                      ToJson to_json) {
  network_view[key] = nullptr;
  const std::string name = network_view.value("name", "");
  for (const Entry& e : entries) {
    if (e.network == name) network_view[key] = to_json(e);
  }
}

// security_views.cpp: one security group in lists (rule count, ports it filters, packets its rules
// matched), in full (each rule with its counters, the policies that include it), and the data
// plane's security counters for status.
nlohmann::json security_group_json(const SecurityGroupConfig& group, const dataplane::SecurityStatus& status);
nlohmann::json security_group_detail_json(const SecurityGroupConfig& group, const dataplane::SecurityStatus& status);
nlohmann::json security_status_json(const dataplane::DataplaneStatus& dp, const dataplane::SecurityStatus& security);

}  // namespace edgegw::control::views
