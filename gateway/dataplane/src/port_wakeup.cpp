// How each port wakes an idle worker: rx interrupt fds where the PMD offers them, an AF_PACKET wake
// socket for af_packet (no rx interrupt in 22.11), nothing for the rest (pcap, ...: bounded naps).
//
// vhost-user: the rx interrupt fds are the guest's kick eventfds, which exist only while a guest is
// connected and are new after every reconnect. The PMD raises a link-state event on connect and
// disconnect; its callback (on a DPDK thread) adds the current fds to the set and kicks the worker
// so that it re-arms with them. The old fds were closed by the vhost library, which took them out
// of the epoll set by itself.
#include <unistd.h>

#include <rte_ethdev.h>

#include <array>
#include <chrono>
#include <thread>

#include "edgegw/common/log.hpp"
#include "port_device.hpp"
#include "snapshot.hpp"
#include "wake_set.hpp"

namespace edgegw::dataplane {
namespace {

// Adds the interrupt fd of every rx queue the port has now; false when one has none.
bool add_rx_interrupt_fds(uint16_t port_id, uint16_t queues, WakeSet& wake) {
  bool all = true;
  for (uint16_t q = 0; q < queues; ++q) {
    const int fd = rte_eth_dev_rx_intr_ctl_q_get_fd(port_id, q);
    all = all && fd >= 0 && wake.add(fd);
  }
  return all;
}

int on_link_change(uint16_t port_id, rte_eth_event_type /*type*/, void* cb_arg, void* /*ret_param*/) {
  auto& wake = *static_cast<WakeSet*>(cb_arg);
  rte_eth_link link{};
  rte_eth_dev_info info{};
  if (rte_eth_link_get_nowait(port_id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP &&
      rte_eth_dev_info_get(port_id, &info) == 0) {
    const bool all = add_rx_interrupt_fds(port_id, info.nb_rx_queues, wake);
    log::info("dataplane", "guest connected", {{"port_id", port_id}, {"rx_interrupt_fds", all}});
  }
  wake.kick();
  return 0;
}

bool has_kernel_interface_socket(const std::string& devargs) {
  return is_driver(devargs, "net_af_packet") || is_driver(devargs, "eth_af_packet");
}

// Vdev drivers with per-queue rx interrupt fds in 22.11. Asking one without them makes ethdev log
// an error, so only these and PCI devices (named by address, not by a driver) are asked.
constexpr std::array<std::string_view, 6> kRxInterruptVdevs = {"net_tap", "eth_tap", "net_memif",
                                                               "eth_memif", "net_virtio_user", "virtio_user"};

bool may_have_rx_interrupts(const std::string& devargs) {
  if (!is_driver(devargs, "net_") && !is_driver(devargs, "eth_")) return true;  // PCI
  for (std::string_view driver : kRxInterruptVdevs) {
    if (is_driver(devargs, driver)) return true;
  }
  return false;
}

}  // namespace

void register_port_wakeups(PortDevice& dev, const std::string& devargs, WakeSet& wake) {
  const bool vhost = is_driver(devargs, "net_vhost") || is_driver(devargs, "eth_vhost");
  if (dev.rx_interrupts && vhost) {
    // The guest's fds come with the link-up event; a guest already connected has raised it.
    if (rte_eth_dev_callback_register(dev.port_id, RTE_ETH_EVENT_INTR_LSC, on_link_change, &wake) == 0) {
      dev.link_callback = true;
      on_link_change(dev.port_id, RTE_ETH_EVENT_INTR_LSC, &wake, nullptr);
    } else {
      dev.rx_interrupts = false;
    }
  } else if (dev.rx_interrupts && may_have_rx_interrupts(devargs)) {
    dev.rx_interrupts = add_rx_interrupt_fds(dev.port_id, dev.queues, wake);
  } else {
    dev.rx_interrupts = false;  // the driver took the configuration but has no interrupt fds
  }
  if (!dev.rx_interrupts && has_kernel_interface_socket(devargs)) {
    std::string error;
    dev.wake_socket = open_packet_wake_socket(devargs_value(devargs, "iface"), &error);
    if (dev.wake_socket >= 0 && !wake.add(dev.wake_socket)) {
      ::close(dev.wake_socket);
      dev.wake_socket = -1;
    }
    if (dev.wake_socket < 0) log::warn("dataplane", "no wake socket: the worker naps while this port is idle",
                                       {{"port_id", dev.port_id}, {"error", error}});
  }
}

void unregister_port_wakeups(const PortDevice& dev, WakeSet& wake) {
  if (dev.link_callback) {
    // -EAGAIN while the callback runs on its DPDK thread: it finishes within microseconds.
    for (int i = 0; i < 1000; ++i) {
      if (rte_eth_dev_callback_unregister(dev.port_id, RTE_ETH_EVENT_INTR_LSC, on_link_change, &wake) != -EAGAIN) break;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  // A vhost port's fds are the guest's: the vhost library closes them, which takes them out of the set.
  if (dev.rx_interrupts && !dev.link_callback) {
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(dev.port_id, &info) == 0) {
      for (uint16_t q = 0; q < info.nb_rx_queues; ++q) {
        if (const int fd = rte_eth_dev_rx_intr_ctl_q_get_fd(dev.port_id, q); fd >= 0) wake.remove(fd);
      }
    }
  }
  if (dev.wake_socket >= 0) {
    wake.remove(dev.wake_socket);
    ::close(dev.wake_socket);
  }
}

void add_rx_queues(Snapshot& snapshot, const PortDevice& dev, uint16_t ingress) {
  for (uint16_t q = 0; q < dev.queues; ++q) {
    snapshot.rx_queues.push_back(SnapshotRxQueue{dev.port_id, q, ingress, dev.rx_interrupts});
  }
  if (dev.wake_socket >= 0) snapshot.wake_sockets.push_back(dev.wake_socket);
  if (!dev.rx_interrupts && dev.wake_socket < 0) snapshot.all_queues_wake = false;
}

}  // namespace edgegw::dataplane
