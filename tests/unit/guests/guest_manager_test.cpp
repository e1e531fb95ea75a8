// GuestManager's state machine against real QEMU processes: a stand-in emulator script keeps the
// manager's -name, -qmp and -pidfile and runs a machine-less QEMU with them, so start, crash,
// restart policy and backoff, graceful stop with escalation, holds, redefinition, removal and
// orphans are exercised with real QMP and real process exits in a second each.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>  // before Asio (g++ 12, C++20)

#include <boost/asio.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "edgegw/control/guest_manager.hpp"

namespace edgegw::control {
namespace {

using std::chrono::milliseconds;

bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && line[paren + 2] != 'Z';
}

class GuestManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/qemu-system-x86_64", X_OK) != 0) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    char tmpl[] = "/tmp/edgegw-gm-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    fake_qemu_ = dir_ + "/fake-qemu";
    std::ofstream(fake_qemu_) << "#!/bin/sh\n"
                                 "# Stands in for qemu-system-x86_64 (see the test's header comment).\n"
                                 "name= qmp= pidfile=\n"
                                 "while [ $# -gt 0 ]; do\n"
                                 "  case \"$1\" in -name) name=$2; shift;; -qmp) qmp=$2; shift;; -pidfile) pidfile=$2; shift;; esac\n"
                                 "  shift\n"
                                 "done\n"
                                 "if [ -e " + dir_ + "/fail ]; then echo 'qemu: cannot start (test)' >&2; exit 1; fi\n"
                                 "exec /usr/bin/qemu-system-x86_64 -machine none -nodefaults -no-user-config -display none "
                                 "-name \"$name\" -qmp \"$qmp\" -pidfile \"$pidfile\"\n";
    ::chmod(fake_qemu_.c_str(), 0755);
  }

  void TearDown() override {
    manager_.reset();
    // Every QEMU this test started, by the pids it recorded (guests outlive a detached manager).
    for (pid_t pid : seen_pids_) {
      if (alive(pid)) ::kill(pid, SIGKILL);
    }
    for (pid_t pid : seen_pids_) {
      for (int i = 0; i < 200 && alive(pid); ++i) std::this_thread::sleep_for(milliseconds(10));
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  GuestManagerOptions options() {
    GuestManagerOptions o;
    o.guests_dir = dir_ + "/guests";
    o.qemu_binary = fake_qemu_;
    o.forced_accel = Accel::tcg;
    o.powerdown_timeout = milliseconds(400);
    o.kill_timeout = milliseconds(2000);
    o.start_timeout = milliseconds(10000);
    o.backoff_initial = milliseconds(300);
    o.backoff_max = milliseconds(5000);
    o.stable_after = milliseconds(60000);
    return o;
  }

  GuestManager& manager() {
    if (!manager_) manager_ = std::make_unique<GuestManager>(io_, options());
    return *manager_;
  }

  static GuestDefinition guest(const std::string& name, RestartPolicy restart = RestartPolicy::on_failure,
                               bool autostart = true) {
    GuestDefinition d;
    d.config.name = name;
    d.config.kernel = GuestKernelConfig{"/boot/vmlinuz-test", "", "console=ttyS0"};
    d.config.restart = restart;
    d.config.autostart = autostart;
    return d;
  }

  // Runs the io_context until `done` holds; false after `limit`.
  bool run_until(const std::function<bool()>& done, milliseconds limit = milliseconds(15000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.restart();
      io_.run_one_for(milliseconds(20));
    }
    return true;
  }

  GuestStatus show(const std::string& name) {
    std::optional<GuestStatus> s = manager().show(name);
    EXPECT_TRUE(s.has_value()) << name;
    if (s && s->pid > 0) seen_pids_.push_back(s->pid);
    return s.value_or(GuestStatus{});
  }

  bool wait_state(const std::string& name, GuestState state, pid_t not_pid = 0) {
    return run_until([&] {
      GuestStatus s = show(name);
      return s.state == state && (state != GuestState::running || s.pid != not_pid);
    });
  }

  boost::asio::io_context io_;
  std::unique_ptr<GuestManager> manager_;
  std::string dir_, fake_qemu_;
  std::vector<pid_t> seen_pids_;
};

TEST(RestartBackoff, DoublesFromTheInitialDelayUpToTheCap) {
  EXPECT_EQ(restart_backoff(0, milliseconds(1000), milliseconds(300000)), milliseconds(0));
  EXPECT_EQ(restart_backoff(1, milliseconds(1000), milliseconds(300000)), milliseconds(1000));
  EXPECT_EQ(restart_backoff(2, milliseconds(1000), milliseconds(300000)), milliseconds(2000));
  EXPECT_EQ(restart_backoff(5, milliseconds(1000), milliseconds(300000)), milliseconds(16000));
  EXPECT_EQ(restart_backoff(9, milliseconds(1000), milliseconds(300000)), milliseconds(256000));
  EXPECT_EQ(restart_backoff(10, milliseconds(1000), milliseconds(300000)), milliseconds(300000));
  EXPECT_EQ(restart_backoff(4000000000u, milliseconds(1000), milliseconds(300000)), milliseconds(300000));
}

TEST_F(GuestManagerTest, StartsAutostartGuestsOnlyAndReportsThemRunning) {
  manager().reconcile({guest("a"), guest("b", RestartPolicy::on_failure, /*autostart=*/false)});
  ASSERT_TRUE(wait_state("a", GuestState::running));
  GuestStatus a = show("a");
  EXPECT_GT(a.pid, 0);
  EXPECT_TRUE(alive(a.pid));
  EXPECT_EQ(a.accel, "tcg");
  EXPECT_FALSE(a.qemu_status.empty());
  EXPECT_EQ(a.starts, 1u);
  EXPECT_GT(a.started_at_ms, 0);
  EXPECT_EQ(show("b").state, GuestState::stopped);
  EXPECT_EQ(show("b").pid, 0);
  EXPECT_EQ(manager().counters().started, 1u);
  // A user starts the guest without autostart.
  ASSERT_TRUE(manager().start("b"));
  ASSERT_TRUE(wait_state("b", GuestState::running));
  EXPECT_FALSE(manager().start("nope"));
  EXPECT_EQ(manager().start("nope").error().code, Errc::not_found);
}

TEST_F(GuestManagerTest, KilledQemuIsRestartedWithGrowingBackoff) {
  manager().reconcile({guest("a")});
  ASSERT_TRUE(wait_state("a", GuestState::running));
  const pid_t first = show("a").pid;
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(wait_state("a", GuestState::backoff));
  GuestStatus waiting = show("a");
  EXPECT_GE(waiting.next_start_in_ms, 0);
  EXPECT_LE(waiting.next_start_in_ms, 300);
  EXPECT_EQ(waiting.last_exit, "crashed: killed by signal 9");
  ASSERT_TRUE(wait_state("a", GuestState::running, first));
  const pid_t second = show("a").pid;
  EXPECT_NE(second, first);
  // A second crash soon after: twice the delay.
  ASSERT_EQ(::kill(second, SIGKILL), 0);
  ASSERT_TRUE(wait_state("a", GuestState::backoff));
  EXPECT_GT(show("a").next_start_in_ms, 300);
  ASSERT_TRUE(wait_state("a", GuestState::running, second));
  GuestStatus s = show("a");
  EXPECT_EQ(s.restarts, 2u);
  EXPECT_EQ(s.crashes, 2u);
  EXPECT_EQ(s.consecutive_failures, 2u);
  EXPECT_EQ(manager().counters().crashed, 2u);
  EXPECT_EQ(manager().counters().restarted, 2u);
}

TEST_F(GuestManagerTest, PolicyNeverLeavesACrashedGuestStopped) {
  manager().reconcile({guest("a", RestartPolicy::never)});
  ASSERT_TRUE(wait_state("a", GuestState::running));
  ::kill(show("a").pid, SIGKILL);
  ASSERT_TRUE(wait_state("a", GuestState::stopped));
  run_until([] { return false; }, milliseconds(800));
  EXPECT_EQ(show("a").state, GuestState::stopped);
  EXPECT_EQ(show("a").crashes, 1u);
  EXPECT_EQ(show("a").restarts, 0u);
}

TEST_F(GuestManagerTest, QemuThatCannotStartBacksOffWithItsMessage) {
  std::ofstream(dir_ + "/fail") << "";
  manager().reconcile({guest("a")});
  ASSERT_TRUE(run_until([&] { return show("a").crashes >= 1 && show("a").state == GuestState::backoff; }));
  EXPECT_NE(show("a").last_exit.find("exit status 1 (qemu: cannot start (test))"), std::string::npos)
      << show("a").last_exit;
  std::filesystem::remove(dir_ + "/fail");
  ASSERT_TRUE(wait_state("a", GuestState::running));
}

TEST_F(GuestManagerTest, StopPowersDownThenQuitsAndHoldsAcrossManagers) {
  manager().reconcile({guest("a")});
  ASSERT_TRUE(wait_state("a", GuestState::running));
  const pid_t pid = show("a").pid;
  const auto begun = std::chrono::steady_clock::now();
  ASSERT_TRUE(manager().stop("a"));
  EXPECT_EQ(show("a").state, GuestState::stopping);
  ASSERT_TRUE(wait_state("a", GuestState::stopped));
  // A machine-less QEMU ignores the power button: quit came after the powerdown timeout.
  EXPECT_GE(std::chrono::steady_clock::now() - begun, milliseconds(400));
  EXPECT_FALSE(alive(pid));
  GuestStatus s = show("a");
  EXPECT_EQ(s.last_exit, "stopped");
  EXPECT_EQ(s.crashes, 0u);
  EXPECT_TRUE(s.held);
  // A new manager (the gateway restarted) keeps it stopped.
  manager_.reset();
  manager().reconcile({guest("a")});
  run_until([] { return false; }, milliseconds(500));
  EXPECT_EQ(show("a").state, GuestState::stopped);
  EXPECT_TRUE(show("a").held);
  ASSERT_TRUE(manager().start("a"));
  ASSERT_TRUE(wait_state("a", GuestState::running));
  EXPECT_FALSE(show("a").held);
}

TEST_F(GuestManagerTest, ChangedDefinitionRestartsTheGuestRemovedGuestIsStoppedAndDeleted) {
  manager().reconcile({guest("a"), guest("b")});
  ASSERT_TRUE(wait_state("a", GuestState::running));
  ASSERT_TRUE(wait_state("b", GuestState::running));
  const pid_t a_pid = show("a").pid, b_pid = show("b").pid;
  GuestDefinition a = guest("a");
  a.config.memory_mb = 512;
  manager().reconcile({a, guest("b")});
  ASSERT_TRUE(wait_state("a", GuestState::running, a_pid));
  EXPECT_EQ(show("a").memory_mb, 512u);
  EXPECT_EQ(show("b").pid, b_pid) << "an unchanged guest is left alone";
  manager().reconcile({a});
  EXPECT_FALSE(manager().show("b").has_value());
  ASSERT_TRUE(run_until([&] { return !alive(b_pid) && !std::filesystem::exists(dir_ + "/guests/b"); }));
  EXPECT_TRUE(alive(show("a").pid));
}

TEST_F(GuestManagerTest, GuestConfiguredAgainWhileItsNamesakeStopsStartsOnceThatOneIsGone) {
  manager().reconcile({guest("a")});
  ASSERT_TRUE(wait_state("a", GuestState::running));
  const pid_t old_pid = show("a").pid;
  manager().reconcile({});
  manager().reconcile({guest("a")});
  EXPECT_FALSE(manager().show("a").has_value()) << "waits for the old QEMU to go";
  ASSERT_TRUE(run_until([&] {
    std::optional<GuestStatus> s = manager().show("a");
    return s && s->state == GuestState::running && s->pid != old_pid;
  }));
  seen_pids_.push_back(manager().show("a")->pid);
  EXPECT_FALSE(alive(old_pid));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/guests/a")) << "the new guest's files, not deleted by the old one's end";
}

TEST_F(GuestManagerTest, DetachLeavesGuestsRunningAndANewManagerStopsOrphans) {
  manager().reconcile({guest("a"), guest("b")});
  ASSERT_TRUE(wait_state("a", GuestState::running));
  ASSERT_TRUE(wait_state("b", GuestState::running));
  const pid_t a_pid = show("a").pid, b_pid = show("b").pid;
  manager().shutdown(/*stop_guests=*/false);
  manager_.reset();
  EXPECT_TRUE(alive(a_pid));
  EXPECT_TRUE(alive(b_pid));
  // The config lost b while the gateway was down: the new manager stops b's QEMU and deletes its files.
  manager().reconcile({guest("a")});
  ASSERT_TRUE(run_until([&] { return !alive(b_pid) && !std::filesystem::exists(dir_ + "/guests/b"); }));
  EXPECT_EQ(manager().counters().adopted, 1u) << "a's QEMU was found running";
  ASSERT_TRUE(wait_state("a", GuestState::running));
}

TEST_F(GuestManagerTest, ShutdownWithStopGuestsStopsThem) {
  manager().reconcile({guest("a")});
  ASSERT_TRUE(wait_state("a", GuestState::running));
  const pid_t pid = show("a").pid;
  manager().shutdown(/*stop_guests=*/true);
  EXPECT_FALSE(alive(pid));
}

}  // namespace
}  // namespace edgegw::control
