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

struct PortSpec {
  std::string name;     // stable id of the port across applies
  std::string devargs;  // DPDK device: "0000:03:00.0" or "net_af_packet_lan,iface=eg-lan0"
  uint16_t mtu = 1500;
  std::optional<std::array<uint8_t, 6>> mac;
  bool admin_up = true;
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
