// Opening the state store: connection settings, schema migration, integrity check, closing.
#include <sqlite3.h>

#include <utility>

#include "edgegw/common/log.hpp"
#include "edgegw/control/store.hpp"
#include "schema.hpp"
#include "sqlite_statement.hpp"

namespace edgegw::control {
namespace {

// How long a write waits for another connection's write lock (edgegwctl, a second daemon started by
// mistake) before failing with "database is locked". Config writes are rare and short.
constexpr int kBusyTimeoutMs = 5000;

// Runs a pragma that returns one row and gives that row's first column as text.
Result<std::string> pragma_text(sqlite3* db, const std::string& pragma, const std::string& what) {
  auto stmt = sqlite::Statement::prepare(db, pragma, what);
  if (!stmt) return stmt.error();
  Result<bool> row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::string();
  return stmt->column_text(0);
}

// Connection settings, applied on every open (none of them is stored in the file except WAL mode).
Result<void> configure(sqlite3* db) {
  sqlite3_extended_result_codes(db, 1);
  if (sqlite3_busy_timeout(db, kBusyTimeoutMs) != SQLITE_OK) {
    return sqlite::error_from(db, "setting the busy timeout");
  }
  // WAL: readers (status page, edgegwctl history) never block the apply path's writes, and a
  // commit is one sequential append instead of rewriting pages in place. This is the first
  // statement that reads the file, so it is where a file that is not a database is reported.
  Result<std::string> mode = pragma_text(db, "PRAGMA journal_mode=WAL", "setting journal_mode=WAL");
  if (!mode) return mode.error();
  if (*mode != "wal") {
    // E.g. a file system without shared-memory mmap support. Still crash-safe with a rollback
    // journal and synchronous=FULL, only slower, so keep going but say so.
    log::warn("store", "WAL mode not available, using the rollback journal", {{"journal_mode", *mode}});
  }
  // synchronous=FULL: in WAL mode NORMAL only syncs at checkpoints, so a power cut can lose the
  // last committed transactions. A version marked applied (and reported to the cloud) must still be
  // applied after the power comes back, or the box would boot into an older config than it
  // reported. Config writes are rare, so one fsync per commit costs nothing that matters.
  Result<void> set = sqlite::exec(db, "PRAGMA synchronous=FULL", "setting synchronous=FULL");
  if (!set) return set;
  // Off by default in SQLite for compatibility; on so any table that declares a foreign key gets it
  // enforced without every future migration having to remember this.
  return sqlite::exec(db, "PRAGMA foreign_keys=ON", "enabling foreign keys");
}

}  // namespace

Store::Store(sqlite3* db, int schema_version) : db_(db), schema_version_(schema_version) {}

Store::~Store() {
  // close_v2: finalizes lazily if a statement were still open (none should be: all are RAII).
  if (sqlite3_close_v2(db_) != SQLITE_OK) {
    log::error("store", "closing the database failed", {{"error", sqlite3_errmsg(db_)}});
  }
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  return open_and_migrate(path, kSchemaVersion);
}

Result<std::unique_ptr<Store>> Store::open_at(const std::string& path, int target_version) {
  if (target_version < 1 || target_version > kSchemaVersion) {
    return make_error(Errc::invalid_argument, "schema version " + std::to_string(target_version) +
                                                  " is not between 1 and " +
                                                  std::to_string(kSchemaVersion));
  }
  return open_and_migrate(path, target_version);
}

Result<std::unique_ptr<Store>> Store::open_and_migrate(const std::string& path, int target_version) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite::error_from(db, "opening " + path);
    sqlite3_close_v2(db);  // a handle is returned even on failure (null only when out of memory)
    return error;
  }
  // From here the Store owns the handle, so every early return closes it.
  std::unique_ptr<Store> store(new Store(db, 0));
  auto with_path = [&path](Error e) {
    e.message = path + ": " + e.message;
    return e;
  };
  if (Result<void> configured = configure(db); !configured) return with_path(configured.error());
  if (Result<void> migrated = schema::migrate(db, target_version); !migrated) {
    return with_path(migrated.error());
  }
  Result<int> version = schema::user_version(db);
  if (!version) return with_path(version.error());
  store->schema_version_ = *version;
  log::info("store", "opened", {{"path", path}, {"schema", *version}});
  return store;
}

int Store::schema_version() const { return schema_version_; }

Result<std::string> Store::integrity_check() const {
  // The first row is "ok" or the first problem found; later rows only list further problems.
  Result<std::string> first = pragma_text(db_, "PRAGMA integrity_check", "checking integrity");
  if (!first) return first.error();
  if (first->empty()) return make_error(Errc::sqlite, "checking integrity failed: no result row");
  return first;
}

}  // namespace edgegw::control
