// The table compiler: a validated GatewayConfig -> the SwitchSpec the data plane consumes.
// Pure and total: parse_config() has already checked names, references and ranges, so every config
// it accepts compiles; nothing here can fail or needs the store or DPDK.
#include <string>

#include "edgegw/control/apply_service.hpp"

namespace edgegw::control {
namespace {

// DPDK devargs for one port. The virtual-device name carries the port name so two ports of the same
// kind get distinct device names (DPDK refuses a second vdev with the same name), and so the name
// stays the same across applies: the data plane keeps a device whose devargs did not change.
std::string devargs_for(const PortConfig& port) {
  switch (port.kind) {
    case PortKind::af_packet:
      // One queue pair is net_af_packet's default and what the single worker polls.
      return "net_af_packet_" + port.name + ",iface=" + port.iface;
    case PortKind::tap:
      return "net_tap_" + port.name + ",iface=" + port.iface;
    case PortKind::pci:
      return port.pci;
    case PortKind::vdev:
      return port.devargs;
  }
  return port.devargs;
}

}  // namespace

dataplane::SwitchSpec compile_switch(const GatewayConfig& config) {
  dataplane::SwitchSpec spec;
  spec.ports.reserve(config.ports.size());
  for (const PortConfig& port : config.ports) {
    dataplane::PortSpec p;
    p.name = port.name;
    p.devargs = devargs_for(port);
    p.mtu = port.mtu;
    p.mac = port.mac;
    p.admin_up = port.admin_up;
    spec.ports.push_back(std::move(p));
  }
  spec.bridges.reserve(config.networks.size());
  for (const NetworkConfig& network : config.networks) {
    dataplane::BridgeSpec b;
    b.name = network.name;
    b.ports = network.ports;
    b.fdb_aging_s = network.fdb.aging_s;
    b.fdb_max_entries = network.fdb.max_entries;
    spec.bridges.push_back(std::move(b));
  }
  return spec;
}

}  // namespace edgegw::control
