// EspReplayWindow: the sequence-number inference of RFC 4303 Appendix A2.2 and a bitmap ring.
#include "edgegw/netproto/esp_replay.hpp"

#include <algorithm>
#include <bit>

namespace edgegw::netproto {

EspReplayWindow::EspReplayWindow(uint32_t size) {
  const uint32_t words = std::bit_ceil(std::max<uint32_t>(1, (size + 63) / 64));
  size_ = std::max<uint32_t>(64, (size + 63) / 64 * 64);
  // One spare word beyond the window, so the word the top is in never aliases the bottom one.
  bits_.assign(std::bit_ceil(words + 1), 0);
  word_mask_ = bits_.size() - 1;
}

EspReplayWindow::Check EspReplayWindow::check(uint32_t seq_low) const {
  // Appendix A2.2: the high half is the top's, or one more when the low half wrapped past the
  // window, or one less when the window straddles a wrap and the packet is below it.
  const uint32_t top_low = static_cast<uint32_t>(top_);
  uint64_t high = top_ >> 32;
  const uint32_t bottom_low = top_low - (size_ - 1);  // wraps when the window straddles 2^32
  if (top_low >= size_ - 1) {
    if (seq_low < bottom_low) ++high;
  } else if (seq_low >= bottom_low && high != 0) {
    --high;
  }
  const uint64_t seq = high << 32 | seq_low;
  if (seq == 0) return {Verdict::too_old, seq};
  if (seq > top_) return {Verdict::ok, seq};
  if (top_ - seq >= size_) return {Verdict::too_old, seq};
  return {seen(seq) ? Verdict::replayed : Verdict::ok, seq};
}

void EspReplayWindow::accept(uint64_t seq) {
  if (seq > top_) {
    // Clear what the window passes over: the words after the top's up to the new top's (all of
    // them when it jumps further than the ring).
    const uint64_t from_word = top_ / 64 + 1, to_word = seq / 64;
    if (to_word >= from_word) {
      if (to_word - from_word + 1 >= bits_.size()) {
        bits_.assign(bits_.size(), 0);
      } else {
        for (uint64_t w = from_word; w <= to_word; ++w) bits_[w & word_mask_] = 0;
      }
    }
    top_ = seq;
  }
  bits_[(seq / 64) & word_mask_] |= uint64_t{1} << (seq % 64);
}

}  // namespace edgegw::netproto
