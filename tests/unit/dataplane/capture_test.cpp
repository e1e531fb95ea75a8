// Packet capture on real frames: two namespace hosts on a bridge, a capture session on one port,
// the pcapng file read back with tshark. Proves the file holds exactly what was asked (count,
// direction, interface name, filter, snaplen), that forwarding loses nothing meanwhile, that a full
// ring is counted instead of blocking, and that bad requests are refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "capture_pcapng.hpp"
#include "raw_socket.hpp"
#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

struct CapturedPacket {
  std::string interface;
  unsigned direction = 0;  // tshark's frame.packet_flags_direction: 1 inbound, 2 outbound
  std::string protocols;  // e.g. "eth:ethertype:ip:icmp:data"
  unsigned cap_len = 0;
  unsigned len = 0;
};

// Reads `path` with tshark; `ok` is false when tshark refuses the file.
std::vector<CapturedPacket> read_with_tshark(const std::string& path, bool* ok) {
  std::string out;
  const int rc = Topology::run("(tshark -r " + path +
                                   " -T fields -E separator=/t -e frame.interface_name -e frame.packet_flags_direction"
                                   " -e frame.protocols -e frame.cap_len -e frame.len 2>/dev/null)",
                               &out);
  *ok = rc == 0;
  std::vector<CapturedPacket> packets;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    CapturedPacket p;
    std::string direction, cap_len, len;
    std::getline(fields, p.interface, '\t');
    std::getline(fields, direction, '\t');
    std::getline(fields, p.protocols, '\t');
    std::getline(fields, cap_len, '\t');
    std::getline(fields, len, '\t');
    p.direction = static_cast<unsigned>(std::stoul(direction.empty() ? "0" : direction, nullptr, 16));
    p.cap_len = static_cast<unsigned>(std::stoul(cap_len.empty() ? "0" : cap_len));
    p.len = static_cast<unsigned>(std::stoul(len.empty() ? "0" : len));
    packets.push_back(p);
  }
  return packets;
}

bool is_icmp(const CapturedPacket& p) { return p.protocols.find(":icmp") != std::string::npos; }

class CaptureTest : public DataplaneTest {
 protected:
  void SetUp() override {
    DataplaneTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::filesystem::temp_directory_path() / ("egw-capture-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    a_ = &topo_.add_host("10.213.7.1/24");
    b_ = &topo_.add_host("10.213.7.2/24");
    auto r = dp_->apply({{af_packet_port("pa", *a_), af_packet_port("pb", *b_)}, {bridge("lan", {"pa", "pb"})}});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_TRUE(port_status(*dp_, "pa").up && port_status(*dp_, "pb").up);
  }

  void TearDown() override {
    // Whatever a failed test left running is ended before the ports go.
    for (uint32_t id : started_) {
      (void)dp_->capture_stop(id);
      wait_done(id);
    }
    DataplaneTest::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  uint32_t start(CaptureRequest request) {
    auto id = dp_->capture_start(request);
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    if (!id.ok()) return 0;
    started_.push_back(*id);
    return *id;
  }

  // Polls (as the daemon's timer does) until the session is done or 5 s pass.
  CaptureState wait_done(uint32_t id) {
    CaptureState state;
    wait_until(
        [&] {
          auto s = dp_->capture_poll(id);
          if (!s) return true;
          state = *s;
          return state.done;
        },
        std::chrono::seconds(5));
    return state;
  }

  // Pings B from A; returns true when every reply came back.
  bool ping(unsigned count) {
    std::string out;
    int rc = Topology::run("ip netns exec " + a_->ns + " ping -c " + std::to_string(count) + " -i 0.02 -W 2 -q " + b_->ip,
                           &out);
    return rc == 0 && out.find(std::to_string(count) + " received") != std::string::npos;
  }

  Topology topo_;
  const Host* a_ = nullptr;
  const Host* b_ = nullptr;
  std::filesystem::path dir_;
  std::vector<uint32_t> started_;
};

TEST_F(CaptureTest, CountOfNPacketsBothDirectionsReadsBackInTshark) {
  constexpr uint64_t kCount = 6;
  CaptureRequest req;
  req.port = "pa";
  req.path = path("both.pcapng");
  req.max_packets = kCount;
  const uint32_t id = start(req);
  ASSERT_NE(id, 0u);
  EXPECT_TRUE(ping(5)) << "forwarding continues while capturing";
  CaptureState state = wait_done(id);
  ASSERT_TRUE(state.done);
  EXPECT_EQ(state.written, kCount);
  EXPECT_EQ(state.dropped, 0u);
  EXPECT_EQ(state.end_reason, "count");

  struct stat st{};
  ASSERT_EQ(::stat(req.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  bool ok = false;
  std::vector<CapturedPacket> packets = read_with_tshark(req.path, &ok);
  ASSERT_TRUE(ok) << "tshark refused the file";
  ASSERT_EQ(packets.size(), kCount);
  std::map<unsigned, unsigned> directions;
  unsigned icmp = 0;
  for (const CapturedPacket& p : packets) {
    EXPECT_EQ(p.interface, "pa");
    ++directions[p.direction];
    icmp += is_icmp(p) ? 1 : 0;
  }
  // ARP request in, ARP reply out, then echo requests in (rx) and replies out (tx).
  EXPECT_GT(directions[1], 0u) << "received packets are marked inbound";
  EXPECT_GT(directions[2], 0u) << "transmitted packets are marked outbound";
  EXPECT_EQ(directions[1] + directions[2], kCount);
  EXPECT_GE(icmp, 2u) << "ICMP is decoded";
}

TEST_F(CaptureTest, FilterKeepsOnlyMatchingPacketsAndRxOnlySkipsTransmit) {
  RawSocket sa(*a_);
  ASSERT_TRUE(sa.ok());
  CaptureRequest req;
  req.port = "pa";
  req.path = path("icmp.pcapng");
  req.filter = "icmp";
  req.direction = CaptureDirection::rx;
  const uint32_t id = start(req);
  ASSERT_NE(id, 0u);
  // Frames the filter must exclude: our test EtherType, and the ARP exchange before the pings.
  for (uint32_t i = 0; i < 10; ++i) ASSERT_TRUE(sa.send({kBroadcast, a_->mac, i}));
  EXPECT_TRUE(ping(4));
  for (uint32_t i = 10; i < 20; ++i) ASSERT_TRUE(sa.send({kBroadcast, a_->mac, i}));
  ASSERT_TRUE(wait_until([&] { return port_status(*dp_, "pa").counters.rx_packets >= 24; }));
  (void)dp_->capture_poll(id);
  ASSERT_TRUE(dp_->capture_stop(id).ok());
  CaptureState state = wait_done(id);
  ASSERT_TRUE(state.done);
  EXPECT_EQ(state.end_reason, "stopped");

  bool ok = false;
  std::vector<CapturedPacket> packets = read_with_tshark(req.path, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(packets.size(), 4u) << "the 4 echo requests A sent; no replies (rx only), no ARP, no test frames";
  EXPECT_EQ(state.written, packets.size());
  for (const CapturedPacket& p : packets) {
    EXPECT_TRUE(is_icmp(p)) << p.protocols;
    EXPECT_EQ(p.direction, 1u);
  }
}

TEST_F(CaptureTest, SnaplenTruncatesButKeepsTheWireLength) {
  CaptureRequest req;
  req.port = "pb";
  req.path = path("snap.pcapng");
  req.snaplen = 40;
  req.filter = "icmp";
  req.max_packets = 4;
  const uint32_t id = start(req);
  ASSERT_NE(id, 0u);
  EXPECT_TRUE(ping(2));
  CaptureState state = wait_done(id);
  ASSERT_TRUE(state.done);
  bool ok = false;
  std::vector<CapturedPacket> packets = read_with_tshark(req.path, &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(packets.size(), 4u);
  for (const CapturedPacket& p : packets) {
    EXPECT_EQ(p.cap_len, 40u);
    EXPECT_EQ(p.len, 98u) << "ping's 84-byte IP packet in Ethernet";
  }
}

TEST_F(CaptureTest, AFullRingCountsDropsAndForwardingLosesNothing) {
  RawSocket sa(*a_), sb(*b_);
  ASSERT_TRUE(sa.ok() && sb.ok());
  CaptureRequest req;
  req.port = "pa";
  req.path = path("full.pcapng");
  req.direction = CaptureDirection::rx;
  req.ring_size = 16;  // holds 15: nothing drains it while the frames go through
  const uint32_t id = start(req);
  ASSERT_NE(id, 0u);
  constexpr uint32_t kFrames = 200;
  for (uint32_t i = 0; i < kFrames; ++i) ASSERT_TRUE(sa.send({kBroadcast, a_->mac, i, 100}));
  EXPECT_EQ(sb.receive(kFrames).size(), kFrames) << "forwarding must not lose what capture could not keep";
  ASSERT_TRUE(wait_until([&] { return port_status(*dp_, "pa").counters.rx_packets == kFrames; }));

  ASSERT_TRUE(dp_->capture_stop(id).ok());
  CaptureState state = wait_done(id);
  ASSERT_TRUE(state.done);
  EXPECT_EQ(state.written, 15u);
  EXPECT_EQ(state.written + state.dropped, kFrames);
  EXPECT_EQ(port_status(*dp_, "pa").counters.drops_total() + port_status(*dp_, "pb").counters.drops_total(), 0u);
  bool ok = false;
  EXPECT_EQ(read_with_tshark(req.path, &ok).size(), 15u);
  EXPECT_TRUE(ok);
}

TEST_F(CaptureTest, BadRequestsAreRefusedNamingTheField) {
  CaptureRequest req;
  req.port = "pa";
  req.path = path("bad.pcapng");
  req.filter = "icmp and and";
  auto r = dp_->capture_start(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_EQ(r.error().pointer, "/filter");
  EXPECT_NE(r.error().message.find("syntax error"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(req.path)) << "nothing is created for a refused request";

  req.filter.clear();
  req.port = "nope";
  r = dp_->capture_start(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_EQ(r.error().pointer, "/port");

  req.port = "pa";
  req.path = "relative.pcapng";
  r = dp_->capture_start(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().pointer, "/path");

  req.path = path("one.pcapng");
  const uint32_t id = start(req);
  ASSERT_NE(id, 0u);
  req.path = path("two.pcapng");
  r = dp_->capture_start(req);
  ASSERT_FALSE(r.ok()) << "one session per port";
  EXPECT_EQ(r.error().code, Errc::conflict);

  EXPECT_EQ(dp_->capture_poll(9999).error().code, Errc::not_found);
}

TEST_F(CaptureTest, StoppingEarlyAndDurationBothLeaveAValidFile) {
  CaptureRequest req;
  req.port = "pb";
  req.path = path("early.pcapng");
  req.duration_s = 1;
  const uint32_t id = start(req);
  ASSERT_NE(id, 0u);
  CaptureRequest other;
  other.port = "pa";
  other.path = path("stopped.pcapng");
  const uint32_t stopped = start(other);
  ASSERT_NE(stopped, 0u);

  EXPECT_TRUE(ping(3));
  ASSERT_TRUE(dp_->capture_stop(stopped).ok());
  CaptureState s1 = wait_done(stopped);
  ASSERT_TRUE(s1.done);
  EXPECT_EQ(s1.end_reason, "stopped");
  EXPECT_GE(s1.written, 6u) << "3 echo requests and 3 replies at least";
  bool ok = false;
  EXPECT_EQ(read_with_tshark(other.path, &ok).size(), s1.written);
  EXPECT_TRUE(ok);

  CaptureState s2 = wait_done(id);
  ASSERT_TRUE(s2.done);
  EXPECT_EQ(s2.end_reason, "duration");
  EXPECT_EQ(read_with_tshark(req.path, &ok).size(), s2.written);
  EXPECT_TRUE(ok);

  // A stopped, finished session is forgotten.
  EXPECT_TRUE(dp_->capture_stop(stopped).ok());
  EXPECT_EQ(dp_->capture_poll(stopped).error().code, Errc::not_found);
}

TEST(PcapngWriter, EmptyCaptureIsAValidFile) {
  const std::string file = (std::filesystem::temp_directory_path() / ("egw-empty-" + std::to_string(::getpid()) + ".pcapng")).string();
  PcapngWriter w;
  w.section("test");
  const uint32_t iface = w.interface("lan0", "", 128);
  const uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x88, 0xb5};
  w.packet(iface, 1'700'000'000'123'456'789ull, frame, 60, 60, 1);
  w.stats(iface, 1'700'000'001'000'000'000ull, 1'700'000'000'000'000'000ull, 1, 0);
  FILE* f = std::fopen(file.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(w.flush(::fileno(f)).ok());
  std::fclose(f);
  std::string out;
  ASSERT_EQ(Topology::run("(tshark -r " + file + " -T fields -e frame.interface_name -e frame.time_epoch 2>/dev/null)", &out), 0);
  std::filesystem::remove(file);
  EXPECT_EQ(out, "lan0\t1700000000.123456789\n");
}

}  // namespace
}  // namespace edgegw::dataplane::test
