// What the control plane asks of the data plane: plain values, no JSON, no SQLite, no DPDK types.
// The table compiler (control) builds one of these from a validated config; Dataplane::apply()
// turns it into devices and an immutable forwarding snapshot.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edgegw::dataplane {

// devargs rules: a vdev name starts with its driver's name ("net_af_packet", "net_tap", ...) and is
// unique in the process ("net_af_packet_lan,iface=eg-lan0"); a PCI device is its full address
// ("0000:03:00.0"). One DPDK port per device. Changing a port's devargs re-creates its device.
// An af_packet port forwards whatever its kernel interface carries, including what that
// interface's own stack sends: give it no addresses (and no IPv6) and bring it up.
struct PortSpec {
  std::string name;     // stable id of the port across applies
  std::string devargs;  // DPDK device: "0000:03:00.0" or "net_af_packet_lan,iface=eg-lan0"
  uint16_t mtu = 1500;  // changed live when the driver can, else the device is re-created
  std::optional<std::array<uint8_t, 6>> mac;  // unset: the device's own (a set MAC stays until re-created)
  bool admin_up = true;  // false closes the device (link down); true opens it again
};

struct BridgeSpec {
  std::string name;                // stable id of the network across applies
  std::vector<std::string> ports;  // names from SwitchSpec::ports
  uint32_t fdb_aging_s = 300;
  uint32_t fdb_max_entries = 4096;
};

struct SwitchSpec {
  std::vector<PortSpec> ports;
  std::vector<BridgeSpec> bridges;
};

}  // namespace edgegw::dataplane
