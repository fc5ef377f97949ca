package triage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/jobs"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
	"hummdesk/internal/triage"
)

type fixture struct {
	st      *store.Store
	account int64
	conv    int64
	msgs    map[desk.SenderType]int64
}

func setup(t *testing.T, d testkit.Dialect) fixture {
	t.Helper()
	ctx := context.Background()
	st := testkit.NewStore(t, d)
	f := fixture{st: st, msgs: map[desk.SenderType]int64{}}
	err := st.SystemTx(ctx, func(tx *store.Tx) error {
		acc, err := tx.AccountCreate(ctx, "Acme")
		f.account = acc.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := conversation.NewService(conversation.Options{})
	err = st.Tx(ctx, f.account, func(tx *store.Tx) error {
		in, err := tx.InboxCreate(ctx, desk.Inbox{Name: "Web", ChannelType: desk.ChannelWebWidget, Token: testkit.Unique("tok"), HMACSecret: "s"})
		if err != nil {
			return err
		}
		ct, err := tx.ContactCreate(ctx, store.ContactParams{Name: "Ann"})
		if err != nil {
			return err
		}
		c, m, err := svc.Start(ctx, tx, conversation.StartParams{InboxID: in.ID, ContactID: ct.ID, SenderType: desk.SenderContact,
			SenderID: &ct.ID, Content: "my invoice is wrong"})
		if err != nil {
			return err
		}
		f.conv, f.msgs[desk.SenderContact] = c.ID, m.ID
		res, err := svc.Post(ctx, tx, conversation.PostParams{ConversationID: c.ID, SenderType: desk.SenderSystem, Content: "note"})
		f.msgs[desk.SenderSystem] = res.Message.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func job(f fixture, msg int64) *river.Job[triage.ClassifyArgs] {
	return &river.Job[triage.ClassifyArgs]{JobRow: &rivertype.JobRow{Attempt: 1},
		Args: triage.ClassifyArgs{AccountID: f.account, ConversationID: f.conv, MessageID: msg}}
}

func TestClassifyWorker(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d)
		w := &triage.ClassifyWorker{Store: f.st, Classifier: triage.Unconfigured{}, Limiter: ratelimit.NewMemory(nil),
			Policy: jobs.Policy{MaxAttempts: 3, BackoffBase: 2 * time.Second, Rate: 2, Per: time.Minute}}

		if err := w.Work(ctx, job(f, f.msgs[desk.SenderContact])); err != nil {
			t.Fatal(err)
		}
		// A retry of a job whose result is stored stores nothing twice.
		if err := w.Work(ctx, job(f, f.msgs[desk.SenderContact])); err != nil {
			t.Fatal(err)
		}
		err := f.st.ReadTx(ctx, f.account, func(tx *store.Tx) error {
			c, err := tx.ClassificationLatest(ctx, f.conv)
			if err != nil {
				return err
			}
			if c.Provider != "none" || c.Outcome != desk.OutcomeHumanQueue || c.Category != nil || c.MessageID != f.msgs[desk.SenderContact] {
				t.Errorf("stored %+v", c)
			}
			evs, err := tx.EventsSince(ctx, 0, 100)
			n := 0
			for _, e := range evs {
				if e.Type == desk.EventConversationClassified {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d classified events, want exactly 1", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// The queue's rate (2 per minute here) is spent: the next job is
		// snoozed, not failed.
		var snooze *rivertype.JobSnoozeError
		if err := w.Work(ctx, job(f, f.msgs[desk.SenderContact])); !errors.As(err, &snooze) || snooze.Duration <= 0 {
			t.Errorf("over the rate: %v, want a snooze", err)
		}

		// Not a customer message, or a missing one: cancelled, not retried.
		w.Limiter = nil
		var cancel *rivertype.JobCancelError
		if err := w.Work(ctx, job(f, f.msgs[desk.SenderSystem])); !errors.As(err, &cancel) {
			t.Errorf("system message: %v, want cancel", err)
		}
		if err := w.Work(ctx, job(f, 999999)); !errors.As(err, &cancel) {
			t.Errorf("missing message: %v, want cancel", err)
		}
	})
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	t.Parallel()
	p := jobs.DefaultPolicies()[jobs.QueueClassification]
	for attempt := 1; attempt <= 3; attempt++ {
		base := 2 * time.Second << (attempt - 1)
		for range 50 {
			d := p.Backoff(attempt)
			if d < base*3/4 || d > base*5/4 {
				t.Fatalf("attempt %d: backoff %v outside %v±25%%", attempt, d, base)
			}
		}
	}
}
