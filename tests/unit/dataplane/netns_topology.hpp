// Test topology from real kernel stacks: each host is a network namespace whose veth peer stays in
// the root namespace for the data plane's af_packet port. Names carry the pid and a counter, so
// parallel runs never collide. Every cleanup is registered before the thing it removes is created
// and runs in reverse order in the destructor, even when the test failed; the destructor then
// fails the test if a namespace or interface is left behind.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace edgegw::dataplane::test {

using Mac = std::array<uint8_t, 6>;

struct Host {
  std::string ns;       // network namespace
  std::string host_if;  // the host's interface, inside ns
  std::string dp_if;    // the data plane's end, in the root namespace
  Mac mac{};            // host_if's MAC (locally administered, unique per run)
  std::string ip;       // "" or an IPv4 address of host_if (no prefix)
};

class Topology {
 public:
  Topology();
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // A namespace with IPv6 off (no kernel chatter to disturb counters) and a veth pair, both ends
  // up. With `ipv4` ("10.213.1.1/24") the host gets that address (for ping); without, it is silent.
  const Host& add_host(const std::string& ipv4 = "");

  // "net_af_packet_<dp_if>,iface=<dp_if>": unique vdev name per interface.
  static std::string devargs(const Host& host);
  // An interface name that does not exist (for the missing-interface test).
  std::string missing_interface_name();

  // Runs a shell command, returns its exit status; output goes to `output` when given.
  static int run(const std::string& command, std::string* output = nullptr);

 private:
  std::string next_id();
  void cleanup();

  std::string tag_;  // pid + per-process topology counter
  unsigned next_ = 0;
  std::deque<Host> hosts_;  // a deque: references returned by add_host stay valid
  std::vector<std::function<void()>> cleanups_;
  std::vector<std::string> namespaces_;
  std::vector<std::string> interfaces_;
};

}  // namespace edgegw::dataplane::test
