// NAT translation on raw IPv4 packets: exact bytes after SNAT/DNAT/hairpin/ICMP errors (every
// expected packet is built from scratch, so equal bytes prove the incremental checksum updates),
// and bounds checks on malformed and truncated input.
#include "edgegw/netproto/nat_translate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "nat_packets.hpp"

namespace edgegw::netproto::test {
namespace {

constexpr uint32_t kExt = ip4(198, 51, 100, 1);
constexpr uint32_t kHost = ip4(10, 0, 0, 2);
constexpr uint32_t kServer = ip4(10, 0, 0, 5);
constexpr uint32_t kRemote = ip4(203, 0, 113, 9);
constexpr uint32_t kRouter = ip4(192, 0, 2, 254);

NatConfig test_config() {
  NatConfig c;
  c.external_ip = kExt;
  c.max_sessions = 64;
  c.max_sessions_per_host = 16;
  c.port_min = 1024;  // seed 0: the first dynamic port is 1024, then 1025, ...
  return c;
}

class NatTranslate : public ::testing::Test {
 protected:
  NatTranslate() : table_(test_config()) {}

  NatResult out(Bytes& p, uint64_t now = 10) { return nat_outbound(table_, p.data(), p.size(), now); }
  NatResult in(Bytes& p, uint64_t now = 10) { return nat_inbound(table_, p.data(), p.size(), now); }
  void forward(NatProto proto, uint16_t ext_port, uint32_t ip, uint16_t port) {
    ASSERT_TRUE(table_.add_forward(NatForward{proto, ext_port, ip, port}).ok());
  }

  NatTable table_;
};

TEST_F(NatTranslate, TcpOutboundAndReplyExactBytes) {
  Bytes syn = tcp(kHost, 40000, kRemote, 80, kSyn, {'h', 'i'});
  NatResult r = out(syn);
  ASSERT_EQ(r.verdict, NatVerdict::translated);
  ASSERT_NE(r.session, nullptr);
  EXPECT_EQ(r.session->external_port, 1024);
  EXPECT_EQ(syn, tcp(kExt, 1024, kRemote, 80, kSyn, {'h', 'i'}));
  EXPECT_TRUE(ip_checksum_ok(syn));
  EXPECT_TRUE(l4_checksum_ok(syn));

  Bytes syn_ack = tcp(kRemote, 80, kExt, 1024, kSyn | kAck);
  r = in(syn_ack, 11);
  ASSERT_EQ(r.verdict, NatVerdict::translated);
  EXPECT_EQ(syn_ack, tcp(kRemote, 80, kHost, 40000, kSyn | kAck));
  EXPECT_TRUE(l4_checksum_ok(syn_ack));
  EXPECT_EQ(table_.tcp_state(*r.session), NatTcpState::established);
}

TEST_F(NatTranslate, UdpExactBytesAndZeroChecksumStaysZero) {
  Bytes p = udp(kHost, 5000, kRemote, 53, {1, 2, 3, 4, 5});
  ASSERT_EQ(out(p).verdict, NatVerdict::translated);
  EXPECT_EQ(p, udp(kExt, 1024, kRemote, 53, {1, 2, 3, 4, 5}));
  EXPECT_TRUE(l4_checksum_ok(p));

  Bytes bare = udp(kHost, 5001, kRemote, 53, {9}, false);
  ASSERT_EQ(out(bare).verdict, NatVerdict::translated);
  EXPECT_EQ(bare, udp(kExt, 1025, kRemote, 53, {9}, false));
  EXPECT_EQ(load_be16(&bare[26]), 0);

  Bytes reply = udp(kRemote, 53, kExt, 1024, {7, 7});
  ASSERT_EQ(in(reply).verdict, NatVerdict::translated);
  EXPECT_EQ(reply, udp(kRemote, 53, kHost, 5000, {7, 7}));
}

TEST_F(NatTranslate, IcmpEchoIdentifierRewritten) {
  Bytes req = icmp_echo(kHost, kRemote, 8, 0x4242);
  ASSERT_EQ(out(req).verdict, NatVerdict::translated);
  EXPECT_EQ(req, icmp_echo(kExt, kRemote, 8, 1024));
  EXPECT_TRUE(l4_checksum_ok(req));
  Bytes reply = icmp_echo(kRemote, kExt, 0, 1024);
  ASSERT_EQ(in(reply).verdict, NatVerdict::translated);
  EXPECT_EQ(reply, icmp_echo(kRemote, kHost, 0, 0x4242));
  // An unsolicited echo reply from inside creates nothing; a ping to the gateway is not NAT's.
  Bytes stray = icmp_echo(kHost, kRemote, 0, 0x9999);
  EXPECT_EQ(out(stray).verdict, NatVerdict::no_session);
  Bytes ping = icmp_echo(kRemote, kExt, 8, 5);
  EXPECT_EQ(in(ping).verdict, NatVerdict::not_translatable);
}

TEST_F(NatTranslate, InboundWithoutSessionIsNoSessionAndUntouched) {
  Bytes p = tcp(kRemote, 80, kExt, 2000, kSyn);
  const Bytes before = p;
  EXPECT_EQ(in(p).verdict, NatVerdict::no_session);
  EXPECT_EQ(p, before);
  Bytes elsewhere = tcp(kRemote, 80, ip4(198, 51, 100, 2), 2000, kSyn);
  EXPECT_EQ(in(elsewhere).verdict, NatVerdict::not_translatable);
}

TEST_F(NatTranslate, InboundIcmpErrorTranslatesEmbeddedUdpExactly) {
  const Bytes original = udp(kHost, 5000, kRemote, 53, {1, 2, 3, 4});
  Bytes sent = original;
  ASSERT_EQ(out(sent).verdict, NatVerdict::translated);
  // The remote's router says port unreachable about what it received (header + 8 bytes).
  Bytes err = icmp_error(kRouter, kExt, 3, 3, sent, 28);
  const NatResult r = in(err, 12);
  ASSERT_EQ(r.verdict, NatVerdict::translated);
  EXPECT_TRUE(r.icmp_error);
  EXPECT_EQ(err, icmp_error(kRouter, kHost, 3, 3, original, 28));
  EXPECT_TRUE(ip_checksum_ok(err));
  EXPECT_TRUE(l4_checksum_ok(err));
  // ICMP errors do not refresh the session.
  EXPECT_EQ(r.session->last_seen, 10u);
}

TEST_F(NatTranslate, InboundIcmpErrorTranslatesEmbeddedTcpAndEcho) {
  const Bytes original = tcp(kHost, 40000, kRemote, 443, kSyn, {1, 2, 3});
  Bytes sent = original;
  ASSERT_EQ(out(sent).verdict, NatVerdict::translated);
  Bytes err = icmp_error(kRouter, kExt, 11, 0, sent, sent.size());  // whole packet quoted
  ASSERT_EQ(in(err).verdict, NatVerdict::translated);
  EXPECT_EQ(err, icmp_error(kRouter, kHost, 11, 0, original, original.size()));
  EXPECT_TRUE(l4_checksum_ok(err));

  const Bytes ping = icmp_echo(kHost, kRemote, 8, 0x77);
  Bytes ping_sent = ping;
  ASSERT_EQ(out(ping_sent).verdict, NatVerdict::translated);
  Bytes err2 = icmp_error(kRouter, kExt, 3, 1, ping_sent, 28);
  ASSERT_EQ(in(err2).verdict, NatVerdict::translated);
  EXPECT_EQ(err2, icmp_error(kRouter, kHost, 3, 1, ping, 28));

  // An error about traffic without a session is dropped untouched.
  Bytes unknown = icmp_error(kRouter, kExt, 3, 3, udp(kExt, 3333, kRemote, 53), 28);
  const Bytes before = unknown;
  EXPECT_EQ(in(unknown).verdict, NatVerdict::no_session);
  EXPECT_EQ(unknown, before);
}

TEST_F(NatTranslate, PortForwardDnatAndReply) {
  forward(NatProto::tcp, 8080, kServer, 80);
  Bytes syn = tcp(kRemote, 50000, kExt, 8080, kSyn);
  NatResult r = in(syn);
  ASSERT_EQ(r.verdict, NatVerdict::translated);
  EXPECT_EQ(syn, tcp(kRemote, 50000, kServer, 80, kSyn));
  Bytes syn_ack = tcp(kServer, 80, kRemote, 50000, kSyn | kAck);
  r = out(syn_ack);
  ASSERT_EQ(r.verdict, NatVerdict::translated);
  EXPECT_EQ(syn_ack, tcp(kExt, 8080, kRemote, 50000, kSyn | kAck));
  EXPECT_EQ(table_.tcp_state(*r.session), NatTcpState::established);
}

TEST_F(NatTranslate, OutboundIcmpErrorAboutForwardedTraffic) {
  forward(NatProto::udp, 5353, kServer, 53);
  const Bytes original = udp(kRemote, 7777, kExt, 5353, {1, 2, 3, 4});
  Bytes delivered = original;
  ASSERT_EQ(in(delivered).verdict, NatVerdict::translated);
  Bytes err = icmp_error(kServer, kRemote, 3, 3, delivered, 28);
  const NatResult r = out(err);
  ASSERT_EQ(r.verdict, NatVerdict::translated);
  EXPECT_EQ(err, icmp_error(kExt, kRemote, 3, 3, original, 28));
  EXPECT_TRUE(l4_checksum_ok(err));
}

TEST_F(NatTranslate, HairpinThroughForward) {
  forward(NatProto::tcp, 8080, kServer, 80);
  Bytes syn = tcp(kHost, 40000, kExt, 8080, kSyn, {5});
  NatResult r = out(syn);
  ASSERT_EQ(r.verdict, NatVerdict::translated);
  ASSERT_NE(r.hairpin, nullptr);
  const uint16_t x = r.session->external_port;
  EXPECT_EQ(x, 1024);
  EXPECT_EQ(syn, tcp(kExt, x, kServer, 80, kSyn, {5}));
  // The server answers the external address; it goes back to the host from the forwarded port.
  Bytes syn_ack = tcp(kServer, 80, kExt, x, kSyn | kAck);
  r = out(syn_ack);
  ASSERT_EQ(r.verdict, NatVerdict::translated);
  EXPECT_EQ(syn_ack, tcp(kExt, 8080, kHost, 40000, kSyn | kAck));
  EXPECT_TRUE(l4_checksum_ok(syn_ack));
  std::string why;
  EXPECT_TRUE(table_.check_invariants(&why)) << why;
  // From outside, a packet spoofing the external address as its source cannot use those sessions.
  Bytes spoofed = tcp(kExt, 8080, kExt, x, kAck);
  EXPECT_EQ(in(spoofed).verdict, NatVerdict::no_session);
  // A hairpin to a port nobody holds creates nothing.
  Bytes nothing = tcp(kHost, 40001, kExt, 9999, kSyn);
  EXPECT_EQ(out(nothing).verdict, NatVerdict::no_session);
  EXPECT_EQ(table_.size(), 2u);
}

TEST_F(NatTranslate, FragmentsAndUnknownProtocols) {
  Bytes first = tcp(kHost, 40000, kRemote, 80, kAck, Bytes(24, 0xab));
  store_be16(&first[6], 0x2000);  // MF, offset 0
  first[10] = first[11] = 0;
  store_be16(&first[10], checksum(first.data(), 20));
  EXPECT_EQ(out(first).verdict, NatVerdict::translated);
  EXPECT_TRUE(ip_checksum_ok(first));
  Bytes later = ipv4(6, kHost, kRemote, Bytes(16, 0xcd), 0x0003);
  const Bytes before = later;
  EXPECT_EQ(out(later).verdict, NatVerdict::not_translatable);
  EXPECT_EQ(later, before);
  Bytes gre = ipv4(47, kHost, kRemote, Bytes(8, 0));
  EXPECT_EQ(out(gre).verdict, NatVerdict::not_translatable);
}

TEST_F(NatTranslate, MalformedHeaders) {
  const Bytes good = tcp(kHost, 40000, kRemote, 80, kSyn);
  auto verdict_of = [this](Bytes p) {
    const NatResult r = nat_outbound(table_, p.data(), p.size(), 1);
    return r.verdict == NatVerdict::malformed ? r.malformed : NatMalformed::none;
  };
  auto refix = [](Bytes p) {
    p[10] = p[11] = 0;
    const size_t ihl = (p[0] & 15u) * 4;
    store_be16(&p[10], checksum(p.data(), std::min(ihl, p.size())));
    return p;
  };
  Bytes v6 = good;
  v6[0] = 0x65;
  EXPECT_EQ(verdict_of(refix(v6)), NatMalformed::bad_version);
  Bytes ihl = good;
  ihl[0] = 0x44;
  EXPECT_EQ(verdict_of(ihl), NatMalformed::bad_ihl);
  Bytes big_ihl = good;
  big_ihl[0] = 0x4f;  // 60 bytes of header, but the packet is 40 long
  EXPECT_EQ(verdict_of(big_ihl), NatMalformed::truncated);
  Bytes short_total = good;
  store_be16(&short_total[2], 19);
  EXPECT_EQ(verdict_of(refix(short_total)), NatMalformed::bad_total_length);
  Bytes bad_ck = good;
  bad_ck[10] ^= 1;
  EXPECT_EQ(verdict_of(bad_ck), NatMalformed::bad_checksum);
  Bytes doff = good;
  doff[32] = 0x40;
  EXPECT_EQ(verdict_of(doff), NatMalformed::bad_l4_header);
  Bytes ulen = udp(kHost, 1, kRemote, 2, {1, 2});
  store_be16(&ulen[24], 30);
  EXPECT_EQ(verdict_of(ulen), NatMalformed::bad_l4_header);
  Bytes inner = icmp_error(kServer, kRemote, 3, 3, udp(kRemote, 1, kServer, 2), 28);
  inner[28] = 0x65;
  EXPECT_EQ(verdict_of(inner), NatMalformed::bad_inner);
  EXPECT_EQ(table_.size(), 0u);
}

// Every truncation of valid packets, each in a heap buffer of exactly that size (ASan catches any
// read or write past it): malformed, and not a byte changed.
TEST_F(NatTranslate, EveryTruncationIsMalformedAndUntouched) {
  forward(NatProto::udp, 5353, kServer, 53);
  Bytes sent = udp(kHost, 5000, kRemote, 53);
  ASSERT_EQ(out(sent).verdict, NatVerdict::translated);
  const std::vector<std::pair<Bytes, bool>> packets = {
      {tcp(kHost, 40000, kRemote, 80, kSyn, {1, 2, 3}), false},
      {udp(kHost, 5000, kRemote, 53), false},
      {icmp_echo(kHost, kRemote, 8, 9), false},
      {icmp_error(kRouter, kExt, 3, 3, sent, 28), true},
      {udp(kRemote, 7, kExt, 5353), true},
  };
  for (const auto& [packet, inbound] : packets) {
    for (size_t len = 0; len < packet.size(); ++len) {
      auto buf = std::make_unique<uint8_t[]>(len == 0 ? 1 : len);
      std::copy(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(len), buf.get());
      const NatResult r = inbound ? nat_inbound(table_, buf.get(), len, 20) : nat_outbound(table_, buf.get(), len, 20);
      EXPECT_EQ(r.verdict, NatVerdict::malformed) << "len " << len;
      EXPECT_TRUE(std::equal(buf.get(), buf.get() + len, packet.begin())) << "len " << len;
    }
    // The whole packet translates.
    Bytes whole = packet;
    EXPECT_EQ((inbound ? in(whole, 20) : out(whole, 20)).verdict, NatVerdict::translated);
  }
  // Truncating the total length (so the quoted packet is cut) of an ICMP error.
  Bytes err = icmp_error(kRouter, kExt, 3, 3, sent, 28);
  for (uint16_t total = 20; total < err.size(); ++total) {
    Bytes cut(err.begin(), err.begin() + total);
    store_be16(&cut[2], total);
    cut[10] = cut[11] = 0;
    store_be16(&cut[10], checksum(cut.data(), 20));
    EXPECT_EQ(in(cut).verdict, NatVerdict::malformed) << "total " << total;
  }
  std::string why;
  EXPECT_TRUE(table_.check_invariants(&why)) << why;
}

}  // namespace
}  // namespace edgegw::netproto::test
