// Guests in the config document: every field, defaults, the canonical form, each invalid field named
// by its pointer, MAC uniqueness (default MACs too), and admission against the board's budget.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace edgegw::control {
namespace {

using test::InvalidCase;

const std::string kPorts = R"({"name": "vm1", "kind": "vhost"}, {"name": "vm2", "kind": "vhost"},
                              {"name": "lan", "kind": "tap", "iface": "egw-lan"})" + [] {
  std::string more;  // vm3..vm9
  for (int i = 3; i <= 9; ++i) more += R"(, {"name": "vm)" + std::to_string(i) + R"(", "kind": "vhost"})";
  return more;
}();

std::string document(const std::string& guests) {
  return R"({"version": 1, "ports": [)" + kPorts + R"(], "networks": [], "guests": [)" + guests + "]}";
}

// A minimal valid guest with `extra` members added.
std::string guest(const std::string& name, const std::string& extra = "") {
  return R"({"name": ")" + name + R"(", "kernel": {"kernel": "/img/vmlinuz"})" + (extra.empty() ? "" : ", " + extra) +
         "}";
}

const std::string kFull = R"({
  "name": "web", "vcpus": 2, "memory_mb": 512,
  "disks": [{"image": "/var/lib/edgegw/images/debian.qcow2"}, {"image": "/data/raw.img", "format": "raw"}],
  "kernel": {"kernel": "/img/vmlinuz", "initrd": "/img/initrd.img", "cmdline": "console=ttyS0 root=/dev/vda1"},
  "nics": [{"port": "vm1", "mac": "52:54:00:12:34:56", "hotplug": true}, {"port": "vm2"}],
  "cloud_init": {"hostname": "web.example", "user": "edge", "password_hash": "$6$salt$abcdefghij",
                 "ssh_authorized_keys": ["ssh-ed25519 AAAAC3Nza edge@laptop"], "network_dhcp": false},
  "autostart": false, "restart": "always", "cpus": [1, 0]})";

TEST(GuestConfig, EveryFieldIsRead) {
  const ParsedConfig parsed = parse_config(document(kFull));
  ASSERT_TRUE(parsed.ok()) << parsed.issues[0].pointer << ": " << parsed.issues[0].message;
  ASSERT_EQ(parsed.config.guests.size(), 1u);
  const GuestConfig& g = parsed.config.guests[0];
  EXPECT_EQ(g.name, "web");
  EXPECT_EQ(g.vcpus, 2);
  EXPECT_EQ(g.memory_mb, 512u);
  ASSERT_EQ(g.disks.size(), 2u);
  EXPECT_EQ(g.disks[0].format, DiskFormat::qcow2);
  EXPECT_TRUE(g.disks[0].overlay) << "qcow2 images get an overlay by default";
  EXPECT_EQ(g.disks[1].format, DiskFormat::raw);
  EXPECT_FALSE(g.disks[1].overlay);
  ASSERT_TRUE(g.kernel.has_value());
  EXPECT_EQ(g.kernel->initrd, "/img/initrd.img");
  EXPECT_EQ(g.kernel->cmdline, "console=ttyS0 root=/dev/vda1");
  ASSERT_EQ(g.nics.size(), 2u);
  EXPECT_EQ(format_mac(*g.nics[0].mac), "52:54:00:12:34:56");
  EXPECT_TRUE(g.nics[0].hotplug);
  EXPECT_FALSE(g.nics[1].mac.has_value());
  ASSERT_TRUE(g.cloud_init.has_value());
  EXPECT_EQ(g.cloud_init->hostname, "web.example");
  EXPECT_EQ(g.cloud_init->user, "edge");
  EXPECT_FALSE(g.cloud_init->network_dhcp);
  EXPECT_FALSE(g.autostart);
  EXPECT_EQ(g.restart, RestartPolicy::always);
  EXPECT_EQ(g.cpus, (std::vector<uint16_t>{1, 0}));
  EXPECT_EQ(parsed.config.find_guest("web"), &g);
  EXPECT_EQ(parsed.config.find_guest("db"), nullptr);
}

TEST(GuestConfig, DefaultsAndCanonicalRoundTrip) {
  const ParsedConfig parsed = parse_config(document(guest("a", R"("nics": [{"port": "vm3"}])") + ", " + kFull));
  ASSERT_TRUE(parsed.ok()) << parsed.issues[0].pointer << ": " << parsed.issues[0].message;
  const GuestConfig& a = parsed.config.guests[0];
  EXPECT_EQ(a.vcpus, 1);
  EXPECT_EQ(a.memory_mb, 256u);
  EXPECT_TRUE(a.autostart);
  EXPECT_EQ(a.restart, RestartPolicy::on_failure);
  EXPECT_TRUE(a.cpus.empty());
  const std::string canonical = to_canonical_json(parsed.config);
  EXPECT_NE(canonical.find("\"restart\": \"on-failure\""), std::string::npos) << canonical;
  const ParsedConfig again = parse_config(canonical);
  ASSERT_TRUE(again.ok()) << again.issues[0].pointer << ": " << again.issues[0].message << "\n" << canonical;
  EXPECT_EQ(again.config, parsed.config);
  EXPECT_EQ(to_canonical_json(again.config), canonical);
}

TEST(GuestConfig, DocumentsWithoutGuestsKeepTheirCanonicalForm) {
  const ParsedConfig parsed = parse_config(R"({"version": 3, "ports": [], "networks": []})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(to_canonical_json(parsed.config).find("guests"), std::string::npos);
}

TEST(GuestConfig, DefaultMacsAreStableLocallyQemuPrefixedAndDistinct) {
  const MacAddress a0 = default_guest_mac("web", 0);
  EXPECT_EQ(a0, default_guest_mac("web", 0));
  EXPECT_EQ(a0[0], 0x52);
  EXPECT_EQ(a0[1], 0x54);
  EXPECT_EQ(a0[2], 0x00);
  EXPECT_NE(a0, default_guest_mac("web", 1));
  EXPECT_NE(a0, default_guest_mac("db", 0));
  // Pinned: a guest keeps its MAC (and its DHCP lease) across gateway versions.
  EXPECT_EQ(format_mac(default_guest_mac("g1", 0)), format_mac(default_guest_mac(std::string("g") + "1", 0)));
  EXPECT_EQ(format_mac(default_guest_mac("web", 0)).substr(0, 9), "52:54:00:");
}

TEST(GuestConfig, RestartPolicyNames) {
  for (RestartPolicy p : {RestartPolicy::never, RestartPolicy::on_failure, RestartPolicy::always}) {
    EXPECT_EQ(restart_policy_from_name(restart_policy_name(p)), p);
  }
  EXPECT_FALSE(restart_policy_from_name("on_failure").has_value());
}

std::vector<InvalidCase> cases() {
  const std::string nic1 = R"("nics": [{"port": "vm1"}])";
  return {
      {"guests_not_array", R"({"version": 1, "ports": [], "networks": [], "guests": {}})", "/guests",
       "must be an array, got object"},
      {"guest_not_object", document("1"), "/guests/0", "must be an object, got number"},
      {"name_missing", document(R"({"kernel": {"kernel": "/k"}})"), "/guests/0", "missing required field 'name'"},
      {"name_pattern", document(guest("Web")), "/guests/0/name",
       "must start with a lowercase letter followed by at most 14 lowercase letters, digits, '_' or '-', got 'Web'"},
      {"name_duplicate", document(guest("a") + ", " + guest("a")), "/guests/1/name",
       "duplicate guest name 'a' (also /guests/0/name)"},
      {"unknown_field", document(guest("a", R"("ram": 1)")), "/guests/0/ram", "unknown field"},
      {"vcpus_zero", document(guest("a", R"("vcpus": 0)")), "/guests/0/vcpus",
       "must be an integer between 1 and 64, got 0"},
      {"vcpus_too_many", document(guest("a", R"("vcpus": 65)")), "/guests/0/vcpus",
       "must be an integer between 1 and 64, got 65"},
      {"memory_too_small", document(guest("a", R"("memory_mb": 32)")), "/guests/0/memory_mb",
       "must be an integer between 64 and 1048576, got 32"},
      {"nothing_to_boot", document(R"({"name": "a"})"), "/guests/0",
       "has nothing to boot: give it a 'kernel' or at least one disk"},
      {"nothing_to_boot_empty_disks", document(R"({"name": "a", "disks": []})"), "/guests/0",
       "has nothing to boot: give it a 'kernel' or at least one disk"},
      {"disk_image_missing", document(R"({"name": "a", "disks": [{}]})"), "/guests/0/disks/0",
       "missing required field 'image'"},
      {"disk_image_relative", document(R"({"name": "a", "disks": [{"image": "img.qcow2"}]})"),
       "/guests/0/disks/0/image", "must be an absolute path"},
      {"disk_image_dotdot", document(R"({"name": "a", "disks": [{"image": "/var/../etc/shadow"}]})"),
       "/guests/0/disks/0/image", "must not contain '.' or '..' components"},
      {"disk_image_control", document(R"({"name": "a", "disks": [{"image": "/a\nb"}]})"),
       "/guests/0/disks/0/image", "must not contain control characters"},
      {"disk_format", document(R"({"name": "a", "disks": [{"image": "/a", "format": "vmdk"}]})"),
       "/guests/0/disks/0/format", "must be one of 'qcow2', 'raw', got 'vmdk'"},
      {"disk_raw_overlay", document(R"({"name": "a", "disks": [{"image": "/a", "format": "raw", "overlay": true}]})"),
       "/guests/0/disks/0/overlay", "a raw image cannot have a qcow2 overlay; use format 'qcow2' or overlay false"},
      {"disk_unknown_field", document(R"({"name": "a", "disks": [{"image": "/a", "cache": "none"}]})"),
       "/guests/0/disks/0/cache", "unknown field"},
      {"kernel_missing_kernel", document(R"({"name": "a", "kernel": {"initrd": "/i"}})"), "/guests/0/kernel",
       "missing required field 'kernel'"},
      {"kernel_relative", document(R"({"name": "a", "kernel": {"kernel": "vmlinuz"}})"), "/guests/0/kernel/kernel",
       "must be an absolute path"},
      {"initrd_relative", document(R"({"name": "a", "kernel": {"kernel": "/k", "initrd": "i"}})"),
       "/guests/0/kernel/initrd", "must be an absolute path"},
      {"cmdline_control", document(R"({"name": "a", "kernel": {"kernel": "/k", "cmdline": "a\tb"}})"),
       "/guests/0/kernel/cmdline", "must be at most 1024 printable ASCII characters"},
      {"cmdline_too_long", document(R"({"name": "a", "kernel": {"kernel": "/k", "cmdline": ")" +
                                        std::string(1025, 'x') + R"("}})"),
       "/guests/0/kernel/cmdline", "must be at most 1024 printable ASCII characters"},
      {"nic_port_missing", document(guest("a", R"("nics": [{}])")), "/guests/0/nics/0",
       "missing required field 'port'"},
      {"nic_port_unknown", document(guest("a", R"("nics": [{"port": "vm10"}])")), "/guests/0/nics/0/port",
       "unknown port 'vm10'"},
      {"nic_port_not_vhost", document(guest("a", R"("nics": [{"port": "lan"}])")), "/guests/0/nics/0/port",
       "port 'lan' is of kind 'tap'; a guest NIC needs a port of kind 'vhost'"},
      {"nic_port_twice", document(guest("a", nic1) + ", " + guest("b", nic1)), "/guests/1/nics/0/port",
       "duplicate guest NIC port 'vm1' (also /guests/0/nics/0/port)"},
      {"nic_mac_multicast", document(guest("a", R"("nics": [{"port": "vm1", "mac": "01:00:5e:00:00:01"}])")),
       "/guests/0/nics/0/mac", "must be a unicast MAC address (lowest bit of the first octet clear), got '01:00:5e:00:00:01'"},
      {"nic_mac_duplicate",
       document(guest("a", R"("nics": [{"port": "vm1", "mac": "52:54:00:00:00:01"}, {"port": "vm2", "mac": "52:54:00:00:00:01"}])")),
       "/guests/0/nics/1/mac", "duplicate guest MAC address '52:54:00:00:00:01' (also /guests/0/nics/0/mac)"},
      {"nic_mac_equals_a_default",
       document(guest("a", nic1) + ", " +
                guest("b", R"("nics": [{"port": "vm2", "mac": ")" + format_mac(default_guest_mac("a", 0)) + R"("}])")),
       "/guests/1/nics/0/mac",
       "duplicate guest MAC address '" + format_mac(default_guest_mac("a", 0)) + "' (also /guests/0/nics/0)"},
      {"nic_unknown_field", document(guest("a", R"("nics": [{"port": "vm1", "model": "e1000"}])")),
       "/guests/0/nics/0/model", "unknown field"},
      {"too_many_nics",
       document(guest("a", R"("nics": [{"port":"vm1"},{"port":"vm2"},{"port":"vm3"},{"port":"vm4"},{"port":"vm5"},{"port":"vm6"},{"port":"vm7"},{"port":"vm8"},{"port":"vm9"}])")),
       "/guests/0/nics", "must have at most 8 NICs, got 9"},
      {"cloud_init_hostname", document(guest("a", R"("cloud_init": {"hostname": "-web"})")),
       "/guests/0/cloud_init/hostname",
       "must be a host name: dot-separated labels of 1 to 63 letters, digits and '-', not starting or ending with "
       "'-', at most 253 characters"},
      {"cloud_init_user", document(guest("a", R"("cloud_init": {"user": "Root"})")), "/guests/0/cloud_init/user",
       "must match ^[a-z_][a-z0-9_-]{0,31}$"},
      {"cloud_init_clear_password", document(guest("a", R"("cloud_init": {"password_hash": "hunter2"})")),
       "/guests/0/cloud_init/password_hash",
       "must be a crypt(3) hash such as '$6$salt$...' (mkpasswd -m sha-512), never a password in clear text"},
      {"cloud_init_key", document(guest("a", R"("cloud_init": {"ssh_authorized_keys": ["AAAA"]})")),
       "/guests/0/cloud_init/ssh_authorized_keys/0",
       "must be an OpenSSH public key line ('ssh-', 'ecdsa-' or 'sk-' ...), at most 8192 printable characters"},
      {"cloud_init_unknown_field", document(guest("a", R"("cloud_init": {"packages": []})")),
       "/guests/0/cloud_init/packages", "unknown field"},
      {"restart_policy", document(guest("a", R"("restart": "unless-stopped")")), "/guests/0/restart",
       "must be one of 'never', 'on-failure', 'always', got 'unless-stopped'"},
      {"autostart_type", document(guest("a", R"("autostart": "yes")")), "/guests/0/autostart",
       "must be a boolean, got string"},
      {"cpu_range", document(guest("a", R"("cpus": [1024])")), "/guests/0/cpus/0",
       "must be an integer between 0 and 1023, got 1024"},
      {"cpu_duplicate", document(guest("a", R"("cpus": [1, 1])")), "/guests/0/cpus/1", "duplicate CPU '1' (also /guests/0/cpus/0)"},
  };
}

class InvalidGuestDocument : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidGuestDocument, ReportsExactlyTheExpectedIssue) { test::expect_exactly_the_issue(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Config, InvalidGuestDocument, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });

GatewayConfig guests_of(const std::vector<std::pair<uint32_t, uint16_t>>& memory_vcpus) {
  GatewayConfig c;
  for (size_t i = 0; i < memory_vcpus.size(); ++i) {
    GuestConfig g;
    g.name = "g" + std::to_string(i);
    g.memory_mb = memory_vcpus[i].first;
    g.vcpus = memory_vcpus[i].second;
    c.guests.push_back(g);
  }
  return c;
}

TEST(GuestAdmission, GuestsThatFitExactlyAreAdmitted) {
  EXPECT_TRUE(check_guest_admission(guests_of({{1024, 2}, {1024, 2}}), GuestBudget{2048, 4, {0, 1}}).empty());
  EXPECT_TRUE(check_guest_admission(GatewayConfig{}, GuestBudget{0, 0, {}}).empty());
}

TEST(GuestAdmission, TheFirstGuestBeyondTheMemoryOrVcpuBudgetIsNamed) {
  std::vector<ConfigIssue> issues = check_guest_admission(guests_of({{1024, 1}, {512, 1}, {1024, 1}}),
                                                          GuestBudget{2048, 8, {0}});
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/guests/2/memory_mb");
  EXPECT_EQ(issues[0].message, "guest 'g2' needs 1024 MiB but only 512 MiB of the board's 2048 MiB for guests are left");
  issues = check_guest_admission(guests_of({{64, 3}, {64, 2}}), GuestBudget{2048, 4, {0}});
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/guests/1/vcpus");
  EXPECT_EQ(issues[0].message, "guest 'g1' needs 2 vCPUs but only 1 of the board's 4 vCPUs for guests are left");
}

TEST(GuestAdmission, PinnedCpusMustBeTheBoardsGuestCpus) {
  GatewayConfig c = guests_of({{64, 1}});
  c.guests[0].cpus = {1, 0};
  std::vector<ConfigIssue> issues = check_guest_admission(c, GuestBudget{2048, 4, {1, 2}});
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/guests/0/cpus/1");
  EXPECT_EQ(issues[0].message, "CPU 0 is not one of the board's guest CPUs (1, 2)");
}

}  // namespace
}  // namespace edgegw::control
