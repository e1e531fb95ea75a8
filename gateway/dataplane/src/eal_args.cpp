// EAL arguments, runtime directory and buffer sizing.
#include "eal_args.hpp"

#include <unistd.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <algorithm>

namespace edgegw::dataplane {

std::string default_file_prefix() { return "edgegw-" + std::to_string(::getpid()); }

std::vector<std::string> build_eal_args(const EalOptions& options, const std::string& file_prefix) {
  std::vector<std::string> args{"edgegw"};
  // --lcores accepts both plain lists ("0-1") and cpu sets ("0@(0-1),1@(0-1)") that let lcores
  // float over CPUs shared with other work.
  if (!options.lcores.empty()) args.insert(args.end(), {"--lcores", options.lcores});
  if (options.memory_mb != 0) args.insert(args.end(), {"-m", std::to_string(options.memory_mb)});
  if (options.no_huge) args.emplace_back("--no-huge");
  if (options.no_pci) args.emplace_back("--no-pci");
  args.insert(args.end(), {"--file-prefix", file_prefix});
  args.insert(args.end(), options.extra.begin(), options.extra.end());
  return args;
}

std::string runtime_dir_for(const std::string& file_prefix, bool is_root, const char* xdg_runtime_dir) {
  std::string base;
  if (is_root) {
    base = "/var/run";
  } else if (xdg_runtime_dir != nullptr && *xdg_runtime_dir != '\0') {
    base = xdg_runtime_dir;
  } else {
    base = "/tmp";
  }
  return base + "/dpdk/" + file_prefix;
}

unsigned mbuf_data_room_for(unsigned max_mtu) {
  // Ethernet header, two VLAN tags and the CRC some drivers leave in the buffer.
  unsigned frame = max_mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;
  return std::max<unsigned>(RTE_MBUF_DEFAULT_BUF_SIZE, RTE_PKTMBUF_HEADROOM + frame);
}

}  // namespace edgegw::dataplane
