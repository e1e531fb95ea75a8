// Security groups compiled for the worker: which policy filters each network membership, and the
// classifier that finds a packet's first matching rule for every policy in one lookup.
//
// A policy is one ordered list of security groups (a port's own, or its network's default); its
// rules are the groups' rules concatenated. Policies get ids 1.. (0 = unfiltered) and the rules of
// all policies go into one rte_acl context per direction, with the policy id as a field of the key,
// so one classify call over a burst serves every port. A rule's priority falls with its place in
// its policy (the first match wins); its userdata is its index in the classifier plus one.
//
// Built on the control thread for every apply that changes rules, published in the snapshot and
// freed with it after the grace period (hitless: the worker keeps classifying with the old one
// meanwhile). Rule counters live in per-group blocks that a new classifier takes over from the old
// one while the group's rules stay the same, so counts survive applies that do not touch them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "counters.hpp"
#include "edgegw/common/result.hpp"
#include "edgegw/dataplane/switch_spec.hpp"

struct rte_acl_ctx;

namespace edgegw::dataplane {

// The data plane's bound on the rules of all policies together (the config's is lower).
constexpr size_t kMaxClassifierRules = 65536;

// Which policy filters each membership of a spec, and what each policy is.
struct SecurityPolicies {
  std::vector<std::vector<std::string>> groups;       // policy id - 1 -> its groups, in order
  std::vector<std::vector<uint16_t>> member_policy;   // [bridge][member], spec order: id or 0
  bool operator==(const SecurityPolicies&) const = default;
};

// Policies in order of first use (bridges, then their members); expects a checked spec.
SecurityPolicies resolve_security_policies(const SwitchSpec& spec);

// The key the classifier reads, every field in network byte order (rte_acl's contract). The
// first field is one byte and the others are in groups of four bytes, as rte_acl requires.
struct AclKey {
  uint8_t proto = 0;
  uint8_t pad[3] = {};
  uint32_t remote = 0;  // the other end: source for ingress, destination for egress
  uint16_t policy = 0;
  uint16_t port = 0;  // TCP/UDP destination port, ICMP type, else 0
};
static_assert(sizeof(AclKey) == 12);

AclKey make_acl_key(uint16_t policy, uint8_t proto, uint32_t remote, uint16_t port);

struct SecurityRuleCounters {
  Counter packets{0};
  Counter bytes{0};
};

// One group's rule counters, written by the worker (one worker lcore owns every port today; more
// workers would each need their own cells, like WorkerCounters) and read by status.
struct SecurityGroupCounters {
  std::string name;
  std::vector<SecurityRuleSpec> rules;  // what the cells count; a change of rules starts a new block
  std::unique_ptr<SecurityRuleCounters[]> cells;
};

// Packets of one policy that no rule matched, by the default's verdict.
struct SecurityPolicyCounters {
  std::vector<std::string> groups;
  Counter default_allowed{0};
  Counter default_denied{0};
};

// What a classifier result (userdata) stands for.
struct SecurityRuleRef {
  bool allow = false;
  SecurityRuleCounters* counters = nullptr;
};

class SecurityClassifier {
 public:
  // Compiles `policies` over `groups`. Counter blocks of `previous` (may be null) are taken over
  // for groups whose rules and policies whose groups did not change. Errc::dpdk when rte_acl
  // cannot build the contexts (nothing else changes then).
  static Result<std::shared_ptr<const SecurityClassifier>> build(const std::vector<SecurityGroupSpec>& groups,
                                                                  const SecurityPolicies& policies,
                                                                  const SecurityClassifier* previous);
  ~SecurityClassifier();

  // Whether this classifier already is what build() would make of these.
  bool compiled_from(const std::vector<SecurityGroupSpec>& groups, const SecurityPolicies& policies) const;

  // Worker: for each key, the userdata of its policy's first matching rule of `direction`, or 0.
  void classify(SecurityDirection direction, const uint8_t** keys, uint32_t* results, uint32_t count) const;
  const SecurityRuleRef& rule(uint32_t userdata) const { return rules_[userdata - 1]; }
  SecurityPolicyCounters& policy(uint16_t id) const { return *policy_counters_[id - 1]; }

  size_t rule_count() const { return rules_.size(); }
  const std::vector<std::shared_ptr<SecurityGroupCounters>>& group_counters() const { return group_counters_; }
  const std::vector<std::shared_ptr<SecurityPolicyCounters>>& policy_counters() const { return policy_counters_; }

 private:
  SecurityClassifier() = default;

  std::vector<SecurityGroupSpec> groups_;  // as compiled, for compiled_from()
  std::vector<std::vector<std::string>> policy_groups_;
  rte_acl_ctx* contexts_[2] = {nullptr, nullptr};  // by SecurityDirection; null: no rule of it
  std::vector<SecurityRuleRef> rules_;
  std::vector<std::shared_ptr<SecurityGroupCounters>> group_counters_;   // spec order
  std::vector<std::shared_ptr<SecurityPolicyCounters>> policy_counters_;  // by id - 1
};

}  // namespace edgegw::dataplane
