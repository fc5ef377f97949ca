// Package bench is HummDesk's load benchmark (`make bench`): it seeds a
// PostgreSQL database with a realistic multi-tenant data set (100 accounts,
// 100,000 conversations and 1,000,000 messages by default, spread Zipf-like
// so a few accounts are large), starts the real application in-process and
// measures the conversation list through the whole HTTP stack, side by side
// with the very SQL the store runs for it, executed directly through pgx.
//
// Seeding streams rows through COPY on a superuser connection, in one
// transaction, so the database is either fully seeded or not at all; a
// comment on the database records the sizes, and later runs reuse a
// database whose comment matches. The load runner drives a fixed number of
// concurrent clients for a fixed time and keeps every latency, so the
// percentiles it prints are exact.
package bench
