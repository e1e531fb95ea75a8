// pcap_compile -> rte_bpf_convert -> rte_bpf_load.
#define ALLOW_EXPERIMENTAL_API  // rte_bpf_convert and rte_bpf are experimental in DPDK 22.11
#include "capture_filter.hpp"

#include <pcap/pcap.h>
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_malloc.h>

namespace edgegw::dataplane {

CaptureFilter::~CaptureFilter() {
  if (bpf_ != nullptr) rte_bpf_destroy(bpf_);
}

Result<std::unique_ptr<CaptureFilter>> CaptureFilter::compile(const std::string& expression, uint32_t snaplen) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, static_cast<int>(snaplen));
  if (dead == nullptr) return make_error(Errc::internal, "pcap_open_dead failed", "/filter");
  bpf_program cbpf{};
  if (pcap_compile(dead, &cbpf, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    std::string message = pcap_geterr(dead);
    pcap_close(dead);
    return make_error(Errc::invalid_argument, "bad filter '" + expression + "': " + message, "/filter");
  }
  pcap_close(dead);

  rte_bpf_prm* prm = rte_bpf_convert(&cbpf);
  pcap_freecode(&cbpf);
  if (prm == nullptr) {
    return make_error(Errc::dpdk, std::string("rte_bpf_convert failed: ") + rte_strerror(rte_errno), "/filter");
  }
  auto filter = std::make_unique<CaptureFilter>();
  filter->bpf_ = rte_bpf_load(prm);
  rte_free(prm);
  if (filter->bpf_ == nullptr) {
    return make_error(Errc::dpdk, std::string("rte_bpf_load failed: ") + rte_strerror(rte_errno), "/filter");
  }
  rte_bpf_jit jit{};
  if (rte_bpf_get_jit(filter->bpf_, &jit) == 0 && jit.func != nullptr) filter->jit_ = jit.func;
  return filter;
}

}  // namespace edgegw::dataplane
