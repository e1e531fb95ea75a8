// Replays the NAT fuzzer's seed corpus and every crash it ever found (tests/fuzz/corpus/nat,
// tests/fuzz/regressions/nat) through the same harness, so a fixed bug stays fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../fuzz/nat_fuzz_harness.hpp"

namespace edgegw::netproto {
namespace {

namespace fs = std::filesystem;

// This binary's CMakeLists gives it no source-dir define: the fuzz directory is found from this file.
// Not from __FILE__: with CCACHE_BASEDIR it is relative to the build directory, not to where ctest runs.
const fs::path kFuzzDir = fs::path(EDGEGW_SOURCE_DIR) / "tests" / "fuzz";

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != ".gitkeep") out.push_back(e.path());
  }
  return out;
}

TEST(NatFuzzReplay, CorpusAndRegressionsPassEveryCheck) {
  std::vector<fs::path> files = inputs_in(kFuzzDir / "corpus" / "nat");
  ASSERT_FALSE(files.empty()) << "the seed corpus is missing under " << kFuzzDir;
  for (const fs::path& p : inputs_in(kFuzzDir / "regressions" / "nat")) files.push_back(p);
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(fuzz::run_nat_fuzz_input(bytes.data(), bytes.size()), "") << p;
  }
}

}  // namespace
}  // namespace edgegw::netproto
