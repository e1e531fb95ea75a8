// The SQLite state store: every config version with its hash, source, timestamps and status, and an
// audit log of every change. WAL mode; schema versioned by PRAGMA user_version with forward-only
// migrations. All calls come from the control-plane thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

class Store {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens (creating if needed) the database and migrates it to kSchemaVersion.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const;

  // Inserts `v` as pending (its hash is computed here) and audits it, in one transaction.
  Result<void> insert_pending(ConfigVersion v);
  // Makes `version` the applied one; the previously applied becomes superseded. One transaction.
  Result<void> mark_applied(uint64_t version);
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

  // "ok" when PRAGMA integrity_check passes, otherwise its first complaint.
  Result<std::string> integrity_check() const;

 private:
  explicit Store(sqlite3* db);
  sqlite3* db_;
};

}  // namespace edgegw::control
