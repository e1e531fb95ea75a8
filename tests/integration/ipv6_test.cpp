// IPv6 on routed networks with real kernel hosts in network namespaces and the real daemon: the
// hosts configure themselves from the gateway's router advertisements (SLAAC address in the
// advertised /64, default route via the gateway's link-local address, the advertised MTU), reach
// the gateway and each other across networks over ICMPv6 and TCP, tshark decodes the
// advertisement's options as sent, and when the gateway stops it withdraws itself as default router
// (router lifetime 0) and comes back after a restart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness/daemon.hpp"
#include "harness/netns.hpp"
#include "harness/process.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

class Ipv6 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

// The host's IPv6 comes on (the harness makes hosts without it): it autoconfigures from router
// advertisements, and sends a router solicitation as soon as its link-local address is up.
void enable_slaac(const NetnsHost& h) {
  int rc = 0;
  h.exec("sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 "
         "net.ipv6.conf.eth0.accept_ra=1 net.ipv6.conf.eth0.autoconf=1 net.ipv6.conf.eth0.accept_dad=0 && "
         "sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0",
         &rc);
  ASSERT_EQ(rc, 0);
}

// Polls `command` in the host until its output contains `want` (bounded); returns the last output.
std::string wait_for(const NetnsHost& h, const std::string& command, const std::string& want,
                     std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string out;
  while (std::chrono::steady_clock::now() < deadline) {
    out = h.exec(command);
    if (out.find(want) != std::string::npos) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return out;
}

// The global address SLAAC made in `prefix` ("fd00:214:1:"), or "".
std::string slaac_address(const NetnsHost& h, const std::string& prefix) {
  const std::string out = wait_for(h, "ip -6 -o addr show dev eth0 scope global", prefix);
  const auto at = out.find(prefix);
  if (at == std::string::npos) return "";
  return out.substr(at, out.find('/', at) - at);
}

json site(const NetnsHost& h1, const NetnsHost& h2) {
  auto port = [](const char* name, const NetnsHost& h) {
    return json{{"name", name}, {"kind", "af_packet"}, {"iface", h.gateway_iface()}, {"role", "guest"}, {"mtu", 1400}};
  };
  auto network = [](const char* name, const char* member, const char* v4, const char* gw4, const char* v6,
                    const char* gw6, json ra) {
    return json{{"name", name},
                {"mode", "routed"},
                {"ports", {member}},
                {"subnet", v4},
                {"gateway", gw4},
                {"ipv6", {{"subnet", v6}, {"gateway", gw6}, {"router_advertisements", std::move(ra)}}}};
  };
  return {{"version", 2},
          {"ports", {port("p1", h1), port("p2", h2)}},
          {"networks",
           {network("lan", "p1", "10.214.1.0/24", "10.214.1.1", "fd00:214:1::/64", "fd00:214:1::1",
                    {{"interval_s", 30}, {"dns", {"fd00:214:1::53"}}}),
            network("lab", "p2", "10.214.2.0/24", "10.214.2.1", "fd00:214:2::/64", "fd00:214:2::1",
                    {{"interval_s", 30}})}}};
}

TEST_F(Ipv6, HostsAutoconfigureFromRouterAdvertisementsAndTalkAcrossNetworks) {
  NetnsHost h1("h1", ""), h2("h2", "");
  GatewayDaemon gw;
  gw.write_desired(site(h1, h2).dump());
  ASSERT_TRUE(gw.start()) << gw.log();
  ASSERT_EQ(gw.status()["config"]["version"], 2) << gw.log();

  // tshark on h1's link sees the advertisement that answers h1's solicitation and decodes it.
  const std::string capture = gw.dir() + "/ra.txt";
  Process tshark;
  ASSERT_TRUE(tshark.start({"/usr/bin/ip", "netns", "exec", h1.ns(), "/usr/bin/tshark", "-l", "-n", "-i", "eth0", "-a",
                            "duration:15", "-c", "1", "-f", "icmp6 and ip6[40] == 134", "-T", "fields", "-E", "separator=|",
                            "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.hlim", "-e", "icmpv6.nd.ra.router_lifetime",
                            "-e", "icmpv6.opt.prefix", "-e", "icmpv6.opt.prefix.flag.a", "-e", "icmpv6.opt.mtu", "-e",
                            "icmpv6.opt.rdnss", "-e", "icmpv6.opt.linkaddr"},
                           capture));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // tshark up before h1 solicits
  enable_slaac(h1);
  enable_slaac(h2);

  const std::string a1 = slaac_address(h1, "fd00:214:1:");
  const std::string a2 = slaac_address(h2, "fd00:214:2:");
  ASSERT_FALSE(a1.empty()) << h1.exec("ip -6 addr; ip -6 route") << gw.log();
  ASSERT_FALSE(a2.empty()) << h2.exec("ip -6 addr; ip -6 route") << gw.log();
  const json lan = gw.ctl({{"cmd", "network.show"}, {"name", "lan"}})["result"];
  const std::string link_local = lan["ipv6"]["link_local"].get<std::string>();
  const std::string routes = wait_for(h1, "ip -6 route show default", "proto ra");
  EXPECT_NE(routes.find("default via " + link_local + " dev eth0 proto ra"), std::string::npos) << routes;
  EXPECT_EQ(h1.exec("cat /proc/sys/net/ipv6/conf/eth0/mtu"), "1400\n") << "the advertised MTU";

  ASSERT_EQ(tshark.wait_exit(std::chrono::seconds(20)), 0);
  const std::string ra = h1.exec("cat " + capture);
  EXPECT_NE(ra.find(link_local + "|"), std::string::npos) << "from the link-local address: " << ra;
  EXPECT_NE(ra.find("|255|1800|fd00:214:1::|1|1400|fd00:214:1::53|"), std::string::npos) << ra;
  EXPECT_NE(ra.find(lan["router_mac"].get<std::string>()), std::string::npos) << "source link-layer option: " << ra;

  // The gateway, the other network's host (hop limit one less), and TCP across.
  int rc = 0;
  h1.exec("ping -6 -c 2 -i 0.2 -W 2 fd00:214:1::1", &rc);
  EXPECT_EQ(rc, 0);
  // (The switch resolves h2's new global address first: that first packet is dropped, no_neighbor.)
  h1.exec("ping -6 -c 1 -W 1 " + a2, &rc);
  const std::string ping = h1.exec("ping -6 -c 3 -i 0.2 -W 2 " + a2, &rc);
  EXPECT_EQ(rc, 0) << ping;
  EXPECT_NE(ping.find("3 received"), std::string::npos) << ping;
  EXPECT_NE(ping.find("ttl=63"), std::string::npos) << ping;
  Process server;
  ASSERT_TRUE(server.start({"/usr/bin/ip", "netns", "exec", h2.ns(), "/usr/bin/busybox", "nc", "-l", "-p", "8080",
                            "-e", "/bin/echo", "hello over ipv6"},
                           gw.dir() + "/nc.out"));
  std::string reply;
  for (int i = 0; i < 20 && reply.find("hello over ipv6") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    reply = h1.exec("busybox nc -w 2 " + a2 + " 8080 </dev/null");
  }
  EXPECT_NE(reply.find("hello over ipv6"), std::string::npos) << reply;

  const json advertised = gw.ctl({{"cmd", "network.show"}, {"name", "lan"}})["result"]["router_advertisements"];
  EXPECT_GE(advertised["rs_received"].get<uint64_t>(), 1u) << advertised.dump();
  EXPECT_GE(advertised["ra_sent_solicited"].get<uint64_t>(), 1u) << advertised.dump();
  EXPECT_EQ(advertised["rs_malformed"], 0) << advertised.dump();

  // Stopping: a last advertisement with lifetime 0 takes the default route away at once; after a
  // restart the hosts solicit (link bounce) and get it back.
  ASSERT_EQ(gw.stop(), 0) << gw.log();
  EXPECT_EQ(wait_for(h1, "ip -6 route show default | wc -l", "0", std::chrono::seconds(5)), "0\n")
      << h1.exec("ip -6 route");
  ASSERT_TRUE(gw.start()) << gw.log();
  h1.exec("ip link set eth0 down && ip link set eth0 up");
  EXPECT_NE(wait_for(h1, "ip -6 route show default", "proto ra").find(link_local), std::string::npos)
      << h1.exec("ip -6 route");
}

}  // namespace
}  // namespace edgegw::test
