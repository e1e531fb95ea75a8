// Slices through the running gateway, hosts in network namespaces: a bulk UDP flow overloads a
// shaped port three times over while a DSCP-46 probe of the urllc slice crosses it. With slices the
// probe loses nothing and stays fast; with the same shaper and no slices (one queue) it does not;
// reconfiguring the slices under that load loses no probe; a slice's policer holds it to its rate;
// VXLAN frames are classified by their VNI.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <functional>
#include <iostream>
#include <thread>

#include "harness/daemon.hpp"
#include "harness/netns.hpp"
#include "harness/process.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

constexpr int kShaperMbit = 20;
constexpr int kBulkMbit = 3 * kShaperMbit;  // 3x overload of the shaped port

// The bridge a -> b with `b`'s port shaped to kShaperMbit, and `slices` (JSON array text, "" = none).
std::string shaped_config(uint64_t version, const NetnsHost& a, const NetnsHost& b, const std::string& slices) {
  json doc = json::parse(bridge_config(version, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  doc["ports"][1]["shaper"] = {{"rate_kbit", kShaperMbit * 1000}, {"overhead_bytes", 0}};
  if (!slices.empty()) doc["slices"] = json::parse(slices);
  return doc.dump(2);
}

std::string two_slices(int bulk_weight = 1, int bulk_queue = 512) {
  return R"([{"name": "control", "class": "urllc", "guaranteed_kbit": 2000, "latency_budget_us": 2000,
               "match": [{"dscp": [46]}]},
              {"name": "bulk", "class": "embb", "weight": )" +
         std::to_string(bulk_weight) + R"(, "queue": {"packets": )" + std::to_string(bulk_queue) +
         R"(, "drop": "tail"}, "default": true}])";
}

// While it lives, this thread and what it starts (edgegwctl, threads) stay on CPU 0, off the
// worker's CPU: a polling worker shares its CPU with nothing. Restores the mask it found.
class StayOffTheWorkersCpu {
 public:
  StayOffTheWorkersCpu() {
    ok_ = sched_getaffinity(0, sizeof saved_, &saved_) == 0;
    cpu_set_t zero;
    CPU_ZERO(&zero);
    CPU_SET(0, &zero);
    if (ok_) sched_setaffinity(0, sizeof zero, &zero);
  }
  ~StayOffTheWorkersCpu() {
    if (ok_) sched_setaffinity(0, sizeof saved_, &saved_);
  }
  StayOffTheWorkersCpu(const StayOffTheWorkersCpu&) = delete;
  StayOffTheWorkersCpu& operator=(const StayOffTheWorkersCpu&) = delete;

 private:
  cpu_set_t saved_{};
  bool ok_ = false;
};

// One run of the probe (DSCP 46, 500/s) beside a 3x bulk overload (DSCP 0), from a to b; returns the
// probe receiver's JSON and fills `sink` with the bulk receiver's. `during` runs while both flow.
json probe_under_load(const NetnsHost& a, const NetnsHost& b, const std::string& dir, json* sink,
                      const std::function<void()>& during = {}) {
  StayOffTheWorkersCpu off_the_worker;
  const std::string probe = UDP_PROBE_BIN;
  // The tools run on CPU 0; the gateway's worker has CPU 1 (see pin_worker): a latency slice keeps
  // the worker polling, and a tool sharing its CPU would be delayed by whole time slices.
  Process probe_rx, bulk_rx, bulk_tx;
  EXPECT_TRUE(probe_rx.start({"/usr/bin/taskset", "-c", "0", "/usr/bin/ip", "netns", "exec", b.ns(), probe, "recv", "--listen", b.ip() + ":7000",
                              "--seconds", "12", "--json", dir + "/probe.json"},
                             dir + "/probe_rx.log"));
  EXPECT_TRUE(bulk_rx.start({"/usr/bin/taskset", "-c", "0", "/usr/bin/ip", "netns", "exec", b.ns(), probe, "sink", "--listen", b.ip() + ":9000",
                             "--seconds", "9", "--json", dir + "/sink.json"},
                            dir + "/bulk_rx.log"));
  usleep(300000);
  EXPECT_TRUE(bulk_tx.start({"/usr/bin/taskset", "-c", "0", "/usr/bin/ip", "netns", "exec", a.ns(), probe, "blast", "--to", b.ip() + ":9000",
                             "--mbit", std::to_string(kBulkMbit), "--seconds", "6", "--size", "1400"},
                            dir + "/bulk_tx.log"));
  usleep(500000);  // the shaped queue fills first
  std::thread during_thread;
  if (during) during_thread = std::thread(during);
  const std::string sent = a.exec("taskset -c 0 " + probe + " send --to " + b.ip() + ":7000 --pps 500 --seconds 4 --size 64 --dscp 46");
  if (during_thread.joinable()) during_thread.join();
  EXPECT_EQ(bulk_tx.wait_exit(std::chrono::seconds(20)), 0);
  EXPECT_EQ(probe_rx.wait_exit(std::chrono::seconds(20)), 0) << sh("cat " + dir + "/probe_rx.log").out;
  EXPECT_EQ(bulk_rx.wait_exit(std::chrono::seconds(20)), 0);
  *sink = json::parse(sh("cat " + dir + "/sink.json").out, nullptr, false);
  return json::parse(sh("cat " + dir + "/probe.json").out, nullptr, false);
}

// A probe run's p99 one-way latency in us; infinite when nothing arrived.
double p99_us(const json& run) {
  const json& lat = run[run.value("headline", "app")];
  return lat.is_object() && lat["p99_us"].is_number() ? lat["p99_us"].get<double>() : 1e12;
}

// The data-plane worker on CPU 1 alone, the control plane (and the test's tools) on CPU 0.
void pin_worker(GatewayDaemon& gw) { gw.set_dataplane_option("lcores", "0@0,1@1"); }


class Slicing : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, DPDK)";
  }
  void TearDown() override {
    if (::geteuid() == 0) expect_no_leftovers();
  }
};

TEST_F(Slicing, UrllcProbeStaysFastWhileBulkOverloadsAShapedPort) {
  NetnsHost a("a", "10.203.0.1/24"), b("b", "10.203.0.2/24");
  a.add_static_neighbor(b);
  b.add_static_neighbor(a);
  GatewayDaemon gw;
  pin_worker(gw);
  gw.write_desired(shaped_config(2, a, b, ""));  // above the built-in default's version 1
  ASSERT_TRUE(gw.start()) << gw.log();
  ASSERT_EQ(gw.status()["config"]["version"], 2);

  // One queue (no slices): the probe waits behind the bulk backlog and shares its tail drops.
  json sink;
  const json unsliced = probe_under_load(a, b, gw.dir(), &sink);
  ASSERT_TRUE(unsliced.is_object()) << unsliced.dump();

  ASSERT_EQ(gw.edgegwctl({"config", "apply", "-"}, shaped_config(3, a, b, two_slices())).exit_code, 0) << gw.log();
  const json sliced = probe_under_load(a, b, gw.dir(), &sink);
  ASSERT_TRUE(sliced.is_object()) << sliced.dump();
  EXPECT_EQ(sliced["lost"], 0) << sliced.dump();
  EXPECT_EQ(sliced["received"], sliced["expected"]) << sliced.dump();
  EXPECT_GE(sliced.value("expected", 0), 1900);
  // The median and p90 are the slices' doing. The far tail is decided by whoever takes the worker's
  // CPU: on this shared 2-vCPU VM the host stops it for 10-100 ms a few times a minute (the gateway
  // counts those as long loops), so the p99 must beat one queue by far unless such a stop explains it.
  const json& lat = sliced[sliced.value("headline", "app")];
  EXPECT_LT(lat.value("p50_us", 1e12), 1000.0) << sliced.dump();
  const json& one_queue = unsliced[unsliced.value("headline", "app")];
  EXPECT_LT(lat.value("p90_us", 1e12) * 10, one_queue.value("p90_us", 0.0))
      << "slices must beat one shared queue by far: sliced " << sliced.dump() << " unsliced " << unsliced.dump();
  const double longest_stop_us = gw.status()["dataplane"].value("longest_loop_ms", 0.0) * 1000;
  EXPECT_TRUE(p99_us(sliced) * 10 < p99_us(unsliced) || p99_us(sliced) < longest_stop_us + 2000)
      << "p99 " << p99_us(sliced) << " us, one queue's " << p99_us(unsliced) << " us, the worker's longest stop "
      << longest_stop_us << " us: " << sliced.dump();
  std::cout << "probe p99 " << p99_us(sliced) << " us with slices, " << p99_us(unsliced) << " us in one queue ("
            << unsliced.value("lost", 0) << " of " << unsliced.value("expected", 0) << " lost)\n"
            << "one queue: " << unsliced.dump() << "\n";
  // The bulk flow still fills the port, and never beyond the shaper (1442-byte frames; some slack
  // for the measurement window).
  const double bulk_mbit = sink.value("mbit_l2", 0.0);
  EXPECT_GT(bulk_mbit, kShaperMbit * 0.75) << sink.dump();
  EXPECT_LT(bulk_mbit, kShaperMbit * 1.03) << sink.dump();

  // What the gateway measured: the control slice queued briefly and lost nothing; bulk tail-dropped.
  const json slices = gw.ctl({{"cmd", "slice.list"}})["result"];
  ASSERT_EQ(slices.size(), 2u) << slices.dump();
  const json& control = slices[0];
  const json& bulk = slices[1];
  EXPECT_EQ(control["name"], "control");
  ASSERT_EQ(control["queues"].size(), 1u);
  EXPECT_EQ(control["queues"][0]["port"], "pb");
  EXPECT_EQ(control["queues"][0]["drops"]["queue_full"], 0);
  // The promise is about p99: a rare frame may wait longer on a shared 2-core machine.
  EXPECT_LE(control["queues"][0]["over_budget"].get<int64_t>() * 100, control["packets"].get<int64_t>())
      << control.dump();
  EXPECT_LT(control["queues"][0]["sojourn"]["p99_us"].get<double>(), 2000.0) << control.dump();
  EXPECT_GT(bulk["queues"][0]["drops"]["queue_full"].get<int64_t>(), 0) << bulk.dump();
  const CommandResult table = gw.edgegwctl({"slice", "stats"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("control"), std::string::npos) << table.out;
  EXPECT_EQ(gw.stop(), 0) << gw.log();
}

TEST_F(Slicing, ReconfiguringSlicesUnderLoadLosesNoUrllcPacket) {
  NetnsHost a("a", "10.203.1.1/24"), b("b", "10.203.1.2/24");
  a.add_static_neighbor(b);
  b.add_static_neighbor(a);
  GatewayDaemon gw;
  pin_worker(gw);
  gw.write_desired(shaped_config(2, a, b, two_slices()));
  ASSERT_TRUE(gw.start()) << gw.log();
  json sink;
  int applied = 0;
  const json probe = probe_under_load(a, b, gw.dir(), &sink, [&] {
    // A new weight and queue (a new slicing state: queued frames move over), then a third slice.
    for (int v = 3; v <= 5; ++v) {
      usleep(700000);
      std::string slices = two_slices(v, 256 + v * 64);
      if (v == 5) {
        slices.insert(1, R"({"name": "iot", "class": "mmtc", "match": [{"protocol": "tcp", "dst_ports": "8883"}]}, )");
      }
      if (gw.edgegwctl({"config", "apply", "-"}, shaped_config(v, a, b, slices)).exit_code == 0) ++applied;
    }
  });
  EXPECT_EQ(applied, 3) << gw.log();
  ASSERT_TRUE(probe.is_object());
  EXPECT_EQ(probe["lost"], 0) << probe.dump() << "\nport pa: " << gw.port("pa").dump() << "\n" << gw.log();
  EXPECT_EQ(probe["received"], probe["expected"]) << probe.dump();
  const json slices = gw.ctl({{"cmd", "slice.list"}})["result"];
  ASSERT_EQ(slices.size(), 3u) << slices.dump();
  // The control slice's counters carried across the changes: every probe was counted once.
  EXPECT_GE(slices[1]["packets"].get<int64_t>(), probe["expected"].get<int64_t>()) << slices.dump();
  EXPECT_EQ(gw.stop(), 0) << gw.log();
}

TEST_F(Slicing, PolicerHoldsASliceToItsRateAtIngress) {
  NetnsHost a("a", "10.203.2.1/24"), b("b", "10.203.2.2/24");
  a.add_static_neighbor(b);
  b.add_static_neighbor(a);
  GatewayDaemon gw;
  json doc = json::parse(bridge_config(2, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  doc["slices"] = json::parse(R"([
    {"name": "metered", "match": [{"protocol": "udp", "dst_ports": "9000"}], "remark": {"dscp": 10},
     "police": {"mode": "srtcm", "cir_kbit": 5000, "cbs_bytes": 16384, "ebs_bytes": 0}},
    {"name": "rest", "default": true}])");
  gw.write_desired(doc.dump(2));
  ASSERT_TRUE(gw.start()) << gw.log();
  const std::string probe = UDP_PROBE_BIN;
  Process bulk_rx;
  ASSERT_TRUE(bulk_rx.start({"/usr/bin/ip", "netns", "exec", b.ns(), probe, "sink", "--listen", b.ip() + ":9000",
                             "--seconds", "6", "--json", gw.dir() + "/sink.json"},
                            gw.dir() + "/sink.log"));
  usleep(300000);
  a.exec(probe + " blast --to " + b.ip() + ":9000 --mbit 20 --seconds 4 --size 1000");
  EXPECT_EQ(bulk_rx.wait_exit(std::chrono::seconds(20)), 0);
  const json sink = json::parse(sh("cat " + gw.dir() + "/sink.json").out, nullptr, false);
  ASSERT_TRUE(sink.is_object());
  // 5 Mbit/s committed (IP + UDP + Ethernet bytes), within the meter's burst and the window's slack.
  EXPECT_GT(sink["mbit_l2"].get<double>(), 4.0) << sink.dump();
  EXPECT_LT(sink["mbit_l2"].get<double>(), 6.0) << sink.dump();
  const json metered = gw.ctl({{"cmd", "slice.show"}, {"name", "metered"}})["result"];
  EXPECT_GT(metered["colors"]["red"].get<int64_t>(), 0) << metered.dump();
  EXPECT_EQ(metered["colors"]["red"], metered["policed"]);
  EXPECT_EQ(metered["colors"]["yellow"], 0) << "ebs 0: nothing is yellow";
  EXPECT_EQ(metered["remarked"], metered["colors"]["green"]) << "every passed frame gets DSCP 10";
  EXPECT_EQ(gw.port("pa")["drops"]["policed"], metered["policed"]);
  EXPECT_EQ(gw.stop(), 0) << gw.log();
}

// VXLAN frames crossing the gateway (UDP to 4789) are classified by the VNI inside: 100 datagrams of
// VNI 150 land in the slice matching 100-199, and 50 of VNI 250 (and b's answers) in the default.
TEST_F(Slicing, VxlanFramesAreClassifiedByTheirVni) {
  NetnsHost a("a", "10.203.3.1/24"), b("b", "10.203.3.2/24");
  a.add_static_neighbor(b);
  b.add_static_neighbor(a);
  GatewayDaemon gw;
  json doc = json::parse(bridge_config(2, {{"pa", a.gateway_iface()}, {"pb", b.gateway_iface()}}));
  doc["slices"] = json::parse(R"([{"name": "tenant", "match": [{"vni": "100-199"}]},
                                   {"name": "rest", "default": true}])");
  gw.write_desired(doc.dump(2));
  ASSERT_TRUE(gw.start()) << gw.log();
  // RFC 7348 header: flags 0x08 (VNI valid), 24 reserved bits, the VNI, 8 reserved bits; then an
  // inner Ethernet frame.
  const std::string send =
      "/usr/bin/python3 -c \"import socket, time\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
      "inner = bytes.fromhex('02000000001e02000000001f88b5') + bytes(46)\n"
      "for vni, n in ((150, 100), (250, 50)):\n"
      "    for _ in range(n):\n"
      "        s.sendto(bytes([8, 0, 0, 0]) + vni.to_bytes(3, 'big') + bytes(1) + inner, ('" +
      b.ip() + "', 4789))\n"
      "        time.sleep(0.001)\n\"";
  int exit_code = -1;
  const std::string out = a.exec(send, &exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  json tenant, rest;
  bool counted = false;
  for (int i = 0; i < 50 && !counted; ++i) {  // the counters are read while the worker may still be at it
    tenant = gw.ctl({{"cmd", "slice.show"}, {"name", "tenant"}})["result"];
    rest = gw.ctl({{"cmd", "slice.show"}, {"name", "rest"}})["result"];
    counted = tenant.value("packets", 0) >= 100 && rest.value("packets", 0) >= 50;
    if (!counted) usleep(100000);
  }
  EXPECT_TRUE(counted) << tenant.dump() << rest.dump();
  EXPECT_EQ(tenant["packets"], 100) << "exactly the VNI 150 datagrams: " << tenant.dump();
  EXPECT_GE(rest["packets"].get<int64_t>(), 50) << rest.dump();
  EXPECT_EQ(gw.stop(), 0) << gw.log();
}

}  // namespace
}  // namespace edgegw::test
