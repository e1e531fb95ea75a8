// Fuzz target for the DHCP codec and server: any bytes in, never a crash or an out-of-bounds read.
// An accepted message goes to a server with a small pool that already holds a few leases (so the
// message meets offers, bound, released and quarantined addresses), twice, at times taken from the
// message; every reply must encode, fit a minimum datagram and parse back unchanged, and the lease
// table must stay consistent: one record per address, one per client, every offered or bound
// address inside the pool or the client's static lease.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "edgegw/netproto/dhcp_message.hpp"
#include "edgegw/netproto/dhcp_server.hpp"

namespace {

using namespace edgegw::netproto;

constexpr uint32_t kSubnet = 0xc0a80100;  // 192.168.1.0/24
constexpr uint32_t kServer = 0xc0a80101;
constexpr uint32_t kFirst = 0xc0a80164;  // .100 - .103
constexpr uint32_t kLast = 0xc0a80167;
constexpr uint32_t kStaticIp = 0xc0a80132;  // .50
constexpr MacAddress kStaticMac = {0x02, 0, 0, 0, 0, 0x50};

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz_dhcp: %s %s\n", what, detail.c_str());
  std::abort();
}

DhcpPoolConfig pool() {
  DhcpPoolConfig c;
  c.subnet = kSubnet;
  c.prefix_len = 24;
  c.server_ip = kServer;
  c.range_first = kFirst;
  c.range_last = kLast;
  c.static_leases = {{kStaticMac, kStaticIp}};
  c.router = kServer;
  c.dns = {0x01010101, 0x08080808, 0x09090909, 0x01000001};
  c.domain = std::string(kDhcpMaxDomainLen, 'd');  // the largest replies
  c.mtu = 1500;
  c.lease_time_s = 3600;
  c.offer_hold_s = 30;
  c.decline_hold_s = 600;
  return c;
}

DhcpMessage client(DhcpMessageType type, uint8_t n) {
  DhcpMessage m;
  m.type = type;
  m.chaddr = {0x02, 0, 0, 0, 1, n};
  return m;
}

// Before the fuzzed message: .100 bound to client 1, .101 offered to client 2, .102 released by
// client 3, .103 declined (quarantined) by client 4.
void populate(DhcpServer& s) {
  for (uint8_t n = 1; n <= 4; ++n) {
    s.handle(client(DhcpMessageType::discover, n), 0);
    if (n == 2) continue;
    DhcpMessage req = client(DhcpMessageType::request, n);
    req.requested_ip = kFirst + n - 1;
    req.server_id = kServer;
    s.handle(req, 1);
  }
  DhcpMessage rel = client(DhcpMessageType::release, 3);
  rel.ciaddr = kFirst + 2;
  s.handle(rel, 2);
  DhcpMessage dec = client(DhcpMessageType::decline, 4);
  dec.requested_ip = kFirst + 3;
  s.handle(dec, 2);
}

void check_table(const DhcpServer& s, uint64_t now) {
  std::set<uint32_t> ips;
  std::set<std::string> clients;
  for (const DhcpLease& l : s.leases()) {
    if (!ips.insert(l.ip).second) fail("two records for one address");
    const bool in_pool = (l.ip >= kFirst && l.ip <= kLast) || (l.ip == kStaticIp && l.mac == kStaticMac);
    if (!in_pool) fail("a record outside the pool", std::to_string(l.ip));
    if (l.state == DhcpLeaseState::declined) continue;
    const std::string key = l.client_id.empty() ? "m" + std::string(l.mac.begin(), l.mac.end())
                                                : "c" + std::string(l.client_id.begin(), l.client_id.end());
    if (!clients.insert(key).second) fail("a client holds two records");
    if (s.find_ip(l.ip) == nullptr || s.find_client(l.client_id, l.mac) == nullptr) fail("unindexed record");
    if (l.state == DhcpLeaseState::bound && l.expires_at_s > now + 3600) fail("a lease beyond its lease time");
  }
}

void check_decision(const DhcpServer& s, const DhcpMessage& req, const DhcpDecision& d) {
  if (d.action == DhcpAction::none) return;
  if (d.dropped) fail("a reply with a drop reason");
  if (d.reply.xid != req.xid || d.reply.chaddr != req.chaddr || d.reply.op != kBootReply) fail("reply header");
  const uint32_t y = d.reply.yiaddr;
  if (d.action == DhcpAction::offer || (d.action == DhcpAction::ack && req.type == DhcpMessageType::request)) {
    const bool in_pool = (y >= kFirst && y <= kLast) || (y == kStaticIp && req.chaddr == kStaticMac);
    if (!in_pool) fail("yiaddr outside the pool", std::to_string(y));
    const DhcpLease* l = s.find_ip(y);
    if (l == nullptr || l->mac != req.chaddr) fail("the offered or acked address is not recorded for the client");
  } else if (y != 0) {
    fail("yiaddr in a NAK or an INFORM reply");
  }
  uint8_t buf[1500];
  edgegw::Result<size_t> n = encode_dhcp_message(d.reply, buf);
  if (!n.ok()) fail("reply does not encode", n.error().to_string());
  if (*n > 576 - 28) fail("reply larger than a minimum datagram", std::to_string(*n));
  edgegw::Result<DhcpMessage> back = parse_dhcp_message(std::span<const uint8_t>(buf, *n));
  if (!back.ok()) fail("reply does not parse", back.error().to_string());
  if (!(*back == d.reply)) fail("reply changed in the round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  DhcpDropReason reason{};
  edgegw::Result<DhcpMessage> msg = parse_dhcp_message(std::span<const uint8_t>(data, size), &reason);
  if (!msg.ok()) {
    if (msg.error().message.rfind("dhcp.", 0) != 0) fail("rejection does not name a field", msg.error().message);
    return 0;
  }
  // Whatever parses encodes and parses back to itself (unless it is too big for a datagram).
  static uint8_t again[2048];
  edgegw::Result<size_t> n = encode_dhcp_message(*msg, again);
  if (!n.ok()) fail("accepted message does not encode", n.error().to_string());
  edgegw::Result<DhcpMessage> reparsed = parse_dhcp_message(std::span<const uint8_t>(again, *n));
  if (!reparsed.ok() || !(*reparsed == *msg)) fail("accepted message changed in the round trip");

  edgegw::Result<DhcpServer> server = DhcpServer::create(pool());
  if (!server.ok()) fail("pool config", server.error().to_string());
  populate(*server);
  check_table(*server, 2);
  // Times from the message: within the offer hold, within the lease, after expiry.
  const uint64_t t1 = 2 + msg->xid % 8000;
  const uint64_t t2 = t1 + msg->secs;
  for (uint64_t now : {t1, t2}) {
    const DhcpDecision d = server->handle(*msg, now);
    check_decision(*server, *msg, d);
    check_table(*server, now);
  }
  return 0;
}
