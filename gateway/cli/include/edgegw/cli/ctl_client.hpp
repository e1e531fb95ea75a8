// The ctl socket client: one JSON request, one JSON reply, over the daemon's UNIX socket.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "edgegw/common/result.hpp"

namespace edgegw::cli {

// Connects to `socket_path`, sends `request` as one line and reads one line back. Errors are
// Errc::unavailable (no daemon) or Errc::io (broken reply), with the path in the message.
Result<nlohmann::json> ctl_call(const std::string& socket_path, const nlohmann::json& request,
                                int timeout_ms = 30000);

}  // namespace edgegw::cli
