// ESP anti-replay with 64-bit extended sequence numbers (RFC 4303 section 3.4.3 and Appendix A2):
// a receiver's window of the last `size` sequence numbers below the highest authenticated one.
//
// Receipt is two steps, because with ESN the high 32 bits of a packet's sequence number are never on
// the wire but enter its ICV: check() infers the full number from the low 32 bits and says whether
// the window would take it, changing nothing; only after the ICV verified with that number does
// accept() move the window. So a forged packet, whatever its sequence number, never advances it.
//
// A packet from below the window cannot be told from one 2^32 further on: check() takes it for the
// latter (as A2.2 does), its ICV fails with that number, and it is dropped and counted as an
// authentication failure, the window untouched.
//
// One writer (the data plane's worker); no allocation after construction; plain C++.
#pragma once

#include <cstdint>
#include <vector>

namespace edgegw::netproto {

class EspReplayWindow {
 public:
  enum class Verdict : uint8_t {
    ok,        // not seen, within or above the window: verify the ICV with `seq`, then accept(seq)
    replayed,  // seen already
    too_old,   // 0, which no sender uses (below the window reads as the next 2^32, see above)
  };
  struct Check {
    Verdict verdict;
    uint64_t seq;  // the full sequence number the low bits stand for
  };

  // `size` packets (rounded up to a multiple of 64, at least 64); RFC 4303 asks for 32 at least,
  // edgegw uses 1024 or more.
  explicit EspReplayWindow(uint32_t size = 1024);

  Check check(uint32_t seq_low) const;
  // Records `seq` (a number check() passed and the ICV verified): the window slides up to it when it
  // is the highest yet.
  void accept(uint64_t seq);

  uint64_t highest() const { return top_; }  // 0 before the first packet
  uint32_t size() const { return size_; }

 private:
  bool seen(uint64_t seq) const { return (bits_[(seq / 64) & word_mask_] >> (seq % 64)) & 1; }

  uint32_t size_;
  uint64_t word_mask_;           // words - 1 (the bitmap is a ring of 2^k words)
  uint64_t top_ = 0;             // the highest sequence number accepted
  std::vector<uint64_t> bits_;  // bit (n % (64 * words)): n was accepted
};

}  // namespace edgegw::netproto
