// Daemon wiring and lifecycle: start-up order, signals, timers, graceful stop.
#include <utility>  // before Asio: g++ 12 in C++20 needs it (std::exchange)

#include "daemon.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "edgegw/common/log.hpp"
#include "edgegw/control/apply_service.hpp"
#include "edgegw/control/control_api.hpp"
#include "edgegw/control/ctl_server.hpp"
#include "edgegw/control/dhcp_service.hpp"
#include "edgegw/control/guest_manager.hpp"
#include "edgegw/control/punt_dispatcher.hpp"
#include "edgegw/control/ra_service.hpp"
#include "edgegw/control/store.hpp"
#include "edgegw/dataplane/dataplane.hpp"
#include "edgegw/firmware/default_config.hpp"
#include "edgegw/web/http_server.hpp"

#ifndef EDGEGW_BOARDS_DIR
#define EDGEGW_BOARDS_DIR "/usr/share/edgegw/boards"
#endif

namespace edgegw::app {
namespace {

namespace asio = boost::asio;
using control::Bootstrap;

constexpr auto kReclaimPeriod = std::chrono::milliseconds(10);
constexpr auto kHostAddressRetryPeriod = std::chrono::seconds(1);
// How long the final router advertisements may take to leave before the data plane stops.
constexpr auto kFinalAdvertisementWait = std::chrono::milliseconds(200);

Result<Bootstrap> load(const DaemonOptions& o) {
  auto b = control::load_bootstrap(o.bootstrap_path, EDGEGW_BOARDS_DIR);
  if (!b) return b;
  if (!o.state_dir.empty()) b->state_dir = o.state_dir;
  if (!o.run_dir.empty()) b->run_dir = o.run_dir;
  if (!o.http_listen.empty()) b->http_listen = o.http_listen;
  if (!o.file_prefix.empty()) b->eal.file_prefix = o.file_prefix;
  if (!o.log_level.empty() && !log::parse_level(o.log_level, &b->log_level)) {
    return make_error(Errc::invalid_argument, "--log-level must be debug, info, warn or error");
  }
  return b;
}

// Holds an exclusive lock on <run_dir>/edgegw.pid so two daemons never share one state dir.
class PidFile {
 public:
  Result<void> acquire(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return make_error(Errc::io, "cannot open pid file " + path);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fd_ = -1;
      return make_error(Errc::conflict, "another edgegw holds " + path);
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::write(fd_, pid.data(), pid.size()) < 0) {
      return make_error(Errc::io, "cannot write pid file " + path);
    }
    return {};
  }
  ~PidFile() {
    if (fd_ >= 0) {
      ::unlink(path_.c_str());
      ::close(fd_);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// Applies the bootstrap's desired_config_file when its version is newer than the active one.
void apply_desired_file(const Bootstrap& b, control::ApplyService& apply) {
  if (b.desired_config_file.empty()) return;
  std::ifstream in(b.desired_config_file);
  if (!in) {
    log::warn("daemon", "desired config file not readable", {{"path", b.desired_config_file}});
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  control::ParsedConfig parsed = control::parse_config(ss.str());
  if (parsed.ok() && apply.active() && parsed.config.version <= apply.active()->version) {
    log::info("daemon", "desired config file is not newer than the active config",
              {{"path", b.desired_config_file}, {"version", parsed.config.version}});
    return;
  }
  control::ApplyResult r = apply.apply(ss.str(), control::ConfigSource::file, b.desired_config_file);
  if (!r.ok) {
    log::error("daemon", "desired config file rejected",
               {{"path", b.desired_config_file}, {"error", r.error.to_string()}});
  }
}

// Hosts drop the gateway as their default router: the final advertisements (lifetime 0) are queued,
// then the worker gets a bounded time to send them (it stops without draining its queue).
void stop_advertising(control::RaService& ra, dataplane::Dataplane& dataplane) {
  const auto sent_by_worker = [&] {
    const dataplane::RouterCounters c = dataplane.status().router;
    return c.injected + c.inject_stale;
  };
  const uint64_t before = sent_by_worker();
  const size_t queued = ra.stop();
  const auto deadline = std::chrono::steady_clock::now() + kFinalAdvertisementWait;
  while (queued != 0 && sent_by_worker() < before + queued && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

control::GuestManagerOptions guest_options(const Bootstrap& b) {
  control::GuestManagerOptions o;
  o.guests_dir = b.guests_dir();
  o.qemu_binary = b.guests.qemu;
  o.qemu_img = b.guests.qemu_img;
  if (b.guests.accel == "kvm") o.forced_accel = control::Accel::kvm;
  if (b.guests.accel == "tcg") o.forced_accel = control::Accel::tcg;
  o.powerdown_timeout = std::chrono::seconds(b.guests.powerdown_timeout_s);
  o.default_cpus = b.guests.cpus;
  return o;
}

control::GuestBudget guest_budget(const Bootstrap& b) {
  control::GuestBudget budget{b.guests.memory_mb, b.guests.vcpus, {}};
  for (unsigned cpu : b.guests.cpus) budget.cpus.push_back(static_cast<uint16_t>(cpu));
  return budget;
}

// Keeps the guest manager in line with the applied config (checked on a timer: every way of
// applying a config, and rollbacks, end in apply.active()).
class GuestSync {
 public:
  GuestSync(control::ApplyService& apply, control::GuestManager& guests) : apply_(apply), guests_(guests) {}
  void poll() {
    const std::optional<control::GatewayConfig>& active = apply_.active();
    const uint64_t version = active ? active->version : 0;
    if (synced_ && version == version_) return;
    synced_ = true;
    version_ = version;
    guests_.reconcile(active ? control::guest_definitions(*active, apply_.compile_options())
                             : std::vector<control::GuestDefinition>{});
  }

 private:
  control::ApplyService& apply_;
  control::GuestManager& guests_;
  bool synced_ = false;
  uint64_t version_ = 0;
};

}  // namespace

int run_daemon(const DaemonOptions& options) {
  auto boot = load(options);
  if (!boot) {
    log::error("daemon", "bootstrap config invalid", {{"error", boot.error().to_string()}});
    return 2;
  }
  Bootstrap b = std::move(boot.value());
  log::set_level(b.log_level);
  log::info("daemon", "starting", {{"version", "0.1.0"}, {"node_id", b.node_id}, {"board", b.board}});

  std::error_code fec;
  std::filesystem::create_directories(b.state_dir, fec);
  std::filesystem::create_directories(b.run_dir, fec);
  PidFile pid;
  if (auto r = pid.acquire(b.run_dir + "/edgegw.pid"); !r) {
    log::error("daemon", "cannot start", {{"error", r.error().message}});
    return 1;
  }

  auto store = control::Store::open(b.db_path());
  if (!store) {
    log::error("daemon", "state store unusable", {{"path", b.db_path()}, {"error", store.error().message}});
    return 1;
  }
  auto dp = dataplane::Dataplane::start(b.eal);
  if (!dp) {
    log::error("daemon", "data plane did not start", {{"error", dp.error().message}});
    return 1;
  }
  dataplane::Dataplane& dataplane = *dp.value();

  // vhost-user sockets the switch serves (server mode) live in <run_dir>/vhost unless a port names
  // its own; DPDK creates the socket but not the directory.
  const std::string vhost_dir = b.run_dir + "/vhost";
  std::filesystem::create_directories(vhost_dir, fec);
  control::ApplyService apply(*store.value(), dataplane, control::SwitchCompileOptions{vhost_dir});
  apply.set_guest_budget(guest_budget(b));
  control::ApplyResult recovered = apply.recover(firmware::default_config_json());
  if (!recovered.ok) {
    log::error("daemon", "could not restore any config; running with no ports",
               {{"error", recovered.error.to_string()}});
  }
  apply_desired_file(b, apply);

  control::DhcpService dhcp(*store.value(), dataplane, apply);
  control::RaService ra(dataplane, [&apply] { return apply.active() ? &*apply.active() : nullptr; });
  control::PuntDispatcher punts(dataplane, dhcp, ra);
  punts.poll();  // servers (and their stored leases) and advertisers up before the first client asks
  ra.poll();     // the first advertisements

  asio::io_context io(1);
  // Guests come up once their switch ports exist (the applied config's vhost sockets are served).
  control::GuestManager guests(io, guest_options(b));
  GuestSync guest_sync(apply, guests);
  guest_sync.poll();

  control::ControlApi api(b, *store.value(), apply, dataplane);
  api.set_guests(&guests);
  api.set_dhcp(&dhcp);
  api.set_ra(&ra);
  auto ctl = control::CtlServer::start(io, b.ctl_socket(), api);
  if (!ctl) {
    log::error("daemon", "ctl socket unavailable", {{"error", ctl.error().message}});
    stop_advertising(ra, dataplane);
    dataplane.stop();
    return 1;
  }
  auto http = web::HttpServer::start(io, b.http_listen, api);
  if (!http) {
    // The box keeps forwarding without its status page; the ctl socket still works.
    log::error("daemon", "status page unavailable", {{"error", http.error().message}});
  }

  asio::steady_timer reclaim_timer(io);
  std::function<void()> arm_reclaim = [&] {
    reclaim_timer.expires_after(kReclaimPeriod);
    reclaim_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      dataplane.reclaim();
      dataplane.capture_poll_all();  // drains capture rings into their files
      punts.poll();                    // punted DHCP messages and router solicitations, within one period
      ra.poll();                       // router advertisements due (solicited ones to the millisecond)
      guest_sync.poll();               // guests of a newly applied config
      arm_reclaim();
    });
  };
  arm_reclaim();

  // Host port addresses that could not be set yet (their tap appears once the data plane made it).
  asio::steady_timer host_address_timer(io);
  std::function<void()> arm_host_addresses = [&] {
    host_address_timer.expires_after(kHostAddressRetryPeriod);
    host_address_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      apply.retry_host_addresses();
      arm_host_addresses();
    });
  };
  arm_host_addresses();

  asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  asio::signal_set reload_signal(io, SIGHUP);
  stop_signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    log::info("daemon", "stopping", {{"signal", signo == SIGINT ? "SIGINT" : "SIGTERM"}});
    reload_signal.cancel();
    reclaim_timer.cancel();
    host_address_timer.cancel();
    ctl.value()->stop();
    if (http) http.value()->stop();
    io.stop();
  });
  std::function<void()> wait_reload = [&] {
    reload_signal.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      auto fresh = load(options);
      if (!fresh) {
        log::error("daemon", "reload: bootstrap config invalid, keeping the running one",
                   {{"error", fresh.error().to_string()}});
      } else {
        log::set_level(fresh->log_level);
        b.desired_config_file = fresh->desired_config_file;
        log::info("daemon", "reloaded", {{"log_level", static_cast<int>(fresh->log_level)}});
        apply_desired_file(b, apply);
      }
      wait_reload();
    });
  };
  wait_reload();

  log::info("daemon", "ready",
            {{"ctl", b.ctl_socket()},
             {"http", http ? "http://" + b.http_listen.substr(0, b.http_listen.rfind(':')) + ":" +
                                 std::to_string(http.value()->port())
                           : std::string("off")},
             {"config_version", apply.active() ? apply.active()->version : 0}});
  io.run();

  guests.shutdown(b.guests.stop_on_exit);  // by default the guests keep running and are adopted again
  stop_advertising(ra, dataplane);
  dataplane.stop();
  log::info("daemon", "stopped");
  return 0;
}

}  // namespace edgegw::app
