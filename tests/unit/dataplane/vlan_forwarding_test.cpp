// VLANs through real af_packet ports. Crafted frames: a trunk host sends and receives 802.1Q frames
// (the tag read back from PACKET_AUXDATA, where the kernel puts it), access hosts see them untagged,
// and VLAN 10 never reaches VLAN 20. Kernel stacks: a trunk host's 802.1Q interfaces (VLAN 10 in its
// namespace, VLAN 20 moved into another namespace: a second host on the same trunk) ping access
// hosts across the tag boundary (skipped when the kernel has no 802.1Q support). Both check the FDB
// listing: learned and static entries with their ports and tags.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>

#include "raw_socket.hpp"
#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

std::string mac_string(const Mac& m) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return text;
}

uint64_t rx_packets(const std::string& ns, const std::string& dev) {
  std::string out;
  Topology::run("ip netns exec " + ns + " cat /sys/class/net/" + dev + "/statistics/rx_packets", &out);
  return std::stoull(out);
}

const FdbEntryStatus* find_entry(const std::vector<FdbEntryStatus>& fdb, const std::string& mac) {
  auto it = std::find_if(fdb.begin(), fdb.end(), [&](const FdbEntryStatus& e) { return e.mac == mac; });
  return it == fdb.end() ? nullptr : &*it;
}

// A frame the trunk host received: its test sequence number and the 802.1Q TCI it carried (-1: none).
struct TaggedFrame {
  uint32_t seq = 0;
  int tci = -1;
};

// An AF_PACKET socket for every protocol on the host's interface, with PACKET_AUXDATA: it sees a
// tagged frame before the kernel drops the tag (a kernel without 802.1Q support clears it before
// protocol-specific sockets see the frame). -1 on failure.
int open_tap_socket(const Host& host) {
  int fd = -1;
  std::thread t([&] {
    int nsfd = ::open(("/var/run/netns/" + host.ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) return;
    const int rc = ::setns(nsfd, CLONE_NEWNET);
    ::close(nsfd);
    if (rc != 0) return;
    int s = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = static_cast<int>(::if_nametoindex(host.host_if.c_str()));
    const int on = 1;
    if (addr.sll_ifindex == 0 || ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::setsockopt(s, SOL_PACKET, PACKET_AUXDATA, &on, sizeof on) != 0) {
      ::close(s);
      return;
    }
    fd = s;
  });
  t.join();
  return fd;
}

// Sends `frame` with an 802.1Q tag (TCI `tci`) inserted after the MAC addresses.
bool send_tagged(RawSocket& s, const TestFrame& frame, uint16_t tci) {
  std::vector<uint8_t> b = build_frame(frame);
  const uint8_t tag[4] = {0x81, 0x00, static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)};
  b.insert(b.begin() + 12, tag, tag + 4);
  return ::send(s.fd(), b.data(), b.size(), 0) == static_cast<ssize_t>(b.size());
}

// Frames of this run that arrive within `window`, with the tag the kernel moved to PACKET_AUXDATA.
std::vector<TaggedFrame> receive_tagged(int fd, std::chrono::milliseconds window) {
  std::vector<TaggedFrame> got;
  auto deadline = std::chrono::steady_clock::now() + window;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    uint8_t buf[2048];
    alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(tpacket_auxdata))];
    sockaddr_ll from{};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n < 26 || from.sll_pkttype == PACKET_OUTGOING) continue;
    std::vector<uint8_t> expect = build_frame(TestFrame{});  // magic + run tag at 14..21
    if (std::memcmp(buf + 14, expect.data() + 14, 8) != 0) continue;
    TaggedFrame f;
    f.seq = static_cast<uint32_t>(buf[22]) << 24 | buf[23] << 16 | buf[24] << 8 | buf[25];
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
      tpacket_auxdata aux{};
      std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
      if ((aux.tp_status & TP_STATUS_VLAN_VALID) != 0) f.tci = aux.tp_vlan_tci;
    }
    got.push_back(f);
  }
  return got;
}

class VlanForwardingTest : public DataplaneTest {
 protected:
  static void must(const std::string& cmd) {
    std::string out;
    ASSERT_EQ(Topology::run(cmd, &out), 0) << cmd << ": " << out;
  }
  Topology topo_;
};

TEST_F(VlanForwardingTest, CraftedFramesAreUntaggedOnAccessPortsTaggedOnTheTrunkAndStayInTheirVlan) {
  const Host& trunk = topo_.add_host();
  const Host& a = topo_.add_host();  // VLAN 10 access
  const Host& b = topo_.add_host();  // VLAN 20 access
  const std::array<uint8_t, 6> pinned = {0x02, 0xee, 0, 0, 0, 0x43};
  SwitchSpec spec;
  spec.ports = {af_packet_port("pt", trunk), af_packet_port("pa", a), af_packet_port("pb", b)};
  spec.bridges = {bridge("v10", {}), bridge("v20", {})};
  spec.bridges[0].members = {{"pt", 10}, {"pa"}};
  spec.bridges[0].static_macs = {{pinned, "pa"}};
  spec.bridges[1].members = {{"pt", 20}, {"pb"}};
  auto r = dp_->apply(spec);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  for (const char* p : {"pt", "pa", "pb"}) ASSERT_TRUE(port_status(*dp_, p).up) << p;
  RawSocket st(trunk), sa(a), sb(b);
  ASSERT_TRUE(st.ok() && sa.ok() && sb.ok());
  const int tap = open_tap_socket(trunk);
  ASSERT_GE(tap, 0);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } close_tap{tap};

  ASSERT_TRUE(send_tagged(st, {kBroadcast, trunk.mac, 1, 60}, 10));
  EXPECT_EQ(sa.receive(1), std::vector<uint32_t>{1}) << "VLAN 10 reaches the VLAN 10 access host";
  ASSERT_TRUE(send_tagged(st, {kBroadcast, trunk.mac, 2, 60}, 20));
  EXPECT_EQ(sb.receive(1), std::vector<uint32_t>{2});
  ASSERT_TRUE(send_tagged(st, {kBroadcast, trunk.mac, 3, 60}, 30));  // a VLAN the trunk does not carry
  ASSERT_TRUE(sa.send({kBroadcast, a.mac, 4, 60}));
  ASSERT_TRUE(sb.send({trunk.mac, b.mac, 5, 60}));  // known unicast in v20
  std::vector<TaggedFrame> at_trunk = receive_tagged(tap, std::chrono::milliseconds(400));
  ASSERT_EQ(at_trunk.size(), 2u);
  EXPECT_EQ(at_trunk[0].seq, 4u);
  EXPECT_EQ(at_trunk[0].tci, 10) << "VLAN 10 access frame tagged 10 on the trunk";
  EXPECT_EQ(at_trunk[1].seq, 5u);
  EXPECT_EQ(at_trunk[1].tci, 20);
  EXPECT_TRUE(sa.receive_for(std::chrono::milliseconds(200)).empty()) << "VLAN 20 and 30 stay away from VLAN 10";
  EXPECT_TRUE(sb.receive_for(std::chrono::milliseconds(1)).empty()) << "VLAN 10 and 30 stay away from VLAN 20";

  PortStatus pt = port_status(*dp_, "pt");
  EXPECT_EQ(pt.counters.rx_packets, 3u);
  EXPECT_EQ(pt.counters.rx_bytes, 3u * 64) << "as received: tags included";
  EXPECT_EQ(pt.counters.drops[static_cast<unsigned>(DropReason::unknown_vlan)], 1u);
  EXPECT_EQ(pt.counters.tx_packets, 2u);
  EXPECT_EQ(pt.counters.tx_bytes, 2u * 64) << "as sent: tags included";
  PortStatus pa = port_status(*dp_, "pa");
  EXPECT_EQ(pa.counters.tx_bytes, 60u) << "the access host got it untagged";
  EXPECT_EQ(pt.macs_learned, 2u) << "one MAC in each of its two networks";
  EXPECT_EQ(pt.networks, (std::vector<std::string>{"v10", "v20"}));

  std::vector<FdbEntryStatus> v10 = dp_->fdb("v10");
  ASSERT_EQ(v10.size(), 3u);
  const FdbEntryStatus* t_entry = find_entry(v10, mac_string(trunk.mac));
  ASSERT_NE(t_entry, nullptr);
  EXPECT_EQ(t_entry->port, "pt");
  EXPECT_EQ(t_entry->vlan, 10);
  EXPECT_FALSE(t_entry->is_static);
  EXPECT_LT(t_entry->age_s, 10u);
  const FdbEntryStatus* s_entry = find_entry(v10, mac_string(pinned));
  ASSERT_NE(s_entry, nullptr);
  EXPECT_TRUE(s_entry->is_static);
  EXPECT_EQ(s_entry->port, "pa");
  std::vector<FdbEntryStatus> v20 = dp_->fdb("v20");
  ASSERT_EQ(v20.size(), 2u);
  EXPECT_EQ(find_entry(v20, mac_string(a.mac)), nullptr) << "FDBs are per network";
  ASSERT_NE(find_entry(v20, mac_string(trunk.mac)), nullptr);
  EXPECT_EQ(find_entry(v20, mac_string(trunk.mac))->vlan, 20);
}

TEST_F(VlanForwardingTest, TrunkAndAccessHostsPingAcrossTheTagBoundaryAndVlansStayApart) {
  const Host& trunk = topo_.add_host();                // carries t10 (VLAN 10) and, for w, VLAN 20
  const Host& w = topo_.add_host();                    // namespace of the VLAN 20 host on the trunk
  const Host& a = topo_.add_host("10.213.7.2/24");     // access port of VLAN 10
  const Host& b = topo_.add_host("10.213.8.2/24");     // access port of VLAN 20
  std::string probe;
  if (Topology::run("ip -n " + trunk.ns + " link add link " + trunk.host_if + " name t10 type vlan id 10", &probe) != 0) {
    GTEST_SKIP() << "this kernel cannot create 802.1Q interfaces: " << probe;
  }
  // The VLAN interfaces live in the namespaces and go with them (Topology removes those).
  must("ip -n " + trunk.ns + " addr add 10.213.7.1/24 dev t10");
  must("ip -n " + trunk.ns + " link set t10 up");
  must("ip -n " + trunk.ns + " link add link " + trunk.host_if + " name t20 type vlan id 20");
  must("ip -n " + trunk.ns + " link set t20 netns " + w.ns);
  must("ip -n " + w.ns + " addr add 10.213.8.1/24 dev t20");
  must("ip -n " + w.ns + " link set t20 up");

  const std::array<uint8_t, 6> pinned = {0x02, 0xee, 0, 0, 0, 0x42};
  SwitchSpec spec;
  spec.ports = {af_packet_port("pt", trunk), af_packet_port("pa", a), af_packet_port("pb", b)};
  spec.bridges = {bridge("v10", {}), bridge("v20", {})};
  spec.bridges[0].members = {{"pt", 10}, {"pa"}};
  spec.bridges[0].static_macs = {{pinned, "pt"}};
  spec.bridges[1].members = {{"pt", 20}, {"pb"}};
  auto r = dp_->apply(spec);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  for (const char* p : {"pt", "pa", "pb"}) ASSERT_TRUE(port_status(*dp_, p).up) << p;
  EXPECT_EQ(port_status(*dp_, "pt").networks, (std::vector<std::string>{"v10", "v20"}));
  EXPECT_EQ(port_status(*dp_, "pt").network, "v10");

  const uint64_t w_rx0 = rx_packets(w.ns, "t20");
  const uint64_t b_rx0 = rx_packets(b.ns, b.host_if);
  std::string out;
  ASSERT_EQ(Topology::run("ip netns exec " + a.ns + " ping -c 3 -i 0.05 -W 2 -q 10.213.7.1", &out), 0) << out;
  EXPECT_NE(out.find("3 received"), std::string::npos) << out;
  EXPECT_EQ(rx_packets(w.ns, "t20"), w_rx0) << "the VLAN 20 host on the trunk saw VLAN 10 traffic";
  EXPECT_EQ(rx_packets(b.ns, b.host_if), b_rx0) << "the VLAN 20 access host saw VLAN 10 traffic";

  ASSERT_EQ(Topology::run("ip netns exec " + b.ns + " ping -c 3 -i 0.05 -W 2 -q 10.213.8.1", &out), 0) << out;
  EXPECT_NE(out.find("3 received"), std::string::npos) << out;

  std::vector<FdbEntryStatus> v10 = dp_->fdb("v10");
  const FdbEntryStatus* t_entry = find_entry(v10, mac_string(trunk.mac));
  ASSERT_NE(t_entry, nullptr) << "trunk host learned in v10";
  EXPECT_EQ(t_entry->port, "pt");
  EXPECT_EQ(t_entry->vlan, 10);
  EXPECT_FALSE(t_entry->is_static);
  EXPECT_LT(t_entry->age_s, 10u);
  const FdbEntryStatus* a_entry = find_entry(v10, mac_string(a.mac));
  ASSERT_NE(a_entry, nullptr);
  EXPECT_EQ(a_entry->port, "pa");
  EXPECT_EQ(a_entry->vlan, 0);
  const FdbEntryStatus* s_entry = find_entry(v10, mac_string(pinned));
  ASSERT_NE(s_entry, nullptr);
  EXPECT_TRUE(s_entry->is_static);
  EXPECT_EQ(s_entry->port, "pt");
  EXPECT_EQ(s_entry->age_s, 0u);
  std::vector<FdbEntryStatus> v20 = dp_->fdb("v20");
  EXPECT_EQ(find_entry(v20, mac_string(a.mac)), nullptr) << "FDBs are per network";
  const FdbEntryStatus* w_entry = find_entry(v20, mac_string(trunk.mac));  // a VLAN device has its parent's MAC
  ASSERT_NE(w_entry, nullptr);
  EXPECT_EQ(w_entry->vlan, 20);
  EXPECT_TRUE(dp_->fdb("nope").empty());

  EXPECT_EQ(port_status(*dp_, "pt").macs_learned, 2u) << "one MAC in each of its two networks";
  EXPECT_EQ(port_status(*dp_, "pa").macs_learned, 1u);
  PortStatus pt = port_status(*dp_, "pt");
  EXPECT_EQ(pt.counters.drops_total(), 0u);
}

}  // namespace
}  // namespace edgegw::dataplane::test
