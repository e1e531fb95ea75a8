// Process helpers for integration tests.
#include "harness/process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace edgegw::test {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                  const std::string& stdin_data) {
  CommandResult result;
  int out_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(in_pipe, O_CLOEXEC) != 0) return result;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    ::setpgid(0, 0);
    auto args = c_argv(argv);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(out_pipe[1]);
  ::close(in_pipe[0]);
  if (!stdin_data.empty()) (void)!::write(in_pipe[1], stdin_data.data(), stdin_data.size());
  ::close(in_pipe[1]);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(-pid, SIGKILL);  // its own process group: the whole command, by PID
      ADD_FAILURE() << "command timed out: " << argv[0];
      break;
    }
    pollfd p{out_pipe[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n <= 0) break;
    result.out.append(buf, static_cast<size_t>(n));
  }
  ::close(out_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

CommandResult sh(const std::string& command, bool check) {
  CommandResult r = run({"/bin/sh", "-c", command});
  if (check) {
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.out;
  }
  return r;
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) stop(SIGKILL, std::chrono::seconds(5));
}

bool Process::start(const std::vector<std::string>& argv, const std::string& log_path,
                    const std::map<std::string, std::string>& env) {
  pid_ = ::fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    auto args = c_argv(argv);
    ::execv(args[0], args.data());
    _exit(127);
  }
  reaped_ = false;
  return true;
}

bool Process::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = status;
    return false;
  }
  return true;
}

int Process::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return running() ? -1 : status_;
}

int Process::stop(int signo, std::chrono::milliseconds timeout) {
  if (!running()) return status_;
  ::kill(pid_, signo);
  int status = wait_exit(timeout);
  if (status == -1) {
    ::kill(pid_, SIGKILL);
    status = wait_exit(std::chrono::seconds(5));
  }
  return status;
}

}  // namespace edgegw::test
