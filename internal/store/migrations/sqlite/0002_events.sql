-- Outbox of real-time events (see the PostgreSQL migration).
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type            TEXT    NOT NULL,
    conversation_id INTEGER,
    version         INTEGER NOT NULL DEFAULT 0,
    private         INTEGER NOT NULL DEFAULT 0,
    agent_id        INTEGER,
    data            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    published_at    INTEGER
);
CREATE INDEX events_pending_idx ON events (created_at, id) WHERE published_at IS NULL;
CREATE INDEX events_account_idx ON events (account_id, id);
CREATE INDEX events_created_idx ON events (created_at);
