// Slices and port shapers in the config document: every field, the class defaults, the canonical
// form, each invalid field named by its pointer, and admission of the guarantees against every
// shaped port's rate (naming the slices).
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace edgegw::control {
namespace {

using test::InvalidCase;
using test::read_file;
using test::source_path;

const std::string kPorts = R"({"name": "up", "kind": "tap", "iface": "egw-up", "shaper": {"rate_kbit": 100000}},
                              {"name": "lan", "kind": "tap", "iface": "egw-lan"},
                              {"name": "vm1", "kind": "vhost"})";
const std::string kNetworks = R"({"name": "site", "mode": "bridge", "ports": ["up", "lan", "vm1"]})";
const std::string kGuests = R"({"name": "plc", "kernel": {"kernel": "/k"}, "nics": [{"port": "vm1"}]})";

std::string document(const std::string& slices, const std::string& ports = kPorts) {
  return R"({"version": 1, "ports": [)" + ports + R"(], "networks": [)" + kNetworks + R"(], "guests": [)" +
         kGuests + R"(], "slices": [)" + slices + "]}";
}

const std::string kDefault = R"({"name": "rest", "default": true})";

// A slice `name` with `extra` members, followed by the default slice.
std::string with_default(const std::string& name, const std::string& extra = "") {
  return R"({"name": ")" + name + R"(")" + (extra.empty() ? "" : ", " + extra) + "}, " + kDefault;
}

std::string describe(const ParsedConfig& parsed) {
  std::string all;
  for (const ConfigIssue& issue : parsed.issues) all += "\n  " + issue.pointer + " : " + issue.message;
  return all;
}

TEST(SliceConfig, TheExampleReadsEveryField) {
  const ParsedConfig parsed = parse_config(read_file(source_path("docs/examples/slices.json")));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const GatewayConfig& c = parsed.config;
  ASSERT_TRUE(c.ports[0].shaper.has_value());
  EXPECT_EQ(c.ports[0].shaper->rate_kbit, 100000u);
  EXPECT_EQ(c.ports[0].shaper->overhead_bytes, 24);
  EXPECT_FALSE(c.ports[1].shaper.has_value());
  ASSERT_EQ(c.slices.size(), 4u);
  const SliceConfig& control = c.slices[0];
  EXPECT_EQ(control.cls, SliceClass::urllc);
  EXPECT_EQ(control.priority, 0);
  EXPECT_EQ(control.guaranteed_kbit, 10000u);
  EXPECT_EQ(control.ceiling_kbit, 20000u);
  EXPECT_EQ(control.latency_budget_us, 500u);
  ASSERT_EQ(control.match.size(), 3u);
  EXPECT_EQ(control.match[0].dscp, (std::vector<uint8_t>{46}));
  EXPECT_EQ(control.match[1].guests, (std::vector<std::string>{"plc"}));
  EXPECT_EQ(control.match[1].protocol, 17);
  EXPECT_EQ(control.match[1].dst_ports, (PortRange{2222, 2230}));
  EXPECT_EQ(control.match[2].pcp, (std::vector<uint8_t>{5, 6}));
  ASSERT_TRUE(control.match[2].src.has_value());
  EXPECT_TRUE(control.match[2].src->ipv4);
  EXPECT_EQ(control.match[2].src->prefix.length, 96 + 24);
  EXPECT_EQ(control.remark_dscp, 46);
  EXPECT_EQ(control.remark_pcp, 5);
  ASSERT_TRUE(control.police.has_value());
  EXPECT_TRUE(control.police->trtcm);
  EXPECT_EQ(control.police->pir_kbit, 20000u);
  ASSERT_TRUE(control.snssai.has_value());
  EXPECT_EQ(control.snssai->sst, 2);
  EXPECT_EQ(control.snssai->sd, 0xa1u);
  const SliceConfig& video = c.slices[1];
  EXPECT_EQ(video.cls, SliceClass::embb);
  EXPECT_EQ(video.priority, 2) << "the class's priority";
  EXPECT_EQ(video.weight, 3u);
  EXPECT_EQ(video.queue.drop, SliceDropPolicy::codel);
  EXPECT_FALSE(video.match[1].dst->ipv4);
  EXPECT_FALSE(video.snssai->sd.has_value());
  const SliceConfig& telemetry = c.slices[2];
  EXPECT_EQ(telemetry.priority, 4);
  EXPECT_EQ(telemetry.queue.drop, SliceDropPolicy::red);
  EXPECT_EQ(telemetry.queue.red_max_packets, 3072u);
  EXPECT_EQ(telemetry.match[2].vni, (VniRange{5000, 5099}));
  EXPECT_FALSE(telemetry.police->trtcm);
  EXPECT_EQ(telemetry.police->ebs_bytes, 32768u);
  EXPECT_EQ(c.default_slice(), &c.slices[3]);
  EXPECT_EQ(c.find_slice("video"), &video);
  EXPECT_EQ(c.find_slice("nope"), nullptr);
}

TEST(SliceConfig, ClassDefaultsAndCanonicalRoundTrip) {
  const ParsedConfig parsed = parse_config(document(
      R"({"name": "ctl", "class": "urllc"}, {"name": "bulk", "class": "embb"}, {"name": "iot", "class": "mmtc"},
         {"name": "red", "queue": {"packets": 100, "drop": "red"}}, )" + kDefault));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const auto& s = parsed.config.slices;
  EXPECT_EQ(s[0].priority, 0);
  EXPECT_EQ(s[0].latency_budget_us, 1000u);
  EXPECT_EQ(s[0].queue.packets, 256u);
  EXPECT_EQ(s[1].priority, 2);
  EXPECT_EQ(s[1].queue.drop, SliceDropPolicy::codel);
  EXPECT_EQ(s[2].priority, 4);
  EXPECT_EQ(s[2].queue.packets, 4096u);
  EXPECT_EQ(s[3].queue.red_min_packets, 25u);
  EXPECT_EQ(s[3].queue.red_max_packets, 75u);
  EXPECT_EQ(s[4].cls, SliceClass::custom);
  EXPECT_EQ(s[4].priority, 3);
  EXPECT_EQ(s[4].latency_budget_us, 0u);
  const std::string canonical = to_canonical_json(parsed.config);
  const ParsedConfig again = parse_config(canonical);
  ASSERT_TRUE(again.ok()) << describe(again) << canonical;
  EXPECT_EQ(again.config, parsed.config);
  EXPECT_EQ(to_canonical_json(again.config), canonical);
}

TEST(SliceConfig, NoSlicesIsStillValidAndWritesNone) {
  const ParsedConfig parsed = parse_config(R"({"version": 1, "ports": [)" + kPorts + R"(], "networks": []})");
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  EXPECT_EQ(parsed.config.default_slice(), nullptr);
  EXPECT_EQ(to_canonical_json(parsed.config).find("\"slices\""), std::string::npos);
}

TEST(SliceConfig, AdmissionAcceptsGuaranteesThatFitEveryShapedPort) {
  const std::string shaped = R"({"name": "up", "kind": "tap", "iface": "egw-up", "shaper": {"rate_kbit": 1000}},
                                {"name": "lan", "kind": "tap", "iface": "egw-lan", "shaper": {"rate_kbit": 500}},
                                {"name": "vm1", "kind": "vhost"})";
  EXPECT_TRUE(parse_config(document(R"({"name": "a", "guaranteed_kbit": 300}, {"name": "b", "guaranteed_kbit": 200,
                                        "default": true})",
                                    shaped))
                  .ok());
  const ParsedConfig refused = parse_config(document(
      R"({"name": "a", "guaranteed_kbit": 300}, {"name": "b", "guaranteed_kbit": 201, "default": true})", shaped));
  ASSERT_EQ(refused.issues.size(), 1u) << describe(refused);
  EXPECT_EQ(refused.issues[0].pointer, "/ports/1/shaper/rate_kbit");
  EXPECT_EQ(refused.issues[0].message,
            "the guaranteed rates of slices 'a' 300, 'b' 201 kbit/s add up to 501 kbit/s, more than port 'lan''s "
            "shaper rate of 500 kbit/s");
  EXPECT_EQ(refused.config, GatewayConfig{});
}

class InvalidSliceConfig : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidSliceConfig, NamesTheField) { test::expect_exactly_the_issue(GetParam()); }

std::vector<InvalidCase> cases() {
  const std::string base = R"({"version": 1, "ports": [)" + kPorts + R"(], "networks": [)" + kNetworks + "]";
  return {
      {"slices_not_array", base + R"(, "slices": {}})", "/slices", "must be an array, got object"},
      {"slice_not_object", document("1, " + kDefault), "/slices/0", "must be an object, got number"},
      {"name_missing", document(R"({"default": true})"), "/slices/0", "missing required field 'name'"},
      {"name_duplicate", document(R"({"name": "a"}, {"name": "a", "default": true})"), "/slices/1/name",
       "duplicate slice name 'a' (also /slices/0/name)"},
      {"no_default", document(R"({"name": "a"})"), "/slices",
       "one slice must have \"default\": true (it takes the traffic no slice matches)"},
      {"two_defaults", document(R"({"name": "a", "default": true}, {"name": "b", "default": true})"),
       "/slices/1/default", "only one slice may be the default (also /slices/0)"},
      {"unknown_field", document(with_default("a", R"("rate": 1)")), "/slices/0/rate", "unknown field"},
      {"class_unknown", document(with_default("a", R"("class": "gold")")), "/slices/0/class",
       "must be one of 'urllc', 'embb', 'mmtc', 'custom', got 'gold'"},
      {"priority_range", document(with_default("a", R"("priority": 8)")), "/slices/0/priority",
       "must be an integer between 0 and 7, got 8"},
      {"weight_zero", document(with_default("a", R"("weight": 0)")), "/slices/0/weight",
       "must be an integer between 1 and 1000, got 0"},
      {"ceiling_below_guarantee", document(with_default("a", R"("guaranteed_kbit": 500, "ceiling_kbit": 400)")),
       "/slices/0/ceiling_kbit", "must be at least guaranteed_kbit (500) or 0 (the port's rate), got 400"},
      {"burst_too_small", document(with_default("a", R"("burst_bytes": 1000)")), "/slices/0/burst_bytes",
       "must be an integer between 1514 and 16777216, got 1000"},
      {"queue_packets_zero", document(with_default("a", R"("queue": {"packets": 0})")), "/slices/0/queue/packets",
       "must be an integer between 1 and 65536, got 0"},
      {"queue_drop_unknown", document(with_default("a", R"("queue": {"drop": "fq"})")), "/slices/0/queue/drop",
       "must be one of 'tail', 'codel', 'red', got 'fq'"},
      {"codel_field_on_tail", document(with_default("a", R"("queue": {"drop": "tail", "codel_target_us": 500})")),
       "/slices/0/queue/codel_target_us", "allowed only when drop is 'codel'"},
      {"codel_interval_not_above_target",
       document(with_default("a", R"("queue": {"drop": "codel", "codel_target_us": 5000, "codel_interval_us": 5000})")),
       "/slices/0/queue/codel_interval_us", "must be more than codel_target_us (5000)"},
      {"red_min_not_below_max",
       document(with_default("a", R"("queue": {"packets": 100, "drop": "red", "red_min_packets": 50, "red_max_packets": 50})")),
       "/slices/0/queue/red_max_packets", "RED needs red_min_packets < red_max_packets <= packets, got 50 < 50 <= 100"},
      {"red_field_on_codel", document(with_default("a", R"("queue": {"drop": "codel", "red_max_p_percent": 5})")),
       "/slices/0/queue/red_max_p_percent", "allowed only when drop is 'red'"},
      {"budget_range", document(with_default("a", R"("latency_budget_us": 10000001)")), "/slices/0/latency_budget_us",
       "must be an integer between 0 and 10000000, got 10000001"},
      {"match_not_array", document(with_default("a", R"("match": {})")), "/slices/0/match",
       "must be an array, got object"},
      {"match_empty_entry", document(with_default("a", R"("match": [{}])")), "/slices/0/match/0",
       "must name at least one criterion"},
      {"match_unknown_field", document(with_default("a", R"("match": [{"vlan": 5}])")), "/slices/0/match/0/vlan",
       "unknown field"},
      {"match_unknown_port", document(with_default("a", R"("match": [{"ports": ["wan"]}])")),
       "/slices/0/match/0/ports/0", "unknown port 'wan'"},
      {"match_unknown_guest", document(with_default("a", R"("match": [{"guests": ["db"]}])")),
       "/slices/0/match/0/guests/0", "unknown guest 'db'"},
      {"match_unknown_network", document(with_default("a", R"("match": [{"networks": ["dmz"]}])")),
       "/slices/0/match/0/networks/0", "unknown network 'dmz'"},
      {"match_port_twice", document(with_default("a", R"("match": [{"ports": ["up", "up"]}])")),
       "/slices/0/match/0/ports/1", "duplicate port 'up' (also /slices/0/match/0/ports/0)"},
      {"match_dscp_range", document(with_default("a", R"("match": [{"dscp": [64]}])")), "/slices/0/match/0/dscp/0",
       "must be an integer between 0 and 63, got 64"},
      {"match_dscp_twice", document(with_default("a", R"("match": [{"dscp": [46, 46]}])")),
       "/slices/0/match/0/dscp/1", "duplicate value 46"},
      {"match_pcp_empty", document(with_default("a", R"("match": [{"pcp": []}])")), "/slices/0/match/0/pcp",
       "must not be empty"},
      {"match_protocol_name", document(with_default("a", R"("match": [{"protocol": "gre"}])")),
       "/slices/0/match/0/protocol",
       "must be one of 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp', got 'gre' (or a protocol number 0..255)"},
      {"match_src_host_bits", document(with_default("a", R"("match": [{"src": "10.0.0.1/8"}])")),
       "/slices/0/match/0/src", "must have all host bits zero, got '10.0.0.1/8' (did you mean '10.0.0.0/8')"},
      {"match_families_differ", document(with_default("a", R"("match": [{"src": "10.0.0.0/8", "dst": "2001:db8::/32"}])")),
       "/slices/0/match/0/dst", "must be of the same address family as src"},
      {"match_ports_with_icmp", document(with_default("a", R"("match": [{"protocol": "icmp", "dst_ports": "80"}])")),
       "/slices/0/match/0/dst_ports", "allowed only with protocol 'tcp', 'udp' or 'sctp' (or none)"},
      {"match_port_range_reversed", document(with_default("a", R"("match": [{"dst_ports": "90-80"}])")),
       "/slices/0/match/0/dst_ports", "must be a port 'N' or a range 'N-M' with 1 <= N <= M <= 65535, got '90-80'"},
      {"match_vni_zero", document(with_default("a", R"("match": [{"vni": "0"}])")), "/slices/0/match/0/vni",
       "must be \"N\" or \"N-M\" with 1 <= N <= M <= 16777215, got '0'"},
      {"remark_dscp_range", document(with_default("a", R"("remark": {"dscp": 64})")), "/slices/0/remark/dscp",
       "must be an integer between 0 and 63, got 64"},
      {"remark_unknown_field", document(with_default("a", R"("remark": {"tos": 1})")), "/slices/0/remark/tos",
       "unknown field"},
      {"police_mode_missing", document(with_default("a", R"("police": {"cir_kbit": 100})")), "/slices/0/police",
       "missing required field 'mode'"},
      {"police_mode_unknown", document(with_default("a", R"("police": {"mode": "tb", "cir_kbit": 100})")),
       "/slices/0/police/mode", "must be one of 'srtcm', 'trtcm', got 'tb'"},
      {"police_trtcm_without_pir", document(with_default("a", R"("police": {"mode": "trtcm", "cir_kbit": 100})")),
       "/slices/0/police", "missing required field 'pir_kbit'"},
      {"police_pir_below_cir",
       document(with_default("a", R"("police": {"mode": "trtcm", "cir_kbit": 100, "pir_kbit": 50})")),
       "/slices/0/police/pir_kbit", "must be at least cir_kbit (100), got 50"},
      {"police_pir_on_srtcm",
       document(with_default("a", R"("police": {"mode": "srtcm", "cir_kbit": 100, "pir_kbit": 200})")),
       "/slices/0/police/pir_kbit", "allowed only when mode is 'trtcm'"},
      {"police_ebs_on_trtcm",
       document(with_default("a", R"("police": {"mode": "trtcm", "cir_kbit": 100, "pir_kbit": 200, "ebs_bytes": 0})")),
       "/slices/0/police/ebs_bytes", "allowed only when mode is 'srtcm'"},
      {"snssai_sst_missing", document(with_default("a", R"("snssai": {"sd": "000001"})")), "/slices/0/snssai",
       "missing required field 'sst'"},
      {"snssai_sd_not_hex", document(with_default("a", R"("snssai": {"sst": 1, "sd": "00000g"})")),
       "/slices/0/snssai/sd",
       "must be 6 hex digits from 000000 to fffffe (ffffff means no SD: leave it out), got '00000g'"},
      {"snssai_sd_all_ones", document(with_default("a", R"("snssai": {"sst": 1, "sd": "FFFFFF"})")),
       "/slices/0/snssai/sd",
       "must be 6 hex digits from 000000 to fffffe (ffffff means no SD: leave it out), got 'FFFFFF'"},
      {"shaper_rate_missing", document(kDefault, R"({"name": "up", "kind": "tap", "iface": "egw-up", "shaper": {}},
                                                   {"name": "lan", "kind": "tap", "iface": "egw-lan"},
                                                   {"name": "vm1", "kind": "vhost"})"),
       "/ports/0/shaper", "missing required field 'rate_kbit'"},
      {"shaper_rate_too_low",
       document(kDefault, R"({"name": "up", "kind": "tap", "iface": "egw-up", "shaper": {"rate_kbit": 63}},
                             {"name": "lan", "kind": "tap", "iface": "egw-lan"}, {"name": "vm1", "kind": "vhost"})"),
       "/ports/0/shaper/rate_kbit", "must be an integer between 64 and 100000000, got 63"},
      {"shaper_overhead_range",
       document(kDefault, R"({"name": "up", "kind": "tap", "iface": "egw-up", "shaper": {"rate_kbit": 1000, "overhead_bytes": 65}},
                             {"name": "lan", "kind": "tap", "iface": "egw-lan"}, {"name": "vm1", "kind": "vhost"})"),
       "/ports/0/shaper/overhead_bytes", "must be an integer between 0 and 64, got 65"},
      {"admission_one_slice", document(R"({"name": "big", "guaranteed_kbit": 100001, "default": true})"),
       "/ports/0/shaper/rate_kbit",
       "the guaranteed rates of slices 'big' 100001 kbit/s add up to 100001 kbit/s, more than port 'up''s shaper rate "
       "of 100000 kbit/s"},
  };
}

std::string case_name(const testing::TestParamInfo<InvalidCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Slices, InvalidSliceConfig, testing::ValuesIn(cases()), case_name);

}  // namespace
}  // namespace edgegw::control
