// Config version life cycle in the state store: pending -> applied/failed/abandoned, the audit rows
// each change leaves (in the same transaction), and the queries the CLI and recovery rely on.
#include "edgegw/control/store.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_test_util.hpp"

namespace edgegw::control {
namespace {

using test::make_version;
using test::open_or_fail;
using test::RawDb;
using test::TempDir;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_fail(path_);
    ASSERT_NE(store_, nullptr);
  }

  ConfigStatus status_of(uint64_t version) {
    auto v = store_->get(version);
    EXPECT_TRUE(v.ok());
    EXPECT_TRUE(v.ok() && v->has_value()) << "version " << version << " missing";
    return v.ok() && v->has_value() ? (*v)->status : ConfigStatus::pending;
  }

  std::vector<std::string> audit_trail() { return test::audit_trail(*store_); }

  void apply(uint64_t version) {
    ASSERT_TRUE(store_->insert_pending(make_version(version)).ok());
    ASSERT_TRUE(store_->mark_applied(version).ok());
  }

  TempDir dir_;
  std::string path_ = dir_.file("edgegw.db");
  std::unique_ptr<Store> store_;
};

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConfigNamesTest, SourcesRoundTrip) {
  for (ConfigSource s : {ConfigSource::cli, ConfigSource::mqtt, ConfigSource::web,
                         ConfigSource::default_config, ConfigSource::file}) {
    ConfigSource parsed = ConfigSource::cli;
    ASSERT_TRUE(parse_config_source(config_source_name(s), &parsed)) << config_source_name(s);
    EXPECT_EQ(parsed, s);
  }
  ConfigSource untouched = ConfigSource::web;
  EXPECT_FALSE(parse_config_source("ftp", &untouched));
  EXPECT_EQ(untouched, ConfigSource::web);
  EXPECT_STREQ(config_status_name(ConfigStatus::abandoned), "abandoned");
}

TEST_F(StoreTest, InsertPendingStoresRowAndAuditsIt) {
  ConfigVersion v = make_version(3, ConfigSource::mqtt, "cloud-7");
  ASSERT_TRUE(store_->insert_pending(v).ok());

  auto got = store_->get(3);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  const ConfigVersion& row = **got;
  EXPECT_EQ(row.version, 3u);
  EXPECT_EQ(row.status, ConfigStatus::pending);
  EXPECT_EQ(row.hash, sha256_hex(v.document));
  EXPECT_EQ(row.document, v.document);
  EXPECT_EQ(row.source, ConfigSource::mqtt);
  EXPECT_EQ(row.actor, "cloud-7");
  EXPECT_GT(row.created_at_ms, 0);
  EXPECT_EQ(row.applied_at_ms, 0);

  auto log = store_->audit_log(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].action, "config.pending");
  EXPECT_EQ((*log)[0].version, 3u);
  EXPECT_EQ((*log)[0].source, "mqtt");
  EXPECT_EQ((*log)[0].actor, "cloud-7");
  EXPECT_EQ((*log)[0].detail, "sha256 " + row.hash);
  EXPECT_FALSE(store_->active()->has_value()) << "pending is not active";
}

TEST_F(StoreTest, InsertPendingWithRollbackActionAuditsIt) {
  ASSERT_TRUE(store_->insert_pending(make_version(4), audit_action::kRollback, "to version 2").ok());
  auto log = store_->audit_log(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].action, "config.rollback");
  EXPECT_EQ((*log)[0].detail, "to version 2");
}

TEST_F(StoreTest, MarkAppliedSupersedesThePreviousVersion) {
  apply(1);
  apply(2);
  EXPECT_EQ(status_of(1), ConfigStatus::superseded);
  EXPECT_EQ(status_of(2), ConfigStatus::applied);
  auto first = store_->get(1);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_GT((*first)->applied_at_ms, 0) << "applied time is kept after being superseded";

  auto active = store_->active();
  ASSERT_TRUE(active.ok());
  ASSERT_TRUE(active->has_value());
  EXPECT_EQ((*active)->version, 2u);
  EXPECT_EQ((*active)->document, make_version(2).document);

  EXPECT_EQ(audit_trail(), (std::vector<std::string>{"config.pending:1", "config.applied:1",
                                                     "config.pending:2", "config.applied:2"}));
  auto log = store_->audit_log(1);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].detail, "supersedes version 1");
}

TEST_F(StoreTest, MarkFailedKeepsThePreviousVersionActive) {
  apply(1);
  ASSERT_TRUE(store_->insert_pending(make_version(2)).ok());
  ASSERT_TRUE(store_->mark_failed(2, "port lan: no such device").ok());

  auto failed = store_->get(2);
  ASSERT_TRUE(failed.ok() && failed->has_value());
  EXPECT_EQ((*failed)->status, ConfigStatus::failed);
  EXPECT_EQ((*failed)->error, "port lan: no such device");
  EXPECT_EQ((*failed)->applied_at_ms, 0);
  EXPECT_EQ((*store_->active())->version, 1u);

  auto log = store_->audit_log(1);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)[0].action, "config.failed");
  EXPECT_EQ((*log)[0].detail, "port lan: no such device");
}

TEST_F(StoreTest, TransitionsOnlyLeavePending) {
  apply(1);
  auto again = store_->mark_applied(1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_NE(again.error().message.find("is applied, not pending"), std::string::npos)
      << again.error().message;

  auto missing = store_->mark_failed(9, "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);

  ASSERT_TRUE(store_->insert_pending(make_version(2)).ok());
  ASSERT_TRUE(store_->mark_failed(2, "boom").ok());
  auto apply_failed = store_->mark_applied(2);
  ASSERT_FALSE(apply_failed.ok());
  EXPECT_EQ(apply_failed.error().code, Errc::conflict);
  EXPECT_EQ((*store_->active())->version, 1u);
  EXPECT_EQ(audit_trail().size(), 4u) << "refused transitions leave no audit rows";
}

TEST_F(StoreTest, AbandonPendingMarksEveryPendingRowAndAuditsEach) {
  apply(1);
  ASSERT_TRUE(store_->insert_pending(make_version(2)).ok());
  ASSERT_TRUE(store_->insert_pending(make_version(3, ConfigSource::web, "bob")).ok());

  auto abandoned = store_->abandon_pending();
  ASSERT_TRUE(abandoned.ok()) << abandoned.error().message;
  EXPECT_EQ(*abandoned, 2);
  EXPECT_EQ(status_of(2), ConfigStatus::abandoned);
  EXPECT_EQ(status_of(3), ConfigStatus::abandoned);
  EXPECT_EQ((*store_->active())->version, 1u);

  auto log = store_->audit_log(2);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].action, "config.abandoned");
  EXPECT_EQ((*log)[0].version, 3u);
  EXPECT_EQ((*log)[0].actor, "bob");
  EXPECT_EQ((*log)[0].source, "web");
  EXPECT_EQ((*log)[1].action, "config.abandoned");
  EXPECT_EQ((*log)[1].version, 2u);

  auto none = store_->abandon_pending();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
}

TEST_F(StoreTest, DuplicateVersionIsRefusedAndChangesNothing) {
  ASSERT_TRUE(store_->insert_pending(make_version(5)).ok());
  ConfigVersion other = make_version(5);
  other.document = "{\"different\":true}";
  auto dup = store_->insert_pending(other);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::conflict);
  EXPECT_NE(dup.error().message.find("already stored"), std::string::npos) << dup.error().message;
  EXPECT_EQ((*store_->get(5))->document, make_version(5).document);
  EXPECT_EQ(audit_trail(), (std::vector<std::string>{"config.pending:5"}));
}

TEST_F(StoreTest, DatabaseItselfAllowsOnlyOneAppliedRow) {
  apply(1);
  ASSERT_TRUE(store_->insert_pending(make_version(2)).ok());
  RawDb raw(path_);
  std::string error = raw.exec("UPDATE config_versions SET status = 'applied' WHERE version = 2");
  EXPECT_NE(error.find("UNIQUE constraint failed"), std::string::npos) << error;
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM config_versions WHERE status = 'applied'"), "1");
  std::string bad_status = raw.exec("UPDATE config_versions SET status = 'weird' WHERE version = 2");
  EXPECT_NE(bad_status.find("CHECK constraint failed"), std::string::npos) << bad_status;
}

TEST_F(StoreTest, FailedAuditWriteRollsBackTheStateChange) {
  apply(1);
  // Make every audit insert fail, as a full disk would half-way through the transaction.
  RawDb raw(path_);
  ASSERT_EQ(raw.exec("CREATE TRIGGER audit_fails BEFORE INSERT ON audit_log "
                     "BEGIN SELECT RAISE(ABORT, 'audit refused by test'); END"),
            "");

  auto pending = store_->insert_pending(make_version(2));
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.error().code, Errc::sqlite);
  EXPECT_NE(pending.error().message.find("audit refused by test"), std::string::npos)
      << pending.error().message;
  EXPECT_FALSE(store_->get(2)->has_value()) << "version row must roll back with its audit row";

  ASSERT_EQ(raw.exec("DROP TRIGGER audit_fails"), "");
  ASSERT_TRUE(store_->insert_pending(make_version(2)).ok());
  ASSERT_EQ(raw.exec("CREATE TRIGGER audit_fails BEFORE INSERT ON audit_log "
                     "BEGIN SELECT RAISE(ABORT, 'audit refused by test'); END"),
            "");
  EXPECT_FALSE(store_->mark_applied(2).ok());
  EXPECT_EQ(status_of(1), ConfigStatus::applied) << "supersede must roll back too";
  EXPECT_EQ(status_of(2), ConfigStatus::pending);
  EXPECT_FALSE(store_->abandon_pending().ok());
  EXPECT_EQ(status_of(2), ConfigStatus::pending);
}

TEST_F(StoreTest, QueriesOnEmptyAndFilledStore) {
  auto empty_max = store_->max_version();
  ASSERT_TRUE(empty_max.ok());
  EXPECT_EQ(*empty_max, 0u);
  EXPECT_FALSE(store_->active()->has_value());
  EXPECT_TRUE(store_->history(10)->empty());

  apply(3);
  ASSERT_TRUE(store_->insert_pending(make_version(7)).ok());
  ASSERT_TRUE(store_->mark_failed(7, "nope").ok());
  ASSERT_TRUE(store_->insert_pending(make_version(5)).ok());  // the store itself does not order

  EXPECT_EQ(*store_->max_version(), 7u);
  EXPECT_FALSE(store_->get(4)->has_value());

  auto two = store_->history(2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].version, 7u);
  EXPECT_EQ((*two)[0].status, ConfigStatus::failed);
  EXPECT_EQ((*two)[0].error, "nope");
  EXPECT_TRUE((*two)[0].document.empty()) << "history omits documents";
  EXPECT_EQ((*two)[0].hash, sha256_hex(make_version(7).document)) << "but keeps hashes";
  EXPECT_EQ((*two)[1].version, 5u);
  auto all = store_->history(SIZE_MAX);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].version, 3u);
  EXPECT_EQ((*all)[2].status, ConfigStatus::applied);
}

TEST_F(StoreTest, StandaloneAuditRowDoesNotCreateAVersion) {
  ASSERT_TRUE(store_
                  ->audit(audit_action::kRejected, ConfigSource::web, "eve", 9,
                          "/ports/0/mtu: must be between 68 and 9600")
                  .ok());
  EXPECT_EQ(*store_->max_version(), 0u);
  auto log = store_->audit_log(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].action, "config.rejected");
  EXPECT_EQ((*log)[0].version, 9u);
  EXPECT_EQ((*log)[0].detail, "/ports/0/mtu: must be between 68 and 9600");
  EXPECT_GT((*log)[0].ts_ms, 0);
  EXPECT_GT((*log)[0].id, 0);
}

TEST_F(StoreTest, ReopenAfterCloseKeepsEverything) {
  apply(1);
  apply(2);
  ASSERT_TRUE(store_->insert_pending(make_version(3)).ok());
  std::vector<std::string> trail = audit_trail();
  store_.reset();

  store_ = open_or_fail(path_);
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->integrity_check(), "ok");
  EXPECT_EQ((*store_->active())->version, 2u);
  EXPECT_EQ(status_of(1), ConfigStatus::superseded);
  EXPECT_EQ(status_of(3), ConfigStatus::pending);
  EXPECT_EQ((*store_->get(3))->document, make_version(3).document);
  EXPECT_EQ(*store_->max_version(), 3u);
  EXPECT_EQ(audit_trail(), trail);
}

TEST_F(StoreTest, SecondConnectionSeesCommittedChanges) {
  apply(1);
  auto second = open_or_fail(path_);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ((*second->active())->version, 1u);
  ASSERT_TRUE(second->insert_pending(make_version(2)).ok());
  ASSERT_TRUE(second->mark_applied(2).ok());
  EXPECT_EQ((*store_->active())->version, 2u);
}

TEST_F(StoreTest, DhcpLeasesAreSavedListedAndDeletedPerNetwork) {
  const StoredDhcpLease a{"lan", 0xc0a80164, "52:54:00:00:00:01", "01525400000001", "vm1", "bound", 5000};
  const StoredDhcpLease b{"lan", 0xc0a80165, "52:54:00:00:00:02", "", "", "offered", 4000};
  const StoredDhcpLease c{"lab", 0x0a000064, "52:54:00:00:00:03", "", "pc", "declined", 9000};
  ASSERT_TRUE(store_->save_dhcp_leases("lan", {a, b}, {}).ok());
  ASSERT_TRUE(store_->save_dhcp_leases("lab", {c}, {}).ok());
  EXPECT_EQ(*store_->dhcp_leases("lan"), (std::vector<StoredDhcpLease>{a, b}));
  EXPECT_EQ(*store_->dhcp_leases(""), (std::vector<StoredDhcpLease>{c, a, b}));

  // A change replaces the record; a removal deletes it; both in one call.
  StoredDhcpLease a2 = a;
  a2.state = "released";
  a2.expires_at_s = 6000;
  ASSERT_TRUE(store_->save_dhcp_leases("lan", {a2}, {b.ip}).ok());
  EXPECT_EQ(*store_->dhcp_leases("lan"), (std::vector<StoredDhcpLease>{a2}));

  // A state the schema does not know is refused, and nothing of that call is written.
  StoredDhcpLease bad = b;
  bad.state = "stolen";
  EXPECT_FALSE(store_->save_dhcp_leases("lan", {b, bad}, {a.ip}).ok());
  EXPECT_EQ(*store_->dhcp_leases("lan"), (std::vector<StoredDhcpLease>{a2}));

  // Networks that no longer serve DHCP lose their records.
  Result<int> removed = store_->delete_dhcp_leases_except({"lab"});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(*store_->dhcp_leases(""), (std::vector<StoredDhcpLease>{c}));
}

}  // namespace
}  // namespace edgegw::control
