// DHCPv4 server: config validation, the RFC 2131 section 4.3 decisions, allocation, persistence hooks.
#include "edgegw/netproto/dhcp_server.hpp"

#include "edgegw/netproto/checksum.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace edgegw::netproto {
namespace {

uint64_t mac_int(const MacAddress& mac) {
  uint64_t v = 0;
  for (uint8_t b : mac) v = v << 8 | b;
  return v;
}

std::string ip_text(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string(ip >> 16 & 0xff) + "." + std::to_string(ip >> 8 & 0xff) +
         "." + std::to_string(ip & 0xff);
}

Error invalid(const std::string& field, const std::string& why) {
  return make_error(Errc::validation, field + ": " + why, field);
}


// A record holds no address (for anyone) once released or past its expiry.
bool is_free(const DhcpLease& rec, uint64_t now_s) {
  return rec.state == DhcpLeaseState::released || rec.expires_at_s <= now_s;
}

bool domain_char_ok(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
}

}  // namespace

const char* dhcp_lease_state_name(DhcpLeaseState state) {
  switch (state) {
    case DhcpLeaseState::offered: return "offered";
    case DhcpLeaseState::bound: return "bound";
    case DhcpLeaseState::released: return "released";
    case DhcpLeaseState::declined: return "declined";
  }
  return "unknown";
}

Result<void> validate(const DhcpPoolConfig& c) {
  if (c.prefix_len < 1 || c.prefix_len > 30) {
    return invalid("prefix_len", std::to_string(c.prefix_len) + " leaves no room for hosts (1..30)");
  }
  const uint32_t mask = prefix_mask(c.prefix_len);
  const uint32_t broadcast = c.subnet | ~mask;
  if ((c.subnet & ~mask) != 0) {
    return invalid("subnet", ip_text(c.subnet) + " has host bits set for /" + std::to_string(c.prefix_len));
  }
  // Why `ip` cannot be a host of the subnet, or nullptr.
  auto not_a_host = [&](uint32_t ip) -> const char* {
    if ((ip & mask) != c.subnet) return " is outside the subnet";
    if (ip == c.subnet) return " is the network address";
    if (ip == broadcast) return " is the broadcast address";
    return nullptr;
  };
  auto check_host = [&](const std::string& field, uint32_t ip, bool server_allowed) -> Result<void> {
    if (const char* why = not_a_host(ip)) return invalid(field, ip_text(ip) + why);
    if (!server_allowed && ip == c.server_ip) return invalid(field, ip_text(ip) + " is the server address");
    return {};
  };
  if (auto r = check_host("server_ip", c.server_ip, true); !r) return r;
  if (auto r = check_host("range.first", c.range_first, false); !r) return r;
  if (auto r = check_host("range.last", c.range_last, false); !r) return r;
  if (c.range_first > c.range_last) {
    return invalid("range", "first " + ip_text(c.range_first) + " is after last " + ip_text(c.range_last));
  }
  if (uint64_t{c.range_last} - c.range_first + 1 > kDhcpMaxPoolSize) {
    return invalid("range", "more than " + std::to_string(kDhcpMaxPoolSize) + " addresses");
  }
  if (c.server_ip >= c.range_first && c.server_ip <= c.range_last) {
    return invalid("range", "contains the server address " + ip_text(c.server_ip));
  }
  std::unordered_map<uint64_t, size_t> macs;
  std::unordered_map<uint32_t, size_t> ips;
  for (size_t i = 0; i < c.static_leases.size(); ++i) {
    const DhcpStaticLease& s = c.static_leases[i];
    const std::string base = "static_leases/" + std::to_string(i) + "/";
    if ((s.mac[0] & 1) != 0 || mac_int(s.mac) == 0) return invalid(base + "mac", "not a unicast MAC address");
    if (!macs.emplace(mac_int(s.mac), i).second) {
      return invalid(base + "mac", "same MAC as static_leases/" + std::to_string(macs[mac_int(s.mac)]));
    }
    if (auto r = check_host(base + "ip", s.ip, false); !r) return r;
    if (!ips.emplace(s.ip, i).second) {
      return invalid(base + "ip", ip_text(s.ip) + " is also static_leases/" + std::to_string(ips[s.ip]));
    }
  }
  if (c.router != 0) {
    if (const char* why = not_a_host(c.router)) return invalid("router", ip_text(c.router) + why);
  }
  if (c.dns.size() > 4) return invalid("dns", "at most 4 servers");
  for (size_t i = 0; i < c.dns.size(); ++i) {
    if (c.dns[i] == 0) return invalid("dns/" + std::to_string(i), "0.0.0.0 is not a server");
  }
  if (c.domain.size() > kDhcpMaxDomainLen) {
    return invalid("domain", "longer than " + std::to_string(kDhcpMaxDomainLen) + " characters");
  }
  if (!std::all_of(c.domain.begin(), c.domain.end(), domain_char_ok)) {
    return invalid("domain", "only letters, digits, '-' and '.' are allowed");
  }
  if (c.mtu != 0 && c.mtu < 68) return invalid("mtu", std::to_string(c.mtu) + " is below the IPv4 minimum 68");
  if (c.lease_time_s < 60) return invalid("lease_time_s", "at least 60 seconds");
  if (c.offer_hold_s == 0) return invalid("offer_hold_s", "at least 1 second");
  if (c.decline_hold_s == 0) return invalid("decline_hold_s", "at least 1 second");
  return {};
}

Result<DhcpServer> DhcpServer::create(DhcpPoolConfig config) {
  if (auto r = validate(config); !r) return r.error();
  return DhcpServer(std::move(config));
}

DhcpServer::DhcpServer(DhcpPoolConfig config) : config_(std::move(config)) { index_config(); }

void DhcpServer::index_config() {
  mask_ = prefix_mask(config_.prefix_len);
  static_by_mac_.clear();
  static_by_ip_.clear();
  for (const DhcpStaticLease& s : config_.static_leases) {
    static_by_mac_[mac_int(s.mac)] = s.ip;
    static_by_ip_[s.ip] = mac_int(s.mac);
  }
  next_unused_ = 0;
}

std::string DhcpServer::client_key(std::span<const uint8_t> client_id, const MacAddress& mac) {
  std::string key;
  if (!client_id.empty()) {
    key.push_back('c');
    key.append(reinterpret_cast<const char*>(client_id.data()), client_id.size());
  } else {
    key.push_back('m');
    key.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  }
  return key;
}

bool DhcpServer::in_subnet(uint32_t ip) const {
  const uint32_t broadcast = config_.subnet | ~mask_;
  return (ip & mask_) == config_.subnet && ip != config_.subnet && ip != broadcast && ip != config_.server_ip;
}

bool DhcpServer::assignable(uint32_t ip, const MacAddress& mac) const {
  if (!in_subnet(ip)) return false;
  // A MAC with a static lease gets that address and no other.
  if (auto s = static_by_mac_.find(mac_int(mac)); s != static_by_mac_.end()) return ip == s->second;
  if (static_by_ip_.contains(ip)) return false;
  return in_range(ip);
}

bool DhcpServer::held_by_other(uint32_t ip, const std::string& key, uint64_t now_s) const {
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end() || is_free(it->second, now_s)) return false;
  if (it->second.state == DhcpLeaseState::declined) return true;  // quarantined: nobody may have it
  return record_key(it->second) != key;
}

std::optional<uint32_t> DhcpServer::pick_free(uint64_t now_s) {
  const uint64_t size = uint64_t{config_.range_last} - config_.range_first + 1;
  // Never-used addresses first, in order: a returning client's old address stays free longest.
  while (next_unused_ < size) {
    const uint32_t ip = config_.range_first + static_cast<uint32_t>(next_unused_++);
    if (!static_by_ip_.contains(ip) && !by_ip_.contains(ip)) return ip;
  }
  // Every address has had a record: the one free for the longest time (a record that was dropped
  // since counts as free forever).
  std::optional<uint32_t> best;
  uint64_t best_since = std::numeric_limits<uint64_t>::max();
  for (uint64_t k = 0; k < size; ++k) {
    const uint32_t ip = config_.range_first + static_cast<uint32_t>(k);
    if (static_by_ip_.contains(ip)) continue;
    auto it = by_ip_.find(ip);
    if (it == by_ip_.end()) return ip;
    if (is_free(it->second, now_s) && it->second.expires_at_s < best_since) {
      best = ip;
      best_since = it->second.expires_at_s;
    }
  }
  return best;
}

void DhcpServer::erase(uint32_t ip, DhcpDecision& d) {
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end()) return;
  if (it->second.state != DhcpLeaseState::offered) d.lease_changed = true;
  if (auto k = by_client_.find(record_key(it->second)); k != by_client_.end() && k->second == ip) by_client_.erase(k);
  by_ip_.erase(it);
  d.table_changed = true;
}

DhcpLease& DhcpServer::claim(uint32_t ip, const Client& client, DhcpDecision& d) {
  // A client holds one address: its record elsewhere goes.
  if (auto old = by_client_.find(client.key); old != by_client_.end() && old->second != ip) erase(old->second, d);
  auto [it, inserted] = by_ip_.try_emplace(ip);
  DhcpLease& rec = it->second;
  if (!inserted) {
    // A free record of another client (a hint) is taken over: that client loses its hint.
    if (auto k = by_client_.find(record_key(rec)); k != by_client_.end() && k->second == ip) by_client_.erase(k);
  } else {
    rec.state = DhcpLeaseState::released;
  }
  rec.client_id.assign(client.client_id.begin(), client.client_id.end());
  rec.mac = client.mac;
  rec.ip = ip;
  by_client_[client.key] = ip;
  d.table_changed = true;
  return rec;
}

DhcpMessage DhcpServer::reply_base(const DhcpMessage& req, DhcpMessageType type) const {
  DhcpMessage r;
  r.op = kBootReply;
  r.xid = req.xid;
  r.flags = req.flags & kDhcpBroadcastFlag;
  r.giaddr = req.giaddr;
  r.chaddr = req.chaddr;
  r.type = type;
  r.server_id = config_.server_ip;
  r.client_id = req.client_id;  // RFC 6842: echo the client id
  return r;
}

void DhcpServer::fill_config_options(DhcpMessage& reply, bool with_lease) const {
  if (with_lease) {
    reply.lease_time_s = config_.lease_time_s;
    reply.t1_s = config_.lease_time_s / 2;                                        // RFC 2131 4.4.5: 50 %
    reply.t2_s = static_cast<uint32_t>(uint64_t{config_.lease_time_s} * 7 / 8);  // and 87.5 %
  }
  reply.subnet_mask = mask_;
  reply.router = config_.router;
  reply.dns_count = static_cast<uint8_t>(std::min<size_t>(config_.dns.size(), reply.dns.size()));
  for (size_t i = 0; i < reply.dns_count; ++i) reply.dns[i] = config_.dns[i];
  reply.domain.assign(config_.domain);
  reply.mtu = config_.mtu;
}

DhcpDecision DhcpServer::drop(DhcpDropReason reason) {
  ++counters_.drops[static_cast<size_t>(reason)];
  DhcpDecision d;
  d.dropped = reason;
  return d;
}

// RFC 2131 section 4.1: relayed replies go to the relay; a NAK is broadcast; a configured client
// gets unicast; otherwise the broadcast bit decides.
DhcpDecision DhcpServer::finish(const DhcpMessage& req, DhcpDecision d) {
  if (req.giaddr != 0) {
    d.reply_to = DhcpReplyTo::relay;
    d.reply_ip = req.giaddr;
  } else if (d.action == DhcpAction::nak) {
    d.reply_to = DhcpReplyTo::broadcast;
  } else if (req.ciaddr != 0) {
    d.reply_to = DhcpReplyTo::ciaddr;
    d.reply_ip = req.ciaddr;
  } else if (req.broadcast() || d.reply.yiaddr == 0) {
    d.reply_to = DhcpReplyTo::broadcast;
  } else {
    d.reply_to = DhcpReplyTo::yiaddr;
    d.reply_ip = d.reply.yiaddr;
  }
  if (d.reply_to == DhcpReplyTo::broadcast) d.reply_ip = 0xffffffff;
  return d;
}

DhcpDecision DhcpServer::handle_packet(std::span<const uint8_t> payload, uint64_t now_s) {
  DhcpDropReason reason = DhcpDropReason::truncated;
  Result<DhcpMessage> msg = parse_dhcp_message(payload, &reason);
  if (!msg) return drop(reason);
  return handle(*msg, now_s);
}

DhcpDecision DhcpServer::handle(const DhcpMessage& msg, uint64_t now_s) {
  if (msg.type == DhcpMessageType::none) return drop(DhcpDropReason::no_message_type);
  ++counters_.received[static_cast<size_t>(msg.type)];
  if (msg.op != kBootRequest) return drop(DhcpDropReason::bad_op);
  if (msg.client_id.len > kDhcpMaxClientIdLen) return drop(DhcpDropReason::unsupported);
  const Client c{client_key(msg.client_id.view(), msg.chaddr), msg.client_id.view(), msg.chaddr};
  switch (msg.type) {
    case DhcpMessageType::discover: return on_discover(msg, c, now_s);
    case DhcpMessageType::request: return on_request(msg, c, now_s);
    case DhcpMessageType::decline: return on_decline(msg, c, now_s);
    case DhcpMessageType::release: return on_release(msg, c, now_s);
    case DhcpMessageType::inform: return on_inform(msg);
    default: return drop(DhcpDropReason::not_for_server);
  }
}

DhcpDecision DhcpServer::on_discover(const DhcpMessage& msg, const Client& c, uint64_t now_s) {
  std::optional<uint32_t> ip;
  if (auto s = static_by_mac_.find(mac_int(c.mac)); s != static_by_mac_.end()) {
    if (!held_by_other(s->second, c.key, now_s)) ip = s->second;
  } else if (auto own = by_client_.find(c.key); own != by_client_.end() && assignable(own->second, c.mac)) {
    ip = own->second;  // its current lease, or the one it had (a hint)
  } else if (msg.requested_ip != 0 && assignable(msg.requested_ip, c.mac) &&
             !held_by_other(msg.requested_ip, c.key, now_s)) {
    ip = msg.requested_ip;
  } else {
    ip = pick_free(now_s);
  }
  if (!ip) return drop(DhcpDropReason::pool_exhausted);

  DhcpDecision d;
  DhcpLease& rec = claim(*ip, c, d);
  // A client that rediscovers while bound keeps its lease; otherwise the offer reserves the address.
  if (!(rec.state == DhcpLeaseState::bound && rec.expires_at_s > now_s)) {
    rec.state = DhcpLeaseState::offered;
    rec.expires_at_s = now_s + config_.offer_hold_s;
  }
  if (!msg.hostname.empty()) rec.hostname = std::string(msg.hostname.text().substr(0, kDhcpMaxHostnameLen));
  d.action = DhcpAction::offer;
  d.reply = reply_base(msg, DhcpMessageType::offer);
  d.reply.yiaddr = *ip;
  fill_config_options(d.reply, true);
  ++counters_.offers;
  return finish(msg, std::move(d));
}

DhcpDecision DhcpServer::on_request(const DhcpMessage& msg, const Client& c, uint64_t now_s) {
  uint32_t ip = 0;
  if (msg.server_id != 0) {
    // SELECTING: the client answers one OFFER and names its server.
    if (msg.server_id != config_.server_ip) {
      // It chose another server: our reservation for it ends now (silently).
      DhcpDecision d = drop(DhcpDropReason::other_server);
      if (auto own = by_client_.find(c.key); own != by_client_.end()) {
        DhcpLease& rec = by_ip_.at(own->second);
        if (rec.state == DhcpLeaseState::offered && rec.expires_at_s > now_s) {
          rec.expires_at_s = now_s;
          d.table_changed = true;
        }
      }
      return d;
    }
    ip = msg.requested_ip != 0 ? msg.requested_ip : msg.ciaddr;
  } else if (msg.ciaddr != 0) {
    ip = msg.ciaddr;  // RENEWING (unicast) or REBINDING (broadcast): extend the lease on ciaddr
  } else {
    ip = msg.requested_ip;  // INIT-REBOOT: the client checks the address it remembers
  }
  if (ip == 0) return drop(DhcpDropReason::bad_request);
  // The address must be one this client may have and nobody else holds: its own (offered, bound
  // or a hint) or a free one. Anything else — another subnet, another client's, quarantined, a
  // static lease of another MAC, outside the range — is refused so the client starts over.
  if (!assignable(ip, c.mac) || held_by_other(ip, c.key, now_s)) return nak(msg);
  return ack(msg, ip, c, now_s);
}

DhcpDecision DhcpServer::ack(const DhcpMessage& msg, uint32_t ip, const Client& c, uint64_t now_s) {
  DhcpDecision d;
  DhcpLease& rec = claim(ip, c, d);
  rec.state = DhcpLeaseState::bound;
  rec.expires_at_s = now_s + config_.lease_time_s;
  if (!msg.hostname.empty()) rec.hostname = std::string(msg.hostname.text().substr(0, kDhcpMaxHostnameLen));
  d.lease_changed = true;
  d.action = DhcpAction::ack;
  d.reply = reply_base(msg, DhcpMessageType::ack);
  d.reply.ciaddr = msg.ciaddr;
  d.reply.yiaddr = ip;
  fill_config_options(d.reply, true);
  ++counters_.acks;
  return finish(msg, std::move(d));
}

DhcpDecision DhcpServer::nak(const DhcpMessage& msg) {
  DhcpDecision d;
  d.action = DhcpAction::nak;
  // RFC 2131 table 3: a NAK carries only the message type, the server id and the client id.
  d.reply = reply_base(msg, DhcpMessageType::nak);
  if (msg.giaddr != 0) d.reply.flags |= kDhcpBroadcastFlag;  // the relay must broadcast it
  ++counters_.naks;
  return finish(msg, std::move(d));
}

DhcpDecision DhcpServer::on_release(const DhcpMessage& msg, const Client& c, uint64_t now_s) {
  if (msg.server_id != 0 && msg.server_id != config_.server_ip) return drop(DhcpDropReason::other_server);
  auto it = by_ip_.find(msg.ciaddr);
  // RELEASE is unauthenticated; only the holder's own release counts, so a neighbour cannot free it.
  if (it == by_ip_.end() || it->second.state == DhcpLeaseState::declined ||
      it->second.state == DhcpLeaseState::released || record_key(it->second) != c.key) {
    return drop(DhcpDropReason::not_owner);
  }
  it->second.state = DhcpLeaseState::released;
  it->second.expires_at_s = now_s;  // free from now; the record stays as the client's hint
  ++counters_.releases;
  DhcpDecision d;
  d.table_changed = d.lease_changed = true;
  return d;
}

DhcpDecision DhcpServer::on_decline(const DhcpMessage& msg, const Client& c, uint64_t now_s) {
  if (msg.server_id != 0 && msg.server_id != config_.server_ip) return drop(DhcpDropReason::other_server);
  auto it = by_ip_.find(msg.requested_ip);
  if (it == by_ip_.end() || it->second.state == DhcpLeaseState::declined || record_key(it->second) != c.key) {
    return drop(DhcpDropReason::not_owner);
  }
  // Something else answers ARP for the address: quarantine it, owned by nobody, so the client's next
  // DISCOVER gets another one. The record keeps the decliner's identity for the operator.
  if (auto k = by_client_.find(c.key); k != by_client_.end() && k->second == msg.requested_ip) by_client_.erase(k);
  it->second.state = DhcpLeaseState::declined;
  it->second.expires_at_s = now_s + config_.decline_hold_s;
  ++counters_.declines;
  DhcpDecision d;
  d.table_changed = d.lease_changed = true;
  return d;
}

bool DhcpServer::quarantine(uint32_t ip, uint64_t now_s) {
  if (!in_range(ip) && !static_by_ip_.contains(ip)) return false;
  auto [it, inserted] = by_ip_.try_emplace(ip);
  DhcpLease& rec = it->second;
  if (inserted) {
    rec.ip = ip;
  } else if (auto k = by_client_.find(record_key(rec)); k != by_client_.end() && k->second == ip) {
    by_client_.erase(k);
  }
  rec.state = DhcpLeaseState::declined;
  rec.expires_at_s = now_s + config_.decline_hold_s;
  ++counters_.conflicts;
  return true;
}

DhcpDecision DhcpServer::on_inform(const DhcpMessage& msg) {
  // The client configured its address itself and asks for the other parameters: no lease.
  DhcpDecision d;
  d.action = DhcpAction::ack;
  d.reply = reply_base(msg, DhcpMessageType::ack);
  d.reply.ciaddr = msg.ciaddr;
  fill_config_options(d.reply, false);
  ++counters_.acks;
  return finish(msg, std::move(d));
}

std::vector<DhcpLease> DhcpServer::leases() const {
  std::vector<DhcpLease> out;
  out.reserve(by_ip_.size());
  for (const auto& [ip, rec] : by_ip_) out.push_back(rec);
  std::sort(out.begin(), out.end(), [](const DhcpLease& a, const DhcpLease& b) { return a.ip < b.ip; });
  return out;
}

const DhcpLease* DhcpServer::find_ip(uint32_t ip) const {
  auto it = by_ip_.find(ip);
  return it == by_ip_.end() ? nullptr : &it->second;
}

const DhcpLease* DhcpServer::find_client(std::span<const uint8_t> client_id, const MacAddress& mac) const {
  auto k = by_client_.find(client_key(client_id, mac));
  return k == by_client_.end() ? nullptr : find_ip(k->second);
}

Result<void> DhcpServer::restore(const std::vector<DhcpLease>& records, uint64_t now_s) {
  std::unordered_map<uint32_t, DhcpLease> ips;
  std::unordered_map<std::string, uint32_t> clients;
  for (size_t i = 0; i < records.size(); ++i) {
    const DhcpLease& r = records[i];
    const std::string base = "leases/" + std::to_string(i) + "/";
    if (static_cast<uint8_t>(r.state) > static_cast<uint8_t>(DhcpLeaseState::declined)) {
      return invalid(base + "state", "unknown state " + std::to_string(static_cast<int>(r.state)));
    }
    if (r.client_id.size() > kDhcpMaxClientIdLen) {
      return invalid(base + "client_id", "longer than " + std::to_string(kDhcpMaxClientIdLen) + " bytes");
    }
    if (r.hostname.size() > kDhcpMaxHostnameLen) {
      return invalid(base + "hostname", "longer than " + std::to_string(kDhcpMaxHostnameLen) + " characters");
    }
    if (!assignable(r.ip, r.mac)) {
      return invalid(base + "ip", ip_text(r.ip) + " is neither in the range nor this MAC's static lease");
    }
    if (ips.contains(r.ip)) return invalid(base + "ip", ip_text(r.ip) + " appears twice");
    if (r.state != DhcpLeaseState::declined) {
      if (!clients.emplace(record_key(r), r.ip).second) {
        return invalid(base + (r.client_id.empty() ? "mac" : "client_id"), "the client appears twice");
      }
    }
    DhcpLease& rec = ips[r.ip] = r;
    if (rec.state == DhcpLeaseState::offered) rec.expires_at_s = std::min(rec.expires_at_s, now_s);
  }
  by_ip_ = std::move(ips);
  by_client_ = std::move(clients);
  next_unused_ = 0;
  return {};
}

Result<size_t> DhcpServer::reconfigure(DhcpPoolConfig config) {
  if (auto r = validate(config); !r) return r.error();
  config_ = std::move(config);
  index_config();
  size_t dropped = 0;
  for (auto it = by_ip_.begin(); it != by_ip_.end();) {
    if (assignable(it->first, it->second.mac)) {
      ++it;
      continue;
    }
    if (auto k = by_client_.find(record_key(it->second)); k != by_client_.end() && k->second == it->first) {
      by_client_.erase(k);
    }
    it = by_ip_.erase(it);
    ++dropped;
  }
  return dropped;
}

}  // namespace edgegw::netproto
