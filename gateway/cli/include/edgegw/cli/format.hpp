// Human-readable rendering of ctl replies: aligned tables and short summaries. Pure functions of
// the reply JSON so their output is tested exactly.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edgegw::cli {

// Left-aligned columns separated by two spaces; numbers right-aligned. `numeric[i]` marks columns.
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& numeric);

std::string format_duration(int64_t seconds);            // "2d 3h 4m 5s", "4m 5s", "5s"
std::string format_time_ms(int64_t epoch_ms);            // "2026-11-23T10:00:00Z", "-" for 0

std::string format_status(const nlohmann::json& status);
std::string format_ports(const nlohmann::json& ports);
// `port show NAME`: the port's settings and state, then every counter and drop reason.
std::string format_port(const nlohmann::json& port);
// `network list` and `network show NAME`.
std::string format_networks(const nlohmann::json& networks);
std::string format_network(const nlohmann::json& network);
std::string format_dhcp_leases(const nlohmann::json& leases);
std::string format_nat_sessions(const nlohmann::json& sessions);
// `security-group list` and `security-group show NAME` (rules with what they matched).
std::string format_security_groups(const nlohmann::json& groups);
std::string format_security_group(const nlohmann::json& group);
// `slice list`, `slice show NAME`, `slice stats [NAME]` (per shaped port: queue, drops, latency).
std::string format_slices(const nlohmann::json& slices);
std::string format_slice(const nlohmann::json& slice);
std::string format_slice_stats(const nlohmann::json& slices);
// `guest list` and `guest show NAME`.
std::string format_guests(const nlohmann::json& guests);
std::string format_guest(const nlohmann::json& guest);
std::string format_history(const nlohmann::json& history);
std::string format_audit(const nlohmann::json& audit);
// An error reply: "error: <message>" or, for validation, one line per issue "  <pointer>: <message>".
std::string format_error(const nlohmann::json& error);

}  // namespace edgegw::cli
