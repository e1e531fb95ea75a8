// The one reader of the frames the data plane punts to the control plane: each goes to the service
// that answers it, by its ethertype: IPv4 (DHCP messages) to the DHCP servers, IPv6 (router
// solicitations) to the router advertisers. One reader, so no service takes another's frames.
//
// Threading: control-plane thread only (a timer calls poll()).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgegw::dataplane {
class Dataplane;
}

namespace edgegw::control {

class DhcpService;
class RaService;

class PuntDispatcher {
 public:
  PuntDispatcher(dataplane::Dataplane& dataplane, DhcpService& dhcp, RaService& ra);

  // Both services follow the active config first (servers up before a frame reaches them), then up
  // to `max_frames` punted frames are handed over. Returns the frames taken.
  size_t poll(size_t max_frames = 256);

  uint64_t frames_unclaimed() const { return frames_unclaimed_; }  // neither IPv4 nor IPv6: dropped

 private:
  dataplane::Dataplane& dataplane_;
  DhcpService& dhcp_;
  RaService& ra_;
  uint64_t frames_unclaimed_ = 0;
};

}  // namespace edgegw::control
