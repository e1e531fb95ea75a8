// ConsoleLog (a memory tail plus a file rotated at its cap) and ConsoleCapture (an Asio UNIX socket
// client that feeds a ConsoleLog from QEMU's console chardev and writes what a user types).
#include <utility>  // before Asio: g++ 12 in C++20 needs it (std::exchange)

#include "edgegw/control/console_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio.hpp>
#include <cerrno>
#include <cstring>
#include <deque>

#include "edgegw/common/log.hpp"

namespace edgegw::control {
namespace {

int open_for_append(const std::string& path, bool truncate) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0640);
}

// The last `max_bytes` of the file at `path` ("" when it is missing).
std::string read_file_tail(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st {};
  std::string out;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    size_t size = static_cast<size_t>(st.st_size);
    size_t want = std::min(size, max_bytes);
    out.resize(want);
    size_t got = 0;
    while (got < want) {
      ssize_t n = ::pread(fd, out.data() + got, want - got, static_cast<off_t>(size - want + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    out.resize(got);
  }
  ::close(fd);
  return out;
}

}  // namespace

ConsoleLog::ConsoleLog(std::string path, size_t file_cap, size_t memory_cap)
    : path_(std::move(path)), file_cap_(file_cap == 0 ? 1 : file_cap), memory_cap_(memory_cap) {
  fd_ = open_for_append(path_, false);
  if (fd_ < 0) {
    log::warn("console", "cannot open the console log, keeping memory only",
              {{"path", path_}, {"error", std::strerror(errno)}});
    return;
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0) file_size_ = static_cast<size_t>(st.st_size);
}

ConsoleLog::~ConsoleLog() {
  if (fd_ >= 0) ::close(fd_);
}

void ConsoleLog::append(std::string_view bytes) {
  bytes_total_ += bytes.size();
  memory_.append(bytes);
  // Trim in steps of memory_cap so a stream of small appends does not move the buffer every time.
  if (memory_.size() > 2 * memory_cap_) memory_.erase(0, memory_.size() - memory_cap_);

  while (!bytes.empty() && fd_ >= 0) {
    if (file_size_ >= file_cap_) {
      // Rotate: console.log -> console.log.1 (replacing the older one), start an empty console.log.
      ::close(fd_);
      fd_ = -1;
      if (::rename(path_.c_str(), (path_ + ".1").c_str()) != 0) {
        log::warn("console", "cannot rotate the console log", {{"path", path_}, {"error", std::strerror(errno)}});
      }
      fd_ = open_for_append(path_, true);
      file_size_ = 0;
      if (fd_ < 0) {
        log::warn("console", "cannot reopen the console log, keeping memory only",
                  {{"path", path_}, {"error", std::strerror(errno)}});
        return;
      }
    }
    size_t room = std::min(bytes.size(), file_cap_ - file_size_);
    ssize_t n = ::write(fd_, bytes.data(), room);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      log::warn("console", "cannot write the console log, keeping memory only",
                {{"path", path_}, {"error", n < 0 ? std::strerror(errno) : "short write"}});
      ::close(fd_);
      fd_ = -1;
      return;
    }
    file_size_ += static_cast<size_t>(n);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::string ConsoleLog::tail(size_t max_bytes) const {
  if (memory_.size() >= max_bytes) return memory_.substr(memory_.size() - max_bytes);
  // Memory is short (a new object after a restart, or a small memory cap): the files have more.
  std::string text = read_file_tail(path_, max_bytes);
  if (text.size() < max_bytes) text = read_file_tail(path_ + ".1", max_bytes - text.size()) + text;
  return text.size() > memory_.size() ? text : memory_;
}

namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using std::chrono::milliseconds;

constexpr milliseconds kRetry{100};

class ConsoleCaptureImpl final : public ConsoleCapture, public std::enable_shared_from_this<ConsoleCaptureImpl> {
 public:
  ConsoleCaptureImpl(asio::io_context& io, std::shared_ptr<ConsoleLog> log)
      : socket_(io), retry_timer_(io), log_(std::move(log)) {}

  ~ConsoleCaptureImpl() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void start(const std::string& socket_path, milliseconds connect_timeout) override {
    stop();
    ++generation_;
    path_ = socket_path;
    deadline_ = std::chrono::steady_clock::now() + connect_timeout;
    if (path_.empty() || path_.size() >= sizeof(sockaddr_un{}.sun_path)) {
      log::warn("console", "console socket path is empty or too long", {{"path", path_}});
      return;
    }
    try_connect();
  }

  void stop() override {
    ++generation_;  // every handler still queued sees a stale generation and returns
    connected_ = false;
    writing_ = false;
    out_.clear();
    boost::system::error_code ignored;
    socket_.close(ignored);
    retry_timer_.cancel();
  }

  bool connected() const override { return connected_; }

  bool send(std::string_view bytes) override {
    if (!connected_) return false;
    if (bytes.empty()) return true;
    out_.emplace_back(bytes);
    if (!writing_) write_next();
    return true;
  }

 private:
  void try_connect() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    socket_.async_connect(local::endpoint(path_), [this, self = shared_from_this(), gen = generation_](
                                                      boost::system::error_code ec) {
      if (gen != generation_) return;
      if (ec) {
        if (std::chrono::steady_clock::now() + kRetry > deadline_) {
          log::warn("console", "cannot connect to the console socket", {{"path", path_}, {"error", ec.message()}});
          return;
        }
        retry_timer_.expires_after(kRetry);
        retry_timer_.async_wait([this, self, gen](boost::system::error_code tec) {
          if (!tec && gen == generation_) try_connect();
        });
        return;
      }
      connected_ = true;
      log::debug("console", "console connected", {{"path", path_}});
      read();
    });
  }

  void read() {
    socket_.async_read_some(asio::buffer(chunk_), [this, self = shared_from_this(), gen = generation_](
                                                      boost::system::error_code ec, size_t n) {
      if (gen != generation_) return;
      if (n > 0) log_->append(std::string_view(chunk_.data(), n));
      if (ec) {
        if (ec != asio::error::eof) log::info("console", "console read failed", {{"path", path_}, {"error", ec.message()}});
        stop();
        return;
      }
      read();
    });
  }

  void write_next() {
    if (out_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    // The buffer travels with the operation, so stop() may drop the queue while a write is pending.
    auto buffer = std::make_shared<std::string>(std::move(out_.front()));
    out_.pop_front();
    asio::async_write(socket_, asio::buffer(*buffer), [this, self = shared_from_this(), gen = generation_, buffer](
                                                          boost::system::error_code ec, size_t) {
      if (gen != generation_) return;
      if (ec) {
        log::info("console", "console write failed", {{"path", path_}, {"error", ec.message()}});
        stop();
        return;
      }
      write_next();
    });
  }

  local::socket socket_;
  asio::steady_timer retry_timer_;
  std::shared_ptr<ConsoleLog> log_;
  std::string path_;
  std::chrono::steady_clock::time_point deadline_;
  uint64_t generation_ = 0;  // bumped by start() and stop(); stale handlers return
  bool connected_ = false;
  bool writing_ = false;
  std::deque<std::string> out_;  // waiting behind the write in flight
  std::array<char, 16 * 1024> chunk_{};
};

}  // namespace

std::shared_ptr<ConsoleCapture> ConsoleCapture::create(asio::io_context& io, std::shared_ptr<ConsoleLog> log) {
  return std::make_shared<ConsoleCaptureImpl>(io, std::move(log));
}

}  // namespace edgegw::control
