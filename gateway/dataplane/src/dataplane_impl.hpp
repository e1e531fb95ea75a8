// The Dataplane implementation: EAL, packet pool, RCU, one worker lcore, ports and snapshots.
//
// Threading: every member function runs on the control-plane thread (main lcore). The worker sees
// only what is published through `current_` (a Snapshot and the FDB tables it points to) and the
// WorkerContext; it writes only its counters, its tx buffers and the FDB tables.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture_registry.hpp"
#include "edgegw/dataplane/dataplane.hpp"
#include "fdb_table.hpp"
#include "port_device.hpp"
#include "security_policy.hpp"
#include "slice_state.hpp"
#include "snapshot.hpp"
#include "snapshot_compile.hpp"
#include "worker.hpp"

struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;

namespace edgegw::dataplane {

class DataplaneImpl final : public Dataplane {
 public:
  explicit DataplaneImpl(EalOptions options) : options_(std::move(options)) {}
  ~DataplaneImpl() override { stop(); }

  // EAL, pool, RCU, worker launch. On failure everything made so far is undone.
  Result<void> init();

  Result<void> apply(const SwitchSpec& spec) override;
  bool reclaim() override;
  std::vector<PortStatus> ports() const override;
  std::vector<NetworkStatus> networks() const override;
  std::vector<FdbEntryStatus> fdb(const std::string& network) const override;
  SecurityStatus security() const override;  // dataplane_security.cpp
  std::vector<SliceStatus> slices() const override;  // dataplane_slicing.cpp
  DataplaneStatus status() const override;
  std::vector<NeighborStatus> neighbors(const std::string& network) const override;  // dataplane_fdb.cpp
  std::vector<NatSessionStatus> nat_sessions(const std::string& network, size_t limit) const override;  // routing
  std::vector<PuntedFrame> punt_receive(size_t max) override;  // dataplane_punt.cpp
  Result<void> inject(const std::string& network, const std::vector<uint8_t>& frame) override;
  Result<uint32_t> capture_start(const CaptureRequest& request) override;  // dataplane_capture.cpp
  Result<CaptureState> capture_poll(uint32_t id) override;
  Result<CaptureState> capture_stop(uint32_t id) override;
  void capture_poll_all() override;
  void stop() override;

 private:
  // A port of the desired spec and its device, if it has one.
  struct PortRecord {
    PortSpec spec;                     // as last applied
    PortSpec configured;               // what the open device was configured with
    std::optional<PortDevice> device;  // present while the device is open and forwarding
    bool waiting_for_release = false;  // its device name is still held by a device being closed
    std::string reason;                // why it is down ("" when up)
    uint32_t incarnation = 0;          // see FdbPortRef; new on device creation and network change
    std::string networks_key;          // its networks at the last publish, one name per line
    PortCounters baseline;             // counters of the port id when this device got it
  };

  // Everything one publish made unreachable for the worker; freed once the worker passed `token`.
  struct Retired {
    uint64_t token = 0;
    std::unique_ptr<const Snapshot> snapshot;
    std::vector<std::unique_ptr<FdbTable>> fdbs;
    std::vector<std::unique_ptr<NeighborTable>> neighbors;
    std::vector<std::unique_ptr<Neighbor6Table>> neighbors6;
    std::vector<std::unique_ptr<netproto::NatTable>> nat_tables;
    std::vector<PortDevice> devices;
  };

  // Brings records_ towards desired_: removes ports, changes live what can change, opens devices.
  // Devices that the worker may still poll are handed back in `to_close`.
  void converge(std::vector<PortDevice>* to_close);
  void bring_up(PortRecord& record, const std::vector<PortDevice>& to_close);
  // Compiles and publishes a snapshot of records_ + desired_, retiring the old one with `to_close`.
  void publish(std::vector<PortDevice> to_close);
  std::unique_ptr<Snapshot> compile(Retired* retired);
  // The routed networks' interfaces, neighbor tables, route MTUs and the LPM of `snap`.
  void compile_routing(Snapshot& snap, Retired* retired);
  bool device_held(const std::string& device_name, const std::vector<PortDevice>& to_close) const;

  // Security groups (dataplane_security.cpp). prepare_security() resolves the spec's policies and
  // builds a classifier when the rules changed, changing nothing (an error leaves the data plane as
  // it was); commit_security() makes the result current; compile_security() puts it, the zones
  // and the connection table into a snapshot.
  struct PreparedSecurity {
    SecurityPolicies policies;
    std::shared_ptr<const SecurityClassifier> classifier;
  };
  Result<PreparedSecurity> prepare_security(const SwitchSpec& spec) const;
  void commit_security(PreparedSecurity prepared);
  void compile_security(Snapshot& snap);
  uint16_t zone_of(const std::string& port);

  // Slicing (dataplane_slicing.cpp). prepare_slicing() builds a new state when the slice part of
  // `spec` changed and keeps the current one otherwise (an error changes nothing); commit_slicing()
  // makes it current; compile_slicing() puts the state, a classifier for the snapshot's indexes and
  // the shaped ports into a snapshot. A state's counters are carried over by slice name once the
  // last snapshot using it is freed (carry_slicing, from reclaim).
  Result<std::shared_ptr<SliceState>> prepare_slicing(const SwitchSpec& spec) const;
  void commit_slicing(std::shared_ptr<SliceState> state) { slicing_ = std::move(state); }
  void compile_slicing(Snapshot& snap, const std::map<std::string, uint16_t>& index_of_port);
  void carry_slicing(const SliceState& retired);
  PortCounters counters_of(uint16_t port_id) const;
  void remove_runtime_dir() const;
  CaptureRegistry::PortCheck capture_port_check() const;
  Result<void> open_punt_rings();
  void close_punt_rings();
  // Records which network and port each membership of `snap` is, for punted frames.
  void name_members(const Snapshot& snap, const std::map<std::string, uint16_t>& index_of_port);

  EalOptions options_;
  std::string file_prefix_;
  std::string runtime_dir_;
  bool log_installed_ = false;
  bool eal_ready_ = false;
  bool stopped_ = false;
  uint64_t tsc_hz_ = 0;

  rte_mempool* pool_ = nullptr;
  rte_rcu_qsbr* rcu_ = nullptr;
  unsigned worker_lcore_ = 0;
  bool worker_launched_ = false;
  std::unique_ptr<WorkerCounters> counters_;
  std::unique_ptr<TxBuffers> tx_;
  std::unique_ptr<WorkerContext> worker_;
  std::unique_ptr<WakeSet> wake_;  // the worker's wake-up set; ports add their sources to it
  std::unique_ptr<CaptureSlots> capture_slots_;  // read by the worker; sessions published by captures_
  std::unique_ptr<CaptureRegistry> captures_;

  std::atomic<const Snapshot*> current_{nullptr};  // what the worker reads
  std::unique_ptr<const Snapshot> current_owned_;   // owns *current_
  std::deque<Retired> retired_;                     // oldest first; tokens increase

  SwitchSpec desired_;
  std::map<std::string, PortRecord> records_;                 // by port name
  std::map<std::string, std::unique_ptr<FdbTable>> fdbs_;     // by network name: survives applies
  // ARP and IPv6 neighbor caches of the routed networks, by network name: each kept while the
  // network stays routed on the same subnet of its family.
  struct NeighborRecord {
    RouterInterfaceSpec router;
    std::unique_ptr<NeighborTable> table;
    std::unique_ptr<Neighbor6Table> table6;  // when the router has v6
  };
  std::map<std::string, NeighborRecord> neighbors_;
  // NAT session tables by uplink name: kept while the uplink's address, the limits and the port
  // forwards stay the same (a change starts a new table: its sessions are dropped).
  struct NatRecord {
    NatTablePlan plan;
    std::unique_ptr<netproto::NatTable> table;
  };
  std::map<std::string, NatRecord> nat_tables_;
  // Builds or keeps the NAT tables of desired_ and points the snapshot's networks at them.
  void compile_nat(Snapshot& snap, Retired* retired);
  std::unique_ptr<MacCounts> mac_counts_;  // written by the worker, read here; lives until the EAL stops
  // Security groups: the connection table (written by the worker, sized at start, kept across
  // applies), the classifier of desired_ (also held by the snapshots using it), the policies it
  // was resolved to, their generation, and each port's connection-tracking zone by name.
  std::unique_ptr<ConntrackTable> conntrack_;
  // Slicing: the current state (also held by the snapshots using it) and the counters of retired
  // states by slice name (their queues by port name).
  std::shared_ptr<SliceState> slicing_;
  std::map<std::string, SliceStatus> slices_carried_;
  std::shared_ptr<const SecurityClassifier> security_;
  SecurityPolicies security_policies_;
  uint32_t security_generation_ = 0;
  std::map<std::string, uint16_t> zones_;
  uint16_t next_zone_ = 0;
  uint64_t generation_ = 0;
  rte_ring* punt_ring_ = nullptr;   // worker -> control plane (see dataplane_punt.cpp)
  rte_ring* inject_ring_ = nullptr;  // control plane -> worker
  struct MemberNames {
    uint64_t generation = 0;
    std::vector<std::string> network, port;  // by membership index
  };
  std::deque<MemberNames> member_names_;  // of the last few snapshots, oldest first
  uint64_t punt_unresolved_ = 0;          // punted frames of a snapshot no longer named
  uint32_t next_incarnation_ = 0;
};

}  // namespace edgegw::dataplane
