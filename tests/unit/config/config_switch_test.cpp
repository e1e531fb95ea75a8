// The switch part of the schema as accepted: vhost and host ports, roles and their defaults, queues,
// MAC limits, tagged and QinQ memberships, static MACs, the network modes, and their canonical form.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {
namespace {

using json = nlohmann::ordered_json;
using test::doc;

std::string describe(const ParsedConfig& parsed) {
  std::string all;
  for (const ConfigIssue& issue : parsed.issues) all += "\n  " + issue.pointer + " : " + issue.message;
  return all;
}

const std::string kUplink = R"({"name": "uplink", "kind": "af_packet", "iface": "egw-up"})";
const std::string kVm = R"({"name": "vm1", "kind": "vhost"})";
const std::string kHost = R"({"name": "host", "kind": "host", "iface": "egw-host"})";

TEST(SwitchSchema, RolesDefaultFromTheKind) {
  const ParsedConfig parsed = parse_config(doc(kUplink + ", " + kVm + ", " + kHost));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const GatewayConfig& c = parsed.config;
  EXPECT_EQ(c.ports[0].role, PortRole::physical);
  EXPECT_EQ(c.ports[1].kind, PortKind::vhost);
  EXPECT_EQ(c.ports[1].role, PortRole::guest);
  EXPECT_EQ(c.ports[1].socket, "") << "the default socket is decided when the switch is compiled";
  EXPECT_EQ(c.ports[2].kind, PortKind::host);
  EXPECT_EQ(c.ports[2].role, PortRole::host);
  EXPECT_EQ(c.ports[2].iface, "egw-host");
  EXPECT_FALSE(c.ports[2].address.has_value());
}

TEST(SwitchSchema, ReadsPortSwitchFields) {
  const ParsedConfig parsed = parse_config(doc(
      R"({"name": "ct", "kind": "af_packet", "iface": "veth-ct", "role": "guest", "queues": 16, "mac_limit": 65536},
         {"name": "vm1", "kind": "vhost", "socket": "/run/vms/vm1.sock", "queues": 4, "mac_limit": 0},
         {"name": "host", "kind": "host", "iface": "egw-host", "address": "192.168.50.1/24"})"));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const GatewayConfig& c = parsed.config;
  EXPECT_EQ(c.ports[0].role, PortRole::guest);
  EXPECT_EQ(c.ports[0].queues, 16);
  EXPECT_EQ(c.ports[0].mac_limit, 65536u);
  EXPECT_EQ(c.ports[1].socket, "/run/vms/vm1.sock");
  EXPECT_EQ(c.ports[1].queues, 4);
  ASSERT_TRUE(c.ports[2].address.has_value());
  EXPECT_EQ(*c.ports[2].address, (Ipv4HostAddress{0xc0a83201u, 24}));
}

TEST(SwitchSchema, ReadsTrunkQinqAndStaticMacs) {
  const ParsedConfig parsed = parse_config(doc(kUplink + ", " + kVm + ", " + kHost, R"(
      {"name": "site", "mode": "bridge", "ports": ["uplink", "host"]},
      {"name": "v10", "mode": "bridge", "ports": [{"port": "uplink", "vlan": 10}, "vm1"],
       "static_macs": [{"mac": "02:00:00:00:0A:01", "port": "vm1"}]},
      {"name": "q", "mode": "bridge", "ports": [{"port": "uplink", "vlan": 10, "outer_vlan": 100}]},
      {"name": "tagged", "mode": "bridge", "ports": [{"port": "uplink"}]})"));
  // A port object without "vlan" is an untagged membership: the uplink is then untagged twice.
  ASSERT_EQ(parsed.issues.size(), 1u) << describe(parsed);
  EXPECT_EQ(parsed.issues[0],
            (ConfigIssue{"/networks/3/ports/0/port", "port 'uplink' is already untagged in network 'site' at "
                                                     "/networks/0/ports/0"}));

  const ParsedConfig ok = parse_config(doc(kUplink + ", " + kVm + ", " + kHost, R"(
      {"name": "site", "mode": "bridge", "ports": ["uplink", "host"]},
      {"name": "v10", "mode": "bridge", "ports": [{"port": "uplink", "vlan": 10}, "vm1"],
       "static_macs": [{"mac": "02:00:00:00:0A:01", "port": "vm1"}]},
      {"name": "q", "mode": "bridge", "ports": [{"port": "uplink", "vlan": 10, "outer_vlan": 100}]})"));
  ASSERT_TRUE(ok.ok()) << describe(ok);
  const GatewayConfig& c = ok.config;
  EXPECT_EQ(c.networks[0].ports, (std::vector<NetworkMember>{{"uplink"}, {"host"}}));
  EXPECT_EQ(c.networks[1].ports, (std::vector<NetworkMember>{{"uplink", 10, 0}, {"vm1"}}));
  EXPECT_EQ(c.networks[2].ports, (std::vector<NetworkMember>{{"uplink", 10, 100}}));
  ASSERT_EQ(c.networks[1].static_macs.size(), 1u);
  EXPECT_EQ(c.networks[1].static_macs[0].mac, (MacAddress{0x02, 0, 0, 0, 0x0a, 0x01}));
  EXPECT_EQ(c.networks[1].static_macs[0].port, "vm1");
}

TEST(SwitchSchema, EveryModeAcceptsTheRolesItHolds) {
  const std::string ports = kUplink + ", " + kVm + ", " + kHost + R"(, {"name": "vm2", "kind": "vhost"},
      {"name": "ct", "kind": "tap", "iface": "egw-ct", "role": "guest"})";
  const ParsedConfig parsed = parse_config(doc(ports, R"(
      {"name": "lan", "mode": "bridge", "ports": ["uplink", "host"]},
      {"name": "mgmt", "mode": "host-only", "ports": [{"port": "vm1", "vlan": 5}]},
      {"name": "lab", "mode": "internal", "ports": ["vm2", "ct"]})"));
  // host-only needs its host port.
  ASSERT_EQ(parsed.issues.size(), 1u) << describe(parsed);
  EXPECT_EQ(parsed.issues[0],
            (ConfigIssue{"/networks/1/ports", "must include a port with role 'host' in mode 'host-only'"}));

  const ParsedConfig ok = parse_config(doc(ports, R"(
      {"name": "lan", "mode": "bridge", "ports": ["uplink", {"port": "vm1", "vlan": 7}]},
      {"name": "mgmt", "mode": "host-only", "ports": ["host", "vm1"]},
      {"name": "lab", "mode": "internal", "ports": ["vm2", "ct"]})"));
  ASSERT_TRUE(ok.ok()) << describe(ok);
  EXPECT_EQ(ok.config.networks[1].mode, NetworkMode::host_only);
  EXPECT_EQ(ok.config.networks[2].mode, NetworkMode::isolated);
}

TEST(SwitchSchema, CanonicalFormWritesRolesTagsAndTheCanonicalModeName) {
  const ParsedConfig parsed = parse_config(doc(kUplink + ", " + kVm + ", " + kHost, R"(
      {"name": "lan", "mode": "bridge", "ports": ["uplink", {"port": "vm1", "vlan": 7, "outer_vlan": 70}]},
      {"name": "lab", "mode": "internal", "ports": ["vm1"],
       "static_macs": [{"mac": "02:00:00:00:00:0B", "port": "vm1"}]})"));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const std::string text = to_canonical_json(parsed.config);
  const json canonical = json::parse(text);
  EXPECT_EQ(canonical["ports"][0].dump(),
            R"({"name":"uplink","kind":"af_packet","role":"physical","iface":"egw-up","mtu":1500,)"
            R"("admin_up":true,"queues":1,"mac_limit":0})");
  EXPECT_EQ(canonical["ports"][1].dump(),
            R"({"name":"vm1","kind":"vhost","role":"guest","mtu":1500,"admin_up":true,"queues":1,"mac_limit":0})");
  EXPECT_EQ(canonical["ports"][2].dump(),
            R"({"name":"host","kind":"host","role":"host","iface":"egw-host","mtu":1500,"admin_up":true,)"
            R"("queues":1,"mac_limit":0})");
  EXPECT_EQ(canonical["networks"][0]["ports"].dump(), R"(["uplink",{"port":"vm1","vlan":7,"outer_vlan":70}])");
  EXPECT_EQ(canonical["networks"][0]["static_macs"].dump(), "[]");
  EXPECT_EQ(canonical["networks"][1]["mode"], "isolated") << "internal is written as its synonym isolated";
  EXPECT_EQ(canonical["networks"][1]["static_macs"].dump(), R"([{"mac":"02:00:00:00:00:0b","port":"vm1"}])");

  const ParsedConfig again = parse_config(text);
  ASSERT_TRUE(again.ok()) << describe(again);
  EXPECT_EQ(again.config, parsed.config);
  EXPECT_EQ(to_canonical_json(again.config), text);
}

TEST(SwitchSchema, HostAddressKeepsItsPrefixInTheCanonicalForm) {
  const ParsedConfig parsed = parse_config(doc(
      R"({"name": "host", "kind": "host", "iface": "egw-host", "address": "10.1.2.254/23", "role": "host"})"));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const json canonical = json::parse(to_canonical_json(parsed.config));
  EXPECT_EQ(canonical["ports"][0]["address"], "10.1.2.254/23");
  EXPECT_EQ(parsed.config.ports[0].address->prefix(), (Ipv4Prefix{0x0a010200u, 23}));
}

TEST(SwitchSchema, ATrunkCarriesDistinctTagsInManyNetworks) {
  std::string networks;
  for (int vlan = 1; vlan <= 40; ++vlan) {
    networks += std::string(vlan > 1 ? ", " : "") + R"({"name": "v)" + std::to_string(vlan) +
                R"(", "mode": "bridge", "ports": [{"port": "uplink", "vlan": )" + std::to_string(vlan) + "}]}";
  }
  networks += R"(, {"name": "q1", "mode": "bridge", "ports": [{"port": "uplink", "vlan": 1, "outer_vlan": 4094}]})";
  const ParsedConfig parsed = parse_config(doc(kUplink, networks));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  EXPECT_EQ(parsed.config.networks.size(), 41u);
}

}  // namespace
}  // namespace edgegw::control
