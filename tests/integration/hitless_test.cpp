// Reconfiguration under traffic: a continuous stream between two netns hosts loses nothing while
// 100 unrelated config changes are applied, and the stream's learned MACs survive every one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "harness/daemon.hpp"
#include "harness/netns.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

class Hitless : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

std::string static_mac(uint64_t v) {
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:00:00:00:01:%02x", static_cast<unsigned>(v & 0xff));
  return mac;
}

// Version `v` of a site whose "stream" network never changes while everything around it does:
// the "other" network comes and goes, changes its members, FDB limits and static MACs.
std::string site(uint64_t v, const NetnsHost& a, const NetnsHost& b, const NetnsHost& c, const NetnsHost& d) {
  json ports = json::array({{{"name", "pa"}, {"kind", "af_packet"}, {"iface", a.gateway_iface()}},
                            {{"name", "pb"}, {"kind", "af_packet"}, {"iface", b.gateway_iface()}}});
  json networks = json::array({{{"name", "stream"}, {"mode", "bridge"}, {"ports", {"pa", "pb"}}}});
  switch (v % 4) {
    case 0:
      break;  // no "other" network, no ports c, d
    case 1:
      ports.push_back({{"name", "pc"}, {"kind", "af_packet"}, {"iface", c.gateway_iface()}});
      networks.push_back({{"name", "other"}, {"mode", "bridge"}, {"ports", {"pc"}}});
      break;
    case 2:
      ports.push_back({{"name", "pc"}, {"kind", "af_packet"}, {"iface", c.gateway_iface()}});
      ports.push_back({{"name", "pd"}, {"kind", "af_packet"}, {"iface", d.gateway_iface()}, {"mtu", 1400}});
      networks.push_back({{"name", "other"},
                          {"mode", "bridge"},
                          {"ports", {"pc", "pd"}},
                          {"fdb", {{"aging_s", 60 + v}, {"max_entries", 128}}},
                          {"static_macs", {{{"mac", static_mac(v)}, {"port", "pd"}}}}});
      break;
    case 3:
      ports.push_back({{"name", "pd"}, {"kind", "af_packet"}, {"iface", d.gateway_iface()}});
      networks.push_back({{"name", "other2"}, {"mode", "bridge"}, {"ports", {"pd"}}});
      break;
  }
  return json{{"version", v}, {"ports", ports}, {"networks", networks}}.dump();
}

TEST_F(Hitless, HundredUnrelatedChangesUnderAStreamLoseNothing) {
  NetnsHost a("a", "10.212.0.1/24"), b("b", "10.212.0.2/24"), c("c", "10.213.0.1/24"), d("d", "10.213.0.2/24");
  GatewayDaemon gw;
  gw.write_desired(site(4, a, b, c, d));
  ASSERT_TRUE(gw.start()) << gw.log();
  std::string warm = a.exec("ping -q -c 3 -i 0.1 -W 2 " + b.ip());
  ASSERT_NE(warm.find("3 received"), std::string::npos) << warm;

  // 4000 echoes at 2 ms: about 8 s of traffic, covering all 100 applies.
  constexpr int kEchoes = 4000;
  std::string ping_out;
  std::thread stream([&] { ping_out = a.exec("ping -q -c " + std::to_string(kEchoes) + " -i 0.002 -W 1 " + b.ip()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int applied = 0;
  for (uint64_t v = 5; v < 105; ++v) {
    json r = gw.ctl({{"cmd", "config.apply"}, {"document", site(v, a, b, c, d)}});
    if (r.value("ok", false)) {
      ++applied;
    } else {
      ADD_FAILURE() << "version " << v << ": " << r.dump();
    }
    // The stream's learned MACs are still there after every change.
    json fdb = gw.ctl({{"cmd", "network.show"}, {"name", "stream"}});
    EXPECT_EQ(fdb["result"]["fdb"].size(), 2u) << "after version " << v << ": " << fdb.dump();
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  stream.join();
  EXPECT_EQ(applied, 100);
  EXPECT_NE(ping_out.find(std::to_string(kEchoes) + " packets transmitted, " + std::to_string(kEchoes) + " received"),
            std::string::npos)
      << ping_out;
  json pa = gw.port("pa");
  EXPECT_EQ(pa["drops_total"], 0) << pa.dump();
  EXPECT_EQ(gw.status()["config"]["version"], 104);
  EXPECT_EQ(gw.stop(), 0);
}

}  // namespace
}  // namespace edgegw::test
