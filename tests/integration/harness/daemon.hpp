// A real edgegw daemon for a test: its own temp state/run dirs, a bootstrap file, an ephemeral
// HTTP port and a unique DPDK file prefix. The destructor stops it by PID and removes its files.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/process.hpp"

namespace edgegw::test {

class GatewayDaemon {
 public:
  GatewayDaemon();
  ~GatewayDaemon();
  GatewayDaemon(const GatewayDaemon&) = delete;
  GatewayDaemon& operator=(const GatewayDaemon&) = delete;

  // Sets the bootstrap's "guests" object (QEMU, accelerator, powerdown timeout) before start().
  void set_guest_options(const nlohmann::json& guests);
  // Sets one field of the bootstrap's "dataplane" object (e.g. "lcores") before start().
  void set_dataplane_option(const std::string& key, const nlohmann::json& value);
  // The PIDs of the guests' QEMU processes (from their pidfiles), by guest name.
  std::map<std::string, int> guest_pids() const;
  // Kills every guest QEMU by PID and waits until they are gone (guests outlive the daemon).
  void kill_guests();
  // Writes the desired config file the daemon applies at start and on SIGHUP.
  void write_desired(const std::string& document);
  // Starts the daemon and waits (bounded) until its ctl socket answers `status`.
  bool start(const std::map<std::string, std::string>& env = {});
  // SIGTERM (or `signo`) and wait; returns the wait status.
  int stop(int signo = 15);
  bool running() { return process_.running(); }
  Process& process() { return process_; }

  nlohmann::json ctl(const nlohmann::json& request);  // the reply object; fails the test if unreachable
  nlohmann::json status();                            // ctl status result
  nlohmann::json port(const std::string& name);       // one port of status
  CommandResult edgegwctl(const std::vector<std::string>& args, const std::string& stdin_data = "");
  CommandResult http_get(const std::string& path);    // curl -sS -i against the status server
  uint16_t http_port() const;

  std::string log() const;
  const std::string& dir() const { return dir_; }
  std::string db_path() const { return dir_ + "/state/edgegw.db"; }
  std::string socket_path() const { return dir_ + "/run/ctl.sock"; }
  std::string dpdk_runtime_dir() const { return "/var/run/dpdk/" + prefix_; }
  std::string desired_path() const { return dir_ + "/desired.json"; }

 private:
  std::string dir_, prefix_;
  nlohmann::json bootstrap_;
  Process process_;
};

// True while process `pid` runs (a zombie does not count).
bool process_alive(int pid);

// A config document with one bridge network "lan" over af_packet ports on the given interfaces.
std::string bridge_config(uint64_t version, const std::vector<std::pair<std::string, std::string>>& ports);

}  // namespace edgegw::test
