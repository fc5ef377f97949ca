-- Nothing to do on SQLite: the PostgreSQL migration of this number adds
-- hummdesk_authorize, whose checks the SQLite store runs in Go
-- (Store.MemberTx). Kept so both dialects share version numbers.
SELECT 1;
