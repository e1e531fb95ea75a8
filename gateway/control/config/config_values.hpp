// Syntax of the string values in a config: names, interface names, PCI addresses, devargs, MAC
// addresses, IPv4 and IPv6 addresses and prefixes. Internal to edgegw_config. Each returns the value (in its canonical form
// where it has one) or an Error whose message is the message ("must ..., got ...").
#pragma once

#include <string>
#include <string_view>

#include "edgegw/common/result.hpp"
#include "edgegw/control/config_model.hpp"

namespace edgegw::control::detail {

inline constexpr size_t kMaxDescriptionLength = 256;  // code points, as JSON Schema counts
inline constexpr size_t kMaxDevargsLength = 256;
inline constexpr size_t kMaxIfaceLength = 15;  // IFNAMSIZ - 1
inline constexpr size_t kMaxSocketPathLength = 107;  // sun_path holds 108 bytes with the final NUL
inline constexpr uint8_t kMinSubnetLength = 8;
inline constexpr uint8_t kMaxSubnetLength = 30;  // /31 and /32 leave no room for hosts and a gateway
inline constexpr uint8_t kMinIpv6SubnetLength = 16;
inline constexpr uint8_t kMaxIpv6SubnetLength = 127;  // a /128 leaves no room for hosts and a gateway

// Port and network names: [a-z][a-z0-9_-]{0,14}. Short enough for DPDK device names and log lines.
Result<void> check_object_name(std::string_view name);

// A Linux interface name (dev_valid_name) that also survives DPDK devargs ("iface=<name>,...").
Result<void> check_iface(std::string_view iface);

// "DDDD:BB:DD.F" in hex, device 00..1f, function 0..7; returned in lowercase.
Result<std::string> parse_pci_address(std::string_view text);

// Raw devargs of a DPDK virtual network device: "net_" then printable ASCII without spaces.
Result<void> check_devargs(std::string_view devargs);
// The DPDK device name in devargs (before the first ','), which must be unique in the process.
std::string_view vdev_device_name(std::string_view devargs);

// "xx:xx:xx:xx:xx:xx" in hex; unicast and not all-zero.
Result<MacAddress> parse_mac(std::string_view text);

// "a.b.c.d/len" with len between kMinSubnetLength and kMaxSubnetLength and the host bits zero.
Result<Ipv4Prefix> parse_subnet(std::string_view text);

// "a.b.c.d/len" of an interface: len as for subnets, host bits neither all zero nor all one.
Result<Ipv4HostAddress> parse_host_address(std::string_view text);

// "a.b.c.d": a plain IPv4 address (host order).
Result<uint32_t> parse_ipv4(std::string_view text);

// "a.b.c.d/len" of a route: len 0..32 ("0.0.0.0/0" is the default route), host bits zero.
Result<Ipv4Prefix> parse_route_prefix(std::string_view text);

// Any RFC 4291 text form of an IPv6 address ("2001:DB8:0::1", "::ffff:192.0.2.1"); no zone index.
Result<Ipv6Address> parse_ipv6(std::string_view text);

// "x::/len" with len between min_length and max_length and the host bits zero.
Result<Ipv6Prefix> parse_ipv6_prefix(std::string_view text, uint8_t min_length, uint8_t max_length);

// "the unspecified address", "the loopback address", "a multicast address" or "a link-local address"
// for those, nullptr for any other (global or unique local) address.
const char* ipv6_special_kind(const Ipv6Address& address);

// "N" or "N-M" with 1 <= N <= M <= 65535: the destination ports a security rule matches.
Result<PortRange> parse_port_range(std::string_view text);

// A vhost-user socket path: absolute, printable ASCII without space, ',' or '=' (it goes into DPDK
// devargs), no "." or ".." component, at most kMaxSocketPathLength bytes.
Result<void> check_socket_path(std::string_view path);

Result<void> check_description(std::string_view text);

}  // namespace edgegw::control::detail
