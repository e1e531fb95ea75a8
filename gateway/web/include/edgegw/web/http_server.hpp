// The management HTTP server (default 127.0.0.1:8080). No Beast type leaks through this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "edgegw/common/result.hpp"
#include "edgegw/web/routes.hpp"

namespace boost::asio {
class io_context;
}

namespace edgegw::web {

class HttpServer {
 public:
  static constexpr size_t kMaxHeaderBytes = 8 * 1024;
  static constexpr size_t kMaxBodyBytes = 64 * 1024;
  static constexpr unsigned kIdleTimeoutS = 15;

  // `listen` is "host:port"; port 0 picks a free port (see port()).
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, const std::string& listen,
                                                   control::ControlApi& api);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  virtual const HttpCounters& counters() const = 0;
  virtual void stop() = 0;
};

}  // namespace edgegw::web
