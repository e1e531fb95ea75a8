// ControlApi: guest views (list, show, status summary) and the guest.* commands.
#include "edgegw/control/control_api.hpp"
#include "edgegw/control/guest_manager.hpp"

namespace edgegw::control {
namespace {

using nlohmann::json;

constexpr size_t kDefaultConsoleBytes = 16 * 1024;
constexpr size_t kMaxConsoleBytes = 256 * 1024;
constexpr size_t kMaxConsoleInput = 4096;

// Console bytes as JSON text: JSON strings must be valid UTF-8, a guest's console need not be. Bytes
// outside printable ASCII (but newline, tab, carriage return and escape) become '?'.
std::string console_text(const std::string& bytes) {
  std::string out = bytes;
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x7f || (u < 0x20 && c != '\n' && c != '\t' && c != '\r' && u != 0x1b)) c = '?';
  }
  return out;
}

json guest_json(const GuestStatus& g, const std::vector<dataplane::PortStatus>& ports) {
  json nics = json::array();
  for (const GuestNicStatus& n : g.nics) {
    json link = nullptr;
    for (const auto& p : ports) {
      if (p.name == n.port) link = p.link_up;
    }
    nics.push_back({{"port", n.port}, {"mac", format_mac(n.mac)}, {"socket", n.socket}, {"link_up", link}});
  }
  return {{"name", g.name},
          {"state", guest_state_name(g.state)},
          {"pid", g.pid},
          {"accel", g.accel},
          {"qemu_status", g.qemu_status},
          {"adopted", g.adopted},
          {"held", g.held},
          {"autostart", g.autostart},
          {"restart", restart_policy_name(g.restart)},
          {"vcpus", g.vcpus},
          {"memory_mb", g.memory_mb},
          {"cpus", g.cpus},
          {"nics", nics},
          {"starts", g.starts},
          {"restarts", g.restarts},
          {"crashes", g.crashes},
          {"consecutive_failures", g.consecutive_failures},
          {"started_at_ms", g.started_at_ms},
          {"next_start_in_ms", g.next_start_in_ms < 0 ? json(nullptr) : json(g.next_start_in_ms)},
          {"last_exit", g.last_exit},
          {"error", g.error},
          {"console_bytes", g.console_bytes}};
}

}  // namespace

json ControlApi::guests() const {
  json out = json::array();
  if (guests_ == nullptr) return out;
  const std::vector<dataplane::PortStatus> ports = dataplane_.ports();
  for (const GuestStatus& g : guests_->list()) out.push_back(guest_json(g, ports));
  return out;
}

std::optional<json> ControlApi::guest_show(const std::string& name) const {
  if (guests_ == nullptr) return std::nullopt;
  std::optional<GuestStatus> g = guests_->show(name);
  if (!g) return std::nullopt;
  return guest_json(*g, dataplane_.ports());
}

json ControlApi::guests_summary() const {
  json states = {{"stopped", 0}, {"starting", 0}, {"running", 0}, {"stopping", 0}, {"backoff", 0}};
  json out = {{"configured", 0}, {"states", states}, {"accel", nullptr}, {"accel_reason", nullptr}};
  if (guests_ == nullptr) return out;
  std::vector<GuestStatus> list = guests_->list();
  out["configured"] = list.size();
  for (const GuestStatus& g : list) out["states"][guest_state_name(g.state)] = out["states"][guest_state_name(g.state)].get<int>() + 1;
  if (auto a = guests_->accel()) {
    out["accel"] = accel_name(a->accel);
    out["accel_reason"] = a->reason;
  }
  const GuestCounters& c = guests_->counters();
  out["counters"] = {{"started", c.started}, {"restarted", c.restarted}, {"crashed", c.crashed},
                     {"adopted", c.adopted}, {"start_failed", c.start_failed}};
  return out;
}

std::optional<json> ControlApi::handle_guest_command(const std::string& name, const json& req) {
  if (name.rfind("guest.", 0) != 0) return std::nullopt;
  auto bad = [&](const std::string& pointer, const std::string& message) {
    ++counters_.bad_request;
    return json{{"ok", false}, {"error", {{"code", "invalid_argument"}, {"message", message}, {"pointer", pointer}}}};
  };
  if (name == "guest.list") return json{{"ok", true}, {"result", guests()}};
  const bool known = name == "guest.show" || name == "guest.start" || name == "guest.stop" ||
                     name == "guest.restart" || name == "guest.console";
  if (!known) return std::nullopt;
  auto it = req.find("name");
  if (it == req.end() || !it->is_string()) return bad("/name", "must be a string naming the guest");
  const std::string guest = it->get<std::string>();
  auto not_found = [&] {
    return reply_error(make_error(Errc::not_found, "no guest named '" + guest + "'", "/name"));
  };
  if (guests_ == nullptr || !guests_->show(guest)) return not_found();
  if (name == "guest.show") return json{{"ok", true}, {"result", *guest_show(guest)}};
  if (name == "guest.console") {
    size_t bytes = kDefaultConsoleBytes;
    if (auto b = req.find("bytes"); b != req.end()) {
      if (!b->is_number_unsigned() || b->get<uint64_t>() == 0 || b->get<uint64_t>() > kMaxConsoleBytes) {
        return bad("/bytes", "must be an integer between 1 and " + std::to_string(kMaxConsoleBytes));
      }
      bytes = b->get<size_t>();
    }
    std::string input;
    if (auto in = req.find("input"); in != req.end()) {
      if (!in->is_string() || in->get<std::string>().size() > kMaxConsoleInput) {
        return bad("/input", "must be a string of at most " + std::to_string(kMaxConsoleInput) + " bytes");
      }
      input = in->get<std::string>();
    }
    Result<std::string> out = guests_->console(guest, bytes, input);
    if (!out) return reply_error(out.error());
    return json{{"ok", true}, {"result", {{"name", guest}, {"output", console_text(out.value())}}}};
  }
  Result<void> r = name == "guest.start" ? guests_->start(guest)
                   : name == "guest.stop" ? guests_->stop(guest)
                                          : guests_->restart(guest);
  if (!r) return reply_error(r.error());
  return json{{"ok", true}, {"result", *guest_show(guest)}};
}

}  // namespace edgegw::control
