// fuzz_ndp: frames through the router solicitation parser and the advertisement that answers them;
// see ndp_fuzz_harness.hpp for the checks.
#include <cstdio>
#include <cstdlib>

#include "ndp_fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string failure = edgegw::netproto::fuzz::run_ndp_fuzz_input(data, size);
  if (!failure.empty()) {
    std::fprintf(stderr, "fuzz_ndp: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
