// Routed networks and static routes: what a valid document yields, and every rule it can break
// (exactly one issue, with its pointer and message).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {
namespace {

using test::InvalidCase;

const std::string kPorts =
    R"({"name": "up", "kind": "af_packet", "iface": "egw-up"},
       {"name": "vm", "kind": "vhost"},
       {"name": "ct", "kind": "af_packet", "iface": "egw-ct", "role": "guest"},
       {"name": "host", "kind": "host", "iface": "egw-host", "address": "192.168.50.2/24"})";

std::string routed(const std::string& name, const std::string& ports, const std::string& subnet,
                   const std::string& gateway, const std::string& extra = "") {
  std::string n = R"({"name": ")" + name + R"(", "mode": "routed", "ports": [)" + ports + "]";
  if (!subnet.empty()) n += R"(, "subnet": ")" + subnet + "\"";
  if (!gateway.empty()) n += R"(, "gateway": ")" + gateway + "\"";
  return n + extra + "}";
}

std::string wan() { return routed("wan", R"("up")", "203.0.113.0/24", "203.0.113.2"); }
std::string lan(const std::string& extra = "") {
  return routed("lan", R"("vm", "host")", "192.168.50.0/24", "192.168.50.1", extra);
}

std::string document(const std::string& networks, const std::string& routes = "") {
  std::string d = R"({"version": 1, "ports": [)" + kPorts + R"(], "networks": [)" + networks + "]";
  if (!routes.empty()) d += R"(, "routes": [)" + routes + "]";
  return d + "}";
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

std::vector<InvalidCase> cases() {
  return {
      {"mode_unknown", document(R"({"name": "n", "mode": "nat0", "ports": ["vm"]})"), "/networks/0/mode",
       "must be one of 'bridge', 'host-only', 'isolated', 'internal', 'routed', got 'nat0'"},
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
       "allowed only in mode 'routed'"},
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
