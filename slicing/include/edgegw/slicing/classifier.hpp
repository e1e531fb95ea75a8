// Packet metadata -> slice index. Rules are tried in order and the first whose every present field
// matches wins; no match is the default slice. At most kMaxRules rules.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace edgegw::slicing {

// What the data plane's parse step knows of a frame.
struct PacketMeta {
  uint16_t port = 0;        // ingress port index (a guest NIC is a port)
  uint16_t network = 0;     // network index
  uint8_t pcp = 0;          // VLAN PCP of the ingress tag (0 untagged)
  uint8_t dscp = 0;         // 0 when not IP
  uint8_t protocol = 0;     // IP protocol / next header, 0 when not IP
  uint8_t ip_version = 0;   // 0 (not IP), 4 or 6
  std::array<uint8_t, 16> src{};  // IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d)
  std::array<uint8_t, 16> dst{};
  uint16_t src_port = 0;    // TCP, UDP, SCTP; else 0
  uint16_t dst_port = 0;
  uint32_t vni = 0;
  bool has_vni = false;
};

struct MatchRule {
  enum Field : uint32_t {
    kPorts = 1u << 0,
    kNetworks = 1u << 1,
    kPcp = 1u << 2,
    kDscp = 1u << 3,
    kProtocol = 1u << 4,
    kSrc = 1u << 5,
    kDst = 1u << 6,
    kSrcPorts = 1u << 7,
    kDstPorts = 1u << 8,
    kVni = 1u << 9,
  };
  uint16_t slice = 0;
  uint32_t fields = 0;     // which of the below must match
  uint64_t ports = 0;      // bit i: port index i (an empty set matches nothing)
  uint64_t networks = 0;   // bit i: network index i
  uint8_t pcp = 0;         // bit i: PCP i
  uint64_t dscp = 0;       // bit i: DSCP i (IP only)
  uint8_t protocol = 0;
  std::array<uint8_t, 16> src{};  // prefix, IPv4 as IPv4-mapped (length 96 + n)
  uint8_t src_length = 0;
  std::array<uint8_t, 16> dst{};
  uint8_t dst_length = 0;
  uint16_t src_port_first = 0, src_port_last = 0;
  uint16_t dst_port_first = 0, dst_port_last = 0;
  uint32_t vni_first = 0, vni_last = 0;
};

class Classifier {
 public:
  static constexpr size_t kMaxRules = 1024;

  // Refuses (nullptr, `*error` naming the rule index) lengths over 128, reversed ranges, VNIs over 24
  // bits, a slice index at or past `slice_count`, more than kMaxRules rules.
  static std::unique_ptr<Classifier> create(std::span<const MatchRule> rules, uint16_t default_slice,
                                            std::string* error, uint16_t slice_count = 64);

  uint16_t classify(const PacketMeta& meta) const;
  void classify_burst(const PacketMeta* const* metas, uint16_t n, uint16_t* slices) const;
  size_t rule_count() const { return rules_.size(); }

 private:
  // A rule with its prefixes as masked 64-bit halves.
  struct Compiled {
    uint32_t fields;
    uint16_t slice;
    uint8_t pcp;
    uint8_t protocol;
    uint64_t ports, networks, dscp;
    uint64_t src_hi, src_lo, src_mask_hi, src_mask_lo;
    uint64_t dst_hi, dst_lo, dst_mask_hi, dst_mask_lo;
    uint16_t src_port_first, src_port_last, dst_port_first, dst_port_last;
    uint32_t vni_first, vni_last;
  };
  static bool matches(const Compiled& r, const PacketMeta& m);

  std::vector<Compiled> rules_;
  uint16_t default_ = 0;
  // When every rule matches on DSCP alone: the slice of each DSCP (IP) and of non-IP frames.
  bool dscp_only_ = false;
  std::array<uint16_t, 64> by_dscp_{};
};

}  // namespace edgegw::slicing
