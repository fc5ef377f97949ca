package store

import (
	"context"
	"time"
)

// ConversationRef names a conversation across accounts.
type ConversationRef struct {
	AccountID int64
	ID        int64
}

// ConversationsDueToWake lists snoozed conversations whose snooze ended by
// now (SystemTx only), oldest first.
func (t *Tx) ConversationsDueToWake(ctx context.Context, now time.Time, limit int) ([]ConversationRef, error) {
	if err := t.mustSystem(); err != nil {
		return nil, err
	}
	rs, err := t.query(ctx, `SELECT account_id, id FROM conversations
		WHERE status = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= $1
		ORDER BY snoozed_until, id LIMIT $2`, t.d.ts(now), limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rs.Close()
	var out []ConversationRef
	for rs.Next() {
		var r ConversationRef
		if err := rs.Scan(&r.AccountID, &r.ID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// GrantAppRoles (re)grants the application roles their privileges on every
// table, for tables created outside Migrate (the job queue's). No-op on
// SQLite.
func (s *Store) GrantAppRoles(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	_, err := s.DB().ExecContext(ctx, grantsSQL)
	return err
}
