// parse_config(): the document and its ports. Value syntax lives in config_values, JSON typing in
// json_fields, networks (members, tags, modes, static MACs, subnets) in config_networks; the checks
// across port fields (uniqueness, which kind takes which field and role) live here.
#include "edgegw/control/config_parse.hpp"

#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "config_issues.hpp"
#include "config_reader.hpp"
#include "config_values.hpp"
#include "json_document.hpp"
#include "json_fields.hpp"

namespace edgegw::control::detail {
namespace {

// Which kinds of port use which locator field; every other kind must not have it.
struct LocatorRule {
  const char* field;
  bool (*used_by)(PortKind);
  bool required;      // needed by the kinds that use it
  const char* kinds;  // for messages: "kind is 'pci'"
};

constexpr LocatorRule kLocatorRules[] = {
    {"iface", [](PortKind k) { return k == PortKind::af_packet || k == PortKind::tap || k == PortKind::host; },
     true, "kind is 'af_packet', 'tap' or 'host'"},
    {"pci", [](PortKind k) { return k == PortKind::pci; }, true, "kind is 'pci'"},
    {"devargs", [](PortKind k) { return k == PortKind::vdev; }, true, "kind is 'vdev'"},
    {"socket", [](PortKind k) { return k == PortKind::vhost; }, false, "kind is 'vhost'"},
    {"address", [](PortKind k) { return k == PortKind::host; }, false, "kind is 'host'"},
};

// The roles a kind may be declared with: a vhost NIC is always a guest's, only the host kind is
// the box itself, and a PCI NIC polled by the switch stands for the outside. Interfaces the
// kernel or another DPDK driver provides may also carry a local workload (a container's veth).
std::vector<PortRole> roles_of(PortKind kind) {
  switch (kind) {
    case PortKind::pci: return {PortRole::physical};
    case PortKind::vhost: return {PortRole::guest};
    case PortKind::host: return {PortRole::host};
    default: return {PortRole::physical, PortRole::guest};
  }
}

}  // namespace

bool ConfigReader::expect_object(const Json& json, const Location& at) {
  if (json.is_object()) return true;
  issues_.add(at, std::string("must be an object, got ") + json_type_name(json));
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
  ObjectReader object(root, {}, {"version", "description", "ports", "networks", "routes", "security_groups", "guests",
                                         "slices"},
                      issues_);

  if (auto version = read_integer(object.required("version"), 1, kMaxConfigVersion, issues_)) {
    config.version = *version;
  }
  const Field description = object.optional("description");
  if (auto text = read_string(description, issues_)) {
    if (auto checked = check_description(*text); !checked) {
      issues_.add(description.at, checked.error().message);
    }
    config.description = *text;
  }

  // Security groups, then ports, then networks, whatever their order in the document: each refers
  // to the ones before. The issues are sorted into document order at the end.
  read_security_groups(object.optional("security_groups"), config);
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
  read_routes(object.optional("routes"), config);
  check_nat_uplinks(config);
  check_ipv6_mtus(config);
  check_security_policies(config);
  read_guests(object.optional("guests"), config);
  check_guest_nics(config);
  read_slices(object.optional("slices"), config);
  check_slice_admission(config);
  return config;
}

PortConfig ConfigReader::read_port(const Json& json, const Location& at) {
  PortConfig port;
  if (!expect_object(json, at)) return port;
  ObjectReader object(json, at,
                      {"name", "kind", "role", "iface", "pci", "devargs", "socket", "address", "mtu", "mac",
                       "admin_up", "queues", "mac_limit", "security_groups", "shaper"},
                      issues_);

  const Field name = object.required("name");
  bool name_usable = false;
  if (auto text = read_string(name, issues_)) {
    declared_ports_.insert(*text);
    if (auto checked = check_object_name(*text); !checked) {
      issues_.add(name.at, checked.error().message);
    } else {
      name_usable = port_names_.add(*text, name.at, issues_);
    }
    port.name = *text;
  }

  std::optional<PortKind> kind;
  const Field kind_field = object.required("kind");
  if (auto text = read_string(kind_field, issues_)) {
    kind = port_kind_from_name(*text);
    if (!kind) {
      issues_.add(kind_field.at, one_of_message({"af_packet", "tap", "pci", "vdev", "vhost", "host"}, *text));
    }
  }
  if (kind) port.kind = *kind;

  const std::optional<PortRole> role = read_role(object.optional("role"), kind);
  if (role) port.role = *role;
  if (name_usable && kind && role) port_roles_[port.name] = *role;

  read_port_locators(object, kind, port);

  if (auto mtu = read_integer(object.optional("mtu"), 68, 9600, issues_)) port.mtu = static_cast<uint16_t>(*mtu);
  const Field mac = object.optional("mac");
  if (auto text = read_string(mac, issues_)) {
    if (auto parsed = parse_mac(*text); !parsed) {
      issues_.add(mac.at, parsed.error().message);
    } else {
      macs_.add(format_mac(*parsed), mac.at, issues_);
      port.mac = *parsed;
    }
  }
  if (auto admin_up = read_bool(object.optional("admin_up"), issues_)) port.admin_up = *admin_up;
  if (auto queues = read_integer(object.optional("queues"), 1, 16, issues_)) {
    port.queues = static_cast<uint16_t>(*queues);
  }
  if (auto limit = read_integer(object.optional("mac_limit"), 0, 65536, issues_)) {
    port.mac_limit = static_cast<uint32_t>(*limit);
  }
  const Field groups = object.optional("security_groups");
  port.security_groups = read_group_list(groups);
  if (groups.value != nullptr && !port.name.empty()) port_groups_at_.emplace(port.name, groups.at);
  port.shaper = read_shaper(object.optional("shaper"), port.name);
  return port;
}

// The port's role: as written (checked against the kind), or the kind's default. Nothing when the
// role (or the kind it depends on) is wrong, so network rules do not judge the port.
std::optional<PortRole> ConfigReader::read_role(const Field& field, std::optional<PortKind> kind) {
  std::optional<PortRole> role;
  if (field.value == nullptr) return kind ? std::optional(default_port_role(*kind)) : std::nullopt;
  std::optional<std::string> text = read_string(field, issues_);
  if (!text) return std::nullopt;
  role = port_role_from_name(*text);
  if (!role) {
    issues_.add(field.at, one_of_message({"physical", "guest", "host"}, *text));
    return std::nullopt;
  }
  if (!kind) return std::nullopt;
  const std::vector<PortRole> allowed = roles_of(*kind);
  for (PortRole a : allowed) {
    if (a == *role) return role;
  }
  std::string accepted;
  for (size_t i = 0; i < allowed.size(); ++i) {
    accepted += (i == 0 ? "" : " or ") + quote_text(port_role_name(allowed[i]));
  }
  issues_.add(field.at, "must be " + accepted + " for kind " + quote_text(port_kind_name(*kind)) + ", got " +
                            quote_text(*text));
  return std::nullopt;
}

void ConfigReader::read_port_locators(ObjectReader& object, std::optional<PortKind> kind, PortConfig& port) {
  for (const LocatorRule& rule : kLocatorRules) {
    const Field field = object.optional(rule.field);
    // Without a valid kind only the value's own syntax can be checked.
    if (kind && rule.used_by(*kind) && rule.required && field.value == nullptr) {
      object.report_missing(rule.field, std::string("needed for kind '") + port_kind_name(*kind) + "'");
    } else if (kind && !rule.used_by(*kind) && field.value != nullptr) {
      issues_.add(field.at, std::string("allowed only when ") + rule.kinds + ", not '" + port_kind_name(*kind) + "'");
    } else if (field.value != nullptr) {
      read_locator(rule.field, field, port);
    }
  }
}

void ConfigReader::read_locator(std::string_view name, const Field& field, PortConfig& port) {
  std::optional<std::string> text = read_string(field, issues_);
  if (!text) return;
  if (name == "iface") {
    if (auto checked = check_iface(*text); !checked) {
      issues_.add(field.at, checked.error().message);
      return;
    }
    ifaces_.add(*text, field.at, issues_);
    port.iface = *text;
  } else if (name == "pci") {
    Result<std::string> address = parse_pci_address(*text);
    if (!address) {
      issues_.add(field.at, address.error().message);
      return;
    }
    pci_addresses_.add(*address, field.at, issues_);
    port.pci = *address;
  } else if (name == "devargs") {
    if (auto checked = check_devargs(*text); !checked) {
      issues_.add(field.at, checked.error().message);
      return;
    }
    vdev_devices_.add(std::string(vdev_device_name(*text)), field.at, issues_);
    port.devargs = *text;
  } else if (name == "socket") {
    if (auto checked = check_socket_path(*text); !checked) {
      issues_.add(field.at, checked.error().message);
      return;
    }
    sockets_.add(*text, field.at, issues_);
    port.socket = *text;
  } else {
    Result<Ipv4HostAddress> address = parse_host_address(*text);
    if (!address) {
      issues_.add(field.at, address.error().message);
      return;
    }
    // One address, one interface, whatever the prefix lengths say.
    const std::string host = address->to_string();
    host_addresses_.add(host.substr(0, host.find('/')), field.at, issues_);
    port.address = *address;
    if (!port.name.empty()) host_addresses_by_port_[port.name] = *address;
  }
}

}  // namespace edgegw::control::detail

namespace edgegw::control {

ParsedConfig parse_config(std::string_view json_text) {
  ParsedConfig parsed;
  detail::IssueList issues;
  try {
    if (std::optional<detail::Json> document = detail::read_json_document(json_text, issues)) {
      parsed.config = detail::ConfigReader(issues).read(*document);
    }
  } catch (const std::exception& e) {
    // Nothing above throws for any input we know of (the fuzzer looks for this message); should
    // something, the caller still gets an answer instead of an exception.
    issues = detail::IssueList();
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
