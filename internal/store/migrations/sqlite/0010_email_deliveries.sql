-- Outgoing email deliveries (see the PostgreSQL migration).
CREATE TABLE email_deliveries (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id   INTEGER NOT NULL,
    message_id        INTEGER NOT NULL,
    to_address        TEXT    NOT NULL,
    message_id_header TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT    NOT NULL DEFAULT '',
    sent_at           INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (account_id, message_id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX email_deliveries_conversation_idx ON email_deliveries (account_id, conversation_id, id);
