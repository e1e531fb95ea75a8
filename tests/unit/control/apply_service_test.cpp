// The apply service against the real data plane (net_ring ports) and a real store: what each
// outcome leaves in the store, the audit log, the counters and the running tables.
#include "edgegw/control/apply_service.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "apply_test_support.hpp"
#include "edgegw/common/fault.hpp"
#include "edgegw/dataplane/dataplane.hpp"

namespace edgegw::control {
namespace {

using test::audit_trail;
using test::dataplane_port_names;
using test::ring_config;

using Names = std::set<std::string>;
using Trail = std::vector<std::string>;

class ApplyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dp_ = test::shared_dataplane();
    ASSERT_NE(dp_, nullptr) << "the data plane did not start";
    test::reset_dataplane(*dp_);
    auto opened = Store::open(dir_.file("edgegw.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    service_ = std::make_unique<ApplyService>(*store_, *dp_);
  }

  void TearDown() override {
    fault::arm_fail_point("");  // never leak an armed point into the next test
    if (dp_) test::drain_reclaim(*dp_);
  }

  ConfigVersion stored(uint64_t version) {
    auto row = store_->get(version);
    EXPECT_TRUE(row.ok() && row->has_value()) << "version " << version << " not stored";
    return row.ok() && row->has_value() ? **row : ConfigVersion{};
  }

  uint64_t active_version() {
    auto row = store_->active();
    EXPECT_TRUE(row.ok());
    return row.ok() && row->has_value() ? (*row)->version : 0;
  }

  void apply_ok(uint64_t version, const std::vector<std::string>& ports) {
    ApplyResult r = service_->apply(ring_config(version, ports), ConfigSource::cli, "tester");
    ASSERT_TRUE(r.ok) << r.error.to_string();
    ASSERT_EQ(r.version, version);
  }

  test::TempDir dir_;
  dataplane::Dataplane* dp_ = nullptr;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ApplyService> service_;
};

TEST_F(ApplyServiceTest, ValidApplyIsStoredAppliedAuditedAndRunning) {
  const std::string doc = ring_config(1, {"a", "b"});
  ApplyResult r = service_->apply(doc, ConfigSource::web, "admin");
  ASSERT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(r.version, 1u);

  ConfigVersion row = stored(1);
  EXPECT_EQ(row.status, ConfigStatus::applied);
  EXPECT_EQ(row.source, ConfigSource::web);
  EXPECT_EQ(row.actor, "admin");
  EXPECT_GT(row.applied_at_ms, 0);
  EXPECT_EQ(row.document, to_canonical_json(parse_config(doc).config)) << "the store keeps canonical JSON";
  EXPECT_EQ(r.hash, row.hash);
  EXPECT_EQ(r.hash, sha256_hex(row.document));

  EXPECT_EQ(audit_trail(*store_), (Trail{"config.pending:1", "config.applied:1"}));
  EXPECT_EQ(service_->counters().applied, 1u);
  ASSERT_TRUE(service_->active().has_value());
  EXPECT_EQ(service_->active()->version, 1u);
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a", "b"}));
  for (const dataplane::PortStatus& port : dp_->ports()) {
    EXPECT_GE(port.port_id, 0) << port.name << ": " << port.reason;
    EXPECT_EQ(port.network, "lan") << port.name;
  }
}

TEST_F(ApplyServiceTest, NextVersionSupersedesAndReplacesTheTables) {
  apply_ok(1, {"a", "b"});
  apply_ok(2, {"a", "c"});
  EXPECT_EQ(stored(1).status, ConfigStatus::superseded);
  EXPECT_EQ(stored(2).status, ConfigStatus::applied);
  EXPECT_EQ(active_version(), 2u);
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a", "c"}));
  EXPECT_EQ(service_->counters().applied, 2u);
}

TEST_F(ApplyServiceTest, InvalidDocumentStoresNothingAndReportsEveryIssue) {
  apply_ok(1, {"a", "b"});
  // Two independent problems: an MTU out of range and a network naming a port that does not exist.
  const std::string bad = R"({"version": 2, "ports": [
      {"name": "a", "kind": "vdev", "devargs": "net_ring_a", "mtu": 20}],
    "networks": [{"name": "lan", "mode": "bridge", "ports": ["a", "ghost"]}]})";
  ApplyResult r = service_->apply(bad, ConfigSource::mqtt, "cloud");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, Errc::validation);
  ASSERT_GE(r.issues.size(), 2u) << "every issue, not only the first";
  EXPECT_EQ(r.error.pointer, r.issues[0].pointer);
  bool mtu_named = false;
  for (const ConfigIssue& issue : r.issues) mtu_named |= issue.pointer == "/ports/0/mtu";
  EXPECT_TRUE(mtu_named) << "the MTU issue names its field";

  EXPECT_EQ(*store_->max_version(), 1u) << "a rejected document never becomes a version";
  EXPECT_EQ(active_version(), 1u);
  EXPECT_EQ(service_->active()->version, 1u);
  EXPECT_EQ(service_->counters().rejected_invalid, 1u);
  EXPECT_EQ(service_->counters().applied, 1u);
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a", "b"}));

  auto log = store_->audit_log(1);
  ASSERT_TRUE(log.ok() && log->size() == 1u);
  EXPECT_EQ((*log)[0].action, "config.rejected");
  EXPECT_EQ((*log)[0].source, "mqtt");
  EXPECT_EQ((*log)[0].actor, "cloud");
  EXPECT_EQ((*log)[0].detail, r.issues[0].pointer + ": " + r.issues[0].message);
}

TEST_F(ApplyServiceTest, UnparsableJsonIsAValidationError) {
  ApplyResult r = service_->apply("{\"version\": 1, \"ports\": [", ConfigSource::cli, "tester");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, Errc::validation);
  EXPECT_FALSE(r.issues.empty());
  EXPECT_EQ(*store_->max_version(), 0u);
  EXPECT_EQ(service_->counters().rejected_invalid, 1u);
  EXPECT_EQ(audit_trail(*store_), (Trail{"config.rejected:0"}));
}

TEST_F(ApplyServiceTest, StaleVersionIsRefused) {
  apply_ok(5, {"a"});
  ApplyResult older = service_->apply(ring_config(3, {"b"}), ConfigSource::cli, "tester");
  ASSERT_FALSE(older.ok);
  EXPECT_EQ(older.error.code, Errc::stale_version);
  EXPECT_EQ(older.error.pointer, "/version");
  EXPECT_EQ(older.error.message, "version 3 is not greater than the newest stored version 5");
  ApplyResult same = service_->apply(ring_config(5, {"b"}), ConfigSource::cli, "tester");
  ASSERT_FALSE(same.ok);
  EXPECT_EQ(same.error.code, Errc::stale_version);

  EXPECT_EQ(service_->counters().rejected_stale, 2u);
  EXPECT_FALSE(store_->get(3)->has_value());
  EXPECT_EQ(active_version(), 5u);
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a"}));
  auto log = store_->audit_log(2);
  ASSERT_TRUE(log.ok() && log->size() == 2u);
  EXPECT_EQ((*log)[1].action, "config.rejected");
  EXPECT_EQ((*log)[1].version, 3u);
  EXPECT_EQ((*log)[1].detail, "/version: version 3 is not greater than the newest stored version 5");
}

TEST_F(ApplyServiceTest, DataplaneFailureMarksFailedAndKeepsThePreviousVersion) {
  apply_ok(1, {"a", "b"});
  fault::arm_fail_point("dataplane.apply");
  ApplyResult r = service_->apply(ring_config(2, {"a", "b", "c"}), ConfigSource::cli, "tester");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.version, 2u);
  EXPECT_FALSE(r.error.message.empty());

  ConfigVersion row = stored(2);
  EXPECT_EQ(row.status, ConfigStatus::failed);
  EXPECT_EQ(row.error, r.error.message);
  EXPECT_EQ(active_version(), 1u);
  EXPECT_EQ(service_->active()->version, 1u);
  EXPECT_EQ(service_->counters().failed, 1u);
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a", "b"})) << "a refused apply changes nothing";
  EXPECT_EQ(audit_trail(*store_),
            (Trail{"config.pending:1", "config.applied:1", "config.pending:2", "config.failed:2"}));

  // The failed number is used up; the next version goes through (the fail point fired once).
  ApplyResult reuse = service_->apply(ring_config(2, {"a", "b", "c"}), ConfigSource::cli, "tester");
  EXPECT_EQ(reuse.error.code, Errc::stale_version);
  apply_ok(3, {"a", "b", "c"});
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a", "b", "c"}));
}

TEST_F(ApplyServiceTest, RollbackStoresOldContentAsTheNextVersion) {
  apply_ok(1, {"a", "b"});
  apply_ok(2, {"a", "b", "c"});
  ApplyResult r = service_->rollback(1, ConfigSource::cli, "oper");
  ASSERT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(r.version, 3u);

  ConfigVersion row = stored(3);
  EXPECT_EQ(row.status, ConfigStatus::applied);
  EXPECT_EQ(row.actor, "oper");
  ParsedConfig old = parse_config(stored(1).document);
  ASSERT_TRUE(old.ok());
  old.config.version = 3;
  EXPECT_EQ(row.document, to_canonical_json(old.config)) << "version 1's content under number 3";
  EXPECT_EQ(stored(2).status, ConfigStatus::superseded);
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a", "b"}));
  EXPECT_EQ(service_->active()->version, 3u);

  auto log = store_->audit_log(2);
  ASSERT_TRUE(log.ok() && log->size() == 2u);
  EXPECT_EQ((*log)[1].action, "config.rollback");
  EXPECT_EQ((*log)[1].version, 3u);
  EXPECT_EQ((*log)[1].detail, "to version 1");
  EXPECT_EQ((*log)[0].action, "config.applied");
}

TEST_F(ApplyServiceTest, RollbackOnlyToAVersionThatRan) {
  apply_ok(1, {"a"});
  ApplyResult missing = service_->rollback(7, ConfigSource::cli, "oper");
  ASSERT_FALSE(missing.ok);
  EXPECT_EQ(missing.error.code, Errc::not_found);

  fault::arm_fail_point("dataplane.apply");
  ASSERT_FALSE(service_->apply(ring_config(2, {"b"}), ConfigSource::cli, "tester").ok);
  ApplyResult to_failed = service_->rollback(2, ConfigSource::cli, "oper");
  ASSERT_FALSE(to_failed.ok);
  EXPECT_EQ(to_failed.error.code, Errc::conflict);
  EXPECT_EQ(*store_->max_version(), 2u) << "a refused rollback stores nothing";
  EXPECT_EQ(active_version(), 1u);
}

TEST_F(ApplyServiceTest, RecoverAbandonsPendingAndRepublishesTheAppliedVersion) {
  apply_ok(1, {"a", "b"});
  // What a crash between "stored pending" and "applied" leaves behind.
  ConfigVersion crashed;
  crashed.version = 2;
  crashed.document = to_canonical_json(parse_config(ring_config(2, {"c"})).config);
  ASSERT_TRUE(store_->insert_pending(crashed).ok());
  // A restarted process starts with an empty data plane.
  test::reset_dataplane(*dp_);
  ASSERT_TRUE(dataplane_port_names(*dp_).empty());

  ApplyService restarted(*store_, *dp_);
  ApplyResult r = restarted.recover(ring_config(1, {"default"}));
  ASSERT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(r.version, 1u);
  EXPECT_EQ(r.hash, stored(1).hash);
  EXPECT_EQ(stored(2).status, ConfigStatus::abandoned);
  EXPECT_EQ(active_version(), 1u);
  EXPECT_EQ(*store_->max_version(), 2u) << "recovery creates no version";
  ASSERT_TRUE(restarted.active().has_value());
  EXPECT_EQ(restarted.active()->version, 1u);
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a", "b"}));
  Trail trail = audit_trail(*store_);
  ASSERT_GE(trail.size(), 2u);
  EXPECT_EQ(trail[trail.size() - 2], "config.abandoned:2");
  EXPECT_EQ(trail.back(), "config.recovered:1");
}

TEST_F(ApplyServiceTest, RecoverOnEmptyStoreAppliesTheDefault) {
  ApplyResult r = service_->recover(ring_config(1, {"up", "lan0"}));
  ASSERT_TRUE(r.ok) << r.error.to_string();
  EXPECT_EQ(r.version, 1u);
  ConfigVersion row = stored(1);
  EXPECT_EQ(row.status, ConfigStatus::applied);
  EXPECT_EQ(row.source, ConfigSource::default_config);
  EXPECT_EQ(row.actor, "edgegw");
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"up", "lan0"}));
  EXPECT_EQ(service_->counters().applied, 1u);
}

TEST_F(ApplyServiceTest, RecoverRenumbersTheDefaultAboveFailedAttempts) {
  fault::arm_fail_point("dataplane.apply");
  ApplyResult first = service_->recover(ring_config(1, {"a"}));
  ASSERT_FALSE(first.ok);
  EXPECT_EQ(stored(1).status, ConfigStatus::failed);

  ApplyResult second = service_->recover(ring_config(1, {"a"}));
  ASSERT_TRUE(second.ok) << second.error.to_string();
  EXPECT_EQ(second.version, 2u);
  EXPECT_EQ(active_version(), 2u);
  EXPECT_EQ(dataplane_port_names(*dp_), (Names{"a"}));
}

TEST_F(ApplyServiceTest, RecoverWithAnInvalidDefaultIsAnInternalError) {
  ApplyResult r = service_->recover("{\"version\": 0}");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, Errc::internal);
  EXPECT_NE(r.error.message.find("default config is invalid"), std::string::npos) << r.error.message;
  EXPECT_EQ(*store_->max_version(), 0u);
  EXPECT_FALSE(service_->active().has_value());
}

}  // namespace
}  // namespace edgegw::control
