// The edgegw daemon: wires store, data plane, apply service, ctl socket and web server onto one
// Boost.Asio io_context on the main lcore.
#pragma once

#include <string>

#include "edgegw/control/bootstrap.hpp"

namespace edgegw::app {

struct DaemonOptions {
  std::string bootstrap_path = "/etc/edgegw/edgegw.json";
  // Command-line overrides of the bootstrap file (empty = keep).
  std::string state_dir, run_dir, http_listen, log_level, file_prefix;
};

// Runs until SIGTERM/SIGINT; returns the process exit code.
int run_daemon(const DaemonOptions& options);

}  // namespace edgegw::app
