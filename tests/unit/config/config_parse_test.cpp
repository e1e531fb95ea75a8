// parse_config() on valid documents, defaults, several issues at once, the canonical form and
// first_issue_error().
#include <gtest/gtest.h>

#include <string>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {
namespace {

using test::doc;
using test::kLan;
using test::kWan;

std::string describe(const ParsedConfig& parsed) {
  std::string all;
  for (const ConfigIssue& issue : parsed.issues) all += "\n  " + issue.pointer + " : " + issue.message;
  return all;
}

TEST(ParseConfig, FillsDefaultsForOmittedFields) {
  const ParsedConfig parsed = parse_config(doc(kLan, R"({"name": "site", "mode": "bridge", "ports": ["lan"]})"));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const GatewayConfig& c = parsed.config;
  EXPECT_EQ(c.version, 1u);
  EXPECT_EQ(c.description, "");
  ASSERT_EQ(c.ports.size(), 1u);
  EXPECT_EQ(c.ports[0].mtu, 1500);
  EXPECT_FALSE(c.ports[0].mac.has_value());
  EXPECT_TRUE(c.ports[0].admin_up);
  EXPECT_EQ(c.ports[0].role, PortRole::physical);
  EXPECT_EQ(c.ports[0].queues, 1);
  EXPECT_EQ(c.ports[0].mac_limit, 0u);
  ASSERT_EQ(c.networks.size(), 1u);
  EXPECT_FALSE(c.networks[0].subnet.has_value());
  EXPECT_TRUE(c.networks[0].static_macs.empty());
  EXPECT_EQ(c.networks[0].fdb.aging_s, 300u);
  EXPECT_EQ(c.networks[0].fdb.max_entries, 4096u);
}

TEST(ParseConfig, ReadsEveryField) {
  const ParsedConfig parsed = parse_config(R"({
    "version": 9007199254740991,
    "description": "all fields",
    "ports": [
      {"name": "up", "kind": "pci", "pci": "0000:0A:1f.7", "mtu": 9600, "mac": "02:AB:cd:00:00:01", "admin_up": false},
      {"name": "host", "kind": "tap", "iface": "egw-host", "mtu": 68},
      {"name": "lan", "kind": "af_packet", "iface": "veth0"},
      {"name": "vm-1_a", "kind": "vdev", "devargs": "net_memif0,role=server"}
    ],
    "networks": [
      {"name": "wan", "mode": "bridge", "ports": ["up"], "subnet": "203.0.113.0/24",
       "fdb": {"aging_s": 10, "max_entries": 65536}},
      {"name": "lan", "mode": "bridge", "ports": ["lan", "vm-1_a", "host"], "subnet": "10.0.0.0/8",
       "fdb": {"aging_s": 86400}}
    ]
  })");
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const GatewayConfig& c = parsed.config;
  EXPECT_EQ(c.version, 9007199254740991u);
  EXPECT_EQ(c.description, "all fields");
  ASSERT_EQ(c.ports.size(), 4u);
  EXPECT_EQ(c.ports[0].kind, PortKind::pci);
  EXPECT_EQ(c.ports[0].pci, "0000:0a:1f.7") << "PCI addresses are kept in lowercase";
  EXPECT_EQ(c.ports[0].mtu, 9600);
  EXPECT_EQ(c.ports[0].mac, (MacAddress{0x02, 0xab, 0xcd, 0x00, 0x00, 0x01}));
  EXPECT_FALSE(c.ports[0].admin_up);
  EXPECT_EQ(c.ports[1].kind, PortKind::tap);
  EXPECT_EQ(c.ports[1].iface, "egw-host");
  EXPECT_EQ(c.ports[1].mtu, 68);
  EXPECT_EQ(c.ports[2].kind, PortKind::af_packet);
  EXPECT_EQ(c.ports[3].kind, PortKind::vdev);
  EXPECT_EQ(c.ports[3].devargs, "net_memif0,role=server");
  ASSERT_EQ(c.networks.size(), 2u);
  EXPECT_EQ(c.networks[0].subnet, (Ipv4Prefix{0xcb007100u, 24}));
  EXPECT_EQ(c.networks[0].fdb.aging_s, 10u);
  EXPECT_EQ(c.networks[0].fdb.max_entries, 65536u);
  EXPECT_EQ(c.networks[1].ports, (std::vector<NetworkMember>{{"lan"}, {"vm-1_a"}, {"host"}}));
  EXPECT_EQ(c.networks[1].fdb.aging_s, 86400u);
  EXPECT_EQ(c.networks[1].fdb.max_entries, 4096u);
  EXPECT_EQ(c.find_port("host"), &c.ports[1]);
  EXPECT_EQ(c.find_network("lan"), &c.networks[1]);
}

TEST(ParseConfig, AcceptsIntegersWrittenWithAZeroFraction) {
  // JSON Schema's "integer" accepts 1500.0, so the parser does too.
  const ParsedConfig parsed =
      parse_config(R"({"version": 2.0, "ports": [{"name": "lan", "kind": "tap", "iface": "t0", "mtu": 1500.0}],
                      "networks": []})");
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  EXPECT_EQ(parsed.config.version, 2u);
  EXPECT_EQ(parsed.config.ports[0].mtu, 1500);
}

TEST(ParseConfig, AcceptsADocumentOfExactlyTheSizeLimit) {
  std::string text = R"({"version": 1, "ports": [], "networks": []})";
  text += std::string(kMaxConfigBytes - text.size(), ' ');  // JSON allows trailing whitespace
  ASSERT_EQ(text.size(), kMaxConfigBytes);
  const ParsedConfig parsed = parse_config(text);
  EXPECT_TRUE(parsed.ok()) << describe(parsed);
}

TEST(ParseConfig, AcceptsEveryPortAndNetworkUpToTheLimits) {
  std::string ports;
  for (size_t i = 0; i < kMaxPorts; ++i) {
    const std::string n = std::to_string(i);
    ports += std::string(i ? ", " : "") + R"({"name": "p)" + n + R"(", "kind": "tap", "iface": "t)" + n + "\"}";
  }
  const ParsedConfig parsed = parse_config(doc(ports));
  EXPECT_TRUE(parsed.ok()) << describe(parsed);
  EXPECT_EQ(parsed.config.ports.size(), kMaxPorts);
}

TEST(ParseConfig, AcceptsAdjacentSubnets) {
  const ParsedConfig parsed = parse_config(doc(kLan + ", " + kWan, R"(
      {"name": "a", "mode": "bridge", "ports": ["lan"], "subnet": "10.0.0.0/24"},
      {"name": "b", "mode": "bridge", "ports": ["wan"], "subnet": "10.0.1.0/24"})"));
  EXPECT_TRUE(parsed.ok()) << describe(parsed);
}

TEST(ParseConfig, ReportsEveryIssueInDocumentOrder) {
  // Networks come first in this document, and the validator reads ports first: the issues must still
  // come out in the order of the text.
  const ParsedConfig parsed = parse_config(R"({
    "version": 1,
    "networks": [{"name": "site", "mode": "bridge", "ports": ["lan", "wan"]}],
    "ports": [{"name": "lan", "kind": "tap", "iface": "t0", "mtu": 70000}],
    "extra": true
  })");
  ASSERT_EQ(parsed.issues.size(), 3u) << describe(parsed);
  EXPECT_EQ(parsed.issues[0], (ConfigIssue{"/networks/0/ports/1", "unknown port 'wan'"}));
  EXPECT_EQ(parsed.issues[1], (ConfigIssue{"/ports/0/mtu", "must be an integer between 68 and 9600, got 70000"}));
  EXPECT_EQ(parsed.issues[2], (ConfigIssue{"/extra", "unknown field"}));
}

TEST(ParseConfig, ReportsAMissingFieldBeforeTheIssuesInsideItsObject) {
  const ParsedConfig parsed = parse_config(doc(R"({"mtu": 1, "name": "lan", "kind": "tap"})"));
  ASSERT_EQ(parsed.issues.size(), 2u) << describe(parsed);
  EXPECT_EQ(parsed.issues[0],
            (ConfigIssue{"/ports/0", "missing required field 'iface', needed for kind 'tap'"}));
  EXPECT_EQ(parsed.issues[1], (ConfigIssue{"/ports/0/mtu", "must be an integer between 68 and 9600, got 1"}));
}

TEST(ParseConfig, ReportsDuplicateMembersAndStillValidatesTheRest) {
  const ParsedConfig parsed = parse_config(
      R"({"version": 1, "ports": [{"name": "lan", "kind": "tap", "iface": "t0", "mtu": 1500, "mtu": 1}],
          "networks": []})");
  ASSERT_EQ(parsed.issues.size(), 2u) << describe(parsed);
  EXPECT_EQ(parsed.issues[0],
            (ConfigIssue{"/ports/0/mtu", "duplicate field: a field may appear only once in an object"}));
  EXPECT_EQ(parsed.issues[1], (ConfigIssue{"/ports/0/mtu", "must be an integer between 68 and 9600, got 1"}))
      << "the last value of a repeated member is the one validated";
}

TEST(ParseConfig, CapsTheNumberOfReportedIssues) {
  // 32 ports with four unknown fields and two missing ones each: 192 issues.
  std::string ports;
  for (size_t i = 0; i < kMaxPorts; ++i) ports += std::string(i ? ", " : "") + R"({"a": 1, "b": 2, "c": 3, "d": 4})";
  const ParsedConfig parsed = parse_config(doc(ports));
  ASSERT_EQ(parsed.issues.size(), 101u);
  EXPECT_EQ(parsed.issues[0], (ConfigIssue{"/ports/0", "missing required field 'name'"}));
  EXPECT_EQ(parsed.issues[1], (ConfigIssue{"/ports/0", "missing required field 'kind'"}));
  EXPECT_EQ(parsed.issues[2], (ConfigIssue{"/ports/0/a", "unknown field"}));
  EXPECT_EQ(parsed.issues[99], (ConfigIssue{"/ports/16/b", "unknown field"}));
  EXPECT_EQ(parsed.issues[100], (ConfigIssue{"", "too many issues: 92 more after the first 100 are not reported"}));
}

TEST(ParseConfig, ChecksOnlyTheEntriesWithinTheLimitOfAnOversizedArray) {
  // Bounds the work a hostile document can cause; the document is refused for its length anyway.
  std::string ports;
  for (size_t i = 0; i < kMaxPorts + 100; ++i) ports += std::string(i ? ", " : "") + "{}";
  const ParsedConfig parsed = parse_config(doc(ports));
  ASSERT_EQ(parsed.issues.size(), 1u + 2 * kMaxPorts);
  EXPECT_EQ(parsed.issues[0], (ConfigIssue{"/ports", "must have at most 32 ports, got 132"}));
  EXPECT_EQ(parsed.issues.back(), (ConfigIssue{"/ports/31", "missing required field 'kind'"}));
}

TEST(ParseConfig, DoesNotCascadeFromABrokenPortsArray) {
  // With /ports unreadable, references to ports cannot be judged and are not reported as unknown.
  const ParsedConfig parsed = parse_config(
      R"({"version": 1, "ports": "lan", "networks": [{"name": "s", "mode": "bridge", "ports": ["lan"]}]})");
  ASSERT_EQ(parsed.issues.size(), 1u) << describe(parsed);
  EXPECT_EQ(parsed.issues[0], (ConfigIssue{"/ports", "must be an array, got string"}));
}

TEST(ParseConfig, DoesNotCascadeFromAnOversizedPortsArray) {
  // Port 33 is not read, so a network using it cannot be told it does not exist.
  std::string ports;
  for (size_t i = 0; i <= kMaxPorts; ++i) {
    const std::string n = std::to_string(i);
    ports += std::string(i ? ", " : "") + R"({"name": "p)" + n + R"(", "kind": "tap", "iface": "t)" + n + "\"}";
  }
  const ParsedConfig parsed = parse_config(doc(ports, R"({"name": "s", "mode": "bridge", "ports": ["p32"]})"));
  ASSERT_EQ(parsed.issues.size(), 1u) << describe(parsed);
  EXPECT_EQ(parsed.issues[0], (ConfigIssue{"/ports", "must have at most 32 ports, got 33"}));
}

TEST(ParseConfig, ABadlyNamedPortIsNotAlsoAnUnknownReference) {
  const ParsedConfig parsed = parse_config(
      doc(R"({"name": "LAN", "kind": "tap", "iface": "t0"})", R"({"name": "s", "mode": "bridge", "ports": ["LAN"]})"));
  ASSERT_EQ(parsed.issues.size(), 1u) << describe(parsed);
  EXPECT_EQ(parsed.issues[0].pointer, "/ports/0/name");
}

TEST(ParseConfig, NamesANetworkWithoutAUsableNameByItsPointer) {
  const ParsedConfig parsed = parse_config(doc(kLan, R"({"name": "S", "mode": "bridge", "ports": ["lan"]},
                                                       {"name": "t", "mode": "bridge", "ports": ["lan"]})"));
  ASSERT_EQ(parsed.issues.size(), 2u) << describe(parsed);
  EXPECT_EQ(parsed.issues[1],
            (ConfigIssue{"/networks/1/ports/0", "port 'lan' is already untagged in another network at /networks/0/ports/0"}));
}

TEST(CanonicalJson, HasAFixedShapeWithDefaultsWrittenOut) {
  const ParsedConfig parsed = parse_config(
      R"({"networks": [{"ports": ["lan"], "mode": "bridge", "name": "site", "subnet": "10.1.0.0/16"}],
          "ports": [{"mac": "02:00:00:00:00:AA", "iface": "t0", "kind": "tap", "name": "lan"}], "version": 3})");
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  EXPECT_EQ(to_canonical_json(parsed.config), R"({
  "version": 3,
  "description": "",
  "ports": [
    {
      "name": "lan",
      "kind": "tap",
      "role": "physical",
      "iface": "t0",
      "mtu": 1500,
      "mac": "02:00:00:00:00:aa",
      "admin_up": true,
      "queues": 1,
      "mac_limit": 0
    }
  ],
  "networks": [
    {
      "name": "site",
      "mode": "bridge",
      "ports": [
        "lan"
      ],
      "static_macs": [],
      "subnet": "10.1.0.0/16",
      "fdb": {
        "aging_s": 300,
        "max_entries": 4096
      }
    }
  ]
}
)");
}

TEST(CanonicalJson, RoundTripsToAnEqualConfig) {
  const ParsedConfig parsed = parse_config(doc(
      kLan + R"(, {"name": "up", "kind": "pci", "pci": "0000:03:00.1", "mtu": 9000, "admin_up": false},
                {"name": "vm", "kind": "vdev", "devargs": "net_ring0"})",
      R"({"name": "site", "mode": "bridge", "ports": ["lan", "vm"], "fdb": {"aging_s": 60}})"));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const std::string canonical = to_canonical_json(parsed.config);
  const ParsedConfig again = parse_config(canonical);
  ASSERT_TRUE(again.ok()) << describe(again);
  EXPECT_EQ(again.config, parsed.config);
  EXPECT_EQ(to_canonical_json(again.config), canonical);
}

TEST(CanonicalJson, NeverThrowsOnAConfigBuiltInCode) {
  GatewayConfig config;
  config.description = "bad \xff utf-8";  // parse_config would never produce this
  EXPECT_NE(to_canonical_json(config).find("\"description\": \"bad"), std::string::npos);
}

TEST(FirstIssueError, CarriesTheFirstIssue) {
  const ParsedConfig parsed = parse_config(doc(kLan + ", " + kLan));
  ASSERT_EQ(parsed.issues.size(), 2u) << describe(parsed);
  const Error error = first_issue_error(parsed);
  EXPECT_EQ(error.code, Errc::validation);
  EXPECT_EQ(error.pointer, "/ports/1/name");
  EXPECT_EQ(error.message, "duplicate port name 'lan' (also /ports/0/name)");
  EXPECT_EQ(error.to_string(), "/ports/1/name: duplicate port name 'lan' (also /ports/0/name)");
}

TEST(FirstIssueError, OnAValidConfigIsAnInternalError) {
  const ParsedConfig parsed = parse_config(doc(kLan));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(first_issue_error(parsed).code, Errc::internal);
}

}  // namespace
}  // namespace edgegw::control
