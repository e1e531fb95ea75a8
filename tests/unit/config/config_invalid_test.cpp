// Malformed and inconsistent documents: each has exactly one problem, and the parser must report
// exactly one issue with the expected pointer and message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {
namespace {

using test::doc;
using test::kLan;
using test::kWan;

using test::InvalidCase;

std::string port(const std::string& fields) { return "{" + fields + "}"; }
std::string bridge(const std::string& name, const std::string& ports, const std::string& extra = "") {
  return R"({"name": ")" + name + R"(", "mode": "bridge", "ports": [)" + ports + "]" + extra + "}";
}

std::vector<InvalidCase> syntax_cases() {
  return {
      {"empty_document", "", "",
       "invalid JSON at line 1 column 1: syntax error while parsing value - unexpected end of input; "
       "expected '[', '{', or a literal"},
      {"truncated_document", R"({"version": 1,)", "",
       "invalid JSON at line 1 column 15: syntax error while parsing object key - unexpected end of input; "
       "expected string literal"},
      {"missing_colon_on_line_2", "{\n  \"version\" 1\n}", "",
       "invalid JSON at line 2 column 13: syntax error while parsing object separator - unexpected number "
       "literal; expected ':'"},
      {"trailing_comma", R"({"version": 1, "ports": [], "networks": [],})", "",
       "invalid JSON at line 1 column 44: syntax error while parsing object key - unexpected '}'; "
       "expected string literal"},
      {"comment", "// the site\n{}", "",
       "invalid JSON at line 1 column 1: syntax error while parsing value - invalid literal"},
      {"trailing_garbage", R"({"version": 1, "ports": [], "networks": []} x)", "",
       "invalid JSON at line 1 column 45: syntax error while parsing value - invalid literal; "
       "expected end of input"},
      {"invalid_utf8", "{\"version\": 1, \"description\": \"caf\xe9\"}", "",
       "invalid JSON at line 1 column 36: syntax error while parsing value - invalid string: "
       "ill-formed UTF-8 byte"},
      {"raw_control_character", "{\"description\": \"a\tb\"}", "",
       "invalid JSON at line 1 column 19: syntax error while parsing value - invalid string: control "
       "character U+0009 (HT) must be escaped to \\u0009 or \\t"},
      {"number_overflow", R"({"version": 1e500, "ports": [], "networks": []})", "",
       "invalid JSON at line 1 column 17: number overflow parsing '1e500'"},
      {"document_too_large", R"({"version": 1, "ports": [], "networks": [], "description": ")" +
                                 std::string(kMaxConfigBytes, 'x') + "\"}",
       "", "document is 1048638 bytes, more than the limit of 1048576 bytes (1 MiB)"},
      {"nesting_too_deep",
       R"({"version": 1, "ports": [], "networks": [], "description": )" + std::string(40, '[') +
           std::string(40, ']') + "}",
       "/description" + [] {
         std::string zeros;
         for (int i = 0; i < 31; ++i) zeros += "/0";
         return zeros;
       }(),
       "too deeply nested: at most 32 levels of arrays and objects are allowed"},
      {"object_with_too_many_members", [] {
         std::string text = R"({"version": 1, "ports": [], "networks": [], "fdb": {)";
         for (int i = 0; i < 65; ++i) text += (i ? ", \"k" : "\"k") + std::to_string(i) + "\": 0";
         return text + "}}";
       }(),
       "/fdb", "too many fields: an object may have at most 64"},
      {"duplicate_member", R"({"version": 1, "ports": [], "version": 2, "networks": []})", "/version",
       "duplicate field: a field may appear only once in an object"},
  };
}

std::vector<InvalidCase> document_cases() {
  return {
      {"root_is_array", "[]", "", "must be an object, got array"},
      {"missing_version", R"({"ports": [], "networks": []})", "", "missing required field 'version'"},
      {"missing_ports", R"({"version": 1, "networks": []})", "", "missing required field 'ports'"},
      {"missing_networks", R"({"version": 1, "ports": []})", "", "missing required field 'networks'"},
      {"unknown_root_field", R"({"version": 1, "ports": [], "networks": [], "widgets": []})", "/widgets",
       "unknown field"},
      {"unknown_field_pointer_is_escaped", R"({"version": 1, "ports": [], "networks": [], "a/b~c": 0})",
       "/a~1b~0c", "unknown field"},
      {"version_is_string", R"({"version": "1", "ports": [], "networks": []})", "/version",
       "must be an integer, got string"},
      {"version_zero", R"({"version": 0, "ports": [], "networks": []})", "/version",
       "must be an integer between 1 and 9007199254740991, got 0"},
      {"version_negative", R"({"version": -3, "ports": [], "networks": []})", "/version",
       "must be an integer between 1 and 9007199254740991, got -3"},
      {"version_above_2_pow_53", R"({"version": 9007199254740992, "ports": [], "networks": []})", "/version",
       "must be an integer between 1 and 9007199254740991, got 9007199254740992"},
      {"version_with_fraction", R"({"version": 1.5, "ports": [], "networks": []})", "/version",
       "must be an integer between 1 and 9007199254740991, got 1.5"},
      {"description_is_number", R"({"version": 1, "description": 7, "ports": [], "networks": []})",
       "/description", "must be a string, got number"},
      {"description_too_long",
       // 257 two-byte characters: the limit counts characters, not bytes.
       [] {
         std::string text = R"({"version": 1, "ports": [], "networks": [], "description": ")";
         for (int i = 0; i < 257; ++i) text += "\xc3\xa9";
         return text + "\"}";
       }(),
       "/description", "must be at most 256 characters long, got 257"},
      {"ports_is_object", R"({"version": 1, "ports": {}, "networks": []})", "/ports",
       "must be an array, got object"},
      {"networks_is_null", R"({"version": 1, "ports": [], "networks": null})", "/networks",
       "must be an array, got null"},
      {"too_many_ports", [] {
         std::string ports;
         for (int i = 0; i < 33; ++i) {
           const std::string n = std::to_string(i);
           ports += (i ? ", " : "") + port(R"("name": "p)" + n + R"(", "kind": "tap", "iface": "t)" + n + "\"");
         }
         return doc(ports);
       }(),
       "/ports", "must have at most 32 ports, got 33"},
  };
}

std::vector<InvalidCase> port_cases() {
  return {
      {"port_is_string", doc(R"("lan")"), "/ports/0", "must be an object, got string"},
      {"port_missing_name", doc(port(R"("kind": "tap", "iface": "t0")")), "/ports/0",
       "missing required field 'name'"},
      {"port_missing_kind", doc(port(R"("name": "lan", "iface": "t0")")), "/ports/0",
       "missing required field 'kind'"},
      {"port_unknown_field", doc(port(R"("name": "lan", "kind": "tap", "iface": "t0", "speed": 1000)")),
       "/ports/0/speed", "unknown field"},
      {"port_name_uppercase", doc(port(R"("name": "Lan", "kind": "tap", "iface": "t0")")), "/ports/0/name",
       "must start with a lowercase letter followed by at most 14 lowercase letters, digits, '_' or '-', "
       "got 'Lan'"},
      {"port_name_too_long", doc(port(R"("name": "abcdefghijklmnop", "kind": "tap", "iface": "t0")")),
       "/ports/0/name",
       "must start with a lowercase letter followed by at most 14 lowercase letters, digits, '_' or '-', "
       "got 'abcdefghijklmnop'"},
      {"port_name_control_character_is_escaped",
       doc(port(R"("name": "a\u0001", "kind": "tap", "iface": "t0")")), "/ports/0/name",
       "must start with a lowercase letter followed by at most 14 lowercase letters, digits, '_' or '-', "
       "got 'a\\x01'"},
      {"kind_unknown", doc(port(R"("name": "lan", "kind": "veth")")), "/ports/0/kind",
       "must be one of 'af_packet', 'tap', 'pci', 'vdev', 'vhost', 'host', got 'veth'"},
      {"kind_long_value_is_shortened", doc(port(R"("name": "lan", "kind": ")" + std::string(100, 'k') + "\"")),
       "/ports/0/kind", "must be one of 'af_packet', 'tap', 'pci', 'vdev', 'vhost', 'host', got '" + std::string(64, 'k') +
           "...'"},
      {"af_packet_without_iface", doc(port(R"("name": "lan", "kind": "af_packet")")), "/ports/0",
       "missing required field 'iface', needed for kind 'af_packet'"},
      {"pci_without_pci", doc(port(R"("name": "up", "kind": "pci")")), "/ports/0",
       "missing required field 'pci', needed for kind 'pci'"},
      {"vdev_without_devargs", doc(port(R"("name": "vm", "kind": "vdev")")), "/ports/0",
       "missing required field 'devargs', needed for kind 'vdev'"},
      {"iface_on_pci_port", doc(port(R"("name": "up", "kind": "pci", "pci": "0000:03:00.0", "iface": "eth0")")),
       "/ports/0/iface", "allowed only when kind is 'af_packet', 'tap' or 'host', not 'pci'"},
      {"devargs_on_tap_port", doc(port(R"("name": "lan", "kind": "tap", "iface": "t0", "devargs": "net_ring0")")),
       "/ports/0/devargs", "allowed only when kind is 'vdev', not 'tap'"},
      {"pci_on_vdev_port", doc(port(R"("name": "vm", "kind": "vdev", "devargs": "net_ring0", "pci": "0000:03:00.0")")),
       "/ports/0/pci", "allowed only when kind is 'pci', not 'vdev'"},
      {"iface_too_long", doc(port(R"("name": "lan", "kind": "af_packet", "iface": "abcdefghijklmnop")")),
       "/ports/0/iface", "must be a Linux interface name of 1 to 15 characters, got 'abcdefghijklmnop'"},
      {"iface_with_colon", doc(port(R"("name": "lan", "kind": "af_packet", "iface": "eth0:1")")),
       "/ports/0/iface",
       "must be a Linux interface name of printable ASCII characters other than space, '/', ':', ',' and '=', "
       "got 'eth0:1'"},
      {"iface_dot_dot", doc(port(R"("name": "lan", "kind": "tap", "iface": "..")")), "/ports/0/iface",
       "must be a Linux interface name other than '.' and '..', got '..'"},
      {"pci_short_form", doc(port(R"("name": "up", "kind": "pci", "pci": "03:00.0")")), "/ports/0/pci",
       "must be a PCI address 'DDDD:BB:DD.F' in hex (device 00-1f, function 0-7), got '03:00.0'"},
      {"pci_device_out_of_range", doc(port(R"("name": "up", "kind": "pci", "pci": "0000:03:20.0")")),
       "/ports/0/pci",
       "must be a PCI address 'DDDD:BB:DD.F' in hex (device 00-1f, function 0-7), got '0000:03:20.0'"},
      {"devargs_without_net_prefix", doc(port(R"("name": "vm", "kind": "vdev", "devargs": "ring0")")),
       "/ports/0/devargs",
       "must be DPDK devargs: 'net_' followed by printable ASCII characters without spaces, got 'ring0'"},
      {"devargs_with_space", doc(port(R"("name": "vm", "kind": "vdev", "devargs": "net_ring0, size=1")")),
       "/ports/0/devargs",
       "must be DPDK devargs: 'net_' followed by printable ASCII characters without spaces, got 'net_ring0, "
       "size=1'"},
      {"devargs_too_long",
       doc(port(R"("name": "vm", "kind": "vdev", "devargs": "net_)" + std::string(253, 'x') + "\"")),
       "/ports/0/devargs", "must be at most 256 characters long, got 257"},
      {"mtu_too_big", doc(kLan + ", " + port(R"("name": "wan", "kind": "tap", "iface": "t1", "mtu": 70000)")),
       "/ports/1/mtu", "must be an integer between 68 and 9600, got 70000"},
      {"mtu_too_small", doc(port(R"("name": "lan", "kind": "tap", "iface": "t0", "mtu": 67)")), "/ports/0/mtu",
       "must be an integer between 68 and 9600, got 67"},
      {"mtu_is_string", doc(port(R"("name": "lan", "kind": "tap", "iface": "t0", "mtu": "1500")")),
       "/ports/0/mtu", "must be an integer, got string"},
      {"mac_bad_format", doc(port(R"("name": "lan", "kind": "tap", "iface": "t0", "mac": "02-00-00-00-00-01")")),
       "/ports/0/mac", "must be a MAC address 'xx:xx:xx:xx:xx:xx' in hex, got '02-00-00-00-00-01'"},
      {"mac_multicast", doc(port(R"("name": "lan", "kind": "tap", "iface": "t0", "mac": "01:00:5e:00:00:01")")),
       "/ports/0/mac",
       "must be a unicast MAC address (lowest bit of the first octet clear), got '01:00:5e:00:00:01'"},
      {"mac_all_zero", doc(port(R"("name": "lan", "kind": "tap", "iface": "t0", "mac": "00:00:00:00:00:00")")),
       "/ports/0/mac", "must not be the all-zero MAC address, got '00:00:00:00:00:00'"},
      {"admin_up_is_string", doc(port(R"("name": "lan", "kind": "tap", "iface": "t0", "admin_up": "yes")")),
       "/ports/0/admin_up", "must be a boolean, got string"},
      {"duplicate_port_name",
       doc(kLan + ", " + kWan + ", " + port(R"("name": "lan", "kind": "tap", "iface": "egw-lan2")")),
       "/ports/2/name", "duplicate port name 'lan' (also /ports/0/name)"},
      {"duplicate_iface", doc(kLan + ", " + port(R"("name": "lan2", "kind": "af_packet", "iface": "egw-lan")")),
       "/ports/1/iface", "duplicate interface 'egw-lan' (also /ports/0/iface)"},
      {"duplicate_pci_in_other_case",
       doc(port(R"("name": "a", "kind": "pci", "pci": "0000:0a:00.0")") + ", " +
           port(R"("name": "b", "kind": "pci", "pci": "0000:0A:00.0")")),
       "/ports/1/pci", "duplicate PCI address '0000:0a:00.0' (also /ports/0/pci)"},
      {"duplicate_vdev_device",
       doc(port(R"("name": "a", "kind": "vdev", "devargs": "net_ring0")") + ", " +
           port(R"("name": "b", "kind": "vdev", "devargs": "net_ring0,size=1024")")),
       "/ports/1/devargs", "duplicate vdev device 'net_ring0' (also /ports/0/devargs)"},
      {"duplicate_mac_in_other_case",
       doc(port(R"("name": "a", "kind": "tap", "iface": "t0", "mac": "02:00:00:00:00:aa")") + ", " +
           port(R"("name": "b", "kind": "tap", "iface": "t1", "mac": "02:00:00:00:00:AA")")),
       "/ports/1/mac", "duplicate MAC address '02:00:00:00:00:aa' (also /ports/0/mac)"},
  };
}

std::vector<InvalidCase> network_cases() {
  const std::string two_ports = kLan + ", " + kWan;
  return {
      {"network_is_array", doc(kLan, "[]"), "/networks/0", "must be an object, got array"},
      {"network_missing_ports", doc(kLan, R"({"name": "site", "mode": "bridge"})"), "/networks/0",
       "missing required field 'ports'"},
      {"network_unknown_field", doc(kLan, bridge("site", R"("lan")", R"(, "vlan": 7)")), "/networks/0/vlan",
       "unknown field"},
      {"network_mode_unknown", doc(kLan, R"({"name": "site", "mode": "nated", "ports": ["lan"]})"),
       "/networks/0/mode", "must be one of 'bridge', 'host-only', 'isolated', 'internal', 'routed', 'nat', got 'nated'"},
      {"network_name_with_space", doc(kLan, bridge("my site", R"("lan")")), "/networks/0/name",
       "must start with a lowercase letter followed by at most 14 lowercase letters, digits, '_' or '-', "
       "got 'my site'"},
      {"duplicate_network_name", doc(two_ports, bridge("site", R"("lan")") + ", " + bridge("site", R"("wan")")),
       "/networks/1/name", "duplicate network name 'site' (also /networks/0/name)"},
      {"network_without_ports", doc(kLan, bridge("site", "")), "/networks/0/ports",
       "must list at least one port, got an empty array"},
      {"network_port_is_number", doc(kLan, bridge("site", "1")), "/networks/0/ports/0",
       "must be a port name or an object, got number"},
      {"unknown_port", doc(kLan, bridge("site", R"("lan", "wan")")), "/networks/0/ports/1", "unknown port 'wan'"},
      {"network_lists_too_many_ports", [] {
         // 32 ports, all in one network, and the first listed again: only the length is reported,
         // entries beyond the limit are not checked.
         std::string ports;
         std::string names;
         for (size_t i = 0; i < kMaxPorts; ++i) {
           const std::string n = std::to_string(i);
           ports += (i ? ", " : "") + port(R"("name": "p)" + n + R"(", "kind": "tap", "iface": "t)" + n + "\"");
           names += (i ? ", " : "") + std::string("\"p") + n + "\"";
         }
         return doc(ports, bridge("site", names + R"(, "p0")"));
       }(),
       "/networks/0/ports", "must have at most 32 ports, got 33"},
      {"port_listed_twice", doc(kLan, bridge("site", R"("lan", "lan")")), "/networks/0/ports/1",
       "duplicate port 'lan' (also /networks/0/ports/0)"},
      {"port_in_two_networks",
       doc(two_ports, bridge("site", R"("wan", "lan")") + ", " + bridge("lab", R"("lan")")),
       "/networks/1/ports/0", "port 'lan' is already untagged in network 'site' at /networks/0/ports/1"},
      {"subnet_without_length", doc(kLan, bridge("site", R"("lan")", R"(, "subnet": "192.168.1.0")")),
       "/networks/0/subnet", "must be an IPv4 prefix 'a.b.c.d/len', got '192.168.1.0'"},
      {"subnet_octet_with_leading_zero", doc(kLan, bridge("site", R"("lan")", R"(, "subnet": "192.168.01.0/24")")),
       "/networks/0/subnet", "must be an IPv4 prefix 'a.b.c.d/len', got '192.168.01.0/24'"},
      {"subnet_too_long", doc(kLan, bridge("site", R"("lan")", R"(, "subnet": "10.0.0.0/31")")),
       "/networks/0/subnet", "must have a prefix length between 8 and 30, got '10.0.0.0/31'"},
      {"subnet_host_bits", doc(kLan, bridge("site", R"("lan")", R"(, "subnet": "192.168.50.1/24")")),
       "/networks/0/subnet",
       "must have all host bits zero, got '192.168.50.1/24' (did you mean '192.168.50.0/24')"},
      {"subnets_overlap",
       doc(two_ports, bridge("site", R"("lan")", R"(, "subnet": "192.168.0.0/16")") + ", " +
                          bridge("lab", R"("wan")", R"(, "subnet": "192.168.50.0/24")")),
       "/networks/1/subnet", "overlaps subnet '192.168.0.0/16' of network 'site' at /networks/0/subnet"},
      {"fdb_is_number", doc(kLan, bridge("site", R"("lan")", R"(, "fdb": 300)")), "/networks/0/fdb",
       "must be an object, got number"},
      {"fdb_aging_too_short", doc(kLan, bridge("site", R"("lan")", R"(, "fdb": {"aging_s": 5})")),
       "/networks/0/fdb/aging_s", "must be an integer between 10 and 86400, got 5"},
      {"fdb_too_many_entries", doc(kLan, bridge("site", R"("lan")", R"(, "fdb": {"max_entries": 100000})")),
       "/networks/0/fdb/max_entries", "must be an integer between 16 and 65536, got 100000"},
      {"fdb_unknown_field", doc(kLan, bridge("site", R"("lan")", R"(, "fdb": {"aging": 300})")),
       "/networks/0/fdb/aging", "unknown field"},
  };
}

std::vector<InvalidCase> all_cases() {
  std::vector<InvalidCase> all;
  for (auto cases : {syntax_cases(), document_cases(), port_cases(), network_cases()}) {
    all.insert(all.end(), cases.begin(), cases.end());
  }
  return all;
}

class InvalidDocument : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidDocument, ReportsExactlyTheExpectedIssue) {
  test::expect_exactly_the_issue(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Config, InvalidDocument, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });

TEST(InvalidDocumentTable, CoversEnoughCases) {
  // The brief for this module asks for at least 35; names must be unique for gtest anyway.
  const std::vector<InvalidCase> cases = all_cases();
  EXPECT_GE(cases.size(), 35u);
}

}  // namespace
}  // namespace edgegw::control
