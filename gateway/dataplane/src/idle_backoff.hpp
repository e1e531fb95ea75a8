// Power-aware polling: after `spins` empty polling loops the worker starts sleeping between loops,
// doubling the sleep from 1 us up to `max_us`; any received packet returns it to busy polling.
// An idle gateway then costs a few thousand short wake-ups per second instead of a whole core,
// and the first packet after a quiet spell waits at most `max_us`.
#pragma once

#include <algorithm>

namespace edgegw::dataplane {

class IdleBackoff {
 public:
  IdleBackoff(unsigned spins, unsigned max_us) : spins_(spins), max_us_(std::max(1u, max_us)) {}

  void on_traffic() {
    empty_loops_ = 0;
    next_sleep_us_ = 1;
  }

  // Called after a loop that received nothing: how long to sleep now, 0 to keep polling.
  unsigned on_empty_loop() {
    if (empty_loops_ < spins_) {
      ++empty_loops_;
      return 0;
    }
    unsigned us = next_sleep_us_;
    next_sleep_us_ = std::min(next_sleep_us_ * 2, max_us_);
    return us;
  }

 private:
  unsigned spins_;
  unsigned max_us_;
  unsigned empty_loops_ = 0;
  unsigned next_sleep_us_ = 1;
};

}  // namespace edgegw::dataplane
