// Inside the pipeline fuzz harness: its switch, what it remembers of a burst, and the checks it
// runs on every frame the stages queue (pipeline_harness_frames.cpp). See pipeline_harness.hpp.
#pragma once

#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgegw/netproto/nat_table.hpp"
#include "pipeline.hpp"
#include "pipeline_harness.hpp"
#include "slice_state.hpp"
#include "snapshot_compile.hpp"

namespace edgegw::dataplane::fuzz {

constexpr uint16_t kPorts = 16;
constexpr uint16_t kMaxFrame = 1600;
// m->port of an ingress frame is its position in the burst (no stage reads or writes it, and
// copies inherit it); rte_pktmbuf_alloc resets it, so a frame the route stage builds has this.
constexpr uint16_t kRouterMade = RTE_MBUF_PORT_INVALID;

// Writes valid IPv4 header (`header`) and ICMP/UDP/TCP (`l4`) checksums, or an ICMPv6 checksum
// (`l4`), into a frame as received (tags included), where it has the bytes for them.
void fix_checksums(uint8_t* frame, size_t len, bool header, bool l4);

struct PipelineHarness::State {
  // A packet of the burst being checked, as the parse stage left it.
  struct Arrival {
    std::array<uint8_t, kMaxFrame> frame{};  // untagged
    uint16_t len = 0;
    uint16_t member = kNoIndex;  // ingress membership; kNoIndex: dropped by the parse stage
    bool to_router = false;      // the bridge handed it to the route stage
  };
  // What the frames queued by one burst add up to (filled by check_frame()).
  struct Tally {
    std::array<uint64_t, kPorts> bytes{};  // queued per egress port
    uint64_t frames = 0;
    std::array<uint32_t, kBurstSize> copies{};  // frames queued per ingress packet
    uint64_t icmp_errors = 0;                   // built by the route stage
    std::vector<uint32_t> arp_requests;         // built by the route stage, per network (flooded)
    std::vector<uint32_t> solicitations;        // IPv6 neighbor solicitations, the same way
  };

  std::string tag;
  std::vector<std::string> vdevs;
  std::array<uint16_t, kPorts> port_ids{};
  rte_mempool* pool = nullptr;
  rte_ring* punt = nullptr;  // the snapshot's punt ring: drained and checked after every burst
  std::vector<BridgeSpec> bridges;
  Snapshot snap;
  std::vector<std::unique_ptr<FdbTable>> fdbs;
  std::vector<std::unique_ptr<NeighborTable>> neighbors;  // per network, null unless routed
  std::vector<std::unique_ptr<Neighbor6Table>> neighbors6;  // per network, null unless it routes IPv6
  std::map<std::string, std::unique_ptr<netproto::NatTable>> nat_tables;  // by uplink
  uint64_t nat_sessions_before = 0;  // their sessions_created before the input
  std::unique_ptr<MacCounts> mac_counts;
  // Ingress slicing (classification, policing, DSCP remarking; no shaped port): rebuilt by reset()
  // so each input starts with full policer buckets.
  SwitchSpec slice_spec;
  std::map<std::string, uint16_t> index_of_port, index_of_network;
  std::shared_ptr<SliceState> slicing;
  std::unique_ptr<WorkerCounters> counters;
  std::unique_ptr<TxBuffers> tx;
  std::unique_ptr<BridgeStage> bridge;
  std::unique_ptr<RouteStage> route;
  std::array<Arrival, kBurstSize> arrivals;
  uint16_t arrival_count = 0;
  uint16_t ingress = 0;

  std::string compile();  // the snapshot, once
  void reset();           // dynamic state, before each input
  std::string flush(rte_mbuf** pkts, uint16_t n, uint16_t ingress_port, uint64_t now);
  std::string check_tables(uint64_t now) const;
  std::string check_nat_tables() const;

  // pipeline_harness_frames.cpp
  std::string check_frame(uint16_t egress, const rte_mbuf* m, Tally& tally) const;
  std::string check_bridged(uint16_t egress, const rte_mbuf* m) const;
  std::string check_router_made(uint16_t network, const uint8_t* l3, uint32_t l3_len, uint16_t type,
                                uint16_t egress, Tally& tally) const;
  std::string check_router_handled(uint16_t network, const uint8_t* eth, const uint8_t* l3, uint32_t l3_len,
                                   uint16_t type, uint16_t egress, const Arrival& in) const;
  // The routed network whose gateway sent `eth` out of port `egress`, or kNoIndex.
  uint16_t gateway_network(const uint8_t* eth, uint16_t egress) const;
  // True when `ip` is an inside address of the NAT domain of `table` (any NAT network behind it).
  bool inside_address(const netproto::NatTable* table, uint32_t ip) const;
  // IPv6 frames of the router (pipeline_harness_frames6.cpp).
  std::string check_router_made6(uint16_t network, const uint8_t* eth, const uint8_t* l3, uint32_t l3_len,
                                 uint16_t egress, Tally& tally) const;
  std::string check_router_handled6(uint16_t network, const uint8_t* eth, const uint8_t* l3, uint32_t l3_len,
                                    uint16_t egress, const Arrival& in) const;
};

}  // namespace edgegw::dataplane::fuzz
