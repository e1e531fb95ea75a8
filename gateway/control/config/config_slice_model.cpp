// Slice model helpers: class and drop policy names, lookups.
#include "edgegw/control/config_model.hpp"

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
