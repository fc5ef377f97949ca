package store_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// TestEventsSinceNeverSkipsALaterCommit: transaction A takes event id N and
// commits after transaction B, which took N+1. A catch-up read between the
// two commits must not return N+1, or a client would move its cursor past N
// and never see it.
func TestEventsSinceNeverSkipsALaterCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testkit.NewStore(t, testkit.Postgres) // SQLite has one writer: commits follow ids
	acc := newAccount(t, st, "Order")
	emit := func(tx *store.Tx, typ desk.EventType) error {
		return tx.EventInsert(ctx, &desk.Event{Type: typ, Data: json.RawMessage(`{}`)})
	}
	inserted, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	var once sync.Once
	finish := func() { once.Do(func() { close(release) }) }
	defer finish() // a failing check must not leave the transaction open
	go func() {
		done <- st.Tx(ctx, acc, func(tx *store.Tx) error {
			if err := emit(tx, "a.first"); err != nil {
				return err
			}
			close(inserted)
			<-release
			return nil
		})
	}()
	<-inserted
	if err := st.Tx(ctx, acc, func(tx *store.Tx) error { return emit(tx, "b.second") }); err != nil {
		t.Fatal(err)
	}
	since := func() []desk.Event {
		var evs []desk.Event
		if err := st.ReadTx(ctx, acc, func(tx *store.Tx) (err error) {
			evs, err = tx.EventsSince(ctx, 0, 100)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return evs
	}
	if evs := since(); len(evs) != 0 {
		t.Fatalf("with the first transaction still open, catch-up returned %v", evs)
	}
	heldBack := func() bool {
		var held bool
		if err := st.ReadTx(ctx, acc, func(tx *store.Tx) (err error) {
			held, err = tx.EventsHeldBack(ctx, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return held
	}
	// The reader is told that committed events wait behind it, so it asks
	// again instead of taking the empty answer as the end.
	if !heldBack() {
		t.Fatal("with b.second committed behind an open transaction, EventsHeldBack says nothing waits")
	}
	finish()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var evs []desk.Event
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if evs = since(); len(evs) == 2 || time.Now().After(deadline) {
			break
		}
	}
	if len(evs) != 2 || evs[0].Type != "a.first" || evs[1].Type != "b.second" || evs[0].ID > evs[1].ID {
		t.Fatalf("after both commits: %+v", evs)
	}
	if heldBack() {
		t.Fatal("after both commits, EventsHeldBack still says events wait")
	}
}
