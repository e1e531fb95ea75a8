// Documents that break one rule of the switch schema (port roles, vhost and host ports, queues, MAC
// limits, tags, modes, static MACs): exactly one issue, with the expected pointer and message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {
namespace {

using test::doc;

using test::InvalidCase;

const std::string kUp = R"({"name": "up", "kind": "af_packet", "iface": "egw-up"})";
const std::string kUp2 = R"({"name": "up2", "kind": "pci", "pci": "0000:03:00.0"})";
const std::string kVm = R"({"name": "vm", "kind": "vhost"})";
const std::string kVm2 = R"({"name": "vm2", "kind": "vhost"})";
const std::string kHost = R"({"name": "host", "kind": "host", "iface": "egw-host"})";
const std::string kHost2 = R"({"name": "host2", "kind": "host", "iface": "egw-host2"})";
const std::string kAll = kUp + ", " + kUp2 + ", " + kVm + ", " + kVm2 + ", " + kHost + ", " + kHost2;

std::string net(const std::string& name, const std::string& mode, const std::string& ports,
                const std::string& extra = "") {
  return R"({"name": ")" + name + R"(", "mode": ")" + mode + R"(", "ports": [)" + ports + "]" + extra + "}";
}
std::string one_port(const std::string& fields) { return doc("{" + fields + "}"); }

std::vector<InvalidCase> port_cases() {
  return {
      {"role_unknown", one_port(R"("name": "a", "kind": "tap", "iface": "t0", "role": "vm")"), "/ports/0/role",
       "must be one of 'physical', 'guest', 'host', got 'vm'"},
      {"role_is_number", one_port(R"("name": "a", "kind": "tap", "iface": "t0", "role": 1)"), "/ports/0/role",
       "must be a string, got number"},
      {"role_host_on_tap", one_port(R"("name": "a", "kind": "tap", "iface": "t0", "role": "host")"),
       "/ports/0/role", "must be 'physical' or 'guest' for kind 'tap', got 'host'"},
      {"role_guest_on_host_kind", one_port(R"("name": "h", "kind": "host", "iface": "t0", "role": "guest")"),
       "/ports/0/role", "must be 'host' for kind 'host', got 'guest'"},
      {"role_physical_on_vhost", one_port(R"("name": "vm", "kind": "vhost", "role": "physical")"), "/ports/0/role",
       "must be 'guest' for kind 'vhost', got 'physical'"},
      {"role_guest_on_pci", one_port(R"("name": "n", "kind": "pci", "pci": "0000:03:00.0", "role": "guest")"),
       "/ports/0/role", "must be 'physical' for kind 'pci', got 'guest'"},
      {"host_without_iface", one_port(R"("name": "h", "kind": "host")"), "/ports/0",
       "missing required field 'iface', needed for kind 'host'"},
      {"socket_on_tap", one_port(R"("name": "a", "kind": "tap", "iface": "t0", "socket": "/run/a.sock")"),
       "/ports/0/socket", "allowed only when kind is 'vhost', not 'tap'"},
      {"iface_on_vhost", one_port(R"("name": "vm", "kind": "vhost", "iface": "t0")"), "/ports/0/iface",
       "allowed only when kind is 'af_packet', 'tap' or 'host', not 'vhost'"},
      {"socket_relative", one_port(R"("name": "vm", "kind": "vhost", "socket": "run/vm.sock")"), "/ports/0/socket",
       "must be an absolute path of printable ASCII characters other than space, ',' and '=', got 'run/vm.sock'"},
      {"socket_with_comma", one_port(R"("name": "vm", "kind": "vhost", "socket": "/run/vm.sock,client=1")"),
       "/ports/0/socket",
       "must be an absolute path of printable ASCII characters other than space, ',' and '=', got "
       "'/run/vm.sock,client=1'"},
      {"socket_dot_dot", one_port(R"("name": "vm", "kind": "vhost", "socket": "/run/../etc/vm.sock")"),
       "/ports/0/socket", "must be an absolute path without '.' or '..' components, got '/run/../etc/vm.sock'"},
      {"socket_too_long", one_port(R"("name": "vm", "kind": "vhost", "socket": "/)" + std::string(107, 's') + "\""),
       "/ports/0/socket", "must be at most 107 characters long, got 108"},
      {"duplicate_socket",
       doc(R"({"name": "a", "kind": "vhost", "socket": "/run/x.sock"}, {"name": "b", "kind": "vhost", "socket": "/run/x.sock"})"),
       "/ports/1/socket", "duplicate socket path '/run/x.sock' (also /ports/0/socket)"},
      {"address_on_tap", one_port(R"("name": "a", "kind": "tap", "iface": "t0", "address": "10.0.0.1/24")"),
       "/ports/0/address", "allowed only when kind is 'host', not 'tap'"},
      {"address_without_length", one_port(R"("name": "h", "kind": "host", "iface": "t0", "address": "10.0.0.1")"),
       "/ports/0/address", "must be an IPv4 prefix 'a.b.c.d/len', got '10.0.0.1'"},
      {"address_is_network", one_port(R"("name": "h", "kind": "host", "iface": "t0", "address": "10.0.0.0/24")"),
       "/ports/0/address", "must be a host address, not the network address of its prefix, got '10.0.0.0/24'"},
      {"address_is_broadcast",
       one_port(R"("name": "h", "kind": "host", "iface": "t0", "address": "10.0.0.255/24")"), "/ports/0/address",
       "must be a host address, not the broadcast address of its prefix, got '10.0.0.255/24'"},
      {"address_prefix_too_long",
       one_port(R"("name": "h", "kind": "host", "iface": "t0", "address": "10.0.0.1/32")"), "/ports/0/address",
       "must have a prefix length between 8 and 30, got '10.0.0.1/32'"},
      {"duplicate_host_address",
       doc(R"({"name": "h", "kind": "host", "iface": "t0", "address": "10.0.0.1/24"},
              {"name": "g", "kind": "host", "iface": "t1", "address": "10.0.0.1/16"})"),
       "/ports/1/address", "duplicate host address '10.0.0.1' (also /ports/0/address)"},
      {"queues_zero", one_port(R"("name": "a", "kind": "tap", "iface": "t0", "queues": 0)"), "/ports/0/queues",
       "must be an integer between 1 and 16, got 0"},
      {"queues_too_many", one_port(R"("name": "vm", "kind": "vhost", "queues": 17)"), "/ports/0/queues",
       "must be an integer between 1 and 16, got 17"},
      {"mac_limit_too_big", one_port(R"("name": "a", "kind": "tap", "iface": "t0", "mac_limit": 65537)"),
       "/ports/0/mac_limit", "must be an integer between 0 and 65536, got 65537"},
      {"mac_limit_negative", one_port(R"("name": "a", "kind": "tap", "iface": "t0", "mac_limit": -1)"),
       "/ports/0/mac_limit", "must be an integer between 0 and 65536, got -1"},
  };
}

std::vector<InvalidCase> member_cases() {
  return {
      {"member_missing_port", doc(kAll, net("n", "bridge", R"("up", {"vlan": 10})")), "/networks/0/ports/1",
       "missing required field 'port'"},
      {"member_unknown_field", doc(kAll, net("n", "bridge", R"({"port": "up", "vlan": 10, "pcp": 3})")),
       "/networks/0/ports/0/pcp", "unknown field"},
      {"member_unknown_port", doc(kAll, net("n", "bridge", R"("up", {"port": "wan", "vlan": 10})")),
       "/networks/0/ports/1/port", "unknown port 'wan'"},
      {"vlan_zero", doc(kAll, net("n", "bridge", R"({"port": "up", "vlan": 0})")), "/networks/0/ports/0/vlan",
       "must be an integer between 1 and 4094, got 0"},
      {"vlan_4095", doc(kAll, net("n", "bridge", R"({"port": "up", "vlan": 4095})")), "/networks/0/ports/0/vlan",
       "must be an integer between 1 and 4094, got 4095"},
      {"outer_vlan_out_of_range", doc(kAll, net("n", "bridge", R"({"port": "up", "vlan": 10, "outer_vlan": 5000})")),
       "/networks/0/ports/0/outer_vlan", "must be an integer between 1 and 4094, got 5000"},
      {"outer_vlan_without_vlan", doc(kAll, net("n", "bridge", R"("up2", {"port": "up", "outer_vlan": 100})")),
       "/networks/0/ports/1/outer_vlan", "allowed only together with 'vlan' (QinQ needs the inner tag)"},
      {"port_twice_in_a_network_with_other_tags",
       doc(kAll, net("n", "bridge", R"({"port": "up", "vlan": 10}, {"port": "up", "vlan": 11})")),
       "/networks/0/ports/1/port", "duplicate port 'up' (also /networks/0/ports/0/port)"},
      {"same_vlan_in_two_networks",
       doc(kAll, net("a", "bridge", R"({"port": "up", "vlan": 10})") + ", " +
                     net("b", "bridge", R"("up2", {"port": "up", "vlan": 10})")),
       "/networks/1/ports/1/vlan", "port 'up' already carries vlan 10 in network 'a' at /networks/0/ports/0/port"},
      {"same_qinq_tags_in_two_networks",
       doc(kAll, net("a", "bridge", R"({"port": "up", "vlan": 10, "outer_vlan": 100})") + ", " +
                     net("b", "bridge", R"({"port": "up", "vlan": 10, "outer_vlan": 100})")),
       "/networks/1/ports/0/vlan",
       "port 'up' already carries vlan 10 inside outer_vlan 100 in network 'a' at /networks/0/ports/0/port"},
      {"two_untagged_memberships_one_written_as_object",
       doc(kAll, net("a", "bridge", R"("up")") + ", " + net("b", "bridge", R"({"port": "up"})")),
       "/networks/1/ports/0/port", "port 'up' is already untagged in network 'a' at /networks/0/ports/0"},
      {"host_port_tagged", doc(kAll, net("n", "bridge", R"("up", {"port": "host", "vlan": 10})")),
       "/networks/0/ports/1/vlan", "not allowed for port 'host' with role 'host': the host port is untagged"},
  };
}

std::vector<InvalidCase> mode_cases() {
  return {
      {"bridge_of_guests_only", doc(kAll, net("n", "bridge", R"("vm", "vm2")")), "/networks/0/ports",
       "must include a port with role 'physical' in mode 'bridge' (guests share a segment with a physical port)"},
      {"bridge_of_host_and_guest", doc(kAll, net("n", "bridge", R"("host", "vm")")), "/networks/0/ports",
       "must include a port with role 'physical' in mode 'bridge' (guests share a segment with a physical port)"},
      {"host_only_without_host", doc(kAll, net("n", "host-only", R"("vm")")), "/networks/0/ports",
       "must include a port with role 'host' in mode 'host-only'"},
      {"host_only_with_physical", doc(kAll, net("n", "host-only", R"("host", "up")")), "/networks/0/ports/1",
       "port 'up' has role 'physical', which mode 'host-only' does not allow (one host port and guests)"},
      {"host_only_with_two_hosts", doc(kAll, net("n", "host-only", R"("host", "vm", "host2")")),
       "/networks/0/ports/2",
       "port 'host2' has role 'host', but mode 'host-only' takes exactly one host port (also 'host' at "
       "/networks/0/ports/0)"},
      {"isolated_with_physical", doc(kAll, net("n", "isolated", R"("vm", {"port": "up", "vlan": 3})")),
       "/networks/0/ports/1/port", "port 'up' has role 'physical', which mode 'isolated' does not allow (guests only)"},
      {"internal_with_host", doc(kAll, net("n", "internal", R"("host")")), "/networks/0/ports/0",
       "port 'host' has role 'host', which mode 'internal' does not allow (guests only)"},
      {"isolated_with_a_physical_declared_guest_is_fine_but_not_a_pci",
       doc(kAll + R"(, {"name": "ct", "kind": "af_packet", "iface": "veth-ct", "role": "guest"})",
           net("n", "isolated", R"("ct", "up2")")),
       "/networks/0/ports/1", "port 'up2' has role 'physical', which mode 'isolated' does not allow (guests only)"},
  };
}

std::vector<InvalidCase> static_mac_cases() {
  return {
      {"static_macs_is_object", doc(kAll, net("n", "bridge", R"("up")", R"(, "static_macs": {})")),
       "/networks/0/static_macs", "must be an array, got object"},
      {"static_mac_missing_port",
       doc(kAll, net("n", "bridge", R"("up")", R"(, "static_macs": [{"mac": "02:00:00:00:00:01"}])")),
       "/networks/0/static_macs/0", "missing required field 'port'"},
      {"static_mac_multicast",
       doc(kAll, net("n", "bridge", R"("up")", R"(, "static_macs": [{"mac": "33:33:00:00:00:01", "port": "up"}])")),
       "/networks/0/static_macs/0/mac",
       "must be a unicast MAC address (lowest bit of the first octet clear), got '33:33:00:00:00:01'"},
      {"static_mac_port_not_a_member",
       doc(kAll, net("n", "bridge", R"("up")", R"(, "static_macs": [{"mac": "02:00:00:00:00:01", "port": "vm"}])")),
       "/networks/0/static_macs/0/port", "port 'vm' is not a member of network 'n'"},
      {"static_mac_duplicate_in_other_case",
       doc(kAll, net("n", "bridge", R"("up", "vm")",
                     R"(, "static_macs": [{"mac": "02:00:00:00:00:aa", "port": "up"},
                                          {"mac": "02:00:00:00:00:AA", "port": "vm"}])")),
       "/networks/0/static_macs/1/mac", "duplicate static MAC '02:00:00:00:00:aa' (also /networks/0/static_macs/0/mac)"},
      {"static_mac_unknown_field",
       doc(kAll, net("n", "bridge", R"("up")",
                     R"(, "static_macs": [{"mac": "02:00:00:00:00:01", "port": "up", "vlan": 1}])")),
       "/networks/0/static_macs/0/vlan", "unknown field"},
  };
}

std::vector<InvalidCase> all_cases() {
  std::vector<InvalidCase> all;
  for (auto cases : {port_cases(), member_cases(), mode_cases(), static_mac_cases()}) {
    all.insert(all.end(), cases.begin(), cases.end());
  }
  return all;
}

class InvalidSwitchDocument : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidSwitchDocument, ReportsExactlyTheExpectedIssue) {
  test::expect_exactly_the_issue(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Config, InvalidSwitchDocument, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });

TEST(InvalidSwitchDocumentTable, CoversEveryNewRule) {
  EXPECT_GE(all_cases().size(), 30u);
}

}  // namespace
}  // namespace edgegw::control
