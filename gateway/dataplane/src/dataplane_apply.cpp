// apply(): converge ports to the spec, compile and publish a snapshot; reclaim(): free what the
// worker can no longer see.
//
// Publishing never pauses forwarding: the worker keeps polling the old snapshot until its next loop
// picks up the new pointer; untouched ports keep their devices, untouched networks keep their FDB
// tables. Devices that must go (removed, admin down, changed devargs, or a change they cannot take
// live) leave the snapshot first and are closed only after a grace period, in reclaim().
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <set>

#include "dataplane_impl.hpp"
#include "edgegw/common/fault.hpp"
#include "edgegw/common/log.hpp"
#include "snapshot_compile.hpp"
#include "spec_check.hpp"

namespace edgegw::dataplane {
namespace {

const PortSpec* find_port(const SwitchSpec& spec, const std::string& name) {
  for (const PortSpec& p : spec.ports) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace

Result<void> DataplaneImpl::apply(const SwitchSpec& spec) {
  if (fault::fail_point("dataplane.apply")) return make_error(Errc::dpdk, "injected failure");
  if (!eal_ready_ || stopped_) return make_error(Errc::unavailable, "the data plane is not running");
  if (auto r = check_switch_spec(spec, options_.max_mtu); !r) return r;
  Result<PreparedSecurity> security = prepare_security(spec);
  if (!security) return security.error();
  Result<std::shared_ptr<SliceState>> slicing = prepare_slicing(spec);
  if (!slicing) return slicing.error();

  commit_security(std::move(*security));
  commit_slicing(std::move(*slicing));
  desired_ = spec;
  std::vector<PortDevice> to_close;
  converge(&to_close);
  publish(std::move(to_close));

  size_t up = std::count_if(records_.begin(), records_.end(), [](const auto& kv) { return kv.second.device.has_value(); });
  log::info("dataplane", "switch spec applied",
            {{"generation", generation_}, {"ports", desired_.ports.size()}, {"ports_up", up},
             {"networks", desired_.bridges.size()}});
  return {};
}

void DataplaneImpl::converge(std::vector<PortDevice>* to_close) {
  // Ports that left the spec or now name another device: their devices go after the grace period.
  for (auto it = records_.begin(); it != records_.end();) {
    const PortSpec* want = find_port(desired_, it->first);
    if (want != nullptr && want->devargs == it->second.spec.devargs) {
      ++it;
      continue;
    }
    if (it->second.device) to_close->push_back(*it->second.device);
    it = records_.erase(it);
  }

  for (const PortSpec& want : desired_.ports) {
    PortRecord& record = records_[want.name];
    record.spec = want;
    if (record.device && !want.admin_up) {
      // Closing (not just stopping) takes the link down and lets admin up start from a clean probe;
      // some drivers (af_packet in 22.11) cannot restart a stopped port.
      to_close->push_back(*record.device);
      record.device.reset();
    }
    if (record.device) {
      if (auto r = update_port_device(*record.device, record.configured, want); !r) {
        log::warn("dataplane", "port cannot change live, re-creating it",
                  {{"port", want.name}, {"error", r.error().message}});
        to_close->push_back(*record.device);
        record.device.reset();
      } else {
        record.configured = want;
        continue;
      }
    }
    if (!want.admin_up) {
      record.waiting_for_release = false;
      record.reason = "admin down";
      continue;
    }
    bring_up(record, *to_close);
  }
}

void DataplaneImpl::bring_up(PortRecord& record, const std::vector<PortDevice>& to_close) {
  const std::string device_name = device_name_of(record.spec.devargs);
  if (device_held(device_name, to_close)) {
    record.waiting_for_release = true;
    record.reason = "waiting for device " + device_name + " to be released";
    return;
  }
  record.waiting_for_release = false;
  auto opened = open_port_device(record.spec, pool_, *wake_);
  if (!opened) {
    record.reason = opened.error().message;
    log::warn("dataplane", "port down", {{"port", record.spec.name}, {"reason", record.reason}});
    return;
  }
  record.device = *opened;
  record.configured = record.spec;
  record.reason.clear();
  record.incarnation = ++next_incarnation_;
  record.baseline = counters_of(record.device->port_id);
}

bool DataplaneImpl::device_held(const std::string& device_name, const std::vector<PortDevice>& to_close) const {
  auto held = [&](const PortDevice& d) { return d.device_name == device_name; };
  if (std::any_of(to_close.begin(), to_close.end(), held)) return true;
  for (const Retired& r : retired_) {
    if (std::any_of(r.devices.begin(), r.devices.end(), held)) return true;
  }
  return false;
}

void DataplaneImpl::publish(std::vector<PortDevice> to_close) {
  Retired retired;
  std::unique_ptr<Snapshot> next = compile(&retired);
  current_.store(next.get(), std::memory_order_release);
  retired.snapshot = std::move(current_owned_);
  current_owned_ = std::move(next);
  retired.devices = std::move(to_close);
  // The token is taken after the store: once the worker passes it, it can only see the new snapshot.
  retired.token = rte_rcu_qsbr_start(rcu_);
  retired_.push_back(std::move(retired));
  // An idle worker sleeps holding the old snapshot (see worker.cpp): wake it to take the new one.
  wake_->kick();
}

std::unique_ptr<Snapshot> DataplaneImpl::compile(Retired* retired) {
  std::vector<std::unique_ptr<FdbTable>>* dropped_fdbs = &retired->fdbs;
  auto snap = std::make_unique<Snapshot>();
  snap->generation = ++generation_;
  if (!mac_counts_) mac_counts_ = std::make_unique<MacCounts>();
  snap->mac_counts = mac_counts_.get();

  // FDB tables follow networks by name. A network that keeps its size keeps its table (and what it
  // learned); a resized or removed network's table is retired with the old snapshot.
  std::map<std::string, std::unique_ptr<FdbTable>> tables;
  std::set<std::string> fresh_tables;
  for (const BridgeSpec& b : desired_.bridges) {
    auto old = fdbs_.find(b.name);
    std::unique_ptr<FdbTable>& table = tables[b.name];
    if (old != fdbs_.end() && old->second && old->second->max_entries() == b.fdb_max_entries) {
      table = std::move(old->second);
    } else {
      table = std::make_unique<FdbTable>(b.fdb_max_entries);
      fresh_tables.insert(b.name);
    }
    SnapshotNetwork net;
    net.fdb = table.get();
    net.aging_ticks = uint64_t{b.fdb_aging_s} * tsc_hz_;
    snap->networks.push_back(net);
  }
  for (auto& [name, table] : fdbs_) {
    if (table) dropped_fdbs->push_back(std::move(table));
  }
  fdbs_ = std::move(tables);

  std::map<std::string, uint16_t> index_of_port;  // ports that are up
  for (const PortSpec& want : desired_.ports) {
    PortRecord& record = records_.at(want.name);
    if (!record.device) continue;
    // A port whose set of networks changed, or one of whose networks got a new table, starts a new
    // incarnation: what it learned before no longer steers traffic and its MAC count restarts.
    std::string networks_key;
    bool in_fresh_table = false;
    for (const BridgeSpec& b : desired_.bridges) {
      for (const BridgeMember& m : b.members) {
        if (m.port != want.name) continue;
        networks_key += b.name + '\n';
        in_fresh_table = in_fresh_table || fresh_tables.count(b.name) != 0;
      }
    }
    if (record.networks_key != networks_key || in_fresh_table) {
      record.networks_key = networks_key;
      record.incarnation = ++next_incarnation_;
    }
    SnapshotPort port;
    port.port_id = record.device->port_id;
    port.incarnation = record.incarnation;
    port.max_frame = record.configured.mtu + kEthHeaderLen;
    port.mac_limit = want.mac_limit;
    const auto index = static_cast<uint16_t>(snap->ports.size());
    snap->ports.push_back(port);
    port.zone = zone_of(want.name);
    snap->by_port_id[port.port_id] = PortIdEntry{index, record.incarnation};
    index_of_port[want.name] = index;
    add_rx_queues(*snap, *record.device, index);
  }
  compile_memberships(*snap, desired_.bridges, index_of_port, &security_policies_.member_policy);
  compile_routing(*snap, retired);
  snap->punt = punt_ring_;
  name_members(*snap, index_of_port);
  compile_security(*snap);
  compile_slicing(*snap, index_of_port);
  return snap;
}

bool DataplaneImpl::reclaim() {
  if (!eal_ready_ || stopped_) return false;
  bool released_device = false;
  while (!retired_.empty() && rte_rcu_qsbr_check(rcu_, retired_.front().token, false) == 1) {
    for (const PortDevice& dev : retired_.front().devices) {
      close_port_device(dev, *wake_);
      released_device = true;
    }
    // The last snapshot of a replaced slicing state: its counters live on under the slices' names.
    const Snapshot* old = retired_.front().snapshot.get();
    if (old != nullptr && old->slicing && old->slicing != slicing_ && old->slicing.use_count() == 1) {
      carry_slicing(*old->slicing);
    }
    retired_.pop_front();  // frees the snapshot and the FDB tables only it referenced
  }
  if (released_device) {
    // Ports re-created under a device name that was just released come up now.
    bool brought_up = false;
    for (auto& [name, record] : records_) {
      if (!record.waiting_for_release || record.device || !record.spec.admin_up) continue;
      bring_up(record, {});
      brought_up = brought_up || record.device.has_value();
    }
    if (brought_up) publish({});
  }
  return !retired_.empty();
}

}  // namespace edgegw::dataplane
