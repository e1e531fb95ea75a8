// PuntDispatcher: punted frames to DhcpService or RaService by ethertype (see punt_dispatcher.hpp).
#include "edgegw/control/punt_dispatcher.hpp"

#include <vector>

#include "edgegw/control/dhcp_service.hpp"
#include "edgegw/control/ra_service.hpp"
#include "edgegw/dataplane/dataplane.hpp"
#include "edgegw/netproto/checksum.hpp"
#include "edgegw/netproto/ndp.hpp"

namespace edgegw::control {
namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;

}  // namespace

PuntDispatcher::PuntDispatcher(dataplane::Dataplane& dataplane, DhcpService& dhcp, RaService& ra)
    : dataplane_(dataplane), dhcp_(dhcp), ra_(ra) {}

size_t PuntDispatcher::poll(size_t max_frames) {
  dhcp_.follow_config();
  ra_.follow_config();
  std::vector<dataplane::PuntedFrame> frames = dataplane_.punt_receive(max_frames);
  for (const dataplane::PuntedFrame& f : frames) {
    // The worker punts untagged frames: the ethertype is at bytes 12-13.
    const uint16_t type = f.frame.size() >= 14 ? netproto::load_be16(f.frame.data() + 12) : 0;
    if (type == kEtherTypeIpv4) {
      dhcp_.handle(f);
    } else if (type == netproto::kEtherTypeIpv6) {
      ra_.handle(f);
    } else {
      ++frames_unclaimed_;
    }
  }
  return frames.size();
}

}  // namespace edgegw::control
