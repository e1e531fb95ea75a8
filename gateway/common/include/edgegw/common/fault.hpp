// Named kill points and fail points (RocksDB style) for crash-recovery tests.
// EDGEGW_KILL_POINT=<name> ends the process with SIGKILL when execution reaches that point;
// EDGEGW_FAIL_POINT=<name> makes fail_point(name) return true once per process.
// arm_fail_point(name) arms a fail point from inside the process (tests): the next fail_point(name)
// returns true once; it replaces whatever was armed before, the environment's choice included.
// All of it compiles to nothing unless EDGEGW_FAULT_INJECTION is defined (release firmware turns it off).
#pragma once

#include <string_view>

namespace edgegw::fault {

#ifdef EDGEGW_FAULT_INJECTION
void kill_point(std::string_view name);
bool fail_point(std::string_view name);
void arm_fail_point(std::string_view name);
#else
inline void kill_point(std::string_view) {}
inline bool fail_point(std::string_view) { return false; }
inline void arm_fail_point(std::string_view) {}
#endif

}  // namespace edgegw::fault
