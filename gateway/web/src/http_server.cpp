// HttpServer on Boost.Beast: every Beast call of the product lives in this file. Bounded header and
// body sizes, an idle timeout per connection, keep-alive.
#include <utility>  // before Asio: g++ 12 in C++20 needs it (std::exchange)

#include "edgegw/web/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

#include "edgegw/common/log.hpp"

namespace edgegw::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, control::ControlApi& api, HttpCounters& counters)
      : stream_(std::move(socket)), api_(api), counters_(counters) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(HttpServer::kMaxHeaderBytes);
    parser_->body_limit(HttpServer::kMaxBodyBytes);
    stream_.expires_after(std::chrono::seconds(HttpServer::kIdleTimeoutS));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return close();
    }
    if (ec) {
      // Malformed or over-size request: answer 400/413 once, then close.
      ++counters_.requests;
      ++counters_.bad_request;
      unsigned status = (ec == http::error::body_limit || ec == http::error::header_limit) ? 413 : 400;
      HttpResponse r;
      r.status = status;
      r.body = std::string("{\"error\":{\"code\":\"bad_request\",\"message\":\"") +
               (status == 413 ? "request too large" : "malformed HTTP request") + "\"}}\n";
      return send(r, false, false);
    }
    const auto& req = parser_->get();
    HttpRequest request{std::string(req.method_string()), std::string(req.target()), req.body()};
    HttpResponse response = route(request, api_, counters_);
    send(response, req.keep_alive(), req.method() == http::verb::head);
  }

  void send(const HttpResponse& r, bool keep_alive, bool head) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "edgegw");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    if (!r.allow.empty()) res->set(http::field::allow, r.allow);
    res->keep_alive(keep_alive);
    res->body() = head ? std::string() : r.body;
    res->prepare_payload();
    if (head) res->content_length(r.body.size());
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{HttpServer::kMaxHeaderBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  control::ControlApi& api_;
  HttpCounters& counters_;
};

class BeastHttpServer final : public HttpServer {
 public:
  BeastHttpServer(asio::io_context& io, control::ControlApi& api) : acceptor_(io), api_(api) {}
  ~BeastHttpServer() override { stop(); }

  Result<void> listen(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) return make_error(Errc::invalid_argument, "http listen address must be host:port, got '" + listen + "'");
    std::string host = listen.substr(0, colon);
    unsigned long port_num = 0;
    try {
      port_num = std::stoul(listen.substr(colon + 1));
    } catch (...) {
      port_num = 65536;
    }
    if (port_num > 65535) return make_error(Errc::invalid_argument, "http listen port must be 0..65535 in '" + listen + "'");
    beast::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) return make_error(Errc::invalid_argument, "http listen host '" + host + "' is not an IP address");
    tcp::endpoint ep(addr, static_cast<uint16_t>(port_num));
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return make_error(Errc::io, "http listen on " + listen + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept();
    return {};
  }

  uint16_t port() const override { return port_; }
  const HttpCounters& counters() const override { return counters_; }

  void stop() override {
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), api_, counters_)->start();
      if (acceptor_.is_open()) accept();
    });
  }

  tcp::acceptor acceptor_;
  control::ControlApi& api_;
  HttpCounters counters_;
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io, const std::string& listen,
                                                      control::ControlApi& api) {
  auto server = std::make_unique<BeastHttpServer>(io, api);
  if (auto r = server->listen(listen); !r) return r.error();
  log::info("web", "status page listening", {{"url", "http://" + listen.substr(0, listen.rfind(':')) + ":" +
                                                         std::to_string(server->port()) + "/"}});
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace edgegw::web
