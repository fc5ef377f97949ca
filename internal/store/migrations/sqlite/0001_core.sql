-- HummDesk core schema (SQLite). Same shape as the PostgreSQL schema;
-- timestamps are INTEGER microseconds since the Unix epoch (UTC), JSON is
-- TEXT, booleans are INTEGER. SQLite has no row-level security: tenant
-- isolation rests on the account-scoped store API and composite keys.

CREATE TABLE accounts (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    conversation_seq INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);

CREATE TABLE users (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL,
    email              TEXT    NOT NULL UNIQUE,
    password_hash      TEXT    NOT NULL,
    tokens_valid_after INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
);

CREATE TABLE account_users (
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           TEXT    NOT NULL CHECK (role IN ('administrator', 'agent')),
    availability   TEXT    NOT NULL DEFAULT 'offline' CHECK (availability IN ('online', 'busy', 'offline')),
    max_concurrent INTEGER NOT NULL DEFAULT 10 CHECK (max_concurrent BETWEEN 0 AND 1000),
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX account_users_user_idx ON account_users (user_id);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    UNIQUE (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE team_members (
    account_id INTEGER NOT NULL,
    team_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (account_id, team_id) REFERENCES teams (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES account_users (account_id, user_id) ON DELETE CASCADE
);
CREATE INDEX team_members_user_idx ON team_members (account_id, user_id);

CREATE TABLE inboxes (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    channel_type   TEXT    NOT NULL CHECK (channel_type IN ('web_widget', 'api', 'email')),
    token          TEXT    NOT NULL UNIQUE,
    hmac_secret    TEXT    NOT NULL,
    hmac_mandatory INTEGER NOT NULL DEFAULT 0,
    greeting       TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    UNIQUE (account_id, id)
);

CREATE TABLE contacts (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL DEFAULT '',
    email             TEXT    NOT NULL DEFAULT '',
    phone             TEXT    NOT NULL DEFAULT '',
    identifier        TEXT,
    custom_attributes TEXT    NOT NULL DEFAULT '{}',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX contacts_identifier_idx ON contacts (account_id, identifier) WHERE identifier IS NOT NULL;
CREATE INDEX contacts_account_id_idx ON contacts (account_id, id DESC);
CREATE INDEX contacts_email_idx ON contacts (account_id, email COLLATE NOCASE);

CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    display_id       INTEGER NOT NULL,
    inbox_id         INTEGER NOT NULL,
    contact_id       INTEGER NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
    priority         TEXT    NOT NULL DEFAULT 'none' CHECK (priority IN ('urgent', 'high', 'normal', 'low', 'none')),
    assignee_id      INTEGER,
    team_id          INTEGER,
    snoozed_until    INTEGER,
    last_message_id  INTEGER,
    last_activity_at INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, display_id),
    FOREIGN KEY (account_id, inbox_id) REFERENCES inboxes (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, team_id) REFERENCES teams (account_id, id),
    FOREIGN KEY (account_id, assignee_id) REFERENCES account_users (account_id, user_id)
);
CREATE INDEX conversations_activity_idx ON conversations (account_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_status_idx ON conversations (account_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_assignee_idx ON conversations (account_id, assignee_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_team_idx ON conversations (account_id, team_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_contact_idx ON conversations (account_id, contact_id, id DESC);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    sender_type     TEXT    NOT NULL CHECK (sender_type IN ('contact', 'agent', 'system', 'ai')),
    sender_id       INTEGER,
    content         TEXT    NOT NULL,
    private         INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT,
    created_at      INTEGER NOT NULL,
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    UNIQUE (conversation_id, idempotency_key)
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);

CREATE TABLE refresh_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  TEXT    NOT NULL,
    token_hash BLOB    NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE system_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
