// Spawning a guest's QEMU detached from the gateway, finding it again, and its disks' overlays.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "edgegw/control/qemu_launch.hpp"

namespace edgegw::control {
namespace {

// Closes every descriptor from 3 up in a forked child (no allocation: the parent has threads).
void close_inherited_fds() {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3u, ~0u, 0u) == 0) return;
#endif
  const long max = ::sysconf(_SC_OPEN_MAX);
  for (long fd = 3; fd < (max > 0 ? max : 1024); ++fd) ::close(static_cast<int>(fd));
}

struct Captured {
  int status = -1;
  std::string out;
};

// Runs argv (no shell) to completion, capturing stdout and stderr.
Result<Captured> run_capture(const std::vector<std::string>& argv) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return make_error(Errc::io, std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args;
  for (const std::string& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return make_error(Errc::io, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    close_inherited_fds();
    ::execvp(args[0], args.data());
    const char msg[] = "cannot run the program\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(pipefd[1]);
  Captured c;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0 && c.out.size() < 65536) c.out.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  while (::waitpid(pid, &c.status, 0) < 0 && errno == EINTR) {
  }
  return c;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The backing file qemu-img reports for an overlay, "" when it has none or cannot be read.
std::string backing_file_of(const std::string& overlay, const std::string& qemu_img) {
  Result<Captured> r = run_capture({qemu_img, "info", "--output=json", "-U", overlay});
  if (!r || r->status != 0) return "";
  nlohmann::json info = nlohmann::json::parse(r->out, nullptr, false);
  if (!info.is_object()) return "";
  return info.value("full-backing-filename", info.value("backing-filename", ""));
}

}  // namespace

Result<std::vector<std::string>> prepare_guest_disks(const GuestConfig& guest, const GuestFiles& files,
                                                     const std::string& qemu_img) {
  std::vector<std::string> out;
  for (size_t i = 0; i < guest.disks.size(); ++i) {
    const GuestDiskConfig& d = guest.disks[i];
    const std::string where = "/disks/" + std::to_string(i) + ": ";
    if (::access(d.image.c_str(), R_OK) != 0) {
      return make_error(Errc::not_found, where + "base image " + d.image + ": " + std::strerror(errno));
    }
    if (d.format != DiskFormat::qcow2 || !d.overlay) {
      out.push_back(d.image);
      continue;
    }
    const std::string overlay = files.overlay(i);
    std::error_code ec;
    if (std::filesystem::exists(overlay, ec)) {
      // Keep the guest's writes unless the overlay now sits on another image.
      const std::string backing = backing_file_of(overlay, qemu_img);
      if (backing == d.image) {
        out.push_back(overlay);
        continue;
      }
      std::filesystem::remove(overlay, ec);
    }
    std::filesystem::create_directories(files.dir, ec);
    Result<Captured> r = run_capture({qemu_img, "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", d.image, overlay});
    if (!r) return make_error(r.error().code, where + r.error().message);
    if (r->status != 0) {
      return make_error(Errc::io, where + "cannot create the overlay of " + d.image + ": " + trimmed(r->out));
    }
    out.push_back(overlay);
  }
  return out;
}

Result<pid_t> spawn_qemu(const std::vector<std::string>& argv, const std::vector<unsigned>& cpus,
                         const GuestFiles& files) {
  if (argv.empty()) return make_error(Errc::invalid_argument, "empty QEMU command line");
  std::error_code ec;
  std::filesystem::create_directories(files.dir, ec);
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  cpu_set_t set;
  CPU_ZERO(&set);
  for (unsigned cpu : cpus) {
    if (cpu < CPU_SETSIZE) CPU_SET(cpu, &set);
  }
  const int log = ::open(files.qemu_log().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) return make_error(Errc::io, "cannot open " + files.qemu_log() + ": " + std::strerror(errno));
  int status_pipe[2];  // exec failure: the child writes errno; exec success closes it (CLOEXEC)
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    ::close(log);
    return make_error(Errc::io, std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(log);
    ::close(status_pipe[0]);
    ::close(status_pipe[1]);
    return make_error(Errc::io, std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::setsid();  // its own session: no signal meant for the gateway's group reaches the guest
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) ::signal(sig, SIG_DFL);
    if (!cpus.empty()) ::sched_setaffinity(0, sizeof set, &set);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    const int report = ::fcntl(status_pipe[1], F_DUPFD_CLOEXEC, 3);
    // close_range would close the report pipe too: move it to the top first.
    const int top = ::fcntl(report, F_DUPFD_CLOEXEC, 1000);
    if (top >= 0) {
#ifdef SYS_close_range
      ::syscall(SYS_close_range, 3u, static_cast<unsigned>(top - 1), 0u);
#endif
    }
    ::execvp(args[0], args.data());
    const int e = errno;
    (void)!::write(top >= 0 ? top : report, &e, sizeof e);
    ::_exit(127);
  }
  ::close(log);
  ::close(status_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  while ((n = ::read(status_pipe[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  ::close(status_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    return make_error(Errc::io, "cannot run " + argv[0] + ": " + std::strerror(child_errno));
  }
  return pid;
}

std::vector<std::string> process_cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  return args;
}

pid_t find_running_qemu(const std::string& name, const GuestFiles& files) {
  std::ifstream in(files.pidfile());
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return 0;
  const std::vector<std::string> args = process_cmdline(static_cast<pid_t>(pid));
  bool named = false, same_qmp = false;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "-name") {
      const std::string& v = args[i + 1];
      named = v == "guest=" + name || v.rfind("guest=" + name + ",", 0) == 0;
    }
    if (args[i] == "-qmp") same_qmp = args[i + 1].find(files.qmp_socket()) != std::string::npos;
  }
  if (!named || !same_qmp) return 0;
  // A zombie (exited, not reaped yet) is not running.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] == 'Z') return 0;
  return static_cast<pid_t>(pid);
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  errno = ENOSYS;
  return -1;
#endif
}

}  // namespace edgegw::control
