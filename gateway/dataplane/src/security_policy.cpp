// Policy resolution and the rte_acl classifier of the security groups.
#include "security_policy.hpp"

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_errno.h>

#include <atomic>
#include <cstddef>
#include <map>

namespace edgegw::dataplane {
namespace {

enum AclField : uint8_t { kFieldProto, kFieldRemote, kFieldPolicy, kFieldPort, kFieldCount };

RTE_ACL_RULE_DEF(AclRule, kFieldCount);

// proto: the one-byte first field; remote: its own 4-byte group; policy and port share one.
rte_acl_config acl_config() {
  rte_acl_config config{};
  config.num_categories = 1;
  config.num_fields = kFieldCount;
  config.defs[0] = {RTE_ACL_FIELD_TYPE_BITMASK, 1, kFieldProto, 0, offsetof(AclKey, proto)};
  config.defs[1] = {RTE_ACL_FIELD_TYPE_MASK, 4, kFieldRemote, 1, offsetof(AclKey, remote)};
  config.defs[2] = {RTE_ACL_FIELD_TYPE_RANGE, 2, kFieldPolicy, 2, offsetof(AclKey, policy)};
  config.defs[3] = {RTE_ACL_FIELD_TYPE_RANGE, 2, kFieldPort, 2, offsetof(AclKey, port)};
  return config;
}

// Rule values are in host order (rte_acl converts them); the port field holds the TCP/UDP
// destination port range or the ICMP type.
AclRule acl_rule(const SecurityRuleSpec& r, uint16_t policy, uint32_t position, uint32_t userdata) {
  AclRule a{};
  a.data.category_mask = 1;
  a.data.priority = static_cast<int32_t>(RTE_ACL_MAX_PRIORITY - position);
  a.data.userdata = userdata;
  a.field[kFieldProto].value.u8 = r.protocol;
  a.field[kFieldProto].mask_range.u8 = r.protocol == 0 ? 0 : 0xff;
  a.field[kFieldRemote].value.u32 = r.remote;
  a.field[kFieldRemote].mask_range.u32 = r.remote_length;
  a.field[kFieldPolicy].value.u16 = policy;
  a.field[kFieldPolicy].mask_range.u16 = policy;
  uint16_t first = 0;
  uint16_t last = 0xffff;
  if (r.protocol == 6 || r.protocol == 17) {
    first = r.port_first;
    last = r.port_last;
  } else if (r.protocol == 1 && r.icmp_type >= 0) {
    first = last = static_cast<uint16_t>(r.icmp_type);
  }
  a.field[kFieldPort].value.u16 = first;
  a.field[kFieldPort].mask_range.u16 = last;
  return a;
}

Result<rte_acl_ctx*> build_context(const std::vector<AclRule>& rules) {
  // Context names are process-wide and the old classifier lives until its grace period ends.
  static std::atomic<uint64_t> serial{0};
  const std::string name = "egw_acl_" + std::to_string(++serial);
  rte_acl_param param{};
  param.name = name.c_str();
  param.socket_id = SOCKET_ID_ANY;
  param.rule_size = RTE_ACL_RULE_SZ(kFieldCount);
  param.max_rule_num = static_cast<uint32_t>(rules.size());
  rte_acl_ctx* ctx = rte_acl_create(&param);
  if (ctx == nullptr) return make_error(Errc::dpdk, std::string("rte_acl_create: ") + rte_strerror(rte_errno));
  int rc = rte_acl_add_rules(ctx, reinterpret_cast<const rte_acl_rule*>(rules.data()), static_cast<uint32_t>(rules.size()));
  if (rc == 0) {
    const rte_acl_config config = acl_config();
    rc = rte_acl_build(ctx, &config);
  }
  if (rc != 0) {
    rte_acl_free(ctx);
    return make_error(Errc::dpdk, std::string("cannot build the security group classifier: ") + rte_strerror(-rc));
  }
  return ctx;
}

const SecurityGroupSpec* find_group(const std::vector<SecurityGroupSpec>& groups, const std::string& name) {
  for (const SecurityGroupSpec& g : groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

}  // namespace

SecurityPolicies resolve_security_policies(const SwitchSpec& spec) {
  SecurityPolicies out;
  std::map<std::string, const PortSpec*> ports;
  for (const PortSpec& p : spec.ports) ports[p.name] = &p;
  std::map<std::vector<std::string>, uint16_t> ids;
  for (const BridgeSpec& b : spec.bridges) {
    std::vector<uint16_t>& members = out.member_policy.emplace_back();
    for (const BridgeMember& m : b.members) {
      auto port = ports.find(m.port);
      const std::vector<std::string>& groups =
          port != ports.end() && !port->second->security_groups.empty() ? port->second->security_groups : b.security_groups;
      if (groups.empty()) {
        members.push_back(0);
        continue;
      }
      auto [it, fresh] = ids.try_emplace(groups, static_cast<uint16_t>(out.groups.size() + 1));
      if (fresh) out.groups.push_back(groups);
      members.push_back(it->second);
    }
  }
  return out;
}

AclKey make_acl_key(uint16_t policy, uint8_t proto, uint32_t remote, uint16_t port) {
  AclKey k;
  k.proto = proto;
  k.remote = rte_cpu_to_be_32(remote);
  k.policy = rte_cpu_to_be_16(policy);
  k.port = rte_cpu_to_be_16(port);
  return k;
}

Result<std::shared_ptr<const SecurityClassifier>> SecurityClassifier::build(const std::vector<SecurityGroupSpec>& groups,
                                                                             const SecurityPolicies& policies,
                                                                             const SecurityClassifier* previous) {
  std::shared_ptr<SecurityClassifier> c(new SecurityClassifier());
  c->groups_ = groups;
  c->policy_groups_ = policies.groups;
  std::map<std::string, SecurityGroupCounters*> counters_of;
  for (const SecurityGroupSpec& g : groups) {
    std::shared_ptr<SecurityGroupCounters> block;
    if (previous != nullptr) {
      for (const auto& old : previous->group_counters_) {
        if (old->name == g.name && old->rules == g.rules) block = old;
      }
    }
    if (!block) {
      block = std::make_shared<SecurityGroupCounters>();
      block->name = g.name;
      block->rules = g.rules;
      block->cells = std::make_unique<SecurityRuleCounters[]>(g.rules.size());
    }
    counters_of[g.name] = block.get();
    c->group_counters_.push_back(std::move(block));
  }
  for (const std::vector<std::string>& list : policies.groups) {
    std::shared_ptr<SecurityPolicyCounters> block;
    if (previous != nullptr) {
      for (const auto& old : previous->policy_counters_) {
        if (old->groups == list) block = old;
      }
    }
    if (!block) {
      block = std::make_shared<SecurityPolicyCounters>();
      block->groups = list;
    }
    c->policy_counters_.push_back(std::move(block));
  }

  std::vector<AclRule> by_direction[2];
  for (size_t p = 0; p < policies.groups.size(); ++p) {
    uint32_t position = 0;
    for (const std::string& name : policies.groups[p]) {
      const SecurityGroupSpec* group = find_group(groups, name);
      if (group == nullptr) continue;  // check_switch_spec refuses this
      for (size_t r = 0; r < group->rules.size(); ++r, ++position) {
        const SecurityRuleSpec& rule = group->rules[r];
        c->rules_.push_back(SecurityRuleRef{rule.allow, &counters_of.at(name)->cells[r]});
        by_direction[static_cast<unsigned>(rule.direction)].push_back(
            acl_rule(rule, static_cast<uint16_t>(p + 1), position, static_cast<uint32_t>(c->rules_.size())));
      }
    }
  }
  for (unsigned d = 0; d < 2; ++d) {
    if (by_direction[d].empty()) continue;
    Result<rte_acl_ctx*> ctx = build_context(by_direction[d]);
    if (!ctx) return ctx.error();  // the destructor frees a context already built
    c->contexts_[d] = *ctx;
  }
  return std::shared_ptr<const SecurityClassifier>(std::move(c));
}

SecurityClassifier::~SecurityClassifier() {
  for (rte_acl_ctx* ctx : contexts_) {
    if (ctx != nullptr) rte_acl_free(ctx);
  }
}

bool SecurityClassifier::compiled_from(const std::vector<SecurityGroupSpec>& groups,
                                       const SecurityPolicies& policies) const {
  return groups_ == groups && policy_groups_ == policies.groups;
}

void SecurityClassifier::classify(SecurityDirection direction, const uint8_t** keys, uint32_t* results,
                                  uint32_t count) const {
  const rte_acl_ctx* ctx = contexts_[static_cast<unsigned>(direction)];
  if (ctx == nullptr) {
    for (uint32_t i = 0; i < count; ++i) results[i] = 0;
    return;
  }
  rte_acl_classify(ctx, keys, results, count, 1);
}

}  // namespace edgegw::dataplane
