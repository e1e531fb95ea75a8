// EAL command line and runtime directory from EalOptions. Pure functions: tested without the EAL.
#pragma once

#include <string>
#include <vector>

#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::dataplane {

// "edgegw-<pid>": unique per process, so parallel daemons and test binaries never share a
// runtime directory.
std::string default_file_prefix();

// argv for rte_eal_init, program name first.
std::vector<std::string> build_eal_args(const EalOptions& options, const std::string& file_prefix);

// Where the EAL keeps its runtime files for `file_prefix` (mirrors eal_get_runtime_dir's rules):
// /var/run/dpdk/<prefix> for root, else $XDG_RUNTIME_DIR/dpdk/<prefix>, else /tmp/dpdk/<prefix>.
std::string runtime_dir_for(const std::string& file_prefix, bool is_root, const char* xdg_runtime_dir);

// Bytes of packet data one buffer must hold so a frame of `max_mtu` never needs a second segment.
unsigned mbuf_data_room_for(unsigned max_mtu);

}  // namespace edgegw::dataplane
