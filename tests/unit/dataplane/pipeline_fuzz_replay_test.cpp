// Replays the pipeline fuzzer's seed corpus and every crash it ever found (tests/fuzz/corpus/pipeline,
// tests/fuzz/regressions/pipeline) through the same harness, so a fixed bug stays fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "pipeline_harness.hpp"
#include "shared_dataplane.hpp"

namespace edgegw::dataplane::test {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != ".gitkeep") out.push_back(e.path());
  }
  return out;
}

TEST(PipelineFuzzReplay, CorpusAndRegressionsPassEveryCheck) {
  if (!running_as_root()) GTEST_SKIP() << "needs root (EAL)";
  ASSERT_NE(shared_dataplane(), nullptr) << start_error();
  std::string error;
  auto harness = fuzz::PipelineHarness::create("ut", &error);
  ASSERT_NE(harness, nullptr) << error;
  std::vector<fs::path> files = inputs_in(fs::path(EDGEGW_SOURCE_DIR) / "tests/fuzz/corpus/pipeline");
  ASSERT_FALSE(files.empty()) << "the seed corpus is missing";
  for (const fs::path& p : inputs_in(fs::path(EDGEGW_SOURCE_DIR) / "tests/fuzz/regressions/pipeline")) {
    files.push_back(p);
  }
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(harness->run(bytes.data(), bytes.size()), "") << p;
  }
}

}  // namespace
}  // namespace edgegw::dataplane::test
