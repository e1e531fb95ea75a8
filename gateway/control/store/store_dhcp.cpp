// The DHCP lease table of the state store (schema 3).
#include <string>
#include <vector>

#include "edgegw/control/store.hpp"
#include "sqlite_statement.hpp"

namespace edgegw::control {

Result<void> Store::save_dhcp_leases(const std::string& network, const std::vector<StoredDhcpLease>& changed,
                                     const std::vector<uint32_t>& removed) {
  const std::string what = "saving DHCP leases of network " + network;
  auto txn = sqlite::Transaction::begin(db_, what);
  if (!txn) return txn.error();
  auto upsert = sqlite::Statement::prepare(
      db_,
      "INSERT OR REPLACE INTO dhcp_leases (network, ip, mac, client_id, hostname, state, expires_at_s) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      what);
  if (!upsert) return upsert.error();
  for (const StoredDhcpLease& l : changed) {
    upsert->bind(1, network)
        .bind(2, static_cast<int64_t>(l.ip))
        .bind(3, l.mac)
        .bind(4, l.client_id)
        .bind(5, l.hostname)
        .bind(6, l.state)
        .bind(7, static_cast<int64_t>(l.expires_at_s));
    if (auto r = upsert->run(); !r) return r;
  }
  auto erase = sqlite::Statement::prepare(db_, "DELETE FROM dhcp_leases WHERE network = ?1 AND ip = ?2", what);
  if (!erase) return erase.error();
  for (uint32_t ip : removed) {
    erase->bind(1, network).bind(2, static_cast<int64_t>(ip));
    if (auto r = erase->run(); !r) return r;
  }
  return txn->commit();
}

Result<std::vector<StoredDhcpLease>> Store::dhcp_leases(const std::string& network) const {
  auto stmt = sqlite::Statement::prepare(
      db_,
      "SELECT network, ip, mac, client_id, hostname, state, expires_at_s FROM dhcp_leases "
      "WHERE ?1 = '' OR network = ?1 ORDER BY network, ip",
      "reading DHCP leases");
  if (!stmt) return stmt.error();
  stmt->bind(1, network);
  std::vector<StoredDhcpLease> out;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    StoredDhcpLease l;
    l.network = stmt->column_text(0);
    l.ip = static_cast<uint32_t>(stmt->column_int64(1));
    l.mac = stmt->column_text(2);
    l.client_id = stmt->column_text(3);
    l.hostname = stmt->column_text(4);
    l.state = stmt->column_text(5);
    l.expires_at_s = static_cast<uint64_t>(stmt->column_int64(6));
    out.push_back(std::move(l));
  }
  return out;
}

Result<int> Store::delete_dhcp_leases_except(const std::vector<std::string>& kept) {
  const std::string what = "removing DHCP leases of networks without a DHCP server";
  auto txn = sqlite::Transaction::begin(db_, what);
  if (!txn) return txn.error();
  if (auto r = sqlite::exec(db_, "CREATE TEMP TABLE IF NOT EXISTS kept_networks (name TEXT PRIMARY KEY); "
                                 "DELETE FROM kept_networks;", what);
      !r) {
    return r.error();
  }
  auto add = sqlite::Statement::prepare(db_, "INSERT OR IGNORE INTO kept_networks (name) VALUES (?1)", what);
  if (!add) return add.error();
  for (const std::string& name : kept) {
    add->bind(1, name);
    if (auto r = add->run(); !r) return r.error();
  }
  auto erase = sqlite::Statement::prepare(
      db_, "DELETE FROM dhcp_leases WHERE network NOT IN (SELECT name FROM kept_networks)", what);
  if (!erase) return erase.error();
  if (auto r = erase->run(); !r) return r.error();
  const int removed = erase->changes();
  if (auto r = txn->commit(); !r) return r.error();
  return removed;
}

}  // namespace edgegw::control
