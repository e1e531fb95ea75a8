// fuzz_nat: packets through NAT outbound/inbound translation on a small table with port forwards,
// with time advancing; see nat_fuzz_harness.hpp for the input format and the checks.
#include <cstdio>
#include <cstdlib>

#include "nat_fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string failure = edgegw::netproto::fuzz::run_nat_fuzz_input(data, size);
  if (!failure.empty()) {
    std::fprintf(stderr, "fuzz_nat: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
