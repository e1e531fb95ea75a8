// The status page as a person sees it: headless Chromium loads it from the running daemon, its
// script fetches /api/v1/status, and the rendered table shows the live ports and counters.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/browser.hpp"
#include "harness/daemon.hpp"
#include "harness/netns.hpp"

namespace edgegw::test {
namespace {

class StatusPage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
    if (!std::filesystem::exists("/usr/bin/chromium")) GTEST_FAIL() << "chromium is not installed (scripts/deps)";
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

TEST_F(StatusPage, ChromiumRendersLivePortsAndCounters) {
  NetnsHost a("a", "10.207.0.1/24"), b("b", "10.207.0.2/24");
  GatewayDaemon gw;
  gw.write_desired(bridge_config(2, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  ASSERT_TRUE(gw.start()) << gw.log();
  a.exec("ping -q -c 20 -i 0.02 -W 2 " + b.ip());
  int64_t rx = gw.port("pa")["rx_packets"].get<int64_t>();
  ASSERT_GE(rx, 20);

  std::string url = "http://127.0.0.1:" + std::to_string(gw.http_port()) + "/";
  std::string dom = rendered_dom(url, gw.dir() + "/chromium");
  EXPECT_NE(dom.find("<span id=\"node\">it-node</span>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("<span id=\"cfg\">v2 (file)</span>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("<b id=\"ports-up\">2 / 2</b>"), std::string::npos) << dom;
  // One row per port, filled in by the page's script from the live API.
  size_t row = dom.find("<tr data-port=\"pa\"><td>pa</td><td class=\"l\">lan</td>");
  ASSERT_NE(row, std::string::npos) << dom;
  EXPECT_NE(dom.find("<tr data-port=\"pb\">"), std::string::npos);
  EXPECT_NE(dom.find("<span id=\"err\"></span>"), std::string::npos) << "the page reports an error";

  // A picture for people reading the test output.
  rendered_dom(url, gw.dir() + "/chromium2", std::filesystem::temp_directory_path() / "edgegw-status-page.png");
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::temp_directory_path() / "edgegw-status-page.png"));
  EXPECT_EQ(gw.stop(), 0);
}

TEST_F(StatusPage, SaysSoWhenTheGatewayIsGone) {
  GatewayDaemon gw;
  ASSERT_TRUE(gw.start()) << gw.log();
  // Serve the page from a stopped gateway's address: the page itself must stay usable and say so.
  std::string page_file = gw.dir() + "/page.html";
  CommandResult page = gw.http_get("/");
  std::string html = page.out.substr(page.out.find("\r\n\r\n") + 4);
  EXPECT_EQ(gw.stop(), 0);
  {
    std::ofstream(page_file) << html;
  }
  std::string dom = rendered_dom("file://" + page_file, gw.dir() + "/chromium");
  EXPECT_NE(dom.find("<span id=\"err\">(gateway unreachable: "), std::string::npos) << dom;
}

}  // namespace
}  // namespace edgegw::test
