// CtlServer on Boost.Asio local stream sockets. One request per line; a line over the size limit
// or a broken connection closes that connection only.
#include <utility>  // before Asio: g++ 12 in C++20 needs it (std::exchange)

#include "edgegw/control/ctl_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <set>

#include "edgegw/common/log.hpp"
#include "edgegw/control/control_api.hpp"

namespace edgegw::control {
namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(local::socket socket, ControlApi& api, std::set<std::shared_ptr<Connection>>& live)
      : socket_(std::move(socket)), api_(api), live_(live) {}

  void start() { read(); }
  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  void read() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, asio::dynamic_buffer(in_, CtlServer::kMaxRequestBytes), '\n',
                           [this, self](boost::system::error_code ec, size_t n) {
                             if (ec) {
                               if (ec == asio::error::not_found) {
                                 log::warn("ctl", "request over the size limit, closing connection",
                                           {{"limit_bytes", CtlServer::kMaxRequestBytes}});
                               }
                               live_.erase(self);
                               return;
                             }
                             std::string line = in_.substr(0, n - 1);
                             in_.erase(0, n);
                             std::string reply =
                                 api_.handle_text(line, ConfigSource::cli, "ctl:uid" + std::to_string(peer_uid()))
                                     .dump() +
                                 "\n";
                             write(std::move(reply));
                           });
  }

  void write(std::string reply) {
    auto self = shared_from_this();
    out_ = std::move(reply);
    asio::async_write(socket_, asio::buffer(out_), [this, self](boost::system::error_code ec, size_t) {
      if (ec) {
        live_.erase(self);
        return;
      }
      read();
    });
  }

  int peer_uid() {
    struct ucred cred {};
    socklen_t len = sizeof cred;
    if (getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    return static_cast<int>(cred.uid);
  }

  local::socket socket_;
  ControlApi& api_;
  std::set<std::shared_ptr<Connection>>& live_;
  std::string in_, out_;
};

class AsioCtlServer final : public CtlServer {
 public:
  AsioCtlServer(asio::io_context& io, std::string path, ControlApi& api)
      : acceptor_(io), path_(std::move(path)), api_(api) {}
  ~AsioCtlServer() override { stop(); }

  Result<void> listen() {
    std::error_code fec;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), fec);
    ::unlink(path_.c_str());
    boost::system::error_code ec;
    local::endpoint ep(path_);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(16, ec);
    if (ec) return make_error(Errc::io, "ctl socket " + path_ + ": " + ec.message());
    ::chmod(path_.c_str(), 0660);
    accept();
    return {};
  }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (const auto& c : live_) c->close();
    live_.clear();
    ::unlink(path_.c_str());
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) log::warn("ctl", "accept failed", {{"error", ec.message()}});
        if (!stopped_ && ec != asio::error::operation_aborted) accept();
        return;
      }
      auto conn = std::make_shared<Connection>(std::move(socket), api_, live_);
      live_.insert(conn);
      conn->start();
      accept();
    });
  }

  local::acceptor acceptor_;
  std::string path_;
  ControlApi& api_;
  std::set<std::shared_ptr<Connection>> live_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<CtlServer>> CtlServer::start(asio::io_context& io, const std::string& path, ControlApi& api) {
  auto server = std::make_unique<AsioCtlServer>(io, path, api);
  if (auto r = server->listen(); !r) return r.error();
  return std::unique_ptr<CtlServer>(std::move(server));
}

}  // namespace edgegw::control
