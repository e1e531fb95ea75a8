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
#include "edgegw/control/guest_manager.hpp"
#include "edgegw/control/store.hpp"
#include "edgegw/dataplane/switch_spec.hpp"

namespace edgegw::dataplane {
class Dataplane;
}

namespace edgegw::control {

class HostAddresses;

// What compiling a config needs that the document does not say: where things live on this box.
struct SwitchCompileOptions {
  std::string vhost_dir = "/run/edgegw/vhost";  // default vhost-user sockets: <vhost_dir>/<port>.sock
};

// Compiles a validated config into what the data plane consumes.
dataplane::SwitchSpec compile_switch(const GatewayConfig& config, const SwitchCompileOptions& options = {});

// The socket a vhost port serves: its configured `socket`, else <vhost_dir>/<name>.sock.
std::string vhost_socket_path(const PortConfig& port, const SwitchCompileOptions& options);

// The guests of a config, each NIC with the vhost-user socket its port serves.
std::vector<GuestDefinition> guest_definitions(const GatewayConfig& config, const SwitchCompileOptions& options);

// The MAC of a routed network's gateway when the config names none (derived from the network name).
MacAddress default_router_mac(const std::string& network);

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
  ApplyService(Store& store, dataplane::Dataplane& dataplane, SwitchCompileOptions options = {});
  ~ApplyService();

  ApplyResult apply(std::string_view document, ConfigSource source, const std::string& actor);

  // Re-applies the document of an earlier `version` as a new version (max + 1) so versions still
  // only increase; audited as config.rollback with detail "to version N". Only a version that was
  // applied at some time (applied or superseded) is a rollback target: failed and abandoned versions
  // never ran successfully, and an abandoned one may be what crashed the process. Errc::not_found
  // when `version` is not stored, Errc::conflict when it was never applied.
  ApplyResult rollback(uint64_t version, ConfigSource source, const std::string& actor);

  // At start-up: marks crashed pending versions abandoned, then applies the last applied version, or
  // `default_document` when the store has none. Kill points cover every step.
  // Re-publishing the last applied version creates no new version (the store already says applied)
  // and is audited as config.recovered. The default config is stored as a new version with source
  // default_config; if failed attempts already used its version number it is renumbered to
  // max_version() + 1. An invalid default document is Errc::internal (it is compiled in).
  ApplyResult recover(std::string_view default_document);

  const std::optional<GatewayConfig>& active() const { return active_; }
  const SwitchCompileOptions& compile_options() const { return options_; }

  // Host ports' addresses: set on their kernel interfaces after every successful apply (see
  // HostAddresses). Why a port's configured address is not in place, "" when it is.
  std::string host_address_error(const std::string& port) const;
  // Tries again the host addresses that could not be set (the interface appears only once the
  // data plane created its device); call it from a timer. Cheap when nothing failed.
  void retry_host_addresses();
  const ApplyCounters& counters() const { return counters_; }
  // The board's budget for guests: documents (and rollbacks) whose guests exceed it are refused,
  // naming the guest. Without one, guests are not admission-checked.
  void set_guest_budget(GuestBudget budget) { guest_budget_ = std::move(budget); }

 private:
  // Stale check, store pending, publish, mark applied, with the kill points between the steps.
  // `pending_action`/`pending_detail` label the pending row's audit entry (config.pending or
  // config.rollback).
  ApplyResult apply_parsed(GatewayConfig config, ConfigSource source, const std::string& actor,
                           const char* pending_action, const std::string& pending_detail);
  // Adds the admission issues of the document's guests (parsed must be ok).
  void admit_guests(ParsedConfig& parsed) const;
  ApplyResult reject_invalid(const ParsedConfig& parsed, ConfigSource source, const std::string& actor);
  // Publishes the stored applied version again (restart path): no new version.
  ApplyResult republish(const ConfigVersion& applied);
  // After the data plane took new tables that the store then failed to record: puts back the tables
  // of active_ so what runs is what the store says is applied.
  void restore_active_tables();
  // active_ changed and runs: bring the host ports' kernel side in line with it.
  void sync_host_addresses();

  Store& store_;
  dataplane::Dataplane& dataplane_;
  SwitchCompileOptions options_;
  std::unique_ptr<HostAddresses> host_addresses_;
  std::optional<GatewayConfig> active_;
  ApplyCounters counters_;
  std::optional<GuestBudget> guest_budget_;
};

}  // namespace edgegw::control
