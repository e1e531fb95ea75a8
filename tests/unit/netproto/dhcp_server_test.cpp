// DHCP server: DORA, static leases, requested addresses, INIT-REBOOT, renewal, expiry and hints,
// RELEASE/DECLINE rules, exhaustion, INFORM, reconfigure, restore and config validation. Time is
// the `now` argument; nothing sleeps.
#include "edgegw/netproto/dhcp_server.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace edgegw::netproto {
namespace {

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }
constexpr uint32_t kServer = ip4(192, 168, 1, 1);
constexpr uint32_t kOther = ip4(192, 168, 1, 254);
constexpr MacAddress kStaticMac = {0x02, 0, 0, 0, 0, 0x50};

MacAddress mac(uint8_t n) { return {0x02, 0, 0, 0, 1, n}; }

// 192.168.1.0/24, four dynamic addresses .100-.103, one static lease .50.
DhcpPoolConfig pool() {
  DhcpPoolConfig c;
  c.subnet = ip4(192, 168, 1, 0);
  c.prefix_len = 24;
  c.server_ip = kServer;
  c.range_first = ip4(192, 168, 1, 100);
  c.range_last = ip4(192, 168, 1, 103);
  c.static_leases = {{kStaticMac, ip4(192, 168, 1, 50)}};
  c.router = kServer;
  c.dns = {ip4(1, 1, 1, 1), ip4(8, 8, 8, 8)};
  c.domain = "lan";
  c.mtu = 1500;
  c.lease_time_s = 3600;
  c.offer_hold_s = 30;
  c.decline_hold_s = 600;
  return c;
}

DhcpServer make_server(const DhcpPoolConfig& c = pool()) {
  Result<DhcpServer> s = DhcpServer::create(c);
  EXPECT_TRUE(s.ok()) << s.error().to_string();
  return std::move(s).value();
}

DhcpMessage msg(DhcpMessageType type, const MacAddress& m) {
  DhcpMessage x;
  x.op = kBootRequest;
  x.xid = 0x1000u + m[5];
  x.chaddr = m;
  x.type = type;
  return x;
}
DhcpMessage discover(const MacAddress& m, uint32_t requested = 0) {
  DhcpMessage x = msg(DhcpMessageType::discover, m);
  x.requested_ip = requested;
  return x;
}
DhcpMessage select(const MacAddress& m, uint32_t ip, uint32_t server = kServer) {
  DhcpMessage x = msg(DhcpMessageType::request, m);
  x.requested_ip = ip;
  x.server_id = server;
  return x;
}
DhcpMessage init_reboot(const MacAddress& m, uint32_t ip) {
  DhcpMessage x = msg(DhcpMessageType::request, m);
  x.requested_ip = ip;
  return x;
}
DhcpMessage renew(const MacAddress& m, uint32_t ip) {
  DhcpMessage x = msg(DhcpMessageType::request, m);
  x.ciaddr = ip;
  return x;
}
DhcpMessage release(const MacAddress& m, uint32_t ip) {
  DhcpMessage x = msg(DhcpMessageType::release, m);
  x.ciaddr = ip;
  x.server_id = kServer;
  return x;
}
DhcpMessage decline(const MacAddress& m, uint32_t ip) {
  DhcpMessage x = msg(DhcpMessageType::decline, m);
  x.requested_ip = ip;
  x.server_id = kServer;
  return x;
}

// DISCOVER + REQUEST: the address the client ends up bound to (0 when it is not ACKed).
uint32_t dora(DhcpServer& s, const MacAddress& m, uint64_t now) {
  const DhcpDecision offer = s.handle(discover(m), now);
  if (offer.action != DhcpAction::offer) return 0;
  const DhcpDecision ack = s.handle(select(m, offer.reply.yiaddr), now);
  return ack.action == DhcpAction::ack ? ack.reply.yiaddr : 0;
}

TEST(DhcpServer, DiscoverOfferRequestAck) {
  DhcpServer s = make_server();
  DhcpMessage d = discover(mac(1));
  d.flags = kDhcpBroadcastFlag;
  d.hostname.assign("laptop");
  const DhcpDecision offer = s.handle(d, 1000);
  ASSERT_EQ(offer.action, DhcpAction::offer);
  EXPECT_TRUE(offer.table_changed);
  EXPECT_FALSE(offer.lease_changed);  // an offer is not persisted
  const DhcpMessage& o = offer.reply;
  EXPECT_EQ(o.op, kBootReply);
  EXPECT_EQ(o.type, DhcpMessageType::offer);
  EXPECT_EQ(o.xid, 0x1001u);
  EXPECT_EQ(o.chaddr, mac(1));
  EXPECT_EQ(o.yiaddr, ip4(192, 168, 1, 100));
  EXPECT_EQ(o.server_id, kServer);
  EXPECT_EQ(o.lease_time_s, 3600u);
  EXPECT_EQ(o.t1_s, 1800u);
  EXPECT_EQ(o.t2_s, 3150u);
  EXPECT_EQ(o.subnet_mask, 0xffffff00u);
  EXPECT_EQ(o.router, kServer);
  ASSERT_EQ(o.dns_count, 2);
  EXPECT_EQ(o.dns[1], ip4(8, 8, 8, 8));
  EXPECT_EQ(o.domain.text(), "lan");
  EXPECT_EQ(o.mtu, 1500);
  EXPECT_EQ(offer.reply_to, DhcpReplyTo::broadcast);
  EXPECT_EQ(offer.reply_ip, 0xffffffffu);
  const DhcpLease* held = s.find_ip(ip4(192, 168, 1, 100));
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->state, DhcpLeaseState::offered);
  EXPECT_EQ(held->expires_at_s, 1030u);
  EXPECT_EQ(held->hostname, "laptop");

  const DhcpDecision ack = s.handle(select(mac(1), o.yiaddr), 1002);
  ASSERT_EQ(ack.action, DhcpAction::ack);
  EXPECT_TRUE(ack.lease_changed);
  EXPECT_EQ(ack.reply.type, DhcpMessageType::ack);
  EXPECT_EQ(ack.reply.yiaddr, ip4(192, 168, 1, 100));
  EXPECT_EQ(ack.reply_to, DhcpReplyTo::yiaddr);
  EXPECT_EQ(ack.reply_ip, ip4(192, 168, 1, 100));
  const std::vector<DhcpLease> leases = s.leases();
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].state, DhcpLeaseState::bound);
  EXPECT_EQ(leases[0].expires_at_s, 1002u + 3600);
  EXPECT_EQ(leases[0].mac, mac(1));

  // The reply encodes within a minimum-size datagram and parses back unchanged.
  std::vector<uint8_t> buf(548);
  Result<size_t> n = encode_dhcp_message(ack.reply, buf);
  ASSERT_TRUE(n.ok()) << n.error().to_string();
  Result<DhcpMessage> back = parse_dhcp_message(std::span<const uint8_t>(buf.data(), *n));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, ack.reply);

  EXPECT_EQ(s.counters().received_of(DhcpMessageType::discover), 1u);
  EXPECT_EQ(s.counters().received_of(DhcpMessageType::request), 1u);
  EXPECT_EQ(s.counters().offers, 1u);
  EXPECT_EQ(s.counters().acks, 1u);
}

TEST(DhcpServer, AnOfferReservesItsAddressUntilTheHoldEnds) {
  DhcpServer s = make_server();
  EXPECT_EQ(s.handle(discover(mac(1)), 0).reply.yiaddr, ip4(192, 168, 1, 100));
  EXPECT_EQ(s.handle(discover(mac(2), ip4(192, 168, 1, 100)), 10).reply.yiaddr, ip4(192, 168, 1, 101));
  // Hold over: mac(2) may now have .100 when it asks for it.
  EXPECT_EQ(s.handle(init_reboot(mac(2), ip4(192, 168, 1, 100)), 31).action, DhcpAction::ack);
  // mac(1)'s REQUEST for its old offer is refused.
  EXPECT_EQ(s.handle(select(mac(1), ip4(192, 168, 1, 100)), 32).action, DhcpAction::nak);
}

TEST(DhcpServer, ClientIdentityIsTheClientIdOptionWhenPresent) {
  DhcpServer s = make_server();
  DhcpMessage d = discover(mac(1));
  d.client_id.assign(std::string("\x00myid", 5));
  const uint32_t ip = s.handle(d, 0).reply.yiaddr;
  DhcpMessage r = select(mac(9), ip);  // same client id, another NIC
  r.client_id = d.client_id;
  const DhcpDecision ack = s.handle(r, 1);
  ASSERT_EQ(ack.action, DhcpAction::ack);
  EXPECT_EQ(ack.reply.client_id, d.client_id);  // echoed (RFC 6842)
  EXPECT_NE(s.find_client(d.client_id.view(), mac(1)), nullptr);
  EXPECT_EQ(s.find_client({}, mac(1)), nullptr);
  // Without the client id, mac(1) is another client.
  EXPECT_EQ(s.handle(select(mac(1), ip), 2).action, DhcpAction::nak);
}

TEST(DhcpServer, StaticLeaseWinsOverTheRequestedAddress) {
  DhcpServer s = make_server();
  const DhcpDecision offer = s.handle(discover(kStaticMac, ip4(192, 168, 1, 101)), 0);
  EXPECT_EQ(offer.reply.yiaddr, ip4(192, 168, 1, 50));
  EXPECT_EQ(s.handle(init_reboot(kStaticMac, ip4(192, 168, 1, 101)), 1).action, DhcpAction::nak);
  EXPECT_EQ(s.handle(select(kStaticMac, ip4(192, 168, 1, 50)), 2).action, DhcpAction::ack);
  // Nobody else gets the static address, even when asking for it.
  EXPECT_EQ(s.handle(discover(mac(1), ip4(192, 168, 1, 50)), 3).reply.yiaddr, ip4(192, 168, 1, 100));
  EXPECT_EQ(s.handle(init_reboot(mac(2), ip4(192, 168, 1, 50)), 4).action, DhcpAction::nak);
}

TEST(DhcpServer, RequestedAddressHonouredWhenFreeAndInRange) {
  DhcpServer s = make_server();
  EXPECT_EQ(s.handle(discover(mac(1), ip4(192, 168, 1, 102)), 0).reply.yiaddr, ip4(192, 168, 1, 102));
  EXPECT_EQ(s.handle(discover(mac(2), ip4(192, 168, 1, 102)), 0).reply.yiaddr, ip4(192, 168, 1, 100));  // taken
  EXPECT_EQ(s.handle(discover(mac(3), ip4(192, 168, 1, 200)), 0).reply.yiaddr, ip4(192, 168, 1, 101));  // out of range
  EXPECT_EQ(s.handle(discover(mac(4), ip4(10, 0, 0, 7)), 0).reply.yiaddr, ip4(192, 168, 1, 103));     // other subnet
}

TEST(DhcpServer, InitRebootAcksOwnOrFreeAddressAndNaksTheRest) {
  DhcpServer s = make_server();
  ASSERT_EQ(dora(s, mac(1), 0), ip4(192, 168, 1, 100));
  const DhcpDecision own = s.handle(init_reboot(mac(1), ip4(192, 168, 1, 100)), 100);
  EXPECT_EQ(own.action, DhcpAction::ack);
  EXPECT_EQ(s.find_ip(ip4(192, 168, 1, 100))->expires_at_s, 3700u);
  EXPECT_EQ(s.handle(init_reboot(mac(2), ip4(192, 168, 1, 101)), 100).action, DhcpAction::ack);  // free
  const DhcpDecision taken = s.handle(init_reboot(mac(3), ip4(192, 168, 1, 100)), 100);
  EXPECT_EQ(taken.action, DhcpAction::nak);
  EXPECT_EQ(taken.reply.type, DhcpMessageType::nak);
  EXPECT_EQ(taken.reply.yiaddr, 0u);
  EXPECT_EQ(taken.reply.lease_time_s, 0u);
  EXPECT_EQ(taken.reply.subnet_mask, 0u);
  EXPECT_EQ(taken.reply.server_id, kServer);
  EXPECT_EQ(taken.reply_to, DhcpReplyTo::broadcast);
  EXPECT_EQ(s.handle(init_reboot(mac(3), ip4(10, 1, 1, 9)), 100).action, DhcpAction::nak);           // wrong subnet
  EXPECT_EQ(s.handle(init_reboot(mac(3), ip4(192, 168, 1, 20)), 100).action, DhcpAction::nak);       // out of range
  EXPECT_EQ(s.handle(init_reboot(mac(3), kServer), 100).action, DhcpAction::nak);                    // the server
  EXPECT_EQ(s.counters().naks, 4u);
}

TEST(DhcpServer, RenewExtendsTheLease) {
  DhcpServer s = make_server();
  const uint32_t ip = dora(s, mac(1), 0);
  const DhcpDecision ack = s.handle(renew(mac(1), ip), 1800);
  ASSERT_EQ(ack.action, DhcpAction::ack);
  EXPECT_TRUE(ack.lease_changed);
  EXPECT_EQ(ack.reply.ciaddr, ip);
  EXPECT_EQ(ack.reply.yiaddr, ip);
  EXPECT_EQ(ack.reply_to, DhcpReplyTo::ciaddr);
  EXPECT_EQ(s.find_ip(ip)->expires_at_s, 1800u + 3600);
  // Another client cannot renew it.
  EXPECT_EQ(s.handle(renew(mac(2), ip), 1900).action, DhcpAction::nak);
  EXPECT_EQ(s.find_ip(ip)->mac, mac(1));
}

TEST(DhcpServer, ExpiredClientGetsItsOldAddressBack) {
  DhcpServer s = make_server();
  ASSERT_EQ(dora(s, mac(1), 0), ip4(192, 168, 1, 100));
  // Long after expiry a new client gets a never-used address, not mac(1)'s.
  EXPECT_EQ(dora(s, mac(2), 10000), ip4(192, 168, 1, 101));
  const DhcpDecision back = s.handle(discover(mac(1)), 10001);
  EXPECT_EQ(back.reply.yiaddr, ip4(192, 168, 1, 100));
}

TEST(DhcpServer, FullPoolReusesTheLongestExpiredAddress) {
  DhcpServer s = make_server();
  ASSERT_EQ(dora(s, mac(1), 0), ip4(192, 168, 1, 100));
  ASSERT_EQ(dora(s, mac(2), 10), ip4(192, 168, 1, 101));
  ASSERT_EQ(dora(s, mac(3), 5), ip4(192, 168, 1, 102));
  ASSERT_EQ(dora(s, mac(4), 20), ip4(192, 168, 1, 103));
  EXPECT_EQ(s.handle(discover(mac(5)), 100).dropped, DhcpDropReason::pool_exhausted);
  // At 3606 only mac(1) (0+3600) and mac(3) (5+3600) have expired; mac(1)'s has been free longest.
  EXPECT_EQ(dora(s, mac(5), 3606), ip4(192, 168, 1, 100));
  EXPECT_EQ(dora(s, mac(6), 3606), ip4(192, 168, 1, 102));
  EXPECT_EQ(s.handle(discover(mac(7)), 3606).action, DhcpAction::none);
  EXPECT_EQ(s.counters().dropped(DhcpDropReason::pool_exhausted), 2u);
  EXPECT_EQ(s.find_client({}, mac(1)), nullptr);  // its hint went with the address
}

TEST(DhcpServer, RequestForAnotherServerDropsTheReservationSilently) {
  DhcpServer s = make_server();
  const uint32_t ip = s.handle(discover(mac(1)), 0).reply.yiaddr;
  const DhcpDecision d = s.handle(select(mac(1), ip, kOther), 1);
  EXPECT_EQ(d.action, DhcpAction::none);
  EXPECT_EQ(d.dropped, DhcpDropReason::other_server);
  EXPECT_TRUE(d.table_changed);
  EXPECT_EQ(s.find_ip(ip)->expires_at_s, 1u);
  EXPECT_EQ(s.handle(init_reboot(mac(2), ip), 2).action, DhcpAction::ack);
}

TEST(DhcpServer, ReleaseOnlyFromTheOwner) {
  DhcpServer s = make_server();
  const uint32_t ip = dora(s, mac(1), 0);
  const DhcpDecision foreign = s.handle(release(mac(2), ip), 10);
  EXPECT_EQ(foreign.dropped, DhcpDropReason::not_owner);
  EXPECT_FALSE(foreign.table_changed);
  EXPECT_EQ(s.find_ip(ip)->state, DhcpLeaseState::bound);
  const DhcpDecision own = s.handle(release(mac(1), ip), 20);
  EXPECT_EQ(own.action, DhcpAction::none);
  EXPECT_FALSE(own.dropped.has_value());
  EXPECT_TRUE(own.lease_changed);
  EXPECT_EQ(s.find_ip(ip)->state, DhcpLeaseState::released);
  EXPECT_EQ(s.find_ip(ip)->expires_at_s, 20u);
  EXPECT_EQ(s.counters().releases, 1u);
  // Released, the address is free; its old owner still comes back to it.
  EXPECT_EQ(s.handle(discover(mac(1)), 30).reply.yiaddr, ip);
}

TEST(DhcpServer, AddressInUseByAnotherHostIsQuarantined) {
  DhcpServer s = make_server();
  // Offered to mac(1), then found answering ARP for someone else: the offer is withdrawn.
  const DhcpDecision offer = s.handle(discover(mac(1)), 0);
  ASSERT_EQ(offer.reply.yiaddr, ip4(192, 168, 1, 100));
  EXPECT_TRUE(s.quarantine(offer.reply.yiaddr, 0));
  EXPECT_EQ(s.counters().conflicts, 1u);
  EXPECT_EQ(s.find_ip(offer.reply.yiaddr)->state, DhcpLeaseState::declined);
  EXPECT_EQ(s.handle(select(mac(1), offer.reply.yiaddr), 1).action, DhcpAction::nak);
  EXPECT_EQ(s.handle(discover(mac(1)), 1).reply.yiaddr, ip4(192, 168, 1, 101));
  // A never-used address can be quarantined too (the allocator then skips it); one outside the
  // pool cannot.
  EXPECT_TRUE(s.quarantine(ip4(192, 168, 1, 102), 1));
  EXPECT_EQ(dora(s, mac(2), 1), ip4(192, 168, 1, 103));
  EXPECT_FALSE(s.quarantine(ip4(192, 168, 1, 20), 1));
  EXPECT_EQ(s.counters().conflicts, 2u);
  // Nothing left until the offer to mac(1) lapses; the quarantines end after decline_hold_s.
  EXPECT_EQ(s.handle(discover(mac(3)), 2).dropped, DhcpDropReason::pool_exhausted);
  EXPECT_EQ(dora(s, mac(3), 40), ip4(192, 168, 1, 101));
  EXPECT_EQ(s.handle(discover(mac(4)), 599).dropped, DhcpDropReason::pool_exhausted);
  EXPECT_EQ(dora(s, mac(4), 600), ip4(192, 168, 1, 100));
}

TEST(DhcpServer, DeclinedAddressIsQuarantined) {
  DhcpServer s = make_server();
  const uint32_t ip = dora(s, mac(1), 0);
  ASSERT_EQ(ip, ip4(192, 168, 1, 100));
  EXPECT_EQ(s.handle(decline(mac(2), ip), 1).dropped, DhcpDropReason::not_owner);
  const DhcpDecision d = s.handle(decline(mac(1), ip), 1);
  EXPECT_TRUE(d.lease_changed);
  EXPECT_EQ(s.counters().declines, 1u);
  EXPECT_EQ(s.find_ip(ip)->state, DhcpLeaseState::declined);
  EXPECT_EQ(s.find_ip(ip)->expires_at_s, 601u);
  EXPECT_EQ(s.find_client({}, mac(1)), nullptr);
  EXPECT_EQ(s.handle(init_reboot(mac(1), ip), 2).action, DhcpAction::nak);  // not even for the decliner
  EXPECT_EQ(s.handle(discover(mac(1), ip), 2).reply.yiaddr, ip4(192, 168, 1, 101));
  EXPECT_EQ(dora(s, mac(1), 2), ip4(192, 168, 1, 101));
  EXPECT_EQ(dora(s, mac(2), 2), ip4(192, 168, 1, 102));
  EXPECT_EQ(dora(s, mac(3), 2), ip4(192, 168, 1, 103));
  EXPECT_EQ(s.handle(discover(mac(4), ip), 600).dropped, DhcpDropReason::pool_exhausted);
  EXPECT_EQ(s.handle(init_reboot(mac(4), ip), 600).action, DhcpAction::nak);
  EXPECT_EQ(dora(s, mac(4), 601), ip);
}

TEST(DhcpServer, InformGetsParametersWithoutALease) {
  DhcpServer s = make_server();
  DhcpMessage m = msg(DhcpMessageType::inform, mac(1));
  m.ciaddr = ip4(192, 168, 1, 77);
  const DhcpDecision d = s.handle(m, 5);
  ASSERT_EQ(d.action, DhcpAction::ack);
  EXPECT_EQ(d.reply.yiaddr, 0u);
  EXPECT_EQ(d.reply.ciaddr, ip4(192, 168, 1, 77));
  EXPECT_EQ(d.reply.lease_time_s, 0u);
  EXPECT_EQ(d.reply.t1_s, 0u);
  EXPECT_EQ(d.reply.subnet_mask, 0xffffff00u);
  EXPECT_EQ(d.reply_to, DhcpReplyTo::ciaddr);
  EXPECT_FALSE(d.table_changed);
  EXPECT_TRUE(s.leases().empty());
}

TEST(DhcpServer, RelayedRequestsAreAnsweredToTheRelay) {
  DhcpServer s = make_server();
  DhcpMessage d = discover(mac(1));
  d.giaddr = ip4(192, 168, 1, 2);
  const DhcpDecision offer = s.handle(d, 0);
  EXPECT_EQ(offer.reply_to, DhcpReplyTo::relay);
  EXPECT_EQ(offer.reply_ip, ip4(192, 168, 1, 2));
  EXPECT_EQ(offer.reply.giaddr, ip4(192, 168, 1, 2));
}

TEST(DhcpServer, DropsWhatIsNotForIt) {
  DhcpServer s = make_server();
  DhcpMessage reply = msg(DhcpMessageType::offer, mac(1));
  EXPECT_EQ(s.handle(reply, 0).dropped, DhcpDropReason::not_for_server);
  reply.op = kBootReply;
  EXPECT_EQ(s.handle(reply, 0).dropped, DhcpDropReason::bad_op);
  EXPECT_EQ(s.handle(msg(DhcpMessageType::request, mac(1)), 0).dropped, DhcpDropReason::bad_request);
  const std::vector<uint8_t> junk(100, 0);
  EXPECT_EQ(s.handle_packet(junk, 0).dropped, DhcpDropReason::truncated);
  EXPECT_EQ(s.counters().dropped(DhcpDropReason::truncated), 1u);
  EXPECT_EQ(s.counters().received_of(DhcpMessageType::offer), 2u);
}

TEST(DhcpServer, LargestReplyFitsTheMinimumDatagram) {
  DhcpPoolConfig c = pool();
  c.domain = std::string(kDhcpMaxDomainLen, 'x');
  c.dns = {1, 2, 3, 4};
  DhcpServer s = make_server(c);
  DhcpMessage d = discover(mac(1));
  d.client_id.assign(std::string(kDhcpMaxClientIdLen, 'c'));
  const DhcpDecision offer = s.handle(d, 0);
  ASSERT_EQ(offer.action, DhcpAction::offer);
  EXPECT_LE(dhcp_encoded_size(offer.reply), 576u - 28);  // 576 minus the IPv4 and UDP headers
  d.client_id.assign(std::string(kDhcpMaxClientIdLen + 1, 'c'));
  EXPECT_EQ(s.handle(d, 0).dropped, DhcpDropReason::unsupported);
}

TEST(DhcpServer, ReconfigureKeepsLeasesStillInThePool) {
  DhcpServer s = make_server();
  ASSERT_EQ(dora(s, mac(1), 0), ip4(192, 168, 1, 100));
  ASSERT_EQ(dora(s, mac(2), 0), ip4(192, 168, 1, 101));
  ASSERT_EQ(dora(s, kStaticMac, 0), ip4(192, 168, 1, 50));
  DhcpPoolConfig bad = pool();
  bad.range_first = ip4(192, 168, 1, 0);
  EXPECT_FALSE(s.reconfigure(bad).ok());
  EXPECT_EQ(s.leases().size(), 3u);  // unchanged

  DhcpPoolConfig next = pool();
  next.range_first = ip4(192, 168, 1, 101);
  next.range_last = ip4(192, 168, 1, 110);
  next.static_leases = {{mac(2), ip4(192, 168, 1, 60)}};  // mac(2) now has a static address elsewhere
  Result<size_t> dropped = s.reconfigure(next);
  ASSERT_TRUE(dropped.ok()) << dropped.error().to_string();
  EXPECT_EQ(*dropped, 3u);
  EXPECT_TRUE(s.leases().empty());

  DhcpServer t = make_server();
  ASSERT_EQ(dora(t, mac(1), 0), ip4(192, 168, 1, 100));
  ASSERT_EQ(dora(t, mac(2), 0), ip4(192, 168, 1, 101));
  next.static_leases.clear();
  ASSERT_EQ(*t.reconfigure(next), 1u);
  ASSERT_EQ(t.leases().size(), 1u);
  EXPECT_EQ(t.leases()[0].mac, mac(2));
  EXPECT_EQ(t.handle(renew(mac(2), ip4(192, 168, 1, 101)), 10).action, DhcpAction::ack);
  EXPECT_EQ(t.handle(renew(mac(1), ip4(192, 168, 1, 100)), 10).action, DhcpAction::nak);
}

TEST(DhcpServer, RestoreLoadsEverythingOrNothing) {
  DhcpServer s = make_server();
  ASSERT_EQ(dora(s, mac(9), 0), ip4(192, 168, 1, 100));
  std::vector<DhcpLease> records = {
      {{}, mac(1), ip4(192, 168, 1, 101), 5000, "a", DhcpLeaseState::bound},
      {{1, 2, 3}, mac(2), ip4(192, 168, 1, 102), 9000, "", DhcpLeaseState::offered},
      {{}, kStaticMac, ip4(192, 168, 1, 50), 5000, "printer", DhcpLeaseState::bound},
      {{}, mac(3), ip4(192, 168, 1, 103), 700, "", DhcpLeaseState::declined},
  };
  std::vector<DhcpLease> broken = records;
  broken[2].ip = ip4(192, 168, 1, 101);
  Result<void> bad = s.restore(broken, 1000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().pointer, "leases/2/ip");
  ASSERT_EQ(s.leases().size(), 1u);  // the table before the failed restore
  EXPECT_EQ(s.leases()[0].mac, mac(9));

  broken = records;
  broken[1].client_id.clear();
  broken[1].mac = mac(1);
  EXPECT_EQ(s.restore(broken, 1000).error().pointer, "leases/1/mac");
  broken = records;
  broken[0].ip = ip4(192, 168, 1, 99);
  EXPECT_EQ(s.restore(broken, 1000).error().pointer, "leases/0/ip");
  broken = records;
  broken[0].hostname = std::string(64, 'h');
  EXPECT_EQ(s.restore(broken, 1000).error().pointer, "leases/0/hostname");
  broken = records;
  broken[1].client_id.assign(65, 7);
  EXPECT_EQ(s.restore(broken, 1000).error().pointer, "leases/1/client_id");
  broken = records;
  broken[0].mac = mac(7);
  broken[0].ip = ip4(192, 168, 1, 50);  // another MAC's static address
  broken[2].ip = ip4(192, 168, 1, 100);
  EXPECT_EQ(s.restore(broken, 1000).error().pointer, "leases/0/ip");

  ASSERT_TRUE(s.restore(records, 1000).ok());
  std::vector<DhcpLease> expect = {records[2], records[0], records[1], records[3]};
  expect[2].expires_at_s = 1000;  // the offer did not survive the restart
  EXPECT_EQ(s.leases(), expect);
  EXPECT_EQ(s.handle(renew(mac(1), ip4(192, 168, 1, 101)), 1001).action, DhcpAction::ack);
  EXPECT_EQ(s.handle(discover(mac(9)), 1002).reply.yiaddr, ip4(192, 168, 1, 100));  // its hint is gone, .100 is free
}

TEST(DhcpPoolConfigValidate, NamesTheField) {
  ASSERT_TRUE(validate(pool()).ok());
  struct Case {
    void (*change)(DhcpPoolConfig&);
    const char* pointer;
  };
  const std::vector<Case> cases = {
      {[](DhcpPoolConfig& c) { c.prefix_len = 31; }, "prefix_len"},
      {[](DhcpPoolConfig& c) { c.subnet = ip4(192, 168, 1, 4); }, "subnet"},
      {[](DhcpPoolConfig& c) { c.server_ip = ip4(192, 168, 2, 1); }, "server_ip"},
      {[](DhcpPoolConfig& c) { c.server_ip = ip4(192, 168, 1, 255); }, "server_ip"},
      {[](DhcpPoolConfig& c) { c.range_first = ip4(192, 168, 1, 0); }, "range.first"},
      {[](DhcpPoolConfig& c) { c.range_first = kServer; }, "range.first"},
      {[](DhcpPoolConfig& c) { c.range_last = ip4(192, 168, 1, 255); }, "range.last"},
      {[](DhcpPoolConfig& c) { c.range_last = ip4(192, 168, 2, 5); }, "range.last"},
      {[](DhcpPoolConfig& c) { c.range_last = ip4(192, 168, 1, 99); }, "range"},
      {[](DhcpPoolConfig& c) { c.range_first = 0; }, "range.first"},
      {[](DhcpPoolConfig& c) { c.server_ip = ip4(192, 168, 1, 101); }, "range"},  // the server inside the range
      {[](DhcpPoolConfig& c) {
         c.subnet = ip4(10, 0, 0, 0);
         c.prefix_len = 8;
         c.server_ip = ip4(10, 0, 0, 1);
         c.range_first = ip4(10, 1, 0, 0);
         c.range_last = ip4(10, 2, 0, 0);
         c.router = 0;
         c.static_leases.clear();
       }, "range"},
      {[](DhcpPoolConfig& c) { c.static_leases.push_back({{0x03, 0, 0, 0, 0, 1}, ip4(192, 168, 1, 51)}); },
       "static_leases/1/mac"},
      {[](DhcpPoolConfig& c) { c.static_leases.push_back({kStaticMac, ip4(192, 168, 1, 51)}); },
       "static_leases/1/mac"},
      {[](DhcpPoolConfig& c) { c.static_leases.push_back({mac(1), ip4(192, 168, 1, 50)}); }, "static_leases/1/ip"},
      {[](DhcpPoolConfig& c) { c.static_leases.push_back({mac(1), kServer}); }, "static_leases/1/ip"},
      {[](DhcpPoolConfig& c) { c.static_leases.push_back({mac(1), ip4(172, 16, 0, 1)}); }, "static_leases/1/ip"},
      {[](DhcpPoolConfig& c) { c.router = ip4(10, 0, 0, 1); }, "router"},
      {[](DhcpPoolConfig& c) { c.dns = {1, 2, 3, 4, 5}; }, "dns"},
      {[](DhcpPoolConfig& c) { c.dns = {1, 0}; }, "dns/1"},
      {[](DhcpPoolConfig& c) { c.domain = std::string(kDhcpMaxDomainLen + 1, 'a'); }, "domain"},
      {[](DhcpPoolConfig& c) { c.domain = "bad domain"; }, "domain"},
      {[](DhcpPoolConfig& c) { c.mtu = 67; }, "mtu"},
      {[](DhcpPoolConfig& c) { c.lease_time_s = 59; }, "lease_time_s"},
      {[](DhcpPoolConfig& c) { c.offer_hold_s = 0; }, "offer_hold_s"},
      {[](DhcpPoolConfig& c) { c.decline_hold_s = 0; }, "decline_hold_s"},
  };
  for (const Case& k : cases) {
    DhcpPoolConfig c = pool();
    k.change(c);
    Result<void> r = validate(c);
    ASSERT_FALSE(r.ok()) << k.pointer;
    EXPECT_EQ(r.error().code, Errc::validation);
    EXPECT_EQ(r.error().pointer, k.pointer);
    EXPECT_TRUE(r.error().message.starts_with(std::string(k.pointer) + ": ")) << r.error().message;
    EXPECT_FALSE(DhcpServer::create(c).ok());
  }
  DhcpPoolConfig largest = pool();
  largest.subnet = ip4(10, 0, 0, 0);
  largest.prefix_len = 8;
  largest.server_ip = ip4(10, 0, 0, 1);
  largest.range_first = ip4(10, 1, 0, 0);
  largest.range_last = ip4(10, 1, 255, 255);  // exactly 65536 addresses
  largest.router = 0;
  largest.static_leases.clear();
  EXPECT_TRUE(validate(largest).ok());
  const Error e = validate([] { DhcpPoolConfig c = pool(); c.range_last = ip4(192, 168, 1, 99); return c; }()).error();
  EXPECT_EQ(e.message, "range: first 192.168.1.100 is after last 192.168.1.99");
}

}  // namespace
}  // namespace edgegw::netproto
