// The pipeline fuzz harness, shared by the libFuzzer target (tests/fuzz/pipeline_fuzz.cpp) and the
// unit test that replays tests/fuzz/regressions/pipeline/ (tests/unit/dataplane).
//
// A fixed switch of 8 net_null ports (tx discards, so every queued frame is really sent) with
// untagged, 802.1Q and QinQ members, static MACs, a small FDB and mac_limits. The input is a list of
// records, each a frame on one port:
//   byte 0      bits 0-2 ingress port, bit 3 starts a new burst, bits 4-7 clock advance (x 8 ticks)
//   bytes 1-2   frame length, little endian, low 11 bits (capped at kMaxFrame)
//   then        the frame's bytes (fewer when the input ends)
// After every burst it checks: no mbuf leaked; every received packet was counted once in rx and
// ended as exactly one ingress verdict or was sent or dropped at egress (for single-packet bursts,
// exactly; for larger ones, in sum); every frame on the wire carries exactly its egress member's
// tags and belongs to a network of the ingress membership; tx counters match what was queued.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

struct rte_mempool;

namespace edgegw::dataplane::fuzz {

class PipelineHarness {
 public:
  // Needs an initialised EAL; creates its own net_null devices (named with `tag`) and pool.
  // nullptr and `error` set when that fails.
  static std::unique_ptr<PipelineHarness> create(const std::string& tag, std::string* error);
  ~PipelineHarness();  // stops and removes its devices, frees its pool
  PipelineHarness(const PipelineHarness&) = delete;
  PipelineHarness& operator=(const PipelineHarness&) = delete;

  // Feeds one input; "" when every check held, else what broke. Dynamic state (FDB, counters)
  // starts fresh for each input, so results do not depend on earlier inputs.
  std::string run(const uint8_t* data, size_t size);

  struct State;

 private:
  explicit PipelineHarness(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace edgegw::dataplane::fuzz
