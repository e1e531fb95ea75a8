// Security groups with real kernel stacks: a client and a server on two routed networks (af_packet
// ports), the server's port in a group that allows TCP 8080 from the client's subnet only. The
// client reaches 8080 and not 8081 (a listening port: the SYN never arrives), its ping is dropped,
// but the server's own ping of the client comes back (stateful). And a continuous ping keeps
// flowing without a loss while the rules are changed 20 times.
#include <gtest/gtest.h>

#include <thread>

#include "shared_dataplane.hpp"
#include "socket_scripts.hpp"

namespace edgegw::dataplane::test {
namespace {

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }

SecurityRuleSpec allow_in(uint8_t protocol, uint32_t remote, uint8_t length, uint16_t port = 0) {
  SecurityRuleSpec r;
  r.direction = SecurityDirection::ingress;
  r.protocol = protocol;
  r.remote = remote;
  r.remote_length = length;
  if (protocol == 1) r.icmp_type = static_cast<int16_t>(port);
  if (protocol == 6 || protocol == 17) r.port_first = r.port_last = port;
  return r;
}

class AclTest : public DataplaneTest {
 protected:
  void SetUp() override {
    DataplaneTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    client_ = &topo_.add_host("10.213.51.10/24");
    server_ = &topo_.add_host("10.213.52.10/24");
    ASSERT_EQ(sh("ip -n " + client_->ns + " route add default via 10.213.51.1"), 0);
    ASSERT_EQ(sh("ip -n " + server_->ns + " route add default via 10.213.52.1"), 0);
    for (const Host* h : {client_, server_}) {
      // TCP through af_packet needs checksums computed by the sender (no offload to a real NIC).
      ASSERT_EQ(sh("ip netns exec " + h->ns + " ethtool -K " + h->host_if + " tx off >/dev/null"), 0);
    }
  }

  // "web" on the server's port: TCP 8080 from the client's subnet, and `more` rules after it.
  void apply_site(std::vector<SecurityRuleSpec> more = {}) {
    BridgeSpec clients = bridge("clients", {"pc"});
    clients.router = RouterInterfaceSpec{ip4(10, 213, 51, 1), 24, {0x02, 0xe9, 0, 0, 0x51, 1}};
    BridgeSpec servers = bridge("servers", {"ps"});
    servers.router = RouterInterfaceSpec{ip4(10, 213, 52, 1), 24, {0x02, 0xe9, 0, 0, 0x52, 1}};
    SecurityGroupSpec web{"web", {allow_in(6, ip4(10, 213, 51, 0), 24, 8080)}};
    web.rules.insert(web.rules.end(), more.begin(), more.end());
    PortSpec ps = af_packet_port("ps", *server_);
    ps.security_groups = {"web"};
    SwitchSpec spec{{af_packet_port("pc", *client_), ps}, {clients, servers}};
    spec.security_groups = {web};
    auto r = dp_->apply(spec);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }

  uint64_t acl_drops() {
    return port_status(*dp_, "ps").counters.drops[static_cast<unsigned>(DropReason::acl)];
  }

  static int sh(const std::string& command, std::string* out = nullptr) { return Topology::run(command, out); }

  Topology topo_;
  const Host* client_ = nullptr;
  const Host* server_ = nullptr;
};

TEST_F(AclTest, TheServersGroupLetsInOnlyWhatItAllowsAndItsOwnFlowsBack) {
  apply_site();
  std::string out;
  // Both hosts reach their gateways (ARP and ping of the gateway are not filtered).
  ASSERT_EQ(sh("ip netns exec " + client_->ns + " ping -n -c 1 -W 2 10.213.51.1", &out), 0) << out;
  ASSERT_EQ(sh("ip netns exec " + server_->ns + " ping -n -c 1 -W 2 10.213.52.1", &out), 0) << out;

  auto [seen, answer] = exchange(echo_server(*server_, "tcp", 8080), client(*client_, "tcp", "10.213.52.10", 8080));
  EXPECT_NE(seen.find("10.213.51.10"), std::string::npos) << "the server accepted the client: " << seen;
  EXPECT_NE(answer.find("10.213.51.10"), std::string::npos) << answer;

  const uint64_t before = acl_drops();
  auto [nothing, refused] = exchange(echo_server(*server_, "tcp", 8081), client(*client_, "tcp", "10.213.52.10", 8081));
  EXPECT_EQ(nothing.find("10.213.51.10"), std::string::npos) << "no connection reached the server: " << nothing;
  EXPECT_NE(refused.find("timed out"), std::string::npos) << refused;
  EXPECT_GE(acl_drops() - before, 1u) << "the SYNs were dropped as acl";

  const uint64_t before_ping = acl_drops();
  EXPECT_NE(sh("ip netns exec " + client_->ns + " ping -n -c 2 -i 0.2 -W 1 10.213.52.10", &out), 0) << out;
  EXPECT_EQ(acl_drops() - before_ping, 2u);

  // The server's own ping: allowed out (egress default), and its replies are the flow's return.
  ASSERT_EQ(sh("ip netns exec " + server_->ns + " ping -n -c 3 -i 0.2 -W 2 10.213.51.10", &out), 0) << out;
  EXPECT_NE(out.find("3 received"), std::string::npos) << out;
  EXPECT_EQ(acl_drops() - before_ping, 2u);

  const SecurityStatus s = dp_->security();
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_GE(s.groups[0].rules.at(0).packets, 1u) << "the SYN to 8080";
  ASSERT_EQ(s.policies.size(), 1u);
  EXPECT_EQ(s.policies[0].ports, std::vector<std::string>{"ps"});
  EXPECT_GE(s.policies[0].default_denied, 3u) << "SYNs to 8081 and the pings";
  EXPECT_GE(dp_->status().conntrack.entries, 2u);
}

TEST_F(AclTest, AContinuousFlowLosesNothingWhileTheRulesChangeTwentyTimes) {
  apply_site({allow_in(1, ip4(10, 213, 51, 0), 24, 8)});
  std::string out;
  ASSERT_EQ(sh("ip netns exec " + client_->ns + " ping -n -c 2 -i 0.2 -W 2 10.213.52.10", &out), 0) << out;
  const uint32_t generation = dp_->security().generation;

  const std::string file = "/tmp/egw-acl-ping-" + std::to_string(::getpid()) + ".out";
  ASSERT_EQ(sh("(ip netns exec " + client_->ns + " ping -n -q -c 300 -i 0.02 -W 2 10.213.52.10 > " + file +
               " 2>&1 &)"),
            0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (uint16_t i = 0; i < 20; ++i) {
    // Each time another rule set that still allows the ping: a new classifier is built and published.
    apply_site({allow_in(17, ip4(10, 213, 51, 0), 24, static_cast<uint16_t>(5000 + i)),
                allow_in(1, ip4(10, 213, 51, 0), 24, 8)});
    dp_->reclaim();
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  EXPECT_EQ(dp_->security().generation - generation, 20u);
  ASSERT_TRUE(wait_until([&] { return sh("grep -q 'packet loss' " + file) == 0; }, std::chrono::seconds(15)));
  sh("cat " + file + "; rm -f " + file, &out);
  EXPECT_NE(out.find("300 packets transmitted, 300 received"), std::string::npos) << out;
  EXPECT_EQ(acl_drops(), 0u);
}

}  // namespace
}  // namespace edgegw::dataplane::test
