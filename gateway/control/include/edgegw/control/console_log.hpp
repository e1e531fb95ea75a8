// A guest's serial console, captured to a bounded log: QEMU serves the console on a UNIX socket
// (chardev socket, server, nowait); ConsoleCapture connects (retrying while QEMU starts) and appends
// what the guest prints to a ConsoleLog, which keeps the last bytes in memory and in a file rotated
// at its cap (console.log, console.log.1), so a chatty guest never fills the disk.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace edgegw::control {

class ConsoleLog {
 public:
  // `path` = <guest dir>/console.log; the file holds at most `file_cap` bytes before it is rotated to
  // path + ".1" (so at most 2 x file_cap on disk); memory keeps the last `memory_cap` bytes.
  ConsoleLog(std::string path, size_t file_cap = 256 * 1024, size_t memory_cap = 64 * 1024);
  ~ConsoleLog();
  ConsoleLog(const ConsoleLog&) = delete;
  ConsoleLog& operator=(const ConsoleLog&) = delete;

  void append(std::string_view bytes);
  // The last `max_bytes` of output (from memory, or from the files after a gateway restart).
  std::string tail(size_t max_bytes) const;
  uint64_t bytes_total() const { return bytes_total_; }  // since this object was made
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  size_t file_cap_;
  size_t memory_cap_;
  std::string memory_;
  int fd_ = -1;
  size_t file_size_ = 0;
  uint64_t bytes_total_ = 0;
};

class ConsoleCapture {
 public:
  static std::shared_ptr<ConsoleCapture> create(boost::asio::io_context& io, std::shared_ptr<ConsoleLog> log);
  virtual ~ConsoleCapture() = default;
  // Connects to `socket_path`, retrying every 100 ms for up to `connect_timeout`, then reads until EOF.
  virtual void start(const std::string& socket_path, std::chrono::milliseconds connect_timeout) = 0;
  virtual void stop() = 0;
  virtual bool connected() const = 0;
  // Writes to the guest's console (what a user types); false when not connected.
  virtual bool send(std::string_view bytes) = 0;
};

}  // namespace edgegw::control
