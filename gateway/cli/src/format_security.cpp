// Human output of `edgegwctl security-group list|show`.
#include <string>
#include <vector>

#include "edgegw/cli/format.hpp"
#include "format_fields.hpp"

namespace edgegw::cli {
namespace {

using detail::key_values;
using detail::member;
using detail::list_text;
using detail::num;
using detail::str;
using nlohmann::json;

// What a rule matches beyond protocol and remote: its ports, its ICMP type, or everything.
std::string match_text(const json& rule) {
  if (str(rule, "ports") != "-") return str(rule, "ports");
  if (member(rule, "icmp_type").is_number()) return "type " + std::to_string(num(rule, "icmp_type"));
  return "-";
}

}  // namespace

std::string format_security_groups(const json& groups) {
  std::vector<std::vector<std::string>> rows;
  if (groups.is_array()) {
    for (const json& g : groups) {
      rows.push_back({str(g, "name"), std::to_string(num(g, "rules")), list_text(g, "ports"),
                      std::to_string(num(g, "matched_packets"))});
    }
  }
  return format_table({"SECURITY GROUP", "RULES", "PORTS", "MATCHED"}, rows, {false, true, false, true});
}

std::string format_security_group(const json& g) {
  std::vector<std::pair<std::string, std::string>> fields = {{"security group", str(g, "name")},
                                                             {"ports", list_text(g, "ports")}};
  const json& policies = member(g, "policies");
  if (policies.is_array()) {
    for (const json& p : policies) {
      fields.push_back({"policy", list_text(p, "groups") + " on " + list_text(p, "ports") + ": " +
                                      std::to_string(num(p, "default_allowed")) + " allowed, " +
                                      std::to_string(num(p, "default_denied")) + " denied by default"});
    }
  }
  std::vector<std::vector<std::string>> rows;
  const json& rules = member(g, "rules");
  if (rules.is_array()) {
    for (size_t i = 0; i < rules.size(); ++i) {
      const json& r = rules[i];
      rows.push_back({std::to_string(i + 1), str(r, "direction"), str(r, "action"), str(r, "protocol"),
                      str(r, "remote"), match_text(r), std::to_string(num(r, "packets")),
                      std::to_string(num(r, "bytes"))});
    }
  }
  return key_values(fields) + "\n" +
         format_table({"#", "DIRECTION", "ACTION", "PROTOCOL", "REMOTE", "MATCH", "PACKETS", "BYTES"}, rows,
                      {true, false, false, false, false, false, true, true});
}

}  // namespace edgegw::cli
