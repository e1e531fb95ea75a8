// Shared pieces of the apply-service tests: the one real data plane of this test binary (the EAL
// can start once per process), temporary directories, and config documents whose ports are
// net_ring virtual devices (no kernel interface needed).
#pragma once

// TempDir and audit_trail come from the store tests' helpers.
#include "../store/store_test_util.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "edgegw/control/store.hpp"
#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::control::test {

// EAL options for a test process: no hugepages, two lcores that may float over both CPUs (the
// machine is shared), and a file prefix of its own so parallel test binaries never meet.
dataplane::EalOptions test_eal_options(const std::string& file_prefix);

// Where DPDK keeps the runtime files of `file_prefix` (removed after a child was killed).
std::string dpdk_runtime_dir(const std::string& file_prefix);

// The data plane of this test binary, started on the first call and stopped at the end of the run
// (null when it failed to start; the first caller's test then fails saying why).
dataplane::Dataplane* shared_dataplane();

// Publishes an empty switch and waits (bounded) until the old tables and devices are released.
void reset_dataplane(dataplane::Dataplane& dp);
// Calls reclaim() until nothing waits for a grace period, at most ~2 s.
void drain_reclaim(dataplane::Dataplane& dp);

// Names of the ports the data plane currently has.
std::set<std::string> dataplane_port_names(const dataplane::Dataplane& dp);

// A valid config document: one vdev port per name (devargs net_ring_<name>) and one bridge
// network "lan" over all of them.
std::string ring_config(uint64_t version, const std::vector<std::string>& ports,
                        const std::string& description = "test site");

}  // namespace edgegw::control::test
