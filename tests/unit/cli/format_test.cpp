// edgegwctl's human output, asserted exactly.
#include <gtest/gtest.h>

#include "edgegw/cli/format.hpp"

namespace edgegw::cli {
namespace {

using nlohmann::json;

json sample_ports() {
  return json::parse(R"([
    {"name":"uplink","role":"physical","network":"site","networks":["site","v20"],"state":"up","reason":"",
     "link":"up","link_up":true,"rx_packets":12,"rx_bytes":1200,"tx_packets":10,"tx_bytes":980,"drops_total":0},
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
  // lan2 comes from an older daemon: no role, no networks list, only link_up.
  EXPECT_EQ(format_ports(sample_ports()),
            "PORT    ROLE      NETWORKS   STATE                                       LINK  RX-PKTS  RX-BYTES  TX-PKTS  TX-BYTES  DROPS\n"
            "uplink  physical  site, v20  up                                          up         12      1200       10       980      0\n"
            "lan2    -         -          down (device probe failed: No such device)  down        0         0        0         0      3\n");
}

TEST(Format, PortShow) {
  const json port = json::parse(R"({
    "name":"host","kind":"host","role":"host","network":"site","networks":["site"],"devargs":"net_tap_host,iface=egw-host",
    "state":"up","reason":"","link":"up","link_up":true,"speed_mbps":10000,"mac":"02:00:00:00:00:ff","mtu":1500,
    "queues":1,"macs_learned":1,"mac_limit":0,"address":"192.168.50.1/24",
    "host_address_error":"interface egw-host does not exist","iface":"egw-host","socket":null,
    "memberships":[{"network":"site","vlan":0,"outer_vlan":0}],
    "rx_packets":5,"rx_bytes":500,"tx_packets":6,"tx_bytes":600,"drops_total":2,"hw_rx_missed":0,"hw_tx_errors":1,
    "drops":{"no_mbuf":0,"unknown_vlan":2,"mac_limit":0}})");
  EXPECT_EQ(format_port(port),
            "port      host\n"
            "kind      host\n"
            "role      host\n"
            "state     up\n"
            "link      up, 10000 Mb/s\n"
            "networks  site\n"
            "devargs   net_tap_host,iface=egw-host\n"
            "iface     egw-host\n"
            "address   192.168.50.1/24 (not set: interface egw-host does not exist)\n"
            "mac       02:00:00:00:00:ff\n"
            "mtu       1500\n"
            "queues    1\n"
            "macs      1 learned, no limit\n"
            "\n"
            "COUNTER            VALUE\n"
            "rx_packets             5\n"
            "rx_bytes             500\n"
            "tx_packets             6\n"
            "tx_bytes             600\n"
            "hw_rx_missed           0\n"
            "hw_tx_errors           1\n"
            "drops_total            2\n"
            "drop.mac_limit         0\n"
            "drop.no_mbuf           0\n"
            "drop.unknown_vlan      2\n");
}

TEST(Format, PortShowOfATrunkAndAGuest) {
  const json trunk = json::parse(R"({"name":"uplink","state":"down","reason":"link down","link":"down",
    "mac_limit":100,"macs_learned":7,"memberships":[{"network":"site","vlan":0,"outer_vlan":0},
    {"network":"v20","vlan":20,"outer_vlan":200}],"socket":"/run/edgegw/vhost/x.sock",
    "security_groups":["web","base"]})");
  const std::string text = format_port(trunk);
  EXPECT_NE(text.find("security  web, base\n"), std::string::npos) << text;
  EXPECT_NE(text.find("state     down (link down)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("networks  site, v20 vlan 20 outer 200\n"), std::string::npos) << text;
  EXPECT_NE(text.find("socket    /run/edgegw/vhost/x.sock\n"), std::string::npos) << text;
  EXPECT_NE(text.find("macs      7 learned, limit 100\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("address"), std::string::npos) << "no address line without an address";
}

TEST(Format, Networks) {
  const json networks = json::parse(R"([
    {"name":"site","mode":"bridge","subnet":"192.168.50.0/24","members":["uplink","host","vm1"],"members_up":2,
     "fdb_entries":2,"fdb_max_entries":4096,"fdb_aging_s":300},
    {"name":"lab","mode":"isolated","subnet":null,"members":["vm2"],"members_up":0,"fdb_entries":0,
     "fdb_max_entries":256,"fdb_aging_s":300}])");
  EXPECT_EQ(format_networks(networks),
            "NETWORK  MODE      SUBNET           MEMBERS             UP     FDB\n"
            "site     bridge    192.168.50.0/24  uplink, host, vm1  2/3  2/4096\n"
            "lab      isolated  -                vm2                0/1   0/256\n");
}

TEST(Format, NetworkShow) {
  const json network = json::parse(R"({"name":"site","mode":"bridge","subnet":"192.168.50.0/24",
    "fdb_entries":1,"fdb_max_entries":4096,"fdb_aging_s":300,"members_up":2,
    "members":[{"port":"uplink","vlan":0,"outer_vlan":0,"role":"physical","state":"up","reason":""},
               {"port":"vm1","vlan":10,"outer_vlan":100,"role":"guest","state":"down","reason":"waiting for a guest"}],
    "static_macs":[{"mac":"02:00:00:00:00:01","port":"uplink"}],
    "fdb":[{"mac":"02:00:00:00:00:01","port":"uplink","vlan":0,"outer_vlan":0,"static":true,"age_s":0},
           {"mac":"02:00:00:00:00:77","port":"vm1","vlan":10,"outer_vlan":100,"static":false,"age_s":75}]})");
  EXPECT_EQ(format_network(network),
            "network  site\n"
            "mode     bridge\n"
            "subnet   192.168.50.0/24\n"
            "fdb      1 of 4096 learned, aging 300s\n"
            "\n"
            "MEMBER  VLAN  OUTER  ROLE      STATE\n"
            "uplink     -      -  physical  up\n"
            "vm1       10    100  guest     down (waiting for a guest)\n"
            "\n"
            "MAC                PORT    VLAN  OUTER  TYPE        AGE\n"
            "02:00:00:00:00:01  uplink     -      -  static        -\n"
            "02:00:00:00:00:77  vm1       10    100  learned  1m 15s\n");
}

TEST(Format, NetworkShowOfANatNetwork) {
  const json network = json::parse(R"({"name":"guests","mode":"nat","subnet":"192.168.60.0/24",
    "fdb_entries":0,"fdb_max_entries":4096,"fdb_aging_s":300,"members_up":0,"members":[],"fdb":[],
    "gateway":"192.168.60.1","router_mac":"02:e9:00:00:60:01","neighbors":3,"nat_uplink":"wan",
    "nat_sessions":17,"nat_refused":{"table_full":0,"host_limit":2,"no_port":0}})");
  EXPECT_EQ(format_network(network),
            "network  guests\n"
            "mode     nat\n"
            "subnet   192.168.60.0/24\n"
            "fdb      0 of 4096 learned, aging 300s\n"
            "gateway  192.168.60.1 (02:e9:00:00:60:01), 3 neighbors resolved\n"
            "nat      via wan, 17 sessions; refused: 0 table full, 2 host limit, 0 no port\n"
            "\n"
            "MEMBER  VLAN  OUTER  ROLE  STATE\n"
            "\n"
            "MAC  PORT  VLAN  OUTER  TYPE  AGE\n");
}

TEST(Format, NetworkShowWithADhcpServer) {
  const json network = json::parse(R"({"name":"lan","mode":"routed","subnet":"10.0.0.0/24",
    "fdb_entries":0,"fdb_max_entries":4096,"fdb_aging_s":300,"members_up":0,"members":[],"fdb":[],
    "gateway":"10.0.0.1","router_mac":"02:e9:00:00:00:01","neighbors":2,"nat_uplink":null,
    "dhcp":{"range":{"first":"10.0.0.128","last":"10.0.0.254"},"leases_bound":5,"static_leases":1,
            "lease_time_s":3600,"offers":9,"acks":7,"naks":1,"conflicts":1,"declines":0,
            "dropped":{"truncated":2,"bad_cookie":0,"malformed_frame":1}}})");
  const std::string text = format_network(network);
  EXPECT_NE(text.find("dhcp          10.0.0.128 - 10.0.0.254, 5 leases bound, 1 static, lease 1h 0m 0s\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("dhcp replies  9 offers, 7 acks, 1 naks; 1 conflicts, 0 declines, 3 dropped\n"), std::string::npos)
      << text;
}

TEST(Format, NetworkShowWithIpv6) {
  const json network = json::parse(R"({"name":"lan","mode":"routed","subnet":"10.0.0.0/24",
    "fdb_entries":0,"fdb_max_entries":4096,"fdb_aging_s":300,"members_up":0,"members":[],"fdb":[],
    "gateway":"10.0.0.1","router_mac":"02:00:00:00:00:01","neighbors":2,
    "ipv6":{"subnet":"fd00:10::/64","gateway":"fd00:10::1","link_local":"fe80::ff:fe00:1",
            "router_advertisements":{"enabled":true,"interval_s":200,"router_lifetime_s":1800,"dns":["fd00:10::53"]}}})");
  EXPECT_EQ(format_network(network),
            "network         lan\n"
            "mode            routed\n"
            "subnet          10.0.0.0/24\n"
            "fdb             0 of 4096 learned, aging 300s\n"
            "gateway         10.0.0.1 (02:00:00:00:00:01), 2 neighbors resolved\n"
            "ipv6            fd00:10::1 on fd00:10::/64, link-local fe80::ff:fe00:1\n"
            "router adverts  every 3m 20s at most, router lifetime 30m 0s, dns fd00:10::53\n"
            "\n"
            "MEMBER  VLAN  OUTER  ROLE  STATE\n"
            "\n"
            "MAC  PORT  VLAN  OUTER  TYPE  AGE\n");
  json quiet = network;
  quiet["ipv6"]["router_advertisements"]["enabled"] = false;
  EXPECT_NE(format_network(quiet).find("router adverts  off\n"), std::string::npos) << format_network(quiet);
  quiet["ipv6"]["router_advertisements"] = {{"enabled", true}, {"interval_s", 60}, {"router_lifetime_s", 0}};
  EXPECT_NE(format_network(quiet).find("router adverts  every 1m 0s at most, not a default router\n"),
            std::string::npos)
      << format_network(quiet);
}

TEST(Format, NetworkShowWithRouterAdvertisements) {
  const json network = json::parse(R"({"name":"lan","mode":"routed","subnet":"10.0.0.0/24",
    "fdb_entries":0,"fdb_max_entries":4096,"fdb_aging_s":300,"members_up":0,"members":[],"fdb":[],
    "gateway":"10.0.0.1","router_mac":"02:e9:00:00:00:01","neighbors":2,"nat_uplink":null,"dhcp":null,
    "router_advertisements":{"prefix":"2001:db8:1::/64","source":"fe80::e9:ff:fe00:1","router_lifetime_s":1800,
      "interval_s":200,"mtu":1500,"dns":["2001:db8::53","2001:db8::54"],"rs_received":2,"rs_malformed":1,
      "ra_sent_unsolicited":3,"ra_sent_solicited":1,"send_failed":0}})");
  EXPECT_EQ(format_network(network),
            "network  lan\n"
            "mode     routed\n"
            "subnet   10.0.0.0/24\n"
            "fdb      0 of 4096 learned, aging 300s\n"
            "gateway  10.0.0.1 (02:e9:00:00:00:01), 2 neighbors resolved\n"
            "ra       2001:db8:1::/64 from fe80::e9:ff:fe00:1, router lifetime 30m 0s, every 3m 20s at most, "
            "mtu 1500, dns 2001:db8::53, 2001:db8::54\n"
            "ra sent  3 unsolicited, 1 solicited, 0 failed; 2 solicitations, 1 malformed\n"
            "\n"
            "MEMBER  VLAN  OUTER  ROLE  STATE\n"
            "\n"
            "MAC  PORT  VLAN  OUTER  TYPE  AGE\n");
}

TEST(Format, DhcpLeasesAndNatSessions) {
  EXPECT_EQ(format_dhcp_leases(json::parse(R"([{"network":"lan","ip":"10.0.0.130","mac":"52:54:00:00:00:01",
    "state":"bound","expires_in_s":3540,"hostname":"vm1"},{"network":"lan","ip":"10.0.0.131",
    "mac":"52:54:00:00:00:02","state":"expired","expires_in_s":0,"hostname":""}])")),
            "NETWORK  IP          MAC                STATE    EXPIRES IN  HOSTNAME\n"
            "lan      10.0.0.130  52:54:00:00:00:01  bound        59m 0s  vm1\n"
            "lan      10.0.0.131  52:54:00:00:00:02  expired           -  -\n");
  EXPECT_EQ(format_nat_sessions(json::parse(R"([{"protocol":"tcp","inside":"192.168.60.10:41000",
    "external":"203.0.113.2:1024","remote":"198.51.100.7:443","forwarded":false,"tcp_state":"established",
    "idle_s":4}])")),
            "PROTO  INSIDE               EXTERNAL          REMOTE            DIR  TCP          IDLE\n"
            "tcp    192.168.60.10:41000  203.0.113.2:1024  198.51.100.7:443  out  established    4s\n");
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
            "PORT  ROLE  NETWORKS  STATE  LINK  RX-PKTS  RX-BYTES  TX-PKTS  TX-BYTES  DROPS\n");
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
  EXPECT_NO_THROW(format_port(json::array()));
  EXPECT_NO_THROW(format_port(json{{"drops", {{"x", "y"}}}, {"memberships", 3}}));
  EXPECT_NO_THROW(format_networks(json{{{"members", {1, 2}}}}));
  EXPECT_NO_THROW(format_network(json{{"members", {1}}, {"fdb", {nullptr}}}));
  EXPECT_NO_THROW(format_security_groups(json{{{"ports", 3}}}));
  EXPECT_NO_THROW(format_security_group(json{{"rules", {1, nullptr}}, {"policies", "x"}}));
}

TEST(Format, SecurityGroups) {
  const json groups = json::parse(R"([{"name":"web","rules":2,"ports":["vm1","vm2"],"matched_packets":1234},
                                      {"name":"spare","rules":0,"ports":[],"matched_packets":0}])");
  EXPECT_EQ(format_security_groups(groups),
            "SECURITY GROUP  RULES  PORTS     MATCHED\n"
            "web                 2  vm1, vm2     1234\n"
            "spare               0  -               0\n");
  const json web = json::parse(R"({"name":"web","ports":["vm1"],"matched_packets":5,
    "rules":[{"direction":"ingress","action":"allow","protocol":"tcp","remote":"0.0.0.0/0","ports":"80-81",
              "icmp_type":null,"packets":5,"bytes":500},
             {"direction":"ingress","action":"deny","protocol":"icmp","remote":"10.0.0.0/8","ports":null,
              "icmp_type":8,"packets":0,"bytes":0}],
    "policies":[{"groups":["web","base"],"ports":["vm1"],"default_allowed":3,"default_denied":7}]})");
  EXPECT_EQ(format_security_group(web),
            "security group  web\n"
            "ports           vm1\n"
            "policy          web, base on vm1: 3 allowed, 7 denied by default\n"
            "\n"
            "#  DIRECTION  ACTION  PROTOCOL  REMOTE      MATCH   PACKETS  BYTES\n"
            "1  ingress    allow   tcp       0.0.0.0/0   80-81         5    500\n"
            "2  ingress    deny    icmp      10.0.0.0/8  type 8        0      0\n");
}

}  // namespace
}  // namespace edgegw::cli
