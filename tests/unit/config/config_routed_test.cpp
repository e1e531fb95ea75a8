// Routed networks and static routes: what a valid document yields, and every rule it can break
// (exactly one issue, with its pointer and message).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"
#include "routed_test_documents.hpp"

namespace edgegw::control {
namespace {

using test::InvalidCase;
using test::lan;
using test::nat_net;
using test::routed;
using test::wan;
using test::with_mode;

std::string document(const std::string& networks, const std::string& routes = "") {
  return test::routed_document(networks, routes);
}

TEST(RoutedConfig, ValidDocumentYieldsGatewaysAndRoutes) {
  const ParsedConfig parsed = parse_config(document(
      wan() + ", " + lan(R"(, "router_mac": "02:00:00:00:50:01")") + ", " +
          routed("lab", R"("ct")", "10.20.0.0/16", "10.20.0.1"),
      R"({"prefix": "0.0.0.0/0", "via": "203.0.113.1"}, {"prefix": "172.16.0.0/12", "via": "10.20.0.254"})"));
  ASSERT_TRUE(parsed.ok()) << (parsed.issues.empty() ? "" : parsed.issues[0].message);
  const GatewayConfig& c = parsed.config;
  ASSERT_EQ(c.networks.size(), 3u);
  EXPECT_EQ(c.networks[0].mode, NetworkMode::routed);
  EXPECT_EQ(c.networks[0].gateway, 0xcb007102u);
  EXPECT_FALSE(c.networks[0].router_mac.has_value());
  EXPECT_EQ(c.networks[1].router_mac, (MacAddress{0x02, 0, 0, 0, 0x50, 0x01}));
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].prefix, (Ipv4Prefix{0, 0}));
  EXPECT_EQ(c.routes[0].via, 0xcb007101u);
  EXPECT_EQ(c.routes[1].prefix, (Ipv4Prefix{0xac100000, 12}));

  // The canonical form keeps everything, and reads back to the same config.
  const std::string canonical = to_canonical_json(c);
  EXPECT_NE(canonical.find("\"gateway\": \"192.168.50.1\""), std::string::npos) << canonical;
  EXPECT_NE(canonical.find("\"prefix\": \"0.0.0.0/0\""), std::string::npos) << canonical;
  const ParsedConfig again = parse_config(canonical);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.config, c);
}

TEST(RoutedConfig, DocumentsWithoutRoutesKeepTheirCanonicalForm) {
  const ParsedConfig parsed = parse_config(document(wan()));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(to_canonical_json(parsed.config).find("routes"), std::string::npos);
}

TEST(RoutedConfig, NatNetworkWithForwards) {
  const ParsedConfig parsed = parse_config(document(
      wan() + ", " +
      nat_net("guests", R"({"uplink": "wan", "max_sessions_per_host": 100,
                            "port_forwards": [{"protocol": "tcp", "port": 8080, "to": "192.168.60.10", "to_port": 80}]})")));
  ASSERT_TRUE(parsed.ok()) << (parsed.issues.empty() ? "" : parsed.issues[0].pointer + " " + parsed.issues[0].message);
  const NetworkConfig& n = parsed.config.networks[1];
  EXPECT_EQ(n.mode, NetworkMode::nat);
  ASSERT_TRUE(n.nat.has_value());
  EXPECT_EQ(n.nat->uplink, "wan");
  EXPECT_EQ(n.nat->max_sessions, 65536u);
  EXPECT_EQ(n.nat->max_sessions_per_host, 100u);
  ASSERT_EQ(n.nat->port_forwards.size(), 1u);
  EXPECT_EQ(n.nat->port_forwards[0].to, 0xc0a83c0au);
  const ParsedConfig again = parse_config(to_canonical_json(parsed.config));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.config, parsed.config);
}

TEST(RoutedConfig, DhcpServerSettings) {
  const ParsedConfig parsed = parse_config(document(
      wan() + ", " +
      lan(R"(, "dhcp": {"range": {"first": "192.168.50.100", "last": "192.168.50.199"}, "lease_time_s": 600,
                        "dns": ["192.168.50.1", "9.9.9.9"], "domain": "site.example", "mtu": 1400,
                        "static_leases": [{"mac": "52:54:00:AA:00:01", "ip": "192.168.50.10"}]})") +
      ", " + routed("lab", R"("ct")", "10.20.0.0/16", "10.20.0.1", R"(, "dhcp": {})")));
  ASSERT_TRUE(parsed.ok()) << (parsed.issues.empty() ? "" : parsed.issues[0].pointer + " " + parsed.issues[0].message);
  const GatewayConfig& c = parsed.config;
  EXPECT_FALSE(c.networks[0].dhcp.has_value());
  ASSERT_TRUE(c.networks[1].dhcp.has_value());
  const NetworkDhcpConfig& d = *c.networks[1].dhcp;
  EXPECT_EQ(d.range_first, 0xc0a83264u);
  EXPECT_EQ(d.range_last, 0xc0a832c7u);
  EXPECT_EQ(d.lease_time_s, 600u);
  EXPECT_EQ(d.dns, (std::vector<uint32_t>{0xc0a83201u, 0x09090909u}));
  EXPECT_EQ(d.domain, "site.example");
  EXPECT_EQ(d.mtu, 1400);
  ASSERT_EQ(d.static_leases.size(), 1u);
  EXPECT_EQ(d.static_leases[0].mac, (MacAddress{0x52, 0x54, 0, 0xaa, 0, 1}));
  EXPECT_EQ(d.static_leases[0].ip, 0xc0a8320au);
  // {} serves the upper half of the larger side of the gateway: 10.20.128.0 - 10.20.255.254.
  ASSERT_TRUE(c.networks[2].dhcp.has_value());
  EXPECT_EQ(c.networks[2].dhcp->range_first, 0x0a148000u);
  EXPECT_EQ(c.networks[2].dhcp->range_last, 0x0a14fffeu);
  EXPECT_EQ(c.networks[2].dhcp->lease_time_s, 3600u);
  const ParsedConfig again = parse_config(to_canonical_json(c));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.config, c);
}

std::string dhcp_lan(const std::string& dhcp) { return document(lan(R"(, "dhcp": )" + dhcp)); }

std::vector<InvalidCase> cases() {
  return {
      {"dhcp_in_bridge_mode", document(R"({"name": "n", "mode": "bridge", "ports": ["up"], "dhcp": {}})"),
       "/networks/0/dhcp", "allowed only in modes 'routed' and 'nat'"},
      {"dhcp_range_off_subnet", dhcp_lan(R"({"range": {"first": "192.168.50.100", "last": "192.168.51.10"}})"),
       "/networks/0/dhcp/range/last", "192.168.51.10 is outside the subnet"},
      {"dhcp_range_reversed", dhcp_lan(R"({"range": {"first": "192.168.50.200", "last": "192.168.50.100"}})"),
       "/networks/0/dhcp/range", "first 192.168.50.200 is after last 192.168.50.100"},
      {"dhcp_range_has_gateway", dhcp_lan(R"({"range": {"first": "192.168.50.1", "last": "192.168.50.1"}})"),
       "/networks/0/dhcp/range/first", "192.168.50.1 is the server address"},
      {"dhcp_range_has_host_port", dhcp_lan(R"({"range": {"first": "192.168.50.2", "last": "192.168.50.9"}})"),
       "/networks/0/dhcp/range", "contains 192.168.50.2, the address of host port 'host'"},
      {"dhcp_range_missing_last", dhcp_lan(R"({"range": {"first": "192.168.50.2"}})"), "/networks/0/dhcp/range",
       "missing required field 'last'"},
      {"dhcp_static_duplicate_ip", dhcp_lan(R"({"static_leases": [{"mac": "52:54:00:00:00:01", "ip": "192.168.50.10"},
                                                                  {"mac": "52:54:00:00:00:02", "ip": "192.168.50.10"}]})"),
       "/networks/0/dhcp/static_leases/1/ip", "192.168.50.10 is also static_leases/0"},
      {"dhcp_static_duplicate_mac", dhcp_lan(R"({"static_leases": [{"mac": "52:54:00:00:00:01", "ip": "192.168.50.10"},
                                                                   {"mac": "52:54:00:00:00:01", "ip": "192.168.50.11"}]})"),
       "/networks/0/dhcp/static_leases/1/mac", "same MAC as static_leases/0"},
      {"dhcp_static_off_subnet", dhcp_lan(R"({"static_leases": [{"mac": "52:54:00:00:00:01", "ip": "10.0.0.10"}]})"),
       "/networks/0/dhcp/static_leases/0/ip", "10.0.0.10 is outside the subnet"},
      {"dhcp_static_is_host_port", dhcp_lan(R"({"static_leases": [{"mac": "52:54:00:00:00:01", "ip": "192.168.50.2"}]})"),
       "/networks/0/dhcp/static_leases/0/ip", "is the address of host port 'host'"},
      {"dhcp_static_bad_mac", dhcp_lan(R"({"static_leases": [{"mac": "52:54:00:00:00", "ip": "192.168.50.10"}]})"),
       "/networks/0/dhcp/static_leases/0/mac", "must be a MAC address 'xx:xx:xx:xx:xx:xx' in hex, got '52:54:00:00:00'"},
      {"dhcp_lease_time_short", dhcp_lan(R"({"lease_time_s": 10})"), "/networks/0/dhcp/lease_time_s",
       "must be an integer between 60 and 31536000, got 10"},
      {"dhcp_too_many_dns", dhcp_lan(R"({"dns": ["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5"]})"),
       "/networks/0/dhcp/dns", "must have at most 4 DNS servers, got 5"},
      {"dhcp_domain_chars", dhcp_lan(R"({"domain": "bad domain"})"), "/networks/0/dhcp/domain",
       "only letters, digits, '-' and '.' are allowed"},
      {"dhcp_mtu_small", dhcp_lan(R"({"mtu": 100})"), "/networks/0/dhcp/mtu",
       "must be 0 (not sent) or between 576 and 9600, got 100"},
      {"dhcp_unknown_field", dhcp_lan(R"({"gateway": "192.168.50.1"})"), "/networks/0/dhcp/gateway", "unknown field"},
      {"nat_without_nat", document(wan() + ", " + with_mode("nat", "g", R"("vm")", "192.168.60.0/24", "192.168.60.1")),
       "/networks/1", "missing required field 'nat', needed in mode 'nat'"},
      {"nat_in_routed_mode", document(wan() + ", " + lan(R"(, "nat": {"uplink": "wan"})")), "/networks/1/nat",
       "allowed only in mode 'nat'"},
      {"nat_unknown_uplink", document(wan() + ", " + nat_net("g", R"({"uplink": "wan2"})")), "/networks/1/nat/uplink",
       "unknown network 'wan2'"},
      {"nat_uplink_is_nat",
       document(wan() + ", " + nat_net("g", R"({"uplink": "wan"})") + ", " +
                nat_net("h", R"({"uplink": "g"})", "192.168.70.0/24", "192.168.70.1", R"("ct")")),
       "/networks/2/nat/uplink", "network 'g' has mode 'nat'; an uplink must be in mode 'routed'"},
      {"nat_forward_off_subnet",
       document(wan() + ", " + nat_net("g", R"({"uplink": "wan", "port_forwards": [{"protocol": "udp", "port": 53,
                                                 "to": "10.9.9.9", "to_port": 53}]})")),
       "/networks/1/nat/port_forwards/0/to", "must be on the network's subnet '192.168.60.0/24', got '10.9.9.9'"},
      {"nat_forward_protocol",
       document(wan() + ", " + nat_net("g", R"({"uplink": "wan", "port_forwards": [{"protocol": "sctp", "port": 53,
                                                 "to": "192.168.60.9", "to_port": 53}]})")),
       "/networks/1/nat/port_forwards/0/protocol", "must be one of 'tcp', 'udp', got 'sctp'"},
      {"nat_forward_duplicate_port",
       document(wan() + ", " + nat_net("g", R"({"uplink": "wan", "port_forwards": [
                  {"protocol": "tcp", "port": 80, "to": "192.168.60.9", "to_port": 80},
                  {"protocol": "tcp", "port": 80, "to": "192.168.60.8", "to_port": 8080}]})")),
       "/networks/1/nat/port_forwards/1/port",
       "duplicate port forward 'tcp port 80 of uplink wan' (also /networks/1/nat/port_forwards/0/port)"},
      {"nat_max_sessions_small", document(wan() + ", " + nat_net("g", R"({"uplink": "wan", "max_sessions": 10})")),
       "/networks/1/nat/max_sessions", "must be an integer between 1024 and 1048576, got 10"},
      {"mode_unknown", document(R"({"name": "n", "mode": "nat0", "ports": ["vm"]})"), "/networks/0/mode",
       "must be one of 'bridge', 'host-only', 'isolated', 'internal', 'routed', 'nat', got 'nat0'"},
      {"routed_without_subnet", document(routed("lan", R"("vm")", "", "192.168.50.1")), "/networks/0",
       "missing required field 'subnet', needed in mode 'routed'"},
      {"routed_without_gateway", document(routed("lan", R"("vm")", "192.168.50.0/24", "")), "/networks/0",
       "missing required field 'gateway', needed in mode 'routed'"},
      {"gateway_not_an_address", document(routed("lan", R"("vm")", "192.168.50.0/24", "192.168.50.1/24")),
       "/networks/0/gateway", "must be an IPv4 address 'a.b.c.d', got '192.168.50.1/24'"},
      {"gateway_off_subnet", document(routed("lan", R"("vm")", "192.168.50.0/24", "192.168.51.1")),
       "/networks/0/gateway", "must be on the network's subnet '192.168.50.0/24', got '192.168.51.1'"},
      {"gateway_is_broadcast", document(routed("lan", R"("vm")", "192.168.50.0/24", "192.168.50.255")),
       "/networks/0/gateway",
       "must be a host address of '192.168.50.0/24', not its network or broadcast address, got '192.168.50.255'"},
      {"gateway_in_bridge_mode",
       document(R"({"name": "n", "mode": "bridge", "ports": ["up"], "gateway": "10.0.0.1"})"), "/networks/0/gateway",
       "allowed only in modes 'routed' and 'nat'"},
      {"router_mac_multicast", document(lan(R"(, "router_mac": "01:00:5e:00:00:01")")), "/networks/0/router_mac",
       "must be a unicast MAC address (lowest bit of the first octet clear), got '01:00:5e:00:00:01'"},
      {"host_address_off_subnet", document(routed("lan", R"("vm", "host")", "192.168.60.0/24", "192.168.60.1")),
       "/networks/0/ports/1",
       "host port 'host' has address '192.168.50.2/24', which is not on the subnet '192.168.60.0/24' of network "
       "'lan'"},
      {"host_address_is_gateway", document(routed("lan", R"("vm", "host")", "192.168.50.0/24", "192.168.50.2")),
       "/networks/0/ports/1", "host port 'host' has the gateway address of network 'lan'"},
      {"route_prefix_host_bits", document(wan(), R"({"prefix": "10.1.2.3/8", "via": "203.0.113.1"})"),
       "/routes/0/prefix", "must have all host bits zero, got '10.1.2.3/8' (did you mean '10.0.0.0/8')"},
      {"route_prefix_length", document(wan(), R"({"prefix": "10.0.0.0/33", "via": "203.0.113.1"})"),
       "/routes/0/prefix", "must be an IPv4 prefix 'a.b.c.d/len' with len 0..32, got '10.0.0.0/33'"},
      {"route_via_not_connected", document(wan(), R"({"prefix": "0.0.0.0/0", "via": "198.51.100.1"})"),
       "/routes/0/via",
       "must be on the subnet of a routed network (a directly connected next hop), got '198.51.100.1'"},
      {"route_via_gateway_itself", document(wan(), R"({"prefix": "0.0.0.0/0", "via": "203.0.113.2"})"),
       "/routes/0/via", "is the gateway address of network 'wan' itself"},
      {"route_duplicate",
       document(wan(), R"({"prefix": "0.0.0.0/0", "via": "203.0.113.1"}, {"prefix": "0.0.0.0/0", "via": "203.0.113.3"})"),
       "/routes/1/prefix", "duplicate route prefix '0.0.0.0/0' (also /routes/0/prefix)"},
      {"route_to_connected_subnet", document(wan(), R"({"prefix": "203.0.113.0/24", "via": "203.0.113.1"})"),
       "/routes/0/prefix", "is the subnet of network 'wan' (at /networks/0/gateway), which is routed there directly"},
      {"route_inside_its_next_hops_subnet",
       document(wan(), R"({"prefix": "203.0.113.128/25", "via": "203.0.113.1"})"), "/routes/0/prefix",
       "lies inside the subnet of network 'wan', the network of its own next hop"},
      {"route_unknown_field", document(wan(), R"({"prefix": "0.0.0.0/0", "via": "203.0.113.1", "metric": 5})"),
       "/routes/0/metric", "unknown field"},
  };
}

class InvalidRoutedDocument : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRoutedDocument, ReportsExactlyTheExpectedIssue) { test::expect_exactly_the_issue(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Config, InvalidRoutedDocument, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace edgegw::control
