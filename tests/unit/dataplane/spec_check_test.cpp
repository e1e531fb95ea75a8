// SwitchSpec validation: what apply() refuses before changing anything.
#include "spec_check.hpp"

#include <gtest/gtest.h>

#include "port_device.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {
namespace {

SwitchSpec valid_spec() {
  SwitchSpec s;
  s.ports = {{"lan", "net_af_packet_lan,iface=eg-lan", 1500, {}, true},
             {"iot", "net_af_packet_iot,iface=eg-iot", 1400, {}, true},
             {"up", "0000:03:00.0", 1500, {}, true}};
  s.bridges = {{"home", {"lan", "iot"}, 300, 4096}};
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
      {"duplicate network", [](SwitchSpec& s) { s.bridges.push_back({"home", {}, 300, 10}); }, "duplicate network"},
      {"unknown member", [](SwitchSpec& s) { s.bridges[0].ports.push_back("nope"); }, "unknown port nope"},
      {"port in two networks", [](SwitchSpec& s) { s.bridges.push_back({"b2", {"iot"}, 300, 10}); },
       "port iot is already in network home"},
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
