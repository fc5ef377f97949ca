-- Knowledge base (see the PostgreSQL migration). Embeddings are
-- little-endian float32 BLOBs searched in process; full text is an FTS5
-- index over the chunks, kept in step by triggers.
CREATE TABLE kb_articles (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title            TEXT    NOT NULL,
    content          TEXT    NOT NULL,
    tags             TEXT    NOT NULL DEFAULT '[]',
    published        INTEGER NOT NULL DEFAULT 0,
    version          INTEGER NOT NULL DEFAULT 1,
    embedded_version INTEGER NOT NULL DEFAULT 0,
    embedder         TEXT    NOT NULL DEFAULT '',
    embedded_at      INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (account_id, id)
);
CREATE INDEX kb_articles_account_idx ON kb_articles (account_id, id DESC);

-- AUTOINCREMENT: chunk ids are never reused, so a chunk id names one
-- embedding for good.
CREATE TABLE kb_chunks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    ordinal    INTEGER NOT NULL,
    title      TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    published  INTEGER NOT NULL DEFAULT 0,
    embedder   TEXT    NOT NULL,
    dim        INTEGER NOT NULL CHECK (dim = 384),
    embedding  BLOB    NOT NULL CHECK (length(embedding) = 4 * dim),
    created_at INTEGER NOT NULL,
    FOREIGN KEY (account_id, article_id) REFERENCES kb_articles (account_id, id) ON DELETE CASCADE,
    UNIQUE (article_id, ordinal)
);
CREATE INDEX kb_chunks_article_idx ON kb_chunks (account_id, article_id, ordinal);

CREATE VIRTUAL TABLE kb_chunks_fts USING fts5(
    title, content, content = 'kb_chunks', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER kb_chunks_fts_insert AFTER INSERT ON kb_chunks BEGIN
    INSERT INTO kb_chunks_fts (rowid, title, content) VALUES (new.id, new.title, new.content);
END;
CREATE TRIGGER kb_chunks_fts_delete AFTER DELETE ON kb_chunks BEGIN
    INSERT INTO kb_chunks_fts (kb_chunks_fts, rowid, title, content) VALUES ('delete', old.id, old.title, old.content);
END;
CREATE TRIGGER kb_chunks_fts_update AFTER UPDATE ON kb_chunks BEGIN
    INSERT INTO kb_chunks_fts (kb_chunks_fts, rowid, title, content) VALUES ('delete', old.id, old.title, old.content);
    INSERT INTO kb_chunks_fts (rowid, title, content) VALUES (new.id, new.title, new.content);
END;

CREATE TABLE kb_state (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL
);
