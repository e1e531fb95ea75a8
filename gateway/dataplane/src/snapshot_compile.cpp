// Compiles network memberships into a snapshot: members, per-port tag lookup, static MACs.
#include "snapshot_compile.hpp"

#include <algorithm>

namespace edgegw::dataplane {

void compile_memberships(Snapshot& snap, const std::vector<BridgeSpec>& bridges,
                         const std::map<std::string, uint16_t>& index_of_port,
                         const std::vector<std::vector<uint16_t>>* member_policies) {
  std::vector<std::vector<TagMapEntry>> tagged(snap.ports.size());
  for (size_t n = 0; n < bridges.size(); ++n) {
    const BridgeSpec& b = bridges[n];
    SnapshotNetwork& net = snap.networks[n];
    std::map<std::string, uint16_t> member_of_port;
    for (size_t k = 0; k < b.members.size(); ++k) {
      const BridgeMember& m = b.members[k];
      auto up = index_of_port.find(m.port);
      if (up == index_of_port.end()) continue;
      SnapshotMember member;
      member.port = up->second;
      member.network = static_cast<uint16_t>(n);
      member.vlan = m.vlan;
      member.outer_vlan = m.outer_vlan;
      member.tag_bytes = static_cast<uint16_t>((m.vlan != 0 ? kVlanTagLen : 0) + (m.outer_vlan != 0 ? kVlanTagLen : 0));
      member.policy = member_policies != nullptr ? (*member_policies)[n][k] : 0;
      const auto mi = static_cast<uint16_t>(snap.members.size());
      snap.members.push_back(member);
      net.members[net.member_count++] = mi;
      net.member_by_port_id[snap.ports[member.port].port_id] = mi;
      member_of_port[m.port] = mi;
      if (m.vlan == 0) {
        snap.ports[member.port].untagged = mi;
      } else {
        tagged[member.port].push_back(TagMapEntry{tag_key(m.outer_vlan, m.vlan), mi});
      }
    }
    std::vector<StaticFdbEntry> statics;
    for (const StaticMac& sm : b.static_macs) {
      auto member = member_of_port.find(sm.port);
      statics.push_back(StaticFdbEntry{mac_key(sm.mac.data()), member == member_of_port.end() ? kNoIndex : member->second});
    }
    std::sort(statics.begin(), statics.end(), [](const auto& x, const auto& y) { return x.mac < y.mac; });
    net.static_first = static_cast<uint32_t>(snap.static_macs.size());
    net.static_count = static_cast<uint32_t>(statics.size());
    snap.static_macs.insert(snap.static_macs.end(), statics.begin(), statics.end());
  }
  for (size_t p = 0; p < snap.ports.size(); ++p) {
    std::sort(tagged[p].begin(), tagged[p].end(), [](const auto& x, const auto& y) { return x.key < y.key; });
    snap.ports[p].tag_first = static_cast<uint32_t>(snap.tag_map.size());
    snap.ports[p].tag_count = static_cast<uint16_t>(tagged[p].size());
    snap.tag_map.insert(snap.tag_map.end(), tagged[p].begin(), tagged[p].end());
  }
}

}  // namespace edgegw::dataplane
