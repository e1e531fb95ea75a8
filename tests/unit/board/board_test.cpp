// Board descriptors: the shipped ones load; malformed ones name the field.
#include <gtest/gtest.h>

#include <filesystem>

#include "edgegw/board/board.hpp"

namespace edgegw::board {
namespace {

TEST(Board, EveryShippedDescriptorLoads) {
  std::string dir = std::string(EDGEGW_SOURCE_DIR) + "/board/boards";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string stem = entry.path().stem().string();
    BoardLoad load = load_board(dir, stem);
    ASSERT_TRUE(load.board) << stem << ": " << load.error;
    EXPECT_EQ(load.board->name, stem);
    EXPECT_FALSE(load.board->dataplane.lcores.empty()) << stem;
    ++count;
  }
  EXPECT_GE(count, 2);
}

TEST(Board, LoadsByPath) {
  std::string path = std::string(EDGEGW_SOURCE_DIR) + "/board/boards/generic-x86_64.json";
  BoardLoad load = load_board("/nonexistent", path);
  ASSERT_TRUE(load.board) << load.error;
  EXPECT_EQ(load.board->name, "generic-x86_64");
  EXPECT_EQ(load.board->arch, "x86_64");
  EXPECT_EQ(load.board->cpus, 2u);
}

TEST(Board, MalformedDescriptorsNameTheField) {
  struct Case { const char* doc; const char* error; };
  const Case cases[] = {
      {"[]", ": board descriptor must be a JSON object"},
      {R"({"arch":"x86_64"})", "/model: is required"},
      {R"({"model":"m","arch":"mips"})", "/arch: must be x86_64 or aarch64"},
      {R"({"model":"m","arch":"x86_64","cpus":0})", "/cpus: must be an integer between 1 and 1024"},
      {R"({"model":"m","arch":"x86_64","colour":"red"})", "/colour: unknown field"},
      {R"({"model":"m","arch":"x86_64","dataplane":{"no_huge":"yes"}})", "/dataplane/no_huge: must be a boolean"},
      {R"({"model":"m","arch":"x86_64","dataplane":{"lcores":3}})", "/dataplane/lcores: must be a string"},
  };
  for (const Case& c : cases) {
    BoardLoad load = parse_board(c.doc, "t");
    EXPECT_FALSE(load.board) << c.doc;
    EXPECT_EQ(load.error, c.error) << c.doc;
  }
}

TEST(Board, MissingFileIsAnError) {
  BoardLoad load = load_board("/nonexistent", "nope");
  EXPECT_FALSE(load.board);
  EXPECT_NE(load.error.find("cannot read board descriptor /nonexistent/nope.json"), std::string::npos);
}

}  // namespace
}  // namespace edgegw::board
