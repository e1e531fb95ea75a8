// Neighbor discovery: router advertisements byte by byte (the checksum recomputed here over a
// pseudo-header written out by hand), router solicitations accepted and every rejection with its
// field, every truncation refused, and the fuzzing seeds and regressions.
#include "edgegw/netproto/ndp.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "../../fuzz/fuzz_inputs.hpp"
#include "../../fuzz/ndp_fuzz_harness.hpp"
#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

constexpr MacAddress kRouterMac = {0x02, 0xe9, 0x11, 0x22, 0x33, 0x44};
constexpr MacAddress kHostMac = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
constexpr size_t kIcmp = 14 + 40;  // where the ICMPv6 message starts in a frame

Ipv6Address ip6(const char* text) { return *parse_ipv6(text); }

Bytes slice(const Bytes& b, size_t at, size_t n) { return Bytes(b.begin() + at, b.begin() + at + n); }
Bytes bytes_of(const Ipv6Address& a) { return Bytes(a.begin(), a.end()); }
Bytes bytes_of(const MacAddress& m) { return Bytes(m.begin(), m.end()); }

// RFC 1071 written out again, so the builder's checksum is not checked against itself.
uint16_t reference_checksum(const Bytes& data) {
  uint64_t sum = 0;
  for (size_t i = 0; i < data.size(); i += 2) sum += (data[i] << 8) + (i + 1 < data.size() ? data[i + 1] : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// The checksum an ICMPv6 message in `frame` must carry: over source, destination, upper-layer
// length (32 bits), three zero bytes and next header 58 (RFC 8200 8.1), then the message with its
// checksum field zero.
uint16_t expected_icmpv6_checksum(const Bytes& frame) {
  Bytes pseudo = slice(frame, 14 + 8, 32);
  const size_t len = frame.size() - kIcmp;
  for (uint8_t b : {uint8_t(len >> 24), uint8_t(len >> 16), uint8_t(len >> 8), uint8_t(len), uint8_t(0), uint8_t(0),
                    uint8_t(0), uint8_t(58)}) {
    pseudo.push_back(b);
  }
  Bytes message = slice(frame, kIcmp, len);
  message[2] = message[3] = 0;
  pseudo.insert(pseudo.end(), message.begin(), message.end());
  return reference_checksum(pseudo);
}

RouterAdvertisement full_advertisement() {
  RouterAdvertisement ra;
  ra.router_mac = kRouterMac;
  ra.router_lifetime_s = 1800;
  ra.mtu = 1500;
  ra.prefix = RaPrefix{ip6("2001:db8:1::"), 64};
  ra.dns = {ip6("2001:db8::53"), ip6("2001:db8::54")};
  ra.dns_lifetime_s = 600;
  return ra;
}

// The option types of an advertisement in order, walked by their length bytes.
std::vector<int> option_types(const Bytes& frame) {
  std::vector<int> types;
  for (size_t at = kIcmp + 16; at + 1 < frame.size() && frame[at + 1] != 0; at += frame[at + 1] * 8u) types.push_back(frame[at]);
  return types;
}

TEST(RouterAdvertisement, EveryFieldOfAFullAdvertisement) {
  const Bytes f = build_router_advertisement(full_advertisement());
  ASSERT_EQ(f.size(), 14u + 40 + 16 + 8 + 8 + 32 + 40);
  // Ethernet: all-nodes group MAC, the router's MAC, IPv6.
  EXPECT_EQ(slice(f, 0, 14), (Bytes{0x33, 0x33, 0, 0, 0, 1, 0x02, 0xe9, 0x11, 0x22, 0x33, 0x44, 0x86, 0xdd}));
  // IPv6: version 6, traffic class and flow label 0, payload length, ICMPv6, hop limit 255.
  EXPECT_EQ(slice(f, 14, 8), (Bytes{0x60, 0, 0, 0, 0, 104, 58, 255}));
  EXPECT_EQ(slice(f, 22, 16), bytes_of(ip6("fe80::e9:11ff:fe22:3344"))) << "link-local of the router MAC";
  EXPECT_EQ(slice(f, 38, 16), bytes_of(ip6("ff02::1")));
  // ICMPv6: type 134 code 0, cur hop limit 64, M = O = 0, lifetime 1800, reachable and retrans 0.
  EXPECT_EQ(slice(f, kIcmp, 2), (Bytes{134, 0}));
  EXPECT_EQ(slice(f, kIcmp + 4, 12), (Bytes{64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(load_be16(&f[kIcmp + 2]), expected_icmpv6_checksum(f));
  // Source link-layer address.
  Bytes slla = {1, 1};
  for (uint8_t b : kRouterMac) slla.push_back(b);
  EXPECT_EQ(slice(f, kIcmp + 16, 8), slla);
  // MTU 1500.
  EXPECT_EQ(slice(f, kIcmp + 24, 8), (Bytes{5, 1, 0, 0, 0, 0, 0x05, 0xdc}));
  // Prefix information: /64, L and A, valid 86400 s, preferred 14400 s, reserved, the prefix.
  EXPECT_EQ(slice(f, kIcmp + 32, 16),
            (Bytes{3, 4, 64, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x38, 0x40, 0, 0, 0, 0}));
  EXPECT_EQ(slice(f, kIcmp + 48, 16), bytes_of(ip6("2001:db8:1::")));
  // RDNSS: length 1 + 2 * 2 servers, reserved, lifetime 600, the servers.
  EXPECT_EQ(slice(f, kIcmp + 64, 8), (Bytes{25, 5, 0, 0, 0, 0, 0x02, 0x58}));
  EXPECT_EQ(slice(f, kIcmp + 72, 16), bytes_of(ip6("2001:db8::53")));
  EXPECT_EQ(slice(f, kIcmp + 88, 16), bytes_of(ip6("2001:db8::54")));
}

TEST(RouterAdvertisement, AutonomousFlagOnlyForASlash64) {
  for (uint8_t length : {48, 56, 63, 64, 65, 96}) {
    RouterAdvertisement ra = full_advertisement();
    ra.prefix = RaPrefix{ip6("2001:db8::"), length};
    const Bytes f = build_router_advertisement(ra);
    EXPECT_EQ(f[kIcmp + 34], length);
    EXPECT_EQ(f[kIcmp + 35], length == 64 ? 0xc0 : 0x80) << "/" << int(length);
    EXPECT_EQ(load_be16(&f[kIcmp + 2]), expected_icmpv6_checksum(f));
  }
}

TEST(RouterAdvertisement, OptionsLeftOutWhenUnset) {
  RouterAdvertisement ra = full_advertisement();
  ra.mtu = 0;
  EXPECT_EQ(option_types(build_router_advertisement(ra)), (std::vector<int>{1, 3, 25}));
  ra.dns.clear();
  EXPECT_EQ(option_types(build_router_advertisement(ra)), (std::vector<int>{1, 3}));
  ra.prefix.reset();
  const Bytes bare = build_router_advertisement(ra);
  EXPECT_EQ(option_types(bare), std::vector<int>{1});
  EXPECT_EQ(bare.size(), kIcmp + 16 + 8);
  EXPECT_EQ(load_be16(&bare[18]), 24) << "payload length";
  EXPECT_EQ(load_be16(&bare[kIcmp + 2]), expected_icmpv6_checksum(bare));
}

TEST(RouterAdvertisement, FinalAdvertisementHasLifetimeZero) {
  RouterAdvertisement ra = full_advertisement();
  ra.router_lifetime_s = 0;
  const Bytes f = build_router_advertisement(ra);
  EXPECT_EQ(load_be16(&f[kIcmp + 6]), 0);
  EXPECT_EQ(load_be16(&f[kIcmp + 2]), expected_icmpv6_checksum(f));
}

TEST(RouterAdvertisement, UnicastToTheSolicitingHost) {
  RouterAdvertisement ra = full_advertisement();
  ra.unicast = NdpUnicast{ip6("2001:db8:1::77"), kHostMac};
  const Bytes f = build_router_advertisement(ra);
  EXPECT_EQ(slice(f, 0, 6), bytes_of(kHostMac));
  EXPECT_EQ(slice(f, 38, 16), bytes_of(ip6("2001:db8:1::77")));
  EXPECT_EQ(load_be16(&f[kIcmp + 2]), expected_icmpv6_checksum(f));
}

// A router solicitation as a host sends it; the checksum is correct unless the test spoils it.
struct Solicitation {
  Ipv6Address source = ip6("fe80::5054:ff:feaa:bbcc");
  Ipv6Address destination = ip6("ff02::2");
  uint8_t hop_limit = 255;
  uint8_t type = 133;
  uint8_t code = 0;
  Bytes options = {1, 1, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};  // source link-layer address

  Bytes frame() const {
    Bytes f = {0x33, 0x33, 0, 0, 0, 2, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc, 0x86, 0xdd};
    const size_t len = 8 + options.size();
    for (uint8_t b : {uint8_t(0x60), uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(len >> 8), uint8_t(len), uint8_t(58),
                      hop_limit}) {
      f.push_back(b);
    }
    f.insert(f.end(), source.begin(), source.end());
    f.insert(f.end(), destination.begin(), destination.end());
    for (uint8_t b : {type, code, uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(0)}) f.push_back(b);
    f.insert(f.end(), options.begin(), options.end());
    store_be16(&f[kIcmp + 2], expected_icmpv6_checksum(f));
    return f;
  }
};

Result<RouterSolicitation> parse(const Bytes& f) { return parse_router_solicitation(f.data(), f.size()); }

TEST(RouterSolicitation, AcceptsOneWithItsLinkLayerAddress) {
  Result<RouterSolicitation> rs = parse(Solicitation{}.frame());
  ASSERT_TRUE(rs.ok()) << rs.error().message;
  EXPECT_EQ(rs->source, ip6("fe80::5054:ff:feaa:bbcc"));
  EXPECT_EQ(rs->eth_source, kHostMac);
  ASSERT_TRUE(rs->source_link_layer.has_value());
  EXPECT_EQ(*rs->source_link_layer, kHostMac);
}

TEST(RouterSolicitation, AcceptsOneFromTheUnspecifiedAddressWithoutOptions) {
  Solicitation s;
  s.source = Ipv6Address{};
  s.options.clear();
  Bytes f = s.frame();
  f.resize(64, 0);  // Ethernet padding after the payload is not part of the message
  Result<RouterSolicitation> rs = parse(f);
  ASSERT_TRUE(rs.ok()) << rs.error().message;
  EXPECT_EQ(rs->source, Ipv6Address{});
  EXPECT_FALSE(rs->source_link_layer.has_value());
}

TEST(RouterSolicitation, SkipsOptionsItDoesNotKnow) {
  Solicitation s;
  s.options.insert(s.options.begin(), {14, 1, 1, 2, 3, 4, 5, 6});  // a nonce (RFC 3971) first
  Result<RouterSolicitation> rs = parse(s.frame());
  ASSERT_TRUE(rs.ok()) << rs.error().message;
  EXPECT_EQ(rs->source_link_layer, kHostMac);
}

TEST(RouterSolicitation, EachMalformedFieldIsNamed) {
  struct Case {
    const char* what;
    std::function<Bytes()> frame;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"runt", [] { return Bytes(13, 0); }, "eth: frame of 13 bytes, shorter than an Ethernet header"},
      {"IPv4", [] { Bytes f = Solicitation{}.frame(); f[12] = 0x08; f[13] = 0x00; return f; },
       "eth.type: 0x0800, must be 0x86dd (IPv6)"},
      {"no IPv6 header", [] { Bytes f = Solicitation{}.frame(); f.resize(50); return f; },
       "ipv6: frame of 50 bytes, shorter than the IPv6 header"},
      {"version", [] { Bytes f = Solicitation{}.frame(); f[14] = 0x40; return f; }, "ipv6.version: 4, must be 6"},
      {"payload length", [] { Bytes f = Solicitation{}.frame(); f[19] = 17; return f; },
       "ipv6.payload_length: 17, the frame holds 16 bytes after the header"},
      {"extension header", [] { Bytes f = Solicitation{}.frame(); f[20] = 0; return f; },
       "ipv6.next_header: 0, must be 58 (ICMPv6; no extension headers)"},
      {"hop limit", [] { Solicitation s; s.hop_limit = 64; return s.frame(); }, "ipv6.hop_limit: 64, must be 255"},
      {"short message", [] { Bytes f = Solicitation{}.frame(); f[19] = 4; return f; },
       "icmpv6.length: 4, must be at least 8"},
      {"type", [] { Solicitation s; s.type = 135; return s.frame(); },
       "icmpv6.type: 135, must be 133 (router solicitation)"},
      {"code", [] { Solicitation s; s.code = 1; return s.frame(); }, "icmpv6.code: 1, must be 0"},
      {"checksum", [] { Bytes f = Solicitation{}.frame(); f[kIcmp + 8 + 7] ^= 1; return f; },
       "icmpv6.checksum: "},
      {"option length 0", [] { Solicitation s; s.options = {1, 1, 0, 0, 0, 0, 0, 1, 14, 0, 0, 0, 0, 0, 0, 0}; return s.frame(); },
       "icmpv6.option[1].length: 0, must not be 0"},
      {"option past the end", [] { Solicitation s; s.options[1] = 2; return s.frame(); },
       "icmpv6.option[0].length: 16 bytes, 8 left in the message"},
      {"half an option", [] { Solicitation s; s.options.push_back(1); return s.frame(); },
       "icmpv6.option[1]: 1 byte left, shorter than an option header"},
      {"link-layer address from ::", [] { Solicitation s; s.source = Ipv6Address{}; return s.frame(); },
       "icmpv6.option[0]: a source link-layer address from the unspecified address ::"},
  };
  for (const Case& c : cases) {
    Result<RouterSolicitation> rs = parse(c.frame());
    ASSERT_FALSE(rs.ok()) << c.what;
    EXPECT_EQ(rs.error().code, Errc::invalid_argument) << c.what;
    EXPECT_EQ(rs.error().message.rfind(c.message, 0), 0u) << c.what << ": " << rs.error().message;
  }
}

TEST(RouterSolicitation, EveryTruncationIsRefused) {
  Solicitation s;
  s.options.insert(s.options.end(), {14, 1, 1, 2, 3, 4, 5, 6});
  const Bytes f = s.frame();
  for (size_t n = 0; n < f.size(); ++n) {
    const Bytes cut(f.begin(), f.begin() + n);  // exactly n bytes: out-of-bounds reads show under ASan
    EXPECT_FALSE(parse(cut).ok()) << n;
  }
  EXPECT_TRUE(parse(f).ok());
}

// The fuzzing seeds: written by this test when EDGEGW_WRITE_NDP_CORPUS names a directory
// (tests/fuzz/corpus/ndp), and always run through the harness with the regressions.
fs::path fuzz_dir() { return fs::path(EDGEGW_SOURCE_DIR) / "tests" / "fuzz"; }  // see nat_fuzz_replay_test.cpp

std::vector<std::pair<std::string, Bytes>> seed_frames() {
  std::vector<std::pair<std::string, Bytes>> seeds;
  seeds.emplace_back("rs_link_local_slla", Solicitation{}.frame());
  Solicitation unspecified;
  unspecified.source = Ipv6Address{};
  unspecified.options.clear();
  seeds.emplace_back("rs_unspecified", unspecified.frame());
  Solicitation nonce;
  nonce.source = ip6("2001:db8:1::77");
  nonce.options.insert(nonce.options.begin(), {14, 1, 1, 2, 3, 4, 5, 6});
  seeds.emplace_back("rs_global_nonce_slla", nonce.frame());
  seeds.emplace_back("ra_full", build_router_advertisement(full_advertisement()));
  return seeds;
}

TEST(NdpFuzzInputs, SeedsAndRegressionsPassTheHarness) {
  if (const char* dir = std::getenv("EDGEGW_WRITE_NDP_CORPUS")) {
    for (const auto& [name, frame] : seed_frames()) {
      std::ofstream(fs::path(dir) / name, std::ios::binary).write(reinterpret_cast<const char*>(frame.data()), frame.size());
    }
  }
  std::vector<fs::path> files = fuzz_inputs_in(fuzz_dir() / "corpus/ndp");
  ASSERT_GE(files.size(), seed_frames().size()) << "the seed corpus is missing";
  for (const fs::path& p : files) {
    const Bytes b = read_fuzz_input(p);
    const bool is_solicitation = p.filename().string().rfind("rs_", 0) == 0;
    EXPECT_EQ(parse(b).ok(), is_solicitation) << p;
  }
  for (const fs::path& p : fuzz_inputs_in(fuzz_dir() / "regressions/ndp")) files.push_back(p);
  for (const fs::path& p : files) {
    const Bytes b = read_fuzz_input(p);
    EXPECT_EQ(fuzz::run_ndp_fuzz_input(b.data(), b.size()), "") << p;
  }
}

}  // namespace
}  // namespace edgegw::netproto
