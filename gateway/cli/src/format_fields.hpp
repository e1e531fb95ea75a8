// Reading fields of a daemon reply for the human output: a missing or mistyped field renders as
// "-" (or 0) instead of throwing, since the client may talk to a newer or older daemon. Internal to
// edgegw_cli.
#pragma once

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace edgegw::cli::detail {

using nlohmann::json;

inline std::string str(const json& obj, const char* key) {
  if (!obj.is_object()) return "-";
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>().empty() ? "-" : it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  return it->dump();
}

// The member at `key`, or a null value when there is none (or `obj` is not an object).
inline const json& member(const json& obj, const char* key) {
  static const json none;
  return obj.is_object() && obj.contains(key) ? obj[key] : none;
}

inline int64_t num(const json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return (it != obj.end() && it->is_number()) ? it->get<int64_t>() : 0;
}

// The strings of the array at `key`, comma-separated; "-" when there are none.
inline std::string list_text(const json& obj, const char* key) {
  std::string text;
  if (obj.is_object() && obj.contains(key) && obj[key].is_array()) {
    for (const json& item : obj[key]) {
      if (item.is_string()) text += (text.empty() ? "" : ", ") + item.get<std::string>();
    }
  }
  return text.empty() ? "-" : text;
}

// "key  value" lines with the keys padded to one width; rows whose value is "" are left out.
inline std::string key_values(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [key, value] : rows) width = std::max(width, key.size());
  std::string out;
  for (const auto& [key, value] : rows) {
    if (value.empty()) continue;
    out += key + std::string(width - key.size() + 2, ' ') + value + "\n";
  }
  return out;
}

}  // namespace edgegw::cli::detail
