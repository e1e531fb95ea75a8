// edgegw: the gateway daemon.
#include <cstring>
#include <iostream>
#include <string>

#include "daemon.hpp"

namespace {

const char* kUsage =
    "usage: edgegw [--config FILE] [--state-dir DIR] [--run-dir DIR] [--http HOST:PORT]\n"
    "              [--log-level debug|info|warn|error] [--file-prefix NAME]\n"
    "  --config FILE   bootstrap config (default /etc/edgegw/edgegw.json; missing = defaults)\n"
    "  --state-dir DIR where edgegw.db lives (default /var/lib/edgegw)\n"
    "  --run-dir DIR   where ctl.sock lives (default /run/edgegw)\n"
    "  --http ADDR     management HTTP listen address (default 127.0.0.1:8080)\n"
    "  --file-prefix N DPDK runtime file prefix (default edgegw-<pid>)\n"
    "signals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads the bootstrap log level and the\n"
    "         desired config file\n";

}  // namespace

int main(int argc, char** argv) {
  edgegw::app::DaemonOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--config") ok = value(&options.bootstrap_path);
    else if (a == "--state-dir") ok = value(&options.state_dir);
    else if (a == "--run-dir") ok = value(&options.run_dir);
    else if (a == "--http") ok = value(&options.http_listen);
    else if (a == "--log-level") ok = value(&options.log_level);
    else if (a == "--file-prefix") ok = value(&options.file_prefix);
    else if (a == "--version") {
      std::cout << "edgegw 0.1.0\n";
      return 0;
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "edgegw: unknown argument '" << a << "'\n" << kUsage;
      return 2;
    }
    if (!ok) {
      std::cerr << "edgegw: " << a << " needs a value\n" << kUsage;
      return 2;
    }
  }
  return edgegw::app::run_daemon(options);
}
