// A routed or NAT network's "ipv6" block: its IPv6 subnet, the gateway's address on it and the
// router advertisements hosts configure themselves from. IPv6 is routed and never NATed, so a nat
// network takes the block as a routed one does. The gateway's link-local address is not written: it
// follows from router_mac.
#include <optional>
#include <string>
#include <vector>

#include "config_reader.hpp"
#include "config_values.hpp"
#include "edgegw/netproto/ipv6.hpp"

namespace edgegw::control::detail {
namespace {

// RFC 4861 6.2.1: MaxRtrAdvInterval 4..1800 s, AdvDefaultLifetime 0 or MaxRtrAdvInterval..9000 s.
constexpr uint64_t kMinRaInterval = 4;
constexpr uint64_t kMaxRaInterval = 1800;
constexpr uint64_t kMaxRouterLifetime = 9000;
constexpr size_t kMaxRdnssServers = 3;  // what hosts keep (RFC 8106 5.3.1)

// A string field holding an IPv6 address: the text as written (for messages) and the address.
struct Ipv6Text {
  std::string text;
  Ipv6Address address{};
};

std::optional<Ipv6Text> read_ipv6_text(const Field& field, IssueList& issues) {
  std::optional<std::string> text = read_string(field, issues);
  if (!text) return std::nullopt;
  const Result<Ipv6Address> address = parse_ipv6(*text);
  if (!address) {
    issues.add(field.at, address.error().message);
    return std::nullopt;
  }
  return Ipv6Text{std::move(*text), *address};
}

}  // namespace

void ConfigReader::read_ipv6(const ObjectReader& object, std::optional<NetworkMode> mode, const std::string& label,
                             NetworkConfig& out) {
  const Field field = object.optional("ipv6");
  const Json* json = read_routed_block(field, mode);
  if (json == nullptr) return;
  ObjectReader ipv6(*json, field.at, {"subnet", "gateway", "router_advertisements"}, issues_);
  NetworkIpv6Config config;
  const std::optional<Ipv6Prefix> subnet = read_ipv6_subnet(ipv6.required("subnet"), label);
  if (subnet) config.subnet = *subnet;
  const Field gateway = ipv6.required("gateway");
  const std::optional<Ipv6Address> address = read_ipv6_gateway(gateway, subnet);
  if (address) config.gateway = *address;
  // Routes name next hops on the subnets whose gateway is known.
  if (subnet && address) ipv6_gateways_.push_back(PlacedGateway6{*address, *subnet, label, gateway.at.pointer});
  config.router_advertisements = read_router_advertisements(ipv6.optional("router_advertisements"));
  out.ipv6 = std::move(config);
  PlacedIpv6Network placed{field.at, {}};
  for (const NetworkMember& m : out.ports) placed.ports.push_back(m.port);
  ipv6_networks_.push_back(std::move(placed));
}

void ConfigReader::check_ipv6_mtus(const GatewayConfig& config) {
  constexpr uint16_t kIpv6MinMtu = 1280;  // RFC 8200 5: every link that carries IPv6
  for (const PlacedIpv6Network& network : ipv6_networks_) {
    for (const std::string& name : network.ports) {
      const PortConfig* port = config.find_port(name);
      if (port == nullptr || port->mtu >= kIpv6MinMtu) continue;
      issues_.add(network.at, "needs member ports with an MTU of at least 1280 (IPv6's minimum): port " +
                                  quote_text(name) + " has mtu " + std::to_string(port->mtu));
    }
  }
}

// Returned also when it overlaps another network's, so the gateway is still judged against it.
std::optional<Ipv6Prefix> ConfigReader::read_ipv6_subnet(const Field& field, const std::string& label) {
  const std::optional<std::string> text = read_string(field, issues_);
  if (!text) return std::nullopt;
  const Result<Ipv6Prefix> prefix = parse_ipv6_prefix(*text, kMinIpv6SubnetLength, kMaxIpv6SubnetLength);
  if (!prefix) {
    issues_.add(field.at, prefix.error().message);
    return std::nullopt;
  }
  place_subnet(ipv6_subnets_, *prefix, label, field.at, issues_);
  return *prefix;
}

// A global (or unique local) host of the subnet. Not its subnet-router anycast address (RFC 4291
// 2.6.1: every router of the subnet answers it), not link-local (that address follows from
// router_mac), and nothing hosts could not use as a router.
std::optional<Ipv6Address> ConfigReader::read_ipv6_gateway(const Field& field,
                                                           const std::optional<Ipv6Prefix>& subnet) {
  const std::optional<Ipv6Text> gateway = read_ipv6_text(field, issues_);
  if (!gateway) return std::nullopt;
  const std::string got = ", got " + quote_text(gateway->text);
  if (const char* kind = ipv6_special_kind(gateway->address)) {
    issues_.add(field.at, std::string("must be a global or unique local unicast address, not ") + kind + got);
    return std::nullopt;
  }
  if (!subnet) return gateway->address;  // the subnet's own issue is reported; nothing more to judge by
  const std::string subnet_text = quote_text(subnet->to_string());
  if (!subnet->contains(gateway->address)) {
    issues_.add(field.at, "must be on the network's IPv6 subnet " + subnet_text + got);
    return std::nullopt;
  }
  if (gateway->address == subnet->address) {
    issues_.add(field.at, "must not be the subnet-router anycast address of " + subnet_text +
                              " (all host bits zero)" + got);
    return std::nullopt;
  }
  return gateway->address;
}

RouterAdvertisementConfig ConfigReader::read_router_advertisements(const Field& field) {
  RouterAdvertisementConfig ra;
  const Json* json = read_object(field, issues_);
  if (json == nullptr) return ra;
  ObjectReader object(*json, field.at, {"enabled", "interval_s", "router_lifetime_s", "dns"}, issues_);
  if (auto enabled = read_bool(object.optional("enabled"), issues_)) ra.enabled = *enabled;
  const Field interval = object.optional("interval_s");
  const std::optional<uint64_t> interval_s = read_integer(interval, kMinRaInterval, kMaxRaInterval, issues_);
  if (interval_s) ra.interval_s = static_cast<uint32_t>(*interval_s);
  // The lifetime is judged against the interval only when that is valid (or the default).
  const bool interval_known = interval_s || interval.value == nullptr;
  const Field lifetime = object.optional("router_lifetime_s");
  if (auto n = read_integer(lifetime, 0, kMaxRouterLifetime, issues_)) {
    if (*n != 0 && *n < ra.interval_s && interval_known) {
      issues_.add(lifetime.at, "must be 0 (not a default router) or between interval_s (" +
                                   std::to_string(ra.interval_s) + ") and " + std::to_string(kMaxRouterLifetime) +
                                   ", got " + std::to_string(*n));
    } else {
      ra.router_lifetime_s = static_cast<uint32_t>(*n);
    }
  }
  ra.dns = read_rdnss(object.optional("dns"));
  return ra;
}

// Recursive DNS servers (RFC 8106): unicast, of any scope (a link-local resolver is fine).
std::vector<Ipv6Address> ConfigReader::read_rdnss(const Field& field) {
  std::vector<Ipv6Address> servers;
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return servers;
  const size_t count = checked_length(*array, kMaxRdnssServers, "DNS servers", field.at);
  for (size_t i = 0; i < count; ++i) {
    const Field entry{&(*array)[i], field.at.element(i)};
    const std::optional<Ipv6Text> server = read_ipv6_text(entry, issues_);
    if (!server) continue;
    const uint8_t* a = server->address.data();
    if (netproto::ipv6_is_multicast(a) || netproto::ipv6_is_unspecified(a)) {
      issues_.add(entry.at, std::string("must be a unicast address, not ") + ipv6_special_kind(server->address) +
                                ", got " + quote_text(server->text));
      continue;
    }
    servers.push_back(server->address);
  }
  return servers;
}

}  // namespace edgegw::control::detail
