// Routing with real kernel stacks: hosts in network namespaces on three routed networks (af_packet
// ports), each with its default route via its network's gateway on the switch. Proves that the
// gateways answer ARP and ping, that hosts reach each other and a static route's destination with
// the TTL decremented once, and that the kernel receives and understands the switch's ICMP errors
// (time exceeded, fragmentation needed with the MTU, net unreachable), and that malformed ARP and
// ICMP from a host (scapy) are counted and dropped without disturbing its traffic.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }

class RoutingTest : public DataplaneTest {
 protected:
  void SetUp() override {
    DataplaneTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a_ = &topo_.add_host("10.213.31.10/24");
    b_ = &topo_.add_host("10.213.32.10/24");
    c_ = &topo_.add_host("10.213.33.10/24");
    for (const auto& [host, gw] : {std::pair{a_, "10.213.31.1"}, {b_, "10.213.32.1"}, {c_, "10.213.33.1"}}) {
      ASSERT_EQ(sh("ip -n " + host->ns + " route add default via " + gw), 0);
    }
    // Behind C: a network only the static route reaches.
    ASSERT_EQ(sh("ip -n " + c_->ns + " addr add 172.31.0.1/32 dev lo"), 0);
  }

  static BridgeSpec routed(const std::string& name, const std::string& port, uint32_t gateway, uint8_t last) {
    BridgeSpec b = bridge(name, {port});
    b.router = RouterInterfaceSpec{gateway, 24, {0x02, 0xe9, 0, 0, 0x31, last}, false};
    return b;
  }

  void apply_site(bool with_routes) {
    SwitchSpec spec{{af_packet_port("pa", *a_), af_packet_port("pb", *b_, 1280), af_packet_port("pc", *c_)},
                    {routed("lan", "pa", ip4(10, 213, 31, 1), 1), routed("lab", "pb", ip4(10, 213, 32, 1), 2),
                     routed("wan", "pc", ip4(10, 213, 33, 1), 3)}};
    if (with_routes) spec.routes.push_back(RouteSpec{ip4(172, 31, 0, 0), 16, ip4(10, 213, 33, 10)});
    auto r = dp_->apply(spec);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    for (const PortSpec& p : spec.ports) ASSERT_TRUE(port_status(*dp_, p.name).up) << p.name;
  }

  static int sh(const std::string& command, std::string* out = nullptr) { return Topology::run(command, out); }
  int ping(const Host& from, const std::string& args, std::string* out) {
    return sh("ip netns exec " + from.ns + " ping -n " + args, out);
  }

  Topology topo_;
  const Host* a_ = nullptr;
  const Host* b_ = nullptr;
  const Host* c_ = nullptr;
};

TEST_F(RoutingTest, HostsPingTheirGatewaysAndEachOtherAcrossNetworks) {
  apply_site(true);
  const RouterCounters before = dp_->status().router;  // the data plane is shared by the tests
  std::string out;
  // Each host asks for its gateway (ARP answered by the switch) and pings it.
  for (const auto& [host, gw] : {std::pair{a_, "10.213.31.1"}, {b_, "10.213.32.1"}, {c_, "10.213.33.1"}}) {
    ASSERT_EQ(ping(*host, std::string("-c 2 -i 0.2 -W 2 ") + gw, &out), 0) << out;
  }
  // Across networks: every reply arrives (both gateways know both hosts now), TTL 64 - 1.
  ASSERT_EQ(ping(*a_, "-c 5 -i 0.1 -W 2 10.213.32.10", &out), 0) << out;
  EXPECT_NE(out.find("5 received"), std::string::npos) << out;
  EXPECT_NE(out.find("ttl=63"), std::string::npos) << out;
  // Through the static route to the address behind C.
  ASSERT_EQ(ping(*a_, "-c 3 -i 0.2 -W 2 172.31.0.1", &out), 0) << out;
  EXPECT_NE(out.find("3 received"), std::string::npos) << out;

  const DataplaneStatus s = dp_->status();
  EXPECT_GE(s.router.routed - before.routed, 2u * 5 + 2 * 3);
  EXPECT_GE(s.router.arp_replies - before.arp_replies, 3u);
  EXPECT_GE(s.router.icmp_echo_replies - before.icmp_echo_replies, 6u);
  const PortStatus pa = port_status(*dp_, "pa");
  EXPECT_EQ(pa.counters.drops[static_cast<unsigned>(DropReason::ttl_exceeded)], 0u);
}

TEST_F(RoutingTest, TheKernelReceivesTheSwitchsIcmpErrors) {
  apply_site(false);
  const uint64_t errors_before = dp_->status().router.icmp_errors;
  std::string out;
  ASSERT_EQ(ping(*a_, "-c 1 -W 2 10.213.31.1", &out), 0) << out;
  ASSERT_EQ(ping(*b_, "-c 1 -W 2 10.213.32.1", &out), 0) << out;

  // TTL 1: time exceeded from the gateway of A's network.
  EXPECT_NE(ping(*a_, "-c 1 -W 2 -t 1 10.213.32.10", &out), 0);
  EXPECT_NE(out.find("From 10.213.31.1"), std::string::npos) << out;
  EXPECT_NE(out.find("Time to live exceeded"), std::string::npos) << out;

  // Port pb has MTU 1280: a DF packet of 1328 bytes gets fragmentation needed, with the MTU.
  EXPECT_NE(ping(*a_, "-c 1 -W 2 -M do -s 1300 10.213.32.10", &out), 0);
  EXPECT_NE(out.find("mtu = 1280"), std::string::npos) << out;
  // Without DF the switch fragments it, and B's kernel puts it together again and answers (B's
  // interface gets the link's MTU, 1280, so its own reply leaves in fragments too).
  ASSERT_EQ(Topology::run("ip -n " + b_->ns + " link set " + b_->host_if + " mtu 1280"), 0);
  EXPECT_EQ(ping(*a_, "-c 1 -W 2 -M dont -s 1300 10.213.32.10", &out), 0) << out;
  EXPECT_NE(out.find("1308 bytes from 10.213.32.10"), std::string::npos) << out;
  EXPECT_GE(dp_->status().router.fragments, 2u);

  // No static route here: the address behind C is unreachable.
  EXPECT_NE(ping(*a_, "-c 1 -W 2 172.31.0.1", &out), 0);
  EXPECT_NE(out.find("Destination Net Unreachable"), std::string::npos) << out;

  const PortStatus pa = port_status(*dp_, "pa");
  auto drops = [&](DropReason r) { return pa.counters.drops[static_cast<unsigned>(r)]; };
  EXPECT_EQ(drops(DropReason::ttl_exceeded), 1u);
  EXPECT_EQ(drops(DropReason::frag_needed), 1u);
  EXPECT_EQ(drops(DropReason::no_route), 1u);
  EXPECT_EQ(dp_->status().router.icmp_errors - errors_before, 3u);
  EXPECT_EQ(port_status(*dp_, "pc").counters.tx_packets, 0u) << "nothing was routed to C's network";
}

// Sends malformed frames to the lan gateway (02:e9:00:00:31:01, 10.213.31.1) from its host while
// that host pings 10.213.32.10 (100 pings, 20 ms apart); prints the ping's output. Per round: 8 to
// be counted ip_malformed (a short ARP, ARP of hardware type 6, ARP of hardware length 8, an echo
// with a bad checksum, an echo cut short, IPv4 with IHL 4, a total length past the frame, a bad
// header checksum) and 1 not_routable (ARP operation 3).
constexpr int kMalformedRounds = 20;
constexpr const char* kMalformedScript = R"(
import subprocess, sys, time
from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw, conf, raw
iface, me, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
gw, src, gw_ip, far = '02:e9:00:00:31:01', '10.213.31.10', '10.213.31.1', '10.213.32.10'
to_gw = Ether(dst=gw, src=me)
request = raw(to_gw / ARP(op=1, hwsrc=me, psrc=src, pdst=gw_ip))
hw_type = bytearray(request); hw_type[15] = 6
hw_length = bytearray(raw(Ether(dst='ff:ff:ff:ff:ff:ff', src=me) / ARP(op=1, hwsrc=me, psrc=src, pdst=gw_ip)))
hw_length[18] = 8
echo = raw(to_gw / IP(src=src, dst=gw_ip) / ICMP(id=7, seq=1) / (b'x' * 16))
bad_echo = bytearray(echo); bad_echo[36] ^= 0x5a
udp = to_gw / IP(src=src, dst=far) / UDP(sport=9, dport=9) / (b'y' * 20)
bad_sum = bytearray(raw(udp)); bad_sum[24] ^= 0xff
frames = [request[:34], bytes(hw_type), bytes(hw_length), bytes(bad_echo), echo[:40],
          raw(to_gw / IP(src=src, dst=far, ihl=4) / UDP() / (b'y' * 20)),
          raw(to_gw / IP(src=src, dst=far, len=500) / UDP() / (b'y' * 20)), bytes(bad_sum),
          raw(to_gw / ARP(op=3, hwsrc=me, psrc=src, pdst=gw_ip))]
ping = subprocess.Popen(['ping', '-n', '-c', '100', '-i', '0.02', '-W', '2', far], stdout=subprocess.PIPE, text=True)
sock = conf.L2socket(iface=iface)
for _ in range(rounds):
    for f in frames:
        sock.send(Raw(f))
    time.sleep(0.05)
print(ping.communicate()[0], flush=True)
)";

TEST_F(RoutingTest, MalformedArpAndIcmpFromAHostAreCountedWhileItsPingGoesOn) {
  apply_site(false);
  std::string out;
  // Each host asks for its gateway, which learns it: nothing is lost to resolution later.
  ASSERT_EQ(ping(*a_, "-c 1 -W 2 10.213.31.1", &out), 0) << out;
  ASSERT_EQ(ping(*b_, "-c 1 -W 2 10.213.32.1", &out), 0) << out;
  const PortStatus before = port_status(*dp_, "pa");
  const uint64_t routed_before = dp_->status().router.routed;

  const std::string script = "/tmp/egw-malformed-" + std::to_string(::getpid()) + ".py";
  std::ofstream(script) << kMalformedScript;
  char mac[18];
  std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", a_->mac[0], a_->mac[1], a_->mac[2], a_->mac[3],
                a_->mac[4], a_->mac[5]);
  const int status = sh("ip netns exec " + a_->ns + " /usr/bin/python3 " + script + " " + a_->host_if + " " + mac + " " +
                            std::to_string(kMalformedRounds),
                        &out);
  std::remove(script.c_str());
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("100 received"), std::string::npos) << "no ping lost: " << out;

  const PortStatus after = port_status(*dp_, "pa");
  auto delta = [&](DropReason r) {
    return after.counters.drops[static_cast<unsigned>(r)] - before.counters.drops[static_cast<unsigned>(r)];
  };
  EXPECT_EQ(delta(DropReason::ip_malformed), 8u * kMalformedRounds);
  EXPECT_EQ(delta(DropReason::not_routable), 1u * kMalformedRounds);
  EXPECT_EQ(delta(DropReason::malformed) + delta(DropReason::no_route) + delta(DropReason::ttl_exceeded), 0u);
  EXPECT_GE(dp_->status().router.routed - routed_before, 200u) << "every request and reply routed";
}

}  // namespace
}  // namespace edgegw::dataplane::test
