// The immutable forwarding snapshot: what the worker polls and how it forwards, compiled by the
// control plane from a SwitchSpec and the ports that are up, and published with one release store.
//
// RCU rules (rte_rcu_qsbr): the worker loads the pointer once per loop with acquire, uses it for
// that loop only, and reports quiescent at the end of the loop. The control plane never modifies a
// published snapshot; it publishes a new one, takes a token with rte_rcu_qsbr_start and frees the old
// one (and anything only it referenced: FDB tables, devices) once rte_rcu_qsbr_check says the worker
// passed the token. Dynamic state (the FDB tables) lives outside the snapshot, owned by the control
// plane's registry keyed by network name, so an apply that keeps a network keeps its FDB.
#pragma once

#include <rte_config.h>

#include <array>
#include <cstdint>
#include <vector>

#include "fdb_table.hpp"

namespace edgegw::dataplane {

constexpr uint16_t kNoIndex = 0xffff;
constexpr unsigned kMaxPorts = RTE_MAX_ETHPORTS;
constexpr unsigned kEthHeaderLen = 14;
constexpr unsigned kVlanTagLen = 4;

struct SnapshotPort {
  uint16_t port_id = 0;
  uint16_t network = kNoIndex;  // index into Snapshot::networks, kNoIndex when in no network
  uint32_t incarnation = 0;     // stored in FDB entries learned on this port
  uint32_t max_frame = 0;       // MTU + Ethernet header; +4 for a VLAN-tagged frame
};

struct SnapshotNetwork {
  FdbTable* fdb = nullptr;  // owned by the control plane's FDB registry, outlives this snapshot
  uint64_t aging_ticks = 0;  // fdb_aging_s in the worker's time unit (TSC cycles)
  uint16_t member_count = 0;
  std::array<uint16_t, kMaxPorts> members{};  // indices into Snapshot::ports, for flooding
};

// Per DPDK port id: where the port is in this snapshot. FDB entries name a port by id +
// incarnation; this table turns them into an egress index and proves they are still current.
struct PortIdEntry {
  uint16_t index = kNoIndex;
  uint16_t network = kNoIndex;
  uint32_t incarnation = 0;
};

struct Snapshot {
  uint64_t generation = 0;
  std::vector<SnapshotPort> ports;  // polled in this order; at most kMaxPorts
  std::vector<SnapshotNetwork> networks;
  std::array<PortIdEntry, RTE_MAX_ETHPORTS> by_port_id{};
};

}  // namespace edgegw::dataplane
