// Human output of edgegwctl. Missing or mistyped fields render as "-" instead of throwing: the
// client may talk to a newer or older daemon.
#include "edgegw/cli/format.hpp"

#include <algorithm>
#include <ctime>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "format_fields.hpp"

namespace edgegw::cli {
namespace {

using nlohmann::json;
using detail::key_values;
using detail::list_text;
using detail::num;
using detail::str;

// "site, v20" from a port's "networks" (an older daemon sends only "network").
std::string networks_text(const json& p) {
  const json networks = p.is_object() && p.contains("networks") ? p["networks"] : json();
  if (!networks.is_array()) return str(p, "network");
  std::string text;
  for (const json& n : networks) {
    if (n.is_string()) text += (text.empty() ? "" : ", ") + n.get<std::string>();
  }
  return text.empty() ? "-" : text;
}

std::string state_text(const json& p) {
  std::string state = str(p, "state");
  if (state == "down" && str(p, "reason") != "-") state += " (" + str(p, "reason") + ")";
  return state;
}

std::string link_text(const json& p) {
  if (!p.is_object()) return "down";
  if (p.contains("link") && p["link"].is_string()) return p["link"].get<std::string>();
  return p.value("link_up", false) ? "up" : "down";
}

// "10" for a tag, "-" for none (0).
std::string tag_text(const json& obj, const char* key) {
  const int64_t tag = num(obj, key);
  return tag == 0 ? "-" : std::to_string(tag);
}

// "every 3m 20s at most, router lifetime 30m 0s, dns fd00:10::53", or "off".
std::string router_adverts_text(const json& ra) {
  const bool enabled = ra.is_object() && ra.contains("enabled") && ra["enabled"].is_boolean() && ra["enabled"].get<bool>();
  if (!enabled) return "off";
  const int64_t lifetime = num(ra, "router_lifetime_s");
  std::string text = "every " + format_duration(num(ra, "interval_s")) + " at most, " +
                     (lifetime == 0 ? "not a default router" : "router lifetime " + format_duration(lifetime));
  if (const std::string dns = list_text(ra, "dns"); dns != "-") text += ", dns " + dns;
  return text;
}

// A routed network's IPv6: the gateway's global and link-local addresses, and its advertisements.
void add_ipv6_fields(const json& n, std::vector<std::pair<std::string, std::string>>& fields) {
  if (!n.is_object() || !n.contains("ipv6") || !n["ipv6"].is_object()) return;
  const json& v6 = n["ipv6"];
  fields.push_back({"ipv6", str(v6, "gateway") + " on " + str(v6, "subnet") + ", link-local " + str(v6, "link_local")});
  fields.push_back({"router adverts", router_adverts_text(v6.contains("router_advertisements")
                                                              ? v6["router_advertisements"]
                                                              : json())});
}

// The lines of a network's router advertisements: what is advertised, then what was sent and heard.
void add_router_advertisement_fields(const json& ra, std::vector<std::pair<std::string, std::string>>& fields) {
  std::string what = str(ra, "prefix") + " from " + str(ra, "source") + ", router lifetime " +
                     format_duration(num(ra, "router_lifetime_s")) + ", every " +
                     format_duration(num(ra, "interval_s")) + " at most";
  if (num(ra, "mtu") != 0) what += ", mtu " + std::to_string(num(ra, "mtu"));
  if (const std::string dns = list_text(ra, "dns"); dns != "-") what += ", dns " + dns;
  fields.push_back({"ra", what});
  fields.push_back({"ra sent", std::to_string(num(ra, "ra_sent_unsolicited")) + " unsolicited, " +
                                   std::to_string(num(ra, "ra_sent_solicited")) + " solicited, " +
                                   std::to_string(num(ra, "send_failed")) + " failed; " +
                                   std::to_string(num(ra, "rs_received")) + " solicitations, " +
                                   std::to_string(num(ra, "rs_malformed")) + " malformed"});
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
      rows.push_back({str(p, "name"), str(p, "role"), networks_text(p), state_text(p), link_text(p),
                      std::to_string(num(p, "rx_packets")), std::to_string(num(p, "rx_bytes")),
                      std::to_string(num(p, "tx_packets")), std::to_string(num(p, "tx_bytes")),
                      std::to_string(num(p, "drops_total"))});
    }
  }
  return format_table(
      {"PORT", "ROLE", "NETWORKS", "STATE", "LINK", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES", "DROPS"}, rows,
      {false, false, false, false, false, true, true, true, true, true});
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
      << num(dp, "generation") << "\n";
  const json guests = s.is_object() && s.contains("guests") ? s["guests"] : json();
  if (num(guests, "configured") > 0) {
    const json& states = guests["states"];
    out << "guests " << num(guests, "configured") << " configured, " << num(states, "running") << " running";
    for (const char* st : {"starting", "stopping", "backoff", "stopped"}) {
      if (num(states, st) > 0) out << ", " << num(states, st) << " " << st;
    }
    if (str(guests, "accel") != "-") out << " (" << str(guests, "accel") << ")";
    out << "\n";
  }
  out << "\n";
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

namespace edgegw::cli {

std::string format_port(const json& p) {
  std::string link = link_text(p);
  if (link == "up" && num(p, "speed_mbps") > 0) link += ", " + std::to_string(num(p, "speed_mbps")) + " Mb/s";
  std::string macs = std::to_string(num(p, "macs_learned")) + " learned";
  macs += num(p, "mac_limit") > 0 ? ", limit " + std::to_string(num(p, "mac_limit")) : ", no limit";
  std::string address = str(p, "address") == "-" ? "" : str(p, "address");
  if (!address.empty() && str(p, "host_address_error") != "-") address += " (not set: " + str(p, "host_address_error") + ")";
  std::string tags;
  const json memberships = p.is_object() && p.contains("memberships") ? p["memberships"] : json();
  if (memberships.is_array()) {
    for (const json& m : memberships) {
      std::string one = str(m, "network");
      if (num(m, "vlan") != 0) one += " vlan " + std::to_string(num(m, "vlan"));
      if (num(m, "outer_vlan") != 0) one += " outer " + std::to_string(num(m, "outer_vlan"));
      tags += (tags.empty() ? "" : ", ") + one;
    }
  }
  std::string out = key_values({{"port", str(p, "name")},
                                {"kind", str(p, "kind")},
                                {"role", str(p, "role")},
                                {"state", state_text(p)},
                                {"link", link},
                                {"networks", tags.empty() ? networks_text(p) : tags},
                                {"devargs", str(p, "devargs")},
                                {"iface", str(p, "iface") == "-" ? "" : str(p, "iface")},
                                {"socket", str(p, "socket") == "-" ? "" : str(p, "socket")},
                                {"address", address},
                                {"mac", str(p, "mac")},
                                {"mtu", std::to_string(num(p, "mtu"))},
                                {"queues", std::to_string(num(p, "queues"))},
                                {"macs", macs},
                                {"security", list_text(p, "security_groups") == "-" ? "" : list_text(p, "security_groups")}});
  std::vector<std::vector<std::string>> rows;
  for (const char* counter : {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "hw_rx_missed", "hw_tx_errors",
                              "drops_total"}) {
    rows.push_back({counter, std::to_string(num(p, counter))});
  }
  const json drops = p.is_object() && p.contains("drops") ? p["drops"] : json();
  if (drops.is_object()) {
    for (const auto& [reason, count] : drops.items()) {
      rows.push_back({"drop." + reason, count.is_number() ? std::to_string(count.get<int64_t>()) : "-"});
    }
  }
  return out + "\n" + format_table({"COUNTER", "VALUE"}, rows, {false, true});
}

std::string format_networks(const json& networks) {
  std::vector<std::vector<std::string>> rows;
  if (networks.is_array()) {
    for (const json& n : networks) {
      const json members = n.is_object() && n.contains("members") ? n["members"] : json();
      std::string names;
      if (members.is_array()) {
        for (const json& m : members) {
          if (m.is_string()) names += (names.empty() ? "" : ", ") + m.get<std::string>();
        }
      }
      const size_t count = members.is_array() ? members.size() : 0;
      rows.push_back({str(n, "name"), str(n, "mode"), str(n, "subnet"), names.empty() ? "-" : names,
                      std::to_string(num(n, "members_up")) + "/" + std::to_string(count),
                      std::to_string(num(n, "fdb_entries")) + "/" + std::to_string(num(n, "fdb_max_entries"))});
    }
  }
  return format_table({"NETWORK", "MODE", "SUBNET", "MEMBERS", "UP", "FDB"}, rows,
                      {false, false, false, false, true, true});
}

std::string format_network(const json& n) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"network", str(n, "name")},
      {"mode", str(n, "mode")},
      {"subnet", str(n, "subnet")},
      {"fdb", std::to_string(num(n, "fdb_entries")) + " of " + std::to_string(num(n, "fdb_max_entries")) +
                  " learned, aging " + std::to_string(num(n, "fdb_aging_s")) + "s"}};
  // Routed networks: the switch's gateway on the subnet and what its ARP cache holds.
  if (n.is_object() && n.contains("gateway") && n["gateway"].is_string()) {
    fields.push_back({"gateway", str(n, "gateway") + " (" + str(n, "router_mac") + "), " +
                                     std::to_string(num(n, "neighbors")) + " neighbors resolved"});
  }
  add_ipv6_fields(n, fields);
  if (const std::string groups = list_text(n, "security_groups"); groups != "-") {
    fields.push_back({"security", groups + " (for members without groups of their own)"});
  }
  if (n.is_object() && n.contains("nat_uplink") && n["nat_uplink"].is_string()) {
    const json refused = n.contains("nat_refused") ? n["nat_refused"] : json();
    fields.push_back({"nat", "via " + str(n, "nat_uplink") + ", " + std::to_string(num(n, "nat_sessions")) +
                                 " sessions; refused: " + std::to_string(num(refused, "table_full")) + " table full, " +
                                 std::to_string(num(refused, "host_limit")) + " host limit, " +
                                 std::to_string(num(refused, "no_port")) + " no port"});
  }
  if (n.is_object() && n.contains("dhcp") && n["dhcp"].is_object()) {
    const json& d = n["dhcp"];
    const json range = d.contains("range") ? d["range"] : json();
    fields.push_back({"dhcp", str(range, "first") + " - " + str(range, "last") + ", " +
                                  std::to_string(num(d, "leases_bound")) + " leases bound, " +
                                  std::to_string(num(d, "static_leases")) + " static, lease " +
                                  format_duration(num(d, "lease_time_s"))});
    uint64_t dropped = 0;
    if (d.contains("dropped") && d["dropped"].is_object()) {
      for (const auto& [reason, count] : d["dropped"].items()) dropped += count.is_number() ? count.get<uint64_t>() : 0;
    }
    fields.push_back({"dhcp replies", std::to_string(num(d, "offers")) + " offers, " + std::to_string(num(d, "acks")) +
                                          " acks, " + std::to_string(num(d, "naks")) + " naks; " +
                                          std::to_string(num(d, "conflicts")) + " conflicts, " +
                                          std::to_string(num(d, "declines")) + " declines, " +
                                          std::to_string(dropped) + " dropped"});
  }
  if (n.is_object() && n.contains("router_advertisements") && n["router_advertisements"].is_object()) {
    add_router_advertisement_fields(n["router_advertisements"], fields);
  }
  std::string out = key_values(fields);
  std::vector<std::vector<std::string>> members;
  const json member_list = n.is_object() && n.contains("members") ? n["members"] : json();
  if (member_list.is_array()) {
    for (const json& m : member_list) {
      members.push_back({str(m, "port"), tag_text(m, "vlan"), tag_text(m, "outer_vlan"), str(m, "role"),
                         state_text(m)});
    }
  }
  out += "\n" + format_table({"MEMBER", "VLAN", "OUTER", "ROLE", "STATE"}, members,
                             {false, true, true, false, false});
  std::vector<std::vector<std::string>> entries;
  const json fdb = n.is_object() && n.contains("fdb") ? n["fdb"] : json();
  if (fdb.is_array()) {
    for (const json& e : fdb) {
      const bool is_static = e.is_object() && e.value("static", false);
      entries.push_back({str(e, "mac"), str(e, "port"), tag_text(e, "vlan"), tag_text(e, "outer_vlan"),
                         is_static ? "static" : "learned",
                         is_static ? "-" : format_duration(num(e, "age_s"))});
    }
  }
  out += "\n" + format_table({"MAC", "PORT", "VLAN", "OUTER", "TYPE", "AGE"}, entries,
                             {false, false, true, true, false, true});
  return out;
}

std::string format_dhcp_leases(const json& leases) {
  std::vector<std::vector<std::string>> rows;
  if (leases.is_array()) {
    for (const json& l : leases) {
      const int64_t left = num(l, "expires_in_s");
      rows.push_back({str(l, "network"), str(l, "ip"), str(l, "mac"), str(l, "state"),
                      left > 0 ? format_duration(left) : "-", str(l, "hostname")});
    }
  }
  return format_table({"NETWORK", "IP", "MAC", "STATE", "EXPIRES IN", "HOSTNAME"}, rows,
                      {false, false, false, false, true, false});
}

std::string format_nat_sessions(const json& sessions) {
  std::vector<std::vector<std::string>> rows;
  if (sessions.is_array()) {
    for (const json& x : sessions) {
      const bool forwarded = x.is_object() && x.value("forwarded", false);
      rows.push_back({str(x, "protocol"), str(x, "inside"), str(x, "external"), str(x, "remote"),
                      forwarded ? "forward" : "out", str(x, "tcp_state").empty() ? "-" : str(x, "tcp_state"),
                      format_duration(num(x, "idle_s"))});
    }
  }
  return format_table({"PROTO", "INSIDE", "EXTERNAL", "REMOTE", "DIR", "TCP", "IDLE"}, rows,
                      {false, false, false, false, false, false, true});
}

}  // namespace edgegw::cli
