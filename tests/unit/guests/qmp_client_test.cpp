// QmpClient against a real QEMU (-machine none: QMP and no guest) and, for framing and limits, a
// scripted UNIX socket server.
#include "guest_test_support.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <regex>

#include "edgegw/control/qmp_client.hpp"

namespace edgegw::control {
namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using json = nlohmann::json;
using test::run_for;
using test::run_until;
using namespace std::chrono_literals;

using Clock = std::chrono::steady_clock;

class QmpClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  void start_qemu() {
    qemu_.emplace(test::qemu_qmp_argv(socket()), dir_.file("qemu.log"));
    ASSERT_GT(qemu_->pid(), 0);
  }
  std::string socket() const { return dir_.file("qmp.sock"); }

  void make_client() {
    client_ = QmpClient::create(
        io_, [this](const std::string& event, const json& data) { events_.push_back({event, data}); },
        [this](const std::string& why) {
          closed_ = why;
          if (drop_in_closed_) client_.reset();  // the last reference goes inside a handler
        });
  }

  Result<void> connect(std::chrono::milliseconds timeout = 5s) {
    std::optional<Result<void>> result;
    client_->connect(socket(), timeout, [&](Result<void> r) { result.emplace(std::move(r)); });
    EXPECT_TRUE(run_until(io_, [&] { return result.has_value(); }, timeout + 3s));
    if (!result) return make_error(Errc::internal, "connect never finished");
    return *result;
  }

  void start_and_connect() {
    start_qemu();
    make_client();
    auto result = connect();
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    ASSERT_TRUE(client_->connected());
  }

  Result<json> execute(const std::string& command, json arguments = nullptr, std::chrono::milliseconds timeout = 5s) {
    std::optional<Result<json>> result;
    client_->execute(command, std::move(arguments), timeout, [&](Result<json> r) { result.emplace(std::move(r)); });
    EXPECT_TRUE(run_until(io_, [&] { return result.has_value(); }, timeout + 3s)) << command;
    if (!result) return make_error(Errc::internal, "no reply handler call");
    return *result;
  }

  bool saw_event(const std::string& name) const {
    for (const auto& [event, data] : events_) {
      if (event == name) return true;
    }
    return false;
  }

  test::TempDir dir_;
  std::optional<test::ChildProcess> qemu_;
  asio::io_context io_;
  std::shared_ptr<QmpClient> client_;
  std::vector<std::pair<std::string, json>> events_;
  std::optional<std::string> closed_;
  bool drop_in_closed_ = false;
};

TEST_F(QmpClientTest, GreetingVersionAndQueries) {
  start_and_connect();
  std::string version = client_->greeting_version();
  EXPECT_TRUE(std::regex_match(version, std::regex(R"(\d+\.\d+\.\d+)"))) << version;

  auto status = execute("query-status");
  ASSERT_TRUE(status.ok()) << status.error().to_string();
  EXPECT_TRUE(status->contains("status")) << status->dump();
  EXPECT_TRUE(status->contains("running")) << status->dump();

  auto reply = execute("query-version");
  ASSERT_TRUE(reply.ok()) << reply.error().to_string();
  const json& qemu = (*reply)["qemu"];
  EXPECT_EQ(version, std::to_string(qemu["major"].get<int>()) + "." + std::to_string(qemu["minor"].get<int>()) +
                         "." + std::to_string(qemu["micro"].get<int>()));
}

TEST_F(QmpClientTest, UnknownCommandGivesItsErrorClass) {
  start_and_connect();
  auto reply = execute("no-such-command");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::not_found);
  EXPECT_EQ(reply.error().message.rfind("CommandNotFound: ", 0), 0u) << reply.error().message;
  // The connection is still good afterwards.
  EXPECT_TRUE(execute("query-status").ok());
  EXPECT_TRUE(client_->connected());
}

TEST_F(QmpClientTest, CommandArgumentsAreSent) {
  start_and_connect();
  auto bad = execute("query-cpu-model-expansion", json{{"type", "nonsense"}, {"model", {{"name", "max"}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_NE(bad.error().message.find("nonsense"), std::string::npos) << bad.error().message;
}

TEST_F(QmpClientTest, StopAndContGiveStopAndResumeEvents) {
  start_and_connect();
  ASSERT_TRUE(execute("stop").ok());
  ASSERT_TRUE(run_until(io_, [&] { return saw_event("STOP"); }, 5s));
  ASSERT_TRUE(execute("cont").ok());
  ASSERT_TRUE(run_until(io_, [&] { return saw_event("RESUME"); }, 5s));
  for (const auto& [event, data] : events_) EXPECT_TRUE(data.is_object()) << event;
}

TEST_F(QmpClientTest, QuitGivesShutdownThenClosed) {
  start_and_connect();
  ASSERT_TRUE(execute("quit").ok());
  ASSERT_TRUE(run_until(io_, [&] { return closed_.has_value(); }, 5s));
  ASSERT_TRUE(saw_event("SHUTDOWN"));
  auto shutdown = std::find_if(events_.begin(), events_.end(), [](const auto& e) { return e.first == "SHUTDOWN"; });
  EXPECT_EQ(shutdown->second.value("guest", true), false) << shutdown->second.dump();
  EXPECT_FALSE(client_->connected());
  int status = qemu_->reap();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // Nothing works after the close, and it fails at once.
  bool failed = false;
  client_->execute("query-status", nullptr, 1s, [&](Result<json> r) { failed = !r.ok() && r.error().code == Errc::unavailable; });
  EXPECT_TRUE(failed);
}

TEST_F(QmpClientTest, KilledQemuClosesAndTheClientMayBeDroppedInTheHandler) {
  start_and_connect();
  drop_in_closed_ = true;
  qemu_->signal(SIGKILL);
  ASSERT_TRUE(run_until(io_, [&] { return closed_.has_value(); }, 5s));
  EXPECT_EQ(client_, nullptr);
  run_for(io_, 100ms);  // whatever was still queued runs against a live object or not at all
}

TEST_F(QmpClientTest, FrozenQemuTimesOutTheCommandAndFailsTheQueue) {
  start_and_connect();
  qemu_->signal(SIGSTOP);
  std::optional<Result<json>> first, second;
  auto sent = Clock::now();
  Clock::time_point first_at;
  client_->execute("query-status", nullptr, 400ms, [&](Result<json> r) {
    first_at = Clock::now();
    first.emplace(std::move(r));
  });
  client_->execute("query-version", nullptr, 400ms, [&](Result<json> r) { second.emplace(std::move(r)); });
  ASSERT_TRUE(run_until(io_, [&] { return first && second && closed_; }, 3s));
  auto waited = first_at - sent;
  EXPECT_GE(waited, 400ms);
  EXPECT_LT(waited, 1400ms);
  ASSERT_FALSE(first->ok());
  EXPECT_EQ(first->error().code, Errc::unavailable);
  EXPECT_NE(first->error().message.find("no reply within 400 ms"), std::string::npos) << first->error().message;
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->error().code, Errc::unavailable);
  EXPECT_NE(closed_->find("query-status"), std::string::npos) << *closed_;
  qemu_->signal(SIGCONT);
  qemu_->kill();
}

TEST_F(QmpClientTest, MissingSocketFailsAfterTheTimeout) {
  make_client();
  auto start = Clock::now();
  auto result = connect(500ms);
  auto waited = Clock::now() - start;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::unavailable);
  EXPECT_NE(result.error().message.find("cannot connect within 500 ms"), std::string::npos) << result.error().message;
  EXPECT_GE(waited, 500ms);
  EXPECT_LT(waited, 1500ms);
  EXPECT_FALSE(closed_.has_value());  // it never was connected
}

TEST_F(QmpClientTest, SocketThatAppearsLaterIsFound) {
  make_client();
  std::optional<Result<void>> result;
  client_->connect(socket(), 5s, [&](Result<void> r) { result.emplace(std::move(r)); });
  run_for(io_, 300ms);
  EXPECT_FALSE(result.has_value());
  start_qemu();
  ASSERT_TRUE(run_until(io_, [&] { return result.has_value(); }, 8s));
  EXPECT_TRUE(result->ok()) << result->error().to_string();
}

TEST_F(QmpClientTest, CommandsQueuedBackToBackGetTheirOwnRepliesInOrder) {
  start_and_connect();
  std::vector<std::pair<int, Result<json>>> replies;
  const std::vector<std::string> commands = {"query-status", "query-version", "no-such-command", "query-name",
                                             "query-kvm",    "query-status"};
  for (size_t i = 0; i < commands.size(); ++i) {
    client_->execute(commands[i], nullptr, 5s,
                     [&replies, i](Result<json> r) { replies.emplace_back(static_cast<int>(i), std::move(r)); });
  }
  ASSERT_TRUE(run_until(io_, [&] { return replies.size() == commands.size(); }, 8s));
  for (size_t i = 0; i < replies.size(); ++i) EXPECT_EQ(replies[i].first, static_cast<int>(i));
  EXPECT_TRUE(replies[0].second->contains("status"));
  EXPECT_TRUE(replies[1].second->contains("qemu"));
  EXPECT_FALSE(replies[2].second.ok());
  EXPECT_TRUE(replies[3].second.ok());
  EXPECT_TRUE(replies[4].second->contains("enabled"));
  EXPECT_TRUE(replies[5].second->contains("running"));
}

TEST_F(QmpClientTest, CloseFailsQueuedCommandsAndNoHandlerRunsAfterIt) {
  start_and_connect();
  std::vector<Result<json>> replies;
  for (int i = 0; i < 3; ++i) {
    client_->execute("query-status", nullptr, 5s, [&](Result<json> r) { replies.push_back(std::move(r)); });
  }
  client_->close();
  ASSERT_EQ(replies.size(), 3u);
  for (const auto& reply : replies) {
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().code, Errc::unavailable);
  }
  qemu_->kill();  // a closed handler would fire now if anything were still listening
  run_for(io_, 200ms);
  EXPECT_EQ(replies.size(), 3u);
  EXPECT_FALSE(closed_.has_value());
  EXPECT_TRUE(events_.empty());
}

// A scripted QMP peer: accepts one connection and lets the test write raw bytes and read lines.
class FakeQmp {
 public:
  FakeQmp(asio::io_context& io, const std::string& path) : acceptor_(io, local::endpoint(path)), peer_(io) {
    acceptor_.async_accept(peer_, [this](boost::system::error_code ec) { accepted_ = !ec; });
  }
  bool accepted() const { return accepted_; }
  void send(const std::string& bytes) { asio::write(peer_, asio::buffer(bytes)); }
  // Reads one line the client sent (blocking; the client writes it from the same loop before).
  json receive(asio::io_context& io) {
    std::optional<json> line;
    asio::async_read_until(peer_, asio::dynamic_buffer(in_), '\n', [&](boost::system::error_code ec, size_t n) {
      line = ec ? json() : json::parse(in_.substr(0, n), nullptr, false);
      if (!ec) in_.erase(0, n);
    });
    EXPECT_TRUE(run_until(io, [&] { return line.has_value(); }, 3s));
    return line.value_or(json());
  }

 private:
  local::acceptor acceptor_;
  local::socket peer_;
  std::string in_;
  bool accepted_ = false;
};

TEST_F(QmpClientTest, SplitAndJoinedMessagesAndAnOversizedLine) {
  FakeQmp peer(io_, socket());
  make_client();
  std::optional<Result<void>> connected;
  client_->connect(socket(), 3s, [&](Result<void> r) { connected.emplace(std::move(r)); });
  ASSERT_TRUE(run_until(io_, [&] { return peer.accepted(); }, 3s));
  // The greeting in three pieces.
  std::string greeting = R"({"QMP": {"version": {"qemu": {"micro": 3, "minor": 2, "major": 9}, "package": ""},)";
  peer.send(greeting.substr(0, 10));
  run_for(io_, 30ms);
  peer.send(greeting.substr(10));
  run_for(io_, 30ms);
  peer.send(" \"capabilities\": []}}\r\n");
  json caps = peer.receive(io_);
  EXPECT_EQ(caps["execute"], "qmp_capabilities");
  peer.send("{\"return\": {}, \"id\": " + caps["id"].dump() + "}\r\n");
  ASSERT_TRUE(run_until(io_, [&] { return connected.has_value(); }, 3s));
  ASSERT_TRUE(connected->ok()) << connected->error().to_string();
  EXPECT_EQ(client_->greeting_version(), "9.2.3");

  // Two events and the reply in one write.
  std::optional<Result<json>> reply;
  client_->execute("query-status", nullptr, 3s, [&](Result<json> r) { reply.emplace(std::move(r)); });
  json command = peer.receive(io_);
  EXPECT_EQ(command["execute"], "query-status");
  peer.send(R"({"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}})" "\r\n"
            R"({"event": "RESUME", "data": {"x": 1}})" "\r\n"
            R"({"return": {"status": "running"}, "id": )" + command["id"].dump() + "}\r\n");
  ASSERT_TRUE(run_until(io_, [&] { return reply.has_value(); }, 3s));
  ASSERT_TRUE(reply->ok());
  EXPECT_EQ((**reply)["status"], "running");
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].first, "STOP");
  EXPECT_EQ(events_[0].second, json::object());
  EXPECT_EQ(events_[1].second, json({{"x", 1}}));

  // A reply with somebody else's id is a protocol error.
  std::optional<Result<json>> wrong;
  client_->execute("query-name", nullptr, 3s, [&](Result<json> r) { wrong.emplace(std::move(r)); });
  json named = peer.receive(io_);
  peer.send("{\"return\": {}, \"id\": " + std::to_string(named["id"].get<uint64_t>() + 100) + "}\n");
  ASSERT_TRUE(run_until(io_, [&] { return wrong.has_value() && closed_.has_value(); }, 3s));
  EXPECT_FALSE(wrong->ok());
  EXPECT_NE(closed_->find("reply id"), std::string::npos) << *closed_;
}

TEST_F(QmpClientTest, LineOverOneMebibyteIsAProtocolError) {
  FakeQmp peer(io_, socket());
  make_client();
  std::optional<Result<void>> connected;
  client_->connect(socket(), 3s, [&](Result<void> r) { connected.emplace(std::move(r)); });
  ASSERT_TRUE(run_until(io_, [&] { return peer.accepted(); }, 3s));
  peer.send(R"({"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 8}}, "capabilities": []}})" "\n");
  json caps = peer.receive(io_);
  peer.send("{\"return\": {}, \"id\": " + caps["id"].dump() + "}\n");
  ASSERT_TRUE(run_until(io_, [&] { return connected.has_value(); }, 3s));
  ASSERT_TRUE(connected->ok());

  std::string big = R"({"event": "X", "data": {"pad": ")" + std::string(QmpClient::kMaxMessageBytes, 'a');
  std::thread writer([&] {
    // The client closes before reading it all; the write then fails, which is fine.
    try {
      peer.send(big);
    } catch (const boost::system::system_error&) {
    }
  });
  bool done = run_until(io_, [&] { return closed_.has_value(); }, 5s);
  writer.join();
  ASSERT_TRUE(done);
  EXPECT_NE(closed_->find("over 1048576 bytes"), std::string::npos) << *closed_;
  EXPECT_TRUE(events_.empty());
}

TEST_F(QmpClientTest, SilentPeerFailsTheConnectAtTheTimeout) {
  FakeQmp peer(io_, socket());  // accepts, never greets
  make_client();
  auto start = Clock::now();
  auto result = connect(400ms);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("no QMP greeting"), std::string::npos) << result.error().message;
  EXPECT_GE(Clock::now() - start, 400ms);
  EXPECT_LT(Clock::now() - start, 1400ms);
}

}  // namespace
}  // namespace edgegw::control
