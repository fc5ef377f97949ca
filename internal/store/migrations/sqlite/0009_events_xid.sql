-- Nothing to do on SQLite: one writer commits transactions one at a time,
-- so event ids already follow commit order. The PostgreSQL migration of
-- this number records each event's transaction for catch-up reads.
SELECT 1;
