// Human output of `edgegwctl slice list|show|stats`.
#include <cstdio>
#include <string>
#include <vector>

#include "edgegw/cli/format.hpp"
#include "format_fields.hpp"

namespace edgegw::cli {
namespace {

using detail::key_values;
using detail::member;
using detail::num;
using detail::str;
using nlohmann::json;

std::string kbit_text(int64_t kbit) {
  if (kbit == 0) return "-";
  char buf[32];
  if (kbit % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%lldM", static_cast<long long>(kbit / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%lldk", static_cast<long long>(kbit));
  }
  return buf;
}

std::string us_text(const json& latency, const char* key) {
  const json& v = member(latency, key);
  if (!v.is_number() || num(latency, "count") == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v.get<double>());
  return buf;
}

std::string snssai_text(const json& s) {
  const json& label = member(s, "snssai");
  if (!label.is_object()) return "-";
  std::string text = std::to_string(num(label, "sst"));
  if (member(label, "sd").is_string()) text += "/" + str(label, "sd");
  return text;
}

std::string name_text(const json& s) { return str(s, "name") + (member(s, "default").is_boolean() && s["default"] ? "*" : ""); }

std::vector<std::string> queue_row(const json& s, const json& q) {
  const json& d = member(q, "drops");
  const int64_t drops = num(d, "queue_full") + num(d, "red") + num(d, "codel") + num(d, "tx");
  const json& sojourn = member(q, "sojourn");
  const json& rx_to_tx = member(q, "rx_to_tx");
  return {str(s, "name"),
          str(q, "port"),
          std::to_string(num(q, "sent_packets")),
          std::to_string(drops),
          std::to_string(num(q, "depth_packets")),
          us_text(sojourn, "p50_us"),
          us_text(sojourn, "p99_us"),
          us_text(sojourn, "p999_us"),
          us_text(sojourn, "max_us"),
          us_text(rx_to_tx, "p99_us"),
          std::to_string(num(q, "over_budget"))};
}

const std::vector<std::string> kQueueHeader = {"SLICE",       "PORT",         "SENT",         "DROPS",
                                               "DEPTH",       "QUEUE p50 us", "p99 us",       "p99.9 us",
                                               "max us",      "RX->TX p99 us", "OVER BUDGET"};
const std::vector<bool> kQueueRight = {false, false, true, true, true, true, true, true, true, true, true};

}  // namespace

std::string format_slices(const json& slices) {
  std::vector<std::vector<std::string>> rows;
  if (slices.is_array()) {
    for (const json& s : slices) {
      rows.push_back({name_text(s), str(s, "class"), std::to_string(num(s, "priority")),
                      std::to_string(num(s, "weight")), kbit_text(num(s, "guaranteed_kbit")),
                      kbit_text(num(s, "ceiling_kbit")), snssai_text(s), std::to_string(num(s, "packets")),
                      std::to_string(num(s, "sent_packets")), std::to_string(num(s, "dropped_packets"))});
    }
  }
  return format_table({"SLICE", "CLASS", "PRIO", "WEIGHT", "GUARANTEED", "CEILING", "S-NSSAI", "PACKETS", "SENT", "DROPPED"},
                      rows, {false, false, true, true, true, true, false, true, true, true}) +
         "(* the default slice: traffic no slice matches)\n";
}

std::string format_slice(const json& s) {
  const json& colors = member(s, "colors");
  std::vector<std::pair<std::string, std::string>> fields = {
      {"slice", name_text(s)},
      {"class", str(s, "class") + ", priority " + std::to_string(num(s, "priority")) + ", weight " +
                    std::to_string(num(s, "weight"))},
      {"rates", "guaranteed " + kbit_text(num(s, "guaranteed_kbit")) + ", ceiling " + kbit_text(num(s, "ceiling_kbit"))},
      {"latency budget", num(s, "latency_budget_us") == 0 ? "-" : std::to_string(num(s, "latency_budget_us")) + " us"},
      {"S-NSSAI", snssai_text(s)},
      {"classified", std::to_string(num(s, "packets")) + " packets, " + std::to_string(num(s, "bytes")) + " bytes"},
      {"policer", member(s, "police").is_string()
                      ? str(s, "police") + ": " + std::to_string(num(colors, "green")) + " green, " +
                            std::to_string(num(colors, "yellow")) + " yellow, " + std::to_string(num(colors, "red")) +
                            " red, " + std::to_string(num(s, "policed")) + " dropped"
                      : "-"},
      {"remarked", std::to_string(num(s, "remarked"))}};
  return key_values(fields) + "\n" + format_slice_stats(json::array({s}));
}

std::string format_slice_stats(const json& slices) {
  std::vector<std::vector<std::string>> rows;
  if (slices.is_array()) {
    for (const json& s : slices) {
      const json& queues = member(s, "queues");
      if (!queues.is_array()) continue;
      for (const json& q : queues) rows.push_back(queue_row(s, q));
    }
  }
  if (rows.empty()) return "no shaped ports: slices are classified and policed, not queued\n";
  return format_table(kQueueHeader, rows, kQueueRight);
}

}  // namespace edgegw::cli
