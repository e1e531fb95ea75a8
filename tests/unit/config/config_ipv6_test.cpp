// IPv6 on routed and NAT networks and IPv6 routes: what a valid document yields, its canonical
// form, and every rule it can break (exactly one issue, with its pointer and message).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"
#include "edgegw/netproto/ipv6.hpp"
#include "routed_test_documents.hpp"

namespace edgegw::control {
namespace {

using test::InvalidCase;
using test::lan;
using test::nat_net;
using test::routed;
using test::routed_document;
using test::wan;

Ipv6Address v6(const char* text) { return *netproto::parse_ipv6(text); }

// The `"ipv6": {...}` member of a network; `extra` goes inside the block.
std::string ipv6(const std::string& subnet, const std::string& gateway, const std::string& extra = "") {
  return R"(, "ipv6": {"subnet": ")" + subnet + R"(", "gateway": ")" + gateway + "\"" + extra + "}";
}

std::string wan6() { return wan(ipv6("2001:db8:0:1::/64", "2001:db8:0:1::2")); }
std::string lan6(const std::string& extra = "") { return lan(ipv6("fd00:10::/64", "fd00:10::1", extra)); }
std::string route(const std::string& prefix, const std::string& via) {
  return R"({"prefix": ")" + prefix + R"(", "via": ")" + via + R"("})";
}

const std::string kNatGuests6 =
    nat_net("guests", R"({"uplink": "wan"})", "192.168.60.0/24", "192.168.60.1", R"("ct")",
            ipv6("2001:DB8:0:60:0:0:0:0/64", "2001:db8:0:60::1", R"(, "router_advertisements": {"enabled": false})"));

TEST(Ipv6Config, RoutedAndNatNetworksTakeAnIpv6SubnetAndRoutesOfBothFamilies) {
  const ParsedConfig parsed = parse_config(routed_document(
      wan6() + ", " +
          lan6(R"(, "router_advertisements": {"interval_s": 60, "router_lifetime_s": 0,
                                             "dns": ["fd00:10::53", "FE80::53"]})") +
          ", " + kNatGuests6,
      route("::/0", "2001:db8:0:1::1") + ", " + route("0.0.0.0/0", "203.0.113.1") + ", " +
          route("2001:db8:100::/48", "fd00:10::fe") + ", " + route("172.16.0.0/12", "192.168.50.254")));
  ASSERT_TRUE(parsed.ok()) << parsed.issues[0].pointer << " " << parsed.issues[0].message;
  const GatewayConfig& c = parsed.config;
  ASSERT_TRUE(c.networks[0].ipv6.has_value());
  EXPECT_EQ(c.networks[0].ipv6->subnet, (Ipv6Prefix{v6("2001:db8:0:1::"), 64}));
  EXPECT_EQ(c.networks[0].ipv6->gateway, v6("2001:db8:0:1::2"));
  EXPECT_EQ(c.networks[0].ipv6->router_advertisements, RouterAdvertisementConfig{}) << "the defaults";
  const RouterAdvertisementConfig& ra = c.networks[1].ipv6->router_advertisements;
  EXPECT_TRUE(ra.enabled);
  EXPECT_EQ(ra.interval_s, 60u);
  EXPECT_EQ(ra.router_lifetime_s, 0u);
  EXPECT_EQ(ra.dns, (std::vector<Ipv6Address>{v6("fd00:10::53"), v6("fe80::53")}));
  ASSERT_TRUE(c.networks[2].ipv6.has_value()) << "a nat network routes IPv6";
  EXPECT_EQ(c.networks[2].ipv6->subnet.to_string(), "2001:db8:0:60::/64");
  EXPECT_FALSE(c.networks[2].ipv6->router_advertisements.enabled);
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].prefix, (Ipv4Prefix{0, 0}));
  EXPECT_EQ(c.routes[1].via, 0xc0a832feu);
  ASSERT_EQ(c.routes6.size(), 2u);
  EXPECT_EQ(c.routes6[0].prefix, (Ipv6Prefix{Ipv6Address{}, 0}));
  EXPECT_EQ(c.routes6[0].via, v6("2001:db8:0:1::1"));
  EXPECT_EQ(c.routes6[1].prefix, (Ipv6Prefix{v6("2001:db8:100::"), 48}));
  EXPECT_EQ(c.routes6[1].via, v6("fd00:10::fe"));
}

TEST(Ipv6Config, CanonicalFormWritesEveryFieldInRfc5952FormAndReadsBack) {
  const ParsedConfig parsed = parse_config(routed_document(
      wan6() + ", " + kNatGuests6,
      route("2001:db8:100::/48", "2001:db8:0:1::1") + ", " + route("0.0.0.0/0", "203.0.113.1") + ", " +
          route("0:0::0/0", "2001:DB8:0:1::1")));
  ASSERT_TRUE(parsed.ok()) << parsed.issues[0].pointer << " " << parsed.issues[0].message;
  const std::string canonical = to_canonical_json(parsed.config);
  const nlohmann::json doc = nlohmann::json::parse(canonical);
  EXPECT_EQ(doc["networks"][1]["ipv6"].dump(),
            R"({"gateway":"2001:db8:0:60::1","router_advertisements":{"dns":[],"enabled":false,"interval_s":200,)"
            R"("router_lifetime_s":1800},"subnet":"2001:db8:0:60::/64"})");
  // IPv4 routes first, then IPv6, each family in document order.
  EXPECT_EQ(doc["routes"].dump(), R"([{"prefix":"0.0.0.0/0","via":"203.0.113.1"},)"
                                  R"({"prefix":"2001:db8:100::/48","via":"2001:db8:0:1::1"},)"
                                  R"({"prefix":"::/0","via":"2001:db8:0:1::1"}])");
  const ParsedConfig again = parse_config(canonical);
  ASSERT_TRUE(again.ok()) << again.issues[0].pointer << " " << again.issues[0].message;
  EXPECT_EQ(again.config, parsed.config);
  EXPECT_EQ(to_canonical_json(again.config), canonical);
}

TEST(Ipv6Config, NetworksWithoutIpv6KeepTheirCanonicalForm) {
  const ParsedConfig parsed = parse_config(routed_document(wan() + ", " + lan6()));
  ASSERT_TRUE(parsed.ok());
  const nlohmann::json doc = nlohmann::json::parse(to_canonical_json(parsed.config));
  EXPECT_FALSE(doc["networks"][0].contains("ipv6"));
  EXPECT_TRUE(doc["networks"][1].contains("ipv6"));
}

TEST(Ipv6Config, OnlyIpv6RoutesAreWrittenToo) {
  const ParsedConfig parsed = parse_config(routed_document(wan6(), route("::/0", "2001:db8:0:1::1")));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed.config.routes.empty());
  const ParsedConfig again = parse_config(to_canonical_json(parsed.config));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.config, parsed.config);
}

// 1000 IPv4 and 25 IPv6 routes: more than kMaxRoutes together, though each family alone is fewer.
std::string too_many_routes() {
  std::string routes;
  for (int i = 0; i < 1000; ++i) {
    routes += route("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24", "203.0.113.1") + ", ";
  }
  for (int i = 0; i < 25; ++i) {
    routes += route("2001:db8:" + std::to_string(100 + i) + "::/48", "2001:db8:0:1::1") + (i < 24 ? ", " : "");
  }
  return routed_document(wan6(), routes);
}

std::string lan6_ra(const std::string& ra) { return routed_document(lan6(R"(, "router_advertisements": )" + ra)); }
std::string wan6_route(const std::string& prefix, const std::string& via) {
  return routed_document(wan6(), route(prefix, via));
}

std::vector<InvalidCase> network_cases() {
  return {
      {"ipv6_port_mtu_below_1280",
       R"({"version": 1, "ports": [{"name": "vm", "kind": "vhost", "mtu": 1200}], "networks": [)" +
           routed("lan", R"("vm")", "192.168.50.0/24", "192.168.50.1", ipv6("fd00:10::/64", "fd00:10::1")) + "]}",
       "/networks/0/ipv6", "needs member ports with an MTU of at least 1280 (IPv6's minimum): port 'vm' has mtu 1200"},
      {"ipv6_in_bridge_mode",
       routed_document(R"({"name": "n", "mode": "bridge", "ports": ["up"])" + ipv6("fd00::/64", "fd00::1") + "}"),
       "/networks/0/ipv6", "allowed only in modes 'routed' and 'nat'"},
      {"ipv6_not_an_object", routed_document(lan(R"(, "ipv6": "fd00:10::/64")")), "/networks/0/ipv6",
       "must be an object, got string"},
      {"ipv6_unknown_field", routed_document(lan(ipv6("fd00:10::/64", "fd00:10::1", R"(, "dhcp": true)"))),
       "/networks/0/ipv6/dhcp", "unknown field"},
      {"ipv6_without_gateway", routed_document(lan(R"(, "ipv6": {"subnet": "fd00:10::/64"})")), "/networks/0/ipv6",
       "missing required field 'gateway'"},
      {"ipv6_subnet_not_a_prefix", routed_document(lan(ipv6("192.168.50.0/24", "fd00:10::1"))),
       "/networks/0/ipv6/subnet", "must be an IPv6 prefix like '2001:db8::/48', got '192.168.50.0/24'"},
      {"ipv6_subnet_too_short", routed_document(lan(ipv6("fd00::/8", "fd00::1"))), "/networks/0/ipv6/subnet",
       "must have a prefix length between 16 and 127, got 'fd00::/8'"},
      {"ipv6_subnet_of_one_address", routed_document(lan(ipv6("fd00:10::1/128", "fd00:10::1"))),
       "/networks/0/ipv6/subnet", "must have a prefix length between 16 and 127, got 'fd00:10::1/128'"},
      {"ipv6_subnet_host_bits", routed_document(lan(ipv6("fd00:10::1/64", "fd00:10::1"))), "/networks/0/ipv6/subnet",
       "must have all host bits zero, got 'fd00:10::1/64' (did you mean 'fd00:10::/64')"},
      {"ipv6_gateway_outside", routed_document(lan(ipv6("fd00:10::/64", "fd00:11::1"))), "/networks/0/ipv6/gateway",
       "must be on the network's IPv6 subnet 'fd00:10::/64', got 'fd00:11::1'"},
      {"ipv6_gateway_anycast", routed_document(lan(ipv6("fd00:10::/64", "fd00:10:0:0::"))),
       "/networks/0/ipv6/gateway",
       "must not be the subnet-router anycast address of 'fd00:10::/64' (all host bits zero), got 'fd00:10:0:0::'"},
      {"ipv6_gateway_link_local", routed_document(lan(ipv6("fd00:10::/64", "fe80::1"))), "/networks/0/ipv6/gateway",
       "must be a global or unique local unicast address, not a link-local address, got 'fe80::1'"},
      {"ipv6_gateway_multicast", routed_document(lan(ipv6("ff02::/16", "ff02::1"))), "/networks/0/ipv6/gateway",
       "must be a global or unique local unicast address, not a multicast address, got 'ff02::1'"},
      {"ipv6_gateway_loopback", routed_document(lan(ipv6("::/16", "::1"))), "/networks/0/ipv6/gateway",
       "must be a global or unique local unicast address, not the loopback address, got '::1'"},
      {"ipv6_gateway_not_an_address", routed_document(lan(ipv6("fd00:10::/64", "fd00:10::1/64"))),
       "/networks/0/ipv6/gateway", "must be an IPv6 address like '2001:db8::1', got 'fd00:10::1/64'"},
      {"ipv6_subnets_overlap",
       routed_document(lan6() + ", " + routed("lab", R"("ct")", "10.20.0.0/16", "10.20.0.1", ipv6("fd00::/16", "fd00::1"))),
       "/networks/1/ipv6/subnet", "overlaps subnet 'fd00:10::/64' of network 'lan' at /networks/0/ipv6/subnet"},
      {"ra_unknown_field", lan6_ra(R"({"managed": true})"), "/networks/0/ipv6/router_advertisements/managed",
       "unknown field"},
      {"ra_enabled_not_bool", lan6_ra(R"({"enabled": "yes"})"), "/networks/0/ipv6/router_advertisements/enabled",
       "must be a boolean, got string"},
      {"ra_interval_short", lan6_ra(R"({"interval_s": 3})"), "/networks/0/ipv6/router_advertisements/interval_s",
       "must be an integer between 4 and 1800, got 3"},
      {"ra_interval_long", lan6_ra(R"({"interval_s": 1801})"), "/networks/0/ipv6/router_advertisements/interval_s",
       "must be an integer between 4 and 1800, got 1801"},
      {"ra_lifetime_below_interval", lan6_ra(R"({"interval_s": 600, "router_lifetime_s": 599})"),
       "/networks/0/ipv6/router_advertisements/router_lifetime_s",
       "must be 0 (not a default router) or between interval_s (600) and 9000, got 599"},
      {"ra_lifetime_below_default_interval", lan6_ra(R"({"router_lifetime_s": 1})"),
       "/networks/0/ipv6/router_advertisements/router_lifetime_s",
       "must be 0 (not a default router) or between interval_s (200) and 9000, got 1"},
      {"ra_lifetime_long", lan6_ra(R"({"router_lifetime_s": 9001})"),
       "/networks/0/ipv6/router_advertisements/router_lifetime_s", "must be an integer between 0 and 9000, got 9001"},
      {"ra_four_dns_servers", lan6_ra(R"({"dns": ["fd00:10::53", "fd00:10::54", "fd00:10::55", "fd00:10::56"]})"),
       "/networks/0/ipv6/router_advertisements/dns", "must have at most 3 DNS servers, got 4"},
      {"ra_dns_multicast", lan6_ra(R"({"dns": ["fd00:10::53", "ff02::fb"]})"),
       "/networks/0/ipv6/router_advertisements/dns/1",
       "must be a unicast address, not a multicast address, got 'ff02::fb'"},
      {"ra_dns_unspecified", lan6_ra(R"({"dns": ["::"]})"), "/networks/0/ipv6/router_advertisements/dns/0",
       "must be a unicast address, not the unspecified address, got '::'"},
      {"ra_dns_ipv4", lan6_ra(R"({"dns": ["192.168.50.1"]})"), "/networks/0/ipv6/router_advertisements/dns/0",
       "must be an IPv6 address like '2001:db8::1', got '192.168.50.1'"},
  };
}

std::vector<InvalidCase> route_cases() {
  return {
      {"route6_via_ipv4", wan6_route("::/0", "203.0.113.1"), "/routes/0/via",
       "must be an IPv6 address like its prefix, got '203.0.113.1'"},
      {"route4_via_ipv6", wan6_route("0.0.0.0/0", "2001:db8:0:1::1"), "/routes/0/via",
       "must be an IPv4 address like its prefix, got '2001:db8:0:1::1'"},
      {"route6_prefix_host_bits", wan6_route("2001:db8:100::1/48", "2001:db8:0:1::1"), "/routes/0/prefix",
       "must have all host bits zero, got '2001:db8:100::1/48' (did you mean '2001:db8:100::/48')"},
      {"route6_prefix_length", wan6_route("2001:db8:100::/129", "2001:db8:0:1::1"), "/routes/0/prefix",
       "must have a prefix length between 0 and 128, got '2001:db8:100::/129'"},
      {"route6_duplicate",
       routed_document(wan6(), route("::/0", "2001:db8:0:1::1") + ", " + route("0::0/0", "2001:db8:0:1::3")),
       "/routes/1/prefix", "duplicate route prefix '::/0' (also /routes/0/prefix)"},
      {"route6_via_not_connected", wan6_route("::/0", "2001:db8:0:2::1"), "/routes/0/via",
       "must be on the IPv6 subnet of a routed network (a directly connected next hop), got '2001:db8:0:2::1'"},
      {"route6_via_on_a_network_without_ipv6", routed_document(wan(), route("::/0", "2001:db8:0:1::1")),
       "/routes/0/via",
       "must be on the IPv6 subnet of a routed network (a directly connected next hop), got '2001:db8:0:1::1'"},
      {"route6_via_gateway_itself", wan6_route("::/0", "2001:db8:0:1::2"), "/routes/0/via",
       "is the IPv6 gateway address of network 'wan' itself"},
      {"route6_to_connected_subnet",
       routed_document(wan6() + ", " + lan6(), route("fd00:10::/64", "2001:db8:0:1::1")), "/routes/0/prefix",
       "is the IPv6 subnet of network 'lan' (at /networks/1/ipv6/gateway), which is routed there directly"},
      {"route6_inside_its_next_hops_subnet", wan6_route("2001:db8:0:1:8000::/65", "2001:db8:0:1::1"),
       "/routes/0/prefix", "lies inside the IPv6 subnet of network 'wan', the network of its own next hop"},
      {"routes_of_both_families_too_many", too_many_routes(), "/routes", "must have at most 1024 routes, got 1025"},
  };
}

class InvalidIpv6Document : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidIpv6Document, ReportsExactlyTheExpectedIssue) { test::expect_exactly_the_issue(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Networks, InvalidIpv6Document, testing::ValuesIn(network_cases()),
                         [](const testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });
INSTANTIATE_TEST_SUITE_P(Routes, InvalidIpv6Document, testing::ValuesIn(route_cases()),
                         [](const testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace edgegw::control
