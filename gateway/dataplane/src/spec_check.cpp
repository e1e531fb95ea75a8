// SwitchSpec validation.
#include "spec_check.hpp"

#include <map>
#include <set>
#include <string>

#include "port_device.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {
namespace {

Error spec_error(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

std::string port_at(size_t i, const PortSpec& p) { return "ports[" + std::to_string(i) + "] (" + p.name + ")"; }
std::string bridge_at(size_t i, const BridgeSpec& b) { return "bridges[" + std::to_string(i) + "] (" + b.name + ")"; }

}  // namespace

Result<void> check_switch_spec(const SwitchSpec& spec, unsigned max_mtu) {
  if (spec.ports.size() > kMaxPorts) {
    return spec_error("too many ports: " + std::to_string(spec.ports.size()) + ", the data plane holds at most " +
                      std::to_string(kMaxPorts));
  }
  std::set<std::string> port_names;
  std::map<std::string, std::string> device_owner;  // device name -> port name
  for (size_t i = 0; i < spec.ports.size(); ++i) {
    const PortSpec& p = spec.ports[i];
    if (p.name.empty()) return spec_error("ports[" + std::to_string(i) + "]: name is empty");
    if (!port_names.insert(p.name).second) return spec_error(port_at(i, p) + ": duplicate port name");
    if (p.devargs.empty()) return spec_error(port_at(i, p) + ": devargs is empty");
    auto [it, fresh] = device_owner.emplace(device_name_of(p.devargs), p.name);
    if (!fresh) return spec_error(port_at(i, p) + ": device " + it->first + " is already used by port " + it->second);
    if (p.mtu < kMinMtu || p.mtu > max_mtu) {
      return spec_error(port_at(i, p) + ": mtu " + std::to_string(p.mtu) + " is outside " + std::to_string(kMinMtu) +
                        ".." + std::to_string(max_mtu) + " (max_mtu of the data plane)");
    }
    if (p.mac && ((*p.mac)[0] & 1) != 0) return spec_error(port_at(i, p) + ": mac is a multicast address");
  }

  std::set<std::string> bridge_names;
  std::map<std::string, std::string> member_of;  // port name -> bridge name
  for (size_t i = 0; i < spec.bridges.size(); ++i) {
    const BridgeSpec& b = spec.bridges[i];
    if (b.name.empty()) return spec_error("bridges[" + std::to_string(i) + "]: name is empty");
    if (!bridge_names.insert(b.name).second) return spec_error(bridge_at(i, b) + ": duplicate network name");
    if (b.fdb_max_entries == 0 || b.fdb_max_entries > kMaxFdbEntries) {
      return spec_error(bridge_at(i, b) + ": fdb_max_entries must be 1.." + std::to_string(kMaxFdbEntries));
    }
    if (b.fdb_aging_s == 0) return spec_error(bridge_at(i, b) + ": fdb_aging_s must be at least 1");
    for (const std::string& port : b.ports) {
      if (port_names.count(port) == 0) return spec_error(bridge_at(i, b) + ": unknown port " + port);
      auto [it, fresh] = member_of.emplace(port, b.name);
      if (!fresh) return spec_error(bridge_at(i, b) + ": port " + port + " is already in network " + it->second);
    }
  }
  return {};
}

}  // namespace edgegw::dataplane
