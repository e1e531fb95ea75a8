// pcap filter expressions for the worker: libpcap compiles the expression to classic BPF on the
// control thread, rte_bpf_convert turns that into eBPF, rte_bpf_load verifies and loads it (and its
// x86/arm64 JIT compiles it when it can). The worker then runs it on each candidate packet, so only
// matching packets are copied: filtering while draining instead would copy everything first.
//
// Threading: control plane only (pcap_compile is not reentrant in older libpcap).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "edgegw/common/result.hpp"

struct rte_bpf;

namespace edgegw::dataplane {

class CaptureFilter {
 public:
  CaptureFilter() = default;
  ~CaptureFilter();
  CaptureFilter(const CaptureFilter&) = delete;
  CaptureFilter& operator=(const CaptureFilter&) = delete;

  // Compiles `expression` for Ethernet frames; an error carries libpcap's message (or DPDK's).
  static Result<std::unique_ptr<CaptureFilter>> compile(const std::string& expression, uint32_t snaplen);

  const rte_bpf* program() const { return bpf_; }
  uint64_t (*jit() const)(void*) { return jit_; }

 private:
  rte_bpf* bpf_ = nullptr;
  uint64_t (*jit_)(void*) = nullptr;
};

}  // namespace edgegw::dataplane
