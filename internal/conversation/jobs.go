package conversation

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// WakeSnoozedArgs is the periodic job that reopens snoozed conversations
// whose time has come.
type WakeSnoozedArgs struct{}

// Kind implements river.JobArgs.
func (WakeSnoozedArgs) Kind() string { return "conversation_wake_snoozed" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (WakeSnoozedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "maintenance", MaxAttempts: 3}
}

// WakeSnoozedWorker reopens due conversations, each in its account's own
// transaction with its events.
type WakeSnoozedWorker struct {
	river.WorkerDefaults[WakeSnoozedArgs]
	Store   *store.Store
	Service *Service
}

// Work implements river.Worker.
func (w *WakeSnoozedWorker) Work(ctx context.Context, _ *river.Job[WakeSnoozedArgs]) error {
	for {
		var due []store.ConversationRef
		err := w.Store.SystemTx(ctx, func(tx *store.Tx) (err error) {
			due, err = tx.ConversationsDueToWake(ctx, tx.Now(), 200)
			return err
		})
		if err != nil {
			return err
		}
		for _, r := range due {
			err := w.Store.Tx(ctx, r.AccountID, func(tx *store.Tx) error { return w.Service.Wake(ctx, tx, r.ID) })
			if err != nil && !desk.IsNotFound(err) {
				return fmt.Errorf("wake conversation %d: %w", r.ID, err)
			}
		}
		if len(due) < 200 {
			return nil
		}
	}
}
