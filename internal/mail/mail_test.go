package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/jobs"
	"hummdesk/internal/mail"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

const (
	fromAddress  = "support@desk.example"
	firstMessage = "  Where is my order #1234?  \nIt was due on Monday."
)

// fixture is an account with an agent, an email inbox and a conversation
// a contact started there, on a store whose job queue is migrated.
type fixture struct {
	st      *store.Store
	jobs    *jobs.Client
	svc     *conversation.Service
	account int64
	agent   int64
	inbox   int64
	contact int64
	conv    int64
	display int64
}

func setup(t *testing.T, d testkit.Dialect, agentName string) fixture {
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
	f := fixture{st: st, jobs: jc, svc: conversation.NewService(conversation.Options{Jobs: jc, EmailDomain: mail.Domain(fromAddress)})}
	err = st.SystemTx(ctx, func(tx *store.Tx) error {
		acc, err := tx.AccountCreate(ctx, "Acme")
		if err != nil {
			return err
		}
		u, err := tx.UserCreate(ctx, store.UserCreateParams{Name: agentName, Email: testkit.Unique("a") + "@x.test", PasswordHash: "h"})
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
	f.tx(t, func(tx *store.Tx) error {
		in, err := tx.InboxCreate(ctx, desk.Inbox{Name: "Support", ChannelType: desk.ChannelEmail, Token: testkit.Unique("tok"), HMACSecret: "s"})
		if err != nil {
			return err
		}
		ct, err := tx.ContactCreate(ctx, store.ContactParams{Name: "Carl Customer", Email: "carl@example.com"})
		if err != nil {
			return err
		}
		c, _, err := f.svc.Start(ctx, tx, conversation.StartParams{InboxID: in.ID, ContactID: ct.ID, SenderType: desk.SenderContact,
			SenderID: &ct.ID, Content: firstMessage})
		f.inbox, f.contact, f.conv, f.display = in.ID, ct.ID, c.ID, c.DisplayID
		return err
	})
	return f
}

func (f fixture) tx(t *testing.T, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := f.st.Tx(context.Background(), f.account, fn); err != nil {
		t.Fatal(err)
	}
}

// reply posts a public reply of the agent and returns its message id.
func (f fixture) reply(t *testing.T, content string) int64 {
	t.Helper()
	var id int64
	f.tx(t, func(tx *store.Tx) error {
		res, err := f.svc.Post(context.Background(), tx, conversation.PostParams{ConversationID: f.conv, SenderType: desk.SenderAgent,
			SenderID: &f.agent, Content: content})
		id = res.Message.ID
		return err
	})
	return id
}

func (f fixture) delivery(t *testing.T, messageID int64) store.EmailDelivery {
	t.Helper()
	var d store.EmailDelivery
	f.tx(t, func(tx *store.Tx) (err error) {
		d, err = tx.EmailDeliveryGetByMessage(context.Background(), messageID)
		return err
	})
	return d
}

// emailJobs returns the arguments of the email jobs in the queue.
func (f fixture) emailJobs(t *testing.T) []mail.SendArgs {
	t.Helper()
	argsText := "args::text"
	if f.st.Dialect() == store.SQLite {
		argsText = "json(args)" // River keeps SQLite's binary JSON
	}
	rows, err := f.st.DB().QueryContext(context.Background(), "SELECT queue, "+argsText+" FROM river_job WHERE kind = 'email_send' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []mail.SendArgs
	for rows.Next() {
		var queue, raw string
		if err := rows.Scan(&queue, &raw); err != nil {
			t.Fatal(err)
		}
		if queue != jobs.QueueEmail {
			t.Errorf("email job in queue %q", queue)
		}
		var a mail.SendArgs
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (f fixture) worker(s *sink) *mail.Worker {
	w := &mail.Worker{Store: f.st, From: fromAddress, Limiter: ratelimit.NewMemory(nil), Policy: jobs.DefaultPolicies()[jobs.QueueEmail]}
	if s != nil {
		smtp, err := mail.ParseSMTPURL(s.URL(), false)
		if err != nil {
			panic(err)
		}
		w.Sender = smtp
	}
	return w
}

func (f fixture) job(messageID int64, attempt int) *river.Job[mail.SendArgs] {
	return &river.Job[mail.SendArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 5},
		Args: mail.SendArgs{AccountID: f.account, MessageID: messageID}}
}

// parsed is a received email, decoded.
type parsed struct {
	msg     *netmail.Message
	from    *netmail.Address
	to      []*netmail.Address
	subject string
	body    string
}

func parse(t *testing.T, r received) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("received email does not parse: %v\n%s", err, r.Data)
	}
	p := parsed{msg: m}
	if p.from, err = netmail.ParseAddress(m.Header.Get("From")); err != nil {
		t.Fatalf("From %q: %v", m.Header.Get("From"), err)
	}
	if p.to, err = m.Header.AddressList("To"); err != nil {
		t.Fatalf("To %q: %v", m.Header.Get("To"), err)
	}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject %q: %v", m.Header.Get("Subject"), err)
	}
	if te := m.Header.Get("Content-Transfer-Encoding"); te != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding %q", te)
	}
	if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	p.body = strings.ReplaceAll(string(body), "\r\n", "\n")
	return p
}

// An agent's reply in an email inbox enqueues one email job in the reply's
// transaction; the worker sends exactly one email, with the contact as
// recipient, the agent via the inbox as sender, the conversation's subject,
// the delivery's Message-ID and the reply as body; running the job again
// sends nothing more.
func TestReplyIsEmailedOnce(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d, "Ada Agentić")
		content := "Hello Carl,\nit ships today. Ünïcödé — and a very long line that quoted-printable has to wrap because it goes on and on past seventy-six characters.\n.\nA line with only a dot above.\n"
		msg := f.reply(t, content)
		if got := f.emailJobs(t); len(got) != 1 || got[0] != (mail.SendArgs{AccountID: f.account, MessageID: msg}) {
			t.Fatalf("email jobs %+v, want one for message %d", got, msg)
		}
		dl := f.delivery(t, msg)
		if dl.Status != store.EmailPending || dl.ToAddress != "carl@example.com" || dl.Attempts != 0 ||
			!strings.HasSuffix(dl.MessageIDHeader, "@desk.example>") || dl.ConversationID != f.conv {
			t.Fatalf("delivery %+v", dl)
		}

		s := newSink(t)
		w := f.worker(s)
		if err := w.Work(ctx, f.job(msg, 1)); err != nil {
			t.Fatal(err)
		}
		got := s.messages()
		if len(got) != 1 {
			t.Fatalf("the sink received %d emails, want 1", len(got))
		}
		r := got[0]
		if r.From != fromAddress || len(r.To) != 1 || r.To[0] != "carl@example.com" {
			t.Errorf("envelope MAIL FROM %q RCPT TO %q", r.From, r.To)
		}
		if id, user, pass := authPlain(r.Auth); id != "" || user != "desk" || pass != "s3cret" {
			t.Errorf("AUTH PLAIN %q %q %q, want the URL's user and password", id, user, pass)
		}
		p := parse(t, r)
		if p.from.Name != "Ada Agentić via Support" || p.from.Address != fromAddress {
			t.Errorf("From %q <%s>", p.from.Name, p.from.Address)
		}
		if len(p.to) != 1 || p.to[0].Address != "carl@example.com" || p.to[0].Name != "Carl Customer" {
			t.Errorf("To %v", p.to)
		}
		if want := "Re: [#" + strconv.FormatInt(f.display, 10) + "] Where is my order #1234?"; p.subject != want {
			t.Errorf("Subject %q, want %q", p.subject, want)
		}
		if p.msg.Header.Get("Message-ID") != dl.MessageIDHeader {
			t.Errorf("Message-ID %q, want the delivery's %q", p.msg.Header.Get("Message-ID"), dl.MessageIDHeader)
		}
		if _, err := p.msg.Header.Date(); err != nil || p.msg.Header.Get("MIME-Version") != "1.0" {
			t.Errorf("Date %q (%v), MIME-Version %q", p.msg.Header.Get("Date"), err, p.msg.Header.Get("MIME-Version"))
		}
		if p.body != content {
			t.Errorf("body %q, want %q", p.body, content)
		}
		for _, line := range strings.Split(string(r.Data), "\n") {
			if len(line) > 78 {
				t.Errorf("line longer than 78 characters: %q", line)
			}
		}
		dl = f.delivery(t, msg)
		if dl.Status != store.EmailSent || dl.Attempts != 1 || dl.SentAt == nil {
			t.Errorf("after the send: %+v", dl)
		}

		// A retried (or rescued) job of a sent email sends nothing.
		for range 2 {
			if err := w.Work(ctx, f.job(msg, 2)); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(s.messages()); n != 1 {
			t.Errorf("the sink received %d emails after the job ran again, want 1", n)
		}
		if again := f.delivery(t, msg); again.Attempts != 1 || !again.SentAt.Equal(*dl.SentAt) {
			t.Errorf("running the job again changed the delivery: %+v", again)
		}
	})
}

// A server that answers 451 to the message fails the attempt: the job
// returns an error (River retries it), the delivery records the error and
// the attempt and stays pending; the last attempt fails it for good. A
// 5xx answer to the recipient cancels at once.
func TestServerFailureIsRetried(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d, "Ada")
		msg := f.reply(t, "We are on it.")
		s := newSink(t)
		s.set(func(s *sink) { s.dataReply = "451 4.3.0 mailbox busy, try again later" })
		w := f.worker(s)
		err := w.Work(ctx, f.job(msg, 1))
		var cancel *rivertype.JobCancelError
		var snooze *rivertype.JobSnoozeError
		if err == nil || errors.As(err, &cancel) || errors.As(err, &snooze) || !strings.Contains(err.Error(), "451") {
			t.Fatalf("451 to DATA: %v, want a plain error (retried)", err)
		}
		dl := f.delivery(t, msg)
		if dl.Status != store.EmailPending || dl.Attempts != 1 || !strings.Contains(dl.LastError, "451") || !strings.Contains(dl.LastError, "mailbox busy") {
			t.Fatalf("after a 451: %+v", dl)
		}
		if next := w.NextRetry(f.job(msg, 1)); next.Before(time.Now()) {
			t.Errorf("next retry %v is in the past", next)
		}
		// The server recovers: the retry sends, once.
		s.set(func(s *sink) { s.dataReply = "" })
		if err := w.Work(ctx, f.job(msg, 2)); err != nil {
			t.Fatal(err)
		}
		if dl := f.delivery(t, msg); dl.Status != store.EmailSent || dl.Attempts != 2 || len(s.messages()) != 1 {
			t.Fatalf("after the retry: %+v, %d emails", dl, len(s.messages()))
		}

		// The last attempt fails the email for good.
		msg = f.reply(t, "Second reply.")
		s.set(func(s *sink) { s.dataReply = "421 4.4.2 closing" })
		if err := w.Work(ctx, f.job(msg, 5)); err == nil || errors.As(err, &cancel) {
			t.Fatalf("last attempt: %v, want an error", err)
		}
		if dl := f.delivery(t, msg); dl.Status != store.EmailFailed || dl.Attempts != 1 || !strings.Contains(dl.LastError, "421") {
			t.Errorf("after the last attempt: %+v", dl)
		}

		// A refused recipient is final: cancelled, failed.
		msg = f.reply(t, "Third reply.")
		s.set(func(s *sink) { s.dataReply, s.rcptReply = "", "550 5.1.1 no such user" })
		if err := w.Work(ctx, f.job(msg, 1)); !errors.As(err, &cancel) {
			t.Fatalf("550 to RCPT: %v, want a cancel", err)
		}
		if dl := f.delivery(t, msg); dl.Status != store.EmailFailed || !strings.Contains(dl.LastError, "550") || !strings.Contains(dl.LastError, "no such user") {
			t.Errorf("after a 550: %+v", dl)
		}
		if n := len(s.messages()); n != 1 {
			t.Errorf("the sink holds %d emails, want 1", n)
		}
	})
}

// Emails that cannot be sent are cancelled with the reason recorded: no
// SMTP server configured, the contact's address removed, the message gone.
func TestUnsendableEmailsAreCancelled(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d, "Ada")
		var cancel *rivertype.JobCancelError

		msg := f.reply(t, "No server.")
		if err := f.worker(nil).Work(ctx, f.job(msg, 1)); !errors.As(err, &cancel) {
			t.Fatalf("no SMTP: %v, want a cancel", err)
		}
		if dl := f.delivery(t, msg); dl.Status != store.EmailFailed || dl.LastError != mail.NotConfigured || dl.Attempts != 0 {
			t.Errorf("no SMTP: %+v", dl)
		}

		s := newSink(t)
		msg = f.reply(t, "Address removed.")
		f.tx(t, func(tx *store.Tx) error {
			empty := ""
			_, err := tx.ContactUpdate(ctx, f.contact, store.ContactUpdateParams{Email: &empty})
			return err
		})
		if err := f.worker(s).Work(ctx, f.job(msg, 1)); !errors.As(err, &cancel) {
			t.Fatalf("no address: %v, want a cancel", err)
		}
		if dl := f.delivery(t, msg); dl.Status != store.EmailFailed || !strings.Contains(dl.LastError, "no email address") {
			t.Errorf("no address: %+v", dl)
		}

		f.tx(t, func(tx *store.Tx) error {
			addr := "carl@example.com"
			_, err := tx.ContactUpdate(ctx, f.contact, store.ContactUpdateParams{Email: &addr})
			return err
		})
		msg = f.reply(t, "Deleted.")
		if _, err := f.st.DB().ExecContext(ctx, "DELETE FROM messages WHERE id = "+strconv.FormatInt(msg, 10)); err != nil {
			t.Fatal(err)
		}
		if err := f.worker(s).Work(ctx, f.job(msg, 1)); !errors.As(err, &cancel) {
			t.Fatalf("deleted message: %v, want a cancel", err)
		}
		if dl := f.delivery(t, msg); dl.Status != store.EmailFailed || !strings.Contains(dl.LastError, "deleted") {
			t.Errorf("deleted message: %+v", dl)
		}
		// A job whose delivery is gone (its conversation deleted) is
		// cancelled too.
		if err := f.worker(s).Work(ctx, f.job(999999, 1)); !errors.As(err, &cancel) {
			t.Errorf("no delivery: %v, want a cancel", err)
		}
		if n := len(s.messages()); n != 0 {
			t.Errorf("the sink received %d emails, want none", n)
		}
	})
}

// CR and LF in the agent's name, the inbox's name, the contact's name and
// the subject never start a header of their own.
func TestHeaderInjectionIsNeutralised(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d, "Eve\r\nBcc: agent@evil.test")
		f.tx(t, func(tx *store.Tx) error {
			name := "Support\r\nX-Injected: inbox"
			if _, err := tx.InboxUpdate(ctx, f.inbox, store.InboxUpdateParams{Name: &name}); err != nil {
				return err
			}
			cname := "Carl\nCc: contact@evil.test"
			_, err := tx.ContactUpdate(ctx, f.contact, store.ContactUpdateParams{Name: &cname})
			return err
		})
		// The subject comes from the first message's first line.
		if _, err := f.st.DB().ExecContext(ctx, "UPDATE messages SET content = 'Order late\rBcc: subject@evil.test\nsecond line' WHERE conversation_id = "+
			strconv.FormatInt(f.conv, 10)); err != nil {
			t.Fatal(err)
		}
		msg := f.reply(t, "Reply body.\r\nBcc: body@evil.test is just text here")
		s := newSink(t)
		if err := f.worker(s).Work(ctx, f.job(msg, 1)); err != nil {
			t.Fatal(err)
		}
		got := s.messages()
		if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "carl@example.com" {
			t.Fatalf("the sink received %+v", got)
		}
		p := parse(t, got[0])
		for _, h := range []string{"Bcc", "Cc", "X-Injected"} {
			if v := p.msg.Header[h]; len(v) > 0 {
				t.Errorf("injected header %s: %q", h, v)
			}
		}
		if p.from.Name != "Eve Bcc: agent@evil.test via Support X-Injected: inbox" {
			t.Errorf("From name %q", p.from.Name)
		}
		if len(p.to) != 1 || p.to[0].Name != "Carl Cc: contact@evil.test" {
			t.Errorf("To %v", p.to)
		}
		if !strings.HasSuffix(p.subject, "] Order late Bcc: subject@evil.test") {
			t.Errorf("Subject %q", p.subject)
		}
		if !strings.Contains(p.body, "Bcc: body@evil.test is just text here") {
			t.Errorf("body %q", p.body)
		}
	})
}

// Over the queue's rate the job is snoozed, not failed, and sends nothing.
func TestRateLimitSnoozes(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d, "Ada")
		first, second := f.reply(t, "One."), f.reply(t, "Two.")
		s := newSink(t)
		w := f.worker(s)
		w.Policy.Rate, w.Policy.Per = 1, time.Hour
		if err := w.Work(ctx, f.job(first, 1)); err != nil {
			t.Fatal(err)
		}
		var snooze *rivertype.JobSnoozeError
		if err := w.Work(ctx, f.job(second, 1)); !errors.As(err, &snooze) || snooze.Duration <= 0 {
			t.Fatalf("over the rate: %v, want a snooze", err)
		}
		if dl := f.delivery(t, second); dl.Status != store.EmailPending || dl.Attempts != 0 || dl.LastError != "" {
			t.Errorf("snoozed email: %+v", dl)
		}
		if n := len(s.messages()); n != 1 {
			t.Errorf("the sink received %d emails, want 1", n)
		}
	})
}
