// The store's only contact with the SQLite C API for statements and transactions: a prepared
// statement that finalizes itself, a transaction that rolls back unless committed, and the one
// place that turns an SQLite error code into an edgegw Error. Internal to edgegw_store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "edgegw/common/result.hpp"

namespace edgegw::control::sqlite {

// Error{Errc::sqlite, "<what> failed: <sqlite message>"} from the connection's last error.
Error error_from(sqlite3* db, std::string_view what);

// Runs SQL without results (DDL, pragmas that only set, BEGIN/COMMIT). May hold several statements.
Result<void> exec(sqlite3* db, std::string_view sql, std::string_view what);

// A prepared statement. `what` names the operation for error messages ("reading the active version").
// bind() never fails on its own: a bind error is kept and returned by the next step(), so call sites
// read as one chain and every failure still surfaces.
class Statement {
 public:
  static Result<Statement> prepare(sqlite3* db, std::string_view sql, std::string what);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);

  // true: a row is ready to read; false: the statement is done.
  Result<bool> step();
  // Steps to the end, for statements that return no rows (INSERT, UPDATE), then resets the
  // statement so it can be bound and run again (bindings are replaced by the next bind()).
  Result<void> run();

  int64_t column_int64(int column) const;
  std::string column_text(int column) const;  // "" for NULL

  // Rows changed by the last completed INSERT/UPDATE/DELETE on this connection.
  int changes() const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string what);
  void note_bind_result(int rc);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string what_;
  std::optional<Error> bind_error_;
};

// BEGIN IMMEDIATE ... COMMIT. IMMEDIATE takes the write lock up front, so a read-then-write
// transaction cannot fail half-way with SQLITE_BUSY on lock upgrade; the busy timeout covers
// waiting for another writer (edgegwctl or a second daemon opening the same file).
// Rolls back in the destructor unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(sqlite3* db, std::string what);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Result<void> commit();

 private:
  Transaction(sqlite3* db, std::string what) : db_(db), what_(std::move(what)) {}

  sqlite3* db_ = nullptr;  // null once committed or moved from
  std::string what_;
};

}  // namespace edgegw::control::sqlite
