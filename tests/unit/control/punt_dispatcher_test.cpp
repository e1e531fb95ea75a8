// PuntDispatcher: one read of the punted frames per poll, IPv4 to the DHCP servers, IPv6 to the
// router advertisers, anything else counted and dropped; both services follow the config first.
#include "edgegw/control/punt_dispatcher.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "apply_test_support.hpp"
#include "edgegw/control/apply_service.hpp"
#include "edgegw/control/dhcp_service.hpp"
#include "edgegw/control/ra_service.hpp"
#include "dataplane_doubles.hpp"
#include "ra_test_support.hpp"

namespace edgegw::control {
namespace {

TEST(PuntDispatcher, EachFrameGoesToTheServiceOfItsEthertype) {
  test::TempDir dir;
  auto store = Store::open(dir.file("edgegw.db"));
  ASSERT_TRUE(store) << store.error().message;
  test::PuntingDataplane dp;
  ApplyService apply(*store.value(), dp);
  DhcpService dhcp(*store.value(), dp, apply);  // no config applied: no DHCP server anywhere
  const std::optional<GatewayConfig> config = test::advertising_config(1);
  RaService ra(dp, [&] { return &*config; }, [&] { return dp.now_ms; });
  PuntDispatcher punts(dp, dhcp, ra);

  std::vector<uint8_t> ipv4 = test::solicitation_frame();
  ipv4[12] = 0x08;
  ipv4[13] = 0x00;
  std::vector<uint8_t> arp = ipv4;
  arp[13] = 0x06;
  dp.punted = {{"lan", "lan0", test::solicitation_frame()}, {"lan", "lan0", ipv4}, {"lan", "lan0", arp},
               {"lan", "lan0", std::vector<uint8_t>(12, 0)}};
  EXPECT_EQ(punts.poll(), 4u);
  EXPECT_EQ(dp.punt_receive_calls, 1);
  ASSERT_EQ(ra.networks().size(), 1u) << "the advertiser followed the config before the frames came";
  EXPECT_EQ(ra.networks()[0].counters.rs_received, 1u);
  EXPECT_EQ(ra.networks()[0].counters.rs_malformed, 0u);
  EXPECT_EQ(dhcp.frames_unrouted(), 1u) << "the IPv4 frame went to the DHCP side";
  EXPECT_EQ(punts.frames_unclaimed(), 2u) << "ARP and a runt";

  ra.poll();
  ASSERT_EQ(dp.injected.size(), 1u) << "the first advertisement answers the solicitation too";
  EXPECT_EQ(ra.networks()[0].counters.ra_sent_unsolicited, 1u);
  EXPECT_EQ(punts.poll(), 0u);
  EXPECT_EQ(dp.punt_receive_calls, 2);
}

}  // namespace
}  // namespace edgegw::control
