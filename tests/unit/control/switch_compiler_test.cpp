// The table compiler: every port kind becomes the right DPDK devargs, and the per-port and
// per-network settings reach the SwitchSpec unchanged.
#include <gtest/gtest.h>

#include "edgegw/control/apply_service.hpp"

namespace edgegw::control {
namespace {

PortConfig port(const std::string& name, PortKind kind) {
  PortConfig p;
  p.name = name;
  p.kind = kind;
  return p;
}

TEST(SwitchCompilerTest, DevargsPerPortKind) {
  GatewayConfig config;
  config.version = 4;
  PortConfig uplink = port("uplink", PortKind::af_packet);
  uplink.iface = "egw-up";
  PortConfig host = port("host", PortKind::tap);
  host.iface = "egw-host0";
  PortConfig nic = port("nic", PortKind::pci);
  nic.pci = "0000:03:00.0";
  PortConfig memif = port("mem", PortKind::vdev);
  memif.devargs = "net_memif0,role=server";
  config.ports = {uplink, host, nic, memif};

  dataplane::SwitchSpec spec = compile_switch(config);
  ASSERT_EQ(spec.ports.size(), 4u);
  EXPECT_EQ(spec.ports[0].name, "uplink");
  EXPECT_EQ(spec.ports[0].devargs, "net_af_packet_uplink,iface=egw-up");
  EXPECT_EQ(spec.ports[1].devargs, "net_tap_host,iface=egw-host0");
  EXPECT_EQ(spec.ports[2].devargs, "0000:03:00.0");
  EXPECT_EQ(spec.ports[3].devargs, "net_memif0,role=server");
  EXPECT_TRUE(spec.bridges.empty());
}

TEST(SwitchCompilerTest, PortSettingsAreCopied) {
  GatewayConfig config;
  PortConfig a = port("a", PortKind::vdev);
  a.devargs = "net_ring_a";
  a.mtu = 9000;
  a.mac = MacAddress{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
  a.admin_up = false;
  PortConfig b = port("b", PortKind::vdev);
  b.devargs = "net_ring_b";
  config.ports = {a, b};

  dataplane::SwitchSpec spec = compile_switch(config);
  ASSERT_EQ(spec.ports.size(), 2u);
  EXPECT_EQ(spec.ports[0].mtu, 9000);
  ASSERT_TRUE(spec.ports[0].mac.has_value());
  EXPECT_EQ(*spec.ports[0].mac, (std::array<uint8_t, 6>{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}));
  EXPECT_FALSE(spec.ports[0].admin_up);
  EXPECT_EQ(spec.ports[1].mtu, 1500);
  EXPECT_FALSE(spec.ports[1].mac.has_value());
  EXPECT_TRUE(spec.ports[1].admin_up);
}

TEST(SwitchCompilerTest, OneBridgePerNetworkWithItsFdbLimits) {
  GatewayConfig config;
  for (const char* name : {"p1", "p2", "p3"}) {
    PortConfig p = port(name, PortKind::vdev);
    p.devargs = std::string("net_ring_") + name;
    config.ports.push_back(p);
  }
  NetworkConfig site;
  site.name = "site";
  site.ports = {"p1", "p2"};
  site.fdb.aging_s = 60;
  site.fdb.max_entries = 128;
  NetworkConfig guests;
  guests.name = "guests";
  guests.ports = {"p3"};
  config.networks = {site, guests};

  dataplane::SwitchSpec spec = compile_switch(config);
  ASSERT_EQ(spec.bridges.size(), 2u);
  EXPECT_EQ(spec.bridges[0].name, "site");
  EXPECT_EQ(spec.bridges[0].ports, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(spec.bridges[0].fdb_aging_s, 60u);
  EXPECT_EQ(spec.bridges[0].fdb_max_entries, 128u);
  EXPECT_EQ(spec.bridges[1].name, "guests");
  EXPECT_EQ(spec.bridges[1].ports, (std::vector<std::string>{"p3"}));
  EXPECT_EQ(spec.bridges[1].fdb_aging_s, 300u);
  EXPECT_EQ(spec.bridges[1].fdb_max_entries, 4096u);
}

TEST(SwitchCompilerTest, EmptyConfigCompilesToAnEmptySwitch) {
  dataplane::SwitchSpec spec = compile_switch(GatewayConfig{});
  EXPECT_TRUE(spec.ports.empty());
  EXPECT_TRUE(spec.bridges.empty());
}

}  // namespace
}  // namespace edgegw::control
