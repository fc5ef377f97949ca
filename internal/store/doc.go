// Package store is HummDesk's database API. One implementation runs on two
// dialects, SQLite (embedded mode) and PostgreSQL (cluster mode), over
// database/sql; the few places where the dialects differ (placeholders,
// timestamp encoding, case-insensitive matching, row locks) are isolated in
// dialect.go, and the conformance suite in storetest runs against both.
//
// # Tenancy
//
// Every tenant query runs inside a transaction bound to one account, opened
// with Store.Tx. The transaction filters every query by that account id, and
// on PostgreSQL it also switches to the hummdesk_app role and sets
// app.current_account_id with set_config(..., true) (the SET LOCAL form), so
// row-level security enforces the same boundary a second time. A Tx can never
// be pointed at another account.
//
// Store.SystemTx opens the narrow cross-account path (role hummdesk_system)
// used for login, widget token resolution, signup and the platform API.
package store
