// Dataplane start-up, shutdown and read-side queries.
#include "dataplane_impl.hpp"

#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "dpdk_log.hpp"
#include "eal_args.hpp"
#include "edgegw/common/log.hpp"

namespace edgegw::dataplane {
namespace {

constexpr unsigned kMbufCache = 256;
constexpr unsigned kMaxSupportedMtu = 9600;

// The EAL can be initialised once per process, even after rte_eal_cleanup().
std::atomic<bool> g_eal_claimed{false};

std::string format_mac(const rte_ether_addr& a) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", a.addr_bytes[0], a.addr_bytes[1], a.addr_bytes[2],
                a.addr_bytes[3], a.addr_bytes[4], a.addr_bytes[5]);
  return buf;
}

}  // namespace

Result<std::unique_ptr<Dataplane>> Dataplane::start(const EalOptions& options) {
  if (g_eal_claimed.exchange(true)) {
    return make_error(Errc::conflict, "the data plane was already started in this process (the EAL initialises once)");
  }
  auto impl = std::make_unique<DataplaneImpl>(options);
  if (auto r = impl->init(); !r) return r.error();
  return std::unique_ptr<Dataplane>(std::move(impl));
}

Result<void> DataplaneImpl::init() {
  if (options_.max_mtu < 68 || options_.max_mtu > kMaxSupportedMtu) {
    return make_error(Errc::invalid_argument, "max_mtu must be 68.." + std::to_string(kMaxSupportedMtu));
  }
  if (options_.conntrack_entries < 16 || options_.conntrack_entries > (1u << 24)) {
    return make_error(Errc::invalid_argument, "conntrack_entries must be 16..16777216");
  }
  file_prefix_ = options_.file_prefix.empty() ? default_file_prefix() : options_.file_prefix;
  runtime_dir_ = runtime_dir_for(file_prefix_, ::geteuid() == 0, std::getenv("XDG_RUNTIME_DIR"));
  log_installed_ = dpdk_log::install();

  std::vector<std::string> args = build_eal_args(options_, file_prefix_);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const uint64_t log_seq = dpdk_log::error_seq();
  if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
    std::string msg = std::string("rte_eal_init failed: ") + rte_strerror(rte_errno);
    if (std::string said = dpdk_log::first_error_since(log_seq); !said.empty()) msg += " (" + said + ")";
    stop();
    return make_error(Errc::dpdk, msg);
  }
  eal_ready_ = true;
  runtime_dir_ = rte_eal_get_runtime_dir();

  worker_lcore_ = rte_get_next_lcore(-1, 1, 0);
  if (worker_lcore_ >= RTE_MAX_LCORE) {
    unsigned count = rte_lcore_count();
    stop();
    return make_error(Errc::invalid_argument, "the data plane needs at least 2 lcores (main + worker); lcores '" +
                                                  options_.lcores + "' gives " + std::to_string(count));
  }
  tsc_hz_ = rte_get_tsc_hz();

  const unsigned data_room = mbuf_data_room_for(options_.max_mtu);
  pool_ = rte_pktmbuf_pool_create("edgegw_pkts", options_.mbufs, kMbufCache, 0, static_cast<uint16_t>(data_room),
                                  static_cast<int>(rte_socket_id()));
  if (pool_ == nullptr) {
    std::string msg = std::string("packet pool creation failed: ") + rte_strerror(rte_errno);
    stop();
    return make_error(Errc::dpdk, msg);
  }

  const size_t rcu_size = rte_rcu_qsbr_get_memsize(1);
  rcu_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("edgegw_rcu", rcu_size, RTE_CACHE_LINE_SIZE));
  if (rcu_ == nullptr || rte_rcu_qsbr_init(rcu_, 1) != 0 || rte_rcu_qsbr_thread_register(rcu_, 0) != 0) {
    stop();
    return make_error(Errc::dpdk, "RCU setup failed");
  }

  if (auto r = open_punt_rings(); !r) {
    stop();
    return r.error();
  }
  conntrack_ = std::make_unique<ConntrackTable>(options_.conntrack_entries);
  counters_ = std::make_unique<WorkerCounters>();
  tx_ = std::make_unique<TxBuffers>();
  current_owned_ = std::make_unique<Snapshot>();
  current_.store(current_owned_.get(), std::memory_order_release);

  wake_ = std::make_unique<WakeSet>();
  if (auto r = wake_->open(); !r) {
    stop();
    return r.error();
  }
  worker_ = std::make_unique<WorkerContext>();
  worker_->wake = wake_.get();
  worker_->snapshot = &current_;
  worker_->rcu = rcu_;
  worker_->rcu_thread_id = 0;
  worker_->counters = counters_.get();
  worker_->tx = tx_.get();
  worker_->idle_spins = options_.idle_spins;
  worker_->idle_sleep_max_us = options_.idle_sleep_max_us;
  capture_slots_ = std::make_unique<CaptureSlots>();
  captures_ = std::make_unique<CaptureRegistry>(rcu_, *capture_slots_, tsc_hz_,
                                                options_.max_mtu + kEthHeaderLen + 2 * kVlanTagLen);
  worker_->capture = capture_slots_.get();
  worker_->inject = inject_ring_;
  tx_->capture = capture_slots_.get();
  if (int rc = rte_eal_remote_launch(worker_main, worker_.get(), worker_lcore_); rc != 0) {
    stop();
    return make_error(Errc::dpdk, std::string("launching the worker failed: ") + rte_strerror(-rc));
  }
  worker_launched_ = true;
  // Start-up only: wait (bounded) for the worker's thread id so status() is complete from now on.
  for (int i = 0; i < 1000 && worker_->tid.load(std::memory_order_acquire) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  log::info("dataplane", "started",
            {{"file_prefix", file_prefix_}, {"worker_lcore", worker_lcore_}, {"mbufs", options_.mbufs},
             {"data_room", data_room}, {"tsc_hz", tsc_hz_}});
  return {};
}

void DataplaneImpl::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (worker_launched_) {
    worker_->stop_requested.store(true, std::memory_order_relaxed);
    wake_->kick();
    rte_eal_mp_wait_lcore();
    worker_launched_ = false;
  }
  if (captures_) captures_->shutdown();  // the worker is gone: files are completed and closed now
  // The worker is gone: nothing needs a grace period any more.
  for (Retired& r : retired_) {
    for (const PortDevice& dev : r.devices) close_port_device(dev, *wake_);
  }
  retired_.clear();
  for (auto& [name, record] : records_) {
    if (record.device) close_port_device(*record.device, *wake_);
    record.device.reset();
  }
  current_.store(nullptr, std::memory_order_release);
  current_owned_.reset();
  close_punt_rings();
  fdbs_.clear();
  security_.reset();  // its rte_acl contexts go before the EAL
  conntrack_.reset();
  if (rcu_ != nullptr) rte_free(rcu_);
  rcu_ = nullptr;
  if (pool_ != nullptr) rte_mempool_free(pool_);
  pool_ = nullptr;
  if (eal_ready_) {
    rte_eal_cleanup();
    eal_ready_ = false;
  }
  if (log_installed_) dpdk_log::uninstall();
  log_installed_ = false;
  remove_runtime_dir();
  log::info("dataplane", "stopped", {{"file_prefix", file_prefix_}});
}

void DataplaneImpl::remove_runtime_dir() const {
  if (runtime_dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir_, ec);
  if (ec) log::warn("dataplane", "could not remove the EAL runtime dir", {{"dir", runtime_dir_}, {"error", ec.message()}});
}

PortCounters DataplaneImpl::counters_of(uint16_t port_id) const {
  PortCounters total;
  if (counters_ != nullptr && port_id < RTE_MAX_ETHPORTS) accumulate(counters_->ports[port_id], &total);
  return total;
}

std::vector<PortStatus> DataplaneImpl::ports() const {
  std::map<std::string, std::vector<std::string>> networks_of;
  for (const BridgeSpec& b : desired_.bridges) {
    for (const BridgeMember& m : b.members) networks_of[m.port].push_back(b.name);
  }
  std::vector<PortStatus> out;
  for (const PortSpec& want : desired_.ports) {
    const PortRecord& record = records_.at(want.name);
    PortStatus s;
    s.name = want.name;
    s.devargs = want.devargs;
    if (auto it = networks_of.find(want.name); it != networks_of.end()) s.networks = it->second;
    s.network = s.networks.empty() ? "" : s.networks.front();
    s.mtu = want.mtu;
    if (!record.device) {
      s.reason = record.reason;
      if (want.mac) {
        rte_ether_addr a{};
        std::copy(want.mac->begin(), want.mac->end(), a.addr_bytes);
        s.mac = format_mac(a);
      }
      out.push_back(std::move(s));
      continue;
    }
    const uint16_t port_id = record.device->port_id;
    s.port_id = port_id;
    s.up = true;
    s.queues = record.device->queues;
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(port_id, &link) == 0) {
      s.link_up = link.link_status == RTE_ETH_LINK_UP;
      s.link_speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
    }
    rte_ether_addr mac{};
    if (rte_eth_macaddr_get(port_id, &mac) == 0) s.mac = format_mac(mac);
    uint16_t mtu = 0;
    if (rte_eth_dev_get_mtu(port_id, &mtu) == 0) s.mtu = mtu;
    s.counters = subtract(counters_of(port_id), record.baseline);
    if (mac_counts_) {
      // The worker's count is valid only for the incarnation it was kept for (see MacCount).
      const MacCount& c = (*mac_counts_)[port_id];
      if (c.incarnation.load(std::memory_order_relaxed) == record.incarnation) {
        s.macs_learned = c.count.load(std::memory_order_relaxed);
      }
    }
    rte_eth_stats stats{};
    if (rte_eth_stats_get(port_id, &stats) == 0) {
      s.hw_rx_missed = stats.imissed + stats.ierrors;
      s.hw_tx_errors = stats.oerrors;
      s.counters.drops[static_cast<unsigned>(DropReason::no_mbuf)] += stats.rx_nombuf;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<NetworkStatus> DataplaneImpl::networks() const {
  std::vector<NetworkStatus> out;
  for (const BridgeSpec& b : desired_.bridges) {
    NetworkStatus n;
    n.name = b.name;
    for (const BridgeMember& m : b.members) {
      auto it = records_.find(m.port);
      if (it != records_.end() && it->second.device) n.ports.push_back(m.port);
    }
    if (auto it = fdbs_.find(b.name); it != fdbs_.end() && it->second) {
      n.fdb_entries = it->second->size();
      n.fdb_max_entries = it->second->max_entries();
    }
    if (auto it = neighbors_.find(b.name); it != neighbors_.end() && it->second.table) {
      std::vector<NeighborTable::Entry> entries;
      it->second.table->read_entries(&entries);
      for (const NeighborTable::Entry& e : entries) {
        if (e.mac != 0) ++n.neighbors;
      }
    }
    if (auto it = neighbors_.find(b.name); it != neighbors_.end() && it->second.table6) {
      std::vector<Neighbor6Table::Entry> entries;
      it->second.table6->read_entries(&entries);
      for (const Neighbor6Table::Entry& e : entries) {
        if (e.mac != 0) ++n.neighbors6;
      }
    }
    if (b.nat) {
      if (auto it = nat_tables_.find(b.nat->uplink); it != nat_tables_.end() && it->second.table) {
        n.nat_sessions = it->second.table->size();
        const netproto::NatCounters c = it->second.table->counters();
        n.nat_table_full = c.table_full;
        n.nat_host_limit = c.host_limit;
        n.nat_no_port = c.no_port;
      }
    }
    out.push_back(std::move(n));
  }
  return out;
}

DataplaneStatus DataplaneImpl::status() const {
  DataplaneStatus s;
  s.reclaim_pending = !retired_.empty();
  if (stopped_ || counters_ == nullptr) return s;
  s.worker_lcores = 1;
  if (const Snapshot* snap = current_.load(std::memory_order_acquire)) s.snapshot_generation = snap->generation;
  s.worker_loops = counters_->loops.load(std::memory_order_relaxed);
  s.worker_idle_sleeps = counters_->idle_sleeps.load(std::memory_order_relaxed);
  s.long_loops = counters_->long_loops.load(std::memory_order_relaxed);
  s.long_loop_cycles = counters_->long_loop_cycles.load(std::memory_order_relaxed);
  s.longest_loop_cycles = counters_->longest_loop_cycles.load(std::memory_order_relaxed);
  s.busy_cycles = counters_->busy_cycles.load(std::memory_order_relaxed);
  s.busy_packets = counters_->busy_packets.load(std::memory_order_relaxed);
  s.tsc_hz = tsc_hz_;
  const WorkerCounters& c = *counters_;
  auto read = [](const Counter& x) { return x.load(std::memory_order_relaxed); };
  s.router = RouterCounters{read(c.routed),       read(c.arp_replies),      read(c.arp_requests),
                            read(c.icmp_echo_replies), read(c.icmp_errors), read(c.icmp_rate_limited),
                            read(c.neighbor_table_full), read(c.arp_replies_received), read(c.fragmented),
                            read(c.fragments), read(c.punted), read(c.injected), read(c.inject_stale),
                            read(c.routed6), read(c.nd_adverts), read(c.nd_solicits), read(c.nd_adverts_received)};
  if (conntrack_) s.conntrack = ConntrackCounters{conntrack_->size(), conntrack_->capacity(), read(c.conntrack_full)};
  if (int tid = worker_->tid.load(std::memory_order_acquire); tid != 0) s.worker_tids.push_back(tid);
  return s;
}

}  // namespace edgegw::dataplane
