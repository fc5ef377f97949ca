package mail

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"hummdesk/internal/desk"
	"hummdesk/internal/jobs"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
)

// SendArgs is the job that emails one message (its store.EmailDelivery).
type SendArgs struct {
	AccountID int64 `json:"account_id"`
	MessageID int64 `json:"message_id"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "email_send" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueEmail, MaxAttempts: jobs.DefaultPolicies()[jobs.QueueEmail].MaxAttempts}
}

// NotConfigured is the reason stored for an email when the server has no
// SMTP server to send it with.
const NotConfigured = "SMTP is not configured (HUMMDESK_SMTP_URL)"

// Outbound is a server's outgoing mail setup.
type Outbound struct {
	// Sender sends; nil when SMTP is not configured (each email's job then
	// fails it with NotConfigured).
	Sender Sender
	// From is the address every email is sent from.
	From string
}

// NewOutbound builds the setup from the configuration (HUMMDESK_SMTP_URL,
// HUMMDESK_EMAIL_FROM, HUMMDESK_SMTP_INSECURE_SKIP_VERIFY); an empty URL
// gives an Outbound without a Sender.
func NewOutbound(smtpURL, from string, insecureSkipVerify bool) (Outbound, error) {
	o := Outbound{From: strings.TrimSpace(from)}
	if smtpURL == "" {
		return o, nil
	}
	s, err := ParseSMTPURL(smtpURL, insecureSkipVerify)
	if err != nil {
		return o, fmt.Errorf("HUMMDESK_SMTP_URL: %w", err)
	}
	if err := checkAddress(o.From); err != nil {
		return o, fmt.Errorf("HUMMDESK_EMAIL_FROM: %w", err)
	}
	o.Sender = s
	return o, nil
}

// Domain is the domain of the Message-IDs of this server's emails: From's.
func (o Outbound) Domain() string { return Domain(o.From) }

// Worker sends the emails of the email queue.
type Worker struct {
	river.WorkerDefaults[SendArgs]
	Store *store.Store
	// Sender sends; nil fails every email with NotConfigured.
	Sender Sender
	// From is the From address.
	From string
	// Limiter and Policy hold the queue's rate across every worker process
	// (a Redis limiter in a cluster); a job over the rate is snoozed.
	Limiter ratelimit.Limiter
	Policy  jobs.Policy
}

// NextRetry implements river.Worker: exponential backoff with jitter.
func (w *Worker) NextRetry(job *river.Job[SendArgs]) time.Time {
	return time.Now().Add(w.Policy.Backoff(job.Attempt))
}

// errSent ends the job of an email already sent.
var errSent = errors.New("already sent")

// stopError is a reason an email cannot be sent; it is recorded on the
// delivery and cancels the job.
type stopError struct{ reason string }

func (e *stopError) Error() string { return e.reason }

// recordTimeout bounds the transaction that records a send's result. It
// runs even when the job's context has ended (a shutdown right after the
// server accepted the email), so that the email is not sent again.
const recordTimeout = 10 * time.Second

// Work implements river.Worker; see the package documentation.
func (w *Worker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	a := job.Args
	var d store.EmailDelivery
	var env Envelope
	var stop *stopError
	err := w.Store.Tx(ctx, a.AccountID, func(tx *store.Tx) (err error) {
		stop = nil
		if d, err = tx.EmailDeliveryGetByMessage(ctx, a.MessageID); err != nil {
			return err
		}
		if d.Status == store.EmailSent {
			return errSent
		}
		env, err = w.envelope(ctx, tx, d)
		if errors.As(err, &stop) {
			// Recorded and committed; the job is cancelled below.
			return tx.EmailDeliveryMarkFailed(ctx, d.ID, stop.reason, false)
		}
		return err
	})
	switch {
	case errors.Is(err, errSent):
		return nil
	case desk.IsNotFound(err):
		// The delivery went with its conversation (deleted).
		return river.JobCancel(fmt.Errorf("email of message %d: %w", a.MessageID, err))
	case err != nil:
		return err
	case stop != nil:
		return river.JobCancel(fmt.Errorf("email of message %d: %w", a.MessageID, stop))
	}
	if err := jobs.Throttle(ctx, w.Limiter, w.Policy, jobs.QueueEmail); err != nil {
		return err
	}
	sendErr := w.Sender.Send(ctx, env)
	var perm *PermanentError
	final := errors.As(sendErr, &perm) || job.Attempt >= job.MaxAttempts
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err = w.Store.Tx(rctx, a.AccountID, func(tx *store.Tx) error {
		switch {
		case sendErr == nil:
			_, err := tx.EmailDeliveryMarkSent(rctx, d.ID)
			return err
		case final:
			return tx.EmailDeliveryMarkFailed(rctx, d.ID, sendErr.Error(), true)
		default:
			return tx.EmailDeliveryAttempt(rctx, d.ID, sendErr.Error())
		}
	})
	switch {
	case sendErr == nil && err != nil:
		// Sent but not recorded: the retry sends it again, with the same
		// Message-ID (see the package documentation).
		return fmt.Errorf("record the sent email of message %d: %w", a.MessageID, err)
	case sendErr == nil:
		return nil
	case perm != nil:
		return river.JobCancel(fmt.Errorf("send email of message %d: %w", a.MessageID, sendErr))
	}
	return fmt.Errorf("send email of message %d: %w", a.MessageID, sendErr)
}

// envelope builds the email of d from the message, its conversation, the
// contact, the inbox and the agent. A *stopError says why it cannot be
// sent.
func (w *Worker) envelope(ctx context.Context, tx *store.Tx, d store.EmailDelivery) (Envelope, error) {
	if w.Sender == nil {
		return Envelope{}, &stopError{NotConfigured}
	}
	m, err := tx.MessageGet(ctx, d.MessageID)
	if desk.IsNotFound(err) {
		return Envelope{}, &stopError{"the message was deleted"}
	}
	if err != nil {
		return Envelope{}, err
	}
	if m.Private {
		return Envelope{}, &stopError{"the message is a private note"}
	}
	conv, err := tx.ConversationGet(ctx, d.ConversationID)
	if desk.IsNotFound(err) {
		return Envelope{}, &stopError{"the conversation was deleted"}
	}
	if err != nil {
		return Envelope{}, err
	}
	contact, err := tx.ContactGet(ctx, conv.ContactID)
	if err != nil {
		return Envelope{}, err
	}
	if strings.TrimSpace(contact.Email) == "" {
		return Envelope{}, &stopError{"the contact has no email address"}
	}
	if err := checkAddress(d.ToAddress); err != nil {
		return Envelope{}, &stopError{"invalid recipient: " + err.Error()}
	}
	if err := checkAddress(w.From); err != nil {
		return Envelope{}, &stopError{"invalid HUMMDESK_EMAIL_FROM: " + err.Error()}
	}
	inbox, err := tx.InboxGet(ctx, conv.InboxID)
	if err != nil {
		return Envelope{}, err
	}
	agent := ""
	if m.SenderType == desk.SenderAgent && m.SenderID != nil {
		member, err := tx.MemberGet(ctx, *m.SenderID)
		if err != nil && !desk.IsNotFound(err) {
			return Envelope{}, err
		}
		agent = member.Name // "" for an agent no longer in the account
	}
	first, err := tx.MessageList(ctx, store.MessageListParams{ConversationID: conv.ID, Limit: 1})
	if err != nil {
		return Envelope{}, err
	}
	subject := m.Content
	if len(first) > 0 {
		subject = first[0].Content
	}
	return Envelope{
		From:      netmail.Address{Name: FromName(agent, inbox.Name), Address: w.From},
		To:        netmail.Address{Name: contact.Name, Address: d.ToAddress},
		Subject:   Subject(conv.DisplayID, subject),
		MessageID: d.MessageIDHeader,
		Date:      m.CreatedAt,
		Body:      m.Content,
	}, nil
}
