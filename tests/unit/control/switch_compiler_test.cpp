// The table compiler: every port kind becomes the right DPDK devargs, and the per-port and
// per-network settings (roles, queues, MAC limits, tagged members, static MACs, IPv6 interfaces and
// routes) reach the SwitchSpec unchanged.
#include <gtest/gtest.h>

#include "edgegw/control/apply_service.hpp"
#include "edgegw/netproto/ipv6.hpp"

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
  EXPECT_EQ(spec.ports[0].devargs, "net_af_packet_uplink,iface=egw-up,framecnt=2048");
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
  site.ports = {{"p1"}, {"p2"}};
  site.fdb.aging_s = 60;
  site.fdb.max_entries = 128;
  NetworkConfig guests;
  guests.name = "guests";
  guests.ports = {{"p3"}};
  config.networks = {site, guests};

  dataplane::SwitchSpec spec = compile_switch(config);
  ASSERT_EQ(spec.bridges.size(), 2u);
  EXPECT_EQ(spec.bridges[0].name, "site");
  ASSERT_EQ(spec.bridges[0].members.size(), 2u);
  EXPECT_EQ(spec.bridges[0].members[0].port, "p1");
  EXPECT_EQ(spec.bridges[0].members[1].port, "p2");
  EXPECT_EQ(spec.bridges[0].members[1].vlan, 0);
  EXPECT_EQ(spec.bridges[0].fdb_aging_s, 60u);
  EXPECT_EQ(spec.bridges[0].fdb_max_entries, 128u);
  EXPECT_EQ(spec.bridges[1].name, "guests");
  ASSERT_EQ(spec.bridges[1].members.size(), 1u);
  EXPECT_EQ(spec.bridges[1].members[0].port, "p3");
  EXPECT_TRUE(spec.bridges[1].static_macs.empty());
  EXPECT_EQ(spec.bridges[1].fdb_aging_s, 300u);
  EXPECT_EQ(spec.bridges[1].fdb_max_entries, 4096u);
}

TEST(SwitchCompilerTest, VhostAndHostPortsGetTheirDevargs) {
  GatewayConfig config;
  PortConfig vm1 = port("vm1", PortKind::vhost);  // default socket
  vm1.role = PortRole::guest;
  PortConfig vm2 = port("vm2", PortKind::vhost);
  vm2.role = PortRole::guest;
  vm2.socket = "/srv/vms/vm2.sock";
  vm2.queues = 4;
  PortConfig host = port("host", PortKind::host);
  host.role = PortRole::host;
  host.iface = "egw-host";
  host.address = Ipv4HostAddress{0xc0a83201u, 24};
  config.ports = {vm1, vm2, host};

  const SwitchCompileOptions options{"/tmp/egw-run/vhost"};
  dataplane::SwitchSpec spec = compile_switch(config, options);
  ASSERT_EQ(spec.ports.size(), 3u);
  EXPECT_EQ(spec.ports[0].devargs, "net_vhost_vm1,iface=/tmp/egw-run/vhost/vm1.sock,queues=1");
  EXPECT_EQ(spec.ports[1].devargs, "net_vhost_vm2,iface=/srv/vms/vm2.sock,queues=4");
  EXPECT_EQ(spec.ports[2].devargs, "net_tap_host,iface=egw-host");
  EXPECT_EQ(spec.ports[0].role, dataplane::PortRole::guest);
  EXPECT_EQ(spec.ports[1].queues, 4);
  EXPECT_EQ(spec.ports[2].role, dataplane::PortRole::host);
  EXPECT_EQ(vhost_socket_path(vm1, options), "/tmp/egw-run/vhost/vm1.sock");
  EXPECT_EQ(vhost_socket_path(vm1, SwitchCompileOptions{}), "/run/edgegw/vhost/vm1.sock")
      << "the default run directory";
}

TEST(SwitchCompilerTest, QueuesMacLimitAndRoleAreCopied) {
  GatewayConfig config;
  PortConfig up = port("up", PortKind::af_packet);
  up.iface = "egw-up";
  up.queues = 2;
  up.mac_limit = 100;
  PortConfig ct = port("ct", PortKind::af_packet);
  ct.iface = "veth-ct";
  ct.role = PortRole::guest;
  config.ports = {up, ct};

  dataplane::SwitchSpec spec = compile_switch(config);
  ASSERT_EQ(spec.ports.size(), 2u);
  EXPECT_EQ(spec.ports[0].devargs, "net_af_packet_up,iface=egw-up,qpairs=2,framecnt=2048")
      << "net_af_packet needs a socket per queue pair";
  EXPECT_EQ(spec.ports[0].queues, 2);
  EXPECT_EQ(spec.ports[0].mac_limit, 100u);
  EXPECT_EQ(spec.ports[0].role, dataplane::PortRole::physical);
  EXPECT_EQ(spec.ports[1].devargs, "net_af_packet_ct,iface=veth-ct,framecnt=2048")
      << "one queue pair: no qpairs; every af_packet ring 2048 frames deep";
  EXPECT_EQ(spec.ports[1].queues, 1);
  EXPECT_EQ(spec.ports[1].mac_limit, 0u);
  EXPECT_EQ(spec.ports[1].role, dataplane::PortRole::guest);
}

TEST(SwitchCompilerTest, TaggedMembersAndStaticMacsReachTheBridge) {
  GatewayConfig config;
  PortConfig up = port("up", PortKind::af_packet);
  up.iface = "egw-up";
  PortConfig vm = port("vm", PortKind::vhost);
  config.ports = {up, vm};
  NetworkConfig v10;
  v10.name = "v10";
  v10.ports = {{"up", 10, 0}, {"vm", 0, 0}};
  v10.static_macs = {{MacAddress{0x02, 0, 0, 0, 0, 0x10}, "vm"}};
  NetworkConfig tenant;
  tenant.name = "tenant";
  tenant.ports = {{"up", 10, 100}};
  config.networks = {v10, tenant};

  dataplane::SwitchSpec spec = compile_switch(config);
  ASSERT_EQ(spec.bridges.size(), 2u);
  ASSERT_EQ(spec.bridges[0].members.size(), 2u);
  EXPECT_EQ(spec.bridges[0].members[0].port, "up");
  EXPECT_EQ(spec.bridges[0].members[0].vlan, 10);
  EXPECT_EQ(spec.bridges[0].members[0].outer_vlan, 0);
  EXPECT_EQ(spec.bridges[0].members[1].vlan, 0);
  ASSERT_EQ(spec.bridges[0].static_macs.size(), 1u);
  EXPECT_EQ(spec.bridges[0].static_macs[0].mac, (std::array<uint8_t, 6>{0x02, 0, 0, 0, 0, 0x10}));
  EXPECT_EQ(spec.bridges[0].static_macs[0].port, "vm");
  ASSERT_EQ(spec.bridges[1].members.size(), 1u);
  EXPECT_EQ(spec.bridges[1].members[0].vlan, 10);
  EXPECT_EQ(spec.bridges[1].members[0].outer_vlan, 100);
}

Ipv6Address v6(const char* text) { return *netproto::parse_ipv6(text); }

// A routed network "lan" on port "vm"; with `ipv6`, its IPv6 subnet fd00:10::/64 at fd00:10::1.
NetworkConfig routed_lan(bool ipv6) {
  NetworkConfig lan;
  lan.name = "lan";
  lan.mode = NetworkMode::routed;
  lan.ports = {{"vm"}};
  lan.subnet = Ipv4Prefix{0xc0a83200u, 24};
  lan.gateway = 0xc0a83201u;
  if (ipv6) lan.ipv6 = NetworkIpv6Config{{v6("fd00:10::"), 64}, v6("fd00:10::1"), {}};
  return lan;
}

TEST(SwitchCompilerTest, RoutedNetworksGetTheirIpv6InterfaceAndRoutesOfBothFamilies) {
  GatewayConfig config;
  config.ports = {port("vm", PortKind::vhost), port("ct", PortKind::vhost)};
  NetworkConfig quiet = routed_lan(true);
  quiet.name = "quiet";
  quiet.ports = {{"ct"}};
  quiet.subnet = Ipv4Prefix{0xc0a83300u, 24};
  quiet.gateway = 0xc0a83301u;
  quiet.ipv6 = NetworkIpv6Config{{v6("2001:db8:0:60::"), 56}, v6("2001:db8:0:60::fe"), {}};
  quiet.ipv6->router_advertisements.enabled = false;
  config.networks = {routed_lan(true), quiet};
  config.routes = {{{0, 0}, 0xc0a832feu}};
  config.routes6 = {{{Ipv6Address{}, 0}, v6("fd00:10::fe")}, {{v6("2001:db8:100::"), 48}, v6("2001:db8:0:60::9")}};

  const dataplane::SwitchSpec spec = compile_switch(config);
  ASSERT_EQ(spec.bridges.size(), 2u);
  ASSERT_TRUE(spec.bridges[0].router.has_value());
  EXPECT_EQ(spec.bridges[0].router->address, 0xc0a83201u);
  EXPECT_EQ(spec.bridges[0].router->v6, (dataplane::RouterInterface6Spec{v6("fd00:10::1"), 64, true}));
  ASSERT_TRUE(spec.bridges[1].router.has_value());
  EXPECT_EQ(spec.bridges[1].router->v6, (dataplane::RouterInterface6Spec{v6("2001:db8:0:60::fe"), 56, false}))
      << "no router advertisements: router solicitations are not punted";
  ASSERT_EQ(spec.routes.size(), 1u);
  EXPECT_EQ(spec.routes[0].via, 0xc0a832feu);
  ASSERT_EQ(spec.routes6.size(), 2u);
  EXPECT_EQ(spec.routes6[0].prefix, Ipv6Address{});
  EXPECT_EQ(spec.routes6[0].length, 0);
  EXPECT_EQ(spec.routes6[0].via, v6("fd00:10::fe"));
  EXPECT_EQ(spec.routes6[1].prefix, v6("2001:db8:100::"));
  EXPECT_EQ(spec.routes6[1].length, 48);
  EXPECT_EQ(spec.routes6[1].via, v6("2001:db8:0:60::9"));
}

TEST(SwitchCompilerTest, ARoutedNetworkWithoutIpv6HasNoIpv6Interface) {
  GatewayConfig config;
  config.ports = {port("vm", PortKind::vhost)};
  config.networks = {routed_lan(false)};
  const dataplane::SwitchSpec spec = compile_switch(config);
  ASSERT_TRUE(spec.bridges[0].router.has_value());
  EXPECT_FALSE(spec.bridges[0].router->v6.has_value());
  EXPECT_TRUE(spec.routes6.empty());
}

TEST(SwitchCompilerTest, EmptyConfigCompilesToAnEmptySwitch) {
  dataplane::SwitchSpec spec = compile_switch(GatewayConfig{});
  EXPECT_TRUE(spec.ports.empty());
  EXPECT_TRUE(spec.bridges.empty());
}

}  // namespace
}  // namespace edgegw::control
