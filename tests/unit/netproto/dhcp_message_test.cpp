// DHCP codec: wire layout, round trips, every rejection with its field and reason, bounds safety on
// every truncation of a valid message, and the fuzzing seeds and regressions.
#include "edgegw/netproto/dhcp_message.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "../../fuzz/fuzz_inputs.hpp"
#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/dhcp_server.hpp"

namespace edgegw::netproto {
namespace {

namespace fs = std::filesystem;

constexpr MacAddress kMac = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};

DhcpMessage client_message(DhcpMessageType type) {
  DhcpMessage m;
  m.op = kBootRequest;
  m.xid = 0x12345678;
  m.secs = 3;
  m.chaddr = kMac;
  m.type = type;
  return m;
}

std::vector<uint8_t> encode(const DhcpMessage& m) {
  std::vector<uint8_t> buf(1500);
  Result<size_t> n = encode_dhcp_message(m, buf);
  EXPECT_TRUE(n.ok()) << n.error().to_string();
  buf.resize(n.ok() ? *n : 0);
  return buf;
}

// A valid fixed header (DHCP cookie) followed by `options` exactly as given.
std::vector<uint8_t> raw(std::initializer_list<uint8_t> options) {
  std::vector<uint8_t> b(kDhcpHeaderLen + options.size(), 0);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  store_be32(b.data() + 4, 0xcafe0001);
  std::copy(kMac.begin(), kMac.end(), b.begin() + 28);
  store_be32(b.data() + 236, kDhcpMagicCookie);
  std::copy(options.begin(), options.end(), b.begin() + kDhcpHeaderLen);
  return b;
}

struct Rejected {
  DhcpDropReason reason;
  std::string message;
};

Rejected rejection(const std::vector<uint8_t>& bytes) {
  DhcpDropReason reason = DhcpDropReason::pool_exhausted;  // not a parser reason: must be overwritten
  Result<DhcpMessage> r = parse_dhcp_message(bytes, &reason);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return {reason, ""};
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  return {reason, r.error().message};
}

TEST(DhcpMessage, ParsesHandBuiltBytes) {
  const std::vector<uint8_t> b = raw({53, 1, 3, 61, 7, 1, 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc, 50, 4, 192, 168, 1, 100,
                                      54, 4, 192, 168, 1, 1, 12, 4, 'h', 'o', 's', 't', 55, 3, 1, 3, 6, 57, 2, 0x05,
                                      0xdc, 0, 0, 99, 2, 1, 2, 255, 0, 0});
  Result<DhcpMessage> m = parse_dhcp_message(b);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(m->op, kBootRequest);
  EXPECT_EQ(m->xid, 0xcafe0001u);
  EXPECT_EQ(m->chaddr, kMac);
  EXPECT_EQ(m->type, DhcpMessageType::request);
  EXPECT_EQ(m->requested_ip, 0xc0a80164u);
  EXPECT_EQ(m->server_id, 0xc0a80101u);
  EXPECT_EQ(m->hostname.text(), "host");
  EXPECT_EQ(m->client_id.len, 7);
  EXPECT_EQ(m->client_id.data[0], 1);
  EXPECT_EQ(m->param_list.len, 3);
  EXPECT_EQ(m->param_list.data[2], 6);
  EXPECT_EQ(m->max_message_size, 1500);
  EXPECT_FALSE(m->broadcast());
}

TEST(DhcpMessage, EncodesTheWireLayout) {
  DhcpMessage m = client_message(DhcpMessageType::discover);
  m.flags = kDhcpBroadcastFlag;
  m.requested_ip = 0x0a000005;
  const std::vector<uint8_t> b = encode(m);
  ASSERT_EQ(b.size(), kBootpMinLen);  // padded to the BOOTP minimum
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(b[1], 1);
  EXPECT_EQ(b[2], 6);
  EXPECT_EQ(load_be32(b.data() + 4), 0x12345678u);
  EXPECT_EQ(load_be16(b.data() + 8), 3);
  EXPECT_EQ(load_be16(b.data() + 10), 0x8000);
  EXPECT_EQ(load_be32(b.data() + 236), 0x63825363u);
  const std::vector<uint8_t> options(b.begin() + 240, b.begin() + 250);
  EXPECT_EQ(options, (std::vector<uint8_t>{53, 1, 1, 50, 4, 10, 0, 0, 5, 255}));
  for (size_t i = 250; i < b.size(); ++i) ASSERT_EQ(b[i], 0) << i;
}

TEST(DhcpMessage, ClientMessageRoundTrips) {
  DhcpMessage m = client_message(DhcpMessageType::request);
  m.flags = kDhcpBroadcastFlag;
  m.hops = 1;
  m.ciaddr = 0x0a000001;
  m.giaddr = 0x0a000002;
  m.requested_ip = 0xc0a80164;
  m.server_id = 0xc0a80101;
  m.lease_time_s = 7200;
  m.max_message_size = 1500;
  m.param_list.assign(std::string("\x01\x03\x06\x0f\x1a"));
  m.client_id.assign(std::string("\x01\x02\x00\x00\xaa\xbb\xcc"));
  m.hostname.assign("laptop");
  Result<DhcpMessage> back = parse_dhcp_message(encode(m));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, m);
}

TEST(DhcpMessage, ReplyRoundTripsAndGrowsPastTheMinimum) {
  DhcpMessage m = client_message(DhcpMessageType::ack);
  m.op = kBootReply;
  m.yiaddr = 0xc0a80164;
  m.server_id = 0xc0a80101;
  m.lease_time_s = 3600;
  m.t1_s = 1800;
  m.t2_s = 3150;
  m.subnet_mask = 0xffffff00;
  m.router = 0xc0a80101;
  m.dns = {0x01010101, 0x08080808, 0x09090909, 0x01000001};
  m.dns_count = 4;
  m.domain.assign(std::string(100, 'd'));
  m.mtu = 1500;
  const std::vector<uint8_t> b = encode(m);
  EXPECT_EQ(b.size(), 240u + 3 + 6 * 6 + 18 + 102 + 4 + 1);
  EXPECT_EQ(dhcp_encoded_size(m), b.size());
  Result<DhcpMessage> back = parse_dhcp_message(b);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, m);
}

TEST(DhcpMessage, EncodeRefusesASmallBuffer) {
  std::vector<uint8_t> buf(299);
  Result<size_t> n = encode_dhcp_message(client_message(DhcpMessageType::discover), buf);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().message, "dhcp.encode: the buffer holds 299 bytes, the message needs 300");
}

TEST(DhcpMessage, KeepsTheFirstFourDnsServersAndTheFirstRouter) {
  Result<DhcpMessage> m = parse_dhcp_message(raw({53, 1, 2, 3, 8, 1, 1, 1, 1, 2, 2, 2, 2, 6, 20, 1, 0, 0, 1, 2, 0, 0, 2,
                                                  3, 0, 0, 3, 4, 0, 0, 4, 5, 0, 0, 5, 255}));
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(m->router, 0x01010101u);
  EXPECT_EQ(m->dns_count, 4);
  EXPECT_EQ(m->dns[3], 0x04000004u);
}

TEST(DhcpMessage, RejectsEachMalformedField) {
  std::vector<uint8_t> b = raw({53, 1, 1, 255});
  struct Case {
    std::vector<uint8_t> bytes;
    DhcpDropReason reason;
    std::string message;
  };
  auto with = [&](size_t offset, uint8_t value) {
    std::vector<uint8_t> c = b;
    c[offset] = value;
    return c;
  };
  const std::vector<Case> cases = {
      {std::vector<uint8_t>(b.begin(), b.begin() + 239), DhcpDropReason::truncated,
       "dhcp.length: 239 bytes, shorter than the 240-byte header and cookie"},
      {with(0, 3), DhcpDropReason::bad_op, "dhcp.op: 3 is neither BOOTREQUEST nor BOOTREPLY"},
      {with(1, 6), DhcpDropReason::bad_htype, "dhcp.htype: 6, only Ethernet (1) is served"},
      {with(2, 16), DhcpDropReason::bad_hlen, "dhcp.hlen: 16, expected 6"},
      {with(239, 0x64), DhcpDropReason::bad_cookie, "dhcp.cookie: not the DHCP magic cookie 99.130.83.99"},
      {raw({53, 2, 1, 1, 255}), DhcpDropReason::bad_option, "dhcp.option[53].length: 2, expected 1"},
      {raw({53, 1, 9, 255}), DhcpDropReason::bad_option, "dhcp.option[53]: unknown message type 9"},
      {raw({53, 1, 0, 255}), DhcpDropReason::bad_option, "dhcp.option[53]: unknown message type 0"},
      {raw({53, 1, 1, 50, 3, 1, 2, 3, 255}), DhcpDropReason::bad_option, "dhcp.option[50].length: 3, expected 4"},
      {raw({53, 1, 1, 54, 5, 1, 2, 3, 4, 5, 255}), DhcpDropReason::bad_option,
       "dhcp.option[54].length: 5, expected 4"},
      {raw({53, 1, 1, 51, 0, 255}), DhcpDropReason::bad_option, "dhcp.option[51].length: 0, expected 4"},
      {raw({53, 1, 1, 57, 2, 0x01, 0xf4, 255}), DhcpDropReason::bad_option,
       "dhcp.option[57]: 500 is below the minimum 576"},
      {raw({53, 1, 1, 57, 1, 5, 255}), DhcpDropReason::bad_option, "dhcp.option[57].length: 1, expected 2"},
      {raw({53, 1, 1, 26, 2, 0, 67, 255}), DhcpDropReason::bad_option, "dhcp.option[26]: 67 is below the minimum 68"},
      {raw({53, 1, 1, 61, 1, 1, 255}), DhcpDropReason::bad_option, "dhcp.option[61].length: 1, expected at least 2"},
      {raw({53, 1, 1, 55, 0, 255}), DhcpDropReason::bad_option, "dhcp.option[55].length: 0, expected at least 1"},
      {raw({53, 1, 1, 12, 0, 255}), DhcpDropReason::bad_option, "dhcp.option[12].length: 0, expected at least 1"},
      {raw({53, 1, 1, 6, 6, 1, 1, 1, 1, 2, 2, 255}), DhcpDropReason::bad_option,
       "dhcp.option[6].length: 6, expected a multiple of 4"},
      {raw({53, 1, 1, 53, 1, 1, 255}), DhcpDropReason::bad_option, "dhcp.option[53]: repeated"},
      {raw({53, 1, 1, 52, 1, 3, 255}), DhcpDropReason::unsupported,
       "dhcp.option[52]: option overload is not supported"},
      {raw({53, 1, 1}), DhcpDropReason::no_end_option, "dhcp.options: no end option"},
      {raw({53, 1, 1, 0, 0, 0}), DhcpDropReason::no_end_option, "dhcp.options: no end option"},
      {raw({50, 4, 1, 2, 3, 4, 255}), DhcpDropReason::no_message_type, "dhcp.option[53]: missing, not a DHCP message"},
      {raw({53, 1, 1, 12, 10, 'a', 'b'}), DhcpDropReason::truncated,
       "dhcp.option[12].length: 10 runs past the end of the message"},
      {raw({53, 1, 1, 12}), DhcpDropReason::truncated, "dhcp.option[12].length: missing, the message ends"},
  };
  for (const Case& c : cases) {
    const Rejected r = rejection(c.bytes);
    EXPECT_EQ(r.message, c.message);
    EXPECT_EQ(r.reason, c.reason) << c.message;
  }
}

TEST(DhcpMessage, IgnoresUnknownOptionsAndWhatFollowsTheEnd) {
  Result<DhcpMessage> m = parse_dhcp_message(raw({43, 3, 9, 9, 9, 53, 1, 8, 255, 53, 9}));
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(m->type, DhcpMessageType::inform);
}

// Every prefix of a valid message is handled: rejected while the end option is cut off, equal to
// the whole message once it is in. Each prefix is its own heap block, so a sanitizer build catches
// a read one past its end.
TEST(DhcpMessage, EveryTruncationIsRejectedWithoutReadingPastTheEnd) {
  DhcpMessage m = client_message(DhcpMessageType::request);
  m.requested_ip = 0xc0a80164;
  m.server_id = 0xc0a80101;
  m.client_id.assign(std::string("\x01\x02\x00\x00\xaa\xbb\xcc"));
  m.hostname.assign("a-rather-long-host-name-for-a-long-option");
  m.param_list.assign(std::string("\x01\x03\x06"));
  const std::vector<uint8_t> full = encode(m);
  size_t end = full.size() - 1;  // the end option, before the zero padding
  while (full[end] != 255) --end;
  ASSERT_EQ(full[end], 255);
  for (size_t n = 0; n <= full.size(); ++n) {
    std::vector<uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    DhcpDropReason reason{};
    Result<DhcpMessage> r = parse_dhcp_message(prefix, &reason);
    if (n <= end) {
      ASSERT_FALSE(r.ok()) << n;
      if (n < kDhcpHeaderLen) EXPECT_EQ(reason, DhcpDropReason::truncated) << n;
      else EXPECT_TRUE(reason == DhcpDropReason::truncated || reason == DhcpDropReason::no_end_option) << n;
    } else {
      ASSERT_TRUE(r.ok()) << n;
      EXPECT_EQ(*r, m) << n;
    }
  }
}

// Random corruption of valid messages: never a crash, and whatever parses re-encodes to the same
// parse (the encoder writes everything the parser keeps).
TEST(DhcpMessage, CorruptedMessagesParseStably) {
  std::mt19937 rng(42);
  DhcpMessage m = client_message(DhcpMessageType::discover);
  m.client_id.assign(std::string("\x01\x02\x00\x00\xaa\xbb\xcc"));
  m.param_list.assign(std::string("\x01\x03\x06"));
  const std::vector<uint8_t> seed = encode(m);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> b = seed;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) b[kDhcpHeaderLen + rng() % (b.size() - kDhcpHeaderLen)] = static_cast<uint8_t>(rng());
    b.resize(kDhcpHeaderLen + rng() % (b.size() - kDhcpHeaderLen + 1));
    Result<DhcpMessage> r = parse_dhcp_message(b);
    if (!r.ok()) continue;
    ++accepted;
    Result<DhcpMessage> again = parse_dhcp_message(encode(*r));
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    ASSERT_EQ(*again, *r);
  }
  EXPECT_GT(accepted, 100);
}

// The fuzzing seeds: written by this test when EDGEGW_WRITE_DHCP_CORPUS names a directory
// (tests/fuzz/corpus/dhcp), and always checked to parse.
fs::path fuzz_dir() { return fs::path(EDGEGW_SOURCE_DIR) / "tests" / "fuzz"; }  // see nat_fuzz_replay_test.cpp

std::vector<std::pair<std::string, DhcpMessage>> seed_messages() {
  std::vector<std::pair<std::string, DhcpMessage>> seeds;
  DhcpMessage discover = client_message(DhcpMessageType::discover);
  discover.flags = kDhcpBroadcastFlag;
  discover.param_list.assign(std::string("\x01\x03\x06\x0f\x1a\x1c"));
  discover.hostname.assign("laptop");
  discover.max_message_size = 1500;
  seeds.emplace_back("discover", discover);
  DhcpMessage selecting = client_message(DhcpMessageType::request);
  selecting.requested_ip = 0xc0a80164;  // 192.168.1.100: the fuzzer's pool
  selecting.server_id = 0xc0a80101;
  selecting.client_id.assign(std::string("\x01\x02\x00\x00\xaa\xbb\xcc"));
  seeds.emplace_back("request_selecting", selecting);
  DhcpMessage reboot = client_message(DhcpMessageType::request);
  reboot.requested_ip = 0xc0a80165;
  seeds.emplace_back("request_init_reboot", reboot);
  DhcpMessage renew = client_message(DhcpMessageType::request);
  renew.ciaddr = 0xc0a80164;
  seeds.emplace_back("request_renew", renew);
  DhcpMessage release = client_message(DhcpMessageType::release);
  release.ciaddr = 0xc0a80164;
  release.server_id = 0xc0a80101;
  seeds.emplace_back("release", release);
  DhcpMessage decline = client_message(DhcpMessageType::decline);
  decline.requested_ip = 0xc0a80164;
  decline.server_id = 0xc0a80101;
  seeds.emplace_back("decline", decline);
  DhcpMessage inform = client_message(DhcpMessageType::inform);
  inform.ciaddr = 0xc0a80142;
  inform.giaddr = 0xc0a80101;
  seeds.emplace_back("inform_relayed", inform);
  return seeds;
}

TEST(DhcpFuzzInputs, SeedsAreValidMessages) {
  if (const char* dir = std::getenv("EDGEGW_WRITE_DHCP_CORPUS")) {
    for (const auto& [name, msg] : seed_messages()) {
      const std::vector<uint8_t> b = encode(msg);
      std::ofstream(fs::path(dir) / name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
    }
  }
  const std::vector<fs::path> seeds = fuzz_inputs_in(fuzz_dir() / "corpus/dhcp");
  EXPECT_GE(seeds.size(), seed_messages().size());
  for (const fs::path& p : seeds) {
    Result<DhcpMessage> r = parse_dhcp_message(read_fuzz_input(p));
    EXPECT_TRUE(r.ok()) << p << ": " << (r.ok() ? "" : r.error().to_string());
  }
}

// Inputs that once broke the fuzz target go through the parser and a server again.
TEST(DhcpFuzzInputs, RegressionsStayFixed) {
  DhcpPoolConfig config;
  config.subnet = 0xc0a80100;
  config.server_ip = 0xc0a80101;
  config.range_first = 0xc0a80164;
  config.range_last = 0xc0a80167;
  Result<DhcpServer> server = DhcpServer::create(config);
  ASSERT_TRUE(server.ok());
  for (const fs::path& p : fuzz_inputs_in(fuzz_dir() / "regressions/dhcp")) {
    const DhcpDecision d = server->handle_packet(read_fuzz_input(p), 1000);
    if (d.action == DhcpAction::none) continue;
    std::vector<uint8_t> buf(1500);
    Result<size_t> n = encode_dhcp_message(d.reply, buf);
    ASSERT_TRUE(n.ok()) << p;
    buf.resize(*n);
    EXPECT_TRUE(parse_dhcp_message(buf).ok()) << p;
  }
}

}  // namespace
}  // namespace edgegw::netproto
