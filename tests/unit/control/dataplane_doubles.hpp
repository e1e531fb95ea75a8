// Data-plane doubles for the control plane's tests: NullDataplane takes every spec and has nothing
// to report; PuntingDataplane serves the services that answer punted frames (DHCP, router
// advertisements): the test queues the frames the worker would punt, and every injected frame is
// kept with the time of the test's clock when it was sent.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::control::test {

struct InjectedFrame {
  std::string network;
  std::vector<uint8_t> frame;
  uint64_t at_ms = 0;
};

class NullDataplane : public dataplane::Dataplane {
 public:
  Result<void> apply(const dataplane::SwitchSpec&) override { return {}; }
  bool reclaim() override { return false; }
  std::vector<dataplane::PortStatus> ports() const override { return {}; }
  dataplane::DataplaneStatus status() const override { return {}; }
  void stop() override {}
};

class PuntingDataplane : public NullDataplane {
 public:
  std::vector<dataplane::PuntedFrame> punt_receive(size_t max) override {
    ++punt_receive_calls;
    std::vector<dataplane::PuntedFrame> out;
    while (!punted.empty() && out.size() < max) {
      out.push_back(std::move(punted.front()));
      punted.pop_front();
    }
    return out;
  }
  Result<void> inject(const std::string& network, const std::vector<uint8_t>& frame) override {
    if (inject_full) return make_error(Errc::unavailable, "the worker's queue for the gateway's own frames is full");
    injected.push_back({network, frame, now_ms});
    return {};
  }

  uint64_t now_ms = 0;  // the test's clock, stamped on injected frames
  bool inject_full = false;
  std::deque<dataplane::PuntedFrame> punted;
  std::vector<InjectedFrame> injected;
  int punt_receive_calls = 0;
};

}  // namespace edgegw::control::test
