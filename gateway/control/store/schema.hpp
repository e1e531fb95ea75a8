// The store's schema as an ordered list of forward-only migrations, and the code that applies them.
// The tables and every column are documented in schema.cpp and docs/state-store.md.
#pragma once

#include <sqlite3.h>

#include <span>

#include "edgegw/common/result.hpp"

namespace edgegw::control::schema {

struct Migration {
  int to_version;           // PRAGMA user_version after this step
  const char* description;  // one line, logged when the step runs
  const char* sql;          // the DDL/DML of the step
};

// Migration i takes the schema from version i to i + 1; the last one reaches Store::kSchemaVersion.
std::span<const Migration> migrations();

// PRAGMA user_version of the open database (0 for a fresh file).
Result<int> user_version(sqlite3* db);

// Runs every migration above the database's current version up to `target_version`, each in its
// own transaction together with its user_version bump, so a crash leaves the file at one version or
// the next, never between. Refuses a database newer than this binary knows.
Result<void> migrate(sqlite3* db, int target_version);

}  // namespace edgegw::control::schema
