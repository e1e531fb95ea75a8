// Names of config sources and statuses as they appear in the database, the CLI and the APIs,
// and the small helpers the store's files share.
#include <chrono>

#include "edgegw/control/store.hpp"
#include "store_internal.hpp"

namespace edgegw::control {

const char* config_source_name(ConfigSource source) {
  switch (source) {
    case ConfigSource::cli: return "cli";
    case ConfigSource::mqtt: return "mqtt";
    case ConfigSource::web: return "web";
    case ConfigSource::default_config: return "default";  // the word users and the contract use
    case ConfigSource::file: return "file";
  }
  return "unknown";
}

bool parse_config_source(const std::string& text, ConfigSource* out) {
  for (ConfigSource s : {ConfigSource::cli, ConfigSource::mqtt, ConfigSource::web,
                         ConfigSource::default_config, ConfigSource::file}) {
    if (text == config_source_name(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

const char* config_status_name(ConfigStatus status) {
  switch (status) {
    case ConfigStatus::pending: return "pending";
    case ConfigStatus::applied: return "applied";
    case ConfigStatus::superseded: return "superseded";
    case ConfigStatus::failed: return "failed";
    case ConfigStatus::abandoned: return "abandoned";
  }
  return "unknown";
}

namespace store_internal {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool parse_status(std::string_view text, ConfigStatus* out) {
  for (ConfigStatus s : {ConfigStatus::pending, ConfigStatus::applied, ConfigStatus::superseded,
                         ConfigStatus::failed, ConfigStatus::abandoned}) {
    if (text == config_status_name(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

Result<void> insert_audit(sqlite3* db, std::string_view action, std::string_view source,
                          std::string_view actor, uint64_t version, std::string_view detail) {
  auto stmt = sqlite::Statement::prepare(
      db,
      "INSERT INTO audit_log (ts_ms, action, source, actor, version, detail) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      "writing the audit row " + std::string(action));
  if (!stmt) return stmt.error();
  return stmt->bind(1, now_ms())
      .bind(2, action)
      .bind(3, source)
      .bind(4, actor)
      .bind(5, static_cast<int64_t>(version))
      .bind(6, detail)
      .run();
}

std::string version_columns(bool with_document) {
  return std::string("version, hash, source, actor, status, created_at_ms, applied_at_ms, error") +
         (with_document ? ", document" : "");
}

Result<ConfigVersion> read_version_row(const sqlite::Statement& stmt, bool with_document) {
  ConfigVersion v;
  v.version = static_cast<uint64_t>(stmt.column_int64(0));
  v.hash = stmt.column_text(1);
  std::string source = stmt.column_text(2);
  if (!parse_config_source(source, &v.source)) {
    return make_error(Errc::internal, "config version " + std::to_string(v.version) +
                                          " has an unknown source '" + source + "'");
  }
  v.actor = stmt.column_text(3);
  std::string status = stmt.column_text(4);
  if (!parse_status(status, &v.status)) {
    return make_error(Errc::internal, "config version " + std::to_string(v.version) +
                                          " has an unknown status '" + status + "'");
  }
  v.created_at_ms = stmt.column_int64(5);
  v.applied_at_ms = stmt.column_int64(6);
  v.error = stmt.column_text(7);
  if (with_document) v.document = stmt.column_text(8);
  return v;
}

}  // namespace store_internal
}  // namespace edgegw::control
