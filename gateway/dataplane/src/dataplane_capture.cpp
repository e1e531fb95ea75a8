// Dataplane's capture calls: find the port, hand the work to the CaptureRegistry.
#include "dataplane_impl.hpp"

namespace edgegw::dataplane {

Result<uint32_t> DataplaneImpl::capture_start(const CaptureRequest& request) {
  if (!eal_ready_ || stopped_ || !captures_) return make_error(Errc::unavailable, "the data plane is not running");
  auto it = records_.find(request.port);
  if (it == records_.end()) return make_error(Errc::not_found, "no port '" + request.port + "'", "/port");
  if (!it->second.device) {
    return make_error(Errc::unavailable, "port '" + request.port + "' is down: " + it->second.reason, "/port");
  }
  return captures_->start(request, it->second.device->port_id, it->second.spec.devargs);
}

CaptureRegistry::PortCheck DataplaneImpl::capture_port_check() const {
  return [this](const std::string& port, uint16_t port_id) {
    auto it = records_.find(port);
    return it != records_.end() && it->second.device && it->second.device->port_id == port_id;
  };
}

Result<CaptureState> DataplaneImpl::capture_poll(uint32_t id) {
  if (!captures_) return make_error(Errc::unavailable, "the data plane is not running");
  return captures_->poll(id, capture_port_check());
}

Result<CaptureState> DataplaneImpl::capture_stop(uint32_t id) {
  if (!captures_) return make_error(Errc::unavailable, "the data plane is not running");
  return captures_->stop(id);
}

void DataplaneImpl::capture_poll_all() {
  if (captures_ && !stopped_) captures_->poll_all(capture_port_check());
}

}  // namespace edgegw::dataplane
