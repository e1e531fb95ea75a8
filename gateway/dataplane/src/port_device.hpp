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

class WakeSet;
struct Snapshot;

struct PortDevice {
  uint16_t port_id = 0;
  rte_device* device = nullptr;  // what rte_dev_remove detaches
  std::string device_name;       // the devargs' device name (before the first ',')
  uint16_t queues = 1;           // rx/tx queue pairs configured: PortSpec::queues capped by the driver
  // How the port wakes an idle worker (see WakeSet): its rx queues' interrupt fds are in the set
  // (a vhost port's arrive when its guest connects), or its AF_PACKET wake socket (owned, closed
  // with the device) is, or neither (the worker then only naps briefly while this port is polled).
  bool rx_interrupts = false;
  int wake_socket = -1;
  bool link_callback = false;    // a link-state callback re-adds rx interrupt fds (vhost reconnects)
};

// "net_af_packet_lan,iface=eg0" -> "net_af_packet_lan"; "0000:03:00.0" -> "0000:03:00.0".
std::string device_name_of(std::string_view devargs);

// The value of `key=` among the devargs' parameters, or "".
std::string devargs_value(std::string_view devargs, std::string_view key);

// True when the devargs' device name starts with one of the driver's names ("net_vhost", "eth_vhost").
bool is_driver(std::string_view devargs, std::string_view driver);

// For drivers bound to a kernel interface (af_packet, af_xdp): a description of the problem when the
// interface named by iface= does not exist, else "". Lets the reason say what is wrong instead of
// the driver's generic probe failure.
std::string missing_kernel_interface(std::string_view devargs);

// Probes the device (a vhost-user socket's directory is created and a stale socket removed first),
// configures min(spec.queues, driver maximum) queue pairs (RSS across them where the driver has
// it), rx interrupts where the driver offers them, sets MTU, MAC and promiscuous mode, starts it
// and registers its wake-up sources in `wake`. On failure nothing stays open.
Result<PortDevice> open_port_device(const PortSpec& spec, rte_mempool* pool, WakeSet& wake);

// Changes what can change on a running device (MTU, MAC). An error means the device must be
// re-created to take the change.
Result<void> update_port_device(const PortDevice& device, const PortSpec& current, const PortSpec& wanted);

// Takes its wake-up sources out of `wake`, stops, closes and detaches the device (so its name can
// be probed again). Logs what fails.
void close_port_device(const PortDevice& device, WakeSet& wake);

// Wake-up sources (port_wakeup.cpp): registers the rx interrupt fds or the af_packet wake socket
// of a started device; the inverse runs before it closes.
void register_port_wakeups(PortDevice& device, const std::string& devargs, WakeSet& wake);
void unregister_port_wakeups(const PortDevice& device, WakeSet& wake);

// Snapshot compile: appends the device's rx queues (and its wake socket) for the worker to poll
// and arm; `ingress` is the port's index in snapshot.ports.
void add_rx_queues(Snapshot& snapshot, const PortDevice& device, uint16_t ingress);

}  // namespace edgegw::dataplane
