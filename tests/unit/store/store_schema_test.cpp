// Opening the state store: schema creation and migration (data kept), refusing newer schemas,
// connection settings, and damaged files giving clear errors instead of crashes.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>

#include "edgegw/control/store.hpp"
#include "store_test_util.hpp"

namespace edgegw::control {
namespace {

using test::make_version;
using test::open_or_fail;
using test::RawDb;
using test::TempDir;

class StoreSchemaTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("edgegw.db");
};

TEST_F(StoreSchemaTest, FreshDatabaseReachesCurrentSchemaInWalMode) {
  auto store = open_or_fail(path_);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), Store::kSchemaVersion);
  EXPECT_EQ(*store->integrity_check(), "ok");

  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(Store::kSchemaVersion));
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal") << "WAL is a property of the file";
  EXPECT_EQ(raw.scalar("SELECT name FROM sqlite_master WHERE name = 'config_versions_one_applied'"),
            "config_versions_one_applied");
}

TEST_F(StoreSchemaTest, OpenAtOlderVersionStopsThere) {
  auto v1 = Store::open_at(path_, 1);
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ((*v1)->schema_version(), 1);
  EXPECT_EQ(*(*v1)->integrity_check(), "ok");
  v1->reset();
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), "1");
  EXPECT_NE(raw.scalar("SELECT actor FROM audit_log").find("no such column"), std::string::npos)
      << "schema 1 has no actor column";
}

TEST_F(StoreSchemaTest, OpenAtRejectsVersionsOutOfRange) {
  for (int bad : {0, -1, Store::kSchemaVersion + 1}) {
    auto store = Store::open_at(path_, bad);
    ASSERT_FALSE(store.ok()) << bad;
    EXPECT_EQ(store.error().code, Errc::invalid_argument);
  }
  ASSERT_NE(open_or_fail(path_), nullptr);
  auto below = Store::open_at(path_, 1);  // cannot go back down
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.error().code, Errc::invalid_argument);
}

TEST_F(StoreSchemaTest, MigrationFromVersion1KeepsData) {
  ASSERT_TRUE(Store::open_at(path_, 1).ok());
  {
    // Rows as a schema-1 binary wrote them: no actor, no applied_at_ms.
    RawDb raw(path_);
    ASSERT_EQ(raw.exec("INSERT INTO config_versions (version, hash, source, status, document, created_at_ms, "
                       "error) VALUES"
                       " (1, 'h1', 'default', 'superseded', '{\"version\":1}', 1000, ''),"
                       " (2, 'h2', 'cli', 'applied', '{\"version\":2}', 2000, ''),"
                       " (3, 'h3', 'mqtt', 'failed', '{\"version\":3}', 3000, 'no such device');"
                       "INSERT INTO audit_log (ts_ms, action, source, version, detail) VALUES"
                       " (1000, 'config.pending', 'default', 1, 'sha256 h1'),"
                       " (2000, 'config.applied', 'cli', 2, 'supersedes version 1');"),
              "");
  }

  auto store = open_or_fail(path_);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), Store::kSchemaVersion);
  EXPECT_EQ(*store->integrity_check(), "ok");

  auto active = store->active();
  ASSERT_TRUE(active.ok()) << active.error().message;
  ASSERT_TRUE(active->has_value());
  EXPECT_EQ((*active)->version, 2u);
  EXPECT_EQ((*active)->document, "{\"version\":2}");
  EXPECT_EQ((*active)->hash, "h2");
  EXPECT_EQ((*active)->actor, "");
  EXPECT_EQ((*active)->applied_at_ms, 2000) << "applied rows get created_at_ms as applied time";
  auto old = store->get(1);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->source, ConfigSource::default_config);
  EXPECT_EQ((*old)->applied_at_ms, 1000);
  auto failed = store->get(3);
  ASSERT_TRUE(failed.ok() && failed->has_value());
  EXPECT_EQ((*failed)->status, ConfigStatus::failed);
  EXPECT_EQ((*failed)->applied_at_ms, 0) << "never applied stays 0";
  EXPECT_EQ((*failed)->error, "no such device");

  auto log = store->audit_log(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].action, "config.applied");
  EXPECT_EQ((*log)[0].actor, "");
  EXPECT_EQ((*log)[1].detail, "sha256 h1");

  // And the migrated database works for new versions.
  ASSERT_TRUE(store->insert_pending(make_version(4, ConfigSource::web, "carol")).ok());
  ASSERT_TRUE(store->mark_applied(4).ok());
  EXPECT_EQ((*store->get(2))->status, ConfigStatus::superseded);
  EXPECT_EQ((*store->active())->actor, "carol");
}

TEST_F(StoreSchemaTest, NewerSchemaIsRefused) {
  ASSERT_NE(open_or_fail(path_), nullptr);
  {
    RawDb raw(path_);
    ASSERT_EQ(raw.exec("PRAGMA user_version = " + std::to_string(Store::kSchemaVersion + 5)), "");
  }
  auto store = Store::open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::conflict);
  EXPECT_NE(store.error().message.find("is newer than this binary knows"), std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find(path_), std::string::npos) << "names the file";
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(Store::kSchemaVersion + 5))
      << "refusing must not touch the file";
}

TEST_F(StoreSchemaTest, GarbageFileGivesClearError) {
  {
    std::ofstream out(path_, std::ios::binary);
    std::mt19937 rng(42);
    for (int i = 0; i < 16384; ++i) out.put(static_cast<char>(rng() & 0xff));
  }
  auto store = Store::open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::sqlite);
  EXPECT_NE(store.error().message.find("file is not a database"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find(path_), std::string::npos) << store.error().message;
}

TEST_F(StoreSchemaTest, DamagedPagesAreReportedNotCrashedOn) {
  {
    auto store = open_or_fail(path_);
    ASSERT_NE(store, nullptr);
    for (uint64_t v = 1; v <= 40; ++v) {
      ConfigVersion version = make_version(v);
      version.document.append(2000, 'x');  // spread rows over many pages
      ASSERT_TRUE(store->insert_pending(version).ok());
    }
  }  // closing checkpoints the WAL into the main file
  {
    // Overwrite everything after page 1 (the header and schema) with garbage.
    std::fstream file(path_, std::ios::binary | std::ios::in | std::ios::out);
    file.seekg(0, std::ios::end);
    const std::streamoff size = file.tellg();
    ASSERT_GT(size, 8 * 4096);
    file.seekp(4096);
    std::mt19937 rng(7);
    for (std::streamoff i = 4096; i < size; ++i) file.put(static_cast<char>(rng() & 0xff));
  }
  auto store = Store::open(path_);
  if (!store.ok()) {
    EXPECT_EQ(store.error().code, Errc::sqlite);
    EXPECT_FALSE(store.error().message.empty());
    return;
  }
  auto check = (*store)->integrity_check();
  if (check.ok()) {
    EXPECT_NE(*check, "ok");
  } else {
    EXPECT_EQ(check.error().code, Errc::sqlite);
  }
  auto active = (*store)->active();
  if (!active.ok()) {
    EXPECT_EQ(active.error().code, Errc::sqlite);
    EXPECT_NE(active.error().message.find("reading the active version failed"), std::string::npos)
        << active.error().message;
  }
  EXPECT_FALSE((*store)->history(100).ok() && (*store)->history(100)->size() == 40u)
      << "40 intact rows cannot survive having every data page overwritten";
}

TEST_F(StoreSchemaTest, UnwritableLocationGivesClearError) {
  auto store = Store::open(dir_.file("no-such-dir/edgegw.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::sqlite);
  EXPECT_NE(store.error().message.find("unable to open database file"), std::string::npos)
      << store.error().message;
}

}  // namespace
}  // namespace edgegw::control
