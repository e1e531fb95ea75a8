// The config files the repository ships: the firmware default, the documented examples, the JSON
// Schema (which must describe exactly what the parser accepts), and the fuzzing corpus and regressions.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config_test_support.hpp"
#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {
namespace {

namespace fs = std::filesystem;
// Ordered, so documents edited here keep their member order (the order issues are reported in).
using json = nlohmann::ordered_json;
using test::read_file;
using test::source_path;

std::string describe(const ParsedConfig& parsed) {
  std::string all;
  for (const ConfigIssue& issue : parsed.issues) all += "\n  " + issue.pointer + " : " + issue.message;
  return all;
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension = "") {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && (extension.empty() || entry.path().extension() == extension)) {
      files.push_back(entry.path());
    }
  }
  return files;
}

void expect_valid_and_round_trips(const fs::path& path) {
  SCOPED_TRACE(path.string());
  const ParsedConfig parsed = parse_config(read_file(path));
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  const ParsedConfig again = parse_config(to_canonical_json(parsed.config));
  ASSERT_TRUE(again.ok()) << describe(again);
  EXPECT_EQ(again.config, parsed.config);
}

TEST(ShippedConfigs, FirmwareDefaultIsValid) {
  expect_valid_and_round_trips(source_path("firmware/default-config.json"));
  const ParsedConfig parsed = parse_config(read_file(source_path("firmware/default-config.json")));
  EXPECT_FALSE(parsed.config.ports.empty()) << "the default must give a first start a site to run";
}

TEST(ShippedConfigs, EveryDocumentedExampleIsValid) {
  const std::vector<fs::path> examples = files_in(source_path("docs/examples"), ".json");
  ASSERT_GE(examples.size(), 2u) << "docs/examples is missing";
  for (const fs::path& path : examples) expect_valid_and_round_trips(path);
}

// The JSON Schema shipped with the product and the parser must agree on the fields of each object.
class ConfigSchema : public testing::Test {
 protected:
  void SetUp() override {
    const std::string text = read_file(source_path("docs/config.schema.json"));
    ASSERT_TRUE(json::accept(text)) << "docs/config.schema.json is not JSON";
    schema_ = json::parse(text);
  }

  static std::set<std::string> keys_of(const json& object) {
    std::set<std::string> keys;
    for (const auto& [key, value] : object.items()) keys.insert(key);
    return keys;
  }

  // Every field the parser can produce for each object: the canonical form writes all of them, so
  // collect its keys over a config that uses every optional field and every port kind.
  static json canonical_everything() { return canonical_of("docs/examples/branch-office.json"); }
  // Routed networks and routes: the fields only they write.
  static json canonical_routed() { return canonical_of("docs/examples/routed.json"); }
  // Security groups and the lists that name them.
  static json canonical_security() { return canonical_of("docs/examples/security-groups.json"); }
  static json canonical_guests() { return canonical_of("docs/examples/guests.json"); }
  static json canonical_slices() { return canonical_of("docs/examples/slices.json"); }
  static json canonical_of(const std::string& example) {
    const ParsedConfig parsed = parse_config(read_file(source_path(example)));
    EXPECT_TRUE(parsed.ok()) << describe(parsed);
    return json::parse(to_canonical_json(parsed.config));
  }
  // The keys of every object in `array`, together.
  static std::set<std::string> keys_of_all(const json& array) {
    std::set<std::string> keys;
    for (const json& object : array) {
      for (const auto& [key, value] : object.items()) keys.insert(key);
    }
    return keys;
  }

  struct RangePlace {
    std::string schema_path;  // an integer's schema
    std::string pointer;      // an instance of it in the valid document
  };

  // The schema's minimum and maximum are what the parser accepts (one below and one above are
  // refused), and its default is the parser's. Returns how many values were tried.
  int check_range(const json& valid, const RangePlace& place) {
    const json& range = schema_[json::json_pointer(place.schema_path)];
    EXPECT_EQ(range["type"], "integer") << place.schema_path;
    const auto min = range["minimum"].get<int64_t>();
    const auto max = range["maximum"].get<int64_t>();
    int checked = 0;
    for (int64_t value : {min - 1, min, max, max + 1}) {
      json document = valid;
      document[json::json_pointer(place.pointer)] = value;
      const bool accepted = parse_config(document.dump()).ok();
      EXPECT_EQ(accepted, value >= min && value <= max) << place.pointer << " = " << value;
      ++checked;
    }
    if (range.contains("default")) {
      json document = valid;
      // Remove the field (and the version never has a default) to see the parser's default.
      const json::json_pointer pointer(place.pointer);
      document[pointer.parent_pointer()].erase(pointer.back());
      const ParsedConfig parsed = parse_config(document.dump());
      EXPECT_TRUE(parsed.ok()) << describe(parsed);
      EXPECT_EQ(json::parse(to_canonical_json(parsed.config))[pointer], range["default"]) << place.pointer;
    }
    return checked;
  }

  json schema_;
};

TEST_F(ConfigSchema, IsDraft2020_12) {
  EXPECT_EQ(schema_.value("$schema", ""), "https://json-schema.org/draft/2020-12/schema");
}

TEST_F(ConfigSchema, TopLevelPropertiesAreTheFieldsTheParserAccepts) {
  std::set<std::string> fields = keys_of(canonical_everything());
  fields.merge(keys_of(canonical_routed()));
  fields.merge(keys_of(canonical_security()));
  fields.merge(keys_of(canonical_guests()));
  fields.merge(keys_of(canonical_slices()));
  EXPECT_EQ(keys_of(schema_["properties"]), fields);
  EXPECT_EQ(schema_["additionalProperties"], false);
}

TEST_F(ConfigSchema, ObjectPropertiesAreTheFieldsTheParserAccepts) {
  const json canonical = canonical_everything();
  std::set<std::string> port_fields;
  bool has_optional = true;
  for (const char* optional : {"mac", "socket", "address"}) {
    bool has = false;
    for (const json& port : canonical["ports"]) has = has || port.contains(optional);
    has_optional = has_optional && has;
  }
  for (const json& port : canonical["ports"]) {
    for (const auto& [key, value] : port.items()) port_fields.insert(key);
  }
  ASSERT_TRUE(has_optional) << "the example must use every optional port field";
  const json security = canonical_security();
  port_fields.merge(keys_of_all(security["ports"]));
  const json slices = canonical_slices();
  port_fields.merge(keys_of_all(slices["ports"]));
  EXPECT_EQ(keys_of(schema_["$defs"]["port"]["properties"]), port_fields);
  std::set<std::string> network_fields = keys_of_all(canonical["networks"]);
  network_fields.merge(keys_of_all(canonical_routed()["networks"]));
  network_fields.merge(keys_of_all(security["networks"]));
  EXPECT_EQ(keys_of(schema_["$defs"]["network"]["properties"]), network_fields);
  EXPECT_EQ(keys_of(schema_["$defs"]["route"]["properties"]), keys_of_all(canonical_routed()["routes"]));
  EXPECT_EQ(keys_of(schema_["$defs"]["fdb"]["properties"]), keys_of(canonical["networks"][0]["fdb"]));
  const json dhcp = canonical_routed()["networks"][1]["dhcp"];
  EXPECT_EQ(keys_of(schema_["$defs"]["dhcp"]["properties"]), keys_of(dhcp));
  EXPECT_EQ(keys_of(schema_["$defs"]["dhcp"]["properties"]["range"]["properties"]), keys_of(dhcp["range"]));
  EXPECT_EQ(keys_of(schema_["$defs"]["dhcp"]["properties"]["static_leases"]["items"]["properties"]),
            keys_of(dhcp["static_leases"][0]));
  const json ipv6 = canonical_routed()["networks"][1]["ipv6"];
  EXPECT_EQ(keys_of(schema_["$defs"]["ipv6"]["properties"]), keys_of(ipv6));
  EXPECT_EQ(keys_of(schema_["$defs"]["router_advertisements"]["properties"]), keys_of(ipv6["router_advertisements"]));
  // Members written as objects, and static MACs.
  json tagged;
  for (const json& member : canonical["networks"][2]["ports"]) {
    if (member.is_object()) tagged = member;
  }
  ASSERT_TRUE(tagged.is_object()) << "the example must have a tagged member";
  const json& member_schema = schema_["$defs"]["member"]["oneOf"][1];
  EXPECT_EQ(keys_of(member_schema["properties"]), (std::set<std::string>{"port", "vlan", "outer_vlan"}));
  EXPECT_EQ(keys_of(schema_["$defs"]["static_mac"]["properties"]),
            keys_of(canonical["networks"][0]["static_macs"][0]));
  EXPECT_EQ(keys_of(schema_["$defs"]["security_group"]["properties"]), keys_of_all(security["security_groups"]));
  std::set<std::string> rule_fields;
  for (const json& group : security["security_groups"]) rule_fields.merge(keys_of_all(group["rules"]));
  EXPECT_EQ(keys_of(schema_["$defs"]["security_rule"]["properties"]), rule_fields);
  // Guests: the example's two guests together use every field (one boots a disk, one a kernel).
  const json guests = canonical_guests()["guests"];
  EXPECT_EQ(keys_of(schema_["$defs"]["guest"]["properties"]), keys_of_all(guests));
  EXPECT_EQ(keys_of(schema_["$defs"]["guest"]["properties"]["cloud_init"]["properties"]),
            (std::set<std::string>{"hostname", "user", "password_hash", "ssh_authorized_keys", "network_dhcp"}));
  EXPECT_EQ(keys_of(schema_["$defs"]["guest"]["properties"]["disks"]["items"]["properties"]),
            keys_of(guests[0]["disks"][0]));
  EXPECT_EQ(keys_of(schema_["$defs"]["guest"]["properties"]["kernel"]["properties"]), keys_of(guests[1]["kernel"]));
  EXPECT_EQ(keys_of(schema_["$defs"]["guest"]["properties"]["nics"]["items"]["properties"]),
            keys_of(guests[0]["nics"][0]));
  // Slices: the example's slices together use every field, their matches every criterion.
  EXPECT_EQ(keys_of(schema_["$defs"]["shaper"]["properties"]), keys_of(slices["ports"][0]["shaper"]));
  EXPECT_EQ(keys_of(schema_["$defs"]["slice"]["properties"]), keys_of_all(slices["slices"]));
  std::set<std::string> match_fields, queue_fields, police_fields;
  for (const json& s : slices["slices"]) {
    match_fields.merge(keys_of_all(s["match"]));
    queue_fields.merge(keys_of(s["queue"]));
    if (s.contains("police")) police_fields.merge(keys_of(s["police"]));
  }
  EXPECT_EQ(keys_of(schema_["$defs"]["slice_match"]["properties"]), match_fields);
  EXPECT_EQ(keys_of(schema_["$defs"]["slice"]["properties"]["queue"]["properties"]), queue_fields);
  EXPECT_EQ(keys_of(schema_["$defs"]["slice"]["properties"]["police"]["properties"]), police_fields);
  EXPECT_EQ(keys_of(schema_["$defs"]["slice"]["properties"]["remark"]["properties"]),
            keys_of(slices["slices"][0]["remark"]));
  EXPECT_EQ(keys_of(schema_["$defs"]["slice"]["properties"]["snssai"]["properties"]),
            keys_of(slices["slices"][0]["snssai"]));
}

TEST_F(ConfigSchema, RequiredFieldsAreTheOnesTheParserRequires) {
  const json valid = json::parse(read_file(source_path("docs/examples/demo-site.json")));
  struct Place {
    std::string schema_path;  // where the object's schema is
    std::string pointer;      // an instance of it in the valid document
  };
  for (const Place& place : {Place{"", ""}, Place{"/$defs/port", "/ports/0"}, Place{"/$defs/network", "/networks/0"}}) {
    const json& object_schema = schema_[json::json_pointer(place.schema_path)];
    for (const json& field : object_schema["required"]) {
      json document = valid;
      document[json::json_pointer(place.pointer)].erase(field.get<std::string>());
      const ParsedConfig parsed = parse_config(document.dump());
      // Other issues may follow (a port without its name leaves a reference dangling).
      const ConfigIssue missing{place.pointer, "missing required field '" + field.get<std::string>() + "'"};
      EXPECT_NE(std::find(parsed.issues.begin(), parsed.issues.end(), missing), parsed.issues.end())
          << place.pointer << " without " << field << ":" << describe(parsed);
    }
  }
}

TEST_F(ConfigSchema, IntegerRangesAreTheParsersRanges) {
  const json valid = json::parse(read_file(source_path("docs/examples/demo-site.json")));
  int checked = 0;
  for (const RangePlace& place : {RangePlace{"/properties/version", "/version"},
                                  RangePlace{"/$defs/port/properties/mtu", "/ports/0/mtu"},
                                  RangePlace{"/$defs/port/properties/queues", "/ports/0/queues"},
                                  RangePlace{"/$defs/port/properties/mac_limit", "/ports/0/mac_limit"},
                                  RangePlace{"/$defs/fdb/properties/aging_s", "/networks/0/fdb/aging_s"},
                                  RangePlace{"/$defs/fdb/properties/max_entries", "/networks/0/fdb/max_entries"}}) {
    checked += check_range(valid, place);
  }
  EXPECT_EQ(checked, 24);
}

TEST_F(ConfigSchema, RouterAdvertisementRangesAreTheParsersRanges) {
  const json valid = json::parse(read_file(source_path("docs/examples/routed.json")));
  const std::string ra = "/networks/1/ipv6/router_advertisements/";
  int checked = 0;
  for (const RangePlace& place :
       {RangePlace{"/$defs/router_advertisements/properties/interval_s", ra + "interval_s"},
        RangePlace{"/$defs/router_advertisements/properties/router_lifetime_s", ra + "router_lifetime_s"}}) {
    checked += check_range(valid, place);
  }
  EXPECT_EQ(checked, 8);
}

TEST_F(ConfigSchema, EnumerationsAreTheParsersNames) {
  std::set<std::string> kinds;
  for (PortKind kind :
       {PortKind::af_packet, PortKind::tap, PortKind::pci, PortKind::vdev, PortKind::vhost, PortKind::host}) {
    kinds.insert(port_kind_name(kind));
  }
  EXPECT_EQ(schema_["$defs"]["port"]["properties"]["kind"]["enum"].get<std::set<std::string>>(), kinds);
  std::set<std::string> roles;
  for (PortRole role : {PortRole::physical, PortRole::guest, PortRole::host}) roles.insert(port_role_name(role));
  EXPECT_EQ(schema_["$defs"]["port"]["properties"]["role"]["enum"].get<std::set<std::string>>(), roles);
  std::set<std::string> modes{"internal"};  // the synonym, accepted but never written
  for (NetworkMode mode : {NetworkMode::bridge, NetworkMode::host_only, NetworkMode::isolated, NetworkMode::routed,
                           NetworkMode::nat}) {
    modes.insert(network_mode_name(mode));
  }
  EXPECT_EQ(schema_["$defs"]["network"]["properties"]["mode"]["enum"].get<std::set<std::string>>(), modes);
}

TEST_F(ConfigSchema, ArrayLimitsAreTheParsersLimits) {
  EXPECT_EQ(schema_["properties"]["ports"]["maxItems"], kMaxPorts);
  EXPECT_EQ(schema_["properties"]["networks"]["maxItems"], kMaxNetworks);
  EXPECT_EQ(schema_["properties"]["slices"]["maxItems"], kMaxSlices);
  EXPECT_EQ(schema_["$defs"]["slice"]["properties"]["match"]["maxItems"], kMaxSliceMatches);
}

// Every fuzzing seed and every input the fuzzer once crashed on: parse_config() must survive each,
// and what it accepts must survive the canonical round trip (the fuzz target's own check).
TEST(FuzzInputs, ReplayWithoutCrashing) {
  const std::vector<fs::path> corpus = files_in(source_path("tests/fuzz/corpus/config"));
  ASSERT_GE(corpus.size(), 10u) << "the seed corpus is missing";
  std::vector<fs::path> inputs = corpus;
  for (const fs::path& path : files_in(source_path("tests/fuzz/regressions/config"))) inputs.push_back(path);
  size_t valid = 0;
  for (const fs::path& path : inputs) {
    SCOPED_TRACE(path.string());
    const ParsedConfig parsed = parse_config(read_file(path));
    for (const ConfigIssue& issue : parsed.issues) {
      EXPECT_FALSE(issue.message.starts_with("internal error")) << issue.message;
      EXPECT_FALSE(issue.message.empty());
    }
    if (!parsed.ok()) continue;
    ++valid;
    const ParsedConfig again = parse_config(to_canonical_json(parsed.config));
    ASSERT_TRUE(again.ok()) << describe(again);
    EXPECT_EQ(again.config, parsed.config);
  }
  EXPECT_GT(valid, 0u) << "the seed corpus should hold valid documents too";
  EXPECT_LT(valid, corpus.size()) << "the seed corpus should hold invalid documents too";
}

}  // namespace
}  // namespace edgegw::control
