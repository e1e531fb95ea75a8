// ControlApi's DHCP views: a network's server (pool, bound leases, counters) and lease listings.
#include <nlohmann/json.hpp>

#include "control_views.hpp"
#include "edgegw/control/control_api.hpp"
#include "edgegw/control/dhcp_service.hpp"

namespace edgegw::control {
namespace {

using json = nlohmann::json;

json server_json(const DhcpNetworkView& v) {
  json dns = json::array();
  for (uint32_t d : v.pool.dns) dns.push_back(format_ipv4(d));
  json received = json::object();
  for (size_t t = 1; t < v.server.received.size(); ++t) {
    received[netproto::dhcp_message_type_name(static_cast<netproto::DhcpMessageType>(t))] = v.server.received[t];
  }
  json dropped = json::object();
  for (size_t r = 0; r < netproto::kDhcpDropReasonCount; ++r) {
    dropped[netproto::dhcp_drop_reason_name(static_cast<netproto::DhcpDropReason>(r))] = v.server.drops[r];
  }
  dropped["malformed_frame"] = v.service.frames_malformed;
  return {{"range", {{"first", format_ipv4(v.pool.range_first)}, {"last", format_ipv4(v.pool.range_last)}}},
          {"lease_time_s", v.pool.lease_time_s},
          {"dns", dns},
          {"domain", v.pool.domain},
          {"mtu", v.pool.mtu},
          {"static_leases", v.pool.static_leases.size()},
          {"leases_bound", v.bound},
          {"received", received},
          {"offers", v.server.offers},
          {"acks", v.server.acks},
          {"naks", v.server.naks},
          {"releases", v.server.releases},
          {"declines", v.server.declines},
          {"conflicts", v.server.conflicts},
          {"dropped", dropped},
          {"replies_sent", v.service.replies_sent},
          {"replies_failed", v.service.replies_failed},
          {"store_failed", v.service.store_failed}};
}

}  // namespace

void ControlApi::add_dhcp(json& network_view) const {
  views::add_service_json(network_view, "dhcp", dhcp_ != nullptr ? dhcp_->networks() : std::vector<DhcpNetworkView>{},
                          server_json);
}

json ControlApi::dhcp_leases(const std::string& network) const {
  if (dhcp_ == nullptr) return network.empty() ? json::array() : json(nullptr);
  const uint64_t now = dhcp_->now_s();
  json out = json::array();
  bool found = false;
  for (const DhcpNetworkView& v : dhcp_->networks()) {
    if (!network.empty() && v.network != network) continue;
    found = true;
    for (const netproto::DhcpLease& l : dhcp_->leases(v.network).value_or(std::vector<netproto::DhcpLease>{})) {
      // An offer or lease past its end is only a hint of who had the address: shown as free.
      const bool lapsed = l.state != netproto::DhcpLeaseState::released && l.expires_at_s <= now;
      out.push_back({{"network", v.network},
                     {"ip", format_ipv4(l.ip)},
                     {"mac", format_mac(l.mac)},
                     {"hostname", l.hostname},
                     {"state", lapsed ? "expired" : netproto::dhcp_lease_state_name(l.state)},
                     {"expires_in_s", l.expires_at_s > now ? l.expires_at_s - now : 0}});
    }
  }
  if (!network.empty() && !found) return nullptr;
  return out;
}

}  // namespace edgegw::control
