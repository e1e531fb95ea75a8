// GuestManager: the set of guest runners, kept in line with the applied config.
#include "guest_runner.hpp"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "edgegw/common/log.hpp"

namespace edgegw::control {
namespace {

namespace asio = boost::asio;

Error no_guest(const std::string& name) { return make_error(Errc::not_found, "no guest named '" + name + "'"); }

}  // namespace

GuestManager::GuestManager(asio::io_context& io, GuestManagerOptions options)
    : io_(io), options_(std::move(options)) {
  std::error_code ec;
  std::filesystem::create_directories(options_.guests_dir, ec);
}

GuestManager::~GuestManager() {
  for (auto& [name, runner] : runners_) runner->detach();
  for (auto& runner : leaving_) runner->detach();
}

Accel GuestManager::ensure_accel() {
  if (!accel_) {
    if (options_.forced_accel) {
      accel_ = AccelProbe{*options_.forced_accel, "set by the gateway's options", std::chrono::milliseconds(0)};
    } else {
      accel_ = probe_accel(options_.qemu_binary, options_.guests_dir, options_.accel_probe_timeout);
    }
    if (accel_->accel == Accel::kvm) {
      log::info("guests", "guests run under KVM", {{"probe_ms", accel_->took.count()}});
    } else {
      log::warn("guests", "KVM unusable: guests run under TCG (software emulation, much slower)",
                {{"reason", accel_->reason}, {"probe_ms", accel_->took.count()}});
    }
  }
  return accel_->accel;
}

void GuestManager::stop_orphans(const std::vector<GuestDefinition>& guests) {
  std::set<std::string> configured;
  for (const GuestDefinition& g : guests) configured.insert(g.config.name);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.guests_dir, ec)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (configured.count(name)) continue;
    GuestFiles files{entry.path().string()};
    if (find_running_qemu(name, files) == 0) {
      std::filesystem::remove_all(entry.path(), ec);
      log::info("guests", "removed the files of a guest no longer configured", {{"guest", name}});
      continue;
    }
    // Its QEMU outlived the gateway but the config dropped it meanwhile: stop it, then forget it.
    GuestDefinition def;
    def.config.name = name;
    def.config.autostart = false;
    auto runner = std::make_shared<GuestRunner>(*this, def);
    runner->adopt_orphan();
    retire(runner);
  }
}

void GuestManager::retire(const std::shared_ptr<GuestRunner>& runner) {
  leaving_.push_back(runner);
  GuestRunner* raw = runner.get();
  const std::string dir = runner->files().dir;
  runner->stop_then([this, raw, dir] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::erase_if(leaving_, [raw](const auto& r) { return r.get() == raw; });
    // A guest of the same name configured again meanwhile waited for this one to be gone.
    reconcile(desired_);
  });
}

void GuestManager::reconcile(const std::vector<GuestDefinition>& guests) {
  desired_ = guests;
  if (!reconciled_) {
    stop_orphans(guests);
    reconciled_ = true;
  }
  std::set<std::string> wanted;
  for (const GuestDefinition& g : guests) wanted.insert(g.config.name);
  for (auto it = runners_.begin(); it != runners_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    std::shared_ptr<GuestRunner> runner = it->second;
    log::info("guests", "guest removed from the config; stopping it", {{"guest", it->first}});
    it = runners_.erase(it);
    retire(runner);
  }
  for (const GuestDefinition& g : guests) {
    auto it = runners_.find(g.config.name);
    if (it != runners_.end()) {
      it->second->redefine(g);
      continue;
    }
    const std::string dir = options_.guests_dir + "/" + g.config.name;
    if (std::any_of(leaving_.begin(), leaving_.end(), [&](const auto& r) { return r->files().dir == dir; })) {
      continue;  // its namesake is still stopping; created once that one is gone
    }
    auto runner = std::make_shared<GuestRunner>(*this, g);
    runners_.emplace(g.config.name, runner);
    runner->begin();
  }
}

Result<void> GuestManager::start(const std::string& name) {
  auto it = runners_.find(name);
  if (it == runners_.end()) return no_guest(name);
  it->second->start_by_user();
  return {};
}

Result<void> GuestManager::stop(const std::string& name) {
  auto it = runners_.find(name);
  if (it == runners_.end()) return no_guest(name);
  it->second->stop_by_user();
  return {};
}

Result<void> GuestManager::restart(const std::string& name) {
  auto it = runners_.find(name);
  if (it == runners_.end()) return no_guest(name);
  it->second->restart_by_user();
  return {};
}

Result<std::string> GuestManager::console(const std::string& name, size_t max_bytes, const std::string& input) {
  auto it = runners_.find(name);
  if (it == runners_.end()) return no_guest(name);
  GuestRunner& r = *it->second;
  if (!input.empty()) {
    ConsoleCapture* capture = r.console_capture();
    if (capture == nullptr || !capture->connected() || !capture->send(input)) {
      return make_error(Errc::unavailable, "the console of guest '" + name + "' is not connected (" +
                                               guest_state_name(r.status().state) + ")");
    }
  }
  return r.console_log().tail(max_bytes);
}

std::vector<GuestStatus> GuestManager::list() const {
  std::vector<GuestStatus> out;
  for (const auto& [name, runner] : runners_) out.push_back(runner->status());
  return out;
}

std::optional<GuestStatus> GuestManager::show(const std::string& name) const {
  auto it = runners_.find(name);
  if (it == runners_.end()) return std::nullopt;
  return it->second->status();
}

void GuestManager::shutdown(bool stop_guests) {
  if (!stop_guests) {
    for (auto& [name, runner] : runners_) runner->detach();
    for (auto& runner : leaving_) runner->detach();
    runners_.clear();
    leaving_.clear();
    log::info("guests", "detached; guests keep running");
    return;
  }
  size_t pending = 0;
  for (auto& [name, runner] : runners_) {
    ++pending;
    runner->stop_then([&pending] { --pending; });
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.powerdown_timeout + 2 * options_.kill_timeout;
  io_.restart();
  while (pending > 0 && std::chrono::steady_clock::now() < deadline) io_.run_one_for(std::chrono::milliseconds(100));
  for (auto& [name, runner] : runners_) {
    if (runner->running()) log::error("guests", "guest did not stop in time", {{"guest", name}});
    runner->detach();
  }
  runners_.clear();
  leaving_.clear();
}

}  // namespace edgegw::control
