// SwitchSpec validation: what apply() refuses before changing anything.
#include "spec_check.hpp"

#include <gtest/gtest.h>

#include "edgegw/netproto/ipv6.hpp"
#include "port_device.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {
namespace {

SwitchSpec valid_spec() {
  SwitchSpec s;
  s.ports = {{"lan", "net_af_packet_lan,iface=eg-lan", 1500, {}, true},
             {"iot", "net_af_packet_iot,iface=eg-iot", 1400, {}, true},
             {"up", "0000:03:00.0", 1500, {}, true}};
  s.bridges = {{"home", {{"lan"}, {"iot"}}, 300, 4096, {}, {}, {}},
               {"guests", {{"lan", 10}, {"up", 10, 100}}, 300, 4096, {{{0x02, 0, 0, 0, 0, 1}, "up"}}, {}, {}},
               {"cams", {{"lan", 20}, {"up", 10, 200}, {"iot", 30}}, 300, 4096, {}, {}, {}}};
  return s;
}

std::string error_of(const SwitchSpec& s) {
  auto r = check_switch_spec(s, 1500);
  return r.ok() ? "" : r.error().message;
}

TEST(SpecCheck, AcceptsAValidSpec) { EXPECT_EQ(error_of(valid_spec()), ""); }

TEST(SpecCheck, RejectsWhatTheDataPlaneCannotHold) {
  struct Case {
    const char* what;
    void (*mutate)(SwitchSpec&);
    const char* expect;
  };
  const Case cases[] = {
      {"empty port name", [](SwitchSpec& s) { s.ports[0].name = ""; }, "name is empty"},
      {"duplicate port", [](SwitchSpec& s) { s.ports[1].name = "lan"; }, "duplicate port name"},
      {"empty devargs", [](SwitchSpec& s) { s.ports[0].devargs = ""; }, "devargs is empty"},
      {"shared device", [](SwitchSpec& s) { s.ports[1].devargs = "net_af_packet_lan,iface=other"; },
       "device net_af_packet_lan is already used by port lan"},
      {"mtu too big", [](SwitchSpec& s) { s.ports[0].mtu = 9000; }, "mtu 9000 is outside 68..1500"},
      {"mtu too small", [](SwitchSpec& s) { s.ports[0].mtu = 67; }, "mtu 67"},
      {"multicast mac", [](SwitchSpec& s) { s.ports[0].mac = std::array<uint8_t, 6>{1, 0, 0x5e, 0, 0, 1}; },
       "multicast"},
      {"duplicate network", [](SwitchSpec& s) { s.bridges.push_back({"home", {}, 300, 10, {}, {}, {}}); },
       "duplicate network"},
      {"unknown member", [](SwitchSpec& s) { s.bridges[0].members.push_back({"nope"}); }, "unknown port nope"},
      {"port untagged in two networks", [](SwitchSpec& s) { s.bridges.push_back({"b2", {{"iot"}}, 300, 10, {}, {}, {}}); },
       "bridges[3] (b2).members[0]: port iot is already untagged in network home"},
      {"same vlan in two networks", [](SwitchSpec& s) { s.bridges[2].members[0].vlan = 10; },
       "port lan is already vlan 10 in network guests"},
      {"same qinq in two networks", [](SwitchSpec& s) { s.bridges[2].members[1].outer_vlan = 100; },
       "port up is already outer_vlan 100 vlan 10 in network guests"},
      {"port twice in a network", [](SwitchSpec& s) { s.bridges[1].members.push_back({"lan", 11}); },
       "port lan is twice in guests"},
      {"vlan 4095", [](SwitchSpec& s) { s.bridges[1].members[0].vlan = 4095; }, "vlan 4095 is outside 0..4094"},
      {"outer_vlan 4095", [](SwitchSpec& s) { s.bridges[1].members[1].outer_vlan = 4095; },
       "outer_vlan 4095 is outside"},
      {"outer_vlan without vlan", [](SwitchSpec& s) { s.bridges[0].members[1].outer_vlan = 5; },
       "members[1]: outer_vlan needs vlan"},
      {"static mac on a non-member", [](SwitchSpec& s) { s.bridges[1].static_macs[0].port = "iot"; },
       "static_macs[0]: port iot is not a member of guests"},
      {"static multicast mac", [](SwitchSpec& s) { s.bridges[1].static_macs[0].mac[0] = 0x01; }, "not a unicast"},
      {"static zero mac", [](SwitchSpec& s) { s.bridges[1].static_macs[0].mac = {}; }, "all zeroes"},
      {"duplicate static mac",
       [](SwitchSpec& s) { s.bridges[1].static_macs.push_back({{0x02, 0, 0, 0, 0, 1}, "lan"}); },
       "duplicate static mac in guests"},
      {"zero fdb", [](SwitchSpec& s) { s.bridges[0].fdb_max_entries = 0; }, "fdb_max_entries"},
      {"zero ageing", [](SwitchSpec& s) { s.bridges[0].fdb_aging_s = 0; }, "fdb_aging_s"},
  };
  for (const Case& c : cases) {
    SwitchSpec s = valid_spec();
    c.mutate(s);
    std::string err = error_of(s);
    EXPECT_NE(err.find(c.expect), std::string::npos) << c.what << ": got '" << err << "'";
  }
}

// "home" routed with IPv6 fd00:1::1/64 and a default IPv6 route via fd00:1::fe.
SwitchSpec routed6_spec() {
  SwitchSpec s = valid_spec();
  const auto a = [](const char* text) { return *netproto::parse_ipv6(text); };
  s.bridges[0].router = RouterInterfaceSpec{0xc0a80001, 24, {0x02, 0xe9, 0, 0, 0, 1}, false,
                                            RouterInterface6Spec{a("fd00:1::1"), 64, true}};
  s.routes6 = {Route6Spec{{}, 0, a("fd00:1::fe")}, Route6Spec{a("2001:db8::"), 32, a("fd00:1::fe")}};
  return s;
}

TEST(SpecCheck, AcceptsAndRejectsIpv6Routers) {
  EXPECT_EQ(error_of(routed6_spec()), "");
  struct Case {
    const char* what;
    void (*mutate)(SwitchSpec&);
    const char* expect;
  };
  const Case cases[] = {
      {"prefix too short", [](SwitchSpec& s) { s.bridges[0].router->v6->prefix_length = 8; }, "must be 16..127"},
      {"prefix /128", [](SwitchSpec& s) { s.bridges[0].router->v6->prefix_length = 128; }, "must be 16..127"},
      {"link-local", [](SwitchSpec& s) { s.bridges[0].router->v6->address = *netproto::parse_ipv6("fe80::1"); },
       "not a global unicast"},
      {"multicast", [](SwitchSpec& s) { s.bridges[0].router->v6->address = *netproto::parse_ipv6("ff02::1"); },
       "not a global unicast"},
      {"anycast", [](SwitchSpec& s) { s.bridges[0].router->v6->address = *netproto::parse_ipv6("fd00:1::"); },
       "subnet-router anycast"},
      {"host bits", [](SwitchSpec& s) { s.routes6[1].prefix = *netproto::parse_ipv6("2001:db8::1"); },
       "routes6[1]: prefix has host bits set"},
      {"length", [](SwitchSpec& s) { s.routes6[1].length = 129; }, "routes6[1]: length must be 0..128"},
      {"via elsewhere", [](SwitchSpec& s) { s.routes6[0].via = *netproto::parse_ipv6("fd00:2::fe"); },
       "routes6[0]: via is not a host"},
      {"via the gateway", [](SwitchSpec& s) { s.routes6[0].via = *netproto::parse_ipv6("fd00:1::1"); },
       "routes6[0]: via is not a host"},
      {"small mtu", [](SwitchSpec& s) { s.ports[1].mtu = 1279; }, "port iot has mtu 1279, below IPv6's 1280"},
  };
  for (const Case& c : cases) {
    SwitchSpec s = routed6_spec();
    c.mutate(s);
    std::string err = error_of(s);
    EXPECT_NE(err.find(c.expect), std::string::npos) << c.what << ": got '" << err << "'";
  }
}

TEST(SpecCheck, RejectsMorePortsThanPortIds) {
  SwitchSpec s;
  for (unsigned i = 0; i <= kMaxPorts; ++i) {
    PortSpec p;
    p.name = "p" + std::to_string(i);
    p.devargs = "net_null" + std::to_string(i);
    s.ports.push_back(p);
  }
  EXPECT_NE(error_of(s).find("too many ports"), std::string::npos);
}

TEST(SpecCheck, DeviceNameIsTheDevargsHead) {
  EXPECT_EQ(device_name_of("net_af_packet_lan,iface=eg0,qpairs=1"), "net_af_packet_lan");
  EXPECT_EQ(device_name_of("0000:03:00.0"), "0000:03:00.0");
  EXPECT_EQ(missing_kernel_interface("net_null0"), "");
  EXPECT_EQ(missing_kernel_interface("net_af_packet_x,iface=lo"), "");
  EXPECT_EQ(missing_kernel_interface("net_af_packet_x,qpairs=1,iface=egw-no-such"),
            "net_af_packet: iface egw-no-such not found");
  EXPECT_EQ(missing_kernel_interface("net_af_packet_x"), "net_af_packet: no iface= given");
}

}  // namespace
}  // namespace edgegw::dataplane
