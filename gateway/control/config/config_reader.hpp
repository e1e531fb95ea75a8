// The walk over a config document that builds the GatewayConfig, shared by the files that hold it:
// config_parse.cpp (the document and its ports), config_networks.cpp (networks, their members, tags,
// static MACs, subnets and the rules of each mode), config_dhcp.cpp, config_ipv6.cpp,
// config_routes.cpp and config_security.cpp. Internal to edgegw_config.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "config_issues.hpp"
#include "edgegw/control/config_model.hpp"
#include "json_document.hpp"
#include "json_fields.hpp"

namespace edgegw::control::detail {

// Remembers where each value was first seen, so a repeat names the first place.
class FirstSeen {
 public:
  explicit FirstSeen(std::string what) : what_(std::move(what)) {}

  // False (after reporting "duplicate <what> '<value>' (also <pointer>)") when seen before.
  bool add(const std::string& value, const Location& at, IssueList& issues) {
    auto [it, inserted] = first_.try_emplace(value, at.pointer);
    if (!inserted) issues.add(at, "duplicate " + what_ + " " + quote_text(value) + " (also " + it->second + ")");
    return inserted;
  }

 private:
  std::string what_;
  std::unordered_map<std::string, std::string> first_;  // value -> pointer of its first place
};

// A network a port already belongs to (untagged, or with given tags), for the message about a
// membership that clashes with it.
struct PortOwner {
  std::string network;  // "network 'site'", or "another network" when it has no usable name
  std::string pointer;
};

// A routed network's gateway address, for the routes that name a next hop on its subnet: IPv4
// (PlacedGateway) or IPv6 (PlacedGateway6).
template <class Prefix, class Address>
struct BasicPlacedGateway {
  Address address{};
  Prefix subnet;
  std::string network;  // "network 'lan'"
  std::string pointer;  // of its "gateway"
};
using PlacedGateway = BasicPlacedGateway<Ipv4Prefix, uint32_t>;
using PlacedGateway6 = BasicPlacedGateway<Ipv6Prefix, Ipv6Address>;

// A NAT network's "uplink", judged once every network is known.
struct PlacedUplink {
  std::string uplink;
  std::string network;  // "network 'guests'"
  Location at;
};

// A network's subnet (IPv4 or IPv6), for the subnets of later networks that must not overlap it.
template <class Prefix>
struct PlacedSubnet {
  Prefix prefix;
  std::string network;
  std::string pointer;
};

// Adds `prefix` to `placed`, or reports at `at` the first subnet there it overlaps.
template <class Prefix>
void place_subnet(std::vector<PlacedSubnet<Prefix>>& placed, const Prefix& prefix, const std::string& network,
                  const Location& at, IssueList& issues) {
  for (const PlacedSubnet<Prefix>& other : placed) {
    if (other.prefix.overlaps(prefix)) {
      issues.add(at, "overlaps subnet " + quote_text(other.prefix.to_string()) + " of " + other.network + " at " +
                         other.pointer);
      return;  // one overlap is enough to name; the others follow once it is fixed
    }
  }
  placed.push_back(PlacedSubnet<Prefix>{prefix, network, at.pointer});
}

// One entry of a network's "ports" as read, with the places issues about it point to.
struct ReadMember {
  NetworkMember member;
  Location name_at;    // the port name: the string itself, or the object's "port"
  Location tag_at;     // the object's "vlan" (where tag issues point), else name_at
  bool usable = true;  // false when something in the entry was wrong: later rules skip it
};

class ConfigReader {
 public:
  explicit ConfigReader(IssueList& issues) : issues_(issues) {}
  GatewayConfig read(const Json& root);

 private:
  // config_parse.cpp
  PortConfig read_port(const Json& json, const Location& at);
  void read_port_locators(ObjectReader& object, std::optional<PortKind> kind, PortConfig& port);
  void read_locator(std::string_view field_name, const Field& field, PortConfig& port);
  std::optional<PortRole> read_role(const Field& field, std::optional<PortKind> kind);

  // config_networks.cpp
  NetworkConfig read_network(const Json& json, const Location& at);
  // Reads the members; returns false when one of them could not be judged (then rules over the
  // whole membership, like "needs a physical port", are not checked).
  bool read_members(const Field& field, const std::string& network, NetworkConfig& out,
                    std::vector<ReadMember>& read);
  std::optional<ReadMember> read_member(const Field& entry);
  void check_membership(const ReadMember& m, const std::string& network);
  void check_mode(NetworkMode mode, const std::string& mode_text, const Field& ports,
                  const std::vector<ReadMember>& members, bool all_known);
  void read_static_macs(const Field& field, const std::string& network, const std::vector<ReadMember>& members,
                        NetworkConfig& out);
  void read_subnet(const Field& field, const std::string& network, NetworkConfig& out);
  FdbConfig read_fdb(const Field& field);
  void read_router(const ObjectReader& object, std::optional<NetworkMode> mode, const std::string& label,
                   const std::vector<ReadMember>& members, NetworkConfig& out);
  void read_nat(const ObjectReader& object, std::optional<NetworkMode> mode, const std::string& label,
                NetworkConfig& out);
  // A block that only routed and NAT networks take (dhcp, ipv6): its object, or nullptr when absent
  // or after reporting it in another mode or not an object.
  const Json* read_routed_block(const Field& field, std::optional<NetworkMode> mode);
  PortForwardConfig read_port_forward(const Json& json, const Location& at, const std::string& uplink,
                                      const NetworkConfig& network);
  // config_dhcp.cpp
  void read_dhcp(const ObjectReader& object, std::optional<NetworkMode> mode, const std::vector<ReadMember>& members,
                 NetworkConfig& out);
  // Clears `usable` when an entry could not be read whole (the pool is then not judged as a whole).
  std::vector<DhcpStaticLeaseConfig> read_static_leases(const Field& field, std::map<std::string, Location>& places,
                                                        bool& usable);
  // config_ipv6.cpp: a routed network's "ipv6" block.
  void read_ipv6(const ObjectReader& object, std::optional<NetworkMode> mode, const std::string& label,
                 NetworkConfig& out);
  std::optional<Ipv6Prefix> read_ipv6_subnet(const Field& field, const std::string& label);
  std::optional<Ipv6Address> read_ipv6_gateway(const Field& field, const std::optional<Ipv6Prefix>& subnet);
  RouterAdvertisementConfig read_router_advertisements(const Field& field);
  std::vector<Ipv6Address> read_rdnss(const Field& field);
  // config_routes.cpp, after every network (routes name next hops on routed networks): IPv4 and
  // IPv6 routes share the array and its bound.
  void read_routes(const Field& field, GatewayConfig& config);
  // config_networks.cpp, after every network (NAT networks name their uplinks).
  void check_nat_uplinks(const GatewayConfig& config);
  // config_ipv6.cpp, after every network: the member ports of IPv6 networks carry 1280 bytes.
  void check_ipv6_mtus(const GatewayConfig& config);

  // config_security.cpp: the groups first (ports and networks name them), the lists that name
  // them, and at the end the bound on the compiled rules.
  void read_security_groups(const Field& field, GatewayConfig& config);
  SecurityRuleConfig read_security_rule(const Json& json, const Location& at);
  std::vector<std::string> read_group_list(const Field& field);
  void check_security_policies(const GatewayConfig& config);

  // config_guests.cpp, after the ports (NICs name vhost ports).
  void read_guests(const Field& field, GatewayConfig& config);
  GuestConfig read_guest(const Json& json, const Location& at, FirstSeen& names);
  void check_guest_nics(const GatewayConfig& config);

  // config_slices.cpp: a port's shaper (with the port), the slices after the guests (matches name
  // ports, guests and networks), then admission against the shapers.
  std::optional<PortShaperConfig> read_shaper(const Field& field, const std::string& port);
  void read_slices(const Field& field, GatewayConfig& config);
  SliceConfig read_slice(const Json& json, const Location& at, FirstSeen& names, const GatewayConfig& config);
  void read_slice_queue(const Field& field, SliceQueueConfig& queue);
  std::optional<SlicePoliceConfig> read_slice_police(const Field& field);
  SliceMatchConfig read_slice_match(const Json& json, const Location& at, const GatewayConfig& config);
  void check_slice_admission(const GatewayConfig& config);

  // Reports "must be an object, got <type>" and returns false for anything else.
  bool expect_object(const Json& json, const Location& at);
  // How many entries of `array` to check: all, or after reporting "must have at most <limit> <what>",
  // the first `limit`. An oversized array is refused anyway, and checking only a bounded number of
  // entries bounds the time and memory a hostile 1 MiB document can cost.
  size_t checked_length(const Json& array, size_t limit, const char* what, const Location& at);

  IssueList& issues_;
  FirstSeen port_names_{"port name"};
  FirstSeen ifaces_{"interface"};
  FirstSeen pci_addresses_{"PCI address"};
  FirstSeen vdev_devices_{"vdev device"};
  FirstSeen sockets_{"socket path"};
  FirstSeen host_addresses_{"host address"};
  FirstSeen macs_{"MAC address"};
  FirstSeen network_names_{"network name"};
  // Names in /ports, valid or not: a reference to a badly written port name is not also "unknown".
  std::unordered_set<std::string> declared_ports_;
  // Roles of the ports whose name, kind and role are all valid; network rules judge only these.
  std::unordered_map<std::string, PortRole> port_roles_;
  bool ports_readable_ = false;  // all of /ports was read, so an undeclared reference is an issue
  std::unordered_map<std::string, PortOwner> untagged_owners_;  // port -> its untagged membership
  std::unordered_map<std::string, PortOwner> tagged_owners_;    // "port/outer/vlan" -> membership
  std::vector<PlacedSubnet<Ipv4Prefix>> subnets_;
  std::vector<PlacedSubnet<Ipv6Prefix>> ipv6_subnets_;
  std::vector<PlacedGateway> gateways_;
  std::vector<PlacedGateway6> ipv6_gateways_;
  // Networks with an "ipv6" block and their member ports: each port needs IPv6's minimum MTU.
  struct PlacedIpv6Network {
    Location at;
    std::vector<std::string> ports;
  };
  std::vector<PlacedIpv6Network> ipv6_networks_;
  std::vector<PlacedUplink> nat_uplinks_;
  FirstSeen forwarded_ports_{"port forward"};
  std::unordered_map<std::string, Ipv4HostAddress> host_addresses_by_port_;  // valid host-port addresses
  FirstSeen group_names_{"security group name"};
  std::unordered_set<std::string> declared_groups_;  // names in /security_groups, valid or not
  bool groups_readable_ = true;  // all of /security_groups was read: an undeclared name is an issue
  std::unordered_map<std::string, Location> port_groups_at_;  // port name -> its "security_groups"
  std::map<size_t, Location> network_groups_at_;              // network index -> its "security_groups"
  size_t networks_read_ = 0;
  std::vector<std::pair<std::string, Location>> guest_nic_ports_;  // every NIC's port, in document order
  std::vector<Location> guest_nic_macs_;
  std::unordered_map<std::string, Location> shaper_rate_at_;  // port name -> its shaper's "rate_kbit"  // every NIC's "mac" (or the NIC when it has none), same order
};

}  // namespace edgegw::control::detail
