// Board descriptors: the shipped ones load; malformed ones name the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

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

TEST(Board, GuestResourcesDefaultToHalfTheRamAndTheCpusNoWorkerOwns) {
  BoardLoad load = parse_board(R"j({"model": "m", "arch": "x86_64", "cpus": 4, "ram_mb": 8192,
                                   "dataplane": {"lcores": "0@(0-3),1@3"}})j", "b");
  ASSERT_TRUE(load.board) << load.error;
  EXPECT_EQ(load.board->guests.memory_mb, 4096u);
  EXPECT_EQ(load.board->guests.vcpus, 8u);
  EXPECT_EQ(load.board->guests.cpus, (std::vector<unsigned>{0, 1, 2})) << "worker lcore 1 owns CPU 3";
  // Workers that float over several CPUs own none of them.
  load = parse_board(R"j({"model": "m", "arch": "x86_64", "cpus": 2, "ram_mb": 4096,
                         "dataplane": {"lcores": "0@(0-1),1@(0-1)"}})j", "b");
  ASSERT_TRUE(load.board) << load.error;
  EXPECT_EQ(load.board->guests.cpus, (std::vector<unsigned>{0, 1}));
  // "0,1": lcore 1 runs on CPU 1 alone.
  load = parse_board(R"j({"model": "m", "arch": "aarch64", "cpus": 2, "ram_mb": 4096, "dataplane": {"lcores": "0,1"}})j", "b");
  ASSERT_TRUE(load.board) << load.error;
  EXPECT_EQ(load.board->guests.cpus, (std::vector<unsigned>{0}));
}

TEST(Board, GuestResourcesAsDescribedAndTheirErrors) {
  BoardLoad load = parse_board(R"j({"model": "m", "arch": "x86_64", "cpus": 4, "ram_mb": 8192,
                                   "guests": {"memory_mb": 6000, "vcpus": 6, "cpus": [2, 3]}})j", "b");
  ASSERT_TRUE(load.board) << load.error;
  EXPECT_EQ(load.board->guests.memory_mb, 6000u);
  EXPECT_EQ(load.board->guests.vcpus, 6u);
  EXPECT_EQ(load.board->guests.cpus, (std::vector<unsigned>{2, 3}));
  const std::string head = R"j({"model": "m", "arch": "x86_64", "cpus": 4, "ram_mb": 8192, "guests": )j";
  EXPECT_EQ(parse_board(head + R"j({"memory_mb": 9000}})j", "b").error,
            "/guests/memory_mb: must be an integer between 0 and 8192");
  EXPECT_EQ(parse_board(head + R"j({"cpus": [4]}})j", "b").error, "/guests/cpus/0: must be a CPU of the board, 0 to 3");
  EXPECT_EQ(parse_board(head + R"j({"vcpus": 0}})j", "b").error, "/guests/vcpus: must be an integer between 1 and 1024");
  EXPECT_EQ(parse_board(head + R"j({"disk_gb": 1}})j", "b").error, "/guests/disk_gb: unknown field");
  EXPECT_EQ(parse_board(head + R"j([]})j", "b").error, "/guests: must be an object");
}

}  // namespace
}  // namespace edgegw::board
