// The typed desired-state document: what a config (from CLI, MQTT, web or the default) says.
// Produced only by parse_config(), which has validated every field; consumers may trust it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgegw::control {

using MacAddress = std::array<uint8_t, 6>;

// Lowercase "xx:xx:xx:xx:xx:xx", the form the config and the canonical JSON use.
std::string format_mac(const MacAddress& mac);

// Capacity limits of one document; the parser reports a document that exceeds them.
inline constexpr size_t kMaxPorts = 32;
inline constexpr size_t kMaxNetworks = 64;
// Versions stay exact in every JSON implementation (JavaScript's Number.MAX_SAFE_INTEGER).
inline constexpr uint64_t kMaxConfigVersion = (uint64_t{1} << 53) - 1;

struct Ipv4Prefix {
  uint32_t address = 0;  // host byte order, host bits zero
  uint8_t length = 0;
  std::string to_string() const;
  bool contains(uint32_t addr) const;
  bool overlaps(const Ipv4Prefix& other) const;
  bool operator==(const Ipv4Prefix&) const = default;
};

enum class PortKind {
  af_packet,  // Linux interface through DPDK's net_af_packet (a veth end, a NIC without a DPDK driver)
  tap,        // a kernel tap interface created by DPDK's net_tap
  pci,        // a NIC bound to vfio-pci / uio, by PCI address
  vdev,       // any other DPDK virtual device, given as raw devargs
};

const char* port_kind_name(PortKind kind);
std::optional<PortKind> port_kind_from_name(std::string_view name);

struct PortConfig {
  std::string name;     // /ports/N/name: unique, [a-z][a-z0-9_-]{0,14}
  PortKind kind = PortKind::af_packet;
  std::string iface;    // af_packet, tap: Linux interface name
  std::string pci;      // pci: domain:bus:device.function
  std::string devargs;  // vdev: raw DPDK devargs ("net_ring0", "net_memif0,role=server")
  uint16_t mtu = 1500;  // 68..9600
  std::optional<MacAddress> mac;  // unicast; default: the device's own
  bool admin_up = true;

  bool operator==(const PortConfig&) const = default;
};

enum class NetworkMode {
  bridge,  // an L2 segment shared by its ports (a guest appears on the LAN like a host)
};

const char* network_mode_name(NetworkMode mode);
std::optional<NetworkMode> network_mode_from_name(std::string_view name);

struct FdbConfig {
  uint32_t aging_s = 300;       // 10..86400
  uint32_t max_entries = 4096;  // 16..65536

  bool operator==(const FdbConfig&) const = default;
};

struct NetworkConfig {
  std::string name;
  NetworkMode mode = NetworkMode::bridge;
  std::vector<std::string> ports;  // names of ports; a port belongs to at most one network
  std::optional<Ipv4Prefix> subnet;
  FdbConfig fdb;

  bool operator==(const NetworkConfig&) const = default;
};

struct GatewayConfig {
  uint64_t version = 0;  // 1..2^53-1, must increase with every applied document
  std::string description;
  std::vector<PortConfig> ports;
  std::vector<NetworkConfig> networks;

  const PortConfig* find_port(const std::string& name) const;
  const NetworkConfig* find_network(const std::string& name) const;

  bool operator==(const GatewayConfig&) const = default;
};

}  // namespace edgegw::control
