// The ESP anti-replay window: RFC 4303's verdicts, ESN inference across 2^32, and that a check
// alone (a packet whose ICV then fails) never moves the window; against a reference model.
#include "edgegw/netproto/esp_replay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace edgegw::netproto {
namespace {

using Verdict = EspReplayWindow::Verdict;

// Receives `seq` as the data plane does: check, "verify the ICV", accept.
Verdict receive(EspReplayWindow& w, uint64_t seq) {
  const EspReplayWindow::Check c = w.check(static_cast<uint32_t>(seq));
  EXPECT_EQ(c.seq, seq) << "inferred the wrong high half";
  if (c.verdict == Verdict::ok) w.accept(c.seq);
  return c.verdict;
}

TEST(EspReplayWindow, InOrderAndReorderedPacketsPassOnceAndReplaysAreCaught) {
  EspReplayWindow w(1024);
  EXPECT_EQ(w.size(), 1024u);
  EXPECT_EQ(w.check(0).verdict, Verdict::too_old) << "0 is never a sequence number";
  for (uint64_t s = 1; s <= 3000; ++s) EXPECT_EQ(receive(w, s), Verdict::ok) << s;
  EXPECT_EQ(w.highest(), 3000u);
  EXPECT_EQ(receive(w, 3000), Verdict::replayed);
  EXPECT_EQ(receive(w, 1977), Verdict::replayed) << "the lowest number in the window";
  // Just below the window: with ESN the low half is taken for the next 2^32 (RFC 4303 A2.2), and the
  // ICV computed with that number fails, so an old packet is dropped without touching the window.
  EXPECT_EQ(w.check(1976).seq, (uint64_t{1} << 32) + 1976);
  // Reordering within the window: a gap filled late, once.
  EXPECT_EQ(receive(w, 3005), Verdict::ok);
  EXPECT_EQ(receive(w, 3002), Verdict::ok);
  EXPECT_EQ(receive(w, 3002), Verdict::replayed);
  EXPECT_EQ(receive(w, 3001), Verdict::ok);
  EXPECT_EQ(w.highest(), 3005u);
}

TEST(EspReplayWindow, ACheckAloneNeverMovesTheWindow) {
  EspReplayWindow w(1024);
  for (uint64_t s = 1; s <= 100; ++s) receive(w, s);
  // Forged packets (their ICV fails, so nothing is accepted): far ahead, ahead, in the window.
  for (uint32_t low : {0xfffffff0u, 0x80000000u, 5000u, 101u, 50u}) (void)w.check(low);
  EXPECT_EQ(w.highest(), 100u);
  EXPECT_EQ(receive(w, 101), Verdict::ok) << "the genuine next packet still passes";
  EXPECT_EQ(receive(w, 60), Verdict::replayed);
}

TEST(EspReplayWindow, ExtendedSequenceNumbersCarryAcrossTheLowHalfWrapping) {
  EspReplayWindow w(1024);
  const uint64_t wrap = uint64_t{1} << 32;
  w.accept(wrap - 2000);  // as if the SA had run this far
  for (uint64_t s = wrap - 1999; s < wrap + 300; ++s) EXPECT_EQ(receive(w, s), Verdict::ok) << s;
  EXPECT_EQ(w.highest(), wrap + 299);
  // Late packets from before the wrap are still told apart: in the window (seen), below it.
  EXPECT_EQ(w.check(static_cast<uint32_t>(wrap - 10)).seq, wrap - 10);
  EXPECT_EQ(w.check(static_cast<uint32_t>(wrap - 10)).verdict, Verdict::replayed);
  EXPECT_EQ(w.check(static_cast<uint32_t>(wrap - 800)).seq, 2 * wrap - 800) << "below the window: the next 2^32";
  EXPECT_EQ(w.check(static_cast<uint32_t>(wrap + 400)).seq, wrap + 400);
  // A second wrap, and the top's word reused: old bits from one ring round ago do not count.
  w.accept(2 * wrap + 5);
  EXPECT_EQ(w.check(3).seq, 2 * wrap + 3);
  EXPECT_EQ(receive(w, 2 * wrap + 3), Verdict::ok);
}

TEST(EspReplayWindow, MatchesAReferenceModelUnderReorderingDuplicatesAndJumps) {
  for (uint32_t size : {64u, 1000u, 1024u, 4096u}) {
    EspReplayWindow w(size);
    const uint32_t window = w.size();
    std::mt19937_64 rng(size);
    std::set<uint64_t> seen;
    uint64_t top = 0;
    // Start below 2^32 so the run crosses the wrap of the low half.
    uint64_t next = (uint64_t{1} << 32) - 50'000;
    w.accept(next - 1);
    seen.insert(next - 1);
    top = next - 1;
    std::vector<uint64_t> held;  // sent but delayed
    uint64_t misread_old = 0;
    for (int i = 0; i < 200'000; ++i) {
      uint64_t seq;
      const unsigned pick = static_cast<unsigned>(rng() % 100);
      if (pick < 70) {
        seq = next++;
      } else if (pick < 85) {
        held.push_back(next++);  // arrives later
        continue;
      } else if (pick < 95 && !held.empty()) {
        const size_t k = rng() % held.size();
        seq = held[k];
        held.erase(held.begin() + static_cast<long>(k));
      } else if (pick < 99) {
        seq = top - std::min<uint64_t>(top - 1, rng() % (2 * window));  // a duplicate or an old one
      } else {
        next += rng() % (3 * window);  // a jump past the whole ring
        seq = next++;
      }
      const EspReplayWindow::Check c = w.check(static_cast<uint32_t>(seq));
      if (c.seq != seq) {
        // Only a packet below the window is taken for another 2^32; its ICV then fails (the sender
        // used another number), so it is dropped and the window stays.
        ASSERT_GE(top - std::min(top, seq), window) << "size " << size << " step " << i << " seq " << seq;
        ASSERT_GT(c.seq, top);
        ++misread_old;
        continue;
      }
      // The reference: RFC 4303 3.4.3 on full sequence numbers.
      const Verdict expected = seq > top                ? Verdict::ok
                               : top - seq >= window    ? Verdict::too_old
                               : seen.count(seq) != 0 ? Verdict::replayed
                                                        : Verdict::ok;
      ASSERT_EQ(c.verdict, expected) << "size " << size << " step " << i << " seq " << seq << " top " << top;
      if (c.verdict == Verdict::ok) {
        w.accept(seq);
        seen.insert(seq);
        top = std::max(top, seq);
      }
      ASSERT_EQ(w.highest(), top);
    }
    EXPECT_GT(top, uint64_t{1} << 32) << "the run crossed 2^32";
    EXPECT_GT(misread_old, 0u) << "the run had packets below the window";
  }
}

}  // namespace
}  // namespace edgegw::netproto
