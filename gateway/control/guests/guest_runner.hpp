// One guest's QEMU process and its state machine (see guest_manager.hpp). Internal to the manager.
#pragma once

#include <utility>  // before Asio: g++ 12 in C++20 needs it (std::exchange)

#include <boost/asio.hpp>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "edgegw/control/console_log.hpp"
#include "edgegw/control/guest_manager.hpp"
#include "edgegw/control/qemu_launch.hpp"
#include "edgegw/control/qmp_client.hpp"

namespace edgegw::control {

class GuestRunner : public std::enable_shared_from_this<GuestRunner> {
 public:
  GuestRunner(GuestManager& manager, GuestDefinition definition);
  ~GuestRunner();

  // First sight of the guest: adopts its running QEMU (restarting it when its command line is not
  // what the definition asks for), else starts it when autostart and not held.
  void begin();
  // A QEMU left running for a guest no longer configured: watch it (to stop it next).
  void adopt_orphan();
  // A new definition from the config: restarts a running guest with it.
  void redefine(GuestDefinition definition);
  void start_by_user();
  void stop_by_user();
  void restart_by_user();
  // Stops the guest for good; `gone` runs once its QEMU is gone.
  void stop_then(std::function<void()> gone);
  // Forgets the QEMU without stopping it (gateway stop): closes QMP and the console, cancels timers.
  void detach();

  GuestStatus status() const;
  const GuestFiles& files() const { return files_; }
  ConsoleLog& console_log() { return *console_log_; }
  ConsoleCapture* console_capture() { return console_.get(); }
  bool running() const { return pid_ > 0; }

 private:
  enum class ExitKind { requested, shutdown, crash };

  void launch();
  void watch(pid_t pid, bool adopted);
  void connect_qmp(std::chrono::steady_clock::time_point deadline);
  void on_qmp_event(const std::string& event, const nlohmann::json& data);
  void on_exit();
  void begin_stop();
  void escalate_to_quit();
  void escalate_to_kill();
  void schedule_restart(bool failure);
  void fail_start(const std::string& error);
  std::vector<std::string> command() const;
  std::vector<unsigned> cpus() const;
  void set_held(bool held);
  // NICs added at (or removed from) the end, all marked hotplug, on a running guest: plugged over QMP
  // instead of a restart. False when the change needs a restart.
  bool try_hotplug(const GuestDefinition& next);
  // <dir>/runtime.json: the command line QEMU was started with, the one its current definition
  // (hot-plugged NICs included) would have, and the hot-plug slots, so a restarted gateway can tell
  // whether a running QEMU is what the config asks for.
  void save_runtime(const std::vector<std::string>& launched_argv);
  bool load_runtime_matches(const std::vector<std::string>& running, const std::vector<std::string>& wanted);
  bool want_running() const;

  GuestManager& manager_;
  boost::asio::io_context& io_;
  GuestDefinition definition_;
  GuestFiles files_;
  std::shared_ptr<ConsoleLog> console_log_;

  GuestState state_ = GuestState::stopped;
  pid_t pid_ = 0;
  bool child_ = false;     // our child (exit status readable), not adopted
  bool adopted_ = false;
  bool held_ = false;
  bool stop_requested_ = false;
  bool guest_shutdown_ = false;  // QMP SHUTDOWN with guest=true seen
  bool panicked_ = false;
  bool restart_after_stop_ = false;
  std::string accel_;
  std::string qemu_status_;
  std::string last_exit_;
  std::string error_;
  std::chrono::steady_clock::time_point started_;
  int64_t started_at_ms_ = 0;
  std::chrono::steady_clock::time_point next_start_;
  uint64_t starts_ = 0, restarts_ = 0, crashes_ = 0;
  uint32_t consecutive_failures_ = 0;
  std::vector<std::function<void()>> on_gone_;
  std::vector<std::string> launched_argv_;
  std::array<int, kHotplugSlots> slots_{};  // NIC index plugged into root port hp<k>, -1 = free

  std::unique_ptr<boost::asio::posix::stream_descriptor> pidfd_;
  std::shared_ptr<QmpClient> qmp_;
  std::shared_ptr<ConsoleCapture> console_;
  boost::asio::steady_timer stop_timer_;
  boost::asio::steady_timer restart_timer_;
  boost::asio::steady_timer qmp_retry_timer_;
};

}  // namespace edgegw::control
