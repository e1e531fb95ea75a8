// Helper process for the crash tests: does what the daemon does at start-up (open the store, start
// a data plane of its own, recover) and then, in "apply" mode, applies one document. The parent
// runs it with EDGEGW_KILL_POINT set, so kill_point() reads the variable before its first call and
// the process dies by SIGKILL exactly at that step, as a power cut or an OOM kill would end it.
//
//   apply_crash_child <db> <dpdk-file-prefix> apply <document>
//   apply_crash_child <db> <dpdk-file-prefix> recover <default-document>
//
// Exit status when no kill point fired: 0 when the last step succeeded, 1 when it failed, 2 when the
// store or the data plane could not be set up, 64 for bad usage.
#include <cstdio>
#include <string>

#include "edgegw/common/log.hpp"
#include "edgegw/control/apply_service.hpp"
#include "edgegw/control/store.hpp"
#include "edgegw/dataplane/dataplane.hpp"

using namespace edgegw;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s <db> <file-prefix> apply|recover <document>\n", argv[0]);
    return 64;
  }
  const std::string db_path = argv[1];
  const std::string mode = argv[3];
  const std::string document = argv[4];
  if (mode != "apply" && mode != "recover") return 64;

  auto store = control::Store::open(db_path);
  if (!store) {
    log::error("crash-child", "store open failed", {{"error", store.error().message}});
    return 2;
  }
  dataplane::EalOptions options;
  options.no_huge = true;
  options.memory_mb = 256;
  options.file_prefix = argv[2];
  options.lcores = "0@(0-1),1@(0-1)";
  auto dp = dataplane::Dataplane::start(options);
  if (!dp) {
    log::error("crash-child", "data plane start failed", {{"error", dp.error().message}});
    return 2;
  }

  control::ApplyService service(**store, **dp);
  // The daemon's start-up path. In apply mode the store already has an applied version, so the
  // document is not used as the default there.
  control::ApplyResult result = service.recover(document);
  if (mode == "apply" && result.ok)
    result = service.apply(document, control::ConfigSource::cli, "crash-child");
  if (!result.ok) log::error("crash-child", "step failed", {{"error", result.error.to_string()}});

  (*dp)->stop();
  return result.ok ? 0 : 1;
}
