// Slice model helpers: class, drop policy and protocol names, the S-NSSAI SD text, lookups.
#include "edgegw/control/config_model.hpp"

#include <cstdio>

namespace edgegw::control {

const char* slice_class_name(SliceClass cls) {
  switch (cls) {
    case SliceClass::urllc: return "urllc";
    case SliceClass::embb: return "embb";
    case SliceClass::mmtc: return "mmtc";
    case SliceClass::custom: return "custom";
  }
  return "?";
}

std::optional<SliceClass> slice_class_from_name(std::string_view name) {
  if (name == "urllc") return SliceClass::urllc;
  if (name == "embb") return SliceClass::embb;
  if (name == "mmtc") return SliceClass::mmtc;
  if (name == "custom") return SliceClass::custom;
  return std::nullopt;
}

const char* slice_drop_policy_name(SliceDropPolicy policy) {
  switch (policy) {
    case SliceDropPolicy::tail: return "tail";
    case SliceDropPolicy::codel: return "codel";
    case SliceDropPolicy::red: return "red";
  }
  return "?";
}

std::string snssai_sd_text(uint32_t sd) {
  char text[16];
  std::snprintf(text, sizeof text, "%06x", sd & 0xffffff);
  return text;
}

namespace {
struct NamedProtocol {
  const char* name;
  uint8_t number;
};
constexpr NamedProtocol kSliceProtocols[] = {{"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"icmpv6", 58}, {"sctp", 132}};
}  // namespace

std::optional<uint8_t> slice_protocol_number(std::string_view name) {
  for (const NamedProtocol& p : kSliceProtocols) {
    if (name == p.name) return p.number;
  }
  return std::nullopt;
}

const char* slice_protocol_name(uint8_t number) {
  for (const NamedProtocol& p : kSliceProtocols) {
    if (number == p.number) return p.name;
  }
  return nullptr;
}

const SliceConfig* GatewayConfig::find_slice(const std::string& name) const {
  for (const SliceConfig& s : slices) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const SliceConfig* GatewayConfig::default_slice() const {
  for (const SliceConfig& s : slices) {
    if (s.is_default) return &s;
  }
  return nullptr;
}

}  // namespace edgegw::control
