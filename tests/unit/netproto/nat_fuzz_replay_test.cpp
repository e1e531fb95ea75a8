// Replays the NAT fuzzer's seed corpus and every crash it ever found (tests/fuzz/corpus/nat,
// tests/fuzz/regressions/nat) through the same harness, so a fixed bug stays fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "../../fuzz/fuzz_inputs.hpp"
#include "../../fuzz/nat_fuzz_harness.hpp"

namespace edgegw::netproto {
namespace {

namespace fs = std::filesystem;

// This binary's CMakeLists gives it no source-dir define: the fuzz directory is found from this file.
// Not from __FILE__: with CCACHE_BASEDIR it is relative to the build directory, not to where ctest runs.
const fs::path kFuzzDir = fs::path(EDGEGW_SOURCE_DIR) / "tests" / "fuzz";

TEST(NatFuzzReplay, CorpusAndRegressionsPassEveryCheck) {
  std::vector<fs::path> files = fuzz_inputs_in(kFuzzDir / "corpus" / "nat");
  ASSERT_FALSE(files.empty()) << "the seed corpus is missing under " << kFuzzDir;
  for (const fs::path& p : fuzz_inputs_in(kFuzzDir / "regressions" / "nat")) files.push_back(p);
  for (const fs::path& p : files) {
    const std::vector<uint8_t> bytes = read_fuzz_input(p);
    EXPECT_EQ(fuzz::run_nat_fuzz_input(bytes.data(), bytes.size()), "") << p;
  }
}

}  // namespace
}  // namespace edgegw::netproto
