// QmpClient on a Boost.Asio UNIX stream socket. QMP sends one JSON object per line ("\r\n"); a read
// may hold several lines or part of one, so bytes are buffered and cut at newlines. Commands go out
// one at a time, each with an "id" that its reply must echo; events may arrive between them.
#include <utility>  // before Asio: g++ 12 in C++20 needs it (std::exchange)

#include "edgegw/control/qmp_client.hpp"

#include <array>
#include <boost/asio.hpp>
#include <cstdint>
#include <deque>

#include "edgegw/common/log.hpp"

namespace edgegw::control {
namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kConnectRetry{100};
constexpr uint64_t kCapabilitiesId = 0;

std::string ms_text(milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// QEMU's {"error": {"class": ..., "desc": ...}} as an Error.
Error qmp_error(const json& error) {
  std::string cls = "GenericError";
  std::string desc;
  if (error.is_object()) {
    if (auto it = error.find("class"); it != error.end() && it->is_string()) cls = it->get<std::string>();
    if (auto it = error.find("desc"); it != error.end() && it->is_string()) desc = it->get<std::string>();
  }
  bool not_found = cls.size() >= 8 && cls.compare(cls.size() - 8, 8, "NotFound") == 0;
  return make_error(not_found ? Errc::not_found : Errc::invalid_argument, cls + ": " + desc);
}

class QmpClientImpl final : public QmpClient, public std::enable_shared_from_this<QmpClientImpl> {
 public:
  QmpClientImpl(asio::io_context& io, EventHandler on_event, ClosedHandler on_closed)
      : socket_(io),
        connect_timer_(io),
        retry_timer_(io),
        command_timer_(io),
        on_event_(std::move(on_event)),
        on_closed_(std::move(on_closed)) {}

  ~QmpClientImpl() override {
    boost::system::error_code ec;
    socket_.close(ec);
  }

  void connect(const std::string& socket_path, milliseconds timeout, std::function<void(Result<void>)> done) override {
    if (state_ != State::idle) {
      done(make_error(Errc::conflict, "QMP client: connect() called twice"));
      return;
    }
    if (socket_path.empty() || socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
      done(make_error(Errc::invalid_argument, "QMP socket path '" + socket_path + "' is empty or too long"));
      return;
    }
    path_ = socket_path;
    connect_timeout_ = timeout;
    connect_done_ = std::move(done);
    state_ = State::connecting;
    last_error_ = "no attempt finished";
    connect_timer_.expires_after(timeout);
    connect_timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (ec || !connecting()) return;
      if (state_ == State::connecting) {
        fail_connect("QMP socket " + path_ + ": cannot connect within " + ms_text(connect_timeout_) + " (" +
                     last_error_ + ")");
      } else {
        fail_connect("QMP socket " + path_ + ": no QMP greeting and negotiation within " +
                     ms_text(connect_timeout_));
      }
    });
    try_connect();
  }

  void execute(const std::string& command, json arguments, milliseconds timeout, ReplyHandler done) override {
    if (state_ != State::connected) {
      done(make_error(Errc::unavailable, "QMP command '" + command + "': not connected"));
      return;
    }
    json message = {{"execute", command}, {"id", next_id_}};
    if (arguments.is_object()) message["arguments"] = std::move(arguments);
    // `replace` keeps dump() from throwing on invalid UTF-8 in caller-supplied strings.
    std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    queue_.push_back(Pending{next_id_++, command, std::move(line), timeout, std::move(done)});
    pump();
  }

  void close() override {
    if (state_ == State::closed) return;
    bool was_connecting = connecting();
    shut();
    on_event_ = nullptr;
    on_closed_ = nullptr;
    if (was_connecting) {
      auto done = std::exchange(connect_done_, nullptr);
      if (done) done(make_error(Errc::unavailable, "QMP client closed while connecting to " + path_));
    }
    fail_commands("QMP client closed");
  }

  bool connected() const override { return state_ == State::connected; }
  std::string greeting_version() const override { return version_; }

 private:
  enum class State { idle, connecting, greeting, negotiating, connected, closed };

  struct Pending {
    uint64_t id;
    std::string command;
    std::string line;
    milliseconds timeout;
    ReplyHandler done;
  };

  bool connecting() const {
    return state_ == State::connecting || state_ == State::greeting || state_ == State::negotiating;
  }

  void try_connect() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    socket_.async_connect(local::endpoint(path_), [this, self = shared_from_this()](boost::system::error_code ec) {
      if (state_ != State::connecting) return;
      if (ec) {
        // QEMU may not have created (or started listening on) the socket yet: retry until the deadline.
        last_error_ = ec.message();
        retry_timer_.expires_after(kConnectRetry);
        retry_timer_.async_wait([this, self](boost::system::error_code tec) {
          if (!tec && state_ == State::connecting) try_connect();
        });
        return;
      }
      state_ = State::greeting;
      read();
    });
  }

  void read() {
    socket_.async_read_some(asio::buffer(chunk_), [this, self = shared_from_this()](boost::system::error_code ec,
                                                                                    size_t n) {
      if (state_ == State::closed) return;
      if (ec) {
        lost(ec == asio::error::eof ? "QEMU closed the QMP connection" : "QMP read: " + ec.message());
        return;
      }
      in_.append(chunk_.data(), n);
      split_lines();
      if (state_ != State::closed) read();
    });
  }

  void split_lines() {
    size_t start = 0;
    while (state_ != State::closed) {
      size_t nl = in_.find('\n', start);
      if (nl == std::string::npos) break;
      if (nl - start > kMaxMessageBytes) {
        lost("QMP protocol error: message over " + std::to_string(kMaxMessageBytes) + " bytes");
        return;
      }
      std::string_view line(in_.data() + start, nl - start);
      start = nl + 1;
      handle_line(line);
    }
    if (state_ == State::closed) return;
    in_.erase(0, start);
    if (in_.size() > kMaxMessageBytes) {
      lost("QMP protocol error: message over " + std::to_string(kMaxMessageBytes) + " bytes");
    }
  }

  void handle_line(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) return;
    json message = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded() || !message.is_object()) {
      lost("QMP protocol error: not a JSON object: " + std::string(line.substr(0, 200)));
      return;
    }
    switch (state_) {
      case State::greeting: return on_greeting(message);
      case State::negotiating: return on_negotiated(message);
      case State::connected: return on_message(message);
      default: return;
    }
  }

  void on_greeting(const json& message) {
    auto qmp = message.find("QMP");
    if (qmp == message.end()) {
      fail_connect("QMP socket " + path_ + ": expected the QMP greeting, got " + message.dump().substr(0, 200));
      return;
    }
    const json* qemu = qmp->is_object() ? &*qmp : nullptr;
    for (const char* key : {"version", "qemu"}) {
      if (qemu == nullptr) break;
      auto it = qemu->find(key);
      qemu = it != qemu->end() && it->is_object() ? &*it : nullptr;
    }
    if (qemu != nullptr) {
      std::string version;
      for (const char* key : {"major", "minor", "micro"}) {
        auto it = qemu->find(key);
        if (it == qemu->end() || !it->is_number_integer()) break;
        version += (version.empty() ? "" : ".") + std::to_string(it->get<int64_t>());
      }
      version_ = version;
    }
    state_ = State::negotiating;
    json caps = {{"execute", "qmp_capabilities"}, {"id", kCapabilitiesId}};
    write(caps.dump() + "\n");
  }

  void on_negotiated(const json& message) {
    if (message.contains("event")) return;  // none is expected before negotiation, but harmless
    if (auto error = message.find("error"); error != message.end()) {
      fail_connect("QMP socket " + path_ + ": qmp_capabilities failed: " + qmp_error(*error).message);
      return;
    }
    if (!message.contains("return")) {
      fail_connect("QMP socket " + path_ + ": unexpected reply to qmp_capabilities: " + message.dump().substr(0, 200));
      return;
    }
    state_ = State::connected;
    connect_timer_.cancel();
    retry_timer_.cancel();
    log::debug("qmp", "connected", {{"socket", path_}, {"qemu", version_}});
    auto done = std::exchange(connect_done_, nullptr);
    if (done) done(Result<void>{});
    pump();
  }

  void on_message(const json& message) {
    if (auto event = message.find("event"); event != message.end()) {
      std::string name = event->is_string() ? event->get<std::string>() : std::string();
      auto data = message.find("data");
      json payload = data != message.end() ? *data : json::object();
      auto handler = on_event_;  // a copy: the handler may close() and so clear ours
      if (handler) handler(name, payload);
      return;
    }
    auto ret = message.find("return");
    auto error = message.find("error");
    if (ret == message.end() && error == message.end()) return;  // unknown message kinds are ignored
    if (!in_flight_) {
      lost("QMP protocol error: a reply with no command waiting: " + message.dump().substr(0, 200));
      return;
    }
    // A reply without "id" is QEMU answering a command it could not parse; it still is ours.
    auto id = message.find("id");
    if (id != message.end() && !(id->is_number_unsigned() && id->get<uint64_t>() == queue_.front().id)) {
      lost("QMP protocol error: reply id " + id->dump() + " while waiting for " +
           std::to_string(queue_.front().id));
      return;
    }
    Pending answered = std::move(queue_.front());
    queue_.pop_front();
    in_flight_ = false;
    command_timer_.cancel();
    if (error != message.end()) {
      answered.done(qmp_error(*error));
    } else {
      answered.done(*ret);
    }
    pump();
  }

  // Sends the next queued command once the previous one has its reply.
  void pump() {
    if (state_ != State::connected || in_flight_ || queue_.empty()) return;
    in_flight_ = true;
    const Pending& next = queue_.front();
    uint64_t id = next.id;
    command_timer_.expires_after(next.timeout);
    command_timer_.async_wait([this, self = shared_from_this(), id](boost::system::error_code ec) {
      if (ec || state_ != State::connected || !in_flight_ || queue_.front().id != id) return;
      const Pending& late = queue_.front();
      std::string why = "QMP command '" + late.command + "' got no reply within " + ms_text(late.timeout);
      log::warn("qmp", "command timed out, closing the connection", {{"socket", path_}, {"command", late.command}});
      lost(why);
    });
    write(next.line);
  }

  void write(std::string line) {
    out_ = std::move(line);
    asio::async_write(socket_, asio::buffer(out_), [this, self = shared_from_this()](boost::system::error_code ec,
                                                                                     size_t) {
      if (ec && state_ != State::closed) lost("QMP write: " + ec.message());
    });
  }

  // Closes the socket and the timers; handlers still queued in Asio see State::closed and return.
  void shut() {
    state_ = State::closed;
    boost::system::error_code ignored;
    socket_.close(ignored);
    connect_timer_.cancel();
    retry_timer_.cancel();
    command_timer_.cancel();
  }

  void fail_connect(const std::string& why) {
    shut();
    log::debug("qmp", "connect failed", {{"socket", path_}, {"why", why}});
    auto done = std::exchange(connect_done_, nullptr);
    if (done) done(make_error(Errc::unavailable, why));
  }

  void fail_commands(const std::string& why) {
    auto queue = std::exchange(queue_, {});
    in_flight_ = false;
    bool first = true;
    for (Pending& pending : queue) {
      std::string message = first ? why : "QMP command '" + pending.command + "' not sent: " + why;
      first = false;
      pending.done(make_error(Errc::unavailable, message));
    }
  }

  // The connection ended on its own (EOF, error, timeout, protocol error).
  void lost(const std::string& why) {
    if (state_ == State::closed) return;
    if (connecting()) {
      fail_connect("QMP socket " + path_ + ": " + why);
      return;
    }
    shut();
    log::info("qmp", "connection closed", {{"socket", path_}, {"why", why}});
    fail_commands(why);
    auto closed = std::exchange(on_closed_, nullptr);
    on_event_ = nullptr;
    if (closed) closed(why);
  }

  local::socket socket_;
  asio::steady_timer connect_timer_;  // the whole connect: socket, greeting, negotiation
  asio::steady_timer retry_timer_;    // between connect attempts
  asio::steady_timer command_timer_;  // the command in flight
  EventHandler on_event_;
  ClosedHandler on_closed_;
  std::function<void(Result<void>)> connect_done_;

  State state_ = State::idle;
  std::string path_;
  milliseconds connect_timeout_{0};
  std::string last_error_;
  std::string version_;

  std::array<char, 64 * 1024> chunk_{};
  std::string in_;   // bytes read but not yet cut into lines
  // The line being written: one at a time, since the next goes out only after the previous one's
  // reply, which QEMU cannot send before it has read the whole line.
  std::string out_;
  std::deque<Pending> queue_;  // front() is in flight when in_flight_
  bool in_flight_ = false;
  uint64_t next_id_ = 1;
};

}  // namespace

std::shared_ptr<QmpClient> QmpClient::create(asio::io_context& io, EventHandler on_event, ClosedHandler on_closed) {
  return std::make_shared<QmpClientImpl>(io, std::move(on_event), std::move(on_closed));
}

}  // namespace edgegw::control
