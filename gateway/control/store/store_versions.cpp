// State changes of config versions. Each one is a single IMMEDIATE transaction that also writes the
// change's audit row, so the audit log and the versions can never disagree, even across a crash.
#include <string>

#include "edgegw/control/store.hpp"
#include "sqlite_statement.hpp"
#include "store_internal.hpp"

namespace edgegw::control {
namespace {

using store_internal::insert_audit;
using store_internal::now_ms;

struct RowState {
  ConfigStatus status;
  std::string source;
  std::string actor;
};

// Status, source and actor of one version, inside the caller's transaction.
Result<std::optional<RowState>> read_row_state(sqlite3* db, uint64_t version, const std::string& what) {
  auto stmt = sqlite::Statement::prepare(
      db, "SELECT status, source, actor FROM config_versions WHERE version = ?1", what);
  if (!stmt) return stmt.error();
  Result<bool> row = stmt->bind(1, static_cast<int64_t>(version)).step();
  if (!row) return row.error();
  if (!*row) return std::optional<RowState>();
  RowState state{ConfigStatus::pending, stmt->column_text(1), stmt->column_text(2)};
  std::string status = stmt->column_text(0);
  if (!store_internal::parse_status(status, &state.status)) {
    return make_error(Errc::internal, "config version " + std::to_string(version) +
                                          " has an unknown status '" + status + "'");
  }
  return std::optional<RowState>(std::move(state));
}

// The row of `version`, which must exist and be pending (the only status these transitions leave).
Result<RowState> require_pending(sqlite3* db, uint64_t version, const std::string& what) {
  auto state = read_row_state(db, version, what);
  if (!state) return state.error();
  if (!*state) {
    return make_error(Errc::not_found, "config version " + std::to_string(version) + " is not stored");
  }
  if ((*state)->status != ConfigStatus::pending) {
    return make_error(Errc::conflict, "config version " + std::to_string(version) + " is " +
                                          config_status_name((*state)->status) + ", not pending");
  }
  return std::move(**state);
}

}  // namespace

Result<void> Store::insert_pending(ConfigVersion v, std::string_view action, std::string_view detail) {
  const std::string what = "storing config version " + std::to_string(v.version) + " as pending";
  v.hash = sha256_hex(v.document);
  if (v.created_at_ms == 0) v.created_at_ms = now_ms();
  auto txn = sqlite::Transaction::begin(db_, what);
  if (!txn) return txn.error();
  // Checked here rather than left to the primary key so the caller gets Errc::conflict with a
  // sentence instead of a constraint error.
  auto existing = read_row_state(db_, v.version, what);
  if (!existing) return existing.error();
  if (*existing) {
    return make_error(Errc::conflict, "config version " + std::to_string(v.version) +
                                          " is already stored (" + config_status_name((*existing)->status) +
                                          ")");
  }
  auto insert = sqlite::Statement::prepare(
      db_,
      "INSERT INTO config_versions "
      "(version, hash, source, actor, status, document, created_at_ms, applied_at_ms, error) "
      "VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, 0, '')",
      what);
  if (!insert) return insert.error();
  Result<void> inserted = insert->bind(1, static_cast<int64_t>(v.version))
                              .bind(2, v.hash)
                              .bind(3, config_source_name(v.source))
                              .bind(4, v.actor)
                              .bind(5, v.document)
                              .bind(6, v.created_at_ms)
                              .run();
  if (!inserted) return inserted;
  const std::string audit_detail = detail.empty() ? "sha256 " + v.hash : std::string(detail);
  Result<void> audited =
      insert_audit(db_, action, config_source_name(v.source), v.actor, v.version, audit_detail);
  if (!audited) return audited;
  return txn->commit();
}

Result<void> Store::mark_applied(uint64_t version) {
  const std::string what = "marking config version " + std::to_string(version) + " applied";
  auto txn = sqlite::Transaction::begin(db_, what);
  if (!txn) return txn.error();
  auto row = require_pending(db_, version, what);
  if (!row) return row.error();

  // Which version this one replaces, for the audit detail.
  std::string detail = "first applied version";
  {
    auto previous = sqlite::Statement::prepare(
        db_, "SELECT version FROM config_versions WHERE status = 'applied'", what);
    if (!previous) return previous.error();
    Result<bool> has_previous = previous->step();
    if (!has_previous) return has_previous.error();
    if (*has_previous) detail = "supersedes version " + std::to_string(previous->column_int64(0));
  }

  // Supersede first: the partial unique index allows one 'applied' row at any moment, even
  // inside a transaction.
  auto supersede = sqlite::Statement::prepare(
      db_, "UPDATE config_versions SET status = 'superseded' WHERE status = 'applied'", what);
  if (!supersede) return supersede.error();
  if (Result<void> done = supersede->run(); !done) return done;

  auto apply = sqlite::Statement::prepare(
      db_,
      "UPDATE config_versions SET status = 'applied', applied_at_ms = ?2, error = '' "
      "WHERE version = ?1",
      what);
  if (!apply) return apply.error();
  if (Result<void> done = apply->bind(1, static_cast<int64_t>(version)).bind(2, now_ms()).run(); !done) {
    return done;
  }
  Result<void> audited = insert_audit(db_, audit_action::kApplied, row->source, row->actor, version, detail);
  if (!audited) return audited;
  return txn->commit();
}

Result<void> Store::mark_failed(uint64_t version, const std::string& error) {
  const std::string what = "marking config version " + std::to_string(version) + " failed";
  auto txn = sqlite::Transaction::begin(db_, what);
  if (!txn) return txn.error();
  auto row = require_pending(db_, version, what);
  if (!row) return row.error();
  auto update = sqlite::Statement::prepare(
      db_, "UPDATE config_versions SET status = 'failed', error = ?2 WHERE version = ?1", what);
  if (!update) return update.error();
  if (Result<void> done = update->bind(1, static_cast<int64_t>(version)).bind(2, error).run(); !done) {
    return done;
  }
  Result<void> audited = insert_audit(db_, audit_action::kFailed, row->source, row->actor, version, error);
  if (!audited) return audited;
  return txn->commit();
}

Result<int> Store::abandon_pending() {
  const std::string what = "abandoning pending config versions";
  auto txn = sqlite::Transaction::begin(db_, what);
  if (!txn) return txn.error();
  // Audit rows first (they need each row's source and actor), then one UPDATE for all of them.
  auto pending = sqlite::Statement::prepare(
      db_, "SELECT version, source, actor FROM config_versions WHERE status = 'pending' ORDER BY version",
      what);
  if (!pending) return pending.error();
  int count = 0;
  for (;;) {
    Result<bool> row = pending->step();
    if (!row) return row.error();
    if (!*row) break;
    Result<void> audited = insert_audit(
        db_, audit_action::kAbandoned, pending->column_text(1), pending->column_text(2),
        static_cast<uint64_t>(pending->column_int64(0)),
        "was pending when the process stopped; the previous applied version stays active");
    if (!audited) return audited.error();
    ++count;
  }
  auto update = sqlite::Statement::prepare(
      db_, "UPDATE config_versions SET status = 'abandoned' WHERE status = 'pending'", what);
  if (!update) return update.error();
  if (Result<void> done = update->run(); !done) return done.error();
  if (Result<void> committed = txn->commit(); !committed) return committed.error();
  return count;
}

Result<void> Store::audit(const std::string& action, ConfigSource source, const std::string& actor,
                          uint64_t version, const std::string& detail) {
  return insert_audit(db_, action, config_source_name(source), actor, version, detail);
}

}  // namespace edgegw::control
