// RaService: router advertisements on their RFC 4861 schedule, solicitations answered (see
// ra_service.hpp).
#include "edgegw/control/ra_service.hpp"

#include <algorithm>
#include <chrono>

#include "edgegw/common/log.hpp"
#include "edgegw/control/apply_service.hpp"
#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::control {
namespace {

constexpr const char* kComponent = "ra";

// RFC 8106 5.1: the RDNSS lifetime SHOULD be at least 3 * MaxRtrAdvInterval, so a host keeps its
// DNS servers through two lost advertisements (the older 2x of RFC 6106 expired them after one).
constexpr uint32_t kRdnssLifetimeIntervals = 3;
// RFC 4861 6.2.1: MinRtrAdvInterval MUST be at least 3 s, whatever a third of the maximum is.
constexpr uint64_t kMinRtrAdvIntervalFloorMs = 3000;

uint64_t steady_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

uint32_t smallest_member_mtu(const GatewayConfig& config, const NetworkConfig& network) {
  uint32_t mtu = 0;
  for (const NetworkMember& m : network.ports) {
    const PortConfig* port = config.find_port(m.port);
    if (port != nullptr && (mtu == 0 || port->mtu < mtu)) mtu = port->mtu;
  }
  return mtu;
}

}  // namespace

std::optional<RaNetworkView> router_advertisement_of(const GatewayConfig& config, const NetworkConfig& network) {
  if (!network.ipv6 || !network.ipv6->router_advertisements.enabled) return std::nullopt;
  const RouterAdvertisementConfig& settings = network.ipv6->router_advertisements;
  RaNetworkView view;
  view.network = network.name;
  view.interval_s = settings.interval_s;
  netproto::RouterAdvertisement& ra = view.advertisement;
  ra.router_mac = network.router_mac.value_or(default_router_mac(network.name));
  // The parser keeps it within 9000 s; the field has 16 bits.
  ra.router_lifetime_s = static_cast<uint16_t>(std::min<uint32_t>(settings.router_lifetime_s, 0xffff));
  ra.mtu = smallest_member_mtu(config, network);
  ra.prefix = netproto::RaPrefix{network.ipv6->subnet.address, network.ipv6->subnet.length};
  ra.dns = settings.dns;
  ra.dns_lifetime_s = settings.dns.empty() ? 0 : kRdnssLifetimeIntervals * settings.interval_s;
  return view;
}

struct RaService::Advertiser {
  RaNetworkView view;
  uint32_t multicast_sent = 0;      // since it began or its contents changed (the first ones are fast)
  uint64_t next_unsolicited_ms = 0;
  std::optional<uint64_t> last_multicast_ms;
  std::optional<uint64_t> answer_at_ms;  // a multicast answer to solicitations is due then

  explicit Advertiser(RaNetworkView v) : view(std::move(v)) {}
  netproto::RouterAdvertisement& ra() { return view.advertisement; }
  // Rate limit of multicast advertisements: not sooner than this.
  uint64_t earliest_multicast(uint64_t now) const {
    return last_multicast_ms ? std::max(now, *last_multicast_ms + kMinDelayBetweenRasMs) : now;
  }
};

RaService::RaService(dataplane::Dataplane& dataplane, ActiveConfig active, ClockMs clock_ms, Uniform uniform)
    : dataplane_(dataplane),
      active_(std::move(active)),
      clock_ms_(clock_ms ? std::move(clock_ms) : steady_ms),
      uniform_(std::move(uniform)),
      random_(std::random_device{}()) {}

RaService::~RaService() = default;

uint64_t RaService::now_ms() const { return clock_ms_(); }

uint64_t RaService::random_between(uint64_t low, uint64_t high) {
  if (uniform_) return std::clamp(uniform_(low, high), low, high);
  return std::uniform_int_distribution<uint64_t>(low, high)(random_);
}

void RaService::follow_config() {
  if (stopped_) return;
  const GatewayConfig* active = active_();
  const std::optional<uint64_t> version = active != nullptr ? std::optional<uint64_t>(active->version) : std::nullopt;
  if (version == configured_version_) return;
  configured_version_ = version;
  const uint64_t now = now_ms();

  std::map<std::string, std::unique_ptr<Advertiser>> kept;
  for (const NetworkConfig& network : active != nullptr ? active->networks : std::vector<NetworkConfig>{}) {
    std::optional<RaNetworkView> wanted = router_advertisement_of(*active, network);
    if (!wanted) continue;
    auto old = advertisers_.find(network.name);
    if (old == advertisers_.end()) {
      auto advertiser = std::make_unique<Advertiser>(std::move(*wanted));
      restart(*advertiser, now);
      log::info(kComponent, "advertising", {{"network", network.name}});
      kept[network.name] = std::move(advertiser);
      continue;
    }
    std::unique_ptr<Advertiser> advertiser = std::move(old->second);
    advertisers_.erase(old);
    if (advertiser->ra() != wanted->advertisement || advertiser->view.interval_s != wanted->interval_s) {
      // Hosts keep a router by its link-local address: a new MAC is a new router, the old one leaves.
      if (advertiser->ra().router_mac != wanted->advertisement.router_mac) send_final(*advertiser);
      wanted->counters = advertiser->view.counters;
      advertiser->view = std::move(*wanted);
      restart(*advertiser, now);  // RFC 4861 6.2.4: changed contents go out fast, as at the start
    }
    kept[network.name] = std::move(advertiser);
  }
  for (auto& [name, advertiser] : advertisers_) {
    send_final(*advertiser);
    log::info(kComponent, "stopped advertising", {{"network", name}});
  }
  advertisers_ = std::move(kept);
}

void RaService::restart(Advertiser& advertiser, uint64_t now) {
  advertiser.multicast_sent = 0;
  advertiser.next_unsolicited_ms = advertiser.earliest_multicast(now);
}

void RaService::handle(const dataplane::PuntedFrame& frame) {
  if (stopped_) return;
  auto it = advertisers_.find(frame.network);
  if (it == advertisers_.end()) {
    ++frames_unrouted_;  // punted under a config that advertised there; it is gone now
    return;
  }
  Advertiser& advertiser = *it->second;
  ++advertiser.view.counters.rs_received;
  Result<netproto::RouterSolicitation> rs = netproto::parse_router_solicitation(frame.frame.data(), frame.frame.size());
  if (!rs) {
    ++advertiser.view.counters.rs_malformed;
    log::debug(kComponent, "malformed solicitation dropped",
               {{"network", frame.network}, {"port", frame.port}, {"error", rs.error().message}});
    return;
  }
  // One answer for every solicitation until it is sent: its delay counts from the first.
  if (advertiser.answer_at_ms) return;
  // RFC 4861 6.2.6: a random delay, after MIN_DELAY_BETWEEN_RAS from the previous multicast one.
  const uint64_t at = advertiser.earliest_multicast(now_ms()) + random_between(0, kMaxRaDelayTimeMs);
  if (at < advertiser.next_unsolicited_ms) advertiser.answer_at_ms = at;  // else that one answers
}

size_t RaService::poll() {
  follow_config();
  if (stopped_) return 0;
  const uint64_t now = now_ms();
  size_t sent = 0;
  for (auto& [name, advertiser] : advertisers_) {
    if (advertiser->answer_at_ms && now >= *advertiser->answer_at_ms) {
      sent += send_multicast(*advertiser, now, true) ? 1 : 0;
    } else if (now >= advertiser->next_unsolicited_ms) {
      sent += send_multicast(*advertiser, now, false) ? 1 : 0;
    }
  }
  return sent;
}

bool RaService::send_multicast(Advertiser& advertiser, uint64_t now, bool solicited) {
  RaCounters& counters = advertiser.view.counters;
  // A refused advertisement is like one lost on the wire: the schedule goes on as if it was sent.
  Result<void> sent = dataplane_.inject(advertiser.view.network, netproto::build_router_advertisement(advertiser.ra()));
  if (!sent) {
    ++counters.send_failed;
    log::warn(kComponent, "advertisement not sent", {{"network", advertiser.view.network}, {"error", sent.error().message}});
  } else {
    ++(solicited ? counters.ra_sent_solicited : counters.ra_sent_unsolicited);
  }
  // Every multicast advertisement, solicited or not, resets the timer (RFC 4861 6.2.4).
  ++advertiser.multicast_sent;
  advertiser.last_multicast_ms = now;
  advertiser.answer_at_ms.reset();
  const uint64_t max_ms = uint64_t{advertiser.view.interval_s} * 1000;
  const uint64_t min_ms = std::min(max_ms, std::max(max_ms / 3, kMinRtrAdvIntervalFloorMs));
  uint64_t interval = random_between(min_ms, max_ms);
  if (advertiser.multicast_sent < kMaxInitialRtrAdvertisements) interval = std::min(interval, kMaxInitialRtrAdvertIntervalMs);
  advertiser.next_unsolicited_ms = now + interval;
  return sent.ok();
}

bool RaService::send_final(Advertiser& advertiser) {
  netproto::RouterAdvertisement last = advertiser.ra();
  last.router_lifetime_s = 0;  // RFC 4861 6.2.5: hosts drop the gateway as default router now
  Result<void> sent = dataplane_.inject(advertiser.view.network, netproto::build_router_advertisement(last));
  if (!sent) {
    ++advertiser.view.counters.send_failed;
    log::warn(kComponent, "final advertisement not sent",
              {{"network", advertiser.view.network}, {"error", sent.error().message}});
    return false;
  }
  ++advertiser.view.counters.ra_sent_unsolicited;
  return true;
}

size_t RaService::stop() {
  if (stopped_) return 0;
  stopped_ = true;
  size_t sent = 0;
  for (auto& [name, advertiser] : advertisers_) sent += send_final(*advertiser) ? 1 : 0;
  return sent;
}

std::vector<RaNetworkView> RaService::networks() const {
  std::vector<RaNetworkView> out;
  for (const auto& [name, advertiser] : advertisers_) out.push_back(advertiser->view);
  return out;
}

}  // namespace edgegw::control
