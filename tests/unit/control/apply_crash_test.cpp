// Crash safety with real SIGKILLs: a child process (apply_crash_child, its own EAL) dies at each
// named kill point of the apply and recovery paths; the parent then reopens the store and recovers,
// as the restarted daemon would, and checks that it lands on the last applied version.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "apply_test_support.hpp"
#include "edgegw/control/apply_service.hpp"

extern char** environ;

namespace edgegw::control {
namespace {

using test::ring_config;
using Names = std::set<std::string>;

struct ChildExit {
  bool exited = false;
  int exit_code = -1;
  bool killed_by_sigkill = false;
  bool runtime_dir_left = false;  // DPDK files the dead child could not remove
};

// Runs apply_crash_child to completion (bounded), with EDGEGW_KILL_POINT=`kill_point` ("" for
// none), then removes its DPDK runtime directory. The child never outlives this call.
ChildExit run_child(const std::string& db, const std::string& mode, const std::string& document,
                    const std::string& kill_point) {
  static int sequence = 0;
  const std::string prefix =
      "egw-ut-crash-" + std::to_string(::getpid()) + "-" + std::to_string(++sequence);

  // The parent's environment minus any fault arming, plus this child's kill point.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    if (entry.rfind("EDGEGW_KILL_POINT=", 0) == 0 || entry.rfind("EDGEGW_FAIL_POINT=", 0) == 0) continue;
    env_strings.push_back(entry);
  }
  if (!kill_point.empty()) env_strings.push_back("EDGEGW_KILL_POINT=" + kill_point);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::string program = EDGEGW_CRASH_CHILD;
  std::vector<std::string> args = {program, db, prefix, mode, document};
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  ChildExit result;
  pid_t pid = -1;
  // posix_spawn, not fork: this process runs DPDK threads, and a forked copy of a threaded process
  // may only call async-signal-safe functions.
  int rc = ::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn " << program << " failed: " << rc;
    return result;
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  pid_t waited = 0;
  while ((waited = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (waited == 0) {
    ADD_FAILURE() << "child did not finish within 120 s; killing it";
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  result.exited = WIFEXITED(status);
  result.exit_code = result.exited ? WEXITSTATUS(status) : -1;
  result.killed_by_sigkill = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;

  const std::string runtime_dir = test::dpdk_runtime_dir(prefix);
  result.runtime_dir_left = std::filesystem::exists(runtime_dir);
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  EXPECT_FALSE(std::filesystem::exists(runtime_dir)) << "could not remove " << runtime_dir;
  return result;
}

class ApplyCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dp_ = test::shared_dataplane();
    ASSERT_NE(dp_, nullptr) << "the data plane did not start";
    test::reset_dataplane(*dp_);
    auto store = Store::open(db_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    ApplyService service(**store, *dp_);
    ApplyResult first = service.apply(ring_config(1, {"a", "b"}), ConfigSource::cli, "tester");
    ASSERT_TRUE(first.ok) << first.error.to_string();
  }  // the store closes here: the child is the only writer while it runs

  void TearDown() override {
    if (dp_) test::drain_reclaim(*dp_);
  }

  std::unique_ptr<Store> reopen() {
    auto store = Store::open(db_);
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store.ok()) return nullptr;
    auto check = (*store)->integrity_check();
    EXPECT_TRUE(check.ok());
    if (check.ok()) {
      EXPECT_EQ(*check, "ok");
    }
    return std::move(*store);
  }

  static std::optional<ConfigStatus> status_of(const Store& store, uint64_t version) {
    auto row = store.get(version);
    EXPECT_TRUE(row.ok());
    if (!row.ok() || !row->has_value()) return std::nullopt;
    return (*row)->status;
  }

  static int count(const std::vector<std::string>& trail, const std::string& entry) {
    return static_cast<int>(std::count(trail.begin(), trail.end(), entry));
  }

  test::TempDir dir_;
  std::string db_ = dir_.file("edgegw.db");
  dataplane::Dataplane* dp_ = nullptr;
};

TEST_F(ApplyCrashTest, ChildWithoutKillPointAppliesNormally) {
  // Proves the harness: the same child with nothing armed finishes and applies version 2, so the
  // SIGKILLs below come from the kill points.
  ChildExit child = run_child(db_, "apply", ring_config(2, {"a", "b", "c"}), "");
  ASSERT_TRUE(child.exited) << "child died instead of exiting";
  EXPECT_EQ(child.exit_code, 0);
  EXPECT_FALSE(child.runtime_dir_left) << "a clean stop removes the DPDK runtime dir";
  auto store = reopen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(status_of(*store, 2), ConfigStatus::applied);
}

struct CrashCase {
  const char* kill_point;
  bool leaves_pending;        // version 2 is stored as pending when the process dies
  bool leaves_new_applied;    // version 2 is already marked applied when the process dies
};

void PrintTo(const CrashCase& c, std::ostream* os) { *os << c.kill_point; }

class ApplyKillPointTest : public ApplyCrashTest, public ::testing::WithParamInterface<CrashCase> {};

TEST_P(ApplyKillPointTest, RestartLandsOnTheLastAppliedVersion) {
  const CrashCase& c = GetParam();
  ChildExit child = run_child(db_, "apply", ring_config(2, {"a", "b", "c"}), c.kill_point);
  ASSERT_TRUE(child.killed_by_sigkill) << "child was not killed at " << c.kill_point
                                       << " (exit code " << child.exit_code << ")";

  auto store = reopen();
  ASSERT_NE(store, nullptr);
  // What the crash left on disk.
  if (c.leaves_pending) {
    EXPECT_EQ(status_of(*store, 2), ConfigStatus::pending);
  } else if (c.leaves_new_applied) {
    EXPECT_EQ(status_of(*store, 2), ConfigStatus::applied);
  } else {
    EXPECT_FALSE(status_of(*store, 2).has_value()) << "nothing was stored before the kill";
  }

  // The restarted daemon: a fresh (empty) data plane, then recover().
  test::reset_dataplane(*dp_);
  ApplyService restarted(*store, *dp_);
  ApplyResult r = restarted.recover(ring_config(1, {"default"}));
  ASSERT_TRUE(r.ok) << r.error.to_string();
  const uint64_t expected = c.leaves_new_applied ? 2 : 1;
  EXPECT_EQ(r.version, expected);
  auto active = store->active();
  ASSERT_TRUE(active.ok() && active->has_value());
  EXPECT_EQ((*active)->version, expected);
  EXPECT_EQ(restarted.active()->version, expected);
  const Names expected_ports = c.leaves_new_applied ? Names{"a", "b", "c"} : Names{"a", "b"};
  EXPECT_EQ(test::dataplane_port_names(*dp_), expected_ports);

  std::vector<std::string> trail = test::audit_trail(*store);
  if (c.leaves_pending) {
    EXPECT_EQ(status_of(*store, 2), ConfigStatus::abandoned);
    EXPECT_EQ(count(trail, "config.abandoned:2"), 1);
    EXPECT_EQ(count(trail, "config.pending:2"), 1) << "pending and its audit row committed together";
  } else {
    EXPECT_EQ(count(trail, "config.abandoned:2"), 0);
  }
  EXPECT_EQ(*store->integrity_check(), "ok");

  // Life goes on: the next version applies.
  ApplyResult next = restarted.apply(ring_config(3, {"a"}), ConfigSource::cli, "tester");
  ASSERT_TRUE(next.ok) << next.error.to_string();
  EXPECT_EQ(test::dataplane_port_names(*dp_), (Names{"a"}));
}

INSTANTIATE_TEST_SUITE_P(
    EveryApplyStep, ApplyKillPointTest,
    ::testing::Values(CrashCase{"apply.after_validate", false, false},
                      CrashCase{"apply.after_store_pending", true, false},
                      CrashCase{"apply.after_dataplane", true, false},
                      CrashCase{"apply.after_mark_applied", false, true}),
    [](const ::testing::TestParamInfo<CrashCase>& param_info) {
      std::string name = param_info.param.kill_point;
      for (char& ch : name) {
        if (ch == '.') ch = '_';
      }
      return name;
    });

TEST_F(ApplyCrashTest, CrashDuringRecoveryKeepsTheAbandonment) {
  ChildExit crashed = run_child(db_, "apply", ring_config(2, {"c"}), "apply.after_store_pending");
  ASSERT_TRUE(crashed.killed_by_sigkill);
  ChildExit recovering = run_child(db_, "recover", ring_config(1, {"default"}), "recover.after_abandon");
  ASSERT_TRUE(recovering.killed_by_sigkill) << "exit code " << recovering.exit_code;

  auto store = reopen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(status_of(*store, 2), ConfigStatus::abandoned) << "committed before the kill point";
  EXPECT_EQ(status_of(*store, 1), ConfigStatus::applied);

  test::reset_dataplane(*dp_);
  ApplyService restarted(*store, *dp_);
  ApplyResult r = restarted.recover(ring_config(1, {"default"}));
  ASSERT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(r.version, 1u);
  EXPECT_EQ(test::dataplane_port_names(*dp_), (Names{"a", "b"}));
  EXPECT_EQ(count(test::audit_trail(*store), "config.abandoned:2"), 1) << "abandoned once, not per restart";
}

}  // namespace
}  // namespace edgegw::control
