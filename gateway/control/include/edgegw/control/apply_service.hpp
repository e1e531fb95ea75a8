// The one apply(document) path that the CLI, MQTT, the web API and the default config all use:
// validate -> store pending -> compile -> publish to the data plane -> mark applied -> audit.
// Any failure leaves the previous version active and says why.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgegw/common/result.hpp"
#include "edgegw/control/config_model.hpp"
#include "edgegw/control/config_parse.hpp"
#include "edgegw/control/store.hpp"
#include "edgegw/dataplane/switch_spec.hpp"

namespace edgegw::dataplane {
class Dataplane;
}

namespace edgegw::control {

// Compiles a validated config into what the data plane consumes.
dataplane::SwitchSpec compile_switch(const GatewayConfig& config);

struct ApplyResult {
  bool ok = false;
  uint64_t version = 0;
  std::string hash;
  Error error;                      // when !ok
  std::vector<ConfigIssue> issues;  // when error.code == validation: every issue, with pointers
};

struct ApplyCounters {
  uint64_t applied = 0;
  uint64_t rejected_invalid = 0;  // parse/validation failures
  uint64_t rejected_stale = 0;    // version did not increase
  uint64_t failed = 0;            // store or data plane failure
};

class ApplyService {
 public:
  ApplyService(Store& store, dataplane::Dataplane& dataplane);

  ApplyResult apply(std::string_view document, ConfigSource source, const std::string& actor);

  // Re-applies the document of an earlier `version` as a new version (max + 1) so versions still
  // only increase; audited as config.rollback.
  ApplyResult rollback(uint64_t version, ConfigSource source, const std::string& actor);

  // At start-up: marks crashed pending versions abandoned, then applies the last applied version, or
  // `default_document` when the store has none. Kill points cover every step.
  ApplyResult recover(std::string_view default_document);

  const std::optional<GatewayConfig>& active() const { return active_; }
  const ApplyCounters& counters() const { return counters_; }

 private:
  ApplyResult apply_parsed(ParsedConfig parsed, ConfigSource source, const std::string& actor,
                           const std::string& audit_detail);

  Store& store_;
  dataplane::Dataplane& dataplane_;
  std::optional<GatewayConfig> active_;
  ApplyCounters counters_;
};

}  // namespace edgegw::control
