// The apply service: the one path from a config document to running tables, and the start-up
// recovery that makes a crash at any step land back on the last applied version.
//
// Order of an apply, and why: validate everything before touching state; store the version as
// pending before the data plane sees it, so a crash after publishing is found at the next start
// (the pending row) instead of leaving tables nobody recorded; mark applied only after the data
// plane took the tables, so "applied" in the store always means "was running". Each step has a
// named kill point so tests can prove that.
#include "edgegw/control/apply_service.hpp"

#include <string>
#include <utility>

#include "edgegw/common/fault.hpp"
#include "edgegw/common/log.hpp"
#include "edgegw/dataplane/dataplane.hpp"
#include "host_interface.hpp"

namespace edgegw::control {
namespace {

constexpr const char* kComponent = "apply";
// Actor recorded for what the daemon does on its own: recovery and the default config.
constexpr const char* kDaemonActor = "edgegw";

ApplyResult failure(Error error, uint64_t version = 0, std::string hash = {}) {
  ApplyResult r;
  r.ok = false;
  r.version = version;
  r.hash = std::move(hash);
  r.error = std::move(error);
  return r;
}

std::string issue_text(const ConfigIssue& issue) {
  return issue.pointer.empty() ? issue.message : issue.pointer + ": " + issue.message;
}

}  // namespace

ApplyService::ApplyService(Store& store, dataplane::Dataplane& dataplane, SwitchCompileOptions options)
    : store_(store),
      dataplane_(dataplane),
      options_(std::move(options)),
      host_addresses_(std::make_unique<HostAddresses>()) {}

ApplyService::~ApplyService() = default;

std::string ApplyService::host_address_error(const std::string& port) const {
  return host_addresses_->error_for(port);
}

void ApplyService::retry_host_addresses() { host_addresses_->retry(); }

void ApplyService::sync_host_addresses() {
  // A failure here does not undo the apply: the data plane runs the config, and the port's status
  // says why its address is missing.
  host_addresses_->sync(active_ ? *active_ : GatewayConfig{});
}

ApplyResult ApplyService::apply(std::string_view document, ConfigSource source, const std::string& actor) {
  ParsedConfig parsed = parse_config(document);
  if (parsed.ok()) admit_guests(parsed);
  if (!parsed.ok()) return reject_invalid(parsed, source, actor);
  return apply_parsed(std::move(parsed.config), source, actor, audit_action::kPending, "");
}

void ApplyService::admit_guests(ParsedConfig& parsed) const {
  if (guest_budget_ && !parsed.config.guests.empty()) {
    parsed.issues = check_guest_admission(parsed.config, *guest_budget_);
  }
}

ApplyResult ApplyService::reject_invalid(const ParsedConfig& parsed, ConfigSource source,
                                         const std::string& actor) {
  ++counters_.rejected_invalid;
  const std::string first = issue_text(parsed.issues.front());
  log::warn(kComponent, "config rejected: invalid",
            {{"source", config_source_name(source)},
             {"actor", actor},
             {"issues", parsed.issues.size()},
             {"first", first}});
  // Version 0: the document's version is not trustworthy when the document is invalid.
  if (auto audited = store_.audit(audit_action::kRejected, source, actor, 0, first); !audited) {
    log::error(kComponent, "audit write failed", {{"error", audited.error().message}});
  }
  ApplyResult r = failure(first_issue_error(parsed));
  r.issues = parsed.issues;
  return r;
}

ApplyResult ApplyService::apply_parsed(GatewayConfig config, ConfigSource source, const std::string& actor,
                                       const char* pending_action, const std::string& pending_detail) {
  const uint64_t version = config.version;
  Result<uint64_t> newest = store_.max_version();
  if (!newest) {
    ++counters_.failed;
    log::error(kComponent, "store unreadable", {{"error", newest.error().message}});
    return failure(newest.error(), version);
  }
  if (version <= *newest) {
    ++counters_.rejected_stale;
    Error stale = make_error(Errc::stale_version,
                             "version " + std::to_string(version) +
                                 " is not greater than the newest stored version " + std::to_string(*newest),
                             "/version");
    log::warn(kComponent, "config rejected: stale version",
              {{"version", version}, {"newest", *newest}, {"source", config_source_name(source)}});
    if (auto audited = store_.audit(audit_action::kRejected, source, actor, version, stale.to_string());
        !audited) {
      log::error(kComponent, "audit write failed", {{"error", audited.error().message}});
    }
    return failure(std::move(stale), version);
  }
  fault::kill_point("apply.after_validate");

  ConfigVersion row;
  row.version = version;
  row.source = source;
  row.actor = actor;
  row.document = to_canonical_json(config);
  const std::string hash = sha256_hex(row.document);
  if (auto stored = store_.insert_pending(row, pending_action, pending_detail); !stored) {
    ++counters_.failed;
    log::error(kComponent, "storing pending version failed",
               {{"version", version}, {"error", stored.error().message}});
    return failure(stored.error(), version, hash);
  }
  log::info(kComponent, "config stored as pending", {{"version", version}, {"hash", hash}});
  fault::kill_point("apply.after_store_pending");

  // The data plane's contract: an error means nothing changed, so the previous tables still run.
  if (auto published = dataplane_.apply(compile_switch(config, options_)); !published) {
    ++counters_.failed;
    log::error(kComponent, "data plane refused the config",
               {{"version", version}, {"error", published.error().message}});
    if (auto marked = store_.mark_failed(version, published.error().message); !marked) {
      // The row stays pending; the next start marks it abandoned. Nothing runs it either way.
      log::error(kComponent, "marking version failed did not work", {{"error", marked.error().message}});
    }
    return failure(published.error(), version, hash);
  }
  fault::kill_point("apply.after_dataplane");

  if (auto marked = store_.mark_applied(version); !marked) {
    ++counters_.failed;
    log::error(kComponent, "marking version applied failed; restoring the previous tables",
               {{"version", version}, {"error", marked.error().message}});
    restore_active_tables();
    if (auto failed = store_.mark_failed(version, marked.error().message); !failed) {
      log::error(kComponent, "marking version failed did not work", {{"error", failed.error().message}});
    }
    return failure(marked.error(), version, hash);
  }
  fault::kill_point("apply.after_mark_applied");

  active_ = std::move(config);
  sync_host_addresses();
  ++counters_.applied;
  log::info(kComponent, "config applied",
            {{"version", version}, {"hash", hash}, {"source", config_source_name(source)}, {"actor", actor}});
  ApplyResult r;
  r.ok = true;
  r.version = version;
  r.hash = hash;
  return r;
}

void ApplyService::restore_active_tables() {
  dataplane::SwitchSpec previous = active_ ? compile_switch(*active_, options_) : dataplane::SwitchSpec{};
  if (auto restored = dataplane_.apply(previous); !restored) {
    log::error(kComponent, "restoring the previous tables failed", {{"error", restored.error().message}});
  }
}

ApplyResult ApplyService::rollback(uint64_t version, ConfigSource source, const std::string& actor) {
  Result<std::optional<ConfigVersion>> target = store_.get(version);
  if (!target) {
    ++counters_.failed;
    return failure(target.error(), version);
  }
  if (!*target) {
    return failure(
        make_error(Errc::not_found, "config version " + std::to_string(version) + " is not stored"), version);
  }
  const ConfigVersion& old = **target;
  if (old.status != ConfigStatus::applied && old.status != ConfigStatus::superseded) {
    return failure(make_error(Errc::conflict, "config version " + std::to_string(version) +
                                                  " was never applied (" + config_status_name(old.status) +
                                                  "); only a version that ran can be rolled back to"),
                   version);
  }
  ParsedConfig parsed = parse_config(old.document);
  if (parsed.ok()) admit_guests(parsed);
  if (!parsed.ok()) {
    // Validation got stricter since that version was stored (a software update).
    ++counters_.rejected_invalid;
    Error error = first_issue_error(parsed);
    error.message = "stored version " + std::to_string(version) + " no longer validates: " + error.message;
    ApplyResult r = failure(std::move(error), version);
    r.issues = parsed.issues;
    return r;
  }
  Result<uint64_t> newest = store_.max_version();
  if (!newest) {
    ++counters_.failed;
    return failure(newest.error(), version);
  }
  parsed.config.version = *newest + 1;
  log::info(kComponent, "rolling back",
            {{"to", version}, {"as_version", parsed.config.version}, {"actor", actor}});
  return apply_parsed(std::move(parsed.config), source, actor, audit_action::kRollback,
                      "to version " + std::to_string(version));
}

ApplyResult ApplyService::recover(std::string_view default_document) {
  log::info(kComponent, "recovery: abandoning versions left pending by a crash");
  Result<int> abandoned = store_.abandon_pending();
  if (!abandoned) {
    ++counters_.failed;
    log::error(kComponent, "recovery: abandoning pending versions failed",
               {{"error", abandoned.error().message}});
    return failure(abandoned.error());
  }
  if (*abandoned > 0) {
    log::warn(kComponent, "recovery: abandoned pending versions", {{"count", *abandoned}});
  }
  fault::kill_point("recover.after_abandon");

  Result<std::optional<ConfigVersion>> applied = store_.active();
  if (!applied) {
    ++counters_.failed;
    log::error(kComponent, "recovery: reading the applied version failed",
               {{"error", applied.error().message}});
    return failure(applied.error());
  }
  if (*applied) return republish(**applied);

  log::info(kComponent, "recovery: no applied version stored, applying the default config");
  ParsedConfig parsed = parse_config(default_document);
  if (!parsed.ok()) {
    ++counters_.failed;
    Error error =
        make_error(Errc::internal, "the default config is invalid: " + first_issue_error(parsed).to_string());
    log::error(kComponent, "recovery: default config invalid", {{"error", error.message}});
    ApplyResult r = failure(std::move(error));
    r.issues = parsed.issues;
    return r;
  }
  Result<uint64_t> newest = store_.max_version();
  if (!newest) {
    ++counters_.failed;
    return failure(newest.error());
  }
  if (parsed.config.version <= *newest) {
    // Earlier attempts (failed or abandoned) used the number; versions must still increase.
    log::info(kComponent, "recovery: renumbering the default config",
              {{"from", parsed.config.version}, {"to", *newest + 1}});
    parsed.config.version = *newest + 1;
  }
  return apply_parsed(std::move(parsed.config), ConfigSource::default_config, kDaemonActor,
                      audit_action::kPending, "");
}

ApplyResult ApplyService::republish(const ConfigVersion& applied) {
  log::info(kComponent, "recovery: re-publishing the applied version", {{"version", applied.version}});
  ParsedConfig parsed = parse_config(applied.document);
  if (!parsed.ok()) {
    ++counters_.failed;
    Error error =
        make_error(Errc::internal, "applied version " + std::to_string(applied.version) +
                                       " no longer validates: " + first_issue_error(parsed).to_string());
    log::error(kComponent, "recovery: applied version invalid", {{"error", error.message}});
    ApplyResult r = failure(std::move(error), applied.version, applied.hash);
    r.issues = parsed.issues;
    return r;
  }
  if (auto published = dataplane_.apply(compile_switch(parsed.config, options_)); !published) {
    ++counters_.failed;
    log::error(kComponent, "recovery: data plane refused the applied version",
               {{"version", applied.version}, {"error", published.error().message}});
    return failure(published.error(), applied.version, applied.hash);
  }
  if (auto audited = store_.audit(audit_action::kRecovered, applied.source, kDaemonActor, applied.version,
                                  "re-published at start-up");
      !audited) {
    log::error(kComponent, "audit write failed", {{"error", audited.error().message}});
  }
  active_ = std::move(parsed.config);
  sync_host_addresses();
  log::info(kComponent, "recovery: applied version running", {{"version", applied.version}});
  ApplyResult r;
  r.ok = true;
  r.version = applied.version;
  r.hash = applied.hash;
  return r;
}

}  // namespace edgegw::control
