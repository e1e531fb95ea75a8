// DPDK port lifecycle.
#include "port_device.hpp"

#include <net/if.h>
#include <sys/stat.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>

#include "dpdk_log.hpp"
#include "edgegw/common/log.hpp"
#include "wake_set.hpp"

namespace edgegw::dataplane {
namespace {

constexpr uint16_t kRxDescriptors = 512;
constexpr uint16_t kTxDescriptors = 512;

// Vdev drivers that attach to an existing kernel interface named by iface=.
constexpr std::array<std::string_view, 4> kKernelInterfaceDrivers = {"net_af_packet", "eth_af_packet", "net_af_xdp",
                                                                     "eth_af_xdp"};

std::string dpdk_error(std::string_view step, int rc, uint64_t log_seq) {
  std::string msg = std::string(step) + " failed: " + rte_strerror(rc < 0 ? -rc : rc);
  std::string driver_said = dpdk_log::first_error_since(log_seq);
  if (!driver_said.empty()) msg += " (" + driver_said + ")";
  return msg;
}

// The ethdev port of a just-probed device: by ethdev name first (vdevs, PCI), else the first port
// whose rte_device has the device's name.
bool find_port(const std::string& device_name, uint16_t* port_id, rte_device** device) {
  uint16_t id = 0;
  if (rte_eth_dev_get_port_by_name(device_name.c_str(), &id) != 0) {
    bool found = false;
    RTE_ETH_FOREACH_DEV(id) {
      rte_eth_dev_info info{};
      if (rte_eth_dev_info_get(id, &info) == 0 && info.device != nullptr && device_name == rte_dev_name(info.device)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(id, &info) != 0) return false;
  *port_id = id;
  *device = info.device;
  return true;
}

Result<void> set_mac(uint16_t port_id, const std::array<uint8_t, 6>& mac, uint64_t log_seq) {
  rte_ether_addr addr{};
  std::memcpy(addr.addr_bytes, mac.data(), mac.size());
  int rc = rte_eth_dev_default_mac_addr_set(port_id, &addr);
  if (rc != 0) return make_error(Errc::dpdk, dpdk_error("setting the MAC address", rc, log_seq));
  return {};
}

Result<void> set_mtu(uint16_t port_id, uint16_t mtu, uint64_t log_seq) {
  int rc = rte_eth_dev_set_mtu(port_id, mtu);
  if (rc != 0) return make_error(Errc::dpdk, dpdk_error("setting MTU " + std::to_string(mtu), rc, log_seq));
  return {};
}

// RSS hash types asked for when a port has several rx queues (what the driver offers of them).
constexpr uint64_t kRssTypes = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

// rte_eth_dev_configure with the most the driver takes: rx interrupts (so an idle worker can sleep
// until a queue has traffic), link-state interrupts where the driver raises them, RSS across
// several queues. A driver that refuses a feature is configured again without it.
Result<void> configure(uint16_t port, const PortSpec& spec, const rte_eth_dev_info& info, uint16_t queues,
                       bool* rx_interrupts, uint64_t log_seq) {
  rte_eth_conf conf{};
  conf.rxmode.mtu = spec.mtu;
  conf.intr_conf.rxq = 1;
  conf.intr_conf.lsc = info.dev_flags != nullptr && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) != 0 ? 1 : 0;
  if (queues > 1 && (info.flow_type_rss_offloads & kRssTypes) != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & kRssTypes;
  }
  int rc = rte_eth_dev_configure(port, queues, queues, &conf);
  if (rc != 0) {
    conf.intr_conf.rxq = 0;
    rc = rte_eth_dev_configure(port, queues, queues, &conf);
  }
  if (rc != 0 && conf.rxmode.mq_mode != RTE_ETH_MQ_RX_NONE) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
    conf.rx_adv_conf.rss_conf.rss_hf = 0;
    rc = rte_eth_dev_configure(port, queues, queues, &conf);
  }
  if (rc != 0) return make_error(Errc::dpdk, dpdk_error("configure", rc, log_seq));
  *rx_interrupts = conf.intr_conf.rxq == 1;
  return {};
}

Result<void> configure_and_start(PortDevice& dev, const PortSpec& spec, rte_mempool* pool, bool* rx_interrupts,
                                 uint64_t log_seq) {
  const uint16_t port = dev.port_id;
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(port, &info);
  if (rc != 0) return make_error(Errc::dpdk, dpdk_error("reading device info", rc, log_seq));
  const uint16_t driver_max = std::min(info.max_rx_queues, info.max_tx_queues);
  dev.queues = std::max<uint16_t>(1, std::min<uint16_t>(std::max<uint16_t>(spec.queues, 1), driver_max));
  if (auto r = configure(port, spec, info, dev.queues, rx_interrupts, log_seq); !r) return r;

  uint16_t rx_desc = kRxDescriptors;
  uint16_t tx_desc = kTxDescriptors;
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc);
  if (rc != 0) return make_error(Errc::dpdk, dpdk_error("adjusting descriptor counts", rc, log_seq));
  int socket = rte_eth_dev_socket_id(port);
  const unsigned socket_id = socket < 0 ? static_cast<unsigned>(SOCKET_ID_ANY) : static_cast<unsigned>(socket);
  for (uint16_t q = 0; q < dev.queues; ++q) {
    rc = rte_eth_rx_queue_setup(port, q, rx_desc, socket_id, nullptr, pool);
    if (rc != 0) return make_error(Errc::dpdk, dpdk_error("rx queue " + std::to_string(q) + " setup", rc, log_seq));
    rc = rte_eth_tx_queue_setup(port, q, tx_desc, socket_id, nullptr);
    if (rc != 0) return make_error(Errc::dpdk, dpdk_error("tx queue " + std::to_string(q) + " setup", rc, log_seq));
  }

  // configure() records the MTU; set_mtu() is what makes a driver apply it (af_packet: the
  // kernel interface's MTU). A driver without the operation keeps its own.
  rc = rte_eth_dev_set_mtu(port, spec.mtu);
  if (rc != 0 && rc != -ENOTSUP) {
    return make_error(Errc::dpdk, dpdk_error("setting MTU " + std::to_string(spec.mtu), rc, log_seq));
  }
  if (spec.mac) {
    if (auto r = set_mac(port, *spec.mac, log_seq); !r) return r;
  }
  // A bridge port must see frames for every MAC behind it.
  rc = rte_eth_promiscuous_enable(port);
  if (rc != 0 && rc != -ENOTSUP) return make_error(Errc::dpdk, dpdk_error("enabling promiscuous mode", rc, log_seq));

  rc = rte_eth_dev_start(port);
  if (rc != 0) return make_error(Errc::dpdk, dpdk_error("start", rc, log_seq));
  return {};
}

// Frees whatever the new device queued before it joins the bridge. af_packet (22.11) opens its
// socket for ETH_P_ALL before binding it to the interface, so its ring may hold frames from every
// interface of the namespace (other bridge ports included); forwarding those would leak traffic
// between networks. Runs on the control thread while no worker polls the port yet.
unsigned discard_queued_rx(uint16_t port_id, uint16_t queues) {
  rte_mbuf* pkts[32];
  unsigned total = 0;
  for (uint16_t q = 0; q < queues; ++q) {
    for (int round = 0; round < 64; ++round) {
      uint16_t n = rte_eth_rx_burst(port_id, q, pkts, 32);
      if (n == 0) break;
      rte_pktmbuf_free_bulk(pkts, n);
      total += n;
    }
  }
  return total;
}

// vhost-user (server mode): the PMD creates the socket, but not its directory, and fails to bind
// over a socket file left by an earlier run. A path that exists and is not a socket is refused
// rather than deleted.
Result<void> prepare_vhost_socket(const std::string& devargs) {
  const std::string path = devargs_value(devargs, "iface");
  if (path.empty()) return make_error(Errc::invalid_argument, "vhost: no iface=<socket path> given");
  if (devargs_value(devargs, "client") == "1") return {};  // the peer owns the socket
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return make_error(Errc::io, "vhost: cannot create " + parent.string() + ": " + ec.message());
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return make_error(Errc::conflict, "vhost: " + path + " exists and is not a socket");
    if (!std::filesystem::remove(path, ec) && ec) {
      return make_error(Errc::io, "vhost: cannot remove stale socket " + path + ": " + ec.message());
    }
  }
  return {};
}

}  // namespace

std::string device_name_of(std::string_view devargs) { return std::string(devargs.substr(0, devargs.find(','))); }

std::string devargs_value(std::string_view devargs, std::string_view key) {
  size_t pos = devargs.find(',');
  while (pos != std::string_view::npos) {
    std::string_view rest = devargs.substr(pos + 1);
    size_t end = rest.find(',');
    std::string_view kv = rest.substr(0, end);
    if (kv.size() > key.size() && kv.substr(0, key.size()) == key && kv[key.size()] == '=') {
      return std::string(kv.substr(key.size() + 1));
    }
    pos = end == std::string_view::npos ? end : pos + 1 + end;
  }
  return {};
}

bool is_driver(std::string_view devargs, std::string_view driver) {
  const std::string name = device_name_of(devargs);
  return name.compare(0, driver.size(), driver) == 0;
}

std::string missing_kernel_interface(std::string_view devargs) {
  const std::string name = device_name_of(devargs);
  for (std::string_view driver : kKernelInterfaceDrivers) {
    if (name.compare(0, driver.size(), driver) != 0) continue;
    std::string iface = devargs_value(devargs, "iface");
    if (iface.empty()) return std::string(driver) + ": no iface= given";
    if (::if_nametoindex(iface.c_str()) == 0) return std::string(driver) + ": iface " + iface + " not found";
    return {};
  }
  return {};
}

Result<PortDevice> open_port_device(const PortSpec& spec, rte_mempool* pool, WakeSet& wake) {
  PortDevice dev;
  dev.device_name = device_name_of(spec.devargs);
  if (std::string missing = missing_kernel_interface(spec.devargs); !missing.empty()) {
    return make_error(Errc::dpdk, std::string("device probe failed: ") + rte_strerror(ENODEV) + " (" + missing + ")");
  }
  if (is_driver(spec.devargs, "net_vhost") || is_driver(spec.devargs, "eth_vhost")) {
    if (auto r = prepare_vhost_socket(spec.devargs); !r) return r.error();
  }
  const uint64_t log_seq = dpdk_log::error_seq();
  int rc = rte_dev_probe(spec.devargs.c_str());
  if (rc != 0) {
    std::string msg = dpdk_error("device probe", rc, log_seq);
    if (rc == -EEXIST) msg += "; device " + dev.device_name + " is already in use in this process";
    return make_error(Errc::dpdk, msg);
  }
  if (!find_port(dev.device_name, &dev.port_id, &dev.device)) {
    return make_error(Errc::dpdk, "device " + dev.device_name + " was probed but has no ethdev port of that name");
  }
  bool rx_interrupts = false;
  if (auto r = configure_and_start(dev, spec, pool, &rx_interrupts, log_seq); !r) {
    close_port_device(dev, wake);
    return r.error();
  }
  dev.rx_interrupts = rx_interrupts;
  register_port_wakeups(dev, spec.devargs, wake);
  if (unsigned stale = discard_queued_rx(dev.port_id, dev.queues); stale != 0) {
    log::info("dataplane", "discarded frames queued before the port joined the bridge",
              {{"port", spec.name}, {"frames", stale}});
  }
  log::info("dataplane", "port started",
            {{"port", spec.name}, {"port_id", dev.port_id}, {"devargs", spec.devargs}, {"mtu", spec.mtu},
             {"queues", dev.queues}, {"rx_interrupts", dev.rx_interrupts}, {"wake_socket", dev.wake_socket >= 0}});
  return dev;
}

Result<void> update_port_device(const PortDevice& dev, const PortSpec& current, const PortSpec& wanted) {
  const uint64_t log_seq = dpdk_log::error_seq();
  if (wanted.mtu != current.mtu) {
    if (auto r = set_mtu(dev.port_id, wanted.mtu, log_seq); !r) return r;
  }
  // A MAC that is no longer specified keeps its current value until the device is re-created.
  if (wanted.mac && wanted.mac != current.mac) {
    if (auto r = set_mac(dev.port_id, *wanted.mac, log_seq); !r) return r;
  }
  return {};
}

void close_port_device(const PortDevice& dev, WakeSet& wake) {
  unregister_port_wakeups(dev, wake);
  int rc = rte_eth_dev_stop(dev.port_id);
  if (rc != 0) log::warn("dataplane", "port stop failed", {{"port_id", dev.port_id}, {"error", rte_strerror(-rc)}});
  rc = rte_eth_dev_close(dev.port_id);
  if (rc != 0) log::warn("dataplane", "port close failed", {{"port_id", dev.port_id}, {"error", rte_strerror(-rc)}});
  // Detaching frees the device name for a later probe (vdev names are unique per process).
  if (dev.device != nullptr) {
    rc = rte_dev_remove(dev.device);
    if (rc != 0 && rc != -ENOENT) {
      log::warn("dataplane", "device detach failed", {{"device", dev.device_name}, {"error", rte_strerror(-rc)}});
    }
  }
  log::info("dataplane", "port closed", {{"port_id", dev.port_id}, {"device", dev.device_name}});
}

}  // namespace edgegw::dataplane
