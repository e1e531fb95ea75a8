// NAT session table: endpoint-independent mapping, limits, port allocation under churn, TCP state
// and per-protocol timeouts, expiry and sweep, forwards, snapshots. Time is a plain integer.
#include "edgegw/netproto/nat_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

namespace edgegw::netproto {
namespace {

constexpr uint32_t kExt = 0xc6336401;     // 198.51.100.1
constexpr uint32_t kHost = 0x0a000002;    // 10.0.0.2
constexpr uint32_t kServer = 0x0a000005;  // 10.0.0.5
constexpr uint32_t kR1 = 0xcb007109, kR2 = 0xcb00710a, kR3 = 0xcb00710b;
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

NatConfig config(uint32_t max_sessions = 64) {
  NatConfig c;
  c.external_ip = kExt;
  c.max_sessions = max_sessions;
  c.max_sessions_per_host = 0;
  return c;
}

const NatTable::Session* open(NatTable& t, NatProto p, uint32_t ip, uint16_t port, uint32_t rip, uint16_t rport,
                              uint64_t now, NatStatus* status = nullptr) {
  NatStatus st = NatStatus::ok;
  const NatTable::Session* s = t.outbound(p, ip, port, rip, rport, now, true, &st);
  if (status != nullptr) *status = st;
  return s;
}

void expect_invariants(const NatTable& t) {
  std::string why;
  EXPECT_TRUE(t.check_invariants(&why)) << why;
}

TEST(NatTable, CreateValidatesConfig) {
  NatConfig c = config();
  c.max_sessions = 0;
  EXPECT_FALSE(NatTable::create(c).ok());
  c = config();
  c.port_min = 2000;
  c.port_max = 1999;
  EXPECT_FALSE(NatTable::create(c).ok());
  auto t = NatTable::create(config());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->max_sessions(), 64u);
}

TEST(NatTable, EndpointIndependentMapping) {
  NatTable t(config());
  const auto* a = open(t, NatProto::udp, kHost, 5000, kR1, 53, 0);
  const auto* b = open(t, NatProto::udp, kHost, 5000, kR2, 53, 100);
  const auto* c = open(t, NatProto::udp, kHost, 5001, kR1, 53, 100);
  const auto* d = open(t, NatProto::tcp, kHost, 5000, kR1, 53, 100);  // TCP has its own ports
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(a->external_port, 1024);
  EXPECT_EQ(b->external_port, 1024);
  EXPECT_EQ(c->external_port, 1025);
  EXPECT_EQ(d->external_port, 1024);
  // a expires (UDP 300) but b keeps the mapping: a third remote still sees port 1024.
  const auto* e = open(t, NatProto::udp, kHost, 5000, kR3, 53, 350);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->external_port, 1024);
  EXPECT_EQ(t.find_outside(NatProto::udp, 1024, kR1, 53, 350), nullptr);
  expect_invariants(t);
  // Once every session of the endpoint is gone, so is its port.
  t.sweep(1000, 64);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.port_in_use(NatProto::udp, 1024));
  EXPECT_EQ(t.counters().sessions_expired, 5u);
  expect_invariants(t);
}

TEST(NatTable, LookupsIgnoreExpiredSessions) {
  NatTable t(config());
  ASSERT_NE(open(t, NatProto::icmp, kHost, 77, kR1, 0, 0), nullptr);
  EXPECT_NE(t.find_inside(NatProto::icmp, kHost, 77, kR1, 0, 59), nullptr);
  EXPECT_EQ(t.find_inside(NatProto::icmp, kHost, 77, kR1, 0, 60), nullptr);
  NatStatus st;
  EXPECT_EQ(t.inbound(NatProto::icmp, 1024, kR1, 0, 60, true, &st), nullptr);
  EXPECT_EQ(st, NatStatus::no_session);
  EXPECT_EQ(t.size(), 0u);  // the worker's lookup removed it on the way
  EXPECT_EQ(t.counters().sessions_expired, 1u);
  expect_invariants(t);
}

TEST(NatTable, PerHostAndTotalLimitsAreCounted) {
  NatConfig c = config(8);
  c.max_sessions_per_host = 3;
  NatTable t(c);
  NatStatus st;
  for (uint16_t p = 1; p <= 3; ++p) ASSERT_NE(open(t, NatProto::tcp, kHost, p, kR1, 80, 0), nullptr);
  EXPECT_EQ(open(t, NatProto::tcp, kHost, 4, kR1, 80, 0, &st), nullptr);
  EXPECT_EQ(st, NatStatus::host_limit);
  for (uint32_t h = 1; h <= 5; ++h) ASSERT_NE(open(t, NatProto::udp, kHost + h, 9, kR1, 53, 0), nullptr);
  EXPECT_EQ(open(t, NatProto::udp, kHost + 9, 9, kR1, 53, 0, &st), nullptr);
  EXPECT_EQ(st, NatStatus::table_full);
  const NatCounters n = t.counters();
  EXPECT_EQ(n.host_limit, 1u);
  EXPECT_EQ(n.table_full, 1u);
  EXPECT_EQ(n.sessions_created, 8u);
  EXPECT_EQ(n.live[static_cast<size_t>(NatProto::tcp)], 3u);
  EXPECT_EQ(n.live[static_cast<size_t>(NatProto::udp)], 5u);
  expect_invariants(t);
}

TEST(NatTable, ForwardedPortsAreReservedAndExhaustionCounted) {
  NatConfig c = config();
  c.port_min = 2000;
  c.port_max = 2004;
  NatTable t(c);
  ASSERT_TRUE(t.add_forward(NatForward{NatProto::tcp, 2002, kServer, 22}).ok());
  std::set<uint16_t> ports;
  for (uint16_t p = 1; p <= 4; ++p) {
    const auto* s = open(t, NatProto::tcp, kHost, p, kR1, 80, 0);
    ASSERT_NE(s, nullptr);
    ports.insert(s->external_port);
  }
  EXPECT_EQ(ports, (std::set<uint16_t>{2000, 2001, 2003, 2004}));
  NatStatus st;
  EXPECT_EQ(open(t, NatProto::tcp, kHost, 5, kR1, 80, 0, &st), nullptr);
  EXPECT_EQ(st, NatStatus::no_port);
  EXPECT_EQ(t.counters().no_port, 1u);
  // A port held by a mapping cannot be forwarded; UDP's ports are separate.
  EXPECT_FALSE(t.add_forward(NatForward{NatProto::tcp, 2000, kServer, 22}).ok());
  EXPECT_FALSE(t.add_forward(NatForward{NatProto::tcp, 2002, kServer, 23}).ok());
  EXPECT_TRUE(t.add_forward(NatForward{NatProto::udp, 2000, kServer, 53}).ok());
  // The forward creates a session to the server; removing the forward keeps it until it expires.
  const auto* f = t.inbound(NatProto::tcp, 2002, kR2, 40000, 1, true, &st);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->inside_ip, kServer);
  EXPECT_EQ(f->inside_port, 22);
  ASSERT_TRUE(t.remove_forward(NatProto::tcp, 2002).ok());
  EXPECT_TRUE(t.port_in_use(NatProto::tcp, 2002));
  EXPECT_EQ(t.find_forward(NatProto::tcp, 2002), nullptr);
  expect_invariants(t);
  t.sweep(10000, 64);
  EXPECT_FALSE(t.port_in_use(NatProto::tcp, 2002));
  ASSERT_NE(open(t, NatProto::tcp, kHost, 9, kR1, 80, 10000), nullptr);
  expect_invariants(t);
}

TEST(NatTable, TcpTimeoutsFollowState) {
  NatTable t(config());
  const NatTimeouts to;
  const auto* s = open(t, NatProto::tcp, kHost, 40000, kR1, 80, 0);
  ASSERT_NE(s, nullptr);
  t.on_packet(s, true, kSyn, 0);
  EXPECT_EQ(t.tcp_state(*s), NatTcpState::transitory);
  EXPECT_EQ(t.timeout_of(*s), to.tcp_transitory);
  EXPECT_NE(t.find_inside(NatProto::tcp, kHost, 40000, kR1, 80, 239), nullptr);
  EXPECT_EQ(t.find_inside(NatProto::tcp, kHost, 40000, kR1, 80, 240), nullptr);
  t.on_packet(s, false, kSyn | kAck, 100);
  EXPECT_EQ(t.tcp_state(*s), NatTcpState::established);
  EXPECT_NE(t.find_inside(NatProto::tcp, kHost, 40000, kR1, 80, 100 + 7439), nullptr);
  EXPECT_EQ(t.find_inside(NatProto::tcp, kHost, 40000, kR1, 80, 100 + 7440), nullptr);
  t.on_packet(s, true, kFin | kAck, 200);  // half closed: still established
  EXPECT_EQ(t.tcp_state(*s), NatTcpState::established);
  t.on_packet(s, false, kFin | kAck, 210);
  EXPECT_EQ(t.tcp_state(*s), NatTcpState::closing);
  EXPECT_NE(t.find_inside(NatProto::tcp, kHost, 40000, kR1, 80, 219), nullptr);
  EXPECT_EQ(t.find_inside(NatProto::tcp, kHost, 40000, kR1, 80, 220), nullptr);
  // A new SYN on the closing 5-tuple starts a new connection.
  t.on_packet(s, true, kSyn, 215);
  EXPECT_EQ(t.tcp_state(*s), NatTcpState::transitory);

  const auto* r = open(t, NatProto::tcp, kHost, 40001, kR1, 80, 0);
  t.on_packet(r, true, kSyn, 0);
  t.on_packet(r, false, kSyn | kAck, 1);
  t.on_packet(r, false, kRst, 2);
  EXPECT_EQ(t.tcp_state(*r), NatTcpState::closing);
  EXPECT_EQ(t.find_inside(NatProto::tcp, kHost, 40001, kR1, 80, 12), nullptr);
}

TEST(NatTable, UdpAndIcmpTimeoutsAndRefresh) {
  NatTable t(config());
  const auto* u = open(t, NatProto::udp, kHost, 5000, kR1, 53, 0);
  const auto* i = open(t, NatProto::icmp, kHost, 1, kR1, 0, 0);
  ASSERT_TRUE(u && i);
  EXPECT_NE(t.find_outside(NatProto::icmp, i->external_port, kR1, 0, 59), nullptr);
  EXPECT_EQ(t.find_outside(NatProto::icmp, i->external_port, kR1, 0, 60), nullptr);
  EXPECT_NE(t.find_outside(NatProto::udp, u->external_port, kR1, 53, 299), nullptr);
  t.on_packet(u, false, 0, 299);
  EXPECT_NE(t.find_outside(NatProto::udp, u->external_port, kR1, 53, 598), nullptr);
  EXPECT_EQ(t.find_outside(NatProto::udp, u->external_port, kR1, 53, 599), nullptr);
}

TEST(NatTable, SweepIsIncrementalAndFreesPorts) {
  NatTable t(config(128));
  for (uint16_t p = 0; p < 100; ++p) ASSERT_NE(open(t, NatProto::udp, kHost, p, kR1, 53, 0), nullptr);
  t.sweep(100, 128);  // nothing expired yet
  EXPECT_EQ(t.size(), 100u);
  uint32_t rounds = 0;
  while (t.size() != 0 && rounds < 100) {
    t.sweep(1000, 10);
    ++rounds;
  }
  EXPECT_GE(rounds, 10u);  // 10 slots per call: no call did it all
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.counters().sessions_expired, 100u);
  for (uint16_t port = 1024; port < 1124; ++port) EXPECT_FALSE(t.port_in_use(NatProto::udp, port));
  expect_invariants(t);
}

// Thousands of sessions created and expired at random with a small port range: no two present
// sessions ever share an outside key, each inside endpoint has one external port, every invariant
// holds throughout.
TEST(NatTable, ChurnNeverSharesOutsideKeys) {
  NatConfig c = config(512);
  c.port_min = 1024;
  c.port_max = 1024 + 299;
  c.seed = 12345;
  c.timeouts = NatTimeouts{40, 15, 3, 25, 10};
  NatTable t(c);
  std::mt19937 rng(42);
  ASSERT_TRUE(t.add_forward(NatForward{NatProto::tcp, 1100, kServer, 80}).ok());
  uint64_t now = 0;
  uint64_t created = 0;
  std::vector<NatSessionInfo> snap;
  for (int step = 0; step < 40000; ++step) {
    now += rng() % 2;
    const auto proto = static_cast<NatProto>(rng() % 3);
    const uint32_t host = kHost + rng() % 64;
    const auto port = static_cast<uint16_t>(1 + rng() % 6);
    const uint32_t remote = kR1 + rng() % 6;
    const auto rport = static_cast<uint16_t>(proto == NatProto::icmp ? 0 : 1 + rng() % 4);
    NatStatus st;
    if (rng() % 8 == 0) {
      const auto* f = t.inbound(NatProto::tcp, 1100, remote, rport, now, true, &st);
      if (f != nullptr) t.on_packet(f, false, kSyn, now);
    } else if (const auto* s = t.outbound(proto, host, port, remote, rport, now, true, &st)) {
      ++created;
      EXPECT_NE(s->external_port, proto == NatProto::tcp ? 1100 : 0);
      t.on_packet(s, true, static_cast<uint8_t>(rng() % 2 ? kSyn : kFin), now);
    }
    t.sweep(now, 4);
    if (step % 2000 == 0) {
      expect_invariants(t);
      t.snapshot_sessions(&snap);
      EXPECT_EQ(snap.size(), t.size());
      std::set<std::tuple<int, uint16_t, uint32_t, uint16_t>> outside;
      std::map<std::tuple<int, uint32_t, uint16_t>, uint16_t> mapping;
      for (const NatSessionInfo& s : snap) {
        EXPECT_TRUE(outside.emplace(static_cast<int>(s.proto), s.external_port, s.remote_ip, s.remote_port).second);
        if (s.forwarded) continue;
        auto [it, fresh] = mapping.emplace(std::make_tuple(static_cast<int>(s.proto), s.inside_ip, s.inside_port),
                                           s.external_port);
        EXPECT_TRUE(fresh || it->second == s.external_port) << "endpoint with two external ports";
        EXPECT_TRUE(s.external_port >= c.port_min && s.external_port <= c.port_max);
      }
    }
  }
  EXPECT_GT(created, 10000u);
  EXPECT_GT(t.counters().sessions_expired, 5000u);
  expect_invariants(t);
  t.sweep(now + 1000, 512);
  EXPECT_EQ(t.size(), 0u);
  expect_invariants(t);
}

TEST(NatTable, ClearReturnsToTheNewState) {
  NatTable t(config());
  ASSERT_TRUE(t.add_forward(NatForward{NatProto::udp, 53, kServer, 53}).ok());
  for (uint16_t p = 1; p <= 10; ++p) ASSERT_NE(open(t, NatProto::udp, kHost, p, kR1, 53, 0), nullptr);
  NatStatus st;
  ASSERT_NE(t.inbound(NatProto::udp, 53, kR2, 9, 0, true, &st), nullptr);
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  expect_invariants(t);
  EXPECT_NE(t.find_forward(NatProto::udp, 53), nullptr);
  const auto* s = open(t, NatProto::udp, kHost, 99, kR1, 53, 5);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->external_port, 1024);  // the first port again
  EXPECT_EQ(t.counters().sessions_expired, 0u);
}

// Another thread lists sessions and reads counters while the worker churns: every session it sees
// is a consistent one (the seqlock), never a mix of two. Meant for ASan/TSan builds as much as for
// the assertions.
TEST(NatTable, SnapshotWhileTheWorkerWrites) {
  NatConfig c = config(256);
  c.timeouts = NatTimeouts{20, 10, 2, 15, 5};
  NatTable t(c);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    std::vector<NatSessionInfo> snap;
    while (!done.load(std::memory_order_relaxed)) {
      t.snapshot_sessions(&snap);
      for (const NatSessionInfo& s : snap) {
        // The worker below always uses inside port == remote port - 1000 and host-derived ports.
        ASSERT_EQ(s.inside_port + 1000, s.remote_port);
        ASSERT_GE(s.external_port, 1024);
      }
      const NatCounters n = t.counters();
      ASSERT_LE(n.sessions_expired, n.sessions_created);
    }
  });
  std::mt19937 rng(3);
  NatStatus st;
  for (uint64_t now = 0; now < 30000; ++now) {
    const auto port = static_cast<uint16_t>(1 + rng() % 50);
    if (const auto* s = t.outbound(NatProto::udp, kHost + rng() % 8, port, kR1, static_cast<uint16_t>(port + 1000),
                                   now / 10, true, &st)) {
      t.on_packet(s, true, 0, now / 10);
    }
    t.sweep(now / 10, 2);
  }
  done = true;
  reader.join();
  expect_invariants(t);
}

TEST(NatTable, SnapshotListsSessions) {
  NatTable t(config());
  ASSERT_NE(open(t, NatProto::udp, kHost, 5000, kR1, 53, 7), nullptr);
  ASSERT_TRUE(t.add_forward(NatForward{NatProto::tcp, 8080, kServer, 80}).ok());
  NatStatus st;
  const auto* f = t.inbound(NatProto::tcp, 8080, kR2, 40000, 8, true, &st);
  ASSERT_NE(f, nullptr);
  t.on_packet(f, false, kSyn, 8);
  std::vector<NatSessionInfo> snap;
  t.snapshot_sessions(&snap);
  ASSERT_EQ(snap.size(), 2u);
  const NatSessionInfo& u = snap[0].proto == NatProto::udp ? snap[0] : snap[1];
  const NatSessionInfo& g = snap[0].proto == NatProto::udp ? snap[1] : snap[0];
  EXPECT_EQ(u.inside_ip, kHost);
  EXPECT_EQ(u.inside_port, 5000);
  EXPECT_EQ(u.remote_ip, kR1);
  EXPECT_EQ(u.external_ip, kExt);
  EXPECT_EQ(u.external_port, 1024);
  EXPECT_EQ(u.last_seen, 7u);
  EXPECT_FALSE(u.forwarded);
  EXPECT_TRUE(g.forwarded);
  EXPECT_EQ(g.inside_ip, kServer);
  EXPECT_EQ(g.external_port, 8080);
  EXPECT_EQ(g.tcp_state, NatTcpState::transitory);
}

}  // namespace
}  // namespace edgegw::netproto
