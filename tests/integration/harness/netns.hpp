// Test hosts with real kernel stacks: a network namespace with one veth whose other end stays in
// the root namespace for the gateway's af_packet port. Removed in reverse order on destruction,
// also when the test fails; a leak check says what was left behind.
#pragma once

#include <string>
#include <vector>

namespace edgegw::test {

// A short unique tag for this test process, used in every name it creates (IFNAMSIZ is 16).
std::string run_tag();

class NetnsHost {
 public:
  // Creates namespace `<tag><name>`, veth `<tag><name>` (root side, for the gateway) <-> `eth0`
  // (host side) with `cidr` on eth0, IPv6 off (no background chatter in counters) and tx checksum
  // offload off (veth would otherwise hand af_packet frames with partial checksums). An empty
  // `cidr` leaves eth0 without an address (a DHCP client's host).
  NetnsHost(const std::string& name, const std::string& cidr);
  ~NetnsHost();
  NetnsHost(const NetnsHost&) = delete;
  NetnsHost& operator=(const NetnsHost&) = delete;

  const std::string& ns() const { return ns_; }
  const std::string& gateway_iface() const { return root_if_; }  // what the config's iface names
  std::string ip() const { return ip_; }
  std::string mac() const;  // eth0's MAC

  // Runs a command line inside the namespace (through /bin/sh).
  std::string exec(const std::string& command, int* exit_code = nullptr) const;
  // Adds a permanent ARP entry so pings need no ARP (exact counters).
  void add_static_neighbor(const NetnsHost& other) const;

 private:
  std::string ns_, root_if_, ip_;
  bool created_ = false;
};

// Fails the current test when an interface or namespace carrying this run's tag still exists.
void expect_no_leftovers();

}  // namespace edgegw::test
