// Helpers for the store tests: a temporary directory per test and a raw SQLite connection for
// looking at (and tampering with) the file behind the Store's back.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "edgegw/control/store.hpp"

namespace edgegw::control::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "edgegw-store-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A second connection to the same file, as another process (edgegwctl, sqlite3 shell) would have.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      ADD_FAILURE() << "raw open failed: " << sqlite3_errmsg(db_);
    }
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // Runs `sql`; returns "" on success or SQLite's error message.
  std::string exec(const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    std::string out = rc == SQLITE_OK ? "" : (message ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    return out;
  }

  // First column of the first row as text ("" when no row), or "error: ..." on failure.
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return std::string("error: ") + sqlite3_errmsg(db_);
    }
    std::string out;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "";
    } else if (rc != SQLITE_DONE) {
      out = std::string("error: ") + sqlite3_errmsg(db_);
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

inline std::unique_ptr<Store> open_or_fail(const std::string& path) {
  auto store = Store::open(path);
  if (!store) {
    ADD_FAILURE() << "Store::open failed: " << store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

inline ConfigVersion make_version(uint64_t version, ConfigSource source = ConfigSource::cli,
                                  const std::string& actor = "alice") {
  ConfigVersion v;
  v.version = version;
  v.source = source;
  v.actor = actor;
  v.document = R"({"version":)" + std::to_string(version) + R"(,"ports":[],"networks":[]})";
  return v;
}

// Audit actions oldest first, as "action:version".
inline std::vector<std::string> audit_trail(const Store& store) {
  auto log = store.audit_log(1000);
  EXPECT_TRUE(log.ok());
  std::vector<std::string> out;
  if (!log.ok()) return out;
  for (auto it = log->rbegin(); it != log->rend(); ++it) out.push_back(it->action + ":" + std::to_string(it->version));
  return out;
}

}  // namespace edgegw::control::test
