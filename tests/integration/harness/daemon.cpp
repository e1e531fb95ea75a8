// GatewayDaemon: start/stop a real edgegw for integration tests.
#include "harness/daemon.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "edgegw/cli/ctl_client.hpp"
#include "harness/netns.hpp"

namespace edgegw::test {

using nlohmann::json;

// Alive and not a zombie waiting for whoever adopted it to reap it.
bool process_alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

GatewayDaemon::GatewayDaemon() {
  char tmpl[] = "/tmp/edgegw-it-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  static int counter = 0;
  prefix_ = "edgegw-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  bootstrap_ = {
      {"node_id", "it-node"},
      {"state_dir", dir_ + "/state"},
      {"run_dir", dir_ + "/run"},
      {"desired_config_file", desired_path()},
      {"management", {{"http_listen", "127.0.0.1:0"}}},
      {"dataplane", {{"lcores", "0@(0-1),1@(0-1)"}, {"memory_mb", 256}, {"file_prefix", prefix_}, {"mbufs", 4095}}}};
  std::ofstream(dir_ + "/edgegw.json") << bootstrap_.dump(2);
}

void GatewayDaemon::set_guest_options(const json& guests) {
  bootstrap_["guests"] = guests;
  std::ofstream(dir_ + "/edgegw.json") << bootstrap_.dump(2);
}

void GatewayDaemon::set_dataplane_option(const std::string& key, const json& value) {
  bootstrap_["dataplane"][key] = value;
  std::ofstream(dir_ + "/edgegw.json") << bootstrap_.dump(2);
}

std::map<std::string, int> GatewayDaemon::guest_pids() const {
  std::map<std::string, int> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/state/guests", ec)) {
    std::ifstream in(entry.path() / "qemu.pid");
    int pid = 0;
    if (in >> pid && pid > 0) pids[entry.path().filename().string()] = pid;
  }
  return pids;
}

void GatewayDaemon::kill_guests() {
  for (const auto& [name, pid] : guest_pids()) {
    // Only a QEMU of this test's state dir (a recycled PID is left alone).
    std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (cmdline.find(dir_) == std::string::npos) continue;
    ::kill(pid, SIGKILL);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (process_alive(pid) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

GatewayDaemon::~GatewayDaemon() {
  if (process_.running()) stop(SIGTERM);
  kill_guests();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  // A killed daemon cannot clean up its EAL runtime dir; the test's cleanup does.
  std::filesystem::remove_all(dpdk_runtime_dir(), ec);
}

void GatewayDaemon::write_desired(const std::string& document) { std::ofstream(desired_path()) << document; }

bool GatewayDaemon::start(const std::map<std::string, std::string>& env) {
  if (!process_.start({EDGEGW_BIN, "--config", dir_ + "/edgegw.json"}, dir_ + "/edgegw.log", env)) return false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.running()) return false;
    auto r = cli::ctl_call(socket_path(), {{"cmd", "status"}}, 2000);
    if (r && r.value().value("ok", false) && log().find("msg=ready") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int GatewayDaemon::stop(int signo) { return process_.stop(signo, std::chrono::seconds(30)); }

json GatewayDaemon::ctl(const json& request) {
  auto r = cli::ctl_call(socket_path(), request, 30000);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? r.value() : json::object();
}

json GatewayDaemon::status() {
  json r = ctl({{"cmd", "status"}});
  EXPECT_TRUE(r.value("ok", false)) << r.dump();
  return r.value("result", json::object());
}

json GatewayDaemon::port(const std::string& name) {
  for (const json& p : status().value("ports", json::array())) {
    if (p.value("name", "") == name) return p;
  }
  ADD_FAILURE() << "no port " << name;
  return json::object();
}

CommandResult GatewayDaemon::edgegwctl(const std::vector<std::string>& args, const std::string& stdin_data) {
  std::vector<std::string> argv = {EDGEGWCTL_BIN, "--socket", socket_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, std::chrono::seconds(60), stdin_data);
}

uint16_t GatewayDaemon::http_port() const {
  std::smatch m;
  std::string text = log();
  static const std::regex re("http=http://127\\.0\\.0\\.1:([0-9]+)");
  if (!std::regex_search(text, m, re)) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

CommandResult GatewayDaemon::http_get(const std::string& path) {
  return run({"curl", "-sS", "-i", "--max-time", "10", "http://127.0.0.1:" + std::to_string(http_port()) + path});
}

std::string GatewayDaemon::log() const {
  std::ifstream in(dir_ + "/edgegw.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string bridge_config(uint64_t version, const std::vector<std::pair<std::string, std::string>>& ports) {
  json doc = {{"version", version}, {"ports", json::array()}, {"networks", json::array()}};
  json members = json::array();
  for (const auto& [name, iface] : ports) {
    doc["ports"].push_back({{"name", name}, {"kind", "af_packet"}, {"iface", iface}});
    members.push_back(name);
  }
  doc["networks"].push_back({{"name", "lan"}, {"mode", "bridge"}, {"ports", members}});
  return doc.dump(2);
}

}  // namespace edgegw::test
