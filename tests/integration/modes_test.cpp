// The L2 network modes with real kernel stacks: bridge (guests share a segment with a physical
// port and the box), host-only (guests and the box), isolated (guests only). Reachability where
// the mode allows it, and isolation asserted where it does not: crafted frames that try to cross
// networks never arrive, and the box never hears an isolated network.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
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

bool reaches(const NetnsHost& from, const std::string& ip) {
  from.exec("ip neigh flush dev eth0");
  int rc = 0;
  std::string out = from.exec("ping -q -c 3 -i 0.1 -W 1 " + ip, &rc);
  return rc == 0 && out.find("3 received") != std::string::npos;
}

// Sends one crafted Ethernet frame from inside `from` with scapy (Debian's python3).
void send_frame(const NetnsHost& from, const std::string& dst_mac, const std::string& vlan = "") {
  std::string frame = vlan.empty() ? "Ether(dst='" + dst_mac + "', type=0x88b5)"
                                   : "Ether(dst='" + dst_mac + "')/Dot1Q(vlan=" + vlan + ", type=0x88b5)";
  from.exec("/usr/bin/python3 -c \"from scapy.all import Ether, Dot1Q, Raw, sendp; "
            "sendp(" + frame + "/Raw(b'edgegw-crossing-attempt'), iface='eth0', verbose=False)\"");
}

// Counts crafted frames arriving on one interface (in a namespace, or the root one when ns is
// empty) for a few seconds, with scapy in its own process (stopped by PID).
class MarkerSniffer {
 public:
  MarkerSniffer(const std::string& ns, const std::string& iface, const std::string& dir)
      : where_(ns.empty() ? iface : ns + ":" + iface), log_(dir + "/sniff-" + where_ + ".log") {
    std::string script =
        "from scapy.all import sniff\n"
        "print('READY', flush=True)\n"
        "p = sniff(iface='" + iface + "', timeout=10, lfilter=lambda f: b'edgegw-crossing-attempt' in bytes(f))\n"
        "print('CAUGHT', len(p), flush=True)\n";
    std::vector<std::string> argv = {"/usr/bin/python3", "-c", script};
    if (!ns.empty()) argv.insert(argv.begin(), {"/usr/bin/ip", "netns", "exec", ns});
    std::remove(log_.c_str());
    proc_.start(argv, log_);
  }
  bool wait_ready() {
    for (int i = 0; i < 300; ++i) {
      if (read_log().find("READY") != std::string::npos) {
        usleep(300000);  // sniff() opens its socket right after the print
        return true;
      }
      usleep(50000);
    }
    return false;
  }
  int caught() {
    proc_.wait_exit(std::chrono::seconds(20));
    std::string text = read_log();
    size_t at = text.find("CAUGHT ");
    return at == std::string::npos ? -1 : std::stoi(text.substr(at + 7));
  }
  const std::string& where() const { return where_; }

 private:
  std::string read_log() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string where_, log_;
  Process proc_;
};

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
  EXPECT_FALSE(reaches(g3, "10.211.3.254"));  // the box has no interface in an isolated network

  // Crafted frames that try to cross: a broadcast, a unicast to a MAC learned in another network,
  // and a frame tagged with a VLAN no member uses, sent from each network. Sniffers on every port
  // of the other networks (and on the box's interfaces) must catch none of them; a sniffer in the
  // sender's own network must catch the untagged ones, which proves the sniffers work.
  struct Attempt {
    const NetnsHost* from;
    const NetnsHost* same_network;
    std::vector<const NetnsHost*> foreign_hosts;
    std::vector<std::string> foreign_box_ifaces;
    std::string target_mac;
  };
  const Attempt attempts[] = {
      {&g3, &g4, {&uplink, &g1, &g2}, {hp1, hp2}, g1.mac()},
      {&g1, &uplink, {&g2, &g3, &g4}, {hp2}, g3.mac()},
      {&g2, nullptr, {&uplink, &g1, &g3, &g4}, {hp1}, g4.mac()},
  };
  for (const Attempt& a : attempts) {
    SCOPED_TRACE("from " + a.from->ns());
    std::vector<std::unique_ptr<MarkerSniffer>> foreign;
    for (const NetnsHost* h : a.foreign_hosts) foreign.push_back(std::make_unique<MarkerSniffer>(h->ns(), "eth0", gw.dir()));
    for (const std::string& i : a.foreign_box_ifaces) foreign.push_back(std::make_unique<MarkerSniffer>("", i, gw.dir()));
    std::unique_ptr<MarkerSniffer> own;
    if (a.same_network) own = std::make_unique<MarkerSniffer>(a.same_network->ns(), "eth0", gw.dir());
    for (auto& s : foreign) ASSERT_TRUE(s->wait_ready());
    if (own) {
      ASSERT_TRUE(own->wait_ready());
    }
    int64_t unknown_vlan = gw.port(a.from == &g3 ? "g3" : a.from == &g1 ? "g1" : "g2")["drops"]["unknown_vlan"].get<int64_t>();
    send_frame(*a.from, "ff:ff:ff:ff:ff:ff");
    send_frame(*a.from, a.target_mac);
    send_frame(*a.from, a.target_mac, "10");  // no member is tagged: dropped as unknown_vlan
    for (auto& s : foreign) EXPECT_EQ(s->caught(), 0) << "a crafted frame crossed into " << s->where();
    if (own) {
      EXPECT_EQ(own->caught(), 2) << "the sender's own network should see its broadcast and unknown unicast";
    }
    EXPECT_EQ(gw.port(a.from == &g3 ? "g3" : a.from == &g1 ? "g1" : "g2")["drops"]["unknown_vlan"].get<int64_t>(),
              unknown_vlan + 1);
  }

  // The network view shows each mode and its members.
  json lab = gw.ctl({{"cmd", "network.show"}, {"name", "lab"}});
  ASSERT_TRUE(lab.value("ok", false)) << lab.dump();
  EXPECT_EQ(lab["result"]["mode"], "isolated");
  // The same view over HTTP.
  CommandResult http = gw.http_get("/api/v1/networks");
  ASSERT_NE(http.out.find("HTTP/1.1 200"), std::string::npos) << http.out;
  json networks = json::parse(http.out.substr(http.out.find("\r\n\r\n") + 4));
  ASSERT_EQ(networks.size(), 3u) << networks.dump();
  EXPECT_EQ(networks[1]["name"], "mgmt");
  EXPECT_EQ(networks[1]["mode"], "host-only");
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
