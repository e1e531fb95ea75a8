// One DPDK port per PortSpec: probe, configure, start, change live, close. All ethdev and bus calls
// of the data plane live here. Every failure comes back as an Error whose message is the port's
// "down" reason, naming the step, DPDK's error and, when known, what the driver logged.
//
// Threading: control plane only. A device may be closed only after the worker stopped using it
// (it is out of the published snapshot and a grace period has passed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "edgegw/common/result.hpp"
#include "edgegw/dataplane/switch_spec.hpp"

struct rte_device;
struct rte_mempool;

namespace edgegw::dataplane {

struct PortDevice {
  uint16_t port_id = 0;
  rte_device* device = nullptr;  // what rte_dev_remove detaches
  std::string device_name;       // the devargs' device name (before the first ',')
};

// "net_af_packet_lan,iface=eg0" -> "net_af_packet_lan"; "0000:03:00.0" -> "0000:03:00.0".
std::string device_name_of(std::string_view devargs);

// For drivers bound to a kernel interface (af_packet, af_xdp): a description of the problem when the
// interface named by iface= does not exist, else "". Lets the reason say what is wrong instead of
// the driver's generic probe failure.
std::string missing_kernel_interface(std::string_view devargs);

// Probes the device, configures 1 rx + 1 tx queue, sets MTU, MAC and promiscuous mode, starts it.
// On failure nothing stays open.
Result<PortDevice> open_port_device(const PortSpec& spec, rte_mempool* pool);

// Changes what can change on a running device (MTU, MAC). An error means the device must be
// re-created to take the change.
Result<void> update_port_device(const PortDevice& device, const PortSpec& current, const PortSpec& wanted);

// Stops, closes and detaches the device (so its name can be probed again). Logs what fails.
void close_port_device(const PortDevice& device);

}  // namespace edgegw::dataplane
