// Snapshot compilation without the EAL: the NAT table plans the data plane makes per uplink.
#include <gtest/gtest.h>

#include "snapshot_compile.hpp"

namespace edgegw::dataplane::test {
namespace {

BridgeSpec nat_network(const std::string& name, uint32_t max_sessions, uint32_t per_host,
                       std::vector<NatForwardSpec> forwards = {}) {
  BridgeSpec b;
  b.name = name;
  b.router = RouterInterfaceSpec{0xc0a80001, 24, {0x02, 0xe9, 0, 0, 0, 1}};
  b.nat = NatSpec{"wan", max_sessions, per_host, std::move(forwards)};
  return b;
}

std::vector<BridgeSpec> site(uint32_t per_host_a, uint32_t per_host_b) {
  BridgeSpec wan;
  wan.name = "wan";
  wan.router = RouterInterfaceSpec{0x0a000001, 24, {0x02, 0xe9, 0, 0, 0, 2}};
  return {wan, nat_network("guests", 2048, per_host_a, {{6, 8080, 0xc0a8000a, 80}}),
          nat_network("iot", 4096, per_host_b, {{17, 53, 0xc0a8000b, 53}})};
}

TEST(NatTablePlan, OneTablePerUplinkWithTheLargestLimitsAndEveryForward) {
  const auto plans = plan_nat_tables(site(6, 10), 1000);
  ASSERT_EQ(plans.size(), 1u);
  const NatTablePlan& p = plans.at("wan");
  EXPECT_EQ(p.config.external_ip, 0x0a000001u) << "the uplink's gateway address";
  EXPECT_EQ(p.config.max_sessions, 4096u);
  EXPECT_EQ(p.config.max_sessions_per_host, 10u);
  EXPECT_EQ(p.forwards.size(), 2u);
  EXPECT_EQ(p.config.timeouts.udp, 300u * 1000) << "in the worker's time unit";
}

TEST(NatTablePlan, NoPerHostLimitIsTheLargestLimit) {
  EXPECT_EQ(plan_nat_tables(site(6, 0), 1000).at("wan").config.max_sessions_per_host, 0u);
  EXPECT_EQ(plan_nat_tables(site(0, 6), 1000).at("wan").config.max_sessions_per_host, 0u);
}

TEST(NatTablePlan, SameTableOnlyForTheSameAddressLimitsAndForwards) {
  const NatTablePlan a = plan_nat_tables(site(6, 10), 1000).at("wan");
  NatTablePlan b = a;
  b.config.seed = 42;  // a new seed alone keeps the table
  EXPECT_TRUE(same_nat_table(a, b));
  b.forwards.pop_back();
  EXPECT_FALSE(same_nat_table(a, b));
  EXPECT_FALSE(same_nat_table(a, plan_nat_tables(site(6, 11), 1000).at("wan")));
}

}  // namespace
}  // namespace edgegw::dataplane::test
