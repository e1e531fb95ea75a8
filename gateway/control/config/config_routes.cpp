// The top-level "routes": static IPv4 and IPv6 routes in one array, so kMaxRoutes bounds both
// together. An entry's family is its prefix's, and each family follows the same rules against the
// routed networks of that family: the prefix is unique and not a routed network's own subnet; the
// next hop is a host on a routed network's subnet, not its gateway, and that subnet does not hold
// the prefix (the route would point back into the network it leaves from).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config_reader.hpp"
#include "config_values.hpp"

namespace edgegw::control::detail {
namespace {

// What differs between the families: the syntax of their values and the words of the messages.
struct Ipv4Routes {
  using Route = RouteConfig;
  using Gateway = PlacedGateway;
  static constexpr const char* kFamily = "IPv4";
  static constexpr const char* kSubnet = "subnet";
  static constexpr const char* kGateway = "gateway address";
  static Result<Ipv4Prefix> parse_prefix(std::string_view text) { return parse_route_prefix(text); }
  static Result<uint32_t> parse_address(std::string_view text) { return parse_ipv4(text); }
  static bool other_family(std::string_view text) { return parse_ipv6(text).ok(); }
};

struct Ipv6Routes {
  using Route = Route6Config;
  using Gateway = PlacedGateway6;
  static constexpr const char* kFamily = "IPv6";
  static constexpr const char* kSubnet = "IPv6 subnet";
  static constexpr const char* kGateway = "IPv6 gateway address";
  static Result<Ipv6Prefix> parse_prefix(std::string_view text) { return parse_ipv6_prefix(text, 0, 128); }
  static Result<Ipv6Address> parse_address(std::string_view text) { return parse_ipv6(text); }
  static bool other_family(std::string_view text) { return parse_ipv4(text).ok(); }
};

// An entry is IPv6 when its prefix (or, without one, its next hop) is written with ':'.
bool written_as_ipv6(const Field& prefix, const Field& via) {
  const Field& telling = prefix.value != nullptr ? prefix : via;
  return telling.value != nullptr && telling.value->is_string() &&
         telling.value->get_ref<const std::string&>().find(':') != std::string::npos;
}

// Reads the prefix into `out`; false when it is wrong, so the next hop is not judged against it.
template <class Family, class Prefix>
bool read_route_prefix(const Field& field, FirstSeen& seen, const std::vector<typename Family::Gateway>& gateways,
                       IssueList& issues, Prefix& out) {
  const std::optional<std::string> text = read_string(field, issues);
  if (!text) return false;
  const Result<Prefix> parsed = Family::parse_prefix(*text);
  if (!parsed) {
    issues.add(field.at, parsed.error().message);
    return false;
  }
  out = *parsed;
  // The canonical texts of the two families never look alike, so one FirstSeen serves both.
  bool usable = seen.add(parsed->to_string(), field.at, issues);
  for (const typename Family::Gateway& g : gateways) {
    if (g.subnet == *parsed) {
      issues.add(field.at, std::string("is the ") + Family::kSubnet + " of " + g.network + " (at " + g.pointer +
                               "), which is routed there directly");
      usable = false;
    }
  }
  return usable;
}

template <class Family>
typename Family::Route read_route(const Field& prefix, const Field& via, FirstSeen& seen,
                                  const std::vector<typename Family::Gateway>& gateways, IssueList& issues) {
  typename Family::Route route;
  const bool prefix_usable = read_route_prefix<Family>(prefix, seen, gateways, issues, route.prefix);
  const std::optional<std::string> text = read_string(via, issues);
  if (!text) return route;
  const auto address = Family::parse_address(*text);
  if (!address) {
    issues.add(via.at, Family::other_family(*text)
                           ? std::string("must be an ") + Family::kFamily + " address like its prefix, got " +
                                 quote_text(*text)
                           : address.error().message);
    return route;
  }
  route.via = *address;
  const typename Family::Gateway* on = nullptr;
  for (const typename Family::Gateway& g : gateways) {
    if (g.subnet.contains(*address)) on = &g;
  }
  if (on == nullptr) {
    issues.add(via.at, std::string("must be on the ") + Family::kSubnet +
                           " of a routed network (a directly connected next hop), got " + quote_text(*text));
  } else if (*address == on->address) {
    issues.add(via.at, std::string("is the ") + Family::kGateway + " of " + on->network + " itself");
  } else if (prefix_usable && on->subnet.contains(route.prefix.address) && route.prefix.length >= on->subnet.length) {
    issues.add(prefix.at, std::string("lies inside the ") + Family::kSubnet + " of " + on->network +
                              ", the network of its own next hop");
  }
  return route;
}

}  // namespace

void ConfigReader::read_routes(const Field& field, GatewayConfig& config) {
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return;
  FirstSeen seen{"route prefix"};
  const size_t count = checked_length(*array, kMaxRoutes, "routes", field.at);
  for (size_t i = 0; i < count; ++i) {
    const Location at = field.at.element(i);
    if (!expect_object((*array)[i], at)) continue;
    ObjectReader object((*array)[i], at, {"prefix", "via"}, issues_);
    const Field prefix = object.required("prefix");
    const Field via = object.required("via");
    if (written_as_ipv6(prefix, via)) {
      config.routes6.push_back(read_route<Ipv6Routes>(prefix, via, seen, ipv6_gateways_, issues_));
    } else {
      config.routes.push_back(read_route<Ipv4Routes>(prefix, via, seen, gateways_, issues_));
    }
  }
}

}  // namespace edgegw::control::detail
