// Package store is HummDesk's database API. One implementation runs on two
// dialects, SQLite (embedded mode) and PostgreSQL (cluster mode); the few
// places where the dialects differ (placeholders, timestamp encoding,
// case-insensitive matching, row locks) are isolated in dialect.go, and the
// conformance suite in storetest runs against both.
//
// SQLite runs on database/sql. PostgreSQL runs its transactions on native
// pgx (a pgxpool.Pool), which scans rows straight into their destinations;
// Store.DB is a database/sql view of the same pool for migrations, metrics
// and the job queue. The statements of a transaction go through a small
// querier seam (querier.go) with one implementation per driver.
//
// # Tenancy
//
// Every tenant query runs inside a transaction bound to one account, opened
// with Store.Tx. The transaction filters every query by that account id, and
// on PostgreSQL it also switches to the hummdesk_app role and sets
// app.current_account_id with set_config(..., true) (the SET LOCAL form), so
// row-level security enforces the same boundary a second time. Both are set
// by the statement that opens the transaction, in the same round trip. A Tx
// can never be pointed at another account.
//
// Store.SystemTx opens the narrow cross-account path (role hummdesk_system)
// used for login, widget token resolution, signup and the platform API.
package store
