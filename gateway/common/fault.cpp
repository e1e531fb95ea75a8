// Kill points and fail points, armed from the environment once per process.
#include "edgegw/common/fault.hpp"

#ifdef EDGEGW_FAULT_INJECTION
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "edgegw/common/log.hpp"

namespace edgegw::fault {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::atomic<bool> g_fail_fired{false};

}  // namespace

void kill_point(std::string_view name) {
  static const std::string armed = env_or_empty("EDGEGW_KILL_POINT");
  if (armed.empty() || armed != name) return;
  log::warn("fault", "kill point reached, sending SIGKILL to self", {{"point", name}});
  ::kill(::getpid(), SIGKILL);
  ::pause();
}

bool fail_point(std::string_view name) {
  static const std::string armed = env_or_empty("EDGEGW_FAIL_POINT");
  if (armed.empty() || armed != name) return false;
  bool expected = false;
  if (!g_fail_fired.compare_exchange_strong(expected, true)) return false;
  log::warn("fault", "fail point reached, injecting a failure", {{"point", name}});
  return true;
}

}  // namespace edgegw::fault
#endif
