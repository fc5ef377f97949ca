package conversation_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/jobs"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// emailFixture is an account with an agent, an email and a web-widget
// inbox, and a contact with an address and one without.
type emailFixture struct {
	st                 *store.Store
	svc                *conversation.Service
	account, agent     int64
	email, web         int64 // inboxes
	withAddr, noAddr   int64 // contacts
	emailConv, webConv int64
	bareConv           int64 // email inbox, contact without address
}

func setupEmail(t *testing.T, d testkit.Dialect) emailFixture {
	t.Helper()
	ctx := context.Background()
	st := testkit.NewStore(t, d)
	if err := jobs.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := st.GrantAppRoles(ctx); err != nil {
		t.Fatal(err)
	}
	jc, err := jobs.New(jobs.Config{Store: st, Policies: jobs.DefaultPolicies()})
	if err != nil {
		t.Fatal(err)
	}
	f := emailFixture{st: st, svc: conversation.NewService(conversation.Options{Jobs: jc, EmailDomain: "desk.example"})}
	err = st.SystemTx(ctx, func(tx *store.Tx) error {
		acc, err := tx.AccountCreate(ctx, "Acme")
		if err != nil {
			return err
		}
		u, err := tx.UserCreate(ctx, store.UserCreateParams{Name: "Ada", Email: testkit.Unique("a") + "@x.test", PasswordHash: "h"})
		if err != nil {
			return err
		}
		f.account, f.agent = acc.ID, u.ID
		_, err = tx.MemberAdd(ctx, acc.ID, store.MemberAddParams{UserID: u.ID, Role: desk.RoleAgent})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Tx(ctx, f.account, func(tx *store.Tx) error {
		for ch, id := range map[desk.ChannelType]*int64{desk.ChannelEmail: &f.email, desk.ChannelWebWidget: &f.web} {
			in, err := tx.InboxCreate(ctx, desk.Inbox{Name: string(ch), ChannelType: ch, Token: testkit.Unique("tok"), HMACSecret: "s"})
			if err != nil {
				return err
			}
			*id = in.ID
		}
		for email, id := range map[string]*int64{" carl@example.com ": &f.withAddr, "": &f.noAddr} {
			ct, err := tx.ContactCreate(ctx, store.ContactParams{Name: "Carl", Email: email})
			if err != nil {
				return err
			}
			*id = ct.ID
		}
		for _, c := range []struct {
			inbox, contact int64
			id             *int64
		}{{f.email, f.withAddr, &f.emailConv}, {f.web, f.withAddr, &f.webConv}, {f.email, f.noAddr, &f.bareConv}} {
			conv, _, err := f.svc.Start(ctx, tx, conversation.StartParams{InboxID: c.inbox, ContactID: c.contact,
				SenderType: desk.SenderContact, SenderID: &c.contact, Content: "Hello"})
			if err != nil {
				return err
			}
			*c.id = conv.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// emailJobs counts the email jobs in the queue.
func (f emailFixture) emailJobs(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.st.DB().QueryRowContext(context.Background(), "SELECT count(*) FROM river_job WHERE kind = 'email_send' AND queue = 'email'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f emailFixture) post(t *testing.T, svc *conversation.Service, p conversation.PostParams) int64 {
	t.Helper()
	var id int64
	err := f.st.Tx(context.Background(), f.account, func(tx *store.Tx) error {
		res, err := svc.Post(context.Background(), tx, p)
		id = res.Message.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f emailFixture) delivery(t *testing.T, msg int64) (store.EmailDelivery, error) {
	t.Helper()
	var d store.EmailDelivery
	err := f.st.ReadTx(context.Background(), f.account, func(tx *store.Tx) (err error) {
		d, err = tx.EmailDeliveryGetByMessage(context.Background(), msg)
		return err
	})
	return d, err
}

// A public agent or AI reply in an email inbox, to a contact with an
// address, records its email and enqueues its job in the reply's own
// transaction; nothing else does.
func TestPostEnqueuesEmailForEmailInboxReplies(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setupEmail(t, d)
		if n := f.emailJobs(t); n != 0 {
			t.Fatalf("%d email jobs for the contacts' first messages", n)
		}

		// A rolled-back reply leaves neither email nor job.
		rollback := errors.New("roll back")
		err := f.st.Tx(ctx, f.account, func(tx *store.Tx) error {
			if _, err := f.svc.Post(ctx, tx, conversation.PostParams{ConversationID: f.emailConv, SenderType: desk.SenderAgent,
				SenderID: &f.agent, Content: "Rolled back"}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) || f.emailJobs(t) != 0 {
			t.Fatalf("a rolled-back reply left %d email jobs (%v)", f.emailJobs(t), err)
		}

		reply := conversation.PostParams{ConversationID: f.emailConv, SenderType: desk.SenderAgent, SenderID: &f.agent,
			Content: "On its way", IdempotencyKey: "k1"}
		msg := f.post(t, f.svc, reply)
		if n := f.emailJobs(t); n != 1 {
			t.Fatalf("%d email jobs after one reply, want 1", n)
		}
		dl, err := f.delivery(t, msg)
		if err != nil || dl.ToAddress != "carl@example.com" || dl.Status != store.EmailPending || dl.ConversationID != f.emailConv ||
			!strings.HasPrefix(dl.MessageIDHeader, "<") || !strings.HasSuffix(dl.MessageIDHeader, "@desk.example>") {
			t.Fatalf("delivery %+v %v", dl, err)
		}
		// A replayed reply (same idempotency key) enqueues nothing more.
		if again := f.post(t, f.svc, reply); again != msg || f.emailJobs(t) != 1 {
			t.Errorf("replay: message %d (first %d), %d email jobs", again, msg, f.emailJobs(t))
		}
		// The AI's public replies go out too.
		ai := f.post(t, f.svc, conversation.PostParams{ConversationID: f.emailConv, SenderType: desk.SenderAI, Content: "Automatic answer"})
		if _, err := f.delivery(t, ai); err != nil || f.emailJobs(t) != 2 {
			t.Errorf("AI reply: %v, %d email jobs", err, f.emailJobs(t))
		}

		for name, p := range map[string]conversation.PostParams{
			"private note":        {ConversationID: f.emailConv, SenderType: desk.SenderAgent, SenderID: &f.agent, Content: "Note", Private: true},
			"contact's message":   {ConversationID: f.emailConv, SenderType: desk.SenderContact, SenderID: &f.withAddr, Content: "Thanks"},
			"system message":      {ConversationID: f.emailConv, SenderType: desk.SenderSystem, Content: "Assigned"},
			"web widget reply":    {ConversationID: f.webConv, SenderType: desk.SenderAgent, SenderID: &f.agent, Content: "Hi"},
			"contact w/o address": {ConversationID: f.bareConv, SenderType: desk.SenderAgent, SenderID: &f.agent, Content: "Hi"},
		} {
			msg := f.post(t, f.svc, p)
			if _, err := f.delivery(t, msg); !desk.IsNotFound(err) {
				t.Errorf("%s: delivery %v, want none", name, err)
			}
		}
		if n := f.emailJobs(t); n != 2 {
			t.Errorf("%d email jobs, want 2", n)
		}

		// Without a job queue nothing is recorded: nothing would send it.
		noJobs := conversation.NewService(conversation.Options{})
		msg = f.post(t, noJobs, conversation.PostParams{ConversationID: f.emailConv, SenderType: desk.SenderAgent, SenderID: &f.agent, Content: "x"})
		if _, err := f.delivery(t, msg); !desk.IsNotFound(err) {
			t.Errorf("without jobs: delivery %v, want none", err)
		}
	})
}
