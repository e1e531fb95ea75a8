// Security groups: what a valid document yields (rules, port and network lists, the canonical form)
// and every rule it can break (exactly one issue, with its pointer and message).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {
namespace {

using test::InvalidCase;

// Ports "web" (with `port_groups`) and "vm" in network "lan" (with `network_groups`), and the
// groups given.
std::string document(const std::string& groups, const std::string& port_groups = R"(["web"])",
                     const std::string& network_groups = "") {
  std::string d = R"({"version": 1, "ports": [{"name": "up", "kind": "af_packet", "iface": "egw-up"},
      {"name": "web", "kind": "vhost")";
  if (!port_groups.empty()) d += R"(, "security_groups": )" + port_groups;
  d += R"(}, {"name": "vm", "kind": "vhost"}],
      "networks": [{"name": "lan", "mode": "bridge", "ports": ["up", "web", "vm"])";
  if (!network_groups.empty()) d += R"(, "security_groups": )" + network_groups;
  return d + R"(}], "security_groups": [)" + groups + "]}";
}

std::string group(const std::string& name, const std::string& rules) {
  return R"({"name": ")" + name + R"(", "rules": [)" + rules + "]}";
}

std::string rule(const std::string& fields) {
  return R"({"direction": "ingress", "action": "allow")" + (fields.empty() ? "" : ", " + fields) + "}";
}

const std::string kWebGroup = group("web", rule(R"("protocol": "tcp", "ports": "8080")"));

TEST(SecurityConfig, ValidGroupsYieldRulesAndLists) {
  const ParsedConfig parsed = parse_config(document(
      kWebGroup + ", " +
          group("base", rule(R"("protocol": "icmp", "icmp_type": 8, "remote": "10.0.0.0/8")") + ", " +
                            R"({"direction": "egress", "action": "deny", "protocol": "udp", "ports": "1000-2000"})"),
      R"(["web", "base"])", R"(["base"])"));
  ASSERT_TRUE(parsed.ok()) << parsed.issues[0].pointer << " " << parsed.issues[0].message;
  const GatewayConfig& c = parsed.config;
  ASSERT_EQ(c.security_groups.size(), 2u);
  const SecurityRuleConfig& web = c.security_groups[0].rules.at(0);
  EXPECT_EQ(web.direction, SecurityDirection::ingress);
  EXPECT_EQ(web.action, SecurityAction::allow);
  EXPECT_EQ(web.protocol, SecurityProtocol::tcp);
  EXPECT_EQ(web.remote, (Ipv4Prefix{0, 0})) << "the default remote is anywhere";
  EXPECT_EQ(web.ports, (PortRange{8080, 8080}));
  EXPECT_FALSE(web.icmp_type.has_value());
  const std::vector<SecurityRuleConfig>& base = c.security_groups[1].rules;
  ASSERT_EQ(base.size(), 2u);
  EXPECT_EQ(base[0].icmp_type, 8);
  EXPECT_EQ(base[0].remote, (Ipv4Prefix{0x0a000000, 8}));
  EXPECT_EQ(base[1].direction, SecurityDirection::egress);
  EXPECT_EQ(base[1].action, SecurityAction::deny);
  EXPECT_EQ(base[1].ports, (PortRange{1000, 2000}));
  EXPECT_EQ(c.ports[1].security_groups, (std::vector<std::string>{"web", "base"}));
  EXPECT_TRUE(c.ports[2].security_groups.empty());
  EXPECT_EQ(c.networks[0].security_groups, (std::vector<std::string>{"base"}));

  const std::string canonical = to_canonical_json(c);
  EXPECT_NE(canonical.find("\"ports\": \"1000-2000\""), std::string::npos) << canonical;
  EXPECT_NE(canonical.find("\"ports\": \"8080\""), std::string::npos) << canonical;
  EXPECT_NE(canonical.find("\"remote\": \"0.0.0.0/0\""), std::string::npos) << canonical;
  const ParsedConfig again = parse_config(canonical);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.config, c);
}

TEST(SecurityConfig, DocumentsWithoutGroupsKeepTheirCanonicalForm) {
  const ParsedConfig parsed = parse_config(test::doc(test::kLan));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(to_canonical_json(parsed.config).find("security_groups"), std::string::npos);
}

TEST(SecurityConfig, ManyRulesAcrossPoliciesAreBounded) {
  // Short rules: 16384 of them must fit in a document of at most 1 MiB.
  std::string rules;
  for (size_t i = 0; i < kMaxSecurityRules; ++i) rules += std::string(i == 0 ? "" : ",") + R"({"direction":"egress","action":"deny"})";
  std::string groups;
  std::string all;
  const size_t needed = kMaxCompiledSecurityRules / kMaxSecurityRules;  // exactly the bound
  for (size_t g = 0; g < needed; ++g) {
    const std::string name = "g" + std::to_string(g);
    groups += (g == 0 ? "" : ", ") + group(name, rules);
    all += std::string(g == 0 ? "" : ", ") + "\"" + name + "\"";
  }
  // One policy with every group is just within the bound ...
  EXPECT_TRUE(parse_config(document(groups, "[" + all + "]")).ok());
  // ... with a second one (the network's default, which port "up" takes) the big one crosses it,
  // reported at its list.
  const ParsedConfig parsed = parse_config(document(groups, "[" + all + "]", R"(["g0"])"));
  ASSERT_EQ(parsed.issues.size(), 1u);
  EXPECT_EQ(parsed.issues[0].pointer, "/ports/1/security_groups");
  EXPECT_EQ(parsed.issues[0].message, "makes 17408 rules across the distinct port policies, more than 16384");
}

std::vector<InvalidCase> cases() {
  return {
      {"group_name_duplicate", document(kWebGroup + ", " + group("web", "")), "/security_groups/1/name",
       "duplicate security group name 'web' (also /security_groups/0/name)"},
      {"group_name_pattern", document(kWebGroup + ", " + group("Web", "")), "/security_groups/1/name",
       "must start with a lowercase letter followed by at most 14 lowercase letters, digits, '_' or '-', got 'Web'"},
      {"group_without_rules", document(kWebGroup + R"(, {"name": "x"})"), "/security_groups/1",
       "missing required field 'rules'"},
      {"group_unknown_field", document(kWebGroup + R"(, {"name": "x", "rules": [], "stateful": true})"),
       "/security_groups/1/stateful", "unknown field"},
      {"port_names_unknown_group", document(kWebGroup, R"(["web", "db"])"), "/ports/1/security_groups/1",
       "unknown security group 'db'"},
      {"network_names_unknown_group", document(kWebGroup, R"(["web"])", R"(["nope"])"),
       "/networks/0/security_groups/0", "unknown security group 'nope'"},
      {"port_lists_group_twice", document(kWebGroup, R"(["web", "web"])"), "/ports/1/security_groups/1",
       "duplicate security group 'web' (also /ports/1/security_groups/0)"},
      {"port_groups_not_array", document(kWebGroup, R"("web")"), "/ports/1/security_groups",
       "must be an array, got string"},
      {"rule_without_direction", document(group("web", R"({"action": "allow"})")), "/security_groups/0/rules/0",
       "missing required field 'direction'"},
      {"rule_direction", document(group("web", R"({"direction": "inbound", "action": "allow"})")),
       "/security_groups/0/rules/0/direction", "must be one of 'ingress', 'egress', got 'inbound'"},
      {"rule_action", document(group("web", R"({"direction": "egress", "action": "accept"})")),
       "/security_groups/0/rules/0/action", "must be one of 'allow', 'deny', got 'accept'"},
      {"rule_protocol", document(group("web", rule(R"("protocol": "sctp")"))), "/security_groups/0/rules/0/protocol",
       "must be one of 'any', 'tcp', 'udp', 'icmp', got 'sctp'"},
      {"rule_ports_reversed", document(group("web", rule(R"("protocol": "tcp", "ports": "90-80")"))),
       "/security_groups/0/rules/0/ports",
       "must be a port 'N' or a range 'N-M' with 1 <= N <= M <= 65535, got '90-80'"},
      {"rule_ports_zero", document(group("web", rule(R"("protocol": "udp", "ports": "0")"))),
       "/security_groups/0/rules/0/ports",
       "must be a port 'N' or a range 'N-M' with 1 <= N <= M <= 65535, got '0'"},
      {"rule_ports_too_large", document(group("web", rule(R"("protocol": "udp", "ports": "1-65536")"))),
       "/security_groups/0/rules/0/ports",
       "must be a port 'N' or a range 'N-M' with 1 <= N <= M <= 65535, got '1-65536'"},
      {"rule_ports_on_icmp", document(group("web", rule("") + ", " + rule(R"("protocol": "icmp", "ports": "80")"))),
       "/security_groups/0/rules/1/ports", "allowed only when protocol is 'tcp' or 'udp', not 'icmp'"},
      {"rule_ports_on_any", document(group("web", rule(R"("ports": "80")"))), "/security_groups/0/rules/0/ports",
       "allowed only when protocol is 'tcp' or 'udp', not 'any'"},
      {"rule_icmp_type_on_tcp", document(group("web", rule(R"("protocol": "tcp", "icmp_type": 8)"))),
       "/security_groups/0/rules/0/icmp_type", "allowed only when protocol is 'icmp', not 'tcp'"},
      {"rule_icmp_type_range", document(group("web", rule(R"("protocol": "icmp", "icmp_type": 256)"))),
       "/security_groups/0/rules/0/icmp_type", "must be an integer between 0 and 255, got 256"},
      {"rule_remote_host_bits", document(group("web", rule(R"("remote": "10.1.2.3/8")"))),
       "/security_groups/0/rules/0/remote", "must have all host bits zero, got '10.1.2.3/8' (did you mean '10.0.0.0/8')"},
      {"rule_remote_syntax", document(group("web", rule(R"("remote": "10.0.0.0")"))),
       "/security_groups/0/rules/0/remote", "must be an IPv4 prefix 'a.b.c.d/len' with len 0..32, got '10.0.0.0'"},
      {"rule_unknown_field", document(group("web", rule(R"("log": true)"))), "/security_groups/0/rules/0/log",
       "unknown field"},
  };
}

class InvalidSecurityDocument : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidSecurityDocument, ReportsExactlyTheExpectedIssue) { test::expect_exactly_the_issue(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Config, InvalidSecurityDocument, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace edgegw::control
