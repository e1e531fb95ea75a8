// Guest model helpers: restart policy names, default NIC MACs, lookup.
#include <cstdint>

#include "edgegw/control/config_model.hpp"

namespace edgegw::control {

const char* restart_policy_name(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::never: return "never";
    case RestartPolicy::on_failure: return "on-failure";
    case RestartPolicy::always: return "always";
  }
  return "?";
}

std::optional<RestartPolicy> restart_policy_from_name(std::string_view name) {
  if (name == "never") return RestartPolicy::never;
  if (name == "on-failure") return RestartPolicy::on_failure;
  if (name == "always") return RestartPolicy::always;
  return std::nullopt;
}

MacAddress default_guest_mac(const std::string& guest, size_t nic_index) {
  // 64-bit FNV-1a over the name, a zero byte and the decimal index: stable forever.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) { h = (h ^ c) * 1099511628211ull; };
  for (unsigned char c : guest) mix(c);
  mix(0);
  for (char c : std::to_string(nic_index)) mix(static_cast<unsigned char>(c));
  return {0x52, 0x54, 0x00, static_cast<uint8_t>(h >> 16), static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)};
}

const GuestConfig* GatewayConfig::find_guest(const std::string& name) const {
  for (const GuestConfig& g : guests) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

}  // namespace edgegw::control
