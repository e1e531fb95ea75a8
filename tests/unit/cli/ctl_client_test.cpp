// The ctl client against a socket served by the test: replies, missing daemon, broken replies.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "edgegw/cli/ctl_client.hpp"

namespace edgegw::cli {
namespace {

class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) : reply_(std::move(reply)) {
    path_ = std::filesystem::temp_directory_path() / ("edgegw-cli-" + std::to_string(::getpid()) + ".sock");
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n > 0) received_.assign(buf, static_cast<size_t>(n));
      if (!reply_.empty()) (void)!::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::string received_;

 private:
  std::string reply_, path_;
  int fd_ = -1;
  std::thread thread_;
};

TEST(CtlClient, SendsOneLineAndParsesTheReply) {
  OneShotServer server("{\"ok\":true,\"result\":{\"x\":1}}\n");
  auto r = ctl_call(server.path(), {{"cmd", "status"}}, 5000);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value()["result"]["x"], 1);
  std::string expected = "{\"cmd\":\"status\"}\n";
  EXPECT_EQ(server.received_, expected);
}

TEST(CtlClient, NoDaemonIsUnavailable) {
  auto r = ctl_call("/nonexistent/edgegw.sock", {{"cmd", "status"}}, 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_NE(r.error().message.find("/nonexistent/edgegw.sock"), std::string::npos);
}

TEST(CtlClient, ClosedWithoutReplyIsAnIoError) {
  OneShotServer server("");
  auto r = ctl_call(server.path(), {{"cmd", "status"}}, 5000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::io);
}

TEST(CtlClient, GarbageReplyIsAnIoError) {
  OneShotServer server("this is not json\n");
  auto r = ctl_call(server.path(), {{"cmd", "status"}}, 5000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_EQ(r.error().message, "edgegw sent a reply that is not a ctl reply");
}

}  // namespace
}  // namespace edgegw::cli
