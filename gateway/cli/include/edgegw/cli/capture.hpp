// `edgegwctl capture`: starts a capture session in the daemon, follows it until it is done and
// reports what was written. Ctrl-C (SIGINT) or SIGTERM stop the session cleanly: the daemon still
// completes and closes the file.
#pragma once

#include <string>
#include <vector>

namespace edgegw::cli {

// `args` follows the word "capture": PORT [--count N] [--filter EXPR] [--snaplen N] [--duration S]
// [--direction rx|tx|both] -w FILE. Returns edgegwctl's exit code (docs/cli.md): 0 done, 1 the
// daemon refused or the file could not be written, 2 usage, 3 daemon unreachable.
int run_capture(const std::string& socket, const std::vector<std::string>& args, bool as_json);

}  // namespace edgegw::cli
