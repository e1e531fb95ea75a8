// The ctl socket server: newline-delimited JSON requests over a UNIX stream socket, answered by
// ControlApi. Runs on the control-plane io_context; no Asio type leaks through this header.
#pragma once

#include <memory>
#include <string>

#include "edgegw/common/result.hpp"

namespace boost::asio {
class io_context;
}

namespace edgegw::control {

class ControlApi;

class CtlServer {
 public:
  static constexpr size_t kMaxRequestBytes = 4 << 20;  // a config document plus envelope

  // Binds `path` (a stale socket file is replaced; the directory is created), mode 0660.
  static Result<std::unique_ptr<CtlServer>> start(boost::asio::io_context& io, const std::string& path,
                                                  ControlApi& api);
  virtual ~CtlServer() = default;
  // Stops accepting, closes connections and removes the socket file.
  virtual void stop() = 0;
};

}  // namespace edgegw::control
