// Schema of the state store (/var/lib/edgegw/edgegw.db) and its migrations.
//
// Every table and column, what it holds and why (docs/state-store.md says the same for operators):
//
// config_versions: one row per desired-state document that passed validation and got a version
//   number. Rejected documents never get a row (they leave an audit_log row only), so a version
//   number here was really offered to the data plane or is on its way there.
//   version        INTEGER PRIMARY KEY. The document's own "version" field. Versions only increase
//                  (the apply service refuses a version <= max(version)), so the primary key is
//                  also the order in which configs were offered.
//   hash           TEXT. sha256 hex of `document`; lets the cloud and `config diff` compare
//                  versions without moving documents around.
//   source         TEXT. Which path offered it: cli, mqtt, web, default, file.
//   actor          TEXT (since schema 2). Who offered it: the cli user, the MQTT client id, the web
//                  login, "edgegw" for the daemon itself; "" for rows stored by schema 1.
//   status         TEXT. pending | applied | superseded | failed | abandoned (see store.hpp).
//                  A CHECK keeps anything else out because the partial index below and recovery
//                  depend on the exact words.
//   document       TEXT. The canonical JSON of the config (to_canonical_json): what recovery
//                  re-applies after a restart and what rollback re-offers.
//   created_at_ms  INTEGER. Unix ms when the row was stored as pending.
//   applied_at_ms  INTEGER (since schema 2). Unix ms when it became applied; 0 when never applied.
//                  Kept after it is superseded so history shows how long each version ran.
//   error          TEXT. Why it failed (the data plane's message); "" otherwise.
//   Index config_versions_one_applied: UNIQUE on status WHERE status = 'applied'. The database
//   itself guarantees at most one applied row, whatever a bug in the code might try.
//
// audit_log: append-only record of every state change and every refused request, for operators
//   and the cloud's events topic. A state change writes its audit row in the same transaction as
//   the change, so the log never claims something that did not happen, nor misses what did.
//   id             INTEGER PRIMARY KEY. Insertion order; "newest first" sorts by it, because wall
//                  clock time can step backwards on a box without an RTC.
//   ts_ms          INTEGER. Unix ms of the event.
//   action         TEXT. config.pending, config.applied, config.failed, config.abandoned,
//                  config.rejected, config.rollback, config.recovered, ...
//   source         TEXT. Path of the request (as config_versions.source).
//   actor          TEXT (since schema 2). Who asked (as config_versions.actor).
//   version        INTEGER. Config version concerned; 0 when the request had none (unparsable).
//                  Not a foreign key: rejected versions are audited but never stored.
//   detail         TEXT. Human-readable specifics: the first validation issue, the error, the
//                  hash, "to version N" for a rollback.
//
// dhcp_leases (since schema 3): the lease table of each routed network's DHCP server, one row per
//   address that has a record (bound, released or declined; offers are written too but load back
//   as expired hints). Written before the reply that hands out or changes a lease is sent, so a
//   restart never forgets a lease a client holds.
//   network        TEXT. The network's name (the server's identity across applies).
//   ip             INTEGER. The address, host byte order. With network, the primary key.
//   mac            TEXT. The client's hardware address, "xx:xx:xx:xx:xx:xx".
//   client_id      TEXT. DHCP option 61 in lowercase hex, "" when the client sent none.
//   hostname       TEXT. Option 12 as the client sent it, "" when none.
//   state          TEXT. offered | bound | released | declined (netproto::DhcpLeaseState).
//   expires_at_s   INTEGER. Unix seconds when the lease, offer or quarantine ends.
#include "schema.hpp"

#include <string>

#include "edgegw/common/log.hpp"
#include "edgegw/control/store.hpp"
#include "sqlite_statement.hpp"

namespace edgegw::control::schema {
namespace {

constexpr Migration kMigrations[] = {
    {1, "config versions and the audit log",
     R"sql(
CREATE TABLE config_versions (
  version       INTEGER PRIMARY KEY,
  hash          TEXT    NOT NULL,
  source        TEXT    NOT NULL,
  status        TEXT    NOT NULL
                CHECK (status IN ('pending', 'applied', 'superseded', 'failed', 'abandoned')),
  document      TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  error         TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX config_versions_one_applied ON config_versions(status) WHERE status = 'applied';
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  ts_ms   INTEGER NOT NULL,
  action  TEXT    NOT NULL,
  source  TEXT    NOT NULL,
  version INTEGER NOT NULL,
  detail  TEXT    NOT NULL DEFAULT ''
);
)sql"},
    // Schema 2: configs started arriving from several people (web logins, cloud clients), so each
    // row says who asked; and history shows when a version took effect, not only when it arrived.
    // Rows from schema 1 that were applied get created_at_ms as their applied time: the apply
    // followed the pending insert within the same request, so it is off by that request's latency.
    {2, "actor on versions and audit rows, applied_at_ms on versions",
     R"sql(
ALTER TABLE config_versions ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE config_versions ADD COLUMN applied_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE config_versions SET applied_at_ms = created_at_ms WHERE status IN ('applied', 'superseded');
ALTER TABLE audit_log ADD COLUMN actor TEXT NOT NULL DEFAULT '';
)sql"},
    // Schema 3: the DHCP servers of routed networks keep their leases here, so a restarted gateway
    // gives every client the address it had (and renews it) instead of handing it to someone else.
    {3, "DHCP leases",
     R"sql(
CREATE TABLE dhcp_leases (
  network      TEXT    NOT NULL,
  ip           INTEGER NOT NULL,
  mac          TEXT    NOT NULL,
  client_id    TEXT    NOT NULL DEFAULT '',
  hostname     TEXT    NOT NULL DEFAULT '',
  state        TEXT    NOT NULL CHECK (state IN ('offered', 'bound', 'released', 'declined')),
  expires_at_s INTEGER NOT NULL,
  PRIMARY KEY (network, ip)
) WITHOUT ROWID;
)sql"},
};

static_assert(std::size(kMigrations) == static_cast<size_t>(Store::kSchemaVersion),
              "one migration per schema version");

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

Result<int> user_version(sqlite3* db) {
  auto stmt = sqlite::Statement::prepare(db, "PRAGMA user_version", "reading the schema version");
  if (!stmt) return stmt.error();
  Result<bool> row = stmt->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::sqlite, "reading the schema version failed: no result row");
  return static_cast<int>(stmt->column_int64(0));
}

Result<void> migrate(sqlite3* db, int target_version) {
  Result<int> current = user_version(db);
  if (!current) return current.error();
  if (*current > Store::kSchemaVersion) {
    return make_error(Errc::conflict,
                      "database schema version " + std::to_string(*current) +
                          " is newer than this binary knows (" + std::to_string(Store::kSchemaVersion) +
                          "); it was written by a newer edgegw, refusing to open it");
  }
  if (*current > target_version) {
    return make_error(Errc::invalid_argument, "database is at schema version " + std::to_string(*current) +
                                                  ", above the requested " +
                                                  std::to_string(target_version));
  }
  for (const Migration& step : kMigrations) {
    if (step.to_version <= *current || step.to_version > target_version) continue;
    std::string what = "migrating the schema to version " + std::to_string(step.to_version);
    log::info("store", "migrating schema", {{"to", step.to_version}, {"step", step.description}});
    auto txn = sqlite::Transaction::begin(db, what);
    if (!txn) return txn.error();
    Result<void> ran = sqlite::exec(db, step.sql, what);
    if (!ran) return ran;
    // PRAGMA user_version is part of the database header page, so it commits or rolls back with
    // the step's DDL.
    ran = sqlite::exec(db, "PRAGMA user_version = " + std::to_string(step.to_version), what);
    if (!ran) return ran;
    Result<void> committed = txn->commit();
    if (!committed) return committed;
  }
  return {};
}

}  // namespace edgegw::control::schema
