// edgegwctl's human output, asserted exactly.
#include <gtest/gtest.h>

#include "edgegw/cli/format.hpp"

namespace edgegw::cli {
namespace {

using nlohmann::json;

json sample_ports() {
  return json::parse(R"([
    {"name":"uplink","network":"site","state":"up","reason":"","link_up":true,"rx_packets":12,"rx_bytes":1200,
     "tx_packets":10,"tx_bytes":980,"drops_total":0},
    {"name":"lan2","network":"","state":"down","reason":"device probe failed: No such device","link_up":false,
     "rx_packets":0,"rx_bytes":0,"tx_packets":0,"tx_bytes":0,"drops_total":3}
  ])");
}

TEST(Format, TableAlignsTextLeftAndNumbersRight) {
  std::string t = format_table({"NAME", "N"}, {{"a", "1"}, {"longer", "100"}}, {false, true});
  EXPECT_EQ(t,
            "NAME      N\n"
            "a         1\n"
            "longer  100\n");
}

TEST(Format, Ports) {
  EXPECT_EQ(format_ports(sample_ports()),
            "PORT    NETWORK  STATE                                       LINK  RX-PKTS  RX-BYTES  TX-PKTS  TX-BYTES  DROPS\n"
            "uplink  site     up                                          up         12      1200       10       980      0\n"
            "lan2    -        down (device probe failed: No such device)  down        0         0        0         0      3\n");
}

TEST(Format, Durations) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(65), "1m 5s");
  EXPECT_EQ(format_duration(3600), "1h 0m 0s");
  EXPECT_EQ(format_duration(2 * 86400 + 3 * 3600 + 4 * 60 + 5), "2d 3h 4m 5s");
  EXPECT_EQ(format_duration(-5), "0s");
}

TEST(Format, Times) {
  EXPECT_EQ(format_time_ms(0), "-");
  EXPECT_EQ(format_time_ms(1795430400000), "2026-11-23T10:40:00Z");
}

TEST(Format, Status) {
  json s = {{"version", "0.1.0"},
            {"node_id", "edge-1"},
            {"board", "generic-x86_64"},
            {"uptime_s", 65},
            {"config", {{"version", 3}, {"source", "cli"}, {"applied_at_ms", 1795430400000}, {"hash", "0123456789abcdef"}}},
            {"dataplane", {{"worker_lcores", 1}, {"generation", 4}}},
            {"ports", json::array()}};
  EXPECT_EQ(format_status(s),
            "edgegw 0.1.0  node edge-1  board generic-x86_64  up 1m 5s\n"
            "config 3 from cli, applied 2026-11-23T10:40:00Z, sha256 0123456789ab\n"
            "dataplane 1 worker lcore(s), tables generation 4\n"
            "\n"
            "PORT  NETWORK  STATE  LINK  RX-PKTS  RX-BYTES  TX-PKTS  TX-BYTES  DROPS\n");
}

TEST(Format, StatusWithoutConfig) {
  json s = {{"version", "0.1.0"}, {"node_id", "n"}, {"board", "b"}, {"uptime_s", 1}, {"config", nullptr}};
  EXPECT_NE(format_status(s).find("config none applied\n"), std::string::npos);
}

TEST(Format, History) {
  json h = json::parse(R"([
    {"version":2,"status":"failed","source":"cli","actor":"ctl:uid0","created_at_ms":1795430400000,
     "applied_at_ms":0,"hash":"aaaaaaaaaaaaaaaa","error":"injected failure"},
    {"version":1,"status":"applied","source":"default","actor":"","created_at_ms":1795430400000,
     "applied_at_ms":1795430401000,"hash":"bbbbbbbbbbbbbbbb","error":""}
  ])");
  EXPECT_EQ(format_history(h),
            "VERSION  STATUS   SOURCE   ACTOR     CREATED               APPLIED               SHA256        ERROR\n"
            "      2  failed   cli      ctl:uid0  2026-11-23T10:40:00Z  -                     aaaaaaaaaaaa  injected failure\n"
            "      1  applied  default  -         2026-11-23T10:40:00Z  2026-11-23T10:40:01Z  bbbbbbbbbbbb  -\n");
}

TEST(Format, ValidationErrorListsEveryPointer) {
  json e = {{"code", "validation"},
            {"message", "unknown port 'wan'"},
            {"pointer", "/networks/0/ports/1"},
            {"issues", {{{"pointer", "/networks/0/ports/1"}, {"message", "unknown port 'wan'"}},
                        {{"pointer", ""}, {"message", "document too large"}}}}};
  EXPECT_EQ(format_error(e),
            "error: config rejected, 2 problems:\n"
            "  /networks/0/ports/1: unknown port 'wan'\n"
            "  (document): document too large\n");
}

TEST(Format, PlainError) {
  json e = {{"code", "stale_version"}, {"message", "version 1 is not greater than the newest stored version 3"},
            {"pointer", "/version"}};
  EXPECT_EQ(format_error(e), "error: /version: version 1 is not greater than the newest stored version 3\n");
  EXPECT_EQ(format_error(json{{"code", "not_found"}, {"message", "no version 9"}}), "error: no version 9\n");
}

TEST(Format, ToleratesMissingAndMistypedFields) {
  EXPECT_NO_THROW(format_status(json::object()));
  EXPECT_NO_THROW(format_status(json::array()));
  EXPECT_NO_THROW(format_ports(json{{{"name", 5}, {"rx_packets", "x"}}}));
  EXPECT_NO_THROW(format_history(json("nope")));
}

}  // namespace
}  // namespace edgegw::cli
