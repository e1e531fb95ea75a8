// One guest's QEMU: launch, adoption, QMP, exit classification, restart policy, graceful stop.
#include "guest_runner.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <algorithm>

#include "edgegw/common/log.hpp"

namespace edgegw::control {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int64_t wall_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// When process `pid` started (wall clock, ms), from /proc: an adopted QEMU's uptime is its own.
int64_t process_start_ms(pid_t pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat_file, line)) return wall_ms();
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long start_ticks = 0;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) start_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  std::ifstream proc_stat("/proc/stat");
  long long boot_s = 0;
  while (std::getline(proc_stat, line)) {
    if (line.rfind("btime ", 0) == 0) boot_s = std::atoll(line.c_str() + 6);
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (boot_s == 0 || ticks <= 0 || start_ticks == 0) return wall_ms();
  return boot_s * 1000 + static_cast<int64_t>(start_ticks * 1000 / static_cast<unsigned long long>(ticks));
}

// The last non-empty line of QEMU's own log: why it refused to start, usually.
std::string last_log_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.size() > 300 ? last.substr(0, 300) : last;
}

// What each disk attaches, as prepare_guest_disks() will return it (without touching anything).
std::vector<std::string> disk_files_of(const GuestConfig& guest, const GuestFiles& files) {
  std::vector<std::string> out;
  for (size_t i = 0; i < guest.disks.size(); ++i) {
    const GuestDiskConfig& d = guest.disks[i];
    out.push_back(d.format == DiskFormat::qcow2 && d.overlay ? files.overlay(i) : d.image);
  }
  return out;
}

}  // namespace

const char* guest_state_name(GuestState state) {
  switch (state) {
    case GuestState::stopped: return "stopped";
    case GuestState::starting: return "starting";
    case GuestState::running: return "running";
    case GuestState::stopping: return "stopping";
    case GuestState::backoff: return "backoff";
  }
  return "?";
}

std::chrono::milliseconds restart_backoff(uint32_t failures, milliseconds initial, milliseconds max) {
  if (failures == 0) return milliseconds(0);
  milliseconds delay = initial;
  for (uint32_t i = 1; i < failures && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

GuestRunner::GuestRunner(GuestManager& manager, GuestDefinition definition)
    : manager_(manager),
      io_(manager.io_),
      definition_(std::move(definition)),
      files_{manager.options_.guests_dir + "/" + definition_.config.name},
      stop_timer_(io_),
      restart_timer_(io_),
      qmp_retry_timer_(io_) {
  std::error_code ec;
  std::filesystem::create_directories(files_.dir, ec);
  console_log_ = std::make_shared<ConsoleLog>(files_.console_log());
  held_ = std::filesystem::exists(files_.dir + "/held", ec);
  slots_.fill(-1);
}

GuestRunner::~GuestRunner() { detach(); }

bool GuestRunner::want_running() const { return definition_.config.autostart && !held_; }

void GuestRunner::set_held(bool held) {
  held_ = held;
  const std::string marker = files_.dir + "/held";
  if (held) {
    std::ofstream(marker) << "stopped by a user\n";
  } else {
    std::error_code ec;
    std::filesystem::remove(marker, ec);
  }
}

std::vector<unsigned> GuestRunner::cpus() const {
  if (!definition_.config.cpus.empty()) {
    return std::vector<unsigned>(definition_.config.cpus.begin(), definition_.config.cpus.end());
  }
  return manager_.options_.default_cpus;
}

std::vector<std::string> GuestRunner::command() const {
  QemuLaunch launch;
  launch.qemu_binary = manager_.options_.qemu_binary;
  launch.accel = manager_.ensure_accel();
  launch.files = files_;
  launch.nic_sockets = definition_.nic_sockets;
  launch.disk_files = disk_files_of(definition_.config, files_);
  launch.seed = definition_.config.cloud_init.has_value();
  return qemu_command(definition_.config, launch);
}

void GuestRunner::begin() {
  const pid_t pid = find_running_qemu(definition_.config.name, files_);
  if (pid > 0) {
    std::vector<std::string> running = process_cmdline(pid);
    std::vector<std::string> wanted = command();
    const bool same = load_runtime_matches(running, wanted);
    watch(pid, true);
    ++manager_.counters_.adopted;
    if (same) {
      log::info("guests", "adopted running guest", {{"guest", definition_.config.name}, {"pid", pid}});
    } else {
      log::info("guests", "running guest has an old definition; restarting it",
                {{"guest", definition_.config.name}, {"pid", pid}});
      restart_after_stop_ = true;
      begin_stop();
    }
    return;
  }
  if (want_running()) launch();
}

void GuestRunner::adopt_orphan() {
  if (const pid_t pid = find_running_qemu(definition_.config.name, files_); pid > 0) watch(pid, true);
}

bool GuestRunner::try_hotplug(const GuestDefinition& next) {
  if (pid_ == 0 || state_ != GuestState::running || !qmp_ || !qmp_->connected()) return false;
  GuestConfig a = definition_.config, b = next.config;
  a.nics.clear();
  b.nics.clear();
  if (!(a == b)) return false;
  const GuestDefinition& cur = definition_;
  const size_t old_n = cur.config.nics.size(), new_n = next.config.nics.size();
  const size_t common = std::min(old_n, new_n);
  for (size_t i = 0; i < common; ++i) {
    if (!(cur.config.nics[i] == next.config.nics[i]) || cur.nic_sockets.at(i) != next.nic_sockets.at(i)) return false;
  }
  const size_t launched = launched_argv_.empty() ? old_n : static_cast<size_t>(std::count(
                                                               launched_argv_.begin(), launched_argv_.end(), "-netdev"));
  std::vector<size_t> free_slots;
  for (size_t k = 0; k < slots_.size(); ++k) {
    if (slots_[k] < 0) free_slots.push_back(k);
  }
  if (new_n > old_n) {
    for (size_t i = old_n; i < new_n; ++i) {
      if (!next.config.nics[i].hotplug) return false;
    }
    if (new_n - old_n > free_slots.size()) return false;
  } else {
    for (size_t i = new_n; i < old_n; ++i) {
      // Only NICs plugged in while it ran sit on a hot-plug port; the ones it started with do not.
      if (!cur.config.nics[i].hotplug || i < launched) return false;
    }
  }
  const std::string name = next.config.name;
  std::weak_ptr<GuestRunner> weak = weak_from_this();
  auto on_failure = [weak, name](const std::string& step, const Error& e) {
    log::error("guests", "NIC hot-plug failed; restarting the guest with its new definition",
               {{"guest", name}, {"step", step}, {"error", e.message}});
    auto self = weak.lock();
    if (self && self->pid_ > 0 && !self->stop_requested_) {
      self->restart_after_stop_ = true;
      self->begin_stop();
    }
  };
  const Accel accel = manager_.ensure_accel();
  if (new_n > old_n) {
    for (size_t i = old_n; i < new_n; ++i) {
      const size_t slot = free_slots[i - old_n];
      slots_[slot] = static_cast<int>(i);
      for (const json& cmd : nic_hotplug_commands(next.config, i, next.nic_sockets.at(i), slot, accel)) {
        const std::string step = cmd["execute"];
        qmp_->execute(step, cmd["arguments"], manager_.options_.qmp_timeout, [on_failure, step](Result<json> r) {
          if (!r) on_failure(step, r.error());
        });
      }
      log::info("guests", "NIC hot-plugged", {{"guest", name}, {"nic", i}, {"port", next.config.nics[i].port}});
    }
  } else {
    for (size_t i = new_n; i < old_n; ++i) {
      qmp_->execute("device_del", {{"id", "nic" + std::to_string(i) + "dev"}}, manager_.options_.qmp_timeout,
                    [on_failure](Result<json> r) {
                      if (!r) on_failure("device_del", r.error());
                    });
    }
  }
  definition_ = next;
  save_runtime(launched_argv_);
  return true;
}

void GuestRunner::save_runtime(const std::vector<std::string>& launched_argv) {
  launched_argv_ = launched_argv;
  json slots = json::array();
  for (int s : slots_) slots.push_back(s);
  json doc = {{"launched_argv", launched_argv}, {"current_argv", command()}, {"slots", slots}};
  const std::string path = files_.dir + "/runtime.json";
  std::ofstream(path + ".tmp") << doc.dump();
  std::error_code ec;
  std::filesystem::rename(path + ".tmp", path, ec);
}

bool GuestRunner::load_runtime_matches(const std::vector<std::string>& running, const std::vector<std::string>& wanted) {
  // argv[0] may be resolved differently (PATH); compare the arguments.
  auto same_args = [](const std::vector<std::string>& x, const std::vector<std::string>& y) {
    return x.size() == y.size() && !x.empty() && std::equal(x.begin() + 1, x.end(), y.begin() + 1);
  };
  std::ifstream in(files_.dir + "/runtime.json");
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, false);
  if (!doc.is_object() || !doc.contains("launched_argv") || !doc["launched_argv"].is_array()) {
    return same_args(running, wanted);
  }
  std::vector<std::string> launched, current;
  for (const json& a : doc["launched_argv"]) launched.push_back(a.is_string() ? a.get<std::string>() : "");
  for (const json& a : doc.value("current_argv", json::array())) current.push_back(a.is_string() ? a.get<std::string>() : "");
  if (!same_args(running, launched) || !same_args(current, wanted)) return false;
  launched_argv_ = launched;
  const json slots = doc.value("slots", json::array());
  for (size_t k = 0; k < slots_.size(); ++k) slots_[k] = k < slots.size() && slots[k].is_number_integer() ? slots[k].get<int>() : -1;
  return true;
}

void GuestRunner::redefine(GuestDefinition definition) {
  if (definition == definition_) return;
  if (try_hotplug(definition)) return;
  definition_ = std::move(definition);
  if (pid_ > 0) {
    log::info("guests", "definition changed; restarting", {{"guest", definition_.config.name}});
    restart_after_stop_ = true;
    if (!stop_requested_) begin_stop();
  } else if (state_ == GuestState::stopped && want_running()) {
    launch();
  }
}

void GuestRunner::launch() {
  if (pid_ > 0) return;
  restart_timer_.cancel();
  const GuestConfig& g = definition_.config;
  std::error_code ec;
  std::filesystem::create_directories(files_.dir, ec);
  Result<std::vector<std::string>> disks = prepare_guest_disks(g, files_, manager_.options_.qemu_img);
  if (!disks) return fail_start(disks.error().message);
  if (g.cloud_init) {
    if (auto r = write_cloud_init_seed(g, files_); !r) return fail_start(r.error().message);
  }
  QemuLaunch launch;
  launch.qemu_binary = manager_.options_.qemu_binary;
  launch.accel = manager_.ensure_accel();
  launch.files = files_;
  launch.nic_sockets = definition_.nic_sockets;
  launch.disk_files = disks.value();
  launch.seed = g.cloud_init.has_value();
  // Sockets of a QEMU that died hard would make the new one's listen fail.
  std::filesystem::remove(files_.qmp_socket(), ec);
  std::filesystem::remove(files_.console_socket(), ec);
  std::filesystem::remove(files_.pidfile(), ec);
  const std::vector<std::string> argv = qemu_command(g, launch);
  Result<pid_t> pid = spawn_qemu(argv, cpus(), files_);
  if (!pid) return fail_start(pid.error().message);
  slots_.fill(-1);
  save_runtime(argv);
  ++starts_;
  ++manager_.counters_.started;
  accel_ = accel_name(launch.accel);
  stop_requested_ = guest_shutdown_ = panicked_ = false;
  error_.clear();
  started_ = Clock::now();
  started_at_ms_ = wall_ms();
  log::info("guests", "started", {{"guest", g.name}, {"pid", pid.value()}, {"accel", accel_}});
  watch(pid.value(), false);
}

void GuestRunner::watch(pid_t pid, bool adopted) {
  pid_ = pid;
  child_ = !adopted;
  adopted_ = adopted;
  state_ = GuestState::starting;
  if (adopted) {
    accel_ = accel_name(manager_.ensure_accel());
    started_ = Clock::now();
    started_at_ms_ = process_start_ms(pid);
    stop_requested_ = guest_shutdown_ = panicked_ = false;
  }
  std::weak_ptr<GuestRunner> weak = weak_from_this();
  const int fd = open_pidfd(pid);
  if (fd < 0) {
    asio::post(io_, [weak] {
      if (auto self = weak.lock()) self->on_exit();
    });
    return;
  }
  pidfd_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
  pidfd_->async_wait(asio::posix::stream_descriptor::wait_read, [weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->on_exit();
  });
  console_ = ConsoleCapture::create(io_, console_log_);
  console_->start(files_.console_socket(), manager_.options_.start_timeout);
  connect_qmp(Clock::now() + manager_.options_.start_timeout);
}

void GuestRunner::connect_qmp(Clock::time_point deadline) {
  std::weak_ptr<GuestRunner> weak = weak_from_this();
  qmp_ = QmpClient::create(
      io_,
      [weak](const std::string& event, const json& data) {
        if (auto self = weak.lock()) self->on_qmp_event(event, data);
      },
      [weak](const std::string&) {
        if (auto self = weak.lock()) self->qemu_status_.clear();
      });
  qmp_->connect(files_.qmp_socket(), milliseconds(1000), [weak, deadline](Result<void> r) {
    auto self = weak.lock();
    if (!self || self->pid_ == 0) return;
    if (!r) {
      if (Clock::now() < deadline) {
        self->qmp_retry_timer_.expires_after(milliseconds(200));
        self->qmp_retry_timer_.async_wait([weak, deadline](boost::system::error_code ec) {
          auto s = weak.lock();
          if (!ec && s && s->pid_ > 0) s->connect_qmp(deadline);
        });
        return;
      }
      self->error_ = "QMP did not answer: " + r.error().message;
      log::error("guests", "QMP did not answer; killing QEMU", {{"guest", self->definition_.config.name}});
      self->escalate_to_kill();
      return;
    }
    self->qmp_->execute("query-status", nullptr, self->manager_.options_.qmp_timeout, [weak](Result<json> st) {
      auto s = weak.lock();
      if (!s || s->pid_ == 0) return;
      if (st) s->qemu_status_ = st.value().value("status", "");
      if (s->state_ == GuestState::starting) s->state_ = GuestState::running;
    });
  });
}

void GuestRunner::on_qmp_event(const std::string& event, const json& data) {
  if (event == "SHUTDOWN") {
    if (data.is_object() && data.value("guest", false)) guest_shutdown_ = true;
  } else if (event == "STOP") {
    qemu_status_ = "paused";
  } else if (event == "RESUME") {
    qemu_status_ = "running";
  } else if (event == "DEVICE_DELETED" && data.is_object()) {
    // A hot-unplugged NIC is gone from the guest: its netdev and chardev can go too.
    const std::string device = data.value("device", "");
    for (int& slot : slots_) {
      if (slot >= 0 && device == "nic" + std::to_string(slot) + "dev") {
        const std::string n = std::to_string(slot);
        if (qmp_ && qmp_->connected()) {
          qmp_->execute("netdev_del", {{"id", "net" + n}}, manager_.options_.qmp_timeout, [](Result<json>) {});
          qmp_->execute("chardev-remove", {{"id", "nic" + n}}, manager_.options_.qmp_timeout, [](Result<json>) {});
        }
        slot = -1;
        log::info("guests", "NIC unplugged", {{"guest", definition_.config.name}, {"nic", n}});
        save_runtime(launched_argv_);
      }
    }
  } else if (event == "GUEST_PANICKED") {
    panicked_ = true;
    log::error("guests", "guest panicked", {{"guest", definition_.config.name}});
  }
}

void GuestRunner::on_exit() {
  if (pid_ == 0) return;
  std::string how = "exited";
  bool clean_exit = true;
  if (child_) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      if (WIFSIGNALED(status)) {
        how = "killed by signal " + std::to_string(WTERMSIG(status));
        clean_exit = false;
      } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        how = "exit status " + std::to_string(WEXITSTATUS(status));
        const std::string why = last_log_line(files_.qemu_log());
        if (!why.empty()) how += " (" + why + ")";
        clean_exit = false;
      }
    }
  } else if (!guest_shutdown_) {
    how = "QEMU ended";  // not our child: no exit status; no shutdown event means it did not power off
  }
  const pid_t pid = pid_;
  pid_ = 0;
  pidfd_.reset();
  if (qmp_) qmp_->close();
  qmp_.reset();
  if (console_) console_->stop();
  console_.reset();
  stop_timer_.cancel();
  qmp_retry_timer_.cancel();
  qemu_status_.clear();
  std::error_code ec;
  std::filesystem::remove(files_.pidfile(), ec);

  ExitKind kind = ExitKind::crash;
  if (stop_requested_) {
    kind = ExitKind::requested;
  } else if (guest_shutdown_ && !panicked_ && clean_exit) {
    kind = ExitKind::shutdown;
  }
  const GuestConfig& g = definition_.config;
  switch (kind) {
    case ExitKind::requested: last_exit_ = "stopped"; break;
    case ExitKind::shutdown: last_exit_ = "shut down by the guest"; break;
    case ExitKind::crash:
      last_exit_ = std::string("crashed: ") + (panicked_ ? "guest panicked, " : "") + how;
      ++crashes_;
      ++manager_.counters_.crashed;
      break;
  }
  log::info("guests", "QEMU exited", {{"guest", g.name}, {"pid", pid}, {"exit", last_exit_}});
  state_ = GuestState::stopped;
  if (!on_gone_.empty()) {
    auto gone = std::move(on_gone_);
    on_gone_.clear();
    for (auto& f : gone) f();
    return;
  }
  if (restart_after_stop_) {
    restart_after_stop_ = false;
    launch();
    return;
  }
  if (kind == ExitKind::requested || held_) return;
  const bool restart = (kind == ExitKind::crash && g.restart != RestartPolicy::never) ||
                       (kind == ExitKind::shutdown && g.restart == RestartPolicy::always);
  if (restart) schedule_restart(kind == ExitKind::crash);
}

void GuestRunner::schedule_restart(bool failure) {
  const GuestManagerOptions& o = manager_.options_;
  if (Clock::now() - started_ >= o.stable_after) consecutive_failures_ = 0;
  ++consecutive_failures_;
  const milliseconds delay = restart_backoff(consecutive_failures_, o.backoff_initial, o.backoff_max);
  state_ = GuestState::backoff;
  next_start_ = Clock::now() + delay;
  log::info("guests", failure ? "restarting after a failure" : "restarting after a shutdown",
            {{"guest", definition_.config.name}, {"in_ms", delay.count()}, {"attempt", consecutive_failures_}});
  std::weak_ptr<GuestRunner> weak = weak_from_this();
  restart_timer_.expires_after(delay);
  restart_timer_.async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->state_ != GuestState::backoff) return;
    ++self->restarts_;
    ++self->manager_.counters_.restarted;
    self->launch();
  });
}

void GuestRunner::fail_start(const std::string& error) {
  error_ = error;
  ++manager_.counters_.start_failed;
  log::error("guests", "cannot start", {{"guest", definition_.config.name}, {"error", error}});
  state_ = GuestState::stopped;
  started_ = Clock::now();
  if (!held_ && on_gone_.empty()) schedule_restart(true);
}

void GuestRunner::begin_stop() {
  if (pid_ == 0) return;
  stop_requested_ = true;
  state_ = GuestState::stopping;
  std::weak_ptr<GuestRunner> weak = weak_from_this();
  if (qmp_ && qmp_->connected()) {
    qmp_->execute("system_powerdown", nullptr, manager_.options_.qmp_timeout, [](Result<json>) {});
    stop_timer_.expires_after(manager_.options_.powerdown_timeout);
    stop_timer_.async_wait([weak](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!ec && self) self->escalate_to_quit();
    });
  } else {
    escalate_to_quit();
  }
}

void GuestRunner::escalate_to_quit() {
  if (pid_ == 0) return;
  if (qmp_ && qmp_->connected()) {
    qmp_->execute("quit", nullptr, manager_.options_.qmp_timeout, [](Result<json>) {});
  } else {
    ::kill(pid_, SIGTERM);
  }
  std::weak_ptr<GuestRunner> weak = weak_from_this();
  stop_timer_.expires_after(manager_.options_.kill_timeout);
  stop_timer_.async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!ec && self) self->escalate_to_kill();
  });
}

void GuestRunner::escalate_to_kill() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

void GuestRunner::start_by_user() {
  set_held(false);
  consecutive_failures_ = 0;
  if (pid_ > 0) {
    if (stop_requested_) restart_after_stop_ = true;
    return;
  }
  launch();
}

void GuestRunner::stop_by_user() {
  set_held(true);
  restart_after_stop_ = false;
  restart_timer_.cancel();
  if (pid_ > 0) {
    if (!stop_requested_) begin_stop();
  } else {
    state_ = GuestState::stopped;
  }
}

void GuestRunner::restart_by_user() {
  set_held(false);
  consecutive_failures_ = 0;
  if (pid_ > 0) {
    restart_after_stop_ = true;
    if (!stop_requested_) begin_stop();
  } else {
    launch();
  }
}

void GuestRunner::stop_then(std::function<void()> gone) {
  restart_after_stop_ = false;
  restart_timer_.cancel();
  if (pid_ == 0) {
    state_ = GuestState::stopped;
    // Not run when this runner (and so its manager) is gone by then.
    asio::post(io_, [weak = weak_from_this(), gone = std::move(gone)] {
      if (weak.lock()) gone();
    });
    return;
  }
  on_gone_.push_back(std::move(gone));
  if (!stop_requested_) begin_stop();
}

void GuestRunner::detach() {
  stop_timer_.cancel();
  restart_timer_.cancel();
  qmp_retry_timer_.cancel();
  if (qmp_) qmp_->close();
  qmp_.reset();
  if (console_) console_->stop();
  console_.reset();
  if (pidfd_) {
    boost::system::error_code ec;
    pidfd_->close(ec);
    pidfd_.reset();
  }
}

GuestStatus GuestRunner::status() const {
  const GuestConfig& g = definition_.config;
  GuestStatus s;
  s.name = g.name;
  s.state = state_;
  s.pid = pid_;
  s.accel = pid_ > 0 ? accel_ : "";
  s.qemu_status = qemu_status_;
  s.adopted = pid_ > 0 && adopted_;
  s.held = held_;
  s.autostart = g.autostart;
  s.restart = g.restart;
  s.vcpus = g.vcpus;
  s.memory_mb = g.memory_mb;
  s.cpus = cpus();
  std::vector<MacAddress> macs = guest_macs(g);
  for (size_t i = 0; i < g.nics.size(); ++i) {
    s.nics.push_back({g.nics[i].port, macs[i], i < definition_.nic_sockets.size() ? definition_.nic_sockets[i] : ""});
  }
  s.starts = starts_;
  s.restarts = restarts_;
  s.crashes = crashes_;
  s.consecutive_failures = consecutive_failures_;
  s.started_at_ms = pid_ > 0 ? started_at_ms_ : 0;
  if (state_ == GuestState::backoff) {
    s.next_start_in_ms = std::max<int64_t>(
        0, std::chrono::duration_cast<milliseconds>(next_start_ - Clock::now()).count());
  }
  s.last_exit = last_exit_;
  s.error = error_;
  s.console_bytes = console_log_->bytes_total();
  return s;
}

}  // namespace edgegw::control
