// Package events writes real-time events to the outbox: in the caller's
// transaction, published after commit by whoever is given as Publisher
// (the relay publishes the rest).
package events

import (
	"context"
	"encoding/json"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// Publisher pushes an outbox event once its transaction has committed.
type Publisher interface {
	PublishAfterCommit(tx *store.Tx, e *desk.Event)
}

// Emit writes e, with data as its JSON payload, to tx's outbox and, when
// pub is not nil, schedules its publish after commit.
func Emit(ctx context.Context, tx *store.Tx, pub Publisher, e desk.Event, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	e.Data = raw
	if err := tx.EventInsert(ctx, &e); err != nil {
		return err
	}
	if pub != nil {
		pub.PublishAfterCommit(tx, &e)
	}
	return nil
}
