#include "edgegw/netproto/checksum.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

namespace edgegw::netproto {
namespace {

// RFC 1071's example bytes: 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 (folded), checksum 0x220d.
TEST(Checksum, Rfc1071Example) {
  const std::array<uint8_t, 8> b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum(b.data(), b.size()), 0x220d);
}

TEST(Checksum, Ipv4HeaderVerifiesToZero) {
  // A real header (192.168.0.1 -> 192.168.0.199, TTL 64, UDP) with its checksum 0xb861 in place.
  std::array<uint8_t, 20> h = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                               0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(checksum(h.data(), h.size()), 0);
  h[10] = h[11] = 0;
  EXPECT_EQ(checksum(h.data(), h.size()), 0xb861);
}

TEST(Checksum, OddLengthPadsWithZero) {
  const std::array<uint8_t, 3> odd = {0x12, 0x34, 0x56};
  const std::array<uint8_t, 4> even = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(checksum(odd.data(), odd.size()), checksum(even.data(), even.size()));
}

// The incremental update must equal a full recomputation for any change of any word.
TEST(Checksum, IncrementalUpdateMatchesRecomputation) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> b(40);
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
    b[10] = b[11] = 0;
    const uint16_t before = checksum(b.data(), b.size());
    const size_t at = 12 + 2 * (rng() % 6);  // a 16- or 32-bit field after the checksum
    const uint32_t old_value = load_be32(b.data() + at);
    const uint32_t new_value = round % 3 == 0 ? old_value : static_cast<uint32_t>(rng());
    store_be32(b.data() + at, new_value);
    const uint16_t updated = checksum_update32(before, old_value, new_value);
    EXPECT_EQ(updated, checksum(b.data(), b.size())) << "round " << round;
  }
}

TEST(Checksum, PseudoHeaderSum) {
  // 10.0.0.1 -> 10.0.0.2, UDP, 8 bytes: 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 8
  EXPECT_EQ(pseudo_header_sum(0x0a000001, 0x0a000002, 17, 8), 0x0a00u + 1 + 0x0a00 + 2 + 17 + 8);
}

}  // namespace
}  // namespace edgegw::netproto
