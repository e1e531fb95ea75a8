// The acceleration probe: a 64 KiB BIOS that enters long mode, runs a loop and writes 0x21 to
// isa-debug-exit, run under the accelerator in question. QEMU exits with (0x21 << 1) | 1 = 67 only
// if the guest got there; a KVM that accepts ioctls but never runs (or only crawls through) guest
// code shows up as a hang, killed at the timeout.
#include "edgegw/control/accel_probe.hpp"

#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "edgegw/common/log.hpp"

extern char** environ;

namespace edgegw::control {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kBiosBytes = 64 * 1024;
constexpr size_t kResetVector = 0xFFF0;  // F000:FFF0, the last 16 bytes of the BIOS
constexpr uint8_t kExitByte = 0x21;
constexpr int kExitStatus = (kExitByte << 1) | 1;  // what isa-debug-exit makes of it
// Long enough that a vCPU which only crawls misses the timeout (a broken KVM here ran such a loop at
// well under a million iterations a second), short enough to be milliseconds under TCG or a working
// KVM.
constexpr uint32_t kLoopIterations = 20'000'000;
constexpr size_t kLoopCountOffset = 0x96;

// The firmware, at F000:0000 (linear 0xF0000). A guest kernel needs more than real mode, so it goes
// where a kernel goes: protected mode, then long mode with an identity-mapped 2 MiB page, then runs
// the loop and writes kExitByte to port 0xf4. The GDT's descriptors have their accessed bit set:
// the CPU would otherwise write it into the GDT, which here is ROM.
constexpr uint8_t kCode[] = {
    // 16-bit
    0xFA,                                      // 00 cli
    0xB8, 0x00, 0xF0,                          // 01 mov ax, 0xf000
    0x8E, 0xD8,                                // 04 mov ds, ax
    0x66, 0x0F, 0x01, 0x16, 0xC8, 0x00,        // 06 lgdt dword [0xc8]
    0x0F, 0x20, 0xC0,                          // 0c mov eax, cr0
    0x66, 0x83, 0xC8, 0x01,                    // 0f or eax, 1 (PE)
    0x0F, 0x22, 0xC0,                          // 13 mov cr0, eax
    0x66, 0xEA, 0x1E, 0x00, 0x0F, 0x00, 0x08, 0x00,  // 16 jmp dword 0x08:0xf001e
    // 32-bit
    0x66, 0xB8, 0x10, 0x00,                    // 1e mov ax, 0x10
    0x8E, 0xD8,                                // 22 mov ds, ax
    0x8E, 0xC0,                                // 24 mov es, ax
    0x8E, 0xD0,                                // 26 mov ss, ax
    0xC7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x03, 0x20, 0x00, 0x00,  // 28 PML4[0] = 0x2000 | P | RW
    0xC7, 0x05, 0x04, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 32
    0xC7, 0x05, 0x00, 0x20, 0x00, 0x00, 0x03, 0x30, 0x00, 0x00,  // 3c PDPT[0] = 0x3000 | P | RW
    0xC7, 0x05, 0x04, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 46
    0xC7, 0x05, 0x00, 0x30, 0x00, 0x00, 0x83, 0x00, 0x00, 0x00,  // 50 PD[0] = 0 | P | RW | PS (2 MiB)
    0xC7, 0x05, 0x04, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 5a
    0xB8, 0x00, 0x10, 0x00, 0x00,              // 64 mov eax, 0x1000
    0x0F, 0x22, 0xD8,                          // 69 mov cr3, eax
    0x0F, 0x20, 0xE0,                          // 6c mov eax, cr4
    0x83, 0xC8, 0x20,                          // 6f or eax, 0x20 (PAE)
    0x0F, 0x22, 0xE0,                          // 72 mov cr4, eax
    0xB9, 0x80, 0x00, 0x00, 0xC0,              // 75 mov ecx, 0xc0000080 (EFER)
    0x0F, 0x32,                                // 7a rdmsr
    0x0D, 0x00, 0x01, 0x00, 0x00,              // 7c or eax, 0x100 (LME)
    0x0F, 0x30,                                // 81 wrmsr
    0x0F, 0x20, 0xC0,                          // 83 mov eax, cr0
    0x0D, 0x00, 0x00, 0x00, 0x80,              // 86 or eax, 0x80000000 (PG)
    0x0F, 0x22, 0xC0,                          // 8b mov cr0, eax
    0xEA, 0x95, 0x00, 0x0F, 0x00, 0x18, 0x00,  // 8e jmp 0x18:0xf0095
    // 64-bit
    0xB9, 0x00, 0x00, 0x00, 0x00,              // 95 mov ecx, kLoopIterations (patched at 0x96)
    0xFF, 0xC9,                                // 9a dec ecx
    0x75, 0xFC,                                // 9c jnz 0x9a
    0xB0, kExitByte,                           // 9e mov al, 0x21
    0xE6, 0xF4,                                // a0 out 0xf4, al
    0xF4,                                      // a2 hlt
    0xEB, 0xFD,                                // a3 jmp 0xa2
    0xF4, 0xF4, 0xF4,                          // a5 (padding)
    // a8: GDT: null, 32-bit code 0x08, data 0x10, 64-bit code 0x18
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9B, 0xCF, 0x00,  //
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x93, 0xCF, 0x00,  //
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9B, 0xAF, 0x00,  //
    // c8: GDT descriptor: limit 31, base 0xf00a8
    0x1F, 0x00, 0xA8, 0x00, 0x0F, 0x00,
};
// At the reset vector: jmp 0xf000:0x0000 (real mode, CS base 0xf0000).
constexpr uint8_t kResetCode[] = {0xEA, 0x00, 0x00, 0x00, 0xF0};

static_assert(sizeof(kCode) == 0xCE, "the jumps and the GDT address above assume this layout");

milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

std::string errno_text(int err) { return std::strerror(err); }
std::string ms_text(milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// Writes the BIOS image; empty on success, else why not.
std::string write_firmware(const std::string& path) {
  std::vector<uint8_t> image(kBiosBytes, 0xF4);  // hlt everywhere else
  std::copy(std::begin(kCode), std::end(kCode), image.begin());
  for (size_t i = 0; i < 4; ++i) image[kLoopCountOffset + i] = static_cast<uint8_t>(kLoopIterations >> (8 * i));
  std::copy(std::begin(kResetCode), std::end(kResetCode), image.begin() + kResetVector);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot write firmware " + path + ": " + errno_text(errno);
  size_t done = 0;
  while (done < image.size()) {
    ssize_t n = ::write(fd, image.data() + done, image.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return "cannot write firmware " + path + ": " + errno_text(err);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return "cannot write firmware " + path + ": " + errno_text(errno);
  return {};
}

// /dev/kvm must open read-write and speak the stable API; empty when it does.
std::string check_kvm_device() {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return "/dev/kvm: " + errno_text(errno);
  int version = ::ioctl(fd, KVM_GET_API_VERSION, 0);
  int err = errno;
  ::close(fd);
  if (version < 0) return "/dev/kvm: KVM_GET_API_VERSION: " + errno_text(err);
  if (version != KVM_API_VERSION) return "/dev/kvm: API version " + std::to_string(version);
  return {};
}

// The last line QEMU wrote to its log (its error message, when it failed).
std::string last_line(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text(4096, '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

struct Child {
  pid_t pid = -1;
  std::string error;  // why it did not start
};

// QEMU in its own process group (so the kill reaches anything it starts), stdin from /dev/null,
// stdout and stderr to `log_path`, default signal dispositions and an empty signal mask.
Child spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  Child child;
  int err = ::posix_spawnp(&child.pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  if (err != 0) {
    child.pid = -1;
    child.error = "cannot start " + argv[0] + ": " + errno_text(err);
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return child;
}

constexpr int kStatusLost = -1;

// Waits for `pid` until `deadline`; true with its status (kStatusLost when it was reaped elsewhere,
// e.g. with SIGCHLD ignored), or false (still running) at the deadline.
bool wait_until(pid_t pid, Clock::time_point deadline, int* status) {
  milliseconds nap{2};
  for (;;) {
    pid_t got = ::waitpid(pid, status, WNOHANG);
    if (got == pid) return true;
    if (got < 0 && errno != EINTR) {
      *status = kStatusLost;
      return true;  // not our child any more: nothing left to wait for
    }
    auto now = Clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::duration_cast<milliseconds>(deadline - now);
    auto step = std::min(nap, left + milliseconds(1));
    timespec ts{static_cast<time_t>(step.count() / 1000), static_cast<long>(step.count() % 1000) * 1000000L};
    ::nanosleep(&ts, nullptr);
    nap = std::min(nap * 2, milliseconds(20));
  }
}

}  // namespace

const char* accel_name(Accel accel) { return accel == Accel::kvm ? "kvm" : "tcg"; }

AccelProbe probe_accel(const std::string& qemu_binary, const std::string& work_dir, milliseconds timeout,
                       Accel accel) {
  auto start = Clock::now();
  AccelProbe result;
  auto finish = [&](Accel chosen, std::string reason) {
    result.accel = chosen;
    result.reason = std::move(reason);
    result.took = since(start);
    log::info("guests", "acceleration probe",
              {{"accel", accel_name(result.accel)}, {"reason", result.reason}, {"took_ms", result.took.count()}});
    return result;
  };

  if (accel == Accel::kvm) {
    if (std::string why = check_kvm_device(); !why.empty()) return finish(Accel::tcg, why);
  }
  std::string firmware = work_dir + "/accel-probe.bin";
  std::string log_path = work_dir + "/accel-probe.log";
  if (std::string why = write_firmware(firmware); !why.empty()) return finish(Accel::tcg, why);

  std::vector<std::string> argv = {qemu_binary, "-nodefaults", "-no-user-config", "-display", "none",
                                   "-machine", "pc", "-accel", accel_name(accel), "-m", "16",
                                   "-bios", firmware, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"};
  Child child = spawn(argv, log_path);
  if (child.pid < 0) {
    ::unlink(firmware.c_str());
    ::unlink(log_path.c_str());
    return finish(Accel::tcg, child.error);
  }

  int status = 0;
  std::string name = accel_name(accel);
  std::string verdict;
  bool ran = false;
  if (!wait_until(child.pid, start + timeout, &status)) {
    // Hung (the KVM case this probe exists for): kill the whole group and reap it.
    ::kill(-child.pid, SIGKILL);
    ::kill(child.pid, SIGKILL);
    while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string upper = name == "kvm" ? "KVM" : "TCG";
    verdict = upper + " guest hung for " + ms_text(timeout) + ", killed";
  } else if (status == kStatusLost) {
    verdict = "QEMU (" + name + ") ended but its exit status was lost (SIGCHLD ignored?)";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == kExitStatus) {
    ran = true;
    verdict = name + " guest ran";
  } else if (WIFEXITED(status)) {
    std::string said = last_line(log_path);
    verdict = "QEMU (" + name + ") exited with status " + std::to_string(WEXITSTATUS(status)) +
              (said.empty() ? "" : ": " + said);
  } else if (WIFSIGNALED(status)) {
    verdict = "QEMU (" + name + ") killed by signal " + std::to_string(WTERMSIG(status));
  } else {
    verdict = "QEMU (" + name + ") ended without a status";
  }
  ::unlink(firmware.c_str());
  ::unlink(log_path.c_str());
  return finish(ran ? accel : Accel::tcg, verdict);
}

}  // namespace edgegw::control
