// edgegwctl against a live daemon: every command, both output modes, and the exit codes scripts
// rely on (0 ok, 1 failed, 2 usage, 3 unreachable, 4 rejected, 5 diff differs).
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/daemon.hpp"
#include "harness/netns.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (DPDK)";
  }
};

TEST_F(Cli, CommandsOutputsAndExitCodes) {
  GatewayDaemon gw;
  ASSERT_TRUE(gw.start()) << gw.log();

  CommandResult status = gw.edgegwctl({"status"});
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_EQ(status.out.rfind("edgegw 0.1.0  node it-node", 0), 0u) << status.out;
  EXPECT_NE(status.out.find("config 1 from default"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("PORT"), std::string::npos);

  CommandResult status_json = gw.edgegwctl({"--json", "status"});
  EXPECT_EQ(status_json.exit_code, 0);
  EXPECT_EQ(json::parse(status_json.out)["config"]["version"], 1);

  // An invalid document: exit 4, every problem with its JSON pointer, nothing applied.
  std::string bad = R"({"version": 5, "ports": [{"name": "p", "kind": "af_packet", "iface": "x", "mtu": 70000}],
                        "networks": [{"name": "n", "mode": "bridge", "ports": ["p", "wan"]}]})";
  CommandResult rejected = gw.edgegwctl({"config", "apply", "-"}, bad);
  EXPECT_EQ(rejected.exit_code, 4) << rejected.out;
  EXPECT_NE(rejected.out.find("/ports/0/mtu"), std::string::npos) << rejected.out;
  EXPECT_NE(rejected.out.find("/networks/0/ports/1"), std::string::npos) << rejected.out;
  EXPECT_EQ(gw.status()["config"]["version"], 1);

  // A stale version: exit 4 with /version.
  CommandResult stale = gw.edgegwctl({"config", "apply", "-"}, bridge_config(1, {{"p", "x0"}}));
  EXPECT_EQ(stale.exit_code, 4);
  EXPECT_NE(stale.out.find("/version"), std::string::npos) << stale.out;

  // diff: 5 when it differs, 0 when not.
  std::string next = bridge_config(2, {{"p", run_tag() + "x0"}});
  CommandResult diff = gw.edgegwctl({"config", "diff", "-"}, next);
  EXPECT_EQ(diff.exit_code, 5) << diff.out;
  EXPECT_NE(diff.out.find("--- active (version 1)"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("+  \"version\": 2"), std::string::npos) << diff.out;

  CommandResult applied = gw.edgegwctl({"config", "apply", "-"}, next);
  EXPECT_EQ(applied.exit_code, 0) << applied.out;
  CommandResult same = gw.edgegwctl({"config", "diff", "-"}, bridge_config(3, {{"p", run_tag() + "x0"}}));
  EXPECT_EQ(same.exit_code, 5);  // only the version differs
  EXPECT_NE(same.out.find("-  \"version\": 2"), std::string::npos) << same.out;

  CommandResult show = gw.edgegwctl({"config", "show"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_EQ(json::parse(show.out)["version"], 2);

  // Rollback to 1 makes version 3 with version 1's content.
  CommandResult rollback = gw.edgegwctl({"config", "rollback", "1"});
  EXPECT_EQ(rollback.exit_code, 0) << rollback.out;
  json s = gw.status();
  EXPECT_EQ(s["config"]["version"], 3);
  EXPECT_EQ(s["ports"][0]["name"], "uplink");
  CommandResult missing = gw.edgegwctl({"config", "rollback", "99"});
  EXPECT_EQ(missing.exit_code, 1) << missing.out;

  CommandResult history = gw.edgegwctl({"config", "history"});
  EXPECT_EQ(history.exit_code, 0);
  EXPECT_NE(history.out.find("VERSION  STATUS"), std::string::npos) << history.out;
  json hist = json::parse(gw.edgegwctl({"--json", "config", "history"}).out);
  ASSERT_EQ(hist.size(), 3u) << hist.dump();
  EXPECT_EQ(hist[0]["version"], 3);
  EXPECT_EQ(hist[0]["status"], "applied");
  EXPECT_EQ(hist[1]["status"], "superseded");

  CommandResult audit = gw.edgegwctl({"--json", "audit", "list"});
  EXPECT_EQ(audit.exit_code, 0);
  EXPECT_NE(audit.out.find("config.rollback"), std::string::npos) << audit.out;

  CommandResult ports = gw.edgegwctl({"--json", "port", "list"});
  EXPECT_EQ(ports.exit_code, 0);
  EXPECT_TRUE(json::parse(ports.out).is_array());

  EXPECT_EQ(gw.edgegwctl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(gw.edgegwctl({"config", "rollback", "abc"}).exit_code, 2);
  EXPECT_EQ(run({EDGEGWCTL_BIN, "--socket", "/nonexistent.sock", "status"}).exit_code, 3);

  // Malformed requests on the socket are answered, counted, and change nothing.
  json bad_req = gw.ctl({{"cmd", 42}});
  EXPECT_FALSE(bad_req["ok"]);
  EXPECT_EQ(bad_req["error"]["pointer"], "/cmd");
  json bad_doc = gw.ctl({{"cmd", "config.apply"}, {"document", 5}});
  EXPECT_EQ(bad_doc["error"]["pointer"], "/document");
  EXPECT_GE(gw.status()["counters"]["ctl.bad_request"].get<int>(), 2);
  EXPECT_EQ(gw.status()["config"]["version"], 3);
  EXPECT_EQ(gw.stop(), 0);
}

TEST_F(Cli, SecurityGroupListAndShow) {
  GatewayDaemon gw;
  ASSERT_TRUE(gw.start()) << gw.log();
  json doc = json::parse(bridge_config(2, {{"p", run_tag() + "x0"}}));
  doc["ports"][0]["security_groups"] = {"web"};
  doc["security_groups"] = json::array(
      {{{"name", "web"},
        {"rules", json::array({{{"direction", "ingress"}, {"action", "allow"}, {"protocol", "tcp"}, {"ports", "80"}},
                               {{"direction", "egress"}, {"action", "deny"}, {"remote", "10.0.0.0/8"}}})}}});
  CommandResult applied = gw.edgegwctl({"config", "apply", "-"}, doc.dump());
  ASSERT_EQ(applied.exit_code, 0) << applied.out;

  CommandResult list = gw.edgegwctl({"security-group", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out, "SECURITY GROUP  RULES  PORTS  MATCHED\nweb                 2  p            0\n") << list.out;
  CommandResult show = gw.edgegwctl({"security-group", "show", "web"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("1  ingress    allow   tcp       0.0.0.0/0   80"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("2  egress     deny    any       10.0.0.0/8  -"), std::string::npos) << show.out;
  const json shown = json::parse(gw.edgegwctl({"--json", "security-group", "show", "web"}).out);
  EXPECT_EQ(shown["rules"][1]["packets"], 0);
  EXPECT_EQ(shown["policies"][0]["ports"], json({"p"}));
  EXPECT_EQ(gw.edgegwctl({"security-group", "show", "db"}).exit_code, 1);
  EXPECT_EQ(gw.edgegwctl({"security-group", "frob"}).exit_code, 2);
  const json security = gw.status()["dataplane"]["security"];
  EXPECT_EQ(security["conntrack_capacity"], 65536);
  EXPECT_EQ(security["classifier_rules"], 2);
  EXPECT_EQ(gw.stop(), 0);
}

}  // namespace
}  // namespace edgegw::test
