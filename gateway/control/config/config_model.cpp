// The small behaviours of the config model: prefix arithmetic, enum names and lookups by name.
#include "edgegw/control/config_model.hpp"

#include <cstdio>

#include "edgegw/netproto/ipv6.hpp"

namespace edgegw::control {
namespace {

// Network mask of a prefix length, 0..32 (a shift by 32 would be undefined, hence the special case).
uint32_t mask_of(uint8_t length) {
  if (length == 0) return 0;
  if (length >= 32) return 0xffffffffu;
  return ~uint32_t{0} << (32 - length);
}

}  // namespace

std::string format_mac(const MacAddress& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                mac[5]);
  return text;
}

std::string format_ipv4(uint32_t address) {
  return std::to_string((address >> 24) & 0xff) + '.' + std::to_string((address >> 16) & 0xff) + '.' +
         std::to_string((address >> 8) & 0xff) + '.' + std::to_string(address & 0xff);
}

std::string Ipv4Prefix::to_string() const { return format_ipv4(address) + '/' + std::to_string(length); }

std::string Ipv4HostAddress::to_string() const { return Ipv4Prefix{address, length}.to_string(); }

Ipv4Prefix Ipv4HostAddress::prefix() const { return Ipv4Prefix{address & mask_of(length), length}; }

bool Ipv4Prefix::contains(uint32_t addr) const {
  const uint32_t mask = mask_of(length);
  return (addr & mask) == (address & mask);
}

bool Ipv4Prefix::overlaps(const Ipv4Prefix& other) const {
  // Two prefixes overlap exactly when the shorter one contains the other's network address.
  return contains(other.address) || other.contains(address);
}

std::string Ipv6Prefix::to_string() const { return netproto::format_ipv6(address) + '/' + std::to_string(length); }

bool Ipv6Prefix::contains(const Ipv6Address& addr) const { return netproto::ipv6_in_prefix(addr, address, length); }

bool Ipv6Prefix::overlaps(const Ipv6Prefix& other) const {
  return contains(other.address) || other.contains(address);
}

const char* port_kind_name(PortKind kind) {
  switch (kind) {
    case PortKind::af_packet: return "af_packet";
    case PortKind::tap: return "tap";
    case PortKind::pci: return "pci";
    case PortKind::vdev: return "vdev";
    case PortKind::vhost: return "vhost";
    case PortKind::host: return "host";
  }
  return "unknown";
}

std::optional<PortKind> port_kind_from_name(std::string_view name) {
  for (PortKind kind :
       {PortKind::af_packet, PortKind::tap, PortKind::pci, PortKind::vdev, PortKind::vhost, PortKind::host}) {
    if (name == port_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

const char* port_role_name(PortRole role) {
  switch (role) {
    case PortRole::physical: return "physical";
    case PortRole::guest: return "guest";
    case PortRole::host: return "host";
  }
  return "unknown";
}

std::optional<PortRole> port_role_from_name(std::string_view name) {
  for (PortRole role : {PortRole::physical, PortRole::guest, PortRole::host}) {
    if (name == port_role_name(role)) return role;
  }
  return std::nullopt;
}

PortRole default_port_role(PortKind kind) {
  switch (kind) {
    case PortKind::vhost: return PortRole::guest;
    case PortKind::host: return PortRole::host;
    default: return PortRole::physical;
  }
}

const char* network_mode_name(NetworkMode mode) {
  switch (mode) {
    case NetworkMode::bridge: return "bridge";
    case NetworkMode::host_only: return "host-only";
    case NetworkMode::isolated: return "isolated";
    case NetworkMode::routed: return "routed";
    case NetworkMode::nat: return "nat";
  }
  return "unknown";
}

std::optional<NetworkMode> network_mode_from_name(std::string_view name) {
  for (NetworkMode mode :
       {NetworkMode::bridge, NetworkMode::host_only, NetworkMode::isolated, NetworkMode::routed, NetworkMode::nat}) {
    if (name == network_mode_name(mode)) return mode;
  }
  // A synonym: the canonical form writes "isolated".
  if (name == "internal") return NetworkMode::isolated;
  return std::nullopt;
}

const char* security_protocol_name(SecurityProtocol protocol) {
  switch (protocol) {
    case SecurityProtocol::any: return "any";
    case SecurityProtocol::tcp: return "tcp";
    case SecurityProtocol::udp: return "udp";
    case SecurityProtocol::icmp: return "icmp";
  }
  return "unknown";
}

const SecurityGroupConfig* GatewayConfig::find_security_group(const std::string& name) const {
  for (const SecurityGroupConfig& group : security_groups) {
    if (group.name == name) return &group;
  }
  return nullptr;
}

const PortConfig* GatewayConfig::find_port(const std::string& name) const {
  for (const PortConfig& port : ports) {
    if (port.name == name) return &port;
  }
  return nullptr;
}

const NetworkConfig* GatewayConfig::find_network(const std::string& name) const {
  for (const NetworkConfig& network : networks) {
    if (network.name == name) return &network;
  }
  return nullptr;
}

}  // namespace edgegw::control
