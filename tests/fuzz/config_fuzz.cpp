// Fuzz target for the config parser: any bytes in, never a crash, a hang or an exception out; and
// every document it accepts must come back equal from its canonical JSON (what the store keeps).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "edgegw/control/config_parse.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_config: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace edgegw::control;
  const ParsedConfig parsed = parse_config(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const ConfigIssue& issue : parsed.issues) {
    // parse_config turns an escaped exception into this issue so callers survive; here it is a bug.
    if (issue.message.starts_with("internal error")) fail("exception inside parse_config", issue.message);
    if (issue.message.empty()) fail("issue without a message", issue.pointer);
  }
  if (!parsed.ok()) return 0;

  const std::string canonical = to_canonical_json(parsed.config);
  const ParsedConfig again = parse_config(canonical);
  if (!again.ok()) {
    fail("the canonical form of an accepted document is rejected",
         canonical + "\n" + again.issues.front().pointer + ": " + again.issues.front().message);
  }
  if (!(again.config == parsed.config)) fail("the canonical round trip changed the config", canonical);
  if (to_canonical_json(again.config) != canonical) fail("the canonical form is not stable", canonical);
  return 0;
}
