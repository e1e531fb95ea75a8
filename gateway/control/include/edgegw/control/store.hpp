// The SQLite state store: every config version with its hash, source, timestamps and status, and an
// audit log of every change. WAL mode; schema versioned by PRAGMA user_version with forward-only
// migrations. All calls come from the control-plane thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgegw/common/result.hpp"

struct sqlite3;

namespace edgegw::control {

enum class ConfigSource { cli, mqtt, web, default_config, file };
const char* config_source_name(ConfigSource source);
bool parse_config_source(const std::string& text, ConfigSource* out);

// pending: stored, being applied; applied: the active version (exactly one at most);
// superseded: was applied, replaced by a newer one; failed: apply was refused or failed;
// abandoned: the process died while it was pending (found at the next start).
enum class ConfigStatus { pending, applied, superseded, failed, abandoned };
const char* config_status_name(ConfigStatus status);

struct ConfigVersion {
  uint64_t version = 0;
  std::string hash;      // sha256 hex of `document`
  ConfigSource source = ConfigSource::cli;
  std::string actor;     // who asked (cli user, mqtt client id, web login), free text
  ConfigStatus status = ConfigStatus::pending;
  std::string document;  // canonical JSON text
  int64_t created_at_ms = 0;
  int64_t applied_at_ms = 0;  // 0 when never applied
  std::string error;          // why it failed, when failed
};

// Audit actions written by the store and the apply service (audit_log.action).
namespace audit_action {
inline constexpr const char* kPending = "config.pending";      // stored as pending (store)
inline constexpr const char* kApplied = "config.applied";      // became the applied version (store)
inline constexpr const char* kFailed = "config.failed";        // data plane refused it (store)
inline constexpr const char* kAbandoned = "config.abandoned";  // pending at start-up (store)
inline constexpr const char* kRejected = "config.rejected";    // invalid or stale; nothing stored
inline constexpr const char* kRollback = "config.rollback";    // stored as pending, re-offering an old version
inline constexpr const char* kRecovered = "config.recovered";  // applied version re-published at start-up
}  // namespace audit_action

struct AuditEntry {
  int64_t id = 0;
  int64_t ts_ms = 0;
  std::string action;   // config.pending, config.applied, config.failed, config.abandoned, config.rollback, ...
  std::string source;
  std::string actor;
  uint64_t version = 0;
  std::string detail;
};

std::string sha256_hex(const std::string& data);

// A DHCP lease record of a routed network's server, as stored (see netproto::DhcpLease).
struct StoredDhcpLease {
  std::string network;
  uint32_t ip = 0;             // host order
  std::string mac;             // xx:xx:xx:xx:xx:xx
  std::string client_id;       // option 61 in lowercase hex, "" = none
  std::string hostname;
  std::string state;           // offered | bound | released | declined
  uint64_t expires_at_s = 0;   // Unix seconds
  bool operator==(const StoredDhcpLease&) const = default;
};

class Store {
 public:
  // 1: config_versions + audit_log; 2: actor columns, config_versions.applied_at_ms; 3: dhcp_leases.
  static constexpr int kSchemaVersion = 3;

  // Opens (creating if needed) the database and migrates it to kSchemaVersion. Refuses (Errc::conflict)
  // a database whose schema is newer than kSchemaVersion: it was written by a newer edgegw.
  static Result<std::unique_ptr<Store>> open(const std::string& path);

  // Test hook: like open() but migrates only up to `target_version` (1..kSchemaVersion), so a test
  // can build an old-schema database, fill it, and prove the later migrations keep its data. Only
  // schema_version() and integrity_check() are meaningful on a store below kSchemaVersion.
  static Result<std::unique_ptr<Store>> open_at(const std::string& path, int target_version);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const;

  // Inserts `v` as pending (its hash is computed here; status, applied_at_ms and error are ignored;
  // created_at_ms 0 means now) and audits it as `action` (kPending, or kRollback for a rollback)
  // with `detail` ("" means "sha256 <hash>"), in one transaction.
  // Errc::conflict when the version is already stored.
  Result<void> insert_pending(ConfigVersion v, std::string_view action = audit_action::kPending,
                              std::string_view detail = {});
  // Makes `version` (which must be pending) the applied one; the previously applied becomes
  // superseded. One transaction, audited as config.applied. Errc::not_found / Errc::conflict when
  // the version is missing / not pending.
  Result<void> mark_applied(uint64_t version);
  // pending -> failed with `error`, audited as config.failed with the error as detail.
  Result<void> mark_failed(uint64_t version, const std::string& error);
  // At start-up: every pending row (a crash happened mid-apply) becomes abandoned. Returns how many.
  Result<int> abandon_pending();

  Result<std::optional<ConfigVersion>> active() const;
  Result<std::optional<ConfigVersion>> get(uint64_t version) const;
  Result<uint64_t> max_version() const;  // highest version ever stored, 0 when empty
  Result<std::vector<ConfigVersion>> history(size_t limit) const;  // newest first, documents omitted

  Result<void> audit(const std::string& action, ConfigSource source, const std::string& actor,
                     uint64_t version, const std::string& detail);
  Result<std::vector<AuditEntry>> audit_log(size_t limit) const;  // newest first

  // DHCP leases. save_dhcp_leases writes `changed` (insert or replace by network and ip) and deletes
  // the `removed` addresses of `network`, in one transaction. dhcp_leases lists one network's
  // records ("" = every network), by network then address. delete_dhcp_leases_except drops the
  // records of every network not in `kept` (networks removed or no longer serving DHCP).
  Result<void> save_dhcp_leases(const std::string& network, const std::vector<StoredDhcpLease>& changed,
                                const std::vector<uint32_t>& removed);
  Result<std::vector<StoredDhcpLease>> dhcp_leases(const std::string& network) const;
  Result<int> delete_dhcp_leases_except(const std::vector<std::string>& kept);

  // "ok" when PRAGMA integrity_check passes, otherwise its first complaint.
  Result<std::string> integrity_check() const;

 private:
  Store(sqlite3* db, int schema_version);
  static Result<std::unique_ptr<Store>> open_and_migrate(const std::string& path, int target_version);

  sqlite3* db_;          // owned; closed by the destructor
  int schema_version_;   // PRAGMA user_version after open's migrations
};

}  // namespace edgegw::control
