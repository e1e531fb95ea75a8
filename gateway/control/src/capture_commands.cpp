// capture.* ctl commands: argument checks and replies around Dataplane::capture_*.
#include "edgegw/control/capture_commands.hpp"

namespace edgegw::control {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxSnaplen = 262144;
constexpr uint64_t kMaxDurationS = 7 * 24 * 3600;

json error_reply(Errc code, const std::string& message, const std::string& pointer) {
  return {{"ok", false}, {"error", {{"code", errc_name(code)}, {"message", message}, {"pointer", pointer}}}};
}

json state_json(const dataplane::CaptureState& s) {
  return {{"id", s.id},           {"port", s.port}, {"path", s.path},           {"written", s.written},
          {"dropped", s.dropped}, {"done", s.done}, {"end_reason", s.end_reason}};
}

json reply(const Result<dataplane::CaptureState>& r) {
  if (!r) return error_reply(r.error().code, r.error().message, r.error().pointer);
  return {{"ok", true}, {"result", state_json(*r)}};
}

// Reads an optional unsigned argument no larger than `max`; false when present but not one.
bool read_uint(const json& req, const char* key, uint64_t max, uint64_t* out) {
  auto it = req.find(key);
  if (it == req.end()) return true;
  // Parsed JSON holds non-negative integers as unsigned; built ones may hold them as signed.
  if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<int64_t>() < 0)) return false;
  if (it->get<uint64_t>() > max) return false;
  *out = it->get<uint64_t>();
  return true;
}

bool read_string(const json& req, const char* key, std::string* out) {
  auto it = req.find(key);
  if (it == req.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

json start(const json& req, dataplane::Dataplane& dp) {
  dataplane::CaptureRequest c;
  if (!read_string(req, "port", &c.port) || c.port.empty()) return error_reply(Errc::invalid_argument, "must name a port", "/port");
  if (!read_string(req, "path", &c.path) || c.path.empty() || c.path[0] != '/') {
    return error_reply(Errc::invalid_argument, "must be an absolute file path", "/path");
  }
  if (!read_string(req, "filter", &c.filter)) return error_reply(Errc::invalid_argument, "must be a string", "/filter");
  uint64_t count = 0, snaplen = 0, duration = 0;
  if (!read_uint(req, "count", UINT64_MAX, &count)) {
    return error_reply(Errc::invalid_argument, "must be a non-negative integer (0: no limit)", "/count");
  }
  if (!read_uint(req, "snaplen", kMaxSnaplen, &snaplen)) {
    return error_reply(Errc::invalid_argument, "must be an integer from 0 (whole frames) to 262144", "/snaplen");
  }
  if (!read_uint(req, "duration_s", kMaxDurationS, &duration)) {
    return error_reply(Errc::invalid_argument, "must be an integer from 0 (no limit) to 604800", "/duration_s");
  }
  std::string direction = "both";
  if (!read_string(req, "direction", &direction) ||
      (direction != "rx" && direction != "tx" && direction != "both")) {
    return error_reply(Errc::invalid_argument, "must be \"rx\", \"tx\" or \"both\"", "/direction");
  }
  c.max_packets = count;
  c.snaplen = static_cast<uint32_t>(snaplen);
  c.duration_s = static_cast<uint32_t>(duration);
  c.direction = direction == "rx"   ? dataplane::CaptureDirection::rx
                : direction == "tx" ? dataplane::CaptureDirection::tx
                                    : dataplane::CaptureDirection::both;
  auto id = dp.capture_start(c);
  if (!id) return error_reply(id.error().code, id.error().message, id.error().pointer);
  return {{"ok", true}, {"result", {{"id", *id}, {"port", c.port}, {"path", c.path}}}};
}

}  // namespace

std::optional<json> handle_capture_command(const std::string& cmd, const json& req, dataplane::Dataplane& dp) {
  if (cmd == "capture.start") return start(req, dp);
  if (cmd != "capture.status" && cmd != "capture.stop") return std::nullopt;
  uint64_t id = 0;
  if (!req.contains("id") || !read_uint(req, "id", UINT32_MAX, &id) || id == 0) {
    return error_reply(Errc::invalid_argument, "must be a capture id", "/id");
  }
  if (cmd == "capture.status") return reply(dp.capture_poll(static_cast<uint32_t>(id)));
  return reply(dp.capture_stop(static_cast<uint32_t>(id)));
}

}  // namespace edgegw::control
