// FdbTable: learning, moves, ageing with an injected clock, capacity, collisions and deletion.
#include "fdb_table.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

namespace edgegw::dataplane {
namespace {

constexpr uint64_t kAging = 100;  // ticks of the injected clock

uint64_t mac(uint32_t n) { return 0x0200'0000'0000ull | n; }

TEST(FdbTable, LearnsAndFindsUnicastMacs) {
  FdbTable fdb(16);
  EXPECT_EQ(fdb.lookup(mac(1), 10, kAging), nullptr);
  EXPECT_EQ(fdb.learn(mac(1), {3, 7}, 10, kAging), FdbLearn::learned);
  const FdbTable::Slot* e = fdb.lookup(mac(1), 20, kAging);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->port, (FdbPortRef{3, 7}));
  EXPECT_EQ(fdb.size(), 1u);
  EXPECT_EQ(fdb.learn(mac(1), {3, 7}, 30, kAging), FdbLearn::refreshed);
  EXPECT_EQ(fdb.size(), 1u);
}

TEST(FdbTable, MacMovingToAnotherPortIsUpdated) {
  FdbTable fdb(16);
  ASSERT_EQ(fdb.learn(mac(1), {1, 1}, 0, kAging), FdbLearn::learned);
  EXPECT_EQ(fdb.learn(mac(1), {2, 1}, 5, kAging), FdbLearn::moved);
  EXPECT_EQ(fdb.lookup(mac(1), 6, kAging)->port.port_id, 2);
  // Same port id, new incarnation (the port was re-created): also a move.
  EXPECT_EQ(fdb.learn(mac(1), {2, 9}, 7, kAging), FdbLearn::moved);
  EXPECT_EQ(fdb.lookup(mac(1), 8, kAging)->port.incarnation, 9u);
  EXPECT_EQ(fdb.size(), 1u);
}

TEST(FdbTable, EntriesAgeOutAndRefreshingKeepsThem) {
  FdbTable fdb(16);
  fdb.learn(mac(1), {1, 1}, 1000, kAging);
  fdb.learn(mac(2), {1, 1}, 1000, kAging);
  EXPECT_NE(fdb.lookup(mac(1), 1099, kAging), nullptr);
  fdb.learn(mac(2), {1, 1}, 1050, kAging);  // refreshed
  EXPECT_EQ(fdb.lookup(mac(1), 1100, kAging), nullptr) << "exactly `aging` old is expired";
  EXPECT_NE(fdb.lookup(mac(2), 1100, kAging), nullptr);
  // The ageing time is the caller's: a longer one (a changed config) revives nothing removed yet.
  EXPECT_NE(fdb.lookup(mac(1), 1100, 1000), nullptr);
}

TEST(FdbTable, FullTableRefusesNewMacsButRefreshesKnownOnes) {
  FdbTable fdb(4);
  for (uint32_t i = 0; i < 4; ++i) ASSERT_EQ(fdb.learn(mac(i), {1, 1}, 0, kAging), FdbLearn::learned);
  EXPECT_EQ(fdb.learn(mac(99), {1, 1}, 1, kAging), FdbLearn::full);
  EXPECT_EQ(fdb.lookup(mac(99), 1, kAging), nullptr);
  EXPECT_EQ(fdb.learn(mac(2), {2, 1}, 1, kAging), FdbLearn::moved);
  EXPECT_EQ(fdb.size(), 4u);
  EXPECT_EQ(fdb.max_entries(), 4u);
}

TEST(FdbTable, ExpiredSlotsAreReusedWhenFull) {
  FdbTable fdb(4);
  for (uint32_t i = 0; i < 4; ++i) fdb.learn(mac(i), {1, 1}, 0, kAging);
  // All four expired at t=200: a new MAC takes an expired slot on its probe chain, or a free one.
  // Either way the table never holds more than max_entries live entries.
  FdbLearn r = fdb.learn(mac(50), {1, 1}, 200, kAging);
  if (r == FdbLearn::full) {
    fdb.sweep(200, kAging, fdb.slot_count());
    EXPECT_EQ(fdb.size(), 0u);
    r = fdb.learn(mac(50), {1, 1}, 200, kAging);
  }
  EXPECT_EQ(r, FdbLearn::learned);
  EXPECT_NE(fdb.lookup(mac(50), 201, kAging), nullptr);
  EXPECT_LE(fdb.size(), 4u);
}

TEST(FdbTable, SweepRemovesOnlyExpiredEntries) {
  FdbTable fdb(64);
  for (uint32_t i = 0; i < 40; ++i) fdb.learn(mac(i), {1, 1}, i < 20 ? 0 : 500, kAging);
  ASSERT_EQ(fdb.size(), 40u);
  // Budgeted: a small budget examines only part of the table.
  fdb.sweep(550, kAging, 4);
  EXPECT_GE(fdb.size(), 36u);
  for (uint32_t round = 0; round < fdb.slot_count(); ++round) fdb.sweep(550, kAging, 4);
  EXPECT_EQ(fdb.size(), 20u);
  for (uint32_t i = 0; i < 40; ++i) {
    EXPECT_EQ(fdb.lookup(mac(i), 550, kAging) != nullptr, i >= 20) << i;
  }
}

// Keys that share a home slot form one probe chain; deleting from the middle must keep the rest
// reachable (backward-shift deletion).
TEST(FdbTable, DeletingFromACollisionChainKeepsTheRestReachable) {
  FdbTable fdb(8);  // 16 slots
  std::vector<uint64_t> same_home;
  const uint32_t home = fdb.home(mac(1));
  for (uint32_t n = 1; same_home.size() < 5 && n < 100000; ++n) {
    if (fdb.home(mac(n)) == home) same_home.push_back(mac(n));
  }
  ASSERT_EQ(same_home.size(), 5u);
  for (uint64_t m : same_home) ASSERT_EQ(fdb.learn(m, {1, 1}, 1000, kAging), FdbLearn::learned);
  for (size_t i = 0; i < same_home.size(); ++i) {
    if (i != 1) {
      ASSERT_EQ(fdb.learn(same_home[i], {1, 1}, 1080, kAging), FdbLearn::refreshed);
    }
  }
  fdb.sweep(1150, kAging, fdb.slot_count());  // the second one is 150 old: only it goes
  EXPECT_EQ(fdb.size(), 4u);
  for (size_t i = 0; i < same_home.size(); ++i) {
    EXPECT_EQ(fdb.lookup(same_home[i], 1150, kAging) != nullptr, i != 1) << i;
  }
}

TEST(FdbTable, ManyMacsAllFindable) {
  FdbTable fdb(4096);
  EXPECT_GE(fdb.slot_count(), 8192u);
  for (uint32_t i = 0; i < 4096; ++i) ASSERT_EQ(fdb.learn(mac(i * 7919), {uint16_t(i % 32), i}, 1, kAging), FdbLearn::learned);
  EXPECT_EQ(fdb.learn(mac(0xffffff), {0, 0}, 1, kAging), FdbLearn::full);
  for (uint32_t i = 0; i < 4096; ++i) {
    const FdbTable::Slot* e = fdb.lookup(mac(i * 7919), 2, kAging);
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ(e->port.incarnation, i);
  }
}

TEST(FdbTable, LearnReportsWhatItOverwrote) {
  FdbTable fdb(4);
  FdbEvicted ev;
  ASSERT_EQ(fdb.learn(mac(1), {1, 1}, 0, kAging, &ev), FdbLearn::learned);
  EXPECT_FALSE(ev.any);
  ASSERT_EQ(fdb.learn(mac(1), {2, 5}, 1, kAging, &ev), FdbLearn::moved);
  EXPECT_TRUE(ev.any);
  EXPECT_EQ(ev.port, (FdbPortRef{1, 1}));
  for (uint32_t i = 2; i <= 4; ++i) ASSERT_EQ(fdb.learn(mac(i), {3, 3}, 1, kAging), FdbLearn::learned);
  // Full of entries that are all expired at 500: a new MAC whose chain passes mac(2)'s slot takes it.
  uint32_t collider = 100;
  while (fdb.home(mac(collider)) != fdb.home(mac(2))) ++collider;
  FdbEvicted reused;
  ASSERT_EQ(fdb.learn(mac(collider), {4, 4}, 500, kAging, &reused), FdbLearn::learned);
  EXPECT_TRUE(reused.any) << "the expired entry it replaced";
  EXPECT_EQ(reused.port, (FdbPortRef{3, 3}));
  EXPECT_EQ(fdb.size(), 4u);
}

TEST(FdbTable, SweepReportsEveryErasedEntry) {
  FdbTable fdb(16);
  for (uint32_t i = 0; i < 10; ++i) fdb.learn(mac(i), {uint16_t(i % 3), 9}, i < 6 ? 0 : 90, kAging);
  std::vector<FdbPortRef> erased;
  fdb.sweep(150, kAging, fdb.slot_count(), [&](const FdbPortRef& p) { erased.push_back(p); });
  EXPECT_EQ(erased.size(), 6u);
  EXPECT_EQ(fdb.size(), 4u);
}

TEST(FdbTable, ReadEntriesListsEveryOccupiedSlot) {
  FdbTable fdb(16);
  for (uint32_t i = 0; i < 5; ++i) fdb.learn(mac(i), {uint16_t(i), i + 100}, 10 + i, kAging);
  std::vector<FdbTable::Entry> entries;
  fdb.read_entries(&entries);
  ASSERT_EQ(entries.size(), 5u);
  std::set<uint64_t> macs;
  for (const FdbTable::Entry& e : entries) {
    const uint32_t i = static_cast<uint32_t>(e.mac & 0xff);
    macs.insert(e.mac);
    EXPECT_EQ(e.port, (FdbPortRef{uint16_t(i), i + 100}));
    EXPECT_EQ(e.last_seen, 10u + i);
  }
  EXPECT_EQ(macs.size(), 5u);
}

// The control thread lists the FDB while the worker learns, moves and ages entries: every entry it
// reads must be one the writer wrote as a whole (port id and incarnation derived from the MAC and a
// generation the writer stamps in both), never a mix of two writes.
TEST(FdbTable, ReadEntriesNeverSeesATornEntryWhileTheWorkerWrites) {
  FdbTable fdb(64);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    uint64_t now = 1;
    for (uint32_t round = 1; !stop.load(std::memory_order_relaxed); ++round, ++now) {
      for (uint32_t i = 0; i < 64; ++i) {
        const uint32_t m = (i * 37 + round) % 96;
        fdb.learn(mac(m), {uint16_t(round & 0xff), (round << 8) | m}, now, 4);
      }
      fdb.sweep(now, 4, 32);
    }
  });
  while (fdb.size() == 0) std::this_thread::yield();
  std::vector<FdbTable::Entry> entries;
  uint64_t seen = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) {
    fdb.read_entries(&entries);
    for (const FdbTable::Entry& e : entries) {
      const uint32_t m = static_cast<uint32_t>(e.mac & 0xffff);
      ASSERT_EQ(e.mac, mac(m)) << "key";
      ASSERT_EQ(e.port.incarnation & 0xff, m) << "incarnation of another MAC";
      ASSERT_EQ(e.port.port_id, (e.port.incarnation >> 8) & 0xff) << "port id and incarnation from two writes";
      ++seen;
    }
  }
  stop = true;
  writer.join();
  EXPECT_GT(seen, 0u);
}

TEST(FdbTable, MacKeyUsesTheSixAddressBytes) {
  const uint8_t a[8] = {0x02, 0, 0, 0, 0, 1, 0xaa, 0xbb};
  const uint8_t b[8] = {0x02, 0, 0, 0, 0, 1, 0xcc, 0xdd};
  const uint8_t c[8] = {0x02, 0, 0, 0, 0, 2, 0xaa, 0xbb};
  EXPECT_EQ(mac_key(a), mac_key(b));
  EXPECT_NE(mac_key(a), mac_key(c));
  EXPECT_EQ(mac_key(a) >> 48, 0u);
}

}  // namespace
}  // namespace edgegw::dataplane
