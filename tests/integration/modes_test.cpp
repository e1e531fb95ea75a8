// The L2 network modes with real kernel stacks: bridge (guests share a segment with a physical
// port and the box), host-only (guests and the box), isolated (guests only). Reachability where
// the mode allows it, and isolation asserted where it does not: crafted frames that try to cross
// networks never arrive, and the box never hears an isolated network.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "harness/daemon.hpp"
#include "harness/netns.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

class Modes : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

uint64_t kernel_counter(const std::string& iface, const std::string& name) {
  std::ifstream in("/sys/class/net/" + iface + "/statistics/" + name);
  uint64_t v = 0;
  in >> v;
  return v;
}

bool reaches(const NetnsHost& from, const std::string& ip) {
  from.exec("ip neigh flush dev eth0");
  int rc = 0;
  std::string out = from.exec("ping -q -c 3 -i 0.1 -W 1 " + ip, &rc);
  return rc == 0 && out.find("3 received") != std::string::npos;
}

// Sends one crafted Ethernet frame from inside `from` with scapy (Debian's python3).
void send_frame(const NetnsHost& from, const std::string& dst_mac, const std::string& vlan = "") {
  std::string layer = vlan.empty() ? "" : "/Dot1Q(vlan=" + vlan + ")";
  from.exec("/usr/bin/python3 -c \"from scapy.all import Ether, Dot1Q, Raw, sendp; "
            "sendp(Ether(dst='" + dst_mac + "', type=0x88b5)" + layer +
            "/Raw(b'edgegw-crossing-attempt'), iface='eth0', verbose=False)\"");
}

int64_t tx_of(GatewayDaemon& gw, const std::string& port) { return gw.port(port)["tx_packets"].get<int64_t>(); }

TEST_F(Modes, ReachabilityAndIsolationInEveryMode) {
  NetnsHost uplink("up", "10.211.1.1/24"), g1("g1", "10.211.1.2/24");  // bridge "office"
  NetnsHost g2("g2", "10.211.2.2/24");                                // host-only "mgmt"
  NetnsHost g3("g3", "10.211.3.3/24"), g4("g4", "10.211.3.4/24");     // isolated "lab"
  const std::string hp1 = run_tag() + "hp1", hp2 = run_tag() + "hp2";
  json doc = {
      {"version", 2},
      {"ports",
       {{{"name", "uplink"}, {"kind", "af_packet"}, {"iface", uplink.gateway_iface()}},
        {{"name", "g1"}, {"kind", "af_packet"}, {"iface", g1.gateway_iface()}, {"role", "guest"}},
        {{"name", "hp1"}, {"kind", "host"}, {"iface", hp1}, {"address", "10.211.1.254/24"}},
        {{"name", "g2"}, {"kind", "af_packet"}, {"iface", g2.gateway_iface()}, {"role", "guest"}},
        {{"name", "hp2"}, {"kind", "host"}, {"iface", hp2}, {"address", "10.211.2.254/24"}},
        {{"name", "g3"}, {"kind", "af_packet"}, {"iface", g3.gateway_iface()}, {"role", "guest"}},
        {{"name", "g4"}, {"kind", "af_packet"}, {"iface", g4.gateway_iface()}, {"role", "guest"}}}},
      {"networks",
       {{{"name", "office"}, {"mode", "bridge"}, {"ports", {"uplink", "g1", "hp1"}}, {"subnet", "10.211.1.0/24"}},
        {{"name", "mgmt"}, {"mode", "host-only"}, {"ports", {"g2", "hp2"}}, {"subnet", "10.211.2.0/24"}},
        {{"name", "lab"}, {"mode", "isolated"}, {"ports", {"g3", "g4"}}, {"subnet", "10.211.3.0/24"}}}}};
  GatewayDaemon gw;
  gw.write_desired(doc.dump());
  ASSERT_TRUE(gw.start()) << gw.log();
  ASSERT_EQ(gw.status()["config"]["version"], 2) << gw.log();
  // The box's own interfaces exist now; keep their IPv6 chatter out of the counters below.
  sh("sysctl -qw net.ipv6.conf." + hp1 + ".disable_ipv6=1 net.ipv6.conf." + hp2 + ".disable_ipv6=1");

  // bridge: guest <-> physical host, and both reach the box.
  EXPECT_TRUE(reaches(g1, uplink.ip()));
  EXPECT_TRUE(reaches(g1, "10.211.1.254"));
  EXPECT_TRUE(reaches(uplink, "10.211.1.254"));
  // host-only: the guest reaches the box; there is no physical port to reach anything else.
  EXPECT_TRUE(reaches(g2, "10.211.2.254"));
  // isolated: guests reach each other and nothing else; the box is not there.
  EXPECT_TRUE(reaches(g3, g4.ip()));
  uint64_t hp1_rx = kernel_counter(hp1, "rx_packets"), hp2_rx = kernel_counter(hp2, "rx_packets");
  EXPECT_FALSE(reaches(g3, "10.211.3.254"));
  send_frame(g3, "ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(kernel_counter(hp1, "rx_packets"), hp1_rx) << "the box heard the isolated network";
  EXPECT_EQ(kernel_counter(hp2, "rx_packets"), hp2_rx) << "the box heard the isolated network";

  // Crafted frames that try to cross: a broadcast and a unicast to a MAC learned in another
  // network, sent from each network; nothing leaves on another network's ports.
  struct Attempt { const NetnsHost* from; std::vector<std::string> foreign_ports; std::string target_mac; };
  const Attempt attempts[] = {
      {&g3, {"uplink", "g1", "hp1", "g2", "hp2"}, g1.mac()},
      {&g1, {"g2", "hp2", "g3", "g4"}, g3.mac()},
      {&g2, {"uplink", "g1", "hp1", "g3", "g4"}, g4.mac()},
  };
  for (const Attempt& a : attempts) {
    std::map<std::string, int64_t> before;
    for (const auto& p : a.foreign_ports) before[p] = tx_of(gw, p);
    uint64_t foreign_kernel_rx = kernel_counter(hp1, "rx_packets") + kernel_counter(hp2, "rx_packets");
    send_frame(*a.from, "ff:ff:ff:ff:ff:ff");
    send_frame(*a.from, a.target_mac);
    send_frame(*a.from, a.target_mac, "10");  // tagged: no port is a trunk, so it is unknown_vlan
    usleep(300000);
    for (const auto& p : a.foreign_ports) {
      EXPECT_EQ(tx_of(gw, p), before[p]) << "a frame from " << a.from->ns() << " left on port " << p;
    }
    if (a.from == &g3) {
      EXPECT_EQ(kernel_counter(hp1, "rx_packets") + kernel_counter(hp2, "rx_packets"), foreign_kernel_rx);
    }
  }
  EXPECT_GE(gw.port("g3")["drops"]["unknown_vlan"].get<int>(), 1);

  // The network view shows each mode and its members.
  json lab = gw.ctl({{"cmd", "network.show"}, {"name", "lab"}});
  ASSERT_TRUE(lab.value("ok", false)) << lab.dump();
  EXPECT_EQ(lab["result"]["mode"], "isolated");
  EXPECT_EQ(gw.stop(), 0);
}

TEST_F(Modes, ModeRulesAreEnforcedAtApply) {
  GatewayDaemon gw;
  ASSERT_TRUE(gw.start()) << gw.log();
  json doc = {{"version", 5},
              {"ports",
               {{{"name", "p"}, {"kind", "af_packet"}, {"iface", run_tag() + "zz"}},
                {{"name", "g"}, {"kind", "af_packet"}, {"iface", run_tag() + "zy"}, {"role", "guest"}}}},
              {"networks", {{{"name", "lab"}, {"mode", "isolated"}, {"ports", {"g", "p"}}}}}};
  CommandResult r = gw.edgegwctl({"config", "apply", "-"}, doc.dump());
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.out.find("/networks/0/ports/1"), std::string::npos) << r.out;
  EXPECT_EQ(gw.status()["config"]["version"], 1);
  EXPECT_EQ(gw.stop(), 0);
}

}  // namespace
}  // namespace edgegw::test
