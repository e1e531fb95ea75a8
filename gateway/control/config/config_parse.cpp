// parse_config(): the walk over a config document that builds the GatewayConfig. Value syntax lives
// in config_values, JSON typing in json_fields; the checks across fields (uniqueness, references,
// a port in two networks, overlapping subnets) live here, next to the fields they relate.
#include "edgegw/control/config_parse.hpp"

#include <exception>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "config_issues.hpp"
#include "config_values.hpp"
#include "json_document.hpp"
#include "json_fields.hpp"

namespace edgegw::control {
namespace {

using detail::Field;
using detail::IssueList;
using detail::Json;
using detail::Location;
using detail::ObjectReader;
using detail::quote_text;
using detail::read_array;
using detail::read_bool;
using detail::read_integer;
using detail::read_object;
using detail::read_string;

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

// Which kinds of port use which locator field; every other kind must not have it.
struct LocatorRule {
  const char* field;
  bool (*used_by)(PortKind);
  const char* kinds;  // for messages: "kind is 'pci'"
};

constexpr LocatorRule kLocatorRules[] = {
    {"iface", [](PortKind k) { return k == PortKind::af_packet || k == PortKind::tap; },
     "kind is 'af_packet' or 'tap'"},
    {"pci", [](PortKind k) { return k == PortKind::pci; }, "kind is 'pci'"},
    {"devargs", [](PortKind k) { return k == PortKind::vdev; }, "kind is 'vdev'"},
};

// A network a port already belongs to, for the message about a port listed in a second network.
struct PortOwner {
  std::string network;  // "network 'site'", or "another network" when it has no usable name
  std::string pointer;
};

struct PlacedSubnet {
  Ipv4Prefix prefix;
  std::string network;
  std::string pointer;
};

class ConfigReader {
 public:
  explicit ConfigReader(IssueList& issues) : issues_(issues) {}
  GatewayConfig read(const Json& root);

 private:
  PortConfig read_port(const Json& json, const Location& at);
  void read_locator(const LocatorRule& rule, const Field& field, PortConfig& port);
  NetworkConfig read_network(const Json& json, const Location& at);
  void read_member_ports(const Field& field, const std::string& network, NetworkConfig& out);
  void read_subnet(const Field& field, const std::string& network, NetworkConfig& out);
  FdbConfig read_fdb(const Field& field);

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
  FirstSeen macs_{"MAC address"};
  FirstSeen network_names_{"network name"};
  // Names in /ports, valid or not: a reference to a badly written port name is not also "unknown".
  std::unordered_set<std::string> declared_ports_;
  bool ports_readable_ = false;  // all of /ports was read, so an undeclared reference is an issue
  std::unordered_map<std::string, PortOwner> port_owners_;
  std::vector<PlacedSubnet> subnets_;
};

bool ConfigReader::expect_object(const Json& json, const Location& at) {
  if (json.is_object()) return true;
  issues_.add(at, std::string("must be an object, got ") + detail::json_type_name(json));
  return false;
}

size_t ConfigReader::checked_length(const Json& array, size_t limit, const char* what, const Location& at) {
  if (array.size() <= limit) return array.size();
  issues_.add(at, "must have at most " + std::to_string(limit) + " " + what + ", got " +
                     std::to_string(array.size()));
  return limit;
}

GatewayConfig ConfigReader::read(const Json& root) {
  GatewayConfig config;
  if (!expect_object(root, {})) return config;
  ObjectReader object(root, {}, {"version", "description", "ports", "networks"}, issues_);

  if (auto version = read_integer(object.required("version"), 1, kMaxConfigVersion, issues_)) {
    config.version = *version;
  }
  const Field description = object.optional("description");
  if (auto text = read_string(description, issues_)) {
    if (auto checked = detail::check_description(*text); !checked) {
      issues_.add(description.at, checked.error().message);
    }
    config.description = *text;
  }

  // Ports before networks, whatever their order in the document: networks refer to ports. The
  // issues are sorted into document order at the end.
  const Field ports = object.required("ports");
  if (const Json* array = read_array(ports, issues_)) {
    // Entries beyond the limit are not read, so references to them cannot be judged.
    ports_readable_ = array->size() <= kMaxPorts;
    const size_t count = checked_length(*array, kMaxPorts, "ports", ports.at);
    for (size_t i = 0; i < count; ++i) {
      config.ports.push_back(read_port((*array)[i], ports.at.element(i)));
    }
  }
  const Field networks = object.required("networks");
  if (const Json* array = read_array(networks, issues_)) {
    const size_t count = checked_length(*array, kMaxNetworks, "networks", networks.at);
    for (size_t i = 0; i < count; ++i) {
      config.networks.push_back(read_network((*array)[i], networks.at.element(i)));
    }
  }
  return config;
}

PortConfig ConfigReader::read_port(const Json& json, const Location& at) {
  PortConfig port;
  if (!expect_object(json, at)) return port;
  ObjectReader object(json, at, {"name", "kind", "iface", "pci", "devargs", "mtu", "mac", "admin_up"}, issues_);

  const Field name = object.required("name");
  if (auto text = read_string(name, issues_)) {
    declared_ports_.insert(*text);
    if (auto checked = detail::check_object_name(*text); !checked) {
      issues_.add(name.at, checked.error().message);
    } else {
      port_names_.add(*text, name.at, issues_);
    }
    port.name = *text;
  }

  std::optional<PortKind> kind;
  const Field kind_field = object.required("kind");
  if (auto text = read_string(kind_field, issues_)) {
    kind = port_kind_from_name(*text);
    if (!kind) issues_.add(kind_field.at, detail::one_of_message({"af_packet", "tap", "pci", "vdev"}, *text));
  }
  if (kind) port.kind = *kind;

  for (const LocatorRule& rule : kLocatorRules) {
    const Field field = object.optional(rule.field);
    // Without a valid kind only the value's own syntax can be checked.
    if (kind && rule.used_by(*kind) && field.value == nullptr) {
      object.report_missing(rule.field, std::string("needed for kind '") + port_kind_name(*kind) + "'");
    } else if (kind && !rule.used_by(*kind) && field.value != nullptr) {
      issues_.add(field.at, std::string("allowed only when ") + rule.kinds + ", not '" + port_kind_name(*kind) + "'");
    } else if (field.value != nullptr) {
      read_locator(rule, field, port);
    }
  }

  if (auto mtu = read_integer(object.optional("mtu"), 68, 9600, issues_)) port.mtu = static_cast<uint16_t>(*mtu);
  const Field mac = object.optional("mac");
  if (auto text = read_string(mac, issues_)) {
    if (auto parsed = detail::parse_mac(*text); !parsed) {
      issues_.add(mac.at, parsed.error().message);
    } else {
      macs_.add(format_mac(*parsed), mac.at, issues_);
      port.mac = *parsed;
    }
  }
  if (auto admin_up = read_bool(object.optional("admin_up"), issues_)) port.admin_up = *admin_up;
  return port;
}

void ConfigReader::read_locator(const LocatorRule& rule, const Field& field, PortConfig& port) {
  std::optional<std::string> text = read_string(field, issues_);
  if (!text) return;
  const std::string_view name = rule.field;
  if (name == "iface") {
    if (auto checked = detail::check_iface(*text); !checked) {
      issues_.add(field.at, checked.error().message);
      return;
    }
    ifaces_.add(*text, field.at, issues_);
    port.iface = *text;
  } else if (name == "pci") {
    Result<std::string> address = detail::parse_pci_address(*text);
    if (!address) {
      issues_.add(field.at, address.error().message);
      return;
    }
    pci_addresses_.add(*address, field.at, issues_);
    port.pci = *address;
  } else {
    if (auto checked = detail::check_devargs(*text); !checked) {
      issues_.add(field.at, checked.error().message);
      return;
    }
    vdev_devices_.add(std::string(detail::vdev_device_name(*text)), field.at, issues_);
    port.devargs = *text;
  }
}

NetworkConfig ConfigReader::read_network(const Json& json, const Location& at) {
  NetworkConfig network;
  if (!expect_object(json, at)) return network;
  ObjectReader object(json, at, {"name", "mode", "ports", "subnet", "fdb"}, issues_);

  // How other issues name this network; a bad name is reported once, at its own field.
  std::string label = "another network";
  const Field name = object.required("name");
  if (auto text = read_string(name, issues_)) {
    if (auto checked = detail::check_object_name(*text); !checked) {
      issues_.add(name.at, checked.error().message);
    } else {
      network_names_.add(*text, name.at, issues_);
      label = "network " + quote_text(*text);
    }
    network.name = *text;
  }

  const Field mode = object.required("mode");
  if (auto text = read_string(mode, issues_)) {
    if (auto parsed = network_mode_from_name(*text)) {
      network.mode = *parsed;
    } else {
      issues_.add(mode.at, detail::one_of_message({"bridge"}, *text));
    }
  }

  read_member_ports(object.required("ports"), label, network);
  read_subnet(object.optional("subnet"), label, network);
  network.fdb = read_fdb(object.optional("fdb"));
  return network;
}

void ConfigReader::read_member_ports(const Field& field, const std::string& network, NetworkConfig& out) {
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return;
  if (array->empty()) issues_.add(field.at, "must list at least one port, got an empty array");
  FirstSeen listed{"port"};
  const size_t count = checked_length(*array, kMaxPorts, "ports", field.at);
  for (size_t i = 0; i < count; ++i) {
    const Field member{&(*array)[i], field.at.element(i)};
    std::optional<std::string> port = read_string(member, issues_);
    if (!port) continue;
    out.ports.push_back(*port);
    if (ports_readable_ && !declared_ports_.contains(*port)) {
      issues_.add(member.at, "unknown port " + quote_text(*port));
    } else if (listed.add(*port, member.at, issues_)) {
      auto [owner, first] = port_owners_.try_emplace(*port, PortOwner{network, member.at.pointer});
      if (!first) {
        issues_.add(member.at, "port " + quote_text(*port) + " is already in " + owner->second.network + " at " +
                                   owner->second.pointer);
      }
    }
  }
}

void ConfigReader::read_subnet(const Field& field, const std::string& network, NetworkConfig& out) {
  std::optional<std::string> text = read_string(field, issues_);
  if (!text) return;
  Result<Ipv4Prefix> prefix = detail::parse_subnet(*text);
  if (!prefix) {
    issues_.add(field.at, prefix.error().message);
    return;
  }
  out.subnet = *prefix;
  for (const PlacedSubnet& other : subnets_) {
    if (other.prefix.overlaps(*prefix)) {
      issues_.add(field.at, "overlaps subnet " + quote_text(other.prefix.to_string()) + " of " + other.network +
                                " at " + other.pointer);
      return;  // one overlap is enough to name; the others follow once it is fixed
    }
  }
  subnets_.push_back(PlacedSubnet{*prefix, network, field.at.pointer});
}

FdbConfig ConfigReader::read_fdb(const Field& field) {
  FdbConfig fdb;
  const Json* json = read_object(field, issues_);
  if (json == nullptr) return fdb;
  ObjectReader object(*json, field.at, {"aging_s", "max_entries"}, issues_);
  if (auto aging = read_integer(object.optional("aging_s"), 10, 86400, issues_)) {
    fdb.aging_s = static_cast<uint32_t>(*aging);
  }
  if (auto entries = read_integer(object.optional("max_entries"), 16, 65536, issues_)) {
    fdb.max_entries = static_cast<uint32_t>(*entries);
  }
  return fdb;
}

}  // namespace

ParsedConfig parse_config(std::string_view json_text) {
  ParsedConfig parsed;
  IssueList issues;
  try {
    if (std::optional<Json> document = detail::read_json_document(json_text, issues)) {
      parsed.config = ConfigReader(issues).read(*document);
    }
  } catch (const std::exception& e) {
    // Nothing above throws for any input we know of (the fuzzer looks for this message); should
    // something, the caller still gets an answer instead of an exception.
    issues = IssueList();
    issues.add({}, std::string("internal error while reading the document: ") + e.what());
  }
  parsed.issues = issues.take_in_document_order();
  if (!parsed.ok()) parsed.config = GatewayConfig{};  // never hand out half a config
  return parsed;
}

Error first_issue_error(const ParsedConfig& parsed) {
  if (parsed.issues.empty()) return make_error(Errc::internal, "no issue to report: the config is valid");
  const ConfigIssue& first = parsed.issues.front();
  return make_error(Errc::validation, first.message, first.pointer);
}

}  // namespace edgegw::control
