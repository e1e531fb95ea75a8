// Reads of the state store: the active version, one version, history, the audit log.
#include <cstdint>
#include <string>

#include "edgegw/control/store.hpp"
#include "sqlite_statement.hpp"
#include "store_internal.hpp"

namespace edgegw::control {
namespace {

using store_internal::read_version_row;
using store_internal::version_columns;

// At most one row, selected with version_columns(true) and bound by `bind_params`.
template <class Bind>
Result<std::optional<ConfigVersion>> select_one(sqlite3* db, const std::string& where, Bind bind_params,
                                                std::string what) {
  auto stmt = sqlite::Statement::prepare(
      db, "SELECT " + version_columns(true) + " FROM config_versions WHERE " + where, std::move(what));
  if (!stmt) return stmt.error();
  bind_params(*stmt);
  Result<bool> row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ConfigVersion>();
  Result<ConfigVersion> v = read_version_row(*stmt, true);
  if (!v) return v.error();
  return std::optional<ConfigVersion>(std::move(*v));
}

// LIMIT takes a signed 64-bit value; a caller asking for "everything" with SIZE_MAX gets it.
int64_t sql_limit(size_t limit) {
  return limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit);
}

}  // namespace

Result<std::optional<ConfigVersion>> Store::active() const {
  return select_one(db_, "status = 'applied'", [](sqlite::Statement&) {}, "reading the active version");
}

Result<std::optional<ConfigVersion>> Store::get(uint64_t version) const {
  return select_one(
      db_, "version = ?1",
      [version](sqlite::Statement& stmt) { stmt.bind(1, static_cast<int64_t>(version)); },
      "reading config version " + std::to_string(version));
}

Result<uint64_t> Store::max_version() const {
  auto stmt = sqlite::Statement::prepare(db_, "SELECT COALESCE(MAX(version), 0) FROM config_versions",
                                         "reading the newest version number");
  if (!stmt) return stmt.error();
  Result<bool> row = stmt->step();
  if (!row) return row.error();
  return static_cast<uint64_t>(*row ? stmt->column_int64(0) : 0);
}

Result<std::vector<ConfigVersion>> Store::history(size_t limit) const {
  auto stmt = sqlite::Statement::prepare(
      db_, "SELECT " + version_columns(false) + " FROM config_versions ORDER BY version DESC LIMIT ?1",
      "reading the config history");
  if (!stmt) return stmt.error();
  stmt->bind(1, sql_limit(limit));
  std::vector<ConfigVersion> out;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    Result<ConfigVersion> v = read_version_row(*stmt, false);
    if (!v) return v.error();
    out.push_back(std::move(*v));
  }
  return out;
}

Result<std::vector<AuditEntry>> Store::audit_log(size_t limit) const {
  auto stmt = sqlite::Statement::prepare(
      db_,
      "SELECT id, ts_ms, action, source, actor, version, detail FROM audit_log "
      "ORDER BY id DESC LIMIT ?1",
      "reading the audit log");
  if (!stmt) return stmt.error();
  stmt->bind(1, sql_limit(limit));
  std::vector<AuditEntry> out;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    AuditEntry e;
    e.id = stmt->column_int64(0);
    e.ts_ms = stmt->column_int64(1);
    e.action = stmt->column_text(2);
    e.source = stmt->column_text(3);
    e.actor = stmt->column_text(4);
    e.version = static_cast<uint64_t>(stmt->column_int64(5));
    e.detail = stmt->column_text(6);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace edgegw::control
