// capture.* ctl commands on a recording data-plane double: arguments become the CaptureRequest the
// data plane gets, wrong ones are refused naming their field, the data plane's refusals come back
// with its pointer, and other commands are not taken.
#include <gtest/gtest.h>

#include "dataplane_doubles.hpp"
#include "edgegw/control/capture_commands.hpp"

namespace edgegw::control {
namespace {

using nlohmann::json;

class RecordingDataplane : public test::NullDataplane {
 public:
  Result<uint32_t> capture_start(const dataplane::CaptureRequest& request) override {
    last = request;
    ++starts;
    if (request.filter == "bad") return make_error(Errc::invalid_argument, "syntax error", "/filter");
    return 7u;
  }
  Result<dataplane::CaptureState> capture_poll(uint32_t id) override {
    if (id != 7) return make_error(Errc::not_found, "no capture", "/id");
    dataplane::CaptureState s;
    s.id = id;
    s.written = 3;
    s.dropped = 1;
    s.done = true;
    s.end_reason = "count";
    return s;
  }

  dataplane::CaptureRequest last;
  int starts = 0;
};

TEST(CaptureCommands, StartPassesEveryArgument) {
  RecordingDataplane dp;
  json req = {{"cmd", "capture.start"}, {"port", "lan0"},     {"path", "/tmp/x.pcapng"}, {"count", 10},
              {"filter", "icmp"},       {"snaplen", 64},      {"duration_s", 5},         {"direction", "tx"}};
  auto reply = handle_capture_command("capture.start", req, dp);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ((*reply)["ok"], true) << reply->dump();
  EXPECT_EQ((*reply)["result"]["id"], 7);
  EXPECT_EQ(dp.last.port, "lan0");
  EXPECT_EQ(dp.last.path, "/tmp/x.pcapng");
  EXPECT_EQ(dp.last.max_packets, 10u);
  EXPECT_EQ(dp.last.filter, "icmp");
  EXPECT_EQ(dp.last.snaplen, 64u);
  EXPECT_EQ(dp.last.duration_s, 5u);
  EXPECT_EQ(dp.last.direction, dataplane::CaptureDirection::tx);

  reply = handle_capture_command("capture.start", {{"port", "lan0"}, {"path", "/tmp/y"}}, dp);
  EXPECT_EQ((*reply)["ok"], true);
  EXPECT_EQ(dp.last.direction, dataplane::CaptureDirection::both) << "default";
  EXPECT_EQ(dp.last.max_packets, 0u);
}

TEST(CaptureCommands, BadArgumentsNameTheirField) {
  RecordingDataplane dp;
  const json base = {{"port", "lan0"}, {"path", "/tmp/x.pcapng"}};
  auto pointer_for = [&](const json& changes) {
    json req = base;
    req.merge_patch(changes);
    auto reply = handle_capture_command("capture.start", req, dp);
    EXPECT_EQ((*reply)["ok"], false);
    return (*reply)["error"]["pointer"].get<std::string>();
  };
  EXPECT_EQ(pointer_for({{"port", 3}}), "/port");
  EXPECT_EQ(pointer_for({{"path", "relative.pcapng"}}), "/path");
  EXPECT_EQ(pointer_for({{"count", -1}}), "/count");
  EXPECT_EQ(pointer_for({{"snaplen", 300000}}), "/snaplen");
  EXPECT_EQ(pointer_for({{"duration_s", "5"}}), "/duration_s");
  EXPECT_EQ(pointer_for({{"direction", "up"}}), "/direction");
  EXPECT_EQ(pointer_for({{"filter", "bad"}}), "/filter") << "the data plane's pointer is passed on";
  EXPECT_EQ(dp.starts, 1) << "only the well-formed request reached the data plane";

  auto status = handle_capture_command("capture.status", {{"id", "7"}}, dp);
  EXPECT_EQ((*status)["error"]["pointer"], "/id");
  status = handle_capture_command("capture.status", {{"id", 8}}, dp);
  EXPECT_EQ((*status)["error"]["code"], "not_found");
}

TEST(CaptureCommands, StatusReportsTheStateAndOtherCommandsAreNotTaken) {
  RecordingDataplane dp;
  auto status = handle_capture_command("capture.status", {{"id", 7}}, dp);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ((*status)["result"]["written"], 3);
  EXPECT_EQ((*status)["result"]["dropped"], 1);
  EXPECT_EQ((*status)["result"]["done"], true);
  EXPECT_EQ((*status)["result"]["end_reason"], "count");
  auto stop = handle_capture_command("capture.stop", {{"id", 7}}, dp);
  EXPECT_EQ((*stop)["error"]["code"], "unavailable") << "the interface's default";
  EXPECT_FALSE(handle_capture_command("status", {}, dp).has_value());
}

}  // namespace
}  // namespace edgegw::control
