// Helpers shared by the store's source files: clock, audit row insert, row decoding. Internal.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "edgegw/common/result.hpp"
#include "edgegw/control/store.hpp"
#include "sqlite_statement.hpp"

namespace edgegw::control::store_internal {

// Unix time in milliseconds (wall clock: these timestamps are read by people and the cloud).
int64_t now_ms();

// Appends one audit_log row. Callers inside a transaction get the row committed with their change.
Result<void> insert_audit(sqlite3* db, std::string_view action, std::string_view source,
                          std::string_view actor, uint64_t version, std::string_view detail);

bool parse_status(std::string_view text, ConfigStatus* out);

// The columns every config_versions read selects, in this order; `document` is a parameter so
// listings can leave it out.
std::string version_columns(bool with_document);

// Decodes a row selected with version_columns(). Errc::internal for a source or status word this
// binary does not know (the CHECK and the user_version guard make that a corrupted file).
Result<ConfigVersion> read_version_row(const sqlite::Statement& stmt, bool with_document);

}  // namespace edgegw::control::store_internal
