// Helpers shared by the config unit tests: building small documents and reading repository files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <ostream>
#include <string>

#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {

// gtest prints issues readably in failures (found by argument-dependent lookup).
inline void PrintTo(const ConfigIssue& issue, std::ostream* out) {
  *out << "{\"" << issue.pointer << "\" : \"" << issue.message << "\"}";
}

}  // namespace edgegw::control

namespace edgegw::control::test {

// A whole document from the JSON text of its two arrays.
inline std::string doc(const std::string& ports, const std::string& networks = "") {
  return R"({"version": 1, "ports": [)" + ports + R"(], "networks": [)" + networks + "]}";
}

// Frequently used valid ports.
inline const std::string kLan = R"({"name": "lan", "kind": "tap", "iface": "egw-lan"})";
inline const std::string kWan = R"({"name": "wan", "kind": "tap", "iface": "egw-wan"})";

// One malformed document and the single issue it must produce.
struct InvalidCase {
  std::string name;  // gtest parameter name: letters, digits and '_'
  std::string document;
  std::string pointer;
  std::string message;
};

inline std::ostream& operator<<(std::ostream& out, const InvalidCase& c) { return out << c.name; }

// The document yields exactly the expected issue and no partial config.
inline void expect_exactly_the_issue(const InvalidCase& c) {
  const ParsedConfig parsed = parse_config(c.document);
  ASSERT_FALSE(parsed.ok());
  std::string all;
  for (const ConfigIssue& issue : parsed.issues) all += "\n  " + issue.pointer + " : " + issue.message;
  ASSERT_EQ(parsed.issues.size(), 1u) << "issues:" << all;
  EXPECT_EQ(parsed.issues[0].pointer, c.pointer);
  EXPECT_EQ(parsed.issues[0].message, c.message);
  EXPECT_EQ(parsed.config, GatewayConfig{}) << "an invalid document must not yield a partial config";
}

inline std::filesystem::path source_path(const std::string& relative) {
  return std::filesystem::path(EDGEGW_SOURCE_DIR) / relative;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace edgegw::control::test
