// NetnsHost: ip(8) commands with cleanup registered before creation.
#include "harness/netns.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/process.hpp"

namespace edgegw::test {

std::string run_tag() { return "t" + std::to_string(::getpid() % 100000); }

NetnsHost::NetnsHost(const std::string& name, const std::string& cidr)
    : ns_(run_tag() + name), root_if_(run_tag() + name), ip_(cidr.substr(0, cidr.find('/'))) {
  EXPECT_LE(root_if_.size(), 15u) << "interface name too long: " << root_if_;
  created_ = true;  // from here on the destructor removes whatever part exists
  sh("ip netns add " + ns_);
  sh("ip link add " + root_if_ + " type veth peer name eth0 netns " + ns_);
  sh("sysctl -qw net.ipv6.conf." + root_if_ + ".disable_ipv6=1");
  sh("ip link set " + root_if_ + " up");
  exec("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && sysctl -qw net.ipv6.conf.default.disable_ipv6=1 && "
       "sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1");
  exec((cidr.empty() ? std::string() : "ip addr add " + cidr + " dev eth0 && ") + "ip link set eth0 up && ip link set lo up");
  exec("ethtool -K eth0 tx off >/dev/null");
}

NetnsHost::~NetnsHost() {
  if (!created_) return;
  run({"ip", "link", "del", root_if_});
  run({"ip", "netns", "del", ns_});
}

std::string NetnsHost::mac() const {
  std::string out = exec("cat /sys/class/net/eth0/address");
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string NetnsHost::exec(const std::string& command, int* exit_code) const {
  CommandResult r = run({"ip", "netns", "exec", ns_, "/bin/sh", "-c", command}, std::chrono::seconds(120));
  if (exit_code) {
    *exit_code = r.exit_code;
  } else {
    EXPECT_EQ(r.exit_code, 0) << "in " << ns_ << ": " << command << "\n" << r.out;
  }
  return r.out;
}

void NetnsHost::add_static_neighbor(const NetnsHost& other) const {
  exec("ip neigh replace " + other.ip() + " lladdr " + other.mac() + " nud permanent dev eth0");
}

void expect_no_leftovers() {
  std::string tag = run_tag();
  CommandResult links = run({"ip", "-o", "link", "show"});
  CommandResult nss = run({"ip", "netns", "list"});
  for (const std::string& text : {links.out, nss.out}) {
    size_t pos = 0;
    while ((pos = text.find(tag, pos)) != std::string::npos) {
      // The tag must start a name (": tNNNN" in ip link, line start in netns list).
      if (pos == 0 || text[pos - 1] == ' ' || text[pos - 1] == '\n') {
        ADD_FAILURE() << "left behind: " << text.substr(pos, text.find_first_of(":@ \n", pos) - pos);
      }
      pos += tag.size();
    }
  }
}

}  // namespace edgegw::test
