// The ctl commands of packet capture: capture.start, capture.status, capture.stop. They check the
// arguments (a wrong one is invalid_argument naming its field) and call the data plane's capture
// functions; the data plane names the field of what it refuses (an unknown /port, a bad /filter).
//
//   {"cmd": "capture.start", "port": "lan0", "path": "/abs/file.pcapng", "count": N, "filter": "icmp",
//    "snaplen": N, "duration_s": N, "direction": "rx"|"tx"|"both"}  -> {"id": N, "port", "path"}
//   {"cmd": "capture.status", "id": N} -> {"id", "port", "path", "written", "dropped", "done", "end_reason"}
//   {"cmd": "capture.stop", "id": N}   -> the same; the session ends (done) on a later status
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::control {

// The reply to `request` when `cmd` is a capture command, std::nullopt when it is not one.
std::optional<nlohmann::json> handle_capture_command(const std::string& cmd, const nlohmann::json& request,
                                                     dataplane::Dataplane& dataplane);

}  // namespace edgegw::control
