// JSON text -> validated GatewayConfig. Every problem is reported with the JSON pointer of the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/control/config_model.hpp"

namespace edgegw::control {

// Largest document parse_config() reads (1 MiB); transports can refuse bigger bodies before parsing.
inline constexpr size_t kMaxConfigBytes = size_t{1} << 20;

struct ConfigIssue {
  std::string pointer;  // RFC 6901 JSON pointer, "" for the document root
  std::string message;  // what is wrong, in one sentence without a trailing period

  bool operator==(const ConfigIssue&) const = default;
};

struct ParsedConfig {
  GatewayConfig config;         // meaningful only when issues is empty
  std::vector<ConfigIssue> issues;  // in document order; empty means valid
  bool ok() const { return issues.empty(); }
};

// Parses and validates the whole document; never throws, never asserts on input.
ParsedConfig parse_config(std::string_view json_text);

// Canonical JSON text of a valid config (stable key order, defaults filled in): what the store
// keeps, what `config show` prints and what `config diff` compares.
std::string to_canonical_json(const GatewayConfig& config);

// What the board lets guests use (board descriptor `guests`); admission refuses more.
struct GuestBudget {
  uint32_t memory_mb = 0;  // all guests' memory together
  uint32_t vcpus = 0;      // all guests' vCPUs together
  std::vector<uint16_t> cpus;  // host CPUs guests may be pinned to
};

// Admission control: the guests of `config` must fit `budget` (memory, vCPUs, pinned CPUs). Issues
// name the guest that does not fit (the first one, in document order, that exceeds the budget).
std::vector<ConfigIssue> check_guest_admission(const GatewayConfig& config, const GuestBudget& budget);

// First issue as an Error (code validation) for callers that return Result.
Error first_issue_error(const ParsedConfig& parsed);

}  // namespace edgegw::control
