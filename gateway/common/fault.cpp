// Kill points and fail points, armed from the environment once per process, or from code (tests).
#include "edgegw/common/fault.hpp"

#ifdef EDGEGW_FAULT_INJECTION
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "edgegw/common/log.hpp"

namespace edgegw::fault {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// The one armed fail point. Fail points sit on control paths (apply, commit), never on the fast
// path, so a mutex is fine and keeps arm/fire race-free when tests arm from another thread.
struct ArmedFailPoint {
  std::mutex mu;
  std::string name = env_or_empty("EDGEGW_FAIL_POINT");  // guarded by mu
  bool fired = false;                                    // guarded by mu
};

ArmedFailPoint& armed_fail_point() {
  static ArmedFailPoint armed;
  return armed;
}

}  // namespace

void kill_point(std::string_view name) {
  static const std::string armed = env_or_empty("EDGEGW_KILL_POINT");
  if (armed.empty() || armed != name) return;
  log::warn("fault", "kill point reached, sending SIGKILL to self", {{"point", name}});
  ::kill(::getpid(), SIGKILL);
  ::pause();
}

bool fail_point(std::string_view name) {
  ArmedFailPoint& armed = armed_fail_point();
  {
    std::lock_guard lock(armed.mu);
    if (armed.name.empty() || armed.name != name || armed.fired) return false;
    armed.fired = true;
  }
  log::warn("fault", "fail point reached, injecting a failure", {{"point", name}});
  return true;
}

void arm_fail_point(std::string_view name) {
  ArmedFailPoint& armed = armed_fail_point();
  std::lock_guard lock(armed.mu);
  armed.name = std::string(name);
  armed.fired = false;
}

}  // namespace edgegw::fault
#endif
