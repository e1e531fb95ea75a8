// The worker's packet stages. Each stage is a small class with one process(tables, burst, now) call
// that handles a whole burst; stages carry per-packet facts in the mbuf (l2_len, packet_type) so
// later stages (VLAN, routing, slicing, overlay) parse nothing twice. No stage allocates, locks,
// makes system calls or throws; every packet a stage drops is counted with its reason.
//
// Threading: a Pipeline belongs to one worker lcore, as do the counters and tx buffers it writes.
#pragma once

#include <cstdint>

#include "burst.hpp"
#include "counters.hpp"
#include "snapshot.hpp"

namespace edgegw::dataplane {

// Counts what arrived, drops runts (`malformed`) and records the L2 header length and type in each
// survivor. Leaves the survivors, in order, in the burst.
class L2ParseStage {
 public:
  explicit L2ParseStage(WorkerCounters& counters) : counters_(counters) {}
  void process(const Snapshot& tables, Burst& burst, uint64_t now);

 private:
  WorkerCounters& counters_;
};

// Learns source MACs into the ingress network's FDB and sends each packet to its learned port or
// floods it to the network's other ports (sharing the mbuf by reference count, never copying).
// Consumes the burst: every packet ends in a tx queue or is dropped and counted.
class BridgeStage {
 public:
  BridgeStage(WorkerCounters& counters, TxBuffers& tx) : counters_(counters), tx_(tx) {}
  void process(const Snapshot& tables, Burst& burst, uint64_t now);

 private:
  uint16_t learned_egress(const Snapshot& tables, const SnapshotPort& ingress, const SnapshotNetwork& net,
                          uint64_t dst, uint64_t now) const;
  void send_one(const Snapshot& tables, uint16_t egress, rte_mbuf* m);
  void flood(const Snapshot& tables, const SnapshotNetwork& net, uint16_t ingress, rte_mbuf* m);

  WorkerCounters& counters_;
  TxBuffers& tx_;
};

// Transmits every non-empty tx queue with one tx_burst per port; frees and counts (`tx_full`) what
// the device refused.
class TxStage {
 public:
  TxStage(WorkerCounters& counters, TxBuffers& tx) : counters_(counters), tx_(tx) {}
  void process(const Snapshot& tables);

 private:
  WorkerCounters& counters_;
  TxBuffers& tx_;
};

class Pipeline {
 public:
  Pipeline(WorkerCounters& counters, TxBuffers& tx) : parse_(counters), bridge_(counters, tx), tx_(counters, tx) {}

  void run(const Snapshot& tables, Burst& burst, uint64_t now) {
    parse_.process(tables, burst, now);
    bridge_.process(tables, burst, now);
    tx_.process(tables);
  }

 private:
  L2ParseStage parse_;
  BridgeStage bridge_;
  TxStage tx_;
};

// True when the frame fits the egress port's MTU (+4 bytes when it carries a VLAN tag).
inline bool fits_mtu(const SnapshotPort& egress, const rte_mbuf* m) {
  uint32_t limit = egress.max_frame + (m->l2_len > kEthHeaderLen ? kVlanTagLen : 0);
  return m->pkt_len <= limit;
}

}  // namespace edgegw::dataplane
