// `edgegwctl capture` against a real daemon: the pcapng file it leaves is what tshark reads back
// (count, interface name, filter), Ctrl-C ends a capture cleanly with a valid file, and refused
// requests exit with the documented codes naming the field.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

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

// One line per packet: "<interface>\t<protocols>".
std::vector<std::string> tshark_lines(const std::string& path, int* exit_code) {
  CommandResult r = sh("tshark -r " + path + " -T fields -e frame.interface_name -e frame.protocols 2>/dev/null", false);
  *exit_code = r.exit_code;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class Capture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

TEST_F(Capture, EdgegwctlWritesAFileTsharkReadsAndCtrlCStopsCleanly) {
  NetnsHost a("a", "10.202.0.1/24"), b("b", "10.202.0.2/24");
  GatewayDaemon gw;
  gw.write_desired(bridge_config(2, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  ASSERT_TRUE(gw.start()) << gw.log();
  ASSERT_EQ(gw.port("pa")["state"], "up");
  const std::string dir = gw.dir();

  // A count: the command ends by itself once 10 ICMP packets (5 requests in, 5 replies out) are in.
  const std::string counted = dir + "/counted.pcapng";
  Process capture;
  ASSERT_TRUE(capture.start({EDGEGWCTL_BIN, "--socket", gw.socket_path(), "capture", "pa", "--count", "10",
                             "--filter", "icmp", "-w", counted},
                            dir + "/capture1.log"));
  usleep(300000);  // the session is running before the first ping
  std::string out = a.exec("ping -q -c 5 -i 0.05 -W 2 " + b.ip());
  EXPECT_NE(out.find("5 received"), std::string::npos) << "forwarding goes on while capturing: " << out;
  int status = capture.wait_exit(std::chrono::seconds(10));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << read_file(dir + "/capture1.log");
  EXPECT_NE(read_file(dir + "/capture1.log").find("captured 10 packets (0 dropped) to " + counted), std::string::npos)
      << read_file(dir + "/capture1.log");
  struct stat st {};
  ASSERT_EQ(::stat(counted.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the daemon creates the file 0600";
  int rc = -1;
  std::vector<std::string> lines = tshark_lines(counted, &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(lines.size(), 10u);
  for (const std::string& line : lines) {
    EXPECT_EQ(line.rfind("pa\t", 0), 0u) << line;
    EXPECT_NE(line.find(":icmp"), std::string::npos) << line;
  }

  // No count: runs until Ctrl-C, then the daemon completes the file and the command reports it.
  const std::string interrupted = dir + "/interrupted.pcapng";
  Process open_ended;
  ASSERT_TRUE(open_ended.start({EDGEGWCTL_BIN, "--socket", gw.socket_path(), "capture", "pb", "-w", interrupted},
                               dir + "/capture2.log"));
  usleep(300000);
  out = a.exec("ping -q -c 3 -i 0.05 -W 2 " + b.ip());
  EXPECT_NE(out.find("3 received"), std::string::npos) << out;
  status = open_ended.stop(SIGINT, std::chrono::seconds(10));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << read_file(dir + "/capture2.log");
  const std::string log2 = read_file(dir + "/capture2.log");
  size_t at = log2.find("captured ");
  ASSERT_NE(at, std::string::npos) << log2;
  const unsigned written = static_cast<unsigned>(std::stoul(log2.substr(at + 9)));
  EXPECT_GE(written, 6u) << "3 requests out and 3 replies in on pb";
  lines = tshark_lines(interrupted, &rc);
  EXPECT_EQ(rc, 0) << "the interrupted capture is a complete file";
  EXPECT_EQ(lines.size(), written);

  // Refusals: a bad filter and an unknown port fail (1) naming the field; bad usage is 2.
  CommandResult bad_filter = gw.edgegwctl({"capture", "pa", "--filter", "icmp and and", "-w", dir + "/x.pcapng"});
  EXPECT_EQ(bad_filter.exit_code, 1) << bad_filter.out;
  EXPECT_NE(bad_filter.out.find("/filter"), std::string::npos) << bad_filter.out;
  EXPECT_NE(bad_filter.out.find("syntax error"), std::string::npos) << bad_filter.out;
  CommandResult bad_port = gw.edgegwctl({"capture", "nope", "-w", dir + "/x.pcapng"});
  EXPECT_EQ(bad_port.exit_code, 1) << bad_port.out;
  EXPECT_NE(bad_port.out.find("/port"), std::string::npos) << bad_port.out;
  EXPECT_EQ(gw.edgegwctl({"capture", "pa"}).exit_code, 2) << "no -w FILE";
  EXPECT_EQ(gw.edgegwctl({"capture", "pa", "--count", "x", "-w", dir + "/x.pcapng"}).exit_code, 2);

  json pa = gw.port("pa");
  EXPECT_EQ(pa["drops_total"], 0) << pa.dump();
  EXPECT_EQ(gw.stop(), 0) << gw.log();
}

}  // namespace
}  // namespace edgegw::test
