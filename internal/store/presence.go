package store

import (
	"context"
	"time"

	"hummdesk/internal/desk"
)

// Agent presence: which agents hold a live connection to their account's
// real-time channel, kept in the database so that every process (worker
// processes too, which hold no connections) reads the same answer. Each
// node keeps one row per agent and account with its connection count and
// refreshes last_seen_at on a heartbeat; a row older than PresenceTTL was
// left by a node that died and no longer counts.

// PresenceTTL is how long a presence row counts without a heartbeat.
const PresenceTTL = 60 * time.Second

// PresenceState is an agent's presence as last announced to the account
// (the agent.presence event), with the agent's availability.
type PresenceState struct {
	Availability desk.Availability
	// Online is what the last agent.presence event said.
	Online bool
	// Version is the last event's version (0 before the first).
	Version int64
}

// PresenceRow is one node's live connections of an agent in an account.
type PresenceRow struct {
	AccountID   int64
	UserID      int64
	NodeID      string
	Connections int
	ConnectedAt time.Time
	LastSeenAt  time.Time
}

// AgentRef names an agent of an account across accounts.
type AgentRef struct {
	AccountID int64
	UserID    int64
}

// lockNoKey is the row lock for presence transitions: it serializes them
// per agent without blocking rows that only reference the agent (FK checks
// take KEY SHARE).
func (d Dialect) lockNoKey() string {
	if d == SQLite {
		return ""
	}
	return " FOR NO KEY UPDATE"
}

// PresenceLock locks the agent's membership row until the transaction ends
// and returns the announced presence: presence transitions of one agent in
// one account run one at a time. A user who is not an agent of the account
// is desk.NotFound("agent").
func (t *Tx) PresenceLock(ctx context.Context, userID int64) (PresenceState, error) {
	if err := t.mustAccount(); err != nil {
		return PresenceState{}, err
	}
	var s PresenceState
	err := t.queryRow(ctx, `SELECT availability, presence_online, presence_version FROM account_users
		WHERE account_id = $1 AND user_id = $2`+t.d.lockNoKey(), t.accountID, userID).
		Scan(&s.Availability, &s.Online, &s.Version)
	return s, scanErr(err, "agent")
}

// PresenceSet records that node holds connections live connections of the
// agent, refreshing the row's last_seen_at; zero or fewer deletes the row.
func (t *Tx) PresenceSet(ctx context.Context, userID int64, nodeID string, connections int) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	if connections <= 0 {
		_, err := t.exec(ctx, "DELETE FROM agent_presence WHERE account_id = $1 AND user_id = $2 AND node_id = $3",
			t.accountID, userID, nodeID)
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO agent_presence (account_id, user_id, node_id, connections, connected_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (account_id, user_id, node_id) DO UPDATE SET connections = excluded.connections, last_seen_at = excluded.last_seen_at`,
		t.accountID, userID, nodeID, connections, t.d.ts(t.now))
	return err
}

// PresenceDeleteStale deletes the agent's rows last seen before cutoff (left
// by nodes that died) and reports how many it deleted.
func (t *Tx) PresenceDeleteStale(ctx context.Context, userID int64, cutoff time.Time) (int64, error) {
	if err := t.mustAccount(); err != nil {
		return 0, err
	}
	return t.exec(ctx, "DELETE FROM agent_presence WHERE account_id = $1 AND user_id = $2 AND last_seen_at < $3",
		t.accountID, userID, t.d.ts(cutoff))
}

// PresenceConnected reports whether the agent has a connection on any node
// seen at or after cutoff.
func (t *Tx) PresenceConnected(ctx context.Context, userID int64, cutoff time.Time) (bool, error) {
	if err := t.mustAccount(); err != nil {
		return false, err
	}
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM agent_presence
		WHERE account_id = $1 AND user_id = $2 AND last_seen_at >= $3`, t.accountID, userID, t.d.ts(cutoff)).Scan(&n)
	return n > 0, mapErr(err)
}

// PresenceAnnounce records that an agent.presence event says online, and
// returns the event's version (one more than the last).
func (t *Tx) PresenceAnnounce(ctx context.Context, userID int64, online bool) (int64, error) {
	if err := t.mustAccount(); err != nil {
		return 0, err
	}
	var v int64
	err := t.queryRow(ctx, `UPDATE account_users SET presence_online = $3, presence_version = presence_version + 1
		WHERE account_id = $1 AND user_id = $2 RETURNING presence_version`, t.accountID, userID, online).Scan(&v)
	return v, scanErr(err, "agent")
}

// AgentsConnected lists, by user id, the account's agents connected now:
// with a connection on a node whose heartbeat is within PresenceTTL.
func (t *Tx) AgentsConnected(ctx context.Context) ([]int64, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	return t.userIDs(ctx, `SELECT DISTINCT user_id FROM agent_presence
		WHERE account_id = $1 AND last_seen_at >= $2 ORDER BY user_id`, t.accountID, t.d.ts(t.now.Add(-PresenceTTL)))
}

// AgentsOnline lists, by user id, the account's agents that routing may
// give work to now: availability 'online' and connected (AgentsConnected).
func (t *Tx) AgentsOnline(ctx context.Context) ([]int64, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	return t.userIDs(ctx, `SELECT au.user_id FROM account_users au
		WHERE au.account_id = $1 AND au.availability = 'online'
		AND EXISTS (SELECT 1 FROM agent_presence p
			WHERE p.account_id = au.account_id AND p.user_id = au.user_id AND p.last_seen_at >= $2)
		ORDER BY au.user_id`, t.accountID, t.d.ts(t.now.Add(-PresenceTTL)))
}

func (t *Tx) userIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rs, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []int64{}
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, mapErr(rs.Err())
}

const presenceCols = "account_id, user_id, node_id, connections, connected_at, last_seen_at"

func (t *Tx) presenceRows(ctx context.Context, query string, args ...any) ([]PresenceRow, error) {
	rs, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []PresenceRow{}
	for rs.Next() {
		var p PresenceRow
		if err := rs.Scan(&p.AccountID, &p.UserID, &p.NodeID, &p.Connections, timeCol{&p.ConnectedAt}, timeCol{&p.LastSeenAt}); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, mapErr(rs.Err())
}

// PresenceList lists the account's presence rows, stale ones included, by
// agent and node.
func (t *Tx) PresenceList(ctx context.Context) ([]PresenceRow, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	return t.presenceRows(ctx, "SELECT "+presenceCols+" FROM agent_presence WHERE account_id = $1 ORDER BY user_id, node_id",
		t.accountID)
}

// PresenceOfNode lists a node's presence rows in every account (SystemTx).
func (t *Tx) PresenceOfNode(ctx context.Context, nodeID string) ([]PresenceRow, error) {
	if err := t.mustSystem(); err != nil {
		return nil, err
	}
	return t.presenceRows(ctx, "SELECT "+presenceCols+" FROM agent_presence WHERE node_id = $1 ORDER BY account_id, user_id",
		nodeID)
}

// PresenceTouch is a node's heartbeat: it refreshes last_seen_at of the
// node's rows seen at or after cutoff, in every account, and reports how
// many (SystemTx). Rows already stale are left for the node to re-record,
// so that an agent who went offline meanwhile is announced online again.
func (t *Tx) PresenceTouch(ctx context.Context, nodeID string, cutoff time.Time) (int64, error) {
	if err := t.mustSystem(); err != nil {
		return 0, err
	}
	return t.exec(ctx, "UPDATE agent_presence SET last_seen_at = $2 WHERE node_id = $1 AND last_seen_at >= $3",
		nodeID, t.d.ts(t.now), t.d.ts(cutoff))
}

// PresenceStale lists up to limit agents whose presence needs settling
// (SystemTx): those with rows last seen before cutoff, and those announced
// online without a row seen since.
func (t *Tx) PresenceStale(ctx context.Context, cutoff time.Time, limit int) ([]AgentRef, error) {
	if err := t.mustSystem(); err != nil {
		return nil, err
	}
	rs, err := t.query(ctx, `SELECT account_id, user_id FROM agent_presence WHERE last_seen_at < $1
		UNION
		SELECT au.account_id, au.user_id FROM account_users au WHERE au.presence_online
			AND NOT EXISTS (SELECT 1 FROM agent_presence p
				WHERE p.account_id = au.account_id AND p.user_id = au.user_id AND p.last_seen_at >= $1)
		ORDER BY 1, 2 LIMIT $2`, t.d.ts(cutoff), limit)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []AgentRef{}
	for rs.Next() {
		var r AgentRef
		if err := rs.Scan(&r.AccountID, &r.UserID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rs.Err())
}
