// Child processes for tests: spawned with a clean argv, stopped by PID (never by name), with
// bounded waits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace edgegw::test {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;     // stdout and stderr together
};

// Runs `argv` to completion (bounded by `timeout`), capturing output.
CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60),
                  const std::string& stdin_data = "");
// Runs a shell command line (for pipelines in tests); fails the test on a non-zero exit when `check`.
CommandResult sh(const std::string& command, bool check = true);

class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  // Starts `argv` with extra environment; stdout+stderr go to `log_path`.
  bool start(const std::vector<std::string>& argv, const std::string& log_path,
             const std::map<std::string, std::string>& env = {});
  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signo` and waits up to `timeout`; SIGKILL after that. Returns the wait status.
  int stop(int signo, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Waits for the process to exit by itself; returns the wait status or -1 on timeout.
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

}  // namespace edgegw::test
