// Value syntax checks for the config parser. Pure string functions, so the messages live in one place.
#include "config_values.hpp"

#include <algorithm>
#include <optional>

#include "config_issues.hpp"
#include "edgegw/netproto/ipv6.hpp"
#include "json_fields.hpp"

namespace edgegw::control::detail {
namespace {

Error invalid(std::string message) { return make_error(Errc::validation, std::move(message)); }

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_printable_ascii(char c) { return c > ' ' && c < 0x7f; }  // no space, no controls

// Hex digit value, or -1.
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Two hex digits at text[at], or nothing.
std::optional<uint8_t> hex_byte(std::string_view text, size_t at) {
  const int high = hex_value(text[at]);
  const int low = hex_value(text[at + 1]);
  if (high < 0 || low < 0) return std::nullopt;
  return static_cast<uint8_t>(high * 16 + low);
}

// A decimal number of 1..max_digits digits without a leading zero ("0" itself is fine), or nothing.
std::optional<uint32_t> strict_decimal(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value;
}

std::optional<uint32_t> parse_ipv4_address(std::string_view text) {
  uint32_t address = 0;
  for (int octet = 0; octet < 4; ++octet) {
    const size_t dot = octet < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    const std::optional<uint32_t> value = strict_decimal(text.substr(0, dot), 3);
    if (!value || *value > 255) return std::nullopt;
    address = (address << 8) | *value;
    text.remove_prefix(octet < 3 ? dot + 1 : dot);
  }
  return address;
}

}  // namespace

Result<void> check_object_name(std::string_view name) {
  bool good = !name.empty() && name.size() <= 15 && is_lower(name[0]);
  for (char c : name) good = good && (is_lower(c) || is_digit(c) || c == '_' || c == '-');
  if (good) return {};
  return invalid("must start with a lowercase letter followed by at most 14 lowercase letters, digits, "
                 "'_' or '-', got " + quote_text(name));
}

Result<void> check_iface(std::string_view iface) {
  if (iface.empty() || iface.size() > kMaxIfaceLength) {
    return invalid("must be a Linux interface name of 1 to 15 characters, got " + quote_text(iface));
  }
  for (char c : iface) {
    if (!is_printable_ascii(c) || c == '/' || c == ':' || c == ',' || c == '=') {
      return invalid("must be a Linux interface name of printable ASCII characters other than space, "
                     "'/', ':', ',' and '=', got " + quote_text(iface));
    }
  }
  if (iface == "." || iface == "..") {
    return invalid("must be a Linux interface name other than '.' and '..', got " + quote_text(iface));
  }
  return {};
}

Result<std::string> parse_pci_address(std::string_view text) {
  // DDDD:BB:DD.F
  bool good = text.size() == 12 && text[4] == ':' && text[7] == ':' && text[10] == '.';
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11}) good = good && hex_value(text[i]) >= 0;
  good = good && hex_value(text[8]) <= 1 && text[11] >= '0' && text[11] <= '7';
  if (!good) {
    return invalid("must be a PCI address 'DDDD:BB:DD.F' in hex (device 00-1f, function 0-7), got " +
                   quote_text(text));
  }
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

Result<void> check_devargs(std::string_view devargs) {
  bool good = devargs.size() > 4 && devargs.starts_with("net_");
  for (char c : devargs) good = good && is_printable_ascii(c);
  if (!good) {
    return invalid("must be DPDK devargs: 'net_' followed by printable ASCII characters without spaces, got " +
                   quote_text(devargs));
  }
  // All ASCII now, so bytes are characters.
  if (devargs.size() > kMaxDevargsLength) {
    return invalid("must be at most " + std::to_string(kMaxDevargsLength) + " characters long, got " +
                   std::to_string(devargs.size()));
  }
  return {};
}

std::string_view vdev_device_name(std::string_view devargs) { return devargs.substr(0, devargs.find(',')); }

Result<MacAddress> parse_mac(std::string_view text) {
  MacAddress mac{};
  bool good = text.size() == 17;
  for (size_t i = 0; good && i < mac.size(); ++i) {
    const std::optional<uint8_t> byte = hex_byte(text, i * 3);
    good = byte.has_value() && (i == 5 || text[i * 3 + 2] == ':');
    if (good) mac[i] = *byte;
  }
  if (!good) return invalid("must be a MAC address 'xx:xx:xx:xx:xx:xx' in hex, got " + quote_text(text));
  if (mac == MacAddress{}) return invalid("must not be the all-zero MAC address, got " + quote_text(text));
  if ((mac[0] & 0x01) != 0) {
    return invalid("must be a unicast MAC address (lowest bit of the first octet clear), got " + quote_text(text));
  }
  return mac;
}

namespace {

// "a.b.c.d/len" with any len 0..32 (nullopt when it is not that shape); ranges are the caller's.
std::optional<Ipv4Prefix> prefix_syntax(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::optional<uint32_t> address = parse_ipv4_address(text.substr(0, slash));
  const std::optional<uint32_t> length = strict_decimal(text.substr(slash + 1), 2);
  if (!address || !length || *length > 32) return std::nullopt;
  return Ipv4Prefix{*address, static_cast<uint8_t>(*length)};
}

// The prefix itself when its length is in min..max, else the issue saying so.
template <class Prefix>
Result<Prefix> within_lengths(const Prefix& prefix, uint8_t min, uint8_t max, std::string_view text) {
  if (prefix.length >= min && prefix.length <= max) return prefix;
  return invalid("must have a prefix length between " + std::to_string(min) + " and " + std::to_string(max) +
                 ", got " + quote_text(text));
}

// "a.b.c.d/len" with len in the subnet range; the host bits are left to the caller.
Result<Ipv4Prefix> parse_prefix_text(std::string_view text) {
  const std::optional<Ipv4Prefix> prefix = prefix_syntax(text);
  if (!prefix) return invalid("must be an IPv4 prefix 'a.b.c.d/len', got " + quote_text(text));
  return within_lengths(*prefix, kMinSubnetLength, kMaxSubnetLength, text);
}

// The prefix with its host bits cleared.
Ipv4Prefix network_of(const Ipv4Prefix& prefix) {
  const uint32_t mask = prefix.length == 0 ? 0 : ~uint32_t{0} << (32 - prefix.length);
  return {prefix.address & mask, prefix.length};
}

Ipv6Prefix network_of(const Ipv6Prefix& prefix) {
  return {netproto::ipv6_prefix_of(prefix.address, prefix.length), prefix.length};
}

// The prefix itself when its host bits are zero, else the issue naming the prefix meant.
template <class Prefix>
Result<Prefix> without_host_bits(const Prefix& prefix, std::string_view text) {
  const Prefix meant = network_of(prefix);
  if (meant == prefix) return prefix;
  return invalid("must have all host bits zero, got " + quote_text(text) + " (did you mean " +
                 quote_text(meant.to_string()) + ")");
}

}  // namespace

Result<Ipv4Prefix> parse_subnet(std::string_view text) {
  Result<Ipv4Prefix> parsed = parse_prefix_text(text);
  if (!parsed) return parsed;
  return without_host_bits(*parsed, text);
}

Result<uint32_t> parse_ipv4(std::string_view text) {
  const std::optional<uint32_t> address = parse_ipv4_address(text);
  if (!address) return invalid("must be an IPv4 address 'a.b.c.d', got " + quote_text(text));
  return *address;
}

Result<Ipv4Prefix> parse_route_prefix(std::string_view text) {
  const std::optional<Ipv4Prefix> prefix = prefix_syntax(text);
  if (!prefix) return invalid("must be an IPv4 prefix 'a.b.c.d/len' with len 0..32, got " + quote_text(text));
  return without_host_bits(*prefix, text);
}

Result<Ipv6Address> parse_ipv6(std::string_view text) {
  const std::optional<Ipv6Address> address = netproto::parse_ipv6(text);
  if (!address) return invalid("must be an IPv6 address like '2001:db8::1', got " + quote_text(text));
  return *address;
}

Result<Ipv6Prefix> parse_ipv6_prefix(std::string_view text, uint8_t min_length, uint8_t max_length) {
  const size_t slash = text.find('/');
  const std::optional<Ipv6Address> address =
      slash == std::string_view::npos ? std::nullopt : netproto::parse_ipv6(text.substr(0, slash));
  const std::optional<uint32_t> length =
      slash == std::string_view::npos ? std::nullopt : strict_decimal(text.substr(slash + 1), 3);
  if (!address || !length) return invalid("must be an IPv6 prefix like '2001:db8::/48', got " + quote_text(text));
  // Lengths above 255 do not fit the model; any above max_length is refused the same way.
  const uint8_t stored = static_cast<uint8_t>(std::min<uint32_t>(*length, 255));
  Result<Ipv6Prefix> prefix = within_lengths(Ipv6Prefix{*address, stored}, min_length, max_length, text);
  if (!prefix) return prefix;
  return without_host_bits(*prefix, text);
}

const char* ipv6_special_kind(const Ipv6Address& address) {
  const uint8_t* a = address.data();
  if (netproto::ipv6_is_unspecified(a)) return "the unspecified address";
  if (netproto::ipv6_is_loopback(a)) return "the loopback address";
  if (netproto::ipv6_is_multicast(a)) return "a multicast address";
  if (netproto::ipv6_is_link_local(a)) return "a link-local address";
  return nullptr;
}

Result<PortRange> parse_port_range(std::string_view text) {
  // One decimal number of at most 5 digits without leading zeros, 1..65535.
  auto number = [](std::string_view digits) -> std::optional<uint16_t> {
    if (digits.empty() || digits.size() > 5 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
    uint32_t value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    return static_cast<uint16_t>(value);
  };
  const size_t dash = text.find('-');
  const std::optional<uint16_t> first = number(text.substr(0, dash));
  const std::optional<uint16_t> last = dash == std::string_view::npos ? first : number(text.substr(dash + 1));
  if (!first || !last || *first > *last) {
    return invalid("must be a port 'N' or a range 'N-M' with 1 <= N <= M <= 65535, got " + quote_text(text));
  }
  return PortRange{*first, *last};
}

Result<Ipv4HostAddress> parse_host_address(std::string_view text) {
  Result<Ipv4Prefix> parsed = parse_prefix_text(text);
  if (!parsed) return parsed.error();
  const uint32_t host_mask = ~(~uint32_t{0} << (32 - parsed->length));  // length is 8..30 here
  const uint32_t host_bits = parsed->address & host_mask;
  if (host_bits == 0) {
    return invalid("must be a host address, not the network address of its prefix, got " + quote_text(text));
  }
  if (host_bits == host_mask) {
    return invalid("must be a host address, not the broadcast address of its prefix, got " + quote_text(text));
  }
  return Ipv4HostAddress{parsed->address, parsed->length};
}

Result<void> check_socket_path(std::string_view path) {
  bool good = path.size() > 1 && path[0] == '/';
  for (char c : path) good = good && is_printable_ascii(c) && c != ',' && c != '=';
  if (!good) {
    return invalid("must be an absolute path of printable ASCII characters other than space, ',' and '=', got " +
                   quote_text(path));
  }
  // Every component after a '/': none may be "." or ".." (the path must say where it is plainly).
  for (size_t start = 1; start <= path.size();) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view component = path.substr(start, end - start);
    if (component == "." || component == "..") {
      return invalid("must be an absolute path without '.' or '..' components, got " + quote_text(path));
    }
    start = end + 1;
  }
  if (path.size() > kMaxSocketPathLength) {
    return invalid("must be at most " + std::to_string(kMaxSocketPathLength) + " characters long, got " +
                   std::to_string(path.size()));
  }
  return {};
}

Result<void> check_description(std::string_view text) {
  const size_t length = code_point_count(text);
  if (length <= kMaxDescriptionLength) return {};
  return invalid("must be at most " + std::to_string(kMaxDescriptionLength) + " characters long, got " +
                 std::to_string(length));
}

}  // namespace edgegw::control::detail
