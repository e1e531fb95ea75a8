// Host port addresses over rtnetlink, on a dummy interface the test creates and removes: the
// configured address is set and the link brought up, a changed or removed address is taken off,
// an address someone else set is never touched, and a missing interface is an error value.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "edgegw/control/config_parse.hpp"
#include "host_interface.hpp"

namespace edgegw::control {
namespace {

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

// A dummy interface with a name unique to this process; removed (with its addresses) at the end.
// Kernels built without the dummy driver get a veth pair instead (its peer goes with it).
class DummyInterface : public testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (creates a dummy interface)";
    name_ = "egwt" + std::to_string(::getpid() % 100000);
    run("ip link del " + name_);
    ASSERT_TRUE(create()) << "cannot create " << name_;
  }
  bool create() const {
    return run("ip link add " + name_ + " type dummy") ||
           run("ip link add " + name_ + " type veth peer name " + name_ + "p");
  }
  void TearDown() override {
    if (!name_.empty()) {
      run("ip link del " + name_);
      EXPECT_FALSE(run("ip link show " + name_)) << name_ << " left behind";
    }
  }

  std::vector<std::string> addresses() const {
    std::vector<std::string> out;
    auto listed = host_interface::addresses(name_);
    EXPECT_TRUE(listed) << (listed ? "" : listed.error().message);
    if (listed) {
      for (const Ipv4HostAddress& a : *listed) out.push_back(a.to_string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  GatewayConfig config_with(const std::string& address) const {
    std::string port = R"({"name": "host", "kind": "host", "iface": ")" + name_ + "\"";
    if (!address.empty()) port += R"(, "address": ")" + address + "\"";
    ParsedConfig parsed = parse_config(R"({"version": 1, "ports": [)" + port + R"(}], "networks": []})");
    EXPECT_TRUE(parsed.ok());
    return parsed.config;
  }

  std::string name_;
};

TEST_F(DummyInterface, AddsListsAndRemovesAnAddress) {
  const Ipv4HostAddress a{0x0a630001u, 24};  // 10.99.0.1/24
  auto added = host_interface::add_address(name_, a);
  ASSERT_TRUE(added);
  EXPECT_TRUE(*added) << "added by this call";
  auto again = host_interface::add_address(name_, a);
  ASSERT_TRUE(again) << "an address already there is success";
  EXPECT_FALSE(*again) << "but not added by this call";
  EXPECT_EQ(addresses(), (std::vector<std::string>{"10.99.0.1/24"}));
  ASSERT_TRUE(host_interface::remove_address(name_, a));
  EXPECT_TRUE(addresses().empty());
  EXPECT_TRUE(host_interface::remove_address(name_, a)) << "removing what is not there is success";
}

TEST_F(DummyInterface, BringsTheLinkUp) {
  auto before = host_interface::is_up(name_);
  ASSERT_TRUE(before);
  EXPECT_FALSE(*before) << "a new dummy interface starts down";
  ASSERT_TRUE(host_interface::set_up(name_));
  auto after = host_interface::is_up(name_);
  ASSERT_TRUE(after);
  EXPECT_TRUE(*after);
}

TEST_F(DummyInterface, MissingInterfaceIsAnErrorValue) {
  const std::string missing = name_ + "x";
  auto added = host_interface::add_address(missing, Ipv4HostAddress{0x0a630001u, 24});
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, Errc::not_found);
  EXPECT_EQ(added.error().message, "interface " + missing + " does not exist");
  EXPECT_FALSE(host_interface::set_up(missing));
  EXPECT_TRUE(host_interface::remove_address(missing, Ipv4HostAddress{0x0a630001u, 24}))
      << "a gone interface has no addresses left to remove";
}

TEST_F(DummyInterface, KeepsTheConfiguredAddressAndLeavesOthersAlone) {
  ASSERT_TRUE(run("ip addr add 10.98.0.7/16 dev " + name_)) << "an operator's own address";
  HostAddresses host;
  host.sync(config_with("10.99.0.1/24"));
  EXPECT_EQ(host.error_for("host"), "");
  EXPECT_EQ(addresses(), (std::vector<std::string>{"10.98.0.7/16", "10.99.0.1/24"}));
  EXPECT_TRUE(*host_interface::is_up(name_));

  host.sync(config_with("10.99.0.2/25"));  // changed: the old one goes
  EXPECT_EQ(addresses(), (std::vector<std::string>{"10.98.0.7/16", "10.99.0.2/25"}));

  host.sync(config_with(""));  // no longer configured
  EXPECT_EQ(addresses(), (std::vector<std::string>{"10.98.0.7/16"}));

  // Configured the address the operator had set: in place, but still not ours to remove.
  host.sync(config_with("10.98.0.7/16"));
  EXPECT_EQ(host.error_for("host"), "");
  host.sync(config_with(""));
  EXPECT_EQ(addresses(), (std::vector<std::string>{"10.98.0.7/16"}));
}

TEST_F(DummyInterface, SetsTheAddressAgainWhenTheInterfaceComesBack) {
  HostAddresses host;
  host.sync(config_with("10.99.0.1/24"));
  ASSERT_EQ(host.error_for("host"), "");
  // The data plane re-creates the tap: the interface and its address vanish, then return bare.
  ASSERT_TRUE(run("ip link del " + name_));
  host.sync(config_with("10.99.0.1/24"));
  EXPECT_EQ(host.error_for("host"), "interface " + name_ + " does not exist");
  EXPECT_TRUE(host.has_errors());
  ASSERT_TRUE(create());
  host.retry();
  EXPECT_FALSE(host.has_errors());
  EXPECT_EQ(host.error_for("host"), "");
  EXPECT_EQ(addresses(), (std::vector<std::string>{"10.99.0.1/24"}));
}

}  // namespace
}  // namespace edgegw::control
