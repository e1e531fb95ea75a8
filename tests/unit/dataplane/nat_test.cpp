// NAT with real kernel stacks: a host behind a NAT network reaches a server on the uplink network
// over ICMP, UDP and TCP, and the server sees the uplink gateway's address; a port forward reaches a
// server behind the NAT; the inside address itself is not reachable from outside.
#include <gtest/gtest.h>

#include "shared_dataplane.hpp"
#include "socket_scripts.hpp"

namespace edgegw::dataplane::test {
namespace {

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }

class NatTest : public DataplaneTest {
 protected:
  void SetUp() override {
    DataplaneTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    inside_ = &topo_.add_host("192.168.61.10/24");
    server_ = &topo_.add_host("10.213.41.10/24");
    ASSERT_EQ(sh("ip -n " + inside_->ns + " route add default via 192.168.61.1"), 0);
    // The server routes everything via the switch, which lets nothing in to the inside address.
    ASSERT_EQ(sh("ip -n " + server_->ns + " route add default via 10.213.41.1"), 0);
    for (const Host* h : {inside_, server_}) {
      // TCP through af_packet needs checksums computed by the sender (no offload to a real NIC).
      ASSERT_EQ(sh("ip netns exec " + h->ns + " ethtool -K " + h->host_if + " tx off >/dev/null"), 0);
    }
    apply_site(256);
    std::string out;
    ASSERT_EQ(sh("ip netns exec " + inside_->ns + " ping -n -c 1 -W 2 192.168.61.1", &out), 0) << out;
    ASSERT_EQ(sh("ip netns exec " + server_->ns + " ping -n -c 1 -W 2 10.213.41.1", &out), 0) << out;
  }

  void apply_site(uint32_t per_host) {
    BridgeSpec wan = bridge("wan", {"pw"});
    wan.router = RouterInterfaceSpec{ip4(10, 213, 41, 1), 24, {0x02, 0xe9, 0, 0, 0x41, 1}, false};
    BridgeSpec guests = bridge("guests", {"pg"});
    guests.router = RouterInterfaceSpec{ip4(192, 168, 61, 1), 24, {0x02, 0xe9, 0, 0, 0x61, 1}, false};
    guests.nat = NatSpec{"wan", 4096, per_host, {{6, 8080, ip4(192, 168, 61, 10), 80}}};
    auto r = dp_->apply(SwitchSpec{{af_packet_port("pg", *inside_), af_packet_port("pw", *server_)}, {wan, guests}});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }

  static int sh(const std::string& command, std::string* out = nullptr) { return Topology::run(command, out); }

  Topology topo_;
  const Host* inside_ = nullptr;
  const Host* server_ = nullptr;
};

TEST_F(NatTest, InsideHostReachesTheServerAsTheUplinkAddress) {
  std::string out;
  ASSERT_EQ(sh("ip netns exec " + inside_->ns + " ping -n -c 3 -i 0.2 -W 2 10.213.41.10", &out), 0) << out;
  EXPECT_NE(out.find("3 received"), std::string::npos) << out;

  auto [udp_server, udp_client] = exchange(echo_server(*server_, "udp", 9999), client(*inside_, "udp", "10.213.41.10", 9999));
  EXPECT_NE(udp_server.find("10.213.41.1"), std::string::npos) << "the server saw: " << udp_server;
  EXPECT_EQ(udp_server.find("192.168.61"), std::string::npos) << udp_server;
  EXPECT_NE(udp_client.find("10.213.41.1"), std::string::npos) << "the reply came back: " << udp_client;

  auto [tcp_server, tcp_client] = exchange(echo_server(*server_, "tcp", 9998), client(*inside_, "tcp", "10.213.41.10", 9998));
  EXPECT_NE(tcp_server.find("10.213.41.1"), std::string::npos) << tcp_server;
  EXPECT_NE(tcp_client.find("10.213.41.1"), std::string::npos) << tcp_client;

  const std::vector<NetworkStatus> nets = dp_->networks();
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_GE(nets[1].nat_sessions, 3u) << "ICMP, UDP and TCP sessions";

  // The listing names each flow: inside endpoint, remote endpoint, the uplink address it wears.
  bool udp_seen = false, tcp_seen = false, icmp_seen = false;
  for (const NatSessionStatus& s : dp_->nat_sessions("guests", 100)) {
    EXPECT_EQ(s.inside_ip, ip4(192, 168, 61, 10));
    EXPECT_EQ(s.remote_ip, ip4(10, 213, 41, 10));
    EXPECT_EQ(s.external_ip, ip4(10, 213, 41, 1));
    EXPECT_FALSE(s.forwarded);
    udp_seen = udp_seen || (s.protocol == "udp" && s.remote_port == 9999);
    tcp_seen = tcp_seen || (s.protocol == "tcp" && s.remote_port == 9998 && !s.tcp_state.empty());
    icmp_seen = icmp_seen || s.protocol == "icmp";
  }
  EXPECT_TRUE(udp_seen && tcp_seen && icmp_seen);
  EXPECT_EQ(dp_->nat_sessions("wan", 100).size(), dp_->nat_sessions("guests", 100).size()) << "the uplink lists them all";
  EXPECT_EQ(dp_->nat_sessions("guests", 1).size(), 1u);
  EXPECT_TRUE(dp_->nat_sessions("nonesuch", 100).empty());
}

TEST_F(NatTest, PortForwardReachesTheInsideServerAndTheInsideAddressIsNotReachable) {
  auto [server, client_out] = exchange(echo_server(*inside_, "tcp", 80), client(*server_, "tcp", "10.213.41.1", 8080));
  EXPECT_NE(server.find("10.213.41.10"), std::string::npos) << "the inside server sees the real client: " << server;
  EXPECT_NE(client_out.find("10.213.41.10"), std::string::npos) << client_out;

  // Straight to the inside address (the server's default route points at the switch): dropped.
  const PortStatus before = port_status(*dp_, "pw");
  std::string out;
  EXPECT_NE(sh("ip netns exec " + server_->ns + " ping -n -c 2 -i 0.2 -W 1 192.168.61.10", &out), 0) << out;
  const PortStatus after = port_status(*dp_, "pw");
  EXPECT_EQ(after.counters.drops[static_cast<unsigned>(DropReason::nat_no_session)] -
                before.counters.drops[static_cast<unsigned>(DropReason::nat_no_session)],
            2u);
  // Nothing to the external address without a session or a forward either.
  EXPECT_NE(sh(client(*server_, "udp", "10.213.41.1", 5353), &out), 0) << out;
}

TEST_F(NatTest, SessionsBeyondTheHostLimitAreRefusedAndCounted) {
  apply_site(2);  // a new limit: a new table
  // Three UDP flows (distinct destination ports) from one inside host: the third needs a third session.
  std::string out;
  ASSERT_EQ(sh("ip netns exec " + inside_->ns +
                   " /usr/bin/python3 -c \"import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);"
                   "[s.sendto(b'x',('10.213.41.10',p)) for p in (7001,7002,7003)]\"",
               &out),
            0)
      << out;
  ASSERT_TRUE(wait_until([&] { return dp_->networks().at(1).nat_host_limit == 1; })) << "host limit not counted";
  const std::vector<NetworkStatus> nets = dp_->networks();
  EXPECT_EQ(nets[1].nat_sessions, 2u);
  EXPECT_EQ(nets[1].nat_table_full, 0u);
  const PortStatus pg = port_status(*dp_, "pg");
  EXPECT_EQ(pg.counters.drops[static_cast<unsigned>(DropReason::nat_limit)], 1u);
}

}  // namespace
}  // namespace edgegw::dataplane::test
