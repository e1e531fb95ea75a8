// The bootstrap config (/etc/edgegw/edgegw.json): what the daemon needs before it has a site
// config — node id, board, management address, paths, and how to start the data plane.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgegw/common/log.hpp"
#include "edgegw/common/result.hpp"
#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::control {

// How the box runs guests (the bootstrap's "guests" object).
struct GuestBootstrap {
  std::string qemu = "qemu-system-x86_64";
  std::string qemu_img = "qemu-img";
  std::string accel = "auto";          // auto (probe KVM, else TCG), kvm, tcg
  uint32_t powerdown_timeout_s = 30;   // system_powerdown, then quit
  bool stop_on_exit = false;           // false: guests keep running while the gateway restarts
  // From the board descriptor: what guests may use together (admission) and where they run.
  uint32_t memory_mb = 0;
  uint32_t vcpus = 0;
  std::vector<unsigned> cpus;
};

struct Bootstrap {
  std::string node_id = "edgegw";
  std::string board = "generic-x86_64";  // board/boards/<board>.json, or a path to a descriptor
  std::string boards_dir;                // where descriptors live; default set at build time
  log::Level log_level = log::Level::info;
  std::string http_listen = "127.0.0.1:8080";  // host:port, port 0 picks a free one
  std::string state_dir = "/var/lib/edgegw";   // holds edgegw.db
  std::string run_dir = "/run/edgegw";         // holds ctl.sock and the pid file
  std::string desired_config_file;  // applied at start and on SIGHUP when its version is newer
  dataplane::EalOptions eal;        // board defaults, then the file's "dataplane" object
  GuestBootstrap guests;

  std::string guests_dir() const { return state_dir + "/guests"; }
  std::string db_path() const { return state_dir + "/edgegw.db"; }
  std::string ctl_socket() const { return run_dir + "/ctl.sock"; }
};

// Reads `path` (a missing file means defaults: a first boot), then the board descriptor for the
// data-plane defaults, then the file's own dataplane overrides. Errors name the field.
Result<Bootstrap> load_bootstrap(const std::string& path, const std::string& default_boards_dir);

// Parses bootstrap JSON text (what load_bootstrap does after reading the file).
Result<Bootstrap> parse_bootstrap(const std::string& text, const std::string& default_boards_dir);

}  // namespace edgegw::control
