// The config model's own behaviour: prefix arithmetic, enum names, MAC formatting, lookups.
#include <gtest/gtest.h>

#include "edgegw/control/config_model.hpp"

namespace edgegw::control {
namespace {

TEST(Ipv4Prefix, FormatsAsCidr) {
  EXPECT_EQ((Ipv4Prefix{0xc0a83200u, 24}).to_string(), "192.168.50.0/24");
  EXPECT_EQ((Ipv4Prefix{0, 0}).to_string(), "0.0.0.0/0");
  EXPECT_EQ((Ipv4Prefix{0xffffffffu, 32}).to_string(), "255.255.255.255/32");
}

TEST(Ipv4Prefix, ContainsAddressesOfItsNetworkOnly) {
  const Ipv4Prefix p{0x0a000000u, 8};  // 10.0.0.0/8
  EXPECT_TRUE(p.contains(0x0a000000u));
  EXPECT_TRUE(p.contains(0x0affffffu));
  EXPECT_FALSE(p.contains(0x0b000000u));
  EXPECT_FALSE(p.contains(0x09ffffffu));
  EXPECT_TRUE((Ipv4Prefix{0, 0}).contains(0xdeadbeefu)) << "/0 contains everything";
  EXPECT_TRUE((Ipv4Prefix{0x01020304u, 32}).contains(0x01020304u));
  EXPECT_FALSE((Ipv4Prefix{0x01020304u, 32}).contains(0x01020305u));
}

TEST(Ipv4Prefix, OverlapsWhenOneContainsTheOther) {
  const Ipv4Prefix wide{0xc0a80000u, 16};    // 192.168.0.0/16
  const Ipv4Prefix narrow{0xc0a83200u, 24};  // 192.168.50.0/24
  const Ipv4Prefix next{0xc0a83300u, 24};    // 192.168.51.0/24
  EXPECT_TRUE(wide.overlaps(narrow));
  EXPECT_TRUE(narrow.overlaps(wide));
  EXPECT_TRUE(narrow.overlaps(narrow));
  EXPECT_FALSE(narrow.overlaps(next));
  EXPECT_FALSE((Ipv4Prefix{0x0a000000u, 8}).overlaps(wide));
}

TEST(ConfigNames, PortKindsRoundTrip) {
  for (PortKind kind :
       {PortKind::af_packet, PortKind::tap, PortKind::pci, PortKind::vdev, PortKind::vhost, PortKind::host}) {
    EXPECT_EQ(port_kind_from_name(port_kind_name(kind)), kind);
  }
  EXPECT_EQ(port_kind_from_name("AF_PACKET"), std::nullopt);
  EXPECT_EQ(port_kind_from_name(""), std::nullopt);
}

TEST(ConfigNames, NetworkModesRoundTrip) {
  EXPECT_EQ(network_mode_from_name(network_mode_name(NetworkMode::bridge)), NetworkMode::bridge);
  EXPECT_EQ(network_mode_from_name(network_mode_name(NetworkMode::host_only)), NetworkMode::host_only);
  EXPECT_EQ(network_mode_from_name(network_mode_name(NetworkMode::isolated)), NetworkMode::isolated);
  EXPECT_STREQ(network_mode_name(NetworkMode::host_only), "host-only");
  EXPECT_EQ(network_mode_from_name("internal"), NetworkMode::isolated) << "a synonym, written as isolated";
  EXPECT_EQ(network_mode_from_name(network_mode_name(NetworkMode::routed)), NetworkMode::routed);
  EXPECT_EQ(network_mode_from_name("nated"), std::nullopt);
}

TEST(ConfigNames, PortRolesRoundTripAndDefaultFromTheKind) {
  for (PortRole role : {PortRole::physical, PortRole::guest, PortRole::host}) {
    EXPECT_EQ(port_role_from_name(port_role_name(role)), role);
  }
  EXPECT_EQ(port_role_from_name("Guest"), std::nullopt);
  EXPECT_EQ(default_port_role(PortKind::vhost), PortRole::guest);
  EXPECT_EQ(default_port_role(PortKind::host), PortRole::host);
  for (PortKind kind : {PortKind::af_packet, PortKind::tap, PortKind::pci, PortKind::vdev}) {
    EXPECT_EQ(default_port_role(kind), PortRole::physical) << port_kind_name(kind);
  }
}

TEST(Ipv4HostAddress, FormatsWithItsLengthAndKnowsItsNetwork) {
  const Ipv4HostAddress a{0xc0a83201u, 24};  // 192.168.50.1/24
  EXPECT_EQ(a.to_string(), "192.168.50.1/24");
  EXPECT_EQ(a.prefix(), (Ipv4Prefix{0xc0a83200u, 24}));
}

TEST(FormatMac, IsLowercaseWithColons) {
  EXPECT_EQ(format_mac({0x02, 0xab, 0x00, 0x10, 0xff, 0x01}), "02:ab:00:10:ff:01");
}

TEST(GatewayConfig, FindsPortsAndNetworksByName) {
  GatewayConfig config;
  config.ports.resize(2);
  config.ports[0].name = "lan";
  config.ports[1].name = "wan";
  config.networks.resize(1);
  config.networks[0].name = "site";
  EXPECT_EQ(config.find_port("wan"), &config.ports[1]);
  EXPECT_EQ(config.find_port("dmz"), nullptr);
  EXPECT_EQ(config.find_network("site"), &config.networks[0]);
  EXPECT_EQ(config.find_network("lan"), nullptr);
}

}  // namespace
}  // namespace edgegw::control
