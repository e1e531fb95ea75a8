// RaService on a data-plane double with a manual clock and chosen random values: the RFC 4861
// schedule (three fast advertisements, then within [interval/3, interval]), solicitations answered
// within 500 ms but never sooner than 3 s after the previous advertisement, malformed ones counted,
// the final advertisement with lifetime 0 on removal and at stop, and what the frames say.
#include "edgegw/control/ra_service.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "edgegw/control/apply_service.hpp"
#include "dataplane_doubles.hpp"
#include "ra_test_support.hpp"

namespace edgegw::control {
namespace {

using test::advertising_config;
using test::ip6;
using test::read_advertisement;
using test::ReadAdvertisement;

constexpr netproto::MacAddress kAllNodesMac = {0x33, 0x33, 0, 0, 0, 1};

class RaServiceTest : public testing::Test {
 protected:
  enum class Pick { low, high, seeded };

  RaService& ra() {
    if (!ra_) {
      ra_ = std::make_unique<RaService>(
          dp_, [this] { return config_ ? &*config_ : nullptr; }, [this] { return dp_.now_ms; },
          [this](uint64_t low, uint64_t high) { return pick(low, high); });
    }
    return *ra_;
  }
  uint64_t pick(uint64_t low, uint64_t high) {
    if (pick_ == Pick::low) return low;
    if (pick_ == Pick::high) return high;
    return std::uniform_int_distribution<uint64_t>(low, high)(random_);
  }
  RouterAdvertisementConfig& settings() { return config_->networks[0].ipv6->router_advertisements; }

  // The daemon's 10 ms timer, up to `until_ms`.
  void run_until(uint64_t until_ms) {
    while (dp_.now_ms < until_ms) {
      dp_.now_ms += 10;
      ra().poll();
    }
  }
  void solicit(uint8_t hop_limit = 255, const std::string& network = "lan") {
    ra().handle({network, "lan0", test::solicitation_frame(hop_limit)});
  }
  RaCounters counters() {
    const std::vector<RaNetworkView> views = ra().networks();
    return views.empty() ? RaCounters{} : views[0].counters;
  }
  std::vector<uint64_t> send_times(size_t from = 0) const {
    std::vector<uint64_t> out;
    for (size_t i = from; i < dp_.injected.size(); ++i) out.push_back(dp_.injected[i].at_ms);
    return out;
  }
  ReadAdvertisement last_sent() const { return read_advertisement(dp_.injected.back().frame); }

  test::PuntingDataplane dp_;
  std::optional<GatewayConfig> config_ = advertising_config(1);
  Pick pick_ = Pick::high;
  std::mt19937_64 random_{42};
  std::unique_ptr<RaService> ra_;
};

TEST_F(RaServiceTest, FirstThreeAtMost16sApartThenWithinTheInterval) {
  settings().interval_s = 30;  // random intervals of 10..30 s, so the 16 s cap of the first ones shows
  pick_ = Pick::seeded;
  ra().poll();
  run_until(1'500'000);
  const std::vector<uint64_t> t = send_times();
  ASSERT_GE(t.size(), 50u);
  EXPECT_EQ(t[0], 0u) << "the first one at once";
  bool above_cap = false;
  for (size_t i = 1; i < t.size(); ++i) {
    const uint64_t gap = t[i] - t[i - 1];
    EXPECT_GE(gap, 10'000u) << i;
    EXPECT_LE(gap, (i < 3 ? 16'000u : 30'000u) + 9) << i << " (sent on the 10 ms timer)";
    above_cap = above_cap || (i >= 3 && gap > 16'000);
  }
  EXPECT_TRUE(above_cap) << "after the first three the full interval is used";
  EXPECT_EQ(counters().ra_sent_unsolicited, t.size());
  EXPECT_EQ(counters().ra_sent_solicited, 0u);
}

TEST_F(RaServiceTest, WithTheDefaultIntervalTheFirstOnesAre16sApart) {
  ra().poll();
  run_until(500'000);
  EXPECT_EQ(send_times(), (std::vector<uint64_t>{0, 16'000, 32'000, 232'000, 432'000}));
  pick_ = Pick::low;  // the interval after the one sent at 632 s is drawn then
  run_until(700'000);
  EXPECT_EQ(send_times(5), (std::vector<uint64_t>{632'000, 698'670})) << "a third of 200 s, on the 10 ms timer";
}

TEST_F(RaServiceTest, ASolicitationIsAnsweredWithin500msAndRestartsTheTimer) {
  ra().poll();
  run_until(100'000);  // sent at 0, 16 and 32 s; the next is due at 232 s
  const size_t before = dp_.injected.size();
  solicit();
  run_until(101'000);
  ASSERT_EQ(dp_.injected.size(), before + 1);
  EXPECT_EQ(dp_.injected.back().at_ms, 100'500u) << "the longest random delay";
  EXPECT_EQ(last_sent().destination, ip6("ff02::1"));
  EXPECT_EQ(last_sent().eth_destination, kAllNodesMac);
  EXPECT_EQ(counters().rs_received, 1u);
  EXPECT_EQ(counters().ra_sent_solicited, 1u);
  // A multicast answer resets the timer: the next unsolicited one is an interval after it.
  run_until(300'490);
  EXPECT_EQ(dp_.injected.size(), before + 1);
  run_until(300'500);
  EXPECT_EQ(dp_.injected.size(), before + 2);
  EXPECT_EQ(counters().ra_sent_unsolicited, 4u);

  pick_ = Pick::low;
  solicit();
  run_until(304'000);
  EXPECT_EQ(dp_.injected.back().at_ms, 303'500u) << "no delay drawn, but 3 s after the previous one";
}

TEST_F(RaServiceTest, SeveralSolicitationsGetOneAnswerNotSoonerThan3sAfterThePrevious) {
  ra().poll();
  run_until(100'000);
  pick_ = Pick::low;
  solicit();
  run_until(100'010);
  ASSERT_EQ(counters().ra_sent_solicited, 1u);
  const uint64_t answered = dp_.injected.back().at_ms;
  const size_t before = dp_.injected.size();
  for (uint64_t at : {100'200, 100'400, 100'600, 100'800, 101'000}) {
    run_until(at);
    solicit();
  }
  run_until(110'000);
  ASSERT_EQ(dp_.injected.size(), before + 1) << "five solicitations, one answer";
  EXPECT_EQ(dp_.injected.back().at_ms, answered + 3'000);
  EXPECT_EQ(counters().rs_received, 6u);
  EXPECT_EQ(counters().ra_sent_solicited, 2u);
}

TEST_F(RaServiceTest, MalformedSolicitationsAreCountedAndNotAnswered) {
  ra().poll();
  run_until(100'000);
  const size_t before = dp_.injected.size();
  solicit(64);  // a hop limit below 255: it came through a router
  run_until(200'000);
  EXPECT_EQ(dp_.injected.size(), before);
  EXPECT_EQ(counters().rs_received, 1u);
  EXPECT_EQ(counters().rs_malformed, 1u);
  EXPECT_EQ(counters().ra_sent_solicited, 0u);

  solicit(255, "other");
  EXPECT_EQ(ra().frames_unrouted(), 1u) << "a network that does not advertise";
}

TEST_F(RaServiceTest, EveryWayOfRemovingAdvertisementsSendsOneFinalAdvertisement) {
  const std::vector<std::pair<const char*, void (*)(GatewayConfig&)>> removals = {
      {"network removed", [](GatewayConfig& c) { c.networks.clear(); }},
      {"ipv6 removed", [](GatewayConfig& c) { c.networks[0].ipv6.reset(); }},
      {"disabled", [](GatewayConfig& c) { c.networks[0].ipv6->router_advertisements.enabled = false; }},
  };
  for (const auto& [what, remove] : removals) {
    ra_.reset();
    dp_.injected.clear();
    dp_.now_ms = 0;
    config_ = advertising_config(1);
    ra().poll();
    run_until(1'000);
    ASSERT_EQ(dp_.injected.size(), 1u) << what;
    const ReadAdvertisement first = last_sent();

    config_ = advertising_config(2);
    remove(*config_);
    run_until(1'010);
    ASSERT_EQ(dp_.injected.size(), 2u) << what;
    const ReadAdvertisement last = last_sent();
    ASSERT_TRUE(last.ok) << what;
    EXPECT_EQ(last.router_lifetime_s, 0) << what;
    EXPECT_EQ(last.source, first.source) << what;
    EXPECT_EQ(last.destination, ip6("ff02::1")) << what;
    EXPECT_TRUE(ra().networks().empty()) << what;
    run_until(500'000);
    EXPECT_EQ(dp_.injected.size(), 2u) << what << ": nothing after the final one";
  }
}

TEST_F(RaServiceTest, StopSendsTheFinalAdvertisementAndThenNothing) {
  ra().poll();
  run_until(20'000);
  ASSERT_EQ(dp_.injected.size(), 2u);
  EXPECT_EQ(ra().stop(), 1u);
  ASSERT_EQ(dp_.injected.size(), 3u);
  EXPECT_TRUE(last_sent().ok);
  EXPECT_EQ(last_sent().router_lifetime_s, 0);
  EXPECT_EQ(last_sent().prefix, (netproto::RaPrefix{ip6("2001:db8:1::"), 64}));
  solicit();
  run_until(500'000);
  EXPECT_EQ(dp_.injected.size(), 3u);
  EXPECT_EQ(ra().stop(), 0u) << "once";
}

TEST_F(RaServiceTest, ChangedContentsGoOutFastAgain) {
  ra().poll();
  run_until(100'000);
  config_ = advertising_config(2);
  settings().dns = {ip6("2001:db8::1")};
  run_until(400'000);
  EXPECT_EQ(send_times(3), (std::vector<uint64_t>{100'010, 116'010, 132'010, 332'010}));
  EXPECT_EQ(last_sent().dns, std::vector<netproto::Ipv6Address>{ip6("2001:db8::1")});

  config_ = advertising_config(3);  // the same contents as version 2 but for the DNS server
  settings().dns = {ip6("2001:db8::1")};
  run_until(500'000);
  EXPECT_EQ(dp_.injected.size(), 7u) << "a new version with the same contents changes nothing";
}

TEST_F(RaServiceTest, ANewRouterMacSaysGoodbyeFromTheOldOne) {
  ra().poll();
  const ReadAdvertisement old_router = last_sent();
  config_ = advertising_config(2);
  config_->networks[0].router_mac = netproto::MacAddress{0x02, 0, 0, 0, 0, 0x99};
  run_until(3'000);
  ASSERT_EQ(dp_.injected.size(), 3u);
  const ReadAdvertisement goodbye = read_advertisement(dp_.injected[1].frame);
  EXPECT_EQ(goodbye.router_lifetime_s, 0);
  EXPECT_EQ(goodbye.source, old_router.source);
  EXPECT_EQ(last_sent().router_lifetime_s, 1800);
  EXPECT_EQ(last_sent().source, netproto::ipv6_link_local({0x02, 0, 0, 0, 0, 0x99}));
  EXPECT_EQ(dp_.injected.back().at_ms, 3'000u) << "3 s after the previous multicast advertisement";
}

TEST_F(RaServiceTest, TheAdvertisementSaysWhatTheConfigSays) {
  ra().poll();
  ASSERT_EQ(dp_.injected.size(), 1u);
  EXPECT_EQ(dp_.injected[0].network, "lan");
  const ReadAdvertisement r = last_sent();
  ASSERT_TRUE(r.ok) << "headers, hop limit 255, checksum";
  const netproto::MacAddress router = default_router_mac("lan");
  EXPECT_EQ(r.eth_destination, kAllNodesMac);
  EXPECT_EQ(r.eth_source, router) << "the MAC the switch routes with";
  EXPECT_EQ(r.source, netproto::ipv6_link_local(router));
  EXPECT_EQ(r.destination, ip6("ff02::1"));
  EXPECT_EQ(r.router_lifetime_s, 1800);
  EXPECT_EQ(r.source_link_layer, router);
  EXPECT_EQ(r.mtu, 1400u) << "the smallest MTU of the member ports";
  EXPECT_EQ(r.prefix, (netproto::RaPrefix{ip6("2001:db8:1::"), 64}));
  EXPECT_EQ(r.prefix_flags, 0xc0) << "on-link and autonomous";
  EXPECT_EQ(r.valid_lifetime_s, 86'400u);
  EXPECT_EQ(r.preferred_lifetime_s, 14'400u);
  EXPECT_EQ(r.dns, (std::vector<netproto::Ipv6Address>{ip6("2001:db8::53"), ip6("2001:db8::54")}));
  EXPECT_EQ(r.dns_lifetime_s, 600u) << "three intervals";
}

TEST_F(RaServiceTest, NoDnsNoSlaacAndNotADefaultRouter) {
  config_->networks[0].router_mac = netproto::MacAddress{0x02, 0, 0, 0, 0, 0x42};
  config_->networks[0].ipv6->subnet = Ipv6Prefix{ip6("2001:db8:1::"), 56};
  settings().router_lifetime_s = 0;
  settings().dns.clear();
  ra().poll();
  const ReadAdvertisement r = last_sent();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.source_link_layer, (netproto::MacAddress{0x02, 0, 0, 0, 0, 0x42}));
  EXPECT_EQ(r.router_lifetime_s, 0);
  EXPECT_EQ(r.prefix_flags, 0x80) << "on-link only: SLAAC needs a /64";
  EXPECT_TRUE(r.dns.empty());
}

TEST_F(RaServiceTest, ARefusedAdvertisementIsCountedAndTheScheduleGoesOn) {
  dp_.inject_full = true;
  ra().poll();
  EXPECT_EQ(counters().send_failed, 1u);
  EXPECT_EQ(counters().ra_sent_unsolicited, 0u);
  dp_.inject_full = false;
  run_until(16'000);
  EXPECT_EQ(send_times(), std::vector<uint64_t>{16'000});
  EXPECT_EQ(counters().ra_sent_unsolicited, 1u);
}

}  // namespace
}  // namespace edgegw::control
