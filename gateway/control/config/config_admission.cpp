// Admission control of guests against the board's budget for them.
#include <algorithm>
#include <string>

#include "edgegw/control/config_parse.hpp"

namespace edgegw::control {

std::vector<ConfigIssue> check_guest_admission(const GatewayConfig& config, const GuestBudget& budget) {
  std::vector<ConfigIssue> issues;
  uint64_t memory = 0, vcpus = 0;
  bool memory_reported = false, vcpus_reported = false;
  std::string cpu_list;
  for (uint16_t c : budget.cpus) cpu_list += (cpu_list.empty() ? "" : ", ") + std::to_string(c);
  for (size_t i = 0; i < config.guests.size(); ++i) {
    const GuestConfig& g = config.guests[i];
    const std::string at = "/guests/" + std::to_string(i);
    if (!memory_reported && memory + g.memory_mb > budget.memory_mb) {
      const uint64_t left = budget.memory_mb > memory ? budget.memory_mb - memory : 0;
      issues.push_back({at + "/memory_mb", "guest '" + g.name + "' needs " + std::to_string(g.memory_mb) +
                                               " MiB but only " + std::to_string(left) + " MiB of the board's " +
                                               std::to_string(budget.memory_mb) + " MiB for guests are left"});
      memory_reported = true;
    }
    memory += g.memory_mb;
    if (!vcpus_reported && vcpus + g.vcpus > budget.vcpus) {
      const uint64_t left = budget.vcpus > vcpus ? budget.vcpus - vcpus : 0;
      issues.push_back({at + "/vcpus", "guest '" + g.name + "' needs " + std::to_string(g.vcpus) + " vCPUs but only " +
                                           std::to_string(left) + " of the board's " + std::to_string(budget.vcpus) +
                                           " vCPUs for guests are left"});
      vcpus_reported = true;
    }
    vcpus += g.vcpus;
    for (size_t k = 0; k < g.cpus.size(); ++k) {
      if (std::find(budget.cpus.begin(), budget.cpus.end(), g.cpus[k]) == budget.cpus.end()) {
        issues.push_back({at + "/cpus/" + std::to_string(k), "CPU " + std::to_string(g.cpus[k]) +
                                                                  " is not one of the board's guest CPUs (" +
                                                                  (cpu_list.empty() ? "none" : cpu_list) + ")"});
      }
    }
  }
  return issues;
}

}  // namespace edgegw::control
