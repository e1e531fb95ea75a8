// ControlApi's port and network views (port.list, port.show, network.list, network.show) and the
// data plane's cost figures in status, over a data plane double whose state the test sets: the
// replies join the live state with the active config (kinds, roles, tags, host addresses).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "apply_test_support.hpp"
#include "edgegw/control/control_api.hpp"
#include "edgegw/control/ra_service.hpp"

namespace edgegw::control {
namespace {

using nlohmann::json;

// Takes any spec and reports ports and networks as the test sets them.
class FakeDataplane : public dataplane::Dataplane {
 public:
  Result<void> apply(const dataplane::SwitchSpec& spec) override {
    spec_ = spec;
    return {};
  }
  bool reclaim() override { return false; }
  std::vector<dataplane::PortStatus> ports() const override { return ports_; }
  std::vector<dataplane::NetworkStatus> networks() const override { return networks_; }
  std::vector<dataplane::FdbEntryStatus> fdb(const std::string& network) const override {
    return network == "site" ? fdb_ : std::vector<dataplane::FdbEntryStatus>{};
  }
  dataplane::DataplaneStatus status() const override { return status_; }
  dataplane::SecurityStatus security() const override { return security_; }
  void stop() override {}

  dataplane::SwitchSpec spec_;
  std::vector<dataplane::PortStatus> ports_;
  std::vector<dataplane::NetworkStatus> networks_;
  std::vector<dataplane::FdbEntryStatus> fdb_;
  dataplane::DataplaneStatus status_;
  dataplane::SecurityStatus security_;
};

const char* kConfig = R"({
  "version": 7,
  "ports": [
    {"name": "uplink", "kind": "af_packet", "iface": "egw-up", "mac_limit": 100},
    {"name": "vm1", "kind": "vhost", "queues": 2},
    {"name": "host", "kind": "host", "iface": "egwt-none0", "address": "192.168.50.1/24"}
  ],
  "networks": [
    {"name": "site", "mode": "bridge", "ports": ["uplink", "host", {"port": "vm1", "vlan": 10}],
     "static_macs": [{"mac": "02:00:00:00:00:01", "port": "uplink"}], "subnet": "192.168.50.0/24"},
    {"name": "v20", "mode": "bridge", "ports": [{"port": "uplink", "vlan": 20, "outer_vlan": 200}]}
  ]
})";

class ControlApiViews : public testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::open(dir_.file("edgegw.db"));
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(store.value());
    bootstrap_.run_dir = "/tmp/egw-views";
    apply_ = std::make_unique<ApplyService>(*store_, dp_, SwitchCompileOptions{bootstrap_.run_dir + "/vhost"});
    api_ = std::make_unique<ControlApi>(bootstrap_, *store_, *apply_, dp_);

    dataplane::PortStatus uplink;
    uplink.name = "uplink";
    uplink.devargs = "net_af_packet_uplink,iface=egw-up";
    uplink.network = "site";
    uplink.networks = {"site", "v20"};
    uplink.queues = 1;
    uplink.macs_learned = 2;
    uplink.port_id = 0;
    uplink.up = true;
    uplink.link_up = true;
    uplink.link_speed_mbps = 10000;
    uplink.mac = "02:00:00:00:00:aa";
    uplink.mtu = 1500;
    uplink.counters.rx_packets = 12;
    uplink.counters.drops[static_cast<unsigned>(dataplane::DropReason::unknown_vlan)] = 3;
    dataplane::PortStatus vm1;
    vm1.name = "vm1";
    vm1.devargs = "net_vhost_vm1,iface=/tmp/egw-views/vhost/vm1.sock,queues=2";
    vm1.reason = "waiting for a guest";
    dataplane::PortStatus host;
    host.name = "host";
    host.up = true;
    dp_.ports_ = {uplink, vm1, host};
    dp_.networks_ = {{"site", {"uplink", "host"}, 2, 4096}, {"v20", {"uplink"}, 0, 4096}};
    dp_.fdb_ = {{"02:00:00:00:00:01", "uplink", 0, 0, true, 0}, {"02:00:00:00:00:77", "vm1", 10, 0, false, 42}};

    ApplyResult r = apply_->apply(kConfig, ConfigSource::cli, "tester");
    ASSERT_TRUE(r.ok) << r.error.message;
  }

  json call(const json& request) { return api_->handle(request, ConfigSource::cli, "tester"); }

  test::TempDir dir_;
  std::unique_ptr<Store> store_;
  FakeDataplane dp_;
  Bootstrap bootstrap_;
  std::unique_ptr<ApplyService> apply_;
  std::unique_ptr<ControlApi> api_;
};

TEST_F(ControlApiViews, TheSwitchGetsTheCompiledSpecAndTheHostAddressFailureDoesNotUndoTheApply) {
  ASSERT_EQ(dp_.spec_.ports.size(), 3u);
  EXPECT_EQ(dp_.spec_.ports[1].devargs, "net_vhost_vm1,iface=/tmp/egw-views/vhost/vm1.sock,queues=2");
  EXPECT_EQ(dp_.spec_.ports[2].role, dataplane::PortRole::host);
  ASSERT_TRUE(apply_->active().has_value());
  EXPECT_EQ(apply_->active()->version, 7u);
  EXPECT_EQ(apply_->host_address_error("host"), "interface egwt-none0 does not exist");
  EXPECT_EQ(apply_->host_address_error("uplink"), "");
}

TEST_F(ControlApiViews, PortListJoinsKindRoleNetworksAndHostAddress) {
  const json reply = call({{"cmd", "port.list"}});
  ASSERT_TRUE(reply["ok"]) << reply.dump();
  const json& ports = reply["result"];
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0]["kind"], "af_packet");
  EXPECT_EQ(ports[0]["role"], "physical");
  EXPECT_EQ(ports[0]["networks"], json({"site", "v20"}));
  EXPECT_EQ(ports[0]["macs_learned"], 2);
  EXPECT_EQ(ports[0]["link"], "up");
  EXPECT_EQ(ports[0]["address"], nullptr);
  EXPECT_EQ(ports[1]["kind"], "vhost");
  EXPECT_EQ(ports[1]["role"], "guest");
  EXPECT_EQ(ports[1]["link"], "down");
  EXPECT_EQ(ports[2]["role"], "host");
  EXPECT_EQ(ports[2]["address"], "192.168.50.1/24");
  EXPECT_EQ(ports[2]["host_address_error"], "interface egwt-none0 does not exist");
}

TEST_F(ControlApiViews, PortShowHasEveryDropReasonAndTheMemberships) {
  const json reply = call({{"cmd", "port.show"}, {"name", "uplink"}});
  ASSERT_TRUE(reply["ok"]) << reply.dump();
  const json& port = reply["result"];
  EXPECT_EQ(port["drops"].size(), dataplane::kDropReasonCount);
  EXPECT_EQ(port["drops"]["unknown_vlan"], 3);
  EXPECT_EQ(port["drops"]["mac_limit"], 0);
  EXPECT_EQ(port["drops_total"], 3);
  EXPECT_EQ(port["mac_limit"], 100);
  EXPECT_EQ(port["iface"], "egw-up");
  EXPECT_EQ(port["socket"], nullptr);
  EXPECT_EQ(port["memberships"].dump(),
            R"([{"network":"site","outer_vlan":0,"vlan":0},{"network":"v20","outer_vlan":200,"vlan":20}])");

  const json vm = call({{"cmd", "port.show"}, {"name", "vm1"}});
  EXPECT_EQ(vm["result"]["socket"], "/tmp/egw-views/vhost/vm1.sock");
  EXPECT_EQ(vm["result"]["queues"], 0) << "what the data plane reports in use";
}

TEST_F(ControlApiViews, ShowOfAnUnknownNameIsNotFoundAndAMissingNameABadRequest) {
  const json port = call({{"cmd", "port.show"}, {"name", "wan"}});
  EXPECT_EQ(port.dump(),
            R"({"error":{"code":"not_found","message":"no port named 'wan'","pointer":"/name"},"ok":false})");
  const json network = call({{"cmd", "network.show"}, {"name", "wan"}});
  EXPECT_EQ(network["error"]["message"], "no network named 'wan'");
  const json bad = call({{"cmd", "network.show"}});
  EXPECT_EQ(bad.dump(), R"({"error":{"code":"invalid_argument","message":"must be a string naming the network",)"
                        R"("pointer":"/name"},"ok":false})");
  EXPECT_EQ(api_->counters().bad_request, 1u);
  EXPECT_EQ(api_->counters().failed, 2u);
}

TEST_F(ControlApiViews, NetworkListSummarisesEachNetwork) {
  const json reply = call({{"cmd", "network.list"}});
  ASSERT_TRUE(reply["ok"]) << reply.dump();
  EXPECT_EQ(reply["result"].dump(),
            R"([{"dhcp":null,"fdb_aging_s":300,"fdb_entries":2,"fdb_max_entries":4096,"gateway":null,"ipv6":null,)"
            R"("members":["uplink","host","vm1"],"members_up":2,"mode":"bridge","name":"site","nat_refused":null,)"
            R"("nat_sessions":0,"nat_uplink":null,"neighbors":0,"neighbors6":0,"router_advertisements":null,)"
            R"("router_mac":null,"security_groups":[],"subnet":"192.168.50.0/24"},)"
            R"({"dhcp":null,"fdb_aging_s":300,"fdb_entries":0,"fdb_max_entries":4096,"gateway":null,"ipv6":null,)"
            R"("members":["uplink"],)"
            R"("members_up":1,"mode":"bridge","name":"v20","nat_refused":null,"nat_sessions":0,"nat_uplink":null,)"
            R"("neighbors":0,"neighbors6":0,"router_advertisements":null,)"
            R"("router_mac":null,"security_groups":[],"subnet":null}])");
}

TEST_F(ControlApiViews, NetworkShowListsMembersStaticMacsAndFdb) {
  const json reply = call({{"cmd", "network.show"}, {"name", "site"}});
  ASSERT_TRUE(reply["ok"]) << reply.dump();
  const json& n = reply["result"];
  EXPECT_EQ(n["members"].dump(),
            R"([{"outer_vlan":0,"port":"uplink","reason":"","role":"physical","state":"up","vlan":0},)"
            R"({"outer_vlan":0,"port":"host","reason":"","role":"host","state":"up","vlan":0},)"
            R"({"outer_vlan":0,"port":"vm1","reason":"waiting for a guest","role":"guest","state":"down","vlan":10}])");
  EXPECT_EQ(n["static_macs"].dump(), R"([{"mac":"02:00:00:00:00:01","port":"uplink"}])");
  EXPECT_EQ(n["fdb"].dump(),
            R"([{"age_s":0,"mac":"02:00:00:00:00:01","outer_vlan":0,"port":"uplink","static":true,"vlan":0},)"
            R"({"age_s":42,"mac":"02:00:00:00:00:77","outer_vlan":0,"port":"vm1","static":false,"vlan":10}])");
  EXPECT_EQ(n["fdb_entries"], 2);
  EXPECT_EQ(n["fdb_max_entries"], 4096);
}

TEST_F(ControlApiViews, RoutedNetworksShowTheirIpv6SubnetAndTheGatewaysAddresses) {
  const char* routed = R"({"version": 8,
    "ports": [{"name": "uplink", "kind": "af_packet", "iface": "egw-up"}, {"name": "vm1", "kind": "vhost"}],
    "networks": [
      {"name": "lan", "mode": "routed", "ports": ["uplink"], "subnet": "10.0.0.0/24", "gateway": "10.0.0.1",
       "router_mac": "02:00:00:00:00:01",
       "ipv6": {"subnet": "fd00:10::/64", "gateway": "fd00:10::1",
                "router_advertisements": {"interval_s": 60, "dns": ["FD00:10::53"]}}},
      {"name": "lab", "mode": "routed", "ports": ["vm1"], "subnet": "10.0.1.0/24", "gateway": "10.0.1.1"}]})";
  ApplyResult r = apply_->apply(routed, ConfigSource::cli, "tester");
  ASSERT_TRUE(r.ok) << r.error.message;
  const json reply = call({{"cmd", "network.show"}, {"name", "lan"}});
  ASSERT_TRUE(reply["ok"]) << reply.dump();
  // The link-local address is fe80:: and the modified EUI-64 of the router MAC.
  EXPECT_EQ(reply["result"]["ipv6"].dump(),
            R"({"gateway":"fd00:10::1","link_local":"fe80::ff:fe00:1","router_advertisements":)"
            R"({"dns":["fd00:10::53"],"enabled":true,"interval_s":60,"router_lifetime_s":1800},)"
            R"("subnet":"fd00:10::/64"})");
  const json list = call({{"cmd", "network.list"}})["result"];
  EXPECT_EQ(list[0]["ipv6"]["link_local"], "fe80::ff:fe00:1");
  EXPECT_EQ(list[1]["ipv6"], nullptr) << "a routed network without IPv6";
  ASSERT_EQ(dp_.spec_.bridges.size(), 2u);
  ASSERT_TRUE(dp_.spec_.bridges[0].router && dp_.spec_.bridges[0].router->v6);
  EXPECT_EQ(dp_.spec_.bridges[0].router->v6->prefix_length, 64);
}

TEST_F(ControlApiViews, NetworksThatAdvertiseShowTheirRouterAdvertisements) {
  const char* config = R"({
    "version": 8,
    "ports": [{"name": "uplink", "kind": "af_packet", "iface": "egw-up", "mtu": 1400}],
    "networks": [{"name": "lan", "mode": "routed", "ports": ["uplink"], "subnet": "192.168.1.0/24",
                  "gateway": "192.168.1.1"},
                 {"name": "v20", "mode": "bridge", "ports": [{"port": "uplink", "vlan": 20}]}]
  })";
  ApplyResult r = apply_->apply(config, ConfigSource::cli, "tester");
  ASSERT_TRUE(r.ok) << r.error.message;
  // The advertiser follows the applied config with an ipv6 block added as a value.
  GatewayConfig advertised = *apply_->active();
  NetworkIpv6Config v6;
  v6.subnet = Ipv6Prefix{*netproto::parse_ipv6("2001:db8:1::"), 64};
  v6.gateway = *netproto::parse_ipv6("2001:db8:1::1");
  v6.router_advertisements.dns = {*netproto::parse_ipv6("2001:db8::53")};
  advertised.networks[0].ipv6 = v6;
  RaService ra(dp_, [&] { return &advertised; }, [] { return uint64_t{0}; });
  ra.poll();  // this data plane double cannot send: a failed advertisement
  api_->set_ra(&ra);

  const json show = call({{"cmd", "network.show"}, {"name", "lan"}});
  ASSERT_TRUE(show["ok"]) << show.dump();
  const std::string source = netproto::format_ipv6(netproto::ipv6_link_local(default_router_mac("lan")));
  EXPECT_EQ(show["result"]["router_advertisements"].dump(),
            R"({"dns":["2001:db8::53"],"interval_s":200,"mtu":1400,"prefix":"2001:db8:1::/64",)"
            R"("ra_sent_solicited":0,"ra_sent_unsolicited":0,"router_lifetime_s":1800,"rs_malformed":0,)"
            R"("rs_received":0,"send_failed":1,"source":")" + source + R"("})");
  const json list = call({{"cmd", "network.list"}});
  ASSERT_TRUE(list["ok"]) << list.dump();
  EXPECT_EQ(list["result"][0]["router_advertisements"]["send_failed"], 1);
  EXPECT_EQ(list["result"][1]["router_advertisements"], nullptr) << "v20 does not advertise";
}

TEST_F(ControlApiViews, StatusReportsWorkerCostPerPacket) {
  json dp = api_->status()["dataplane"];
  EXPECT_EQ(dp["busy_cycles"], 0);
  EXPECT_EQ(dp["cycles_per_packet"], 0.0) << "no packets: 0, not a division by zero";
  dp_.status_.busy_cycles = 5000;
  dp_.status_.busy_packets = 40;
  dp_.status_.tsc_hz = 2000000000;
  dp = api_->status()["dataplane"];
  EXPECT_EQ(dp["busy_cycles"], 5000);
  EXPECT_EQ(dp["busy_packets"], 40);
  EXPECT_EQ(dp["tsc_hz"], 2000000000);
  EXPECT_EQ(dp["cycles_per_packet"], 125.0);
}

TEST_F(ControlApiViews, SecurityGroupsShowTheirRulesWithCountersAndThePoliciesUsingThem) {
  const char* config = R"({
    "version": 8,
    "ports": [
      {"name": "uplink", "kind": "af_packet", "iface": "egw-up"},
      {"name": "vm1", "kind": "vhost", "security_groups": ["web", "base"]}
    ],
    "networks": [{"name": "site", "mode": "bridge", "ports": ["uplink", "vm1"], "security_groups": ["base"]}],
    "security_groups": [
      {"name": "web", "rules": [{"direction": "ingress", "action": "allow", "protocol": "tcp", "ports": "80-81"},
                                {"direction": "ingress", "action": "deny", "protocol": "icmp", "icmp_type": 8,
                                 "remote": "10.0.0.0/8"}]},
      {"name": "base", "rules": [{"direction": "egress", "action": "deny", "protocol": "udp"}]}
    ]
  })";
  ApplyResult r = apply_->apply(config, ConfigSource::cli, "tester");
  ASSERT_TRUE(r.ok) << r.error.message;
  // The compiled spec: groups with their rules, the port's list and the network's default.
  ASSERT_EQ(dp_.spec_.security_groups.size(), 2u);
  const dataplane::SecurityRuleSpec& http = dp_.spec_.security_groups[0].rules[0];
  EXPECT_EQ(http.protocol, 6);
  EXPECT_EQ(http.port_first, 80);
  EXPECT_EQ(http.port_last, 81);
  const dataplane::SecurityRuleSpec& ping = dp_.spec_.security_groups[0].rules[1];
  EXPECT_FALSE(ping.allow);
  EXPECT_EQ(ping.icmp_type, 8);
  EXPECT_EQ(ping.remote, 0x0a000000u);
  EXPECT_EQ(ping.remote_length, 8);
  EXPECT_EQ(dp_.spec_.security_groups[1].rules[0].port_last, 65535) << "no ports: every port";
  EXPECT_EQ(dp_.spec_.ports[1].security_groups, (std::vector<std::string>{"web", "base"}));
  EXPECT_EQ(dp_.spec_.bridges[0].security_groups, std::vector<std::string>{"base"});

  dp_.security_.generation = 3;
  dp_.security_.classifier_rules = 4;
  dp_.security_.groups = {{"web", {{5, 500}, {0, 0}}}, {"base", {{1, 60}}}};
  dp_.security_.policies = {{{"web", "base"}, {"vm1"}, 0, 7}, {{"base"}, {"uplink"}, 10, 2}};
  dp_.status_.conntrack = {12, 65536, 1};
  const json list = call({{"cmd", "security_group.list"}});
  ASSERT_TRUE(list["ok"]) << list.dump();
  EXPECT_EQ(list["result"].dump(),
            R"([{"matched_packets":5,"name":"web","ports":["vm1"],"rules":2},)"
            R"({"matched_packets":1,"name":"base","ports":["vm1","uplink"],"rules":1}])");
  const json show = call({{"cmd", "security_group.show"}, {"name", "web"}});
  ASSERT_TRUE(show["ok"]) << show.dump();
  EXPECT_EQ(show["result"]["rules"].dump(),
            R"([{"action":"allow","bytes":500,"direction":"ingress","icmp_type":null,"packets":5,"ports":"80-81",)"
            R"("protocol":"tcp","remote":"0.0.0.0/0"},)"
            R"({"action":"deny","bytes":0,"direction":"ingress","icmp_type":8,"packets":0,"ports":null,)"
            R"("protocol":"icmp","remote":"10.0.0.0/8"}])");
  EXPECT_EQ(show["result"]["policies"].dump(),
            R"([{"default_allowed":0,"default_denied":7,"groups":["web","base"],"ports":["vm1"]}])");
  EXPECT_EQ(api_->status()["dataplane"]["security"].dump(),
            R"({"classifier_rules":4,"conntrack_capacity":65536,"conntrack_entries":12,"conntrack_full":1,)"
            R"("generation":3})");
  EXPECT_EQ(call({{"cmd", "security_group.show"}, {"name", "db"}})["error"]["message"], "no security group named 'db'");
}

}  // namespace
}  // namespace edgegw::control
