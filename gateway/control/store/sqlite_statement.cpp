// Prepared statements and transactions over the SQLite C API, with errors as values.
#include "sqlite_statement.hpp"

#include <utility>

#include "edgegw/common/log.hpp"

namespace edgegw::control::sqlite {

Error error_from(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += " failed: ";
  message += db ? sqlite3_errmsg(db) : "out of memory";
  return make_error(Errc::sqlite, std::move(message));
}

Result<void> exec(sqlite3* db, std::string_view sql, std::string_view what) {
  std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
  char* raw_message = nullptr;
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &raw_message);
  if (rc == SQLITE_OK) return {};
  std::string message(what);
  message += " failed: ";
  message += raw_message ? raw_message : sqlite3_errstr(rc);
  sqlite3_free(raw_message);
  return make_error(Errc::sqlite, std::move(message));
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql, std::string what) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    Error error = error_from(db, what);
    sqlite3_finalize(stmt);
    return error;
  }
  return Statement(db, stmt, std::move(what));
}

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, std::string what)
    : db_(db), stmt_(stmt), what_(std::move(what)) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      what_(std::move(other.what_)),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    what_ = std::move(other.what_);
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::note_bind_result(int rc) {
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = error_from(db_, what_ + " (binding a parameter)");
}

Statement& Statement::bind(int index, int64_t value) {
  note_bind_result(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so temporaries at the call site are fine.
  note_bind_result(
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
  return *this;
}

Result<bool> Statement::step() {
  if (bind_error_) return *bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error_from(db_, what_);
}

Result<void> Statement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row) {
      sqlite3_reset(stmt_);
      return row.error();
    }
    if (!*row) {
      sqlite3_reset(stmt_);
      return {};
    }
  }
}

int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int Statement::changes() const { return sqlite3_changes(db_); }

Result<Transaction> Transaction::begin(sqlite3* db, std::string what) {
  Result<void> begun = exec(db, "BEGIN IMMEDIATE", what + " (begin)");
  if (!begun) return begun.error();
  return Transaction(db, std::move(what));
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), what_(std::move(other.what_)) {}

Transaction::~Transaction() {
  if (!db_) return;
  // A failed statement inside the transaction may already have rolled it back (SQLite does so on
  // some errors, e.g. SQLITE_FULL); only roll back what is still open.
  if (sqlite3_get_autocommit(db_)) return;
  Result<void> rolled_back = exec(db_, "ROLLBACK", what_ + " (rollback)");
  if (!rolled_back) log::error("store", "rollback failed", {{"error", rolled_back.error().message}});
}

Result<void> Transaction::commit() {
  Result<void> committed = exec(db_, "COMMIT", what_ + " (commit)");
  if (!committed) return committed;  // the destructor rolls back
  db_ = nullptr;
  return {};
}

}  // namespace edgegw::control::sqlite
