// The control plane's side of the gateway's own services: frames the worker punts (DHCP to the
// gateway's server) and frames the control plane sends as the gateway (DHCP replies).
//
// Two single-producer single-consumer rings connect the threads: punt (worker -> control) and
// inject (control -> worker). A punted frame names its ingress membership by index in the
// snapshot it was handled with, and that snapshot's generation; this side keeps the names of the
// last few generations to resolve it. An injected frame names its network the same way, and the
// worker drops it if its snapshot has another generation (the networks may be numbered anew).
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>

#include "dataplane_impl.hpp"
#include "edgegw/common/log.hpp"

namespace edgegw::dataplane {
namespace {

constexpr unsigned kRingSize = 1024;       // frames in flight each way
constexpr size_t kGenerationsNamed = 4;    // punted frames older than this many publishes are dropped

}  // namespace

Result<void> DataplaneImpl::open_punt_rings() {
  punt_ring_ = rte_ring_create("edgegw_punt", kRingSize, static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
  inject_ring_ =
      rte_ring_create("edgegw_inject", kRingSize, static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (punt_ring_ == nullptr || inject_ring_ == nullptr) {
    return make_error(Errc::dpdk, std::string("creating the control plane's rings failed: ") + rte_strerror(rte_errno));
  }
  return {};
}

// After the worker stopped: frees what is still queued, then the rings.
void DataplaneImpl::close_punt_rings() {
  for (rte_ring*& ring : {std::ref(punt_ring_), std::ref(inject_ring_)}) {
    if (ring == nullptr) continue;
    void* m = nullptr;
    while (rte_ring_dequeue(ring, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(ring);
    ring = nullptr;
  }
}

void DataplaneImpl::name_members(const Snapshot& snap, const std::map<std::string, uint16_t>& index_of_port) {
  MemberNames names;
  names.generation = snap.generation;
  std::vector<std::string> port_names(snap.ports.size());
  for (const auto& [name, index] : index_of_port) port_names[index] = name;
  for (const SnapshotMember& m : snap.members) {
    names.network.push_back(desired_.bridges[m.network].name);
    names.port.push_back(port_names[m.port]);
  }
  member_names_.push_back(std::move(names));
  while (member_names_.size() > kGenerationsNamed) member_names_.pop_front();
}

std::vector<PuntedFrame> DataplaneImpl::punt_receive(size_t max) {
  std::vector<PuntedFrame> out;
  if (punt_ring_ == nullptr) return out;
  rte_mbuf* frames[32];
  while (out.size() < max) {
    const unsigned want = static_cast<unsigned>(std::min<size_t>(32, max - out.size()));
    const unsigned n = rte_ring_dequeue_burst(punt_ring_, reinterpret_cast<void**>(frames), want, nullptr);
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = frames[i];
      const uint32_t generation = m->hash.fdir.hi;
      const uint32_t member = m->hash.usr;
      auto names = std::find_if(member_names_.begin(), member_names_.end(), [&](const MemberNames& g) {
        return static_cast<uint32_t>(g.generation) == generation;
      });
      if (names == member_names_.end() || member >= names->network.size()) {
        ++punt_unresolved_;
      } else {
        PuntedFrame f;
        f.network = names->network[member];
        f.port = names->port[member];
        f.frame.resize(m->pkt_len);
        const void* bytes = rte_pktmbuf_read(m, 0, m->pkt_len, f.frame.data());
        if (bytes != f.frame.data()) std::memcpy(f.frame.data(), bytes, m->pkt_len);
        out.push_back(std::move(f));
      }
      rte_pktmbuf_free(m);
    }
    if (n < want) break;
  }
  return out;
}

Result<void> DataplaneImpl::inject(const std::string& network, const std::vector<uint8_t>& frame) {
  const Snapshot* snap = current_owned_.get();
  if (inject_ring_ == nullptr || snap == nullptr) return make_error(Errc::unavailable, "the data plane is not running");
  auto bridge = std::find_if(desired_.bridges.begin(), desired_.bridges.end(),
                             [&](const BridgeSpec& b) { return b.name == network; });
  if (bridge == desired_.bridges.end()) return make_error(Errc::not_found, "no network " + network);
  if (frame.size() < kEthHeaderLen || frame.size() > options_.max_mtu + kEthHeaderLen) {
    return make_error(Errc::invalid_argument, "frame of " + std::to_string(frame.size()) + " bytes");
  }
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  char* data = m != nullptr ? rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())) : nullptr;
  if (data == nullptr) {
    rte_pktmbuf_free(m);
    return make_error(Errc::unavailable, "no packet buffer for a frame of the gateway's own");
  }
  std::memcpy(data, frame.data(), frame.size());
  m->hash.usr = static_cast<uint32_t>(bridge - desired_.bridges.begin());
  m->hash.fdir.hi = static_cast<uint32_t>(snap->generation);
  if (rte_ring_enqueue(inject_ring_, m) != 0) {
    rte_pktmbuf_free(m);
    return make_error(Errc::unavailable, "the worker's queue for the gateway's own frames is full");
  }
  wake_->kick();  // an idle worker sleeps until traffic
  return {};
}

}  // namespace edgegw::dataplane
