package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"hummdesk/internal/desk"
)

// The outbox: events written in the transaction that made the change,
// published after commit, relayed when that did not happen.

const eventCols = "id, account_id, type, conversation_id, version, private, agent_id, data, created_at"

func scanEvent(r row) (desk.Event, error) {
	var e desk.Event
	var conv, agent *int64
	var data string
	err := r.Scan(&e.ID, &e.AccountID, &e.Type, nullInt64{&conv}, &e.Version, &e.Private, nullInt64{&agent},
		nullString{&data}, timeCol{&e.CreatedAt})
	if conv != nil {
		e.ConversationID = *conv
	}
	if agent != nil {
		e.AgentID = *agent
	}
	e.Data = json.RawMessage(data)
	return e, err
}

func zeroNull(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// EventInsert writes e to the outbox of the transaction's account and sets
// its id and time.
func (t *Tx) EventInsert(ctx context.Context, e *desk.Event) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	e.AccountID, e.CreatedAt = t.accountID, t.now
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	return mapErr(t.queryRow(ctx, `INSERT INTO events (account_id, type, conversation_id, version, private, agent_id, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		t.accountID, string(e.Type), zeroNull(e.ConversationID), e.Version, e.Private, zeroNull(e.AgentID),
		string(e.Data), t.d.ts(t.now)).Scan(&e.ID))
}

// EventsPending returns up to limit unpublished events created before
// cutoff, oldest first, locked so that relays on other nodes skip them
// (SystemTx only).
func (t *Tx) EventsPending(ctx context.Context, cutoff time.Time, limit int) ([]desk.Event, error) {
	if err := t.mustSystem(); err != nil {
		return nil, err
	}
	lock := ""
	if t.d == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rs, err := t.query(ctx, "SELECT "+eventCols+" FROM events WHERE published_at IS NULL AND created_at < $1 ORDER BY created_at, id LIMIT $2"+lock,
		t.d.ts(cutoff), limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rs.Close()
	var out []desk.Event
	for rs.Next() {
		e, err := scanEvent(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rs.Err()
}

// EventsMarkPublished records that events were published (SystemTx only).
func (t *Tx) EventsMarkPublished(ctx context.Context, ids []int64) error {
	if err := t.mustSystem(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	var a args
	ph := make([]string, len(ids))
	now := a.add(t.d.ts(t.now))
	for i, id := range ids {
		ph[i] = a.add(id)
	}
	_, err := t.exec(ctx, "UPDATE events SET published_at = "+now+" WHERE id IN ("+strings.Join(ph, ", ")+")", a...)
	return mapErr(err)
}

// EventsSince lists the account's events after id, oldest first, for
// clients catching up after a gap too large for real-time recovery.
func (t *Tx) EventsSince(ctx context.Context, afterID int64, limit int) ([]desk.Event, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	q := "SELECT " + eventCols + " FROM events WHERE account_id = $1 AND id > $2"
	if t.d == Postgres {
		// Only events of transactions older than every one still running:
		// a later read never finds an event with a smaller id (see
		// migration 0009).
		// A transaction running longer than eventSettle (request
		// transactions are bounded far below it) holds nothing back: an
		// unrelated long transaction anywhere on the server would
		// otherwise stall catch-up.
		q += " AND " + eventSettled("$4")
		rs, err := t.query(ctx, q+" ORDER BY id LIMIT $3", t.accountID, afterID, limit, t.d.ts(t.now.Add(-eventSettle)))
		return scanEvents(rs, err)
	}
	return scanEvents(t.query(ctx, q+" ORDER BY id LIMIT $3", t.accountID, afterID, limit))
}

// EventsHeldBack reports whether the account has committed events after id
// that EventsSince does not return yet, because a transaction older than
// theirs is still running (PostgreSQL; never on SQLite). A client catching
// up should ask again shortly.
func (t *Tx) EventsHeldBack(ctx context.Context, afterID int64) (bool, error) {
	if err := t.mustAccount(); err != nil {
		return false, err
	}
	if t.d != Postgres {
		return false, nil
	}
	var held bool
	err := t.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM events WHERE account_id = $1 AND id > $2 AND NOT "+eventSettled("$3")+")",
		t.accountID, afterID, t.d.ts(t.now.Add(-eventSettle))).Scan(&held)
	return held, mapErr(err)
}

// eventSettled is the PostgreSQL condition of an event catch-up may return:
// its transaction is older than every one still running, or the event is
// older than eventSettle (the placeholder cutoff holds now - eventSettle).
func eventSettled(cutoff string) string {
	return "(xid < pg_snapshot_xmin(pg_current_snapshot()) OR created_at < " + cutoff + ")"
}

// eventSettle bounds how long catch-up reads wait for an older
// transaction to commit.
const eventSettle = 30 * time.Second

func scanEvents(rs rows, err error) ([]desk.Event, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	defer rs.Close()
	out := []desk.Event{}
	for rs.Next() {
		e, err := scanEvent(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rs.Err()
}

// EventsPrune deletes published events created before cutoff (SystemTx).
func (t *Tx) EventsPrune(ctx context.Context, cutoff time.Time) error {
	if err := t.mustSystem(); err != nil {
		return err
	}
	_, err := t.exec(ctx, "DELETE FROM events WHERE published_at IS NOT NULL AND created_at < $1", t.d.ts(cutoff))
	return mapErr(err)
}

// ConversationIDByMessageKey finds the contact's conversation in an inbox
// holding a message with the idempotency key, so a retried widget "start a
// conversation" returns the first one instead of opening a second.
func (t *Tx) ConversationIDByMessageKey(ctx context.Context, inboxID, contactID int64, key string) (int64, error) {
	if err := t.mustAccount(); err != nil {
		return 0, err
	}
	var id int64
	err := t.queryRow(ctx, `SELECT c.id FROM conversations c
		WHERE c.account_id = $1 AND c.contact_id = $2 AND c.inbox_id = $3
		AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.idempotency_key = $4)
		ORDER BY c.id LIMIT 1`, t.accountID, contactID, inboxID, key).Scan(&id)
	return id, scanErr(err, "conversation")
}
