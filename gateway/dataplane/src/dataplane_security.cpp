// The security-group part of apply() and status: policies and their classifier (rebuilt only when
// rules change, on this thread, while the worker goes on with the published one), connection
// tracking zones, and the rule and policy counters.
#include <algorithm>
#include <set>

#include "dataplane_impl.hpp"
#include "edgegw/common/log.hpp"

namespace edgegw::dataplane {
namespace {

// How long a flow is remembered without traffic, in seconds (see docs/config.md).
constexpr uint64_t kTcpOpeningS = 60;
constexpr uint64_t kTcpEstablishedS = 7200;
constexpr uint64_t kTcpClosingS = 10;
constexpr uint64_t kUdpS = 60;
constexpr uint64_t kIcmpS = 30;
constexpr uint64_t kOtherS = 60;

}  // namespace

Result<DataplaneImpl::PreparedSecurity> DataplaneImpl::prepare_security(const SwitchSpec& spec) const {
  PreparedSecurity prepared;
  prepared.policies = resolve_security_policies(spec);
  if (prepared.policies.groups.empty()) return prepared;  // nothing filtered: no classifier
  if (security_ && security_->compiled_from(spec.security_groups, prepared.policies)) {
    prepared.classifier = security_;
    return prepared;
  }
  Result<std::shared_ptr<const SecurityClassifier>> built =
      SecurityClassifier::build(spec.security_groups, prepared.policies, security_.get());
  if (!built) return built.error();
  prepared.classifier = std::move(*built);
  log::info("dataplane", "security groups compiled",
            {{"policies", prepared.policies.groups.size()}, {"rules", prepared.classifier->rule_count()}});
  return prepared;
}

void DataplaneImpl::commit_security(PreparedSecurity prepared) {
  // New rules, or memberships that changed policy: remembered flows are judged again.
  if (prepared.classifier != security_ || prepared.policies != security_policies_) ++security_generation_;
  security_ = std::move(prepared.classifier);
  security_policies_ = std::move(prepared.policies);
}

void DataplaneImpl::compile_security(Snapshot& snap) {
  snap.security = security_;
  snap.security_generation = security_generation_;
  snap.conntrack = conntrack_.get();
  const uint64_t hz = tsc_hz_;
  snap.conntrack_times = ConntrackTimes{kTcpOpeningS * hz, kTcpEstablishedS * hz, kTcpClosingS * hz,
                                        kUdpS * hz,        kIcmpS * hz,           kOtherS * hz};
  // Zones of ports that left the spec go: a port coming back is a new zone (its old flows age out).
  std::set<std::string> names;
  for (const PortSpec& p : desired_.ports) names.insert(p.name);
  for (auto it = zones_.begin(); it != zones_.end();) {
    it = names.count(it->first) != 0 ? std::next(it) : zones_.erase(it);
  }
}

uint16_t DataplaneImpl::zone_of(const std::string& port) {
  auto [it, fresh] = zones_.try_emplace(port, next_zone_);
  if (fresh) ++next_zone_;
  return it->second;
}

SecurityStatus DataplaneImpl::security() const {
  SecurityStatus s;
  s.generation = security_generation_;
  if (!security_) {
    for (const SecurityGroupSpec& g : desired_.security_groups) {
      s.groups.push_back(SecurityGroupStatus{g.name, std::vector<SecurityRuleStatus>(g.rules.size())});
    }
    return s;
  }
  auto read = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
  s.classifier_rules = security_->rule_count();
  for (const auto& block : security_->group_counters()) {
    SecurityGroupStatus g{block->name, {}};
    for (size_t r = 0; r < block->rules.size(); ++r) {
      g.rules.push_back(SecurityRuleStatus{read(block->cells[r].packets), read(block->cells[r].bytes)});
    }
    s.groups.push_back(std::move(g));
  }
  const auto& policies = security_->policy_counters();
  for (const auto& block : policies) {
    s.policies.push_back(SecurityPolicyStatus{block->groups, {}, read(block->default_allowed), read(block->default_denied)});
  }
  for (size_t b = 0; b < desired_.bridges.size() && b < security_policies_.member_policy.size(); ++b) {
    const std::vector<uint16_t>& ids = security_policies_.member_policy[b];
    for (size_t m = 0; m < ids.size(); ++m) {
      if (ids[m] == 0 || ids[m] > s.policies.size()) continue;
      std::vector<std::string>& ports = s.policies[ids[m] - 1].ports;
      const std::string& port = desired_.bridges[b].members[m].port;
      if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
    }
  }
  return s;
}

}  // namespace edgegw::dataplane
