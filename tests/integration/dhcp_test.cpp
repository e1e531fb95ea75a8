// The gateway's DHCP server with real kernel clients in network namespaces: busybox udhcpc and ISC
// dhclient get leases with the configured options, a static lease goes to its MAC, an address
// another host already uses is never offered (conflict detection), leases survive a restart of the
// gateway (the client renews the same address from the restarted server), and malformed DHCP
// frames are dropped and counted while clients keep being served.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/daemon.hpp"
#include "harness/netns.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A udhcpc/dhclient hook that logs what the client was told and configures eth0 with it.
std::string write_client_script(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name + ".sh";
  const std::string log = dir + "/" + name + ".log";
  std::ofstream(path) << "#!/bin/sh\n"
                         "# busybox udhcpc: $1 = event, $ip/$mask/$router/$dns/$domain/$mtu/$lease\n"
                         "# dhclient: $reason, $new_ip_address, ...\n"
                         "event=${1:-$reason}; addr=${ip:-$new_ip_address}\n"
                         "echo \"$event ip=$addr router=${router:-$new_routers} dns=${dns:-$new_domain_name_servers}"
                         " domain=${domain:-$new_domain_name} mtu=${mtu:-$new_interface_mtu}"
                         " lease=${lease:-$new_dhcp_lease_time}\" >> " + log + "\n"
                         "case \"$event\" in bound|renew|BOUND|RENEW|REBOOT)\n"
                         "  ip addr flush dev eth0; ip addr add $addr/24 dev eth0 ;;\n"
                         "esac\n"
                         "exit 0\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

// Waits (bounded) until `log` has a line starting with `event` and returns it, or "".
std::string wait_event(const std::string& log, const std::string& event, int after_lines = 0,
                       std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream lines(read_file(log));
    std::string line;
    for (int n = 0; std::getline(lines, line); ++n) {
      if (n >= after_lines && line.rfind(event + " ", 0) == 0) return line;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

int line_count(const std::string& path) {
  std::istringstream lines(read_file(path));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) ++n;
  return n;
}

class Dhcp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
    if (::access("/usr/bin/busybox", X_OK) != 0 || ::access("/usr/sbin/dhclient", X_OK) != 0) {
      GTEST_FAIL() << "busybox and dhclient are needed (scripts/deps installs them)";
    }
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

json lease_of(GatewayDaemon& gw, const std::string& ip) {
  json r = gw.ctl({{"cmd", "dhcp.leases"}, {"network", "lan"}});
  for (const json& l : r["result"]) {
    if (l["ip"] == ip) return l;
  }
  return nullptr;
}

TEST_F(Dhcp, ClientsGetLeasesThatSurviveAGatewayRestart) {
  NetnsHost c1("c1", ""), c2("c2", ""), c3("c3", ""), squatter("sq", "10.212.1.100/24");
  json doc = {
      {"version", 2},  // above the default config's
      {"ports",
       {{{"name", "c1"}, {"kind", "af_packet"}, {"iface", c1.gateway_iface()}, {"role", "guest"}},
        {{"name", "c2"}, {"kind", "af_packet"}, {"iface", c2.gateway_iface()}, {"role", "guest"}},
        {{"name", "c3"}, {"kind", "af_packet"}, {"iface", c3.gateway_iface()}, {"role", "guest"}},
        {{"name", "sq"}, {"kind", "af_packet"}, {"iface", squatter.gateway_iface()}, {"role", "guest"}}}},
      {"networks",
       {{{"name", "lan"},
         {"mode", "routed"},
         {"ports", {"c1", "c2", "c3", "sq"}},
         {"subnet", "10.212.1.0/24"},
         {"gateway", "10.212.1.1"},
         {"dhcp",
          {{"range", {{"first", "10.212.1.100"}, {"last", "10.212.1.150"}}},
           {"lease_time_s", 600},
           {"dns", {"10.212.1.53"}},
           {"domain", "site.test"},
           {"mtu", 1400},
           {"static_leases", {{{"mac", c2.mac()}, {"ip", "10.212.1.20"}}}}}}}}}};
  GatewayDaemon gw;
  gw.write_desired(doc.dump());
  ASSERT_TRUE(gw.start()) << gw.log();
  ASSERT_EQ(gw.status()["config"]["version"], 2) << gw.log();

  // A host that took .100 by hand talks to the gateway: the first address of the pool is in use.
  int rc = 0;
  for (int i = 0; i < 10; ++i) {  // the ports come up right after the daemon answers
    squatter.exec("ping -c 1 -W 1 10.212.1.1", &rc);
    if (rc == 0) break;
  }
  ASSERT_EQ(rc, 0) << "the gateway does not answer a host on its subnet\n" << gw.log();

  // udhcpc stays running (as a real client does), so it renews later by itself on SIGUSR1.
  const std::string c1_script = write_client_script(gw.dir(), "c1");
  const std::string c1_log = gw.dir() + "/c1.log";
  Process udhcpc;
  ASSERT_TRUE(udhcpc.start({"/usr/bin/ip", "netns", "exec", c1.ns(), "/usr/bin/busybox", "udhcpc", "-f", "-i", "eth0",
                            "-s", c1_script, "-t", "10", "-T", "1", "-x", "hostname:guest-one"},
                           gw.dir() + "/udhcpc-c1.out"));
  const std::string bound = wait_event(c1_log, "bound");
  ASSERT_FALSE(bound.empty()) << read_file(gw.dir() + "/udhcpc-c1.out") << gw.log();
  EXPECT_NE(bound.find(" ip=10.212.1.101 "), std::string::npos) << bound << " (.100 is in use by another host)";
  EXPECT_NE(bound.find(" router=10.212.1.1 "), std::string::npos) << bound;
  EXPECT_NE(bound.find(" dns=10.212.1.53 "), std::string::npos) << bound;
  EXPECT_NE(bound.find(" domain=site.test "), std::string::npos) << bound;
  EXPECT_NE(bound.find(" mtu=1400 "), std::string::npos) << bound;
  EXPECT_NE(bound.find(" lease=600"), std::string::npos) << bound;
  c1.exec("ping -c 2 -i 0.2 -W 1 10.212.1.1", &rc);
  EXPECT_EQ(rc, 0) << "the leased address does not reach the gateway";

  // The static lease, to an ISC dhclient this time.
  const std::string c2_script = write_client_script(gw.dir(), "c2");
  c2.exec("/usr/sbin/dhclient -1 -v -sf " + c2_script + " -lf " + gw.dir() + "/c2.leases -pf " + gw.dir() +
              "/c2.pid eth0 >" + gw.dir() + "/dhclient-c2.out 2>&1",
          &rc);
  EXPECT_EQ(rc, 0) << read_file(gw.dir() + "/dhclient-c2.out");
  EXPECT_NE(wait_event(gw.dir() + "/c2.log", "BOUND").find(" ip=10.212.1.20 "), std::string::npos)
      << read_file(gw.dir() + "/c2.log");
  c2.exec("kill $(cat " + gw.dir() + "/c2.pid) 2>/dev/null");

  json lan = gw.ctl({{"cmd", "network.show"}, {"name", "lan"}})["result"];
  EXPECT_EQ(lan["dhcp"]["leases_bound"], 2) << lan.dump(2);
  EXPECT_EQ(lan["dhcp"]["conflicts"], 1) << lan.dump(2);
  json c1_lease = lease_of(gw, "10.212.1.101");
  ASSERT_FALSE(c1_lease.is_null());
  EXPECT_EQ(c1_lease["mac"], c1.mac());
  EXPECT_EQ(c1_lease["state"], "bound");
  EXPECT_EQ(c1_lease["hostname"], "guest-one");
  EXPECT_EQ(lease_of(gw, "10.212.1.100")["state"], "declined");  // quarantined: in use by the squatter

  // Malformed DHCP: truncated BOOTP, a wrong magic cookie, a bad UDP checksum, a message without a
  // type. Each is dropped and counted; nothing answers them; clients are still served after.
  const uint64_t frames_before = lan["dhcp"]["dropped"]["malformed_frame"].get<uint64_t>();
  const json replies_before = {lan["dhcp"]["offers"], lan["dhcp"]["acks"], lan["dhcp"]["naks"]};
  squatter.exec(
      "/usr/bin/python3 -c \"from scapy.all import *; "
      "base = Ether(dst='ff:ff:ff:ff:ff:ff')/IP(src='0.0.0.0', dst='255.255.255.255')/UDP(sport=68, dport=67); "
      "good = BOOTP(chaddr=b'\\x02\\x00\\x00\\x00\\x00\\x09', xid=7)/DHCP(options=[('message-type','discover'),'end']); "
      "bad_sum = base/good; bad_sum[UDP].chksum = 0x1234; "
      "frames = [base/Raw(b'\\x01\\x01\\x06\\x00' + b'\\x00' * 20), "
      "base/BOOTP(chaddr=b'\\x02\\x00\\x00\\x00\\x00\\x09', options=b'\\x01\\x02\\x03\\x04\\x35\\x01\\x01\\xff'), "
      "bad_sum, base/BOOTP(chaddr=b'\\x02\\x00\\x00\\x00\\x00\\x09')/DHCP(options=['end'])]; "
      "sendp(frames, iface='eth0', verbose=False)\"",
      &rc);
  ASSERT_EQ(rc, 0);
  json dropped;
  auto all_counted = [&] {
    return dropped["malformed_frame"].get<uint64_t>() == frames_before + 1 && dropped["truncated"] == 1 &&
           dropped["bad_cookie"] == 1 && dropped["no_message_type"] == 1;
  };
  for (int i = 0; i < 50; ++i) {
    lan = gw.ctl({{"cmd", "network.show"}, {"name", "lan"}})["result"];
    dropped = lan["dhcp"]["dropped"];
    if (all_counted()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(all_counted()) << dropped.dump();
  EXPECT_EQ((json{lan["dhcp"]["offers"], lan["dhcp"]["acks"], lan["dhcp"]["naks"]}), replies_before)
      << "a malformed message was answered: " << lan.dump(2);

  // Gateway restart: the lease comes back from the store and the running client renews it.
  const int lines_before_restart = line_count(c1_log);
  ASSERT_EQ(gw.stop(), 0) << gw.log();
  ASSERT_TRUE(gw.start()) << gw.log();
  EXPECT_EQ(lease_of(gw, "10.212.1.101")["state"], "bound") << "the lease was not restored";
  ASSERT_EQ(::kill(udhcpc.pid(), SIGUSR1), 0);  // busybox udhcpc: renew now (unicast REQUEST to the server)
  const std::string renewed = wait_event(c1_log, "renew", lines_before_restart);
  EXPECT_NE(renewed.find(" ip=10.212.1.101 "), std::string::npos)
      << read_file(c1_log) << read_file(gw.dir() + "/udhcpc-c1.out") << gw.log();
  lan = gw.ctl({{"cmd", "network.show"}, {"name", "lan"}})["result"];
  EXPECT_EQ(lan["dhcp"]["acks"], 1) << lan.dump(2);
  EXPECT_EQ(lan["dhcp"]["naks"], 0) << lan.dump(2);

  // A new client after the restart gets an address nobody holds.
  const std::string c3_script = write_client_script(gw.dir(), "c3");
  c3.exec("/usr/bin/busybox udhcpc -q -n -f -i eth0 -s " + c3_script + " -t 10 -T 1 >/dev/null 2>&1", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(wait_event(gw.dir() + "/c3.log", "bound").find(" ip=10.212.1.102 "), std::string::npos)
      << read_file(gw.dir() + "/c3.log");
  udhcpc.stop(SIGTERM);
}

}  // namespace
}  // namespace edgegw::test
