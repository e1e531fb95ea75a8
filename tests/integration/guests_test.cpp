// Guests end to end: real QEMU guests (the tiny test guest, TCG here) behind the running gateway.
// g1 and g2 sit on a NAT network and get their addresses from the gateway's DHCP server; g3 sits on
// an isolated network. g1 pings its gateway and fetches a file from a web server in the uplink's
// namespace; g3 can reach neither; g1 sends g2 a file through the switch; a killed QEMU is
// restarted by the restart policy with the same MAC and address; a gateway restart leaves the
// guests running, adopts them and traffic resumes; user stop/start; admission refuses a guest the
// board cannot hold, naming it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "harness/browser.hpp"
#include "harness/daemon.hpp"
#include "harness/netns.hpp"
#include "harness/test_guest.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kPayload = "edgegw-uplink-payload-7f3a";
// An HTTP GET with busybox nc (the static busybox's wget crashes resolving names without NSS).
constexpr const char* kFetch = "printf 'GET /data.txt HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.99.0.2 8000";

json guest_doc(const std::string& name, const std::string& port, const TestGuestImage& image, const json& mac = nullptr) {
  json nic = {{"port", port}};
  if (!mac.is_null()) nic["mac"] = mac;
  return {{"name", name},
          {"vcpus", 1},
          {"memory_mb", 128},
          {"kernel", {{"kernel", image.kernel}, {"initrd", image.initrd}, {"cmdline", "console=ttyS0 quiet"}}},
          {"nics", json::array({nic})},
          {"restart", "on-failure"}};
}

std::string site_config(uint64_t version, const std::string& uplink_iface, const json& guests) {
  json doc = {
      {"version", version},
      {"ports", json::array({{{"name", "uplink"}, {"kind", "af_packet"}, {"iface", uplink_iface}},
                             {{"name", "vm1"}, {"kind", "vhost"}},
                             {{"name", "vm2"}, {"kind", "vhost"}},
                             {{"name", "vm3"}, {"kind", "vhost"}}})},
      {"networks",
       json::array({{{"name", "wan"}, {"mode", "routed"}, {"ports", {"uplink"}}, {"subnet", "10.99.0.0/24"},
                     {"gateway", "10.99.0.1"}},
                    {{"name", "guests"}, {"mode", "nat"}, {"ports", {"vm1", "vm2"}}, {"subnet", "192.168.122.0/24"},
                     {"gateway", "192.168.122.1"}, {"nat", {{"uplink", "wan"}}}, {"dhcp", json::object()}},
                    {{"name", "lab"}, {"mode", "isolated"}, {"ports", {"vm3"}}}})},
      {"guests", guests}};
  return doc.dump(2);
}

class Guests : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    const TestGuestImage& image = test_guest_image();
    if (!image.error.empty()) return;
    uplink_ = std::make_unique<NetnsHost>("gup", "10.99.0.2/24");
    web_dir_ = daemon_holder().dir() + "/www";
    std::filesystem::create_directories(web_dir_);
    std::ofstream(web_dir_ + "/data.txt") << kPayload << "\n";
    web_ = std::make_unique<Process>();
    web_->start({"/usr/bin/ip", "netns", "exec", uplink_->ns(), "/usr/bin/busybox", "httpd", "-f", "-vv", "-p", "8000", "-h",
                 web_dir_},
                daemon_holder().dir() + "/httpd.log");
    guests_ = json::array({guest_doc("g1", "vm1", image), guest_doc("g2", "vm2", image, "52:54:00:00:00:22"),
                           guest_doc("g3", "vm3", image)});
    GatewayDaemon& d = daemon_holder();
    d.set_guest_options({{"accel", "auto"}, {"powerdown_timeout_s", 3}});
    d.write_desired(site_config(2, uplink_->gateway_iface(), guests_));
    started_ = d.start();
  }

  static void TearDownTestSuite() {
    if (web_) web_->stop(SIGTERM);
    web_.reset();
    if (daemon_) {
      daemon_->stop();
      daemon_->kill_guests();
    }
    daemon_.reset();
    uplink_.reset();
  }

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK, QEMU)";
    ASSERT_TRUE(test_guest_image().error.empty()) << test_guest_image().error;
    ASSERT_TRUE(started_) << daemon_holder().log();
  }

  static GatewayDaemon& daemon_holder() {
    if (!daemon_) daemon_ = std::make_unique<GatewayDaemon>();
    return *daemon_;
  }
  GatewayDaemon& d() { return daemon_holder(); }

  json guest(const std::string& name) {
    json r = d().ctl({{"cmd", "guest.show"}, {"name", name}});
    EXPECT_TRUE(r.value("ok", false)) << r.dump();
    return r.value("result", json::object());
  }

  // Waits until the guest is running with a QEMU pid other than `not_pid`.
  json wait_running(const std::string& name, int not_pid = 0, seconds limit = seconds(90)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    json g;
    while (std::chrono::steady_clock::now() < deadline) {
      g = guest(name);
      if (g.value("state", "") == "running" && g.value("pid", 0) != not_pid) return g;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << name << " not running: " << g.dump() << "\n" << d().log();
    return g;
  }

  static inline std::unique_ptr<GatewayDaemon> daemon_;
  static inline std::unique_ptr<NetnsHost> uplink_;
  static inline std::unique_ptr<Process> web_;
  static inline std::string web_dir_;
  static inline json guests_;
  static inline bool started_ = false;
  static inline std::string g1_ip_, g2_ip_;
};

TEST_F(Guests, NatGuestsGetAddressesByDhcpPingTheGatewayAndFetchFromTheUplink) {
  for (const char* name : {"g1", "g2", "g3"}) {
    json g = wait_running(name);
    EXPECT_EQ(g.value("accel", ""), "tcg") << "this machine's KVM hangs: the probe must pick TCG";
    EXPECT_GT(g.value("pid", 0), 0);
    // Pinned to the board's guest CPUs (generic-x86_64: its worker floats, so both CPUs).
    EXPECT_EQ(g["cpus"], json::array({0, 1})) << g.dump();
    std::ifstream proc_status("/proc/" + std::to_string(g.value("pid", 0)) + "/status");
    std::stringstream text;
    text << proc_status.rdbuf();
    EXPECT_NE(text.str().find("Cpus_allowed_list:\t0-1\n"), std::string::npos) << text.str();
  }
  json status = d().status();
  EXPECT_EQ(status["guests"].value("accel", ""), "tcg");
  EXPECT_NE(status["guests"].value("accel_reason", "").find("hung"), std::string::npos) << status["guests"].dump();
  auto b1 = wait_guest_boot(d(), "g1", 0, seconds(120));
  auto b2 = wait_guest_boot(d(), "g2", 0, seconds(120));
  ASSERT_TRUE(b1 && b2) << guest_console(d(), "g1") << "\n---\n" << guest_console(d(), "g2");
  EXPECT_EQ(b1->ip.rfind("192.168.122.", 0), 0u) << b1->ip;
  EXPECT_EQ(b2->ip.rfind("192.168.122.", 0), 0u) << b2->ip;
  EXPECT_EQ(b2->mac, "52:54:00:00:00:22");
  EXPECT_EQ(b1->mac, guest("g1")["nics"][0].value("mac", "")) << "the guest sees the MAC the gateway reports";
  g1_ip_ = b1->ip;
  g2_ip_ = b2->ip;
  // The leases are the gateway's own.
  json leases = d().ctl({{"cmd", "dhcp.leases"}, {"network", "guests"}});
  EXPECT_NE(leases.dump().find(b1->ip), std::string::npos) << leases.dump();

  ShellResult ping = guest_shell(d(), "g1", "ping -c 3 -W 2 192.168.122.1");
  EXPECT_EQ(ping.exit_code, 0) << ping.out;
  EXPECT_NE(ping.out.find("3 packets received"), std::string::npos) << ping.out;
  ShellResult fetch = guest_shell(d(), "g1", kFetch);
  EXPECT_EQ(fetch.exit_code, 0) << fetch.out;
  EXPECT_NE(fetch.out.find(kPayload), std::string::npos) << fetch.out;
  // Through NAT: the uplink host saw the gateway's address, and the gateway has the session.
  std::stringstream served;
  served << std::ifstream(d().dir() + "/httpd.log").rdbuf();
  EXPECT_NE(served.str().find("10.99.0.1"), std::string::npos) << "httpd log: " << served.str();
  json sessions = d().ctl({{"cmd", "nat.sessions"}, {"network", "guests"}});
  EXPECT_NE(sessions.dump().find(g1_ip_), std::string::npos) << sessions.dump();

  // The status page shows them, rendered by a real browser.
  const std::string dom = rendered_dom("http://127.0.0.1:" + std::to_string(d().http_port()) + "/", d().dir() + "/chromium");
  for (const char* name : {"g1", "g2", "g3"}) {
    EXPECT_NE(dom.find("data-guest=\"" + std::string(name) + "\""), std::string::npos) << dom;
  }
  EXPECT_NE(dom.find("vm1 up"), std::string::npos) << "g1's NIC port is linked: " << dom;
  EXPECT_NE(dom.find("(tcg)"), std::string::npos) << dom;

  // The CLI shows them.
  CommandResult list = d().edgegwctl({"guest", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.out;
  for (const char* name : {"g1", "g2", "g3"}) EXPECT_NE(list.out.find(name), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("running"), std::string::npos) << list.out;
}

TEST_F(Guests, IsolatedGuestReachesNeitherTheUplinkNorTheNatGuests) {
  ASSERT_FALSE(g1_ip_.empty()) << "needs the first test";
  auto b3 = wait_guest_boot(d(), "g3", 0, seconds(120));
  ASSERT_TRUE(b3) << guest_console(d(), "g3");
  EXPECT_EQ(b3->ip, "none") << "no DHCP server on an isolated network";
  ShellResult setup = guest_shell(d(), "g3", "ip addr add 192.168.122.77/24 dev eth0 && ip route add default via 192.168.122.1");
  EXPECT_EQ(setup.exit_code, 0) << setup.out;
  ShellResult ping_gw = guest_shell(d(), "g3", "ping -c 2 -W 1 192.168.122.1");
  EXPECT_NE(ping_gw.exit_code, 0) << ping_gw.out;
  ShellResult ping_g1 = guest_shell(d(), "g3", "ping -c 2 -W 1 " + g1_ip_);
  EXPECT_NE(ping_g1.exit_code, 0) << ping_g1.out;
  ShellResult fetch = guest_shell(d(), "g3", kFetch);
  EXPECT_NE(fetch.exit_code, 0) << fetch.out;
  EXPECT_EQ(fetch.out.find(kPayload), std::string::npos) << fetch.out;
}

TEST_F(Guests, GuestToGuestTransferThroughTheSwitch) {
  ASSERT_FALSE(g2_ip_.empty()) << "needs the first test";
  // g2 listens and counts what arrives; g1 sends 4 MiB. (A background job's stdin is /dev/null, and
  // nc ends a connection soon after its stdin ends: the listener's stdin stays open.)
  ShellResult listen =
      guest_shell(d(), "g2", "(sleep 300 | nc -l -p 5001 | wc -c > /tmp/received) >/dev/null 2>&1 & true");
  ASSERT_EQ(listen.exit_code, 0) << listen.out;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ShellResult send = guest_shell(d(), "g1", "dd if=/dev/zero bs=64k count=64 2>/dev/null | nc " + g2_ip_ + " 5001",
                                 seconds(120));
  EXPECT_EQ(send.exit_code, 0) << send.out;
  ShellResult got;
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  do {
    got = guest_shell(d(), "g2", "cat /tmp/received");
  } while (got.out.find("4194304") == std::string::npos && std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(got.out.find("4194304"), std::string::npos) << got.out;
}

TEST_F(Guests, KilledGuestIsRestartedWithTheSameMacAndAddress) {
  ASSERT_FALSE(g1_ip_.empty()) << "needs the first test";
  json before = guest("g1");
  const int pid = before.value("pid", 0);
  ASSERT_GT(pid, 0);
  const int boots = guest_boots(d(), "g1").count;
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  json after = wait_running("g1", pid);
  EXPECT_NE(after.value("pid", 0), pid);
  EXPECT_EQ(after.value("restarts", 0), before.value("restarts", 0) + 1) << after.dump();
  EXPECT_EQ(after.value("crashes", 0), before.value("crashes", 0) + 1) << after.dump();
  EXPECT_NE(after.value("last_exit", "").find("crashed: killed by signal 9"), std::string::npos) << after.dump();
  auto boot = wait_guest_boot(d(), "g1", boots, seconds(120));
  ASSERT_TRUE(boot) << guest_console(d(), "g1");
  EXPECT_EQ(boot->ip, g1_ip_) << "same MAC, same lease";
  EXPECT_EQ(boot->mac, before["nics"][0].value("mac", ""));
  ShellResult ping = guest_shell(d(), "g1", "ping -c 2 -W 2 192.168.122.1");
  EXPECT_EQ(ping.exit_code, 0) << ping.out;
}

TEST_F(Guests, GatewayRestartKeepsGuestsRunningAndTrafficResumes) {
  ASSERT_FALSE(g1_ip_.empty()) << "needs the first test";
  std::map<std::string, int> pids = d().guest_pids();
  ASSERT_EQ(pids.size(), 3u);
  const int64_t g2_started = guest("g2").value("started_at_ms", int64_t{0});
  ASSERT_EQ(d().stop(SIGTERM), 0) << d().log();
  for (const auto& [name, pid] : pids) EXPECT_TRUE(process_alive(pid)) << name << " died with the gateway";
  std::this_thread::sleep_for(seconds(2));  // the guests notice their NICs' backend is gone
  ASSERT_TRUE(d().start()) << d().log();
  for (const auto& [name, pid] : pids) {
    json g = wait_running(name);
    EXPECT_EQ(g.value("pid", 0), pid) << name << " was restarted instead of adopted";
    EXPECT_TRUE(g.value("adopted", false)) << g.dump();
  }
  EXPECT_EQ(d().status()["guests"]["counters"].value("adopted", 0), 3);
  EXPECT_NEAR(guest("g2").value("started_at_ms", int64_t{0}), g2_started, 2000) << "uptime counts from QEMU's start";
  // The guests' vhost-user NICs reconnected: traffic flows again (the guest's ARP entry may be stale).
  ShellResult ping;
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  do {
    ping = guest_shell(d(), "g1", "ping -c 2 -W 2 192.168.122.1");
  } while (ping.exit_code != 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(ping.exit_code, 0) << ping.out << d().log();
  ShellResult fetch = guest_shell(d(), "g2", kFetch);
  EXPECT_NE(fetch.out.find(kPayload), std::string::npos) << fetch.out;
}

TEST_F(Guests, UserStopHoldsTheGuestAndStartBringsItBack) {
  CommandResult stop = d().edgegwctl({"guest", "stop", "g3"});
  EXPECT_EQ(stop.exit_code, 0) << stop.out;
  json g = guest("g3");
  EXPECT_EQ(g.value("state", ""), "stopped");
  EXPECT_TRUE(g.value("held", false));
  EXPECT_EQ(g.value("last_exit", ""), "stopped");
  EXPECT_EQ(g.value("crashes", -1), 0) << "a stop is not a crash";
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(guest("g3").value("state", ""), "stopped") << "held: the restart policy leaves it alone";
  CommandResult start = d().edgegwctl({"guest", "start", "g3"});
  EXPECT_EQ(start.exit_code, 0) << start.out;
  EXPECT_EQ(guest("g3").value("state", ""), "running");
  CommandResult show = d().edgegwctl({"guest", "show", "g3"});
  EXPECT_NE(show.out.find("vm3"), std::string::npos) << show.out;
  CommandResult unknown = d().edgegwctl({"guest", "show", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.out.find("no guest named 'nope'"), std::string::npos) << unknown.out;
}

TEST_F(Guests, NicIsHotPluggedIntoARunningGuestAndUnpluggedAgain) {
  const int pid = guest("g2").value("pid", 0);
  ASSERT_GT(pid, 0);
  json guests = guests_;
  guests[1]["nics"].push_back({{"port", "vm4"}, {"hotplug", true}});
  auto with_vm4 = [&](uint64_t version, const json& g) {
    json doc = json::parse(site_config(version, uplink_->gateway_iface(), g));
    doc["ports"].push_back({{"name", "vm4"}, {"kind", "vhost"}});
    doc["networks"][1]["ports"].push_back("vm4");
    return doc.dump();
  };
  CommandResult plugged = d().edgegwctl({"config", "apply", "-"}, with_vm4(60, guests));
  ASSERT_EQ(plugged.exit_code, 0) << plugged.out;
  // The guest's kernel sees a second NIC appear (PCIe hot-plug), and it works: DHCP on it.
  ShellResult eth1;
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  do {
    eth1 = guest_shell(d(), "g2", "ls /sys/class/net");
  } while (eth1.out.find("eth1") == std::string::npos && std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(eth1.out.find("eth1"), std::string::npos) << eth1.out << d().log();
  ShellResult lease = guest_shell(d(), "g2", "ip link set eth1 up && udhcpc -i eth1 -n -q -t 5 -T 2 -s /bin/true", seconds(60));
  EXPECT_EQ(lease.exit_code, 0) << lease.out;
  EXPECT_EQ(guest("g2").value("pid", 0), pid) << "plugged in, not restarted";
  EXPECT_EQ(guest("g2")["nics"].size(), 2u);
  EXPECT_EQ(d().port("vm4").value("link_up", false), true);

  CommandResult unplugged = d().edgegwctl({"config", "apply", "-"}, with_vm4(61, guests_));
  ASSERT_EQ(unplugged.exit_code, 0) << unplugged.out;
  const auto gone_by = std::chrono::steady_clock::now() + seconds(60);
  do {
    eth1 = guest_shell(d(), "g2", "ls /sys/class/net");
  } while (eth1.out.find("eth1") != std::string::npos && std::chrono::steady_clock::now() < gone_by);
  EXPECT_EQ(eth1.out.find("eth1"), std::string::npos) << eth1.out << d().log();
  EXPECT_EQ(guest("g2").value("pid", 0), pid) << "unplugged, not restarted";
  // The guest lets go of the device before QEMU reports DEVICE_DELETED, which the gateway then logs.
  const auto logged_by = std::chrono::steady_clock::now() + seconds(15);
  while (d().log().find("msg=\"NIC unplugged\" guest=g2") == std::string::npos &&
         std::chrono::steady_clock::now() < logged_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(d().log().find("msg=\"NIC unplugged\" guest=g2"), std::string::npos) << d().log();
}

TEST_F(Guests, AdmissionRefusesAGuestTheBoardCannotHold) {
  json guests = guests_;
  guests.push_back(guest_doc("big", "vm3", test_guest_image()));
  guests.back()["memory_mb"] = 65536;
  guests[2].erase("nics");  // vm3 is big's now
  guests[2]["nics"] = json::array();
  const std::string doc = site_config(70, uplink_->gateway_iface(), guests);
  CommandResult r = d().edgegwctl({"config", "apply", "-"}, doc);
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.out.find("/guests/3/memory_mb"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'big'"), std::string::npos) << r.out;
  // Nothing changed: the three guests still run.
  EXPECT_EQ(d().ctl({{"cmd", "guest.list"}})["result"].size(), 3u);
}

}  // namespace
}  // namespace edgegw::test
