// Slices of a config document and the ports' egress shapers: each slice's class, priority, rates,
// queue, matches, remarking, policer and S-NSSAI, then admission (the guarantees on a shaped port
// fit its rate). Read after the ports, networks and guests (matches name them).
#include <algorithm>
#include <optional>
#include <string>

#include "config_reader.hpp"
#include "config_values.hpp"

namespace edgegw::control::detail {
namespace {

constexpr uint64_t kMaxRateKbit = 100'000'000;  // 100 Gbit/s
constexpr uint64_t kMaxBurstBytes = 16'777'216;
constexpr uint64_t kMinBurstBytes = 1514;  // one full-size frame

// Defaults that make a class mean something without more fields.
void apply_class_defaults(SliceClass cls, SliceConfig& slice) {
  switch (cls) {
    case SliceClass::urllc:
      slice.priority = 0;
      slice.latency_budget_us = 1000;
      slice.queue.packets = 256;
      slice.queue.bytes = 262144;
      break;
    case SliceClass::embb:
      slice.priority = 2;
      slice.queue.drop = SliceDropPolicy::codel;
      break;
    case SliceClass::mmtc:
      slice.priority = 4;
      slice.queue.packets = 4096;
      break;
    case SliceClass::custom: slice.priority = 3; break;
  }
}

// "a.b.c.d/len" or an IPv6 prefix, host bits zero.
Result<SliceAddressMatch> parse_address_match(const std::string& text) {
  SliceAddressMatch out;
  if (text.find(':') == std::string::npos) {
    Result<Ipv4Prefix> v4 = parse_route_prefix(text);
    if (!v4) return v4.error();
    out.ipv4 = true;
    out.prefix.address[10] = 0xff;
    out.prefix.address[11] = 0xff;
    for (int k = 0; k < 4; ++k) out.prefix.address[12 + k] = static_cast<uint8_t>(v4->address >> (24 - 8 * k));
    out.prefix.length = static_cast<uint8_t>(96 + v4->length);
    return out;
  }
  Result<Ipv6Prefix> v6 = parse_ipv6_prefix(text, 0, 128);
  if (!v6) return v6.error();
  out.ipv4 = false;
  out.prefix = *v6;
  return out;
}

// "N" or "N-M" with 1 <= N <= M <= 16777215.
std::optional<VniRange> parse_vni_range(const std::string& text) {
  auto number = [](std::string_view s) -> std::optional<uint32_t> {
    if (s.empty() || s.size() > 8) return std::nullopt;
    uint32_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v < 1 || v > 16777215) return std::nullopt;
    return v;
  };
  const size_t dash = text.find('-');
  const auto first = number(std::string_view(text).substr(0, dash));
  const auto last = dash == std::string::npos ? first : number(std::string_view(text).substr(dash + 1));
  if (!first || !last || *last < *first) return std::nullopt;
  return VniRange{*first, *last};
}

}  // namespace

std::optional<PortShaperConfig> ConfigReader::read_shaper(const Field& field, const std::string& port) {
  const Json* json = read_object(field, issues_);
  if (json == nullptr) return std::nullopt;
  ObjectReader object(*json, field.at, {"rate_kbit", "burst_bytes", "overhead_bytes"}, issues_);
  PortShaperConfig shaper;
  bool ok = true;
  const Field rate = object.required("rate_kbit");
  if (auto v = read_integer(rate, 64, kMaxRateKbit, issues_)) {
    shaper.rate_kbit = *v;
    if (!port.empty()) shaper_rate_at_.emplace(port, rate.at);
  } else {
    ok = false;
  }
  if (auto v = read_integer(object.optional("burst_bytes"), kMinBurstBytes, kMaxBurstBytes, issues_)) {
    shaper.burst_bytes = static_cast<uint32_t>(*v);
  }
  if (auto v = read_integer(object.optional("overhead_bytes"), 0, 64, issues_)) {
    shaper.overhead_bytes = static_cast<uint16_t>(*v);
  }
  if (!ok) return std::nullopt;
  return shaper;
}

void ConfigReader::read_slices(const Field& field, GatewayConfig& config) {
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return;
  const size_t count = checked_length(*array, kMaxSlices, "slices", field.at);
  FirstSeen names{"slice name"};
  std::optional<Location> default_at;
  size_t rules = 0;
  for (size_t i = 0; i < count; ++i) {
    const Location at = field.at.element(i);
    if (!expect_object((*array)[i], at)) continue;
    SliceConfig slice = read_slice((*array)[i], at, names, config);
    if (slice.is_default) {
      if (default_at) {
        issues_.add(at.member("default", 0), "only one slice may be the default (also " + default_at->pointer + ")");
      } else {
        default_at = at;
      }
    }
    rules += slice.match.size();
    config.slices.push_back(std::move(slice));
  }
  if (count != 0 && !default_at && count == array->size()) {
    issues_.add(field.at, "one slice must have \"default\": true (it takes the traffic no slice matches)");
  }
  if (rules > kMaxSliceMatchRules) {
    issues_.add(field.at, "must have at most " + std::to_string(kMaxSliceMatchRules) +
                              " match entries across all slices, got " + std::to_string(rules));
  }
}

SliceConfig ConfigReader::read_slice(const Json& json, const Location& at, FirstSeen& names,
                                     const GatewayConfig& config) {
  ObjectReader object(json, at,
                      {"name", "class", "priority", "weight", "guaranteed_kbit", "ceiling_kbit", "burst_bytes", "queue",
                       "latency_budget_us", "match", "remark", "police", "snssai", "default"},
                      issues_);
  SliceConfig slice;
  const Field class_field = object.optional("class");
  if (auto text = read_string(class_field, issues_)) {
    if (auto cls = slice_class_from_name(*text)) {
      slice.cls = *cls;
    } else {
      issues_.add(class_field.at, one_of_message({"urllc", "embb", "mmtc", "custom"}, *text));
    }
  }
  apply_class_defaults(slice.cls, slice);

  const Field name = object.required("name");
  if (auto text = read_string(name, issues_)) {
    if (auto checked = check_object_name(*text); !checked) {
      issues_.add(name.at, checked.error().message);
    } else {
      names.add(*text, name.at, issues_);
    }
    slice.name = *text;
  }
  if (auto v = read_integer(object.optional("priority"), 0, 7, issues_)) slice.priority = static_cast<uint8_t>(*v);
  if (auto v = read_integer(object.optional("weight"), 1, 1000, issues_)) slice.weight = static_cast<uint32_t>(*v);
  const Field guaranteed = object.optional("guaranteed_kbit");
  if (auto v = read_integer(guaranteed, 0, kMaxRateKbit, issues_)) slice.guaranteed_kbit = *v;
  const Field ceiling = object.optional("ceiling_kbit");
  if (auto v = read_integer(ceiling, 0, kMaxRateKbit, issues_)) {
    slice.ceiling_kbit = *v;
    if (*v != 0 && *v < slice.guaranteed_kbit) {
      issues_.add(ceiling.at, "must be at least guaranteed_kbit (" + std::to_string(slice.guaranteed_kbit) +
                                  ") or 0 (the port's rate), got " + std::to_string(*v));
    }
  }
  if (auto v = read_integer(object.optional("burst_bytes"), kMinBurstBytes, kMaxBurstBytes, issues_)) {
    slice.burst_bytes = static_cast<uint32_t>(*v);
  }
  read_slice_queue(object.optional("queue"), slice.queue);
  if (auto v = read_integer(object.optional("latency_budget_us"), 0, 10'000'000, issues_)) {
    slice.latency_budget_us = static_cast<uint32_t>(*v);
  }

  const Field match = object.optional("match");
  if (const Json* list = read_array(match, issues_)) {
    const size_t n = checked_length(*list, kMaxSliceMatches, "match entries", match.at);
    for (size_t k = 0; k < n; ++k) {
      const Location entry_at = match.at.element(k);
      if (!expect_object((*list)[k], entry_at)) continue;
      slice.match.push_back(read_slice_match((*list)[k], entry_at, config));
    }
  }

  const Field remark = object.optional("remark");
  if (const Json* r = read_object(remark, issues_)) {
    ObjectReader remark_object(*r, remark.at, {"dscp", "pcp"}, issues_);
    if (auto v = read_integer(remark_object.optional("dscp"), 0, 63, issues_)) {
      slice.remark_dscp = static_cast<uint8_t>(*v);
    }
    if (auto v = read_integer(remark_object.optional("pcp"), 0, 7, issues_)) slice.remark_pcp = static_cast<uint8_t>(*v);
  }
  slice.police = read_slice_police(object.optional("police"));

  const Field snssai = object.optional("snssai");
  if (const Json* s = read_object(snssai, issues_)) {
    ObjectReader snssai_object(*s, snssai.at, {"sst", "sd"}, issues_);
    SnssaiConfig label;
    if (auto v = read_integer(snssai_object.required("sst"), 0, 255, issues_)) label.sst = static_cast<uint8_t>(*v);
    const Field sd = snssai_object.optional("sd");
    if (auto text = read_string(sd, issues_)) {
      uint32_t value = 0;
      bool hex = text->size() == 6;
      for (char c : *text) {
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                             : -1;
        if (digit < 0) hex = false;
        value = value * 16 + static_cast<uint32_t>(digit < 0 ? 0 : digit);
      }
      if (!hex || value == 0xffffff) {
        issues_.add(sd.at, "must be 6 hex digits from 000000 to fffffe (ffffff means no SD: leave it out), got " +
                               quote_text(*text));
      } else {
        label.sd = value;
      }
    }
    slice.snssai = label;
  }
  if (auto v = read_bool(object.optional("default"), issues_)) slice.is_default = *v;
  return slice;
}

void ConfigReader::read_slice_queue(const Field& field, SliceQueueConfig& queue) {
  const Json* json = read_object(field, issues_);
  if (json == nullptr) return;
  ObjectReader object(*json, field.at,
                      {"packets", "bytes", "drop", "codel_target_us", "codel_interval_us", "red_min_packets",
                       "red_max_packets", "red_max_p_percent"},
                      issues_);
  if (auto v = read_integer(object.optional("packets"), 1, 65536, issues_)) queue.packets = static_cast<uint32_t>(*v);
  if (auto v = read_integer(object.optional("bytes"), kMinBurstBytes, 67'108'864, issues_)) {
    queue.bytes = static_cast<uint32_t>(*v);
  }
  const Field drop = object.optional("drop");
  if (auto text = read_string(drop, issues_)) {
    if (*text == "tail") {
      queue.drop = SliceDropPolicy::tail;
    } else if (*text == "codel") {
      queue.drop = SliceDropPolicy::codel;
    } else if (*text == "red") {
      queue.drop = SliceDropPolicy::red;
    } else {
      issues_.add(drop.at, one_of_message({"tail", "codel", "red"}, *text));
    }
  }
  const bool codel = queue.drop == SliceDropPolicy::codel;
  const bool red = queue.drop == SliceDropPolicy::red;
  auto only_for = [&](const char* name, bool allowed, const char* policy) {
    const Field f = object.optional(name);
    if (f.value != nullptr && !allowed) {
      issues_.add(f.at, std::string("allowed only when drop is '") + policy + "'");
      return Field{};
    }
    return f;
  };
  if (auto v = read_integer(only_for("codel_target_us", codel, "codel"), 100, 1'000'000, issues_)) {
    queue.codel_target_us = static_cast<uint32_t>(*v);
  }
  const Field interval = only_for("codel_interval_us", codel, "codel");
  if (auto v = read_integer(interval, 1000, 10'000'000, issues_)) {
    queue.codel_interval_us = static_cast<uint32_t>(*v);
    if (*v <= queue.codel_target_us) {
      issues_.add(interval.at, "must be more than codel_target_us (" + std::to_string(queue.codel_target_us) + ")");
    }
  }
  if (red) {
    queue.red_min_packets = std::max<uint32_t>(1, queue.packets / 4);
    queue.red_max_packets = std::max<uint32_t>(2, queue.packets * 3 / 4);
  }
  if (auto v = read_integer(only_for("red_min_packets", red, "red"), 1, 65536, issues_)) {
    queue.red_min_packets = static_cast<uint32_t>(*v);
  }
  const Field red_max = only_for("red_max_packets", red, "red");
  if (auto v = read_integer(red_max, 1, 65536, issues_)) queue.red_max_packets = static_cast<uint32_t>(*v);
  if (red && (queue.red_min_packets >= queue.red_max_packets || queue.red_max_packets > queue.packets)) {
    issues_.add(red_max.value != nullptr ? red_max.at : field.at,
                "RED needs red_min_packets < red_max_packets <= packets, got " +
                    std::to_string(queue.red_min_packets) + " < " + std::to_string(queue.red_max_packets) +
                    " <= " + std::to_string(queue.packets));
  }
  if (auto v = read_integer(only_for("red_max_p_percent", red, "red"), 1, 100, issues_)) {
    queue.red_max_p_percent = static_cast<uint16_t>(*v);
  }
}

std::optional<SlicePoliceConfig> ConfigReader::read_slice_police(const Field& field) {
  const Json* json = read_object(field, issues_);
  if (json == nullptr) return std::nullopt;
  ObjectReader object(*json, field.at,
                      {"mode", "cir_kbit", "cbs_bytes", "ebs_bytes", "pir_kbit", "pbs_bytes", "drop_yellow"}, issues_);
  SlicePoliceConfig police;
  const Field mode = object.required("mode");
  if (auto text = read_string(mode, issues_)) {
    if (*text == "srtcm" || *text == "trtcm") {
      police.trtcm = *text == "trtcm";
    } else {
      issues_.add(mode.at, one_of_message({"srtcm", "trtcm"}, *text));
    }
  }
  if (auto v = read_integer(object.required("cir_kbit"), 8, kMaxRateKbit, issues_)) police.cir_kbit = *v;
  if (auto v = read_integer(object.optional("cbs_bytes"), kMinBurstBytes, kMaxBurstBytes, issues_)) {
    police.cbs_bytes = static_cast<uint32_t>(*v);
  }
  const Field ebs = object.optional("ebs_bytes");
  if (ebs.value != nullptr && police.trtcm) {
    issues_.add(ebs.at, "allowed only when mode is 'srtcm'");
  } else if (auto v = read_integer(ebs, 0, kMaxBurstBytes, issues_)) {
    police.ebs_bytes = static_cast<uint32_t>(*v);
  }
  const Field pir = police.trtcm ? object.required("pir_kbit") : object.optional("pir_kbit");
  const Field pbs = object.optional("pbs_bytes");
  if (!police.trtcm) {
    if (pir.value != nullptr) issues_.add(pir.at, "allowed only when mode is 'trtcm'");
    if (pbs.value != nullptr) issues_.add(pbs.at, "allowed only when mode is 'trtcm'");
  } else {
    if (auto v = read_integer(pir, 8, kMaxRateKbit, issues_)) {
      police.pir_kbit = *v;
      if (*v < police.cir_kbit) {
        issues_.add(pir.at, "must be at least cir_kbit (" + std::to_string(police.cir_kbit) + "), got " +
                                std::to_string(*v));
      }
    }
    if (auto v = read_integer(pbs, kMinBurstBytes, kMaxBurstBytes, issues_)) police.pbs_bytes = static_cast<uint32_t>(*v);
  }
  if (auto v = read_bool(object.optional("drop_yellow"), issues_)) police.drop_yellow = *v;
  return police;
}

SliceMatchConfig ConfigReader::read_slice_match(const Json& json, const Location& at, const GatewayConfig& config) {
  ObjectReader object(json, at,
                      {"ports", "guests", "networks", "pcp", "dscp", "protocol", "src", "dst", "src_ports", "dst_ports",
                       "vni"},
                      issues_);
  SliceMatchConfig match;
  auto names = [&](const char* key, std::vector<std::string>& out, auto known, const char* what) {
    const Field f = object.optional(key);
    const Json* list = read_array(f, issues_);
    if (list == nullptr) return;
    FirstSeen seen{what};
    const size_t n = checked_length(*list, 64, key, f.at);
    for (size_t k = 0; k < n; ++k) {
      const Field entry{&(*list)[k], f.at.element(k)};
      std::optional<std::string> text = read_string(entry, issues_);
      if (!text || !seen.add(*text, entry.at, issues_)) continue;
      if (!known(*text)) {
        issues_.add(entry.at, std::string("unknown ") + what + " " + quote_text(*text));
        continue;
      }
      out.push_back(*text);
    }
  };
  names("ports", match.ports,
        [&](const std::string& n) { return config.find_port(n) != nullptr || (!ports_readable_ || declared_ports_.count(n)); },
        "port");
  names("guests", match.guests, [&](const std::string& n) { return config.find_guest(n) != nullptr; }, "guest");
  names("networks", match.networks, [&](const std::string& n) { return config.find_network(n) != nullptr; },
        "network");
  auto small_set = [&](const char* key, std::vector<uint8_t>& out, uint64_t max) {
    const Field f = object.optional(key);
    const Json* list = read_array(f, issues_);
    if (list == nullptr) return;
    const size_t n = checked_length(*list, max + 1, key, f.at);
    for (size_t k = 0; k < n; ++k) {
      const Field entry{&(*list)[k], f.at.element(k)};
      if (auto v = read_integer(entry, 0, max, issues_)) {
        if (std::find(out.begin(), out.end(), *v) != out.end()) {
          issues_.add(entry.at, "duplicate value " + std::to_string(*v));
        } else {
          out.push_back(static_cast<uint8_t>(*v));
        }
      }
    }
    if (n == 0) issues_.add(f.at, "must not be empty");
  };
  small_set("pcp", match.pcp, 7);
  small_set("dscp", match.dscp, 63);

  const Field protocol = object.optional("protocol");
  if (protocol.value != nullptr && protocol.value->is_string()) {
    const std::string text = protocol.value->get<std::string>();
    if (auto p = slice_protocol_number(text)) {
      match.protocol = *p;
    } else {
      issues_.add(protocol.at, one_of_message({"tcp", "udp", "icmp", "icmpv6", "sctp"}, text) +
                                   " (or a protocol number 0..255)");
    }
  } else if (auto v = read_integer(protocol, 0, 255, issues_)) {
    match.protocol = static_cast<uint8_t>(*v);
  }
  for (const char* key : {"src", "dst"}) {
    const Field f = object.optional(key);
    if (auto text = read_string(f, issues_)) {
      if (Result<SliceAddressMatch> a = parse_address_match(*text); !a) {
        issues_.add(f.at, a.error().message);
      } else {
        (std::string_view(key) == "src" ? match.src : match.dst) = *a;
      }
    }
  }
  if (match.src && match.dst && match.src->ipv4 != match.dst->ipv4) {
    issues_.add(object.optional("dst").at, "must be of the same address family as src");
  }
  const bool has_ports = !match.protocol || *match.protocol == 6 || *match.protocol == 17 || *match.protocol == 132;
  for (const char* key : {"src_ports", "dst_ports"}) {
    const Field f = object.optional(key);
    if (f.value != nullptr && !has_ports) {
      issues_.add(f.at, "allowed only with protocol 'tcp', 'udp' or 'sctp' (or none)");
      continue;
    }
    if (auto text = read_string(f, issues_)) {
      if (Result<PortRange> range = parse_port_range(*text); !range) {
        issues_.add(f.at, range.error().message);
      } else {
        (std::string_view(key) == "src_ports" ? match.src_ports : match.dst_ports) = *range;
      }
    }
  }
  const Field vni = object.optional("vni");
  if (auto text = read_string(vni, issues_)) {
    if (auto range = parse_vni_range(*text)) {
      match.vni = *range;
    } else {
      issues_.add(vni.at, "must be \"N\" or \"N-M\" with 1 <= N <= M <= 16777215, got " + quote_text(*text));
    }
  }
  if (json.empty()) issues_.add(at, "must name at least one criterion");
  return match;
}

// Admission: on every shaped port the slices' guarantees together fit the shaper's rate.
void ConfigReader::check_slice_admission(const GatewayConfig& config) {
  uint64_t guaranteed = 0;
  std::string named;
  for (const SliceConfig& s : config.slices) {
    if (s.guaranteed_kbit == 0) continue;
    guaranteed += s.guaranteed_kbit;
    named += (named.empty() ? "" : ", ") + quote_text(s.name) + " " + std::to_string(s.guaranteed_kbit);
  }
  for (size_t i = 0; i < config.ports.size(); ++i) {
    const PortConfig& port = config.ports[i];
    if (!port.shaper || guaranteed <= port.shaper->rate_kbit) continue;
    const auto at = shaper_rate_at_.find(port.name);
    if (at == shaper_rate_at_.end()) continue;
    issues_.add(at->second, "the guaranteed rates of slices " + named + " kbit/s add up to " +
                                std::to_string(guaranteed) + " kbit/s, more than port " + quote_text(port.name) +
                                "'s shaper rate of " + std::to_string(port.shaper->rate_kbit) + " kbit/s");
  }
}

}  // namespace edgegw::control::detail
