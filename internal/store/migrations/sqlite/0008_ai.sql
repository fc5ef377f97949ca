-- AI settings, corrections, assignment history, drafts and labels (see the
-- PostgreSQL migration).
CREATE TABLE account_ai_settings (
    account_id        INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    provider          TEXT    NOT NULL DEFAULT '' CHECK (provider IN ('', 'local', 'anthropic', 'openai')),
    model             TEXT    NOT NULL DEFAULT '',
    base_url          TEXT    NOT NULL DEFAULT '',
    api_key_encrypted BLOB,
    threshold         REAL    NOT NULL DEFAULT 0.85 CHECK (threshold >= 0 AND threshold <= 1),
    auto_assign       INTEGER NOT NULL DEFAULT 1,
    drafts            INTEGER NOT NULL DEFAULT 1,
    business_hours    TEXT    NOT NULL DEFAULT '',
    updated_at        INTEGER NOT NULL
);

ALTER TABLE ai_classifications ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- run tells an on-demand re-classification (a new run) from a retried job
-- (the same run, which must not store twice).
ALTER TABLE ai_classifications ADD COLUMN run INTEGER NOT NULL DEFAULT 0;
DROP INDEX ai_classifications_message_idx;
CREATE UNIQUE INDEX ai_classifications_message_idx ON ai_classifications (message_id, provider, prompt_version, run);

CREATE TABLE ai_corrections (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    classification_id INTEGER NOT NULL REFERENCES ai_classifications (id) ON DELETE CASCADE,
    field             TEXT    NOT NULL CHECK (field IN ('category', 'priority', 'sentiment', 'language', 'team')),
    old_value         TEXT,
    new_value         TEXT    NOT NULL,
    user_id           INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (classification_id, field)
);
CREATE INDEX ai_corrections_account_idx ON ai_corrections (account_id, created_at);

CREATE TABLE conversation_assignments (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id   INTEGER NOT NULL,
    assignee_id       INTEGER,
    team_id           INTEGER,
    source            TEXT    NOT NULL CHECK (source IN ('agent', 'ai_auto_assign', 'system')),
    classification_id INTEGER,
    actor_id          INTEGER,
    created_at        INTEGER NOT NULL,
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_assignments_conversation_idx ON conversation_assignments (account_id, conversation_id, id DESC);
CREATE INDEX conversation_assignments_source_idx ON conversation_assignments (account_id, source, created_at);

CREATE TABLE ai_drafts (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id   INTEGER NOT NULL,
    message_id        INTEGER NOT NULL,
    classification_id INTEGER,
    provider          TEXT    NOT NULL,
    model             TEXT    NOT NULL DEFAULT '',
    prompt_version    TEXT    NOT NULL DEFAULT '',
    language          TEXT    NOT NULL DEFAULT '',
    content           TEXT    NOT NULL,
    articles          TEXT    NOT NULL DEFAULT '[]',
    status            TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'edited', 'rejected')),
    edit_distance     INTEGER,
    sent_message_id   INTEGER,
    decided_by        INTEGER,
    latency_ms        REAL    NOT NULL DEFAULT 0,
    input_tokens      INTEGER NOT NULL DEFAULT 0,
    output_tokens     INTEGER NOT NULL DEFAULT 0,
    cost_usd          REAL    NOT NULL DEFAULT 0,
    notes             TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX ai_drafts_conversation_idx ON ai_drafts (account_id, conversation_id, id DESC);
-- One draft per classification (a re-run gets its own) and provider.
CREATE UNIQUE INDEX ai_drafts_classification_idx ON ai_drafts (classification_id, provider, prompt_version);

ALTER TABLE conversations ADD COLUMN labels TEXT NOT NULL DEFAULT '';
