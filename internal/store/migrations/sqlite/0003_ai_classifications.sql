-- AI classifications (see the PostgreSQL migration).
CREATE TABLE ai_classifications (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id    INTEGER NOT NULL,
    message_id         INTEGER NOT NULL,
    provider           TEXT    NOT NULL,
    model              TEXT    NOT NULL DEFAULT '',
    prompt_version     TEXT    NOT NULL DEFAULT '',
    category           TEXT,
    priority           TEXT,
    sentiment          TEXT,
    language           TEXT,
    confidence         REAL,
    reasoning          TEXT    NOT NULL DEFAULT '',
    suggested_team_id  INTEGER,
    suggested_agent_id INTEGER,
    latency_ms         REAL    NOT NULL DEFAULT 0,
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cost_usd           REAL    NOT NULL DEFAULT 0,
    raw_output         TEXT    NOT NULL DEFAULT '',
    outcome            TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX ai_classifications_conversation_idx ON ai_classifications (account_id, conversation_id, id DESC);
CREATE UNIQUE INDEX ai_classifications_message_idx ON ai_classifications (message_id, provider, prompt_version);
