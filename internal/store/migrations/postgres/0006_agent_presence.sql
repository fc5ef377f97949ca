-- Agent presence: the live connections of agents to an account's real-time
-- channel, one row per (account, agent, node) with the node's connection
-- count. Every node refreshes last_seen_at of its rows (heartbeat); a row
-- not refreshed within the presence TTL belongs to a node that died and is
-- deleted by a periodic job. Routing reads presence from here, so it works
-- in worker processes, which hold no connections.
CREATE TABLE agent_presence (
    account_id   bigint      NOT NULL,
    user_id      bigint      NOT NULL,
    node_id      text        NOT NULL,
    connections  integer     NOT NULL CHECK (connections > 0),
    connected_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, user_id, node_id),
    FOREIGN KEY (account_id, user_id) REFERENCES account_users (account_id, user_id) ON DELETE CASCADE
);
CREATE INDEX agent_presence_node_idx ON agent_presence (node_id);
CREATE INDEX agent_presence_seen_idx ON agent_presence (last_seen_at);

-- What the last agent.presence event of an agent in an account said, and
-- its version: transitions are decided against it (under the row's lock),
-- so each one is announced once, whichever node or job sees it first.
ALTER TABLE account_users ADD COLUMN presence_online boolean NOT NULL DEFAULT false;
ALTER TABLE account_users ADD COLUMN presence_version bigint NOT NULL DEFAULT 0;
CREATE INDEX account_users_presence_idx ON account_users (account_id, user_id) WHERE presence_online;

ALTER TABLE agent_presence ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_presence FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agent_presence TO hummdesk_app
    USING (account_id = hummdesk_current_account()) WITH CHECK (account_id = hummdesk_current_account());
CREATE POLICY system_access ON agent_presence TO hummdesk_system USING (true) WITH CHECK (true);
