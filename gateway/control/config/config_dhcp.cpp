// A routed network's "dhcp" block: the pool, lease time, options and static leases. Types and
// formats are checked here; the pool's rules (hosts of the subnet, not the gateway, no address or
// MAC twice, sizes) are the DHCP server's own validate(), whose field names are mapped back to the
// document's pointers. IP address management across the network: host-port addresses are neither
// in the pool nor given to a static lease.
#include <algorithm>
#include <optional>
#include <string>

#include "config_reader.hpp"
#include "config_values.hpp"
#include "edgegw/control/config_dhcp.hpp"
#include "edgegw/netproto/checksum.hpp"

namespace edgegw::control {

netproto::DhcpPoolConfig dhcp_pool_config(const NetworkConfig& network) {
  const NetworkDhcpConfig& d = *network.dhcp;
  netproto::DhcpPoolConfig pool;
  pool.subnet = network.subnet->address;
  pool.prefix_len = network.subnet->length;
  pool.server_ip = *network.gateway;
  pool.router = *network.gateway;
  pool.range_first = d.range_first;
  pool.range_last = d.range_last;
  for (const DhcpStaticLeaseConfig& l : d.static_leases) pool.static_leases.push_back({l.mac, l.ip});
  pool.dns = d.dns;
  pool.domain = d.domain;
  pool.mtu = d.mtu;
  pool.lease_time_s = d.lease_time_s;
  return pool;
}

}  // namespace edgegw::control

namespace edgegw::control::detail {
namespace {

constexpr uint64_t kMinLeaseTime = 60;
constexpr uint64_t kMaxLeaseTime = 31536000;  // a year
constexpr uint64_t kMinDhcpMtu = 576;         // what every IPv4 host must accept
constexpr uint64_t kMaxDhcpMtu = 9600;
constexpr size_t kMaxDnsServers = 4;

// The default pool: the upper half of the subnet's hosts on the larger side of the gateway (the
// lower half stays for hosts numbered by hand), at most the server's largest pool.
std::pair<uint32_t, uint32_t> default_range(const Ipv4Prefix& subnet, uint32_t gateway) {
  const uint32_t mask = netproto::prefix_mask(subnet.length);
  const uint32_t first_host = subnet.address + 1;
  const uint32_t last_host = (subnet.address | ~mask) - 1;
  uint32_t first = gateway + 1, last = last_host;
  if (gateway - first_host > last_host - gateway) {
    first = first_host;
    last = gateway - 1;
  }
  first += (last - first + 1) / 2;
  if (uint64_t{last} - first + 1 > netproto::kDhcpMaxPoolSize) last = first + netproto::kDhcpMaxPoolSize - 1;
  return {first, last};
}

}  // namespace

void ConfigReader::read_dhcp(const ObjectReader& object, std::optional<NetworkMode> mode,
                             const std::vector<ReadMember>& members, NetworkConfig& out) {
  const Field field = object.optional("dhcp");
  const Json* json = read_routed_block(field, mode);
  if (json == nullptr) return;
  ObjectReader dhcp(*json, field.at, {"range", "lease_time_s", "dns", "domain", "mtu", "static_leases"}, issues_);
  NetworkDhcpConfig config;
  bool usable = true;
  // Where each of the server's fields is in the document, for its validation messages.
  std::map<std::string, Location> places{{"", field.at}};

  const Field range = dhcp.optional("range");
  places["range"] = range.at;
  std::optional<uint32_t> first, last;
  if (const Json* r = read_object(range, issues_)) {
    ObjectReader bounds(*r, range.at, {"first", "last"}, issues_);
    for (auto [name, value] : {std::pair{"first", &first}, std::pair{"last", &last}}) {
      const Field f = bounds.required(name);
      places[std::string("range.") + name] = f.at;
      if (auto text = read_string(f, issues_)) {
        if (Result<uint32_t> address = parse_ipv4(*text); !address) {
          issues_.add(f.at, address.error().message);
        } else {
          *value = *address;
        }
      }
    }
    usable = usable && first && last;
  } else if (range.value != nullptr) {
    usable = false;
  }
  if (auto n = read_integer(dhcp.optional("lease_time_s"), kMinLeaseTime, kMaxLeaseTime, issues_)) {
    config.lease_time_s = static_cast<uint32_t>(*n);
  }
  const Field dns = dhcp.optional("dns");
  if (const Json* array = read_array(dns, issues_)) {
    const size_t count = checked_length(*array, kMaxDnsServers, "DNS servers", dns.at);
    for (size_t i = 0; i < count; ++i) {
      const Field server{&(*array)[i], dns.at.element(i)};
      places["dns/" + std::to_string(i)] = server.at;
      if (auto text = read_string(server, issues_)) {
        if (Result<uint32_t> address = parse_ipv4(*text); !address) {
          issues_.add(server.at, address.error().message);
        } else {
          config.dns.push_back(*address);
        }
      }
    }
  }
  const Field domain = dhcp.optional("domain");
  places["domain"] = domain.at;
  if (auto text = read_string(domain, issues_)) config.domain = *text;
  const Field mtu = dhcp.optional("mtu");
  places["mtu"] = mtu.at;
  if (auto n = read_integer(mtu, 0, kMaxDhcpMtu, issues_)) {
    if (*n != 0 && *n < kMinDhcpMtu) {
      issues_.add(mtu.at, "must be 0 (not sent) or between " + std::to_string(kMinDhcpMtu) + " and " +
                              std::to_string(kMaxDhcpMtu) + ", got " + std::to_string(*n));
    } else {
      config.mtu = static_cast<uint16_t>(*n);
    }
  }
  config.static_leases = read_static_leases(dhcp.optional("static_leases"), places, usable);

  // The rest needs the subnet and the gateway (reported missing by read_router when absent).
  if (!out.subnet || !out.gateway || !usable) {
    out.dhcp = std::move(config);
    return;
  }
  if (first && last) {
    config.range_first = *first;
    config.range_last = *last;
  } else {
    std::tie(config.range_first, config.range_last) = default_range(*out.subnet, *out.gateway);
  }
  NetworkConfig probe = out;
  probe.dhcp = config;
  if (Result<void> valid = netproto::validate(dhcp_pool_config(probe)); !valid) {
    const Error& e = valid.error();
    auto place = places.find(e.pointer);
    const std::string prefix = e.pointer + ": ";
    const std::string why = e.message.rfind(prefix, 0) == 0 ? e.message.substr(prefix.size()) : e.message;
    issues_.add(place != places.end() ? place->second : field.at, why);
  }
  // IPAM: the box's own addresses on the network are not given to anyone else.
  for (const ReadMember& m : members) {
    const auto address = host_addresses_by_port_.find(m.member.port);
    if (!m.usable || address == host_addresses_by_port_.end()) continue;
    const uint32_t host = address->second.address;
    if (host >= config.range_first && host <= config.range_last) {
      issues_.add(places["range"], "contains " + format_ipv4(host) + ", the address of host port " +
                                       quote_text(m.member.port));
    }
    for (size_t i = 0; i < config.static_leases.size(); ++i) {
      if (config.static_leases[i].ip == host) {
        issues_.add(places["static_leases/" + std::to_string(i) + "/ip"],
                    "is the address of host port " + quote_text(m.member.port));
      }
    }
  }
  out.dhcp = std::move(config);
}

std::vector<DhcpStaticLeaseConfig> ConfigReader::read_static_leases(const Field& field,
                                                                    std::map<std::string, Location>& places,
                                                                    bool& usable) {
  std::vector<DhcpStaticLeaseConfig> leases;
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return leases;
  const size_t count = checked_length(*array, kMaxDhcpStaticLeases, "static leases", field.at);
  for (size_t i = 0; i < count; ++i) {
    const Location at = field.at.element(i);
    if (!expect_object((*array)[i], at)) {
      usable = false;
      continue;
    }
    ObjectReader object((*array)[i], at, {"mac", "ip"}, issues_);
    DhcpStaticLeaseConfig lease;
    bool complete = false;
    const std::string base = "static_leases/" + std::to_string(i) + "/";
    const Field mac = object.required("mac");
    places[base + "mac"] = mac.at;
    if (auto text = read_string(mac, issues_)) {
      if (auto parsed = parse_mac(*text); !parsed) {
        issues_.add(mac.at, parsed.error().message);
      } else {
        lease.mac = *parsed;
        complete = true;
      }
    }
    const Field ip = object.required("ip");
    places[base + "ip"] = ip.at;
    if (auto text = read_string(ip, issues_)) {
      if (Result<uint32_t> address = parse_ipv4(*text); !address) {
        issues_.add(ip.at, address.error().message);
      } else {
        lease.ip = *address;
        usable = usable && complete;
        leases.push_back(lease);
        continue;
      }
    }
    usable = false;
    leases.push_back(lease);
  }
  return leases;
}

}  // namespace edgegw::control::detail
