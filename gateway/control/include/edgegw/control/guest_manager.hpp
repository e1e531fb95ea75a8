// The guest manager: one QEMU process per configured guest, started, watched and stopped over QMP.
//
// Each guest has a runner with a small state machine:
//   stopped --start--> starting (QEMU spawned, QMP negotiating) --QMP up--> running
//   running --stop--> stopping (system_powerdown; quit after the timeout; SIGKILL after that)
//   any --QEMU exits--> stopped, or backoff --timer--> starting when the restart policy says so
// A QEMU exit is a *shutdown* when the guest powered itself off (QMP SHUTDOWN with guest=true), a
// *stop* when the gateway asked for it, and a *crash* otherwise (killed, non-zero exit, panic).
// on-failure restarts crashes, always restarts crashes and shutdowns; both back off exponentially
// (initial, doubling, capped) while the guest keeps failing within `stable_after` of its start.
//
// Guests outlive the gateway: QEMU runs in its own session, its NICs reconnect to the switch's
// vhost-user sockets every second, and a gateway that starts again adopts every running QEMU
// whose command line is still what its config asks for (pidfile + /proc/<pid>/cmdline), else
// restarts it. Exits are watched with a pidfd, so adopted QEMUs (not our children) are watched too.
//
// Threading: the control-plane thread only (the io_context given).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/control/accel_probe.hpp"
#include "edgegw/control/config_model.hpp"

namespace boost::asio {
class io_context;
}

namespace edgegw::control {

enum class GuestState { stopped, starting, running, stopping, backoff };
const char* guest_state_name(GuestState state);

// What a runner is given: the guest's config and the switch's socket for each NIC.
struct GuestDefinition {
  GuestConfig config;
  std::vector<std::string> nic_sockets;
  bool operator==(const GuestDefinition&) const = default;
};

struct GuestManagerOptions {
  std::string guests_dir;  // <state_dir>/guests: one directory per guest
  std::string qemu_binary = "qemu-system-x86_64";
  std::string qemu_img = "qemu-img";
  // How guests run: probed once before the first guest starts unless forced.
  std::optional<Accel> forced_accel;
  std::chrono::milliseconds accel_probe_timeout{2000};
  std::vector<unsigned> default_cpus;  // the board's guest CPUs (empty: no pinning)
  std::chrono::milliseconds powerdown_timeout{30000};  // system_powerdown, then quit
  std::chrono::milliseconds kill_timeout{5000};        // quit (or SIGTERM), then SIGKILL
  std::chrono::milliseconds qmp_timeout{5000};         // per QMP command
  std::chrono::milliseconds start_timeout{20000};      // spawn until QMP answers
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{300000};
  std::chrono::milliseconds stable_after{60000};  // running this long resets the backoff
};

// The delay before restart number `failures` (1 = first) of a guest that keeps failing.
std::chrono::milliseconds restart_backoff(uint32_t failures, std::chrono::milliseconds initial,
                                          std::chrono::milliseconds max);

struct GuestNicStatus {
  std::string port;
  MacAddress mac{};
  std::string socket;
};

struct GuestStatus {
  std::string name;
  GuestState state = GuestState::stopped;
  pid_t pid = 0;
  std::string accel;         // "kvm" / "tcg" while it runs, "" before the first start
  std::string qemu_status;   // QMP query-status ("running", "paused", ...), "" without QMP
  bool adopted = false;      // found running when this gateway started
  bool held = false;         // stopped by a user: not started by autostart or a restart policy
  bool autostart = true;
  RestartPolicy restart = RestartPolicy::on_failure;
  uint32_t vcpus = 0;
  uint32_t memory_mb = 0;
  std::vector<unsigned> cpus;  // where its threads run (empty: anywhere)
  std::vector<GuestNicStatus> nics;
  uint64_t starts = 0;            // QEMU processes started by this gateway for the guest
  uint64_t restarts = 0;          // ... of them by the restart policy
  uint64_t crashes = 0;
  uint32_t consecutive_failures = 0;
  int64_t started_at_ms = 0;      // wall clock of the running QEMU's start (or adoption), 0 when none
  int64_t next_start_in_ms = -1;  // in backoff: when it starts again
  std::string last_exit;          // "crashed: killed by signal 9", "shut down by the guest", "stopped"
  std::string error;              // why it could not start (disk, spawn, QMP), "" when none
  uint64_t console_bytes = 0;
};

struct GuestCounters {
  uint64_t started = 0;
  uint64_t restarted = 0;  // by policy
  uint64_t crashed = 0;
  uint64_t adopted = 0;
  uint64_t start_failed = 0;
};

class GuestRunner;

class GuestManager {
 public:
  GuestManager(boost::asio::io_context& io, GuestManagerOptions options);
  ~GuestManager();
  GuestManager(const GuestManager&) = delete;
  GuestManager& operator=(const GuestManager&) = delete;

  // Brings the guests in line with `guests` (the applied config): new ones are adopted if their QEMU
  // runs, else started when autostart; changed ones are restarted with the new definition; removed
  // ones are stopped and their directory (overlays, seed, console log) deleted. The first call
  // also stops QEMUs left running for guests no longer configured.
  void reconcile(const std::vector<GuestDefinition>& guests);

  // User commands (edgegwctl guest ...). start/restart clear `held`, stop sets it.
  Result<void> start(const std::string& name);
  Result<void> stop(const std::string& name);
  Result<void> restart(const std::string& name);
  // The console's last `max_bytes`; `input` (when not empty) is typed into the console first.
  Result<std::string> console(const std::string& name, size_t max_bytes, const std::string& input);

  std::vector<GuestStatus> list() const;
  std::optional<GuestStatus> show(const std::string& name) const;
  const GuestCounters& counters() const { return counters_; }
  // Accel guests run with and why ("" until probed).
  std::optional<AccelProbe> accel() const { return accel_; }

  // Gateway stop: detaches from every QEMU (they keep running) unless `stop_guests`, in which case
  // it stops them and waits up to the powerdown + kill timeouts (running the io_context).
  void shutdown(bool stop_guests);

 private:
  friend class GuestRunner;
  Accel ensure_accel();
  void stop_orphans(const std::vector<GuestDefinition>& guests);
  // Stops a runner for good; its directory goes once its QEMU is gone.
  void retire(const std::shared_ptr<GuestRunner>& runner);

  boost::asio::io_context& io_;
  GuestManagerOptions options_;
  std::optional<AccelProbe> accel_;
  std::map<std::string, std::shared_ptr<GuestRunner>> runners_;
  // Runners of removed guests still stopping (they delete their directory when gone).
  std::vector<std::shared_ptr<GuestRunner>> leaving_;
  std::vector<GuestDefinition> desired_;  // the last reconcile()'s guests
  bool reconciled_ = false;
  GuestCounters counters_;
};

}  // namespace edgegw::control
