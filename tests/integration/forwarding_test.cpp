// The daemon forwards between netns hosts through DPDK af_packet ports, counts exactly what was
// sent, reports a missing device down while the rest forwards, and serves live status over HTTP.
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/daemon.hpp"
#include "harness/netns.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

class Forwarding : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

TEST_F(Forwarding, IcmpAndTcpCrossTheBridgeAndCountersMatch) {
  {
    NetnsHost a("a", "10.201.0.1/24"), b("b", "10.201.0.2/24");
    a.add_static_neighbor(b);  // no ARP: the only frames are the ones this test sends
    b.add_static_neighbor(a);
    GatewayDaemon gw;
    gw.write_desired(bridge_config(2, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
    ASSERT_TRUE(gw.start()) << gw.log();
    ASSERT_EQ(gw.status()["config"]["version"], 2);

    json pa0 = gw.port("pa"), pb0 = gw.port("pb");
    ASSERT_EQ(pa0["state"], "up") << pa0.dump();
    ASSERT_EQ(pb0["state"], "up") << pb0.dump();

    constexpr int kPings = 50;
    std::string out = a.exec("ping -q -c " + std::to_string(kPings) + " -i 0.02 -W 2 " + b.ip());
    EXPECT_NE(out.find(std::to_string(kPings) + " received"), std::string::npos) << out;

    json pa = gw.port("pa"), pb = gw.port("pb");
    constexpr int kFrame = 98;  // Ethernet 14 + IPv4 20 + ICMP 8 + 56 bytes of data
    EXPECT_EQ(pa["rx_packets"].get<int>() - pa0["rx_packets"].get<int>(), kPings) << pa.dump();
    EXPECT_EQ(pa["rx_bytes"].get<int>() - pa0["rx_bytes"].get<int>(), kPings * kFrame);
    EXPECT_EQ(pb["tx_packets"].get<int>() - pb0["tx_packets"].get<int>(), kPings) << pb.dump();
    EXPECT_EQ(pb["rx_packets"].get<int>() - pb0["rx_packets"].get<int>(), kPings);
    EXPECT_EQ(pa["tx_packets"].get<int>() - pa0["tx_packets"].get<int>(), kPings);
    EXPECT_EQ(pa["drops_total"], 0);
    EXPECT_EQ(pb["drops_total"], 0);

    // TCP: 4 MiB of random data, checked end to end.
    std::string dir = gw.dir();
    sh("head -c 4194304 /dev/urandom > " + dir + "/send.bin");
    Process server;
    ASSERT_TRUE(server.start({"/usr/bin/ip", "netns", "exec", b.ns(), "/bin/sh", "-c",
                              "exec nc -l -p 5001 > " + dir + "/recv.bin"},
                             dir + "/nc.log"));
    usleep(300000);
    a.exec("nc -N -w 10 " + b.ip() + " 5001 < " + dir + "/send.bin");
    EXPECT_EQ(server.wait_exit(std::chrono::seconds(20)), 0);
    std::string sums = sh("sha256sum " + dir + "/send.bin " + dir + "/recv.bin | cut -d' ' -f1").out;
    ASSERT_EQ(sums.size(), 130u) << sums;
    EXPECT_EQ(sums.substr(0, 64), sums.substr(65, 64)) << "data corrupted or truncated";
    json pa2 = gw.port("pa");
    EXPECT_GT(pa2["rx_bytes"].get<int64_t>() - pa["rx_bytes"].get<int64_t>(), 4194304);

    // The status endpoint serves the same live counters.
    CommandResult http = gw.http_get("/api/v1/status");
    ASSERT_EQ(http.exit_code, 0) << http.out;
    EXPECT_NE(http.out.find("HTTP/1.1 200"), std::string::npos);
    json body = json::parse(http.out.substr(http.out.find("\r\n\r\n") + 4));
    EXPECT_EQ(body["node_id"], "it-node");
    EXPECT_EQ(body["version"], "0.1.0");
    EXPECT_GE(body["uptime_s"].get<int>(), 0);
    ASSERT_EQ(body["ports"].size(), 2u);
    EXPECT_GE(body["ports"][0]["rx_packets"].get<int64_t>(), kPings);

    EXPECT_EQ(gw.stop(), 0) << gw.log();
  }
}

TEST_F(Forwarding, MissingDeviceIsReportedDownAndTheOthersForward) {
  NetnsHost a("a", "10.202.0.1/24"), b("b", "10.202.0.2/24");
  GatewayDaemon gw;
  gw.write_desired(bridge_config(2, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()},
                                     {"ghost", run_tag() + "nodev"}}));
  ASSERT_TRUE(gw.start()) << gw.log();
  json ghost = gw.port("ghost");
  EXPECT_EQ(ghost["state"], "down");
  EXPECT_FALSE(ghost["reason"].get<std::string>().empty());
  EXPECT_EQ(gw.port("pa")["state"], "up");
  std::string out = a.exec("ping -q -c 5 -i 0.05 -W 2 " + b.ip());
  EXPECT_NE(out.find("5 received"), std::string::npos) << out;
  // The human table says why.
  CommandResult table = gw.edgegwctl({"port", "list"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("ghost"), std::string::npos);
  EXPECT_NE(table.out.find("down ("), std::string::npos) << table.out;
  EXPECT_EQ(gw.stop(), 0);
}

TEST_F(Forwarding, HttpRejectsWhatItDoesNotServe) {
  GatewayDaemon gw;
  ASSERT_TRUE(gw.start()) << gw.log();
  CommandResult missing = gw.http_get("/api/v1/nothing");
  EXPECT_NE(missing.out.find("HTTP/1.1 404"), std::string::npos) << missing.out;
  CommandResult post = run({"curl", "-sS", "-i", "-X", "POST", "--data", "x",
                            "http://127.0.0.1:" + std::to_string(gw.http_port()) + "/api/v1/status"});
  EXPECT_NE(post.out.find("HTTP/1.1 405"), std::string::npos) << post.out;
  CommandResult huge = run({"/bin/sh", "-c",
                            "head -c 200000 /dev/zero | curl -sS -i -X GET --data-binary @- http://127.0.0.1:" +
                                std::to_string(gw.http_port()) + "/api/v1/status"});
  EXPECT_NE(huge.out.find("HTTP/1.1 413"), std::string::npos) << huge.out;
  // Every refusal is counted.
  CommandResult status = gw.http_get("/api/v1/status");
  json counters = json::parse(status.out.substr(status.out.find("\r\n\r\n") + 4))["counters"];
  EXPECT_EQ(counters["http.not_found"], 1);
  EXPECT_EQ(counters["http.bad_request"], 2) << counters.dump();
  CommandResult page = gw.http_get("/");
  EXPECT_NE(page.out.find("text/html"), std::string::npos);
  EXPECT_NE(page.out.find("/api/v1/status"), std::string::npos);
  EXPECT_EQ(gw.stop(), 0);
}

}  // namespace
}  // namespace edgegw::test
