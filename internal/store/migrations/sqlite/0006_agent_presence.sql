-- Agent presence (see the PostgreSQL migration).
CREATE TABLE agent_presence (
    account_id   INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    node_id      TEXT    NOT NULL,
    connections  INTEGER NOT NULL CHECK (connections > 0),
    connected_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_id, node_id),
    FOREIGN KEY (account_id, user_id) REFERENCES account_users (account_id, user_id) ON DELETE CASCADE
);
CREATE INDEX agent_presence_node_idx ON agent_presence (node_id);
CREATE INDEX agent_presence_seen_idx ON agent_presence (last_seen_at);

ALTER TABLE account_users ADD COLUMN presence_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE account_users ADD COLUMN presence_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX account_users_presence_idx ON account_users (account_id, user_id) WHERE presence_online;
