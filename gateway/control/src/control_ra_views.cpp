// ControlApi's router advertisement view: what a network's advertiser sends and what it did.
#include <nlohmann/json.hpp>

#include "control_views.hpp"
#include "edgegw/control/control_api.hpp"
#include "edgegw/control/ra_service.hpp"
#include "edgegw/netproto/ipv6.hpp"

namespace edgegw::control {
namespace {

using json = nlohmann::json;

json advertiser_json(const RaNetworkView& v) {
  const netproto::RouterAdvertisement& ra = v.advertisement;
  json dns = json::array();
  for (const netproto::Ipv6Address& d : ra.dns) dns.push_back(netproto::format_ipv6(d));
  return {{"prefix", ra.prefix ? json(netproto::format_ipv6(ra.prefix->address) + "/" + std::to_string(ra.prefix->length))
                               : json(nullptr)},
          {"source", netproto::format_ipv6(netproto::ipv6_link_local(ra.router_mac))},
          {"router_lifetime_s", ra.router_lifetime_s},
          {"interval_s", v.interval_s},
          {"mtu", ra.mtu},
          {"dns", dns},
          {"rs_received", v.counters.rs_received},
          {"rs_malformed", v.counters.rs_malformed},
          {"ra_sent_unsolicited", v.counters.ra_sent_unsolicited},
          {"ra_sent_solicited", v.counters.ra_sent_solicited},
          {"send_failed", v.counters.send_failed}};
}

}  // namespace

void ControlApi::add_router_advertisements(json& network_view) const {
  views::add_service_json(network_view, "router_advertisements",
                          ra_ != nullptr ? ra_->networks() : std::vector<RaNetworkView>{}, advertiser_json);
}

}  // namespace edgegw::control
