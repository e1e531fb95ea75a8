// Bootstrap config: defaults, board defaults, overrides, and errors naming the field.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edgegw/control/bootstrap.hpp"

namespace edgegw::control {
namespace {

const std::string kBoards = std::string(EDGEGW_SOURCE_DIR) + "/board/boards";

TEST(Bootstrap, MissingFileMeansDefaultsFromTheBoard) {
  auto b = load_bootstrap("/nonexistent/edgegw.json", kBoards);
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(b->node_id, "edgegw");
  EXPECT_EQ(b->board, "generic-x86_64");
  EXPECT_EQ(b->http_listen, "127.0.0.1:8080");
  EXPECT_EQ(b->db_path(), "/var/lib/edgegw/edgegw.db");
  EXPECT_EQ(b->ctl_socket(), "/run/edgegw/ctl.sock");
  EXPECT_EQ(b->eal.lcores, "0@(0-1),1@(0-1)");
  EXPECT_TRUE(b->eal.no_huge);
}

TEST(Bootstrap, FileOverridesBoard) {
  auto b = parse_bootstrap(R"({"node_id":"edge-7","board":"generic-aarch64","log_level":"debug",
      "management":{"http_listen":"0.0.0.0:9000"},"state_dir":"/s","run_dir":"/r",
      "dataplane":{"memory_mb":256,"no_huge":true,"eal_extra":["--log-level=8"],"idle_sleep_max_us":50,"max_mtu":9000}})",
                           kBoards);
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(b->node_id, "edge-7");
  EXPECT_EQ(b->log_level, log::Level::debug);
  EXPECT_EQ(b->http_listen, "0.0.0.0:9000");
  EXPECT_EQ(b->eal.lcores, "0,3");  // from the aarch64 board
  EXPECT_FALSE(b->eal.no_pci);      // from the board
  EXPECT_TRUE(b->eal.no_huge);      // the file wins
  EXPECT_EQ(b->eal.memory_mb, 256u);
  EXPECT_EQ(b->eal.idle_sleep_max_us, 50u);
  EXPECT_EQ(b->eal.max_mtu, 9000u);
  EXPECT_EQ(b->eal.extra, std::vector<std::string>{"--log-level=8"});
  EXPECT_EQ(b->ctl_socket(), "/r/ctl.sock");
}

TEST(Bootstrap, ErrorsNameTheField) {
  struct Case { const char* doc; const char* pointer; const char* message; };
  const Case cases[] = {
      {"nope", "", "bootstrap config is not valid JSON"},
      {R"({"nodeid":"x"})", "/nodeid", "unknown field"},
      {R"({"node_id":"a/b"})", "/node_id", "must be 1..64 characters without '/', '#', '+' or spaces"},
      {R"({"node_id":5})", "/node_id", "must be a string"},
      {R"({"log_level":"loud"})", "/log_level", "must be one of debug, info, warn, error"},
      {R"({"management":{"http":"x"}})", "/management/http", "unknown field"},
      {R"({"dataplane":{"memory_mb":1}})", "/dataplane/memory_mb", "must be an integer between 64 and 1048576"},
      {R"({"dataplane":{"no_huge":1}})", "/dataplane/no_huge", "must be a boolean"},
      {R"({"dataplane":{"eal_extra":[1]}})", "/dataplane/eal_extra/0", "must be a string"},
      {R"({"dataplane":[]})", "/dataplane", "must be an object"},
  };
  for (const Case& c : cases) {
    auto b = parse_bootstrap(c.doc, kBoards);
    ASSERT_FALSE(b) << c.doc;
    EXPECT_EQ(b.error().pointer, c.pointer) << c.doc;
    EXPECT_EQ(b.error().message, c.message) << c.doc;
  }
}

TEST(Bootstrap, TheFirmwareBootstrapFileIsValid) {
  std::ifstream in(std::string(EDGEGW_SOURCE_DIR) + "/firmware/rootfs/etc/edgegw/edgegw.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = nlohmann::json::parse(ss.str());
  doc.erase("boards_dir");  // the appliance path does not exist on the build machine
  auto b = parse_bootstrap(doc.dump(), kBoards);
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(b->state_dir, "/var/lib/edgegw");
}

TEST(Bootstrap, UnknownBoardIsAnError) {
  auto b = parse_bootstrap(R"({"board":"toaster"})", kBoards);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().pointer, "/board");
  EXPECT_NE(b.error().message.find("toaster"), std::string::npos);
}

TEST(Bootstrap, FileErrorsSayWhichFile) {
  std::string path = ::testing::TempDir() + "/edgegw-bootstrap-test.json";
  std::ofstream(path) << R"({"log_level": 3})";
  auto b = load_bootstrap(path, kBoards);
  std::remove(path.c_str());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, path + ": must be a string");
}

}  // namespace
}  // namespace edgegw::control
