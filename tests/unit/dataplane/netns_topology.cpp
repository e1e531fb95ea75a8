// Namespaces and veth pairs via ip(8), with registered cleanup and a leak check.
#include "netns_topology.hpp"

#include <net/if.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace edgegw::dataplane::test {
namespace {

unsigned g_topology_counter = 0;

bool write_file(const std::string& path, const std::string& value) {
  std::ofstream f(path);
  f << value;
  return static_cast<bool>(f);
}

}  // namespace

int Topology::run(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[512];
  std::string out;
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int status = ::pclose(p);
  if (output != nullptr) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Topology::Topology() : tag_(std::to_string(::getpid()) + "x" + std::to_string(++g_topology_counter)) {}

Topology::~Topology() { cleanup(); }

std::string Topology::next_id() { return tag_ + "n" + std::to_string(next_++); }

const Host& Topology::add_host(const std::string& ipv4) {
  const unsigned index = next_;
  const std::string id = next_id();
  Host h;
  h.ns = "egwt-" + id;
  // IFNAMSIZ is 16: "e<pid>x<topology>d<host>" is at most 14 characters.
  const std::string stem = "e" + std::to_string(::getpid() % 10000000) + "x" + std::to_string(g_topology_counter % 100);
  h.dp_if = stem + "d" + std::to_string(index % 100);
  h.host_if = stem + "h" + std::to_string(index % 100);
  const unsigned pid = static_cast<unsigned>(::getpid());
  h.mac = {0x02, static_cast<uint8_t>(pid >> 16), static_cast<uint8_t>(pid >> 8), static_cast<uint8_t>(pid),
           static_cast<uint8_t>(g_topology_counter), static_cast<uint8_t>(index)};
  char mac_text[18];
  std::snprintf(mac_text, sizeof mac_text, "%02x:%02x:%02x:%02x:%02x:%02x", h.mac[0], h.mac[1], h.mac[2], h.mac[3],
                h.mac[4], h.mac[5]);

  // Cleanups first, so a half-made host is still removed.
  const std::string ns = h.ns;
  const std::string dp_if = h.dp_if;
  namespaces_.push_back(ns);
  interfaces_.push_back(dp_if);
  cleanups_.push_back([ns] { run("ip netns del " + ns); });
  cleanups_.push_back([dp_if] { run("ip link del " + dp_if); });

  std::string out;
  auto must = [&](const std::string& cmd) {
    int rc = run(cmd, &out);
    EXPECT_EQ(rc, 0) << cmd << ": " << out;
  };
  must("ip netns add " + ns);
  must("ip netns exec " + ns +
       " sh -c 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 &&"
       " echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6'");
  must("ip link add " + dp_if + " type veth peer name " + h.host_if + " netns " + ns);
  // The root end must stay silent too: whatever its kernel stack sends, af_packet would forward.
  write_file("/proc/sys/net/ipv6/conf/" + dp_if + "/disable_ipv6", "1");
  // Nor may it answer ARP for the box's own addresses (a tap port's): a reply from this end would
  // race the one through the switch, and the winner would take the host's traffic past the switch.
  write_file("/proc/sys/net/ipv4/conf/" + dp_if + "/arp_ignore", "8");
  must("ip -n " + ns + " link set " + h.host_if + " address " + mac_text);
  must("ip -n " + ns + " link set lo up");
  if (!ipv4.empty()) {
    must("ip -n " + ns + " addr add " + ipv4 + " dev " + h.host_if);
    h.ip = ipv4.substr(0, ipv4.find('/'));
  }
  must("ip -n " + ns + " link set " + h.host_if + " up");
  must("ip link set " + dp_if + " up");
  hosts_.push_back(h);
  return hosts_.back();
}

std::string Topology::devargs(const Host& host) { return "net_af_packet_" + host.dp_if + ",iface=" + host.dp_if; }

std::string Topology::missing_interface_name() { return "e" + std::to_string(::getpid() % 10000000) + "nope"; }

void Topology::cleanup() {
  for (auto it = cleanups_.rbegin(); it != cleanups_.rend(); ++it) (*it)();
  cleanups_.clear();
  for (const std::string& ns : namespaces_) {
    EXPECT_FALSE(std::filesystem::exists("/var/run/netns/" + ns)) << "namespace leaked: " << ns;
  }
  for (const std::string& ifname : interfaces_) {
    EXPECT_EQ(::if_nametoindex(ifname.c_str()), 0u) << "interface leaked: " << ifname;
  }
  namespaces_.clear();
  interfaces_.clear();
}

}  // namespace edgegw::dataplane::test
