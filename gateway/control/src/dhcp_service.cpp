// DhcpService: punted DHCP frames in, leases persisted, replies out (see dhcp_service.hpp).
#include "edgegw/control/dhcp_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "edgegw/common/log.hpp"
#include "edgegw/control/apply_service.hpp"
#include "edgegw/control/config_dhcp.hpp"
#include "edgegw/dataplane/dataplane.hpp"
#include "edgegw/netproto/checksum.hpp"

namespace edgegw::control {
namespace {

using netproto::load_be16;
using netproto::load_be32;
using netproto::store_be16;
using netproto::store_be32;

constexpr const char* kComponent = "dhcp";
constexpr size_t kEthLen = 14;
constexpr size_t kIpLen = 20;
constexpr size_t kUdpLen = 8;
constexpr uint16_t kServerPort = 67;
constexpr uint16_t kClientPort = 68;
constexpr uint8_t kTtl = 64;
// A neighbor heard from this recently is using its address now (Linux re-confirms a neighbor it
// talks to within its reachable time, about 30 s).
constexpr uint32_t kInUseAge = 120;
constexpr int kOfferAttempts = 4;  // addresses tried per DISCOVER when the first ones are in use

uint64_t wall_clock_s() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::string hex(std::span<const uint8_t> bytes) {
  std::string out;
  char two[3];
  for (uint8_t b : bytes) {
    std::snprintf(two, sizeof two, "%02x", b);
    out += two;
  }
  return out;
}

std::optional<std::vector<uint8_t>> unhex(const std::string& text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(text.c_str() + i, "%2x", &v) != 1) return std::nullopt;
    out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

std::optional<netproto::DhcpLeaseState> lease_state(const std::string& name) {
  for (auto s : {netproto::DhcpLeaseState::offered, netproto::DhcpLeaseState::bound, netproto::DhcpLeaseState::released,
                 netproto::DhcpLeaseState::declined}) {
    if (name == netproto::dhcp_lease_state_name(s)) return s;
  }
  return std::nullopt;
}

std::optional<MacAddress> mac_from_text(const std::string& text) {
  MacAddress mac{};
  unsigned b[6];
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
    return std::nullopt;
  }
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(b[i]);
  return mac;
}

StoredDhcpLease to_stored(const std::string& network, const netproto::DhcpLease& l) {
  return StoredDhcpLease{network,    l.ip,       format_mac(l.mac), hex(l.client_id),
                         l.hostname, netproto::dhcp_lease_state_name(l.state), l.expires_at_s};
}

std::optional<netproto::DhcpLease> from_stored(const StoredDhcpLease& s) {
  netproto::DhcpLease l;
  auto mac = mac_from_text(s.mac);
  auto client_id = unhex(s.client_id);
  auto state = lease_state(s.state);
  if (!mac || !client_id || !state) return std::nullopt;
  l.mac = *mac;
  l.client_id = std::move(*client_id);
  l.ip = s.ip;
  l.hostname = s.hostname;
  l.state = *state;
  l.expires_at_s = s.expires_at_s;
  return l;
}

// The UDP payload of a DHCP message to the server in an untagged Ethernet frame, or an empty span.
std::span<const uint8_t> dhcp_payload(const std::vector<uint8_t>& frame) {
  if (frame.size() < kEthLen + kIpLen + kUdpLen || load_be16(frame.data() + 12) != 0x0800) return {};
  const uint8_t* ip = frame.data() + kEthLen;
  const size_t ihl = (ip[0] & 0x0fu) * 4u;
  const size_t total = load_be16(ip + 2);
  if ((ip[0] >> 4) != 4 || ihl < kIpLen || total < ihl + kUdpLen || kEthLen + total > frame.size() || ip[9] != 17 ||
      netproto::checksum(ip, ihl) != 0 || (load_be16(ip + 6) & 0x3fff) != 0) {
    return {};
  }
  const uint8_t* udp = ip + ihl;
  const size_t udp_len = load_be16(udp + 4);
  if (load_be16(udp + 2) != kServerPort || udp_len < kUdpLen || udp_len > total - ihl) return {};
  if (load_be16(udp + 6) != 0) {  // 0: the sender computed none
    const uint32_t sum = netproto::pseudo_header_sum(load_be32(ip + 12), load_be32(ip + 16), 17,
                                                     static_cast<uint16_t>(udp_len));
    if (netproto::checksum_finish(netproto::checksum_add(sum, udp, udp_len)) != 0) return {};
  }
  return {udp + kUdpLen, udp_len - kUdpLen};
}

}  // namespace

struct DhcpService::Server {
  std::string network;
  MacAddress router_mac{};
  netproto::DhcpServer dhcp;
  std::map<uint32_t, StoredDhcpLease> persisted;  // what the store holds, by address
  DhcpServiceCounters counters;

  Server(std::string name, netproto::DhcpServer server) : network(std::move(name)), dhcp(std::move(server)) {}
};

DhcpService::DhcpService(Store& store, dataplane::Dataplane& dataplane, const ApplyService& apply,
                         std::function<uint64_t()> clock_s)
    : store_(store), dataplane_(dataplane), apply_(apply), clock_s_(clock_s ? std::move(clock_s) : wall_clock_s) {}

DhcpService::~DhcpService() = default;

uint64_t DhcpService::now_s() const {
  last_now_s_ = std::max(last_now_s_, clock_s_());
  return last_now_s_;
}

void DhcpService::handle(const dataplane::PuntedFrame& frame) {
  auto it = servers_.find(frame.network);
  if (it == servers_.end()) {
    ++frames_unrouted_;  // punted under a config that had a server there; it is gone now
    return;
  }
  handle_frame(*it->second, frame.port, frame.frame);
}

void DhcpService::follow_config() {
  const std::optional<GatewayConfig>& active = apply_.active();
  const std::optional<uint64_t> version = active ? std::optional<uint64_t>(active->version) : std::nullopt;
  if (version == configured_version_) return;
  configured_version_ = version;
  const uint64_t now = now_s();

  std::map<std::string, std::unique_ptr<Server>> kept;
  std::vector<std::string> names;
  for (const NetworkConfig& network : active ? active->networks : std::vector<NetworkConfig>{}) {
    if (!network.dhcp || !network.subnet || !network.gateway) continue;
    names.push_back(network.name);
    const netproto::DhcpPoolConfig pool = dhcp_pool_config(network);
    std::unique_ptr<Server> server;
    if (auto old = servers_.find(network.name); old != servers_.end()) {
      server = std::move(old->second);
      if (!(server->dhcp.config() == pool)) {
        if (Result<size_t> dropped = server->dhcp.reconfigure(pool); !dropped) {
          log::error(kComponent, "server kept its old settings",
                     {{"network", network.name}, {"error", dropped.error().message}});
        } else if (*dropped != 0) {
          log::info(kComponent, "leases outside the new pool dropped", {{"network", network.name}, {"count", *dropped}});
        }
      }
    } else {
      Result<netproto::DhcpServer> made = netproto::DhcpServer::create(pool);
      if (!made) {  // the config parser ran the same validation: this is a bug, not bad input
        log::error(kComponent, "no server for network", {{"network", network.name}, {"error", made.error().message}});
        continue;
      }
      server = std::make_unique<Server>(network.name, std::move(made).value());
      // The stored leases that still fit the pool come back; the rest are dropped from the store.
      std::vector<netproto::DhcpLease> records;
      if (Result<std::vector<StoredDhcpLease>> stored = store_.dhcp_leases(network.name); !stored) {
        log::error(kComponent, "stored leases unreadable", {{"network", network.name}, {"error", stored.error().message}});
      } else {
        for (const StoredDhcpLease& s : *stored) {
          server->persisted[s.ip] = s;
          std::optional<netproto::DhcpLease> lease = from_stored(s);
          const bool is_static = std::any_of(pool.static_leases.begin(), pool.static_leases.end(),
                                             [&](const netproto::DhcpStaticLease& l) { return l.ip == s.ip; });
          if (lease && ((s.ip >= pool.range_first && s.ip <= pool.range_last) || is_static)) records.push_back(*lease);
        }
      }
      if (Result<void> restored = server->dhcp.restore(records, now); !restored) {
        log::error(kComponent, "stored leases not restored", {{"network", network.name}, {"error", restored.error().message}});
      } else if (!records.empty()) {
        log::info(kComponent, "leases restored", {{"network", network.name}, {"count", records.size()}});
      }
    }
    server->router_mac = network.router_mac.value_or(default_router_mac(network.name));
    persist(*server);
    kept[network.name] = std::move(server);
  }
  servers_ = std::move(kept);
  if (Result<int> removed = store_.delete_dhcp_leases_except(names); !removed) {
    log::error(kComponent, "leases of removed servers not deleted", {{"error", removed.error().message}});
  }
}

// Writes the server's records that differ from what the store holds; false when the store failed.
bool DhcpService::persist(Server& server) {
  std::vector<StoredDhcpLease> changed;
  std::map<uint32_t, StoredDhcpLease> now;
  for (const netproto::DhcpLease& l : server.dhcp.leases()) {
    StoredDhcpLease s = to_stored(server.network, l);
    auto old = server.persisted.find(l.ip);
    if (old == server.persisted.end() || !(old->second == s)) changed.push_back(s);
    now[l.ip] = std::move(s);
  }
  std::vector<uint32_t> removed;
  for (const auto& [ip, s] : server.persisted) {
    if (!now.contains(ip)) removed.push_back(ip);
  }
  if (changed.empty() && removed.empty()) return true;
  if (Result<void> saved = store_.save_dhcp_leases(server.network, changed, removed); !saved) {
    ++server.counters.store_failed;
    log::error(kComponent, "leases not saved", {{"network", server.network}, {"error", saved.error().message}});
    return false;
  }
  server.persisted = std::move(now);
  return true;
}

void DhcpService::handle_frame(Server& server, const std::string& port, const std::vector<uint8_t>& frame) {
  ++server.counters.frames;
  const std::span<const uint8_t> payload = dhcp_payload(frame);
  if (payload.empty()) {
    ++server.counters.frames_malformed;
    log::debug(kComponent, "malformed frame dropped", {{"network", server.network}, {"port", port}});
    return;
  }
  const uint64_t now = now_s();
  netproto::DhcpDecision d = server.dhcp.handle_packet(payload, now);
  // Conflict detection: an address someone else answers ARP for is never offered.
  for (int attempt = 1; d.action == netproto::DhcpAction::offer && attempt < kOfferAttempts; ++attempt) {
    const uint32_t offered = d.reply.yiaddr;
    const std::string client = format_mac(d.reply.chaddr);
    bool in_use = false;
    for (const dataplane::NeighborStatus& n : dataplane_.neighbors(server.network)) {
      in_use = in_use || (n.ip == offered && !n.mac.empty() && n.mac != client && n.age_s <= kInUseAge);
    }
    if (!in_use || !server.dhcp.quarantine(offered, now)) break;
    log::warn(kComponent, "address in use by another host: quarantined",
              {{"network", server.network}, {"ip", format_ipv4(offered)}, {"client", client}});
    Result<netproto::DhcpMessage> msg = netproto::parse_dhcp_message(payload);
    if (!msg) break;
    d = server.dhcp.handle(*msg, now);
  }
  // Leases are on disk before the client hears of them.
  if ((d.lease_changed || d.table_changed) && !persist(server)) return;
  if (d.action == netproto::DhcpAction::none) return;

  std::vector<uint8_t> reply(kEthLen + kIpLen + kUdpLen + netproto::dhcp_encoded_size(d.reply));
  Result<size_t> encoded = netproto::encode_dhcp_message(d.reply, {reply.data() + kEthLen + kIpLen + kUdpLen,
                                                                   reply.size() - kEthLen - kIpLen - kUdpLen});
  if (!encoded) {
    log::error(kComponent, "reply not encoded", {{"network", server.network}, {"error", encoded.error().message}});
    return;
  }
  reply.resize(kEthLen + kIpLen + kUdpLen + *encoded);
  uint8_t* eth = reply.data();
  switch (d.reply_to) {
    case netproto::DhcpReplyTo::broadcast: std::fill(eth, eth + 6, 0xff); break;
    case netproto::DhcpReplyTo::yiaddr: std::copy(d.reply.chaddr.begin(), d.reply.chaddr.end(), eth); break;
    case netproto::DhcpReplyTo::ciaddr:
    case netproto::DhcpReplyTo::relay: std::copy(frame.begin() + 6, frame.begin() + 12, eth); break;  // the sender
  }
  std::copy(server.router_mac.begin(), server.router_mac.end(), eth + 6);
  store_be16(eth + 12, 0x0800);
  uint8_t* ip = eth + kEthLen;
  const auto ip_total = static_cast<uint16_t>(reply.size() - kEthLen);
  ip[0] = 0x45;
  store_be16(ip + 2, ip_total);
  ip[8] = kTtl;
  ip[9] = 17;
  const uint32_t src = server.dhcp.config().server_ip;
  store_be32(ip + 12, src);
  store_be32(ip + 16, d.reply_ip);
  store_be16(ip + 10, netproto::checksum(ip, kIpLen));
  uint8_t* udp = ip + kIpLen;
  const auto udp_len = static_cast<uint16_t>(ip_total - kIpLen);
  store_be16(udp, kServerPort);
  store_be16(udp + 2, d.reply_to == netproto::DhcpReplyTo::relay ? kServerPort : kClientPort);
  store_be16(udp + 4, udp_len);
  const uint16_t sum = netproto::checksum_finish(
      netproto::checksum_add(netproto::pseudo_header_sum(src, d.reply_ip, 17, udp_len), udp, udp_len));
  store_be16(udp + 6, sum == 0 ? 0xffff : sum);  // 0 would mean "no checksum"
  if (Result<void> sent = dataplane_.inject(server.network, reply); !sent) {
    ++server.counters.replies_failed;
    log::warn(kComponent, "reply not sent", {{"network", server.network}, {"error", sent.error().message}});
    return;
  }
  ++server.counters.replies_sent;
}

std::vector<DhcpNetworkView> DhcpService::networks() const {
  std::vector<DhcpNetworkView> out;
  const uint64_t now = now_s();
  for (const auto& [name, server] : servers_) {
    DhcpNetworkView v{name, server->dhcp.config(), server->dhcp.counters(), server->counters, 0};
    for (const netproto::DhcpLease& l : server->dhcp.leases()) {
      if (l.state == netproto::DhcpLeaseState::bound && l.expires_at_s > now) ++v.bound;
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<std::vector<netproto::DhcpLease>> DhcpService::leases(const std::string& network) const {
  auto it = servers_.find(network);
  if (it == servers_.end()) return std::nullopt;
  return it->second->dhcp.leases();
}

}  // namespace edgegw::control
