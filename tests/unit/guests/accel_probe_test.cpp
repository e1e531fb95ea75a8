// The acceleration probe against the real QEMU: the firmware must run under TCG, and a KVM probe
// must decide within its timeout and leave no process behind (whatever this box's KVM does).
#include "guest_test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "edgegw/control/accel_probe.hpp"

namespace edgegw::control {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// PIDs of processes whose command line mentions `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) found.push_back(std::stoi(name));
  }
  return found;
}

TEST(AccelProbe, FirmwareRunsUnderTcg) {
  test::TempDir dir;
  auto start = Clock::now();
  AccelProbe probe = probe_accel("qemu-system-x86_64", dir.path(), 10s, Accel::tcg);
  EXPECT_EQ(probe.accel, Accel::tcg);
  EXPECT_EQ(probe.reason, "tcg guest ran");
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_LT(probe.took, 10s);
  EXPECT_TRUE(processes_mentioning(dir.path()).empty());
  std::printf("tcg probe: %s in %lld ms\n", probe.reason.c_str(), static_cast<long long>(probe.took.count()));
}

TEST(AccelProbe, KvmProbeDecidesWithinItsTimeoutAndLeavesNothingBehind) {
  test::TempDir dir;
  const auto timeout = 3000ms;
  auto start = Clock::now();
  AccelProbe probe = probe_accel("qemu-system-x86_64", dir.path(), timeout, Accel::kvm);
  auto took = Clock::now() - start;
  std::printf("kvm probe: %s -> %s in %lld ms\n", accel_name(probe.accel), probe.reason.c_str(),
              static_cast<long long>(probe.took.count()));
  EXPECT_LT(took, timeout + 2s);
  EXPECT_FALSE(probe.reason.empty());
  if (probe.accel == Accel::kvm) {
    EXPECT_EQ(probe.reason, "kvm guest ran");
  } else {
    EXPECT_NE(probe.reason, "kvm guest ran");
  }
  // No child left: none to reap, and no process still running the probe's firmware.
  int status = 0;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_TRUE(processes_mentioning(dir.path()).empty());
}

TEST(AccelProbe, MissingQemuMeansTcgWithTheReason) {
  test::TempDir dir;
  AccelProbe probe = probe_accel("/nonexistent/qemu-system-x86_64", dir.path(), 2s, Accel::tcg);
  EXPECT_EQ(probe.accel, Accel::tcg);
  EXPECT_NE(probe.reason.find("cannot start /nonexistent/qemu-system-x86_64"), std::string::npos) << probe.reason;
}

TEST(AccelProbe, UnwritableWorkDirMeansTcgWithTheReason) {
  AccelProbe probe = probe_accel("qemu-system-x86_64", "/nonexistent-dir", 2s, Accel::tcg);
  EXPECT_EQ(probe.accel, Accel::tcg);
  EXPECT_NE(probe.reason.find("cannot write firmware /nonexistent-dir/accel-probe.bin"), std::string::npos)
      << probe.reason;
}

TEST(AccelProbe, QemuErrorIsTheReason) {
  test::TempDir dir;
  // "false" exits 1 at once: not the firmware's status, so TCG with the exit status in the reason.
  AccelProbe probe = probe_accel("false", dir.path(), 2s, Accel::tcg);
  EXPECT_EQ(probe.accel, Accel::tcg);
  EXPECT_NE(probe.reason.find("exited with status 1"), std::string::npos) << probe.reason;
}

}  // namespace
}  // namespace edgegw::control
