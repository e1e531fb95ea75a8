// The gateway's router advertisements (RFC 4861 6.2): one advertiser per network whose `ipv6` block
// has router_advertisements enabled, sending to all-nodes through Dataplane::inject as the network's
// router MAC and its link-local address. Hosts take the gateway as their default router and, on a
// /64, configure their addresses from the prefix (SLAAC).
//
// Schedule: unsolicited advertisements at a random time in [MinRtrAdvInterval, MaxRtrAdvInterval]
// after the previous multicast one, the first three (of an advertiser, or after its contents changed)
// at most 16 s apart; a router solicitation is answered by a multicast advertisement 0..500 ms
// later, never sooner than 3 s after the previous one (several solicitations, one answer). An
// advertiser that goes away (network, ipv6 or enabled removed, or stop()) sends one last
// advertisement with router lifetime 0, so hosts drop the gateway as default router at once.
//
// Threading: control-plane thread only (a timer calls poll(); PuntDispatcher hands over frames).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "edgegw/control/config_model.hpp"
#include "edgegw/netproto/ndp.hpp"

namespace edgegw::dataplane {
class Dataplane;
struct PuntedFrame;
}  // namespace edgegw::dataplane

namespace edgegw::control {

// RFC 4861 10, router constants.
inline constexpr uint64_t kMaxInitialRtrAdvertIntervalMs = 16000;
inline constexpr uint32_t kMaxInitialRtrAdvertisements = 3;
inline constexpr uint64_t kMinDelayBetweenRasMs = 3000;
inline constexpr uint64_t kMaxRaDelayTimeMs = 500;

// What one network's advertiser did.
struct RaCounters {
  uint64_t rs_received = 0;          // router solicitations punted for the network, malformed ones too
  uint64_t rs_malformed = 0;         // ... refused by the RFC 4861 6.1.1 checks: not answered
  uint64_t ra_sent_unsolicited = 0;  // periodic ones and the final one
  uint64_t ra_sent_solicited = 0;    // answers to solicitations
  uint64_t send_failed = 0;          // the data plane refused an advertisement (queue full)
};

struct RaNetworkView {
  std::string network;
  netproto::RouterAdvertisement advertisement;  // what it sends to all-nodes
  uint32_t interval_s = 0;                      // MaxRtrAdvInterval
  RaCounters counters;
};

// What a network's config asks the gateway to advertise (prefix, router MAC as the switch uses
// it, the smallest MTU of its member ports, DNS servers), or nothing when it asks for none.
std::optional<RaNetworkView> router_advertisement_of(const GatewayConfig& config, const NetworkConfig& network);

class RaService {
 public:
  // The config to follow (the applied one in the daemon); nullptr while there is none.
  using ActiveConfig = std::function<const GatewayConfig*()>;
  using ClockMs = std::function<uint64_t()>;  // monotonic milliseconds
  // A uniformly distributed integer in [low, high].
  using Uniform = std::function<uint64_t(uint64_t low, uint64_t high)>;

  // Empty `clock_ms` / `uniform`: the steady clock and a randomly seeded generator.
  RaService(dataplane::Dataplane& dataplane, ActiveConfig active, ClockMs clock_ms = {}, Uniform uniform = {});
  ~RaService();
  RaService(const RaService&) = delete;
  RaService& operator=(const RaService&) = delete;

  // Advertisers made, changed (back to their three fast ones) or removed (final advertisement) when
  // the active config's version changed. poll() calls it too.
  void follow_config();
  // A punted IPv6 frame: a router solicitation for its network schedules an answer.
  void handle(const dataplane::PuntedFrame& frame);
  // Follows the config, then sends the advertisements that are due. Returns how many went out.
  // Call it from a timer (every few ms: answers are due to the millisecond).
  size_t poll();
  // Every advertiser sends its final advertisement (router lifetime 0); nothing is sent afterwards.
  // Returns the frames queued, which the data plane's worker still has to send.
  size_t stop();

  std::vector<RaNetworkView> networks() const;
  uint64_t frames_unrouted() const { return frames_unrouted_; }  // for networks without an advertiser

 private:
  struct Advertiser;
  uint64_t now_ms() const;
  uint64_t random_between(uint64_t low, uint64_t high);
  // Sends `advertiser`'s advertisement to all-nodes now and schedules the next unsolicited one.
  bool send_multicast(Advertiser& advertiser, uint64_t now, bool solicited);
  bool send_final(Advertiser& advertiser);
  void restart(Advertiser& advertiser, uint64_t now);

  dataplane::Dataplane& dataplane_;
  ActiveConfig active_;
  ClockMs clock_ms_;
  Uniform uniform_;
  std::mt19937_64 random_;  // when no `uniform` was given
  std::optional<uint64_t> configured_version_;
  std::map<std::string, std::unique_ptr<Advertiser>> advertisers_;  // by network name
  uint64_t frames_unrouted_ = 0;
  bool stopped_ = false;
};

}  // namespace edgegw::control
