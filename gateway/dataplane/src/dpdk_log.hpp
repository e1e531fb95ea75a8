// Routes DPDK's log output into edgegw::log: every DPDK line becomes one record with comp=dpdk and
// a level mapped from the DPDK level. Also remembers recent error lines so that a failed probe or
// start can say what the driver complained about.
#pragma once

#include <cstdint>
#include <string>

namespace edgegw::dataplane::dpdk_log {

// Points DPDK's log stream at us. Call before rte_eal_init so the EAL's own start-up is captured.
bool install();
// Restores DPDK's default stream and closes ours. Call after rte_eal_cleanup.
void uninstall();

// Sequence number of the last error line seen (0 before any).
uint64_t error_seq();
// The first error line logged after `since` (a value of error_seq()), or "" when there was none.
// The first, because a failure logs its cause first and the EAL's generic summary after it.
std::string first_error_since(uint64_t since);

}  // namespace edgegw::dataplane::dpdk_log
