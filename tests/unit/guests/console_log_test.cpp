// ConsoleLog rotation and tails, and ConsoleCapture against a UNIX socket server in the test.
#include "guest_test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "edgegw/control/console_log.hpp"

namespace edgegw::control {
namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using test::run_for;
using test::run_until;
using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// `lines` lines of 10 bytes each: "line 0000\n", "line 0001\n", ...
std::string sample(size_t lines) {
  std::string text;
  for (size_t i = 0; i < lines; ++i) {
    std::string number = std::to_string(i % 10000);
    text += "line " + std::string(4 - number.size(), '0') + number + "\n";
  }
  return text;
}

TEST(ConsoleLog, RotatesAtTheCapAndBoundsTheDisk) {
  test::TempDir dir;
  std::string path = dir.file("console.log");
  std::string text = sample(250);  // 2500 bytes
  ConsoleLog log(path, 1000, 4096);
  for (size_t i = 0; i < text.size(); i += 37) log.append(std::string_view(text).substr(i, 37));
  EXPECT_EQ(log.bytes_total(), 2500u);
  std::string current = read_file(path);
  std::string previous = read_file(path + ".1");
  EXPECT_EQ(current, text.substr(2000));
  EXPECT_EQ(previous, text.substr(1000, 1000));
  EXPECT_LE(current.size() + previous.size(), 2 * 1000u);
  EXPECT_EQ(log.tail(100), text.substr(2400));
  EXPECT_EQ(log.tail(5000), text);  // all of it is still in memory
}

TEST(ConsoleLog, TailReadsAcrossBothFilesWhenMemoryIsShort) {
  test::TempDir dir;
  std::string path = dir.file("console.log");
  std::string text = sample(250);
  ConsoleLog log(path, 1000, 200);
  log.append(text);
  EXPECT_EQ(log.tail(150), text.substr(2350));  // memory
  EXPECT_EQ(log.tail(800), text.substr(1700));  // 500 from console.log, 300 from console.log.1
  EXPECT_EQ(log.tail(100000), text.substr(1000));  // what the disk still holds
}

TEST(ConsoleLog, NewObjectOnTheSamePathGivesTheOldTailAndAppends) {
  test::TempDir dir;
  std::string path = dir.file("console.log");
  std::string text = sample(150);  // 1500 bytes
  {
    ConsoleLog log(path, 1000, 4096);
    log.append(text);
  }
  ConsoleLog after(path, 1000, 4096);
  EXPECT_EQ(after.bytes_total(), 0u);
  EXPECT_EQ(after.tail(600), text.substr(900));
  after.append("more\n");
  EXPECT_EQ(after.tail(6), "\nmore\n");
  EXPECT_EQ(read_file(path), text.substr(1000) + "more\n");  // appended, not truncated
}

TEST(ConsoleLog, UnwritablePathKeepsMemory) {
  ConsoleLog log("/nonexistent-dir/console.log", 1000, 100);
  log.append("hello");
  EXPECT_EQ(log.tail(100), "hello");
}

// A console server: accepts one client, sends `greeting`, collects what the client writes.
class ConsoleServer {
 public:
  ConsoleServer(asio::io_context& io, const std::string& path, std::string greeting)
      : acceptor_(io, local::endpoint(path)), peer_(io), greeting_(std::move(greeting)) {
    acceptor_.async_accept(peer_, [this](boost::system::error_code ec) {
      if (ec) return;
      accepted_ = true;
      asio::async_write(peer_, asio::buffer(greeting_), [](boost::system::error_code, size_t) {});
      read();
    });
  }
  bool accepted() const { return accepted_; }
  const std::string& received() const { return received_; }
  void disconnect() {
    boost::system::error_code ec;
    peer_.close(ec);
    acceptor_.close(ec);
  }

 private:
  void read() {
    peer_.async_read_some(asio::buffer(chunk_), [this](boost::system::error_code ec, size_t n) {
      if (ec) return;
      received_.append(chunk_.data(), n);
      read();
    });
  }

  local::acceptor acceptor_;
  local::socket peer_;
  std::string greeting_;
  std::string received_;
  std::array<char, 4096> chunk_{};
  bool accepted_ = false;
};

TEST(ConsoleCapture, CapturesSendsAndSeesTheDisconnect) {
  test::TempDir dir;
  asio::io_context io;
  auto log = std::make_shared<ConsoleLog>(dir.file("console.log"), 1000, 4096);
  ConsoleServer server(io, dir.file("console.sock"), "login: ");
  auto capture = ConsoleCapture::create(io, log);
  EXPECT_FALSE(capture->send("x"));
  capture->start(dir.file("console.sock"), 2s);
  ASSERT_TRUE(run_until(io, [&] { return log->tail(100) == "login: "; }, 3s));
  EXPECT_TRUE(capture->connected());
  EXPECT_TRUE(capture->send("root\n"));
  EXPECT_TRUE(capture->send("uname -a\n"));
  ASSERT_TRUE(run_until(io, [&] { return server.received() == "root\nuname -a\n"; }, 3s)) << server.received();
  server.disconnect();
  ASSERT_TRUE(run_until(io, [&] { return !capture->connected(); }, 3s));
  EXPECT_FALSE(capture->send("late"));
  EXPECT_EQ(read_file(dir.file("console.log")), "login: ");
}

TEST(ConsoleCapture, RetriesUntilTheSocketAppears) {
  test::TempDir dir;
  asio::io_context io;
  auto log = std::make_shared<ConsoleLog>(dir.file("console.log"));
  auto capture = ConsoleCapture::create(io, log);
  capture->start(dir.file("console.sock"), 2s);
  run_for(io, 300ms);
  EXPECT_FALSE(capture->connected());
  ConsoleServer server(io, dir.file("console.sock"), "booting\n");
  ASSERT_TRUE(run_until(io, [&] { return log->tail(100) == "booting\n"; }, 3s));
  EXPECT_TRUE(capture->connected());
}

TEST(ConsoleCapture, GivesUpAfterTheConnectTimeout) {
  test::TempDir dir;
  asio::io_context io;
  auto capture = ConsoleCapture::create(io, std::make_shared<ConsoleLog>(dir.file("console.log")));
  capture->start(dir.file("console.sock"), 300ms);
  run_for(io, 500ms);
  ConsoleServer server(io, dir.file("console.sock"), "late\n");
  run_for(io, 300ms);
  EXPECT_FALSE(server.accepted());
  EXPECT_FALSE(capture->connected());
}

TEST(ConsoleCapture, StopClosesAndDroppingTheLastReferenceIsSafe) {
  test::TempDir dir;
  asio::io_context io;
  auto log = std::make_shared<ConsoleLog>(dir.file("console.log"));
  ConsoleServer server(io, dir.file("console.sock"), "hello\n");
  auto capture = ConsoleCapture::create(io, log);
  capture->start(dir.file("console.sock"), 2s);
  ASSERT_TRUE(run_until(io, [&] { return capture->connected() && log->tail(10) == "hello\n"; }, 3s));
  EXPECT_TRUE(capture->send("pending write"));
  capture->stop();
  EXPECT_FALSE(capture->connected());
  capture.reset();  // handlers still queued keep it alive until they run
  run_for(io, 100ms);
  EXPECT_EQ(log->tail(100), "hello\n");
}

}  // namespace
}  // namespace edgegw::control
