// A QMP (QEMU Machine Protocol) client on the control plane's io_context: connects to a guest's QMP
// UNIX socket, reads the greeting, negotiates (qmp_capabilities), then runs commands one at a time in
// order and hands asynchronous events (SHUTDOWN, STOP, RESET, GUEST_PANICKED, ...) to a handler.
// Never blocks; every command has a timeout (a QEMU that stops answering is closed, not waited on).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "edgegw/common/result.hpp"

namespace boost::asio {
class io_context;
}

namespace edgegw::control {

// Runs on one io_context thread; every handler runs there. Errors: QEMU's own error replies come back
// as "Class: desc" with Errc::not_found for *NotFound classes and Errc::invalid_argument otherwise;
// a lost connection, a timeout or close() is Errc::unavailable.
class QmpClient {
 public:
  static constexpr size_t kMaxMessageBytes = 1 << 20;  // a longer line is a protocol error

  // `data` is the event's "data" member ({} when absent).
  using EventHandler = std::function<void(const std::string& event, const nlohmann::json& data)>;
  // The connection ended (QEMU exited, closed the socket, or a protocol error/timeout closed it).
  using ClosedHandler = std::function<void(const std::string& why)>;
  using ReplyHandler = std::function<void(Result<nlohmann::json>)>;  // "return" member, or the QMP
                                                                     // error ("class: desc")

  static std::shared_ptr<QmpClient> create(boost::asio::io_context& io, EventHandler on_event,
                                           ClosedHandler on_closed);
  virtual ~QmpClient() = default;

  // Connects, reads the greeting and negotiates capabilities within `timeout`; `done` is called once.
  virtual void connect(const std::string& socket_path, std::chrono::milliseconds timeout,
                       std::function<void(Result<void>)> done) = 0;
  // Queues one command ("query-status", {"execute": ..., "arguments": arguments} when arguments is
  // an object). Replies come back in order; no reply within `timeout` closes the connection and
  // fails this and every queued command. Fails at once when not connected.
  virtual void execute(const std::string& command, nlohmann::json arguments, std::chrono::milliseconds timeout,
                       ReplyHandler done) = 0;
  // Closes the socket; queued commands (and a pending connect) fail with Errc::unavailable inside
  // close(); no handler runs after close() returns, and the closed handler does not run for it.
  virtual void close() = 0;
  virtual bool connected() const = 0;
  virtual std::string greeting_version() const = 0;  // "7.2.22" from the greeting
};

}  // namespace edgegw::control
