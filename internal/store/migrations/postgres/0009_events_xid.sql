-- The transaction that wrote each event. Event ids are taken in insert
-- order but transactions commit in any order, so a reader asking for
-- "events after id N" could see id N+1 committed while N is still being
-- written, move its cursor past N and never see it. Catch-up reads only
-- events of transactions older than every transaction still running
-- (pg_snapshot_xmin), so what it returns never gains an earlier id later.
ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
