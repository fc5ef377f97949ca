package triage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
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
	billing int64 // team
	tech    int64 // team
	aino    int64 // billing agent, connected and online
	bo      int64 // billing agent, offline
}

const customerText = "Hello, I was charged twice for my March invoice. Please refund the duplicate payment of 39 euros."

func setup(t *testing.T, d testkit.Dialect) fixture {
	t.Helper()
	ctx := context.Background()
	st := testkit.NewStore(t, d)
	f := fixture{st: st, msgs: map[desk.SenderType]int64{}}
	err := st.SystemTx(ctx, func(tx *store.Tx) error {
		acc, err := tx.AccountCreate(ctx, "Acme")
		f.account = acc.ID
		if err != nil {
			return err
		}
		for _, id := range []*int64{&f.aino, &f.bo} {
			u, err := tx.UserCreate(ctx, store.UserCreateParams{Name: "Agent", Email: testkit.Unique("a") + "@x.test", PasswordHash: "h"})
			if err != nil {
				return err
			}
			if _, err := tx.MemberAdd(ctx, acc.ID, store.MemberAddParams{UserID: u.ID, Role: desk.RoleAgent}); err != nil {
				return err
			}
			*id = u.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := conversation.NewService(conversation.Options{})
	err = st.Tx(ctx, f.account, func(tx *store.Tx) error {
		billing, err := tx.TeamCreate(ctx, "Billing", "Invoices, payments and refunds")
		if err != nil {
			return err
		}
		tech, err := tx.TeamCreate(ctx, "Technical support", "")
		if err != nil {
			return err
		}
		f.billing, f.tech = billing.ID, tech.ID
		online, capacity := desk.AvailabilityOnline, 5
		for _, id := range []int64{f.aino, f.bo} {
			if err := tx.TeamMemberAdd(ctx, billing.ID, id); err != nil {
				return err
			}
			if _, err := tx.MemberUpdate(ctx, id, store.MemberUpdateParams{Availability: &online, MaxConcurrent: &capacity}); err != nil {
				return err
			}
		}
		// Aino is connected; Bo is "online" but has no live connection.
		if err := tx.PresenceSet(ctx, f.aino, "node-1", 1); err != nil {
			return err
		}
		in, err := tx.InboxCreate(ctx, desk.Inbox{Name: "Web", ChannelType: desk.ChannelWebWidget, Token: testkit.Unique("tok"), HMACSecret: "s"})
		if err != nil {
			return err
		}
		ct, err := tx.ContactCreate(ctx, store.ContactParams{Name: "Ann", CustomAttributes: []byte(`{"tier":"gold"}`)})
		if err != nil {
			return err
		}
		c, m, err := svc.Start(ctx, tx, conversation.StartParams{InboxID: in.ID, ContactID: ct.ID, SenderType: desk.SenderContact,
			SenderID: &ct.ID, Content: customerText})
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

func (f fixture) setThreshold(t *testing.T, threshold float64) {
	t.Helper()
	err := f.st.Tx(context.Background(), f.account, func(tx *store.Tx) error {
		s := desk.DefaultAISettings(f.account)
		s.Threshold = threshold
		_, err := tx.AISettingsPut(context.Background(), s)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func job(f fixture, msg int64) *river.Job[triage.ClassifyArgs] {
	return &river.Job[triage.ClassifyArgs]{JobRow: &rivertype.JobRow{Attempt: 1},
		Args: triage.ClassifyArgs{AccountID: f.account, ConversationID: f.conv, MessageID: msg}}
}

// state is what a classification left behind.
type state struct {
	c           desk.Classification
	view        desk.ConversationView
	assignments []desk.Assignment
	events      map[desk.EventType]int
}

func (f fixture) state(t *testing.T) state {
	t.Helper()
	// Catch-up reads hold back events while an older transaction anywhere
	// on the server is still running (store.EventsSince); other tests'
	// transactions end within moments.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := f.read(t)
		if s.events[desk.EventConversationClassified] > 0 || time.Now().After(deadline) {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f fixture) read(t *testing.T) state {
	t.Helper()
	ctx := context.Background()
	s := state{events: map[desk.EventType]int{}}
	err := f.st.ReadTx(ctx, f.account, func(tx *store.Tx) (err error) {
		if s.c, err = tx.ClassificationLatest(ctx, f.conv); err != nil {
			return err
		}
		if s.view, err = tx.ConversationGet(ctx, f.conv); err != nil {
			return err
		}
		if s.assignments, err = tx.AssignmentList(ctx, f.conv); err != nil {
			return err
		}
		evs, err := tx.EventsSince(ctx, 0, 100)
		for _, e := range evs {
			s.events[e.Type]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func worker(f fixture) *triage.ClassifyWorker {
	return &triage.ClassifyWorker{Store: f.st, Providers: triage.LocalOnly, Limiter: ratelimit.NewMemory(nil),
		Policy: jobs.Policy{MaxAttempts: 3, BackoffBase: 2 * time.Second, Rate: 100, Per: time.Minute}}
}

// TestClassifyWorkerAutoAssigns runs the pipeline with the built-in model:
// the billing message is labelled, prioritised and, above the account's
// threshold, assigned to the connected billing agent, with the assignment
// recorded as the AI's.
func TestClassifyWorkerAutoAssigns(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d)
		f.setThreshold(t, 0.05)
		w := worker(f)
		if err := w.Work(ctx, job(f, f.msgs[desk.SenderContact])); err != nil {
			t.Fatal(err)
		}
		s := f.state(t)
		c := s.c
		if c.Provider != "local" || c.Category == nil || *c.Category != "billing" || c.Confidence == nil || c.Reasoning == "" ||
			c.Language == nil || *c.Language != "en" || c.MessageID != f.msgs[desk.SenderContact] {
			t.Fatalf("stored %+v", c)
		}
		if c.Outcome != desk.OutcomeAutoAssigned || c.SuggestedTeamID == nil || *c.SuggestedTeamID != f.billing {
			t.Fatalf("outcome %s, suggested team %v (notes %q)", c.Outcome, c.SuggestedTeamID, c.Notes)
		}
		if s.view.AssigneeID == nil || *s.view.AssigneeID != f.aino || s.view.TeamID == nil || *s.view.TeamID != f.billing {
			t.Fatalf("conversation assigned to %v, team %v; want the connected billing agent %d", s.view.AssigneeID, s.view.TeamID, f.aino)
		}
		if string(s.view.Priority) != *c.Priority || !slices.Contains(s.view.Labels, "billing") {
			t.Errorf("conversation priority %s labels %v, classification %s", s.view.Priority, s.view.Labels, *c.Priority)
		}
		if len(s.assignments) != 1 || s.assignments[0].Source != desk.AssignedByAI || s.assignments[0].ClassificationID == nil ||
			*s.assignments[0].ClassificationID != c.ID {
			t.Fatalf("assignment history %+v", s.assignments)
		}
		if s.events[desk.EventConversationClassified] != 1 || s.events[desk.EventConversationAssigned] != 1 {
			t.Errorf("events %v", s.events)
		}

		// A retry of a job whose result is stored changes nothing.
		if err := w.Work(ctx, job(f, f.msgs[desk.SenderContact])); err != nil {
			t.Fatal(err)
		}
		again := f.state(t)
		if again.c.ID != c.ID || len(again.assignments) != 1 || again.events[desk.EventConversationClassified] != 1 ||
			again.view.Version != s.view.Version {
			t.Errorf("the retry changed things: %+v", again)
		}
	})
}

func TestClassifyWorkerRoutesByThresholdAndAvailability(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()

		// Above any confidence: the human queue, suggestion kept.
		f := setup(t, d)
		f.setThreshold(t, 1)
		if err := worker(f).Work(ctx, job(f, f.msgs[desk.SenderContact])); err != nil {
			t.Fatal(err)
		}
		s := f.state(t)
		if s.c.Outcome != desk.OutcomeHumanQueue || s.view.AssigneeID != nil || s.view.TeamID != nil || len(s.assignments) != 0 ||
			s.c.SuggestedTeamID == nil || *s.c.SuggestedTeamID != f.billing || !strings.Contains(s.c.Notes, "threshold") {
			t.Fatalf("below the threshold: outcome %s, assignee %v, team %v, suggestion %v, notes %q",
				s.c.Outcome, s.view.AssigneeID, s.view.TeamID, s.c.SuggestedTeamID, s.c.Notes)
		}

		// Confident, but the only connected agent is at capacity: the
		// team's queue.
		f = setup(t, d)
		f.setThreshold(t, 0.05)
		err := f.st.Tx(ctx, f.account, func(tx *store.Tx) error {
			zero := 0
			_, err := tx.MemberUpdate(ctx, f.aino, store.MemberUpdateParams{MaxConcurrent: &zero})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := worker(f).Work(ctx, job(f, f.msgs[desk.SenderContact])); err != nil {
			t.Fatal(err)
		}
		s = f.state(t)
		if s.c.Outcome != desk.OutcomeTeamQueue || s.view.AssigneeID != nil || s.view.TeamID == nil || *s.view.TeamID != f.billing ||
			len(s.assignments) != 1 || s.assignments[0].Source != desk.AssignedByAI {
			t.Fatalf("no agent available: outcome %s, assignee %v, team %v, history %+v (notes %q)",
				s.c.Outcome, s.view.AssigneeID, s.view.TeamID, s.assignments, s.c.Notes)
		}
	})
}

func TestClassifyWorkerSnoozesAndCancels(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d)
		w := worker(f)
		w.Policy.Rate = 1
		if err := w.Work(ctx, job(f, f.msgs[desk.SenderContact])); err != nil {
			t.Fatal(err)
		}
		// The queue's rate (1 per minute here) is spent: the next job is
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
