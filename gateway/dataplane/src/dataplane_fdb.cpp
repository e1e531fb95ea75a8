// Dataplane::fdb(): the FDB of one network as the control plane sees it, read without stopping or
// slowing the worker.
//
// Who writes what: the worker alone writes the FdbTable slots (learn, move, age-out); this thread
// only reads them through FdbTable::read_entries(), a per-slot seqlock whose reader retries and never
// makes the worker wait. Static MACs are not in the FdbTable at all: they come from the applied
// spec (and, for the worker, the immutable snapshot), so they need no synchronisation.
#include <rte_cycles.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane_impl.hpp"
#include "edgegw/netproto/ipv6.hpp"

namespace edgegw::dataplane {
namespace {

std::string mac_text(const uint8_t* b) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
  return text;
}

std::string mac_text(uint64_t key) {
  uint8_t bytes[8] = {};
  std::memcpy(bytes, &key, sizeof key);  // mac_key() loaded the frame's bytes natively
  return mac_text(bytes);
}

}  // namespace

std::vector<FdbEntryStatus> DataplaneImpl::fdb(const std::string& network) const {
  std::vector<FdbEntryStatus> out;
  auto bridge = std::find_if(desired_.bridges.begin(), desired_.bridges.end(),
                             [&](const BridgeSpec& b) { return b.name == network; });
  auto table = fdbs_.find(network);
  if (bridge == desired_.bridges.end() || table == fdbs_.end() || !table->second) return out;

  auto member_of = [&](const std::string& port) -> const BridgeMember* {
    for (const BridgeMember& m : bridge->members) {
      if (m.port == port) return &m;
    }
    return nullptr;
  };
  std::vector<uint64_t> static_keys;
  for (const StaticMac& sm : bridge->static_macs) {
    const BridgeMember* m = member_of(sm.port);
    FdbEntryStatus e;
    e.mac = mac_text(sm.mac.data());
    e.port = sm.port;
    e.vlan = m != nullptr ? m->vlan : 0;
    e.outer_vlan = m != nullptr ? m->outer_vlan : 0;
    e.is_static = true;
    out.push_back(std::move(e));
    static_keys.push_back(mac_key(sm.mac.data()));
  }

  std::vector<FdbTable::Entry> learned;
  table->second->read_entries(&learned);
  const uint64_t now = rte_get_tsc_cycles();
  const uint64_t aging = uint64_t{bridge->fdb_aging_s} * tsc_hz_;
  for (const FdbTable::Entry& entry : learned) {
    // The worker stamps entries with its own TSC reads; on a VM the vCPUs' TSCs may differ a
    // little, so an entry refreshed just now can look newer than `now`: that is age 0, not expiry.
    const uint64_t age = entry.last_seen < now ? now - entry.last_seen : 0;
    if (age >= aging) continue;  // expired, waiting for the sweep
    if (std::find(static_keys.begin(), static_keys.end(), entry.mac) != static_keys.end()) continue;  // shadowed
    // Only entries of a port's current incarnation steer traffic; older ones are dead.
    auto owner = std::find_if(records_.begin(), records_.end(), [&](const auto& kv) {
      return kv.second.device && kv.second.device->port_id == entry.port.port_id &&
             kv.second.incarnation == entry.port.incarnation;
    });
    if (owner == records_.end()) continue;
    const BridgeMember* m = member_of(owner->first);
    if (m == nullptr) continue;
    FdbEntryStatus e;
    e.mac = mac_text(entry.mac);
    e.port = owner->first;
    e.vlan = m->vlan;
    e.outer_vlan = m->outer_vlan;
    e.age_s = tsc_hz_ == 0 ? 0 : static_cast<uint32_t>(age / tsc_hz_);
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const FdbEntryStatus& a, const FdbEntryStatus& b) { return a.mac < b.mac; });
  return out;
}

}  // namespace edgegw::dataplane

namespace edgegw::dataplane {

std::vector<NeighborStatus> DataplaneImpl::neighbors(const std::string& network) const {
  std::vector<NeighborStatus> out;
  auto it = neighbors_.find(network);
  if (it == neighbors_.end() || !it->second.table) return out;
  std::vector<NeighborTable::Entry> entries;
  it->second.table->read_entries(&entries);
  const uint64_t now = rte_get_tsc_cycles();
  auto age_s = [this](uint64_t last_seen, uint64_t at) {
    return last_seen != 0 && at > last_seen && tsc_hz_ != 0 ? static_cast<uint32_t>((at - last_seen) / tsc_hz_) : 0;
  };
  for (const NeighborTable::Entry& e : entries) {
    NeighborStatus n;
    n.ip = e.ip;
    if (e.mac != 0) n.mac = mac_text(e.mac);
    n.age_s = age_s(e.last_seen, now);
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end(), [](const NeighborStatus& a, const NeighborStatus& b) { return a.ip < b.ip; });
  if (it->second.table6) {
    std::vector<Neighbor6Table::Entry> entries6;
    it->second.table6->read_entries(&entries6);
    std::vector<std::pair<std::array<uint8_t, 16>, NeighborStatus>> sorted;
    for (const Neighbor6Table::Entry& e : entries6) {
      std::array<uint8_t, 16> bytes{};
      ipv6_key_bytes(e.ip, bytes.data());
      NeighborStatus n;
      n.ip6 = netproto::format_ipv6(bytes);
      if (e.mac != 0) n.mac = mac_text(e.mac);
      n.age_s = age_s(e.last_seen, now);
      sorted.emplace_back(bytes, std::move(n));
    }
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& entry : sorted) out.push_back(std::move(entry.second));
  }
  return out;
}

}  // namespace edgegw::dataplane
