// The PostgreSQL store (store.h), on libpq.
//
// Chosen by a URL location: postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]
// (postgres:// too), everything libpq's connection URIs accept. Credentials come from the URL,
// PGPASSWORD, ~/.pgpass or a password file (passfile=... in the URL, or PGPASSFILE); TLS follows
// libpq's sslmode (verify-full checks the server's certificate and name). Whatever names the
// store in messages is the URL without its password (userinfo's ":password" and a password=
// parameter dropped), and no message carries the password.
//
// Why libpq and not Poco::Data::PostgreSQL: COPY (the bulk path) and SQLSTATE codes (to tell a lost
// connection from a refused value) are libpq's, and Poco's connector adds a copy per value on the
// way; libpq is what Poco's connector is built on anyway.
//
// The session runs in UTC with ISO dates. What the Store interface promises holds with these
// differences from SQLite:
//   - Values are bound as text and converted by the server to the column's type (numeric for
//     exact money and counts, timestamptz for times, date for local days). Reading back, a numeric
//     is its exact text, a timestamptz the ISO 8601 UTC text Timestamp::toIso8601 writes, a
//     boolean 1 or 0.
//   - A refused statement (a constraint, a type) aborts the whole transaction, so StoreError's
//     kBadValue is never reported inside one: the run fails and rolls back instead.
//   - Inside a transaction, run() sends its statement without waiting for the answer (libpq's
//     pipeline mode; read every 1,000 statements): per-row writes cost no round trip each. Their
//     errors come from the next call that waits for the server (a query, exec, commit).
//   - Sorting memory is the server's (work_mem): limitSortMemory() does nothing.
//   - bulkUpsert() COPYs a batch straight into the table under a savepoint while its batches hold
//     only new keys (a first load; derived rows just deleted). A batch the table refuses (a
//     stored key, a key twice, a bad value) is undone to the savepoint and goes the other way for
//     the rest of the writer's life: COPY into a temporary staging table and one
//     INSERT ... SELECT ... ON CONFLICT. A round trip or two per batch, never per row.
// One writer per database: lockWriter() takes a session advisory lock and records who holds it.
#pragma once

#include <string>

#include "kalshi_direct/store.h"

namespace kalshi_direct {

// Several accounts in one database: the location's account=NAME parameter (kalshi-direct's own;
// libpq never sees it) puts the session in schema account_NAME, where that account's tables, state
// and runs live, so two accounts' syncs never touch each other's rows or locks. Without it, or
// with account=default, the schema is public. A writer creates the schema and records the account
// in public.kd_accounts. account=all (read-only) reads schema kalshi_all, whose views put every
// account's rows together with a leading `account` column (refreshAccountViews()).
inline constexpr const char* kDefaultAccount = "default";
inline constexpr const char* kAllAccounts = "all";
// a-z first, then a-z, 0-9 or _, at most 40 characters.
bool isValidAccountName(const std::string& name);

// True for postgresql://... and postgres://... locations.
bool isPostgresLocation(const std::string& location);

// The URL as messages show it: the password (userinfo's or a password= parameter) removed.
std::string redactPostgresUrl(const std::string& url);

// Connects. Throws StoreError with one line naming the URL (redacted), the problem and its fix:
// unreachable server, wrong or missing password, missing database or user, TLS refused.
// kReadOnly sessions refuse writes (default_transaction_read_only).
StorePtr openPostgresStore(const std::string& url, Store::Mode mode);

// (Re)builds schema kalshi_all when the database holds more than one account: for each Kalshi
// table and view (kalshi_*, v_*), one view of every account's rows, `account` first. In a short
// transaction of its own; the runner calls it after a run's last commit.
void refreshAccountViews(Store& store);

// Takes the one-writer lock `name` of a PostgreSQL store (a session advisory lock, released when
// the store closes, also when the process dies) and records `holder` beside it (table
// kd_writers). Throws StoreError "database '<url>' is in use by <the holder's text>; wait for that
// run to finish or stop it" when another session still holds it after 2 s (a session that has
// just closed releases its locks a moment later, as its server process exits). `store` must come
// from openPostgresStore().
void lockPostgresWriter(Store& store, const std::string& name, const std::string& holder);
// The lock is per account: `name` within the session's schema.

}  // namespace kalshi_direct
