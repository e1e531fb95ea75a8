// The fuzzers' inputs on disk, for the unit tests that replay them: a target's seed corpus
// (tests/fuzz/corpus/<target>) and the crashes found before (tests/fuzz/regressions/<target>).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace edgegw {

// The files in `dir` but its .gitkeep; none when it does not exist.
inline std::vector<std::filesystem::path> fuzz_inputs_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != ".gitkeep") out.push_back(e.path());
  }
  return out;
}

inline std::vector<uint8_t> read_fuzz_input(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace edgegw
