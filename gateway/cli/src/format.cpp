// Human output of edgegwctl. Missing or mistyped fields render as "-" instead of throwing: the
// client may talk to a newer or older daemon.
#include "edgegw/cli/format.hpp"

#include <algorithm>
#include <ctime>
#include <sstream>

namespace edgegw::cli {
namespace {

using nlohmann::json;

std::string str(const json& obj, const char* key) {
  if (!obj.is_object()) return "-";
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>().empty() ? "-" : it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  return it->dump();
}

int64_t num(const json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return (it != obj.end() && it->is_number()) ? it->get<int64_t>() : 0;
}

}  // namespace

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& numeric) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      std::string pad(width[c] - std::min(width[c], cell.size()), ' ');
      bool right = c < numeric.size() && numeric[c];
      if (c) text += "  ";
      text += right ? pad + cell : cell + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out.str();
}

std::string format_duration(int64_t s) {
  if (s < 0) s = 0;
  int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
  std::ostringstream out;
  if (d) out << d << "d ";
  if (d || h) out << h << "h ";
  if (d || h || m) out << m << "m ";
  out << sec << "s";
  return out.str();
}

std::string format_time_ms(int64_t epoch_ms) {
  if (epoch_ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_ports(const json& ports) {
  std::vector<std::vector<std::string>> rows;
  if (ports.is_array()) {
    for (const json& p : ports) {
      std::string state = str(p, "state");
      if (state == "down" && str(p, "reason") != "-") state += " (" + str(p, "reason") + ")";
      rows.push_back({str(p, "name"), str(p, "network"), state, p.value("link_up", false) ? "up" : "down",
                      std::to_string(num(p, "rx_packets")), std::to_string(num(p, "rx_bytes")),
                      std::to_string(num(p, "tx_packets")), std::to_string(num(p, "tx_bytes")),
                      std::to_string(num(p, "drops_total"))});
    }
  }
  return format_table({"PORT", "NETWORK", "STATE", "LINK", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES", "DROPS"},
                      rows, {false, false, false, false, true, true, true, true, true});
}

std::string format_status(const json& s) {
  std::ostringstream out;
  out << "edgegw " << str(s, "version") << "  node " << str(s, "node_id") << "  board " << str(s, "board")
      << "  up " << format_duration(num(s, "uptime_s")) << "\n";
  const json config = s.is_object() && s.contains("config") ? s["config"] : json();
  if (config.is_object()) {
    std::string hash = str(config, "hash");
    out << "config " << num(config, "version") << " from " << str(config, "source") << ", applied "
        << format_time_ms(num(config, "applied_at_ms")) << ", sha256 " << hash.substr(0, 12) << "\n";
  } else {
    out << "config none applied\n";
  }
  const json dp = s.is_object() && s.contains("dataplane") ? s["dataplane"] : json();
  out << "dataplane " << num(dp, "worker_lcores") << " worker lcore(s), tables generation "
      << num(dp, "generation") << "\n\n";
  out << format_ports(s.is_object() && s.contains("ports") ? s["ports"] : json::array());
  return out.str();
}

std::string format_history(const json& history) {
  std::vector<std::vector<std::string>> rows;
  if (history.is_array()) {
    for (const json& v : history) {
      std::string hash = str(v, "hash");
      rows.push_back({std::to_string(num(v, "version")), str(v, "status"), str(v, "source"), str(v, "actor"),
                      format_time_ms(num(v, "created_at_ms")), format_time_ms(num(v, "applied_at_ms")),
                      hash.substr(0, 12), str(v, "error")});
    }
  }
  return format_table({"VERSION", "STATUS", "SOURCE", "ACTOR", "CREATED", "APPLIED", "SHA256", "ERROR"}, rows,
                      {true, false, false, false, false, false, false, false});
}

std::string format_audit(const json& audit) {
  std::vector<std::vector<std::string>> rows;
  if (audit.is_array()) {
    for (const json& a : audit) {
      rows.push_back({format_time_ms(num(a, "ts_ms")), str(a, "action"), std::to_string(num(a, "version")),
                      str(a, "source"), str(a, "actor"), str(a, "detail")});
    }
  }
  return format_table({"TIME", "ACTION", "VERSION", "SOURCE", "ACTOR", "DETAIL"}, rows,
                      {false, false, true, false, false, false});
}

std::string format_error(const json& error) {
  std::ostringstream out;
  const json issues = error.is_object() && error.contains("issues") ? error["issues"] : json();
  if (issues.is_array() && !issues.empty()) {
    out << "error: config rejected, " << issues.size() << (issues.size() == 1 ? " problem" : " problems") << ":\n";
    for (const json& i : issues) {
      std::string pointer = i.value("pointer", "");
      out << "  " << (pointer.empty() ? "(document)" : pointer) << ": " << i.value("message", "") << "\n";
    }
    return out.str();
  }
  std::string pointer = str(error, "pointer");
  out << "error: " << (pointer != "-" ? pointer + ": " : "") << str(error, "message") << "\n";
  return out.str();
}

}  // namespace edgegw::cli
