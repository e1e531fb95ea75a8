// First-match classification over compiled rules (prefixes as masked 64-bit halves), with a table
// for the common case where every rule is a DSCP set.
#include "edgegw/slicing/classifier.hpp"

#include <cstring>

namespace edgegw::slicing {
namespace {

uint64_t half(const std::array<uint8_t, 16>& a, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | a[at + i];
  return v;
}

uint64_t mask_of(unsigned length) {  // the top `length` bits of 64
  return length == 0 ? 0 : length >= 64 ? ~uint64_t{0} : ~uint64_t{0} << (64 - length);
}

}  // namespace

std::unique_ptr<Classifier> Classifier::create(std::span<const MatchRule> rules, uint16_t default_slice,
                                               std::string* error, uint16_t slice_count) {
  auto fail = [error](size_t i, const std::string& why) {
    if (error != nullptr) *error = "rule " + std::to_string(i) + ": " + why;
    return nullptr;
  };
  if (rules.size() > kMaxRules) {
    if (error != nullptr) *error = std::to_string(rules.size()) + " rules, at most " + std::to_string(kMaxRules);
    return nullptr;
  }
  if (default_slice >= slice_count) {
    if (error != nullptr) *error = "default slice " + std::to_string(default_slice) + " out of range";
    return nullptr;
  }
  auto c = std::unique_ptr<Classifier>(new Classifier());
  c->default_ = default_slice;
  c->dscp_only_ = true;
  c->by_dscp_.fill(default_slice);
  uint64_t dscp_seen = 0;
  for (size_t i = 0; i < rules.size(); ++i) {
    const MatchRule& r = rules[i];
    if (r.slice >= slice_count) return fail(i, "slice " + std::to_string(r.slice) + " out of range");
    if (r.src_length > 128 || r.dst_length > 128) return fail(i, "prefix length over 128");
    if ((r.fields & MatchRule::kSrcPorts) && r.src_port_first > r.src_port_last) return fail(i, "source ports reversed");
    if ((r.fields & MatchRule::kDstPorts) && r.dst_port_first > r.dst_port_last) return fail(i, "destination ports reversed");
    if ((r.fields & MatchRule::kVni) && (r.vni_first > r.vni_last || r.vni_last > 0xffffff)) {
      return fail(i, "VNI range reversed or over 24 bits");
    }
    Compiled k{};
    k.fields = r.fields;
    k.slice = r.slice;
    k.pcp = r.pcp;
    k.protocol = r.protocol;
    k.ports = r.ports;
    k.networks = r.networks;
    k.dscp = r.dscp;
    k.src_mask_hi = mask_of(r.src_length >= 64 ? 64 : r.src_length);
    k.src_mask_lo = mask_of(r.src_length > 64 ? r.src_length - 64 : 0);
    k.src_hi = half(r.src, 0) & k.src_mask_hi;
    k.src_lo = half(r.src, 8) & k.src_mask_lo;
    k.dst_mask_hi = mask_of(r.dst_length >= 64 ? 64 : r.dst_length);
    k.dst_mask_lo = mask_of(r.dst_length > 64 ? r.dst_length - 64 : 0);
    k.dst_hi = half(r.dst, 0) & k.dst_mask_hi;
    k.dst_lo = half(r.dst, 8) & k.dst_mask_lo;
    k.src_port_first = r.src_port_first;
    k.src_port_last = r.src_port_last;
    k.dst_port_first = r.dst_port_first;
    k.dst_port_last = r.dst_port_last;
    k.vni_first = r.vni_first;
    k.vni_last = r.vni_last;
    c->rules_.push_back(k);
    if (r.fields != MatchRule::kDscp) {
      c->dscp_only_ = false;
    } else {
      // First match wins: a DSCP already claimed by an earlier rule keeps its slice.
      for (unsigned d = 0; d < 64; ++d) {
        if ((r.dscp >> d & 1) && !(dscp_seen >> d & 1)) c->by_dscp_[d] = r.slice;
      }
      dscp_seen |= r.dscp;
    }
  }
  return c;
}

bool Classifier::matches(const Compiled& r, const PacketMeta& m) {
  const uint32_t f = r.fields;
  if ((f & MatchRule::kPorts) && (m.port >= 64 || !(r.ports >> m.port & 1))) return false;
  if ((f & MatchRule::kNetworks) && (m.network >= 64 || !(r.networks >> m.network & 1))) return false;
  if ((f & MatchRule::kPcp) && !(r.pcp >> (m.pcp & 7) & 1)) return false;
  constexpr uint32_t kIpFields = MatchRule::kDscp | MatchRule::kProtocol | MatchRule::kSrc | MatchRule::kDst |
                                 MatchRule::kSrcPorts | MatchRule::kDstPorts;
  if (f & kIpFields) {
    if (m.ip_version == 0) return false;
    if ((f & MatchRule::kDscp) && !(r.dscp >> (m.dscp & 63) & 1)) return false;
    if ((f & MatchRule::kProtocol) && m.protocol != r.protocol) return false;
    if (f & MatchRule::kSrc) {
      if ((half(m.src, 0) & r.src_mask_hi) != r.src_hi || (half(m.src, 8) & r.src_mask_lo) != r.src_lo) return false;
    }
    if (f & MatchRule::kDst) {
      if ((half(m.dst, 0) & r.dst_mask_hi) != r.dst_hi || (half(m.dst, 8) & r.dst_mask_lo) != r.dst_lo) return false;
    }
    const bool ports = m.protocol == 6 || m.protocol == 17 || m.protocol == 132;
    if ((f & MatchRule::kSrcPorts) &&
        (!ports || m.src_port < r.src_port_first || m.src_port > r.src_port_last)) {
      return false;
    }
    if ((f & MatchRule::kDstPorts) &&
        (!ports || m.dst_port < r.dst_port_first || m.dst_port > r.dst_port_last)) {
      return false;
    }
  }
  if ((f & MatchRule::kVni) && (!m.has_vni || m.vni < r.vni_first || m.vni > r.vni_last)) return false;
  return true;
}

uint16_t Classifier::classify(const PacketMeta& meta) const {
  if (dscp_only_) return meta.ip_version == 0 ? default_ : by_dscp_[meta.dscp & 63];
  for (const Compiled& r : rules_) {
    if (matches(r, meta)) return r.slice;
  }
  return default_;
}

void Classifier::classify_burst(const PacketMeta* const* metas, uint16_t n, uint16_t* slices) const {
  for (uint16_t i = 0; i < n; ++i) slices[i] = classify(*metas[i]);
}

}  // namespace edgegw::slicing
