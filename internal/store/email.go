package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"hummdesk/internal/desk"
)

// EmailStatus is where an outgoing email stands.
type EmailStatus string

// Email statuses.
const (
	// EmailPending waits for its job (or for a retry of it).
	EmailPending EmailStatus = "pending"
	// EmailSent was accepted by the SMTP server.
	EmailSent EmailStatus = "sent"
	// EmailFailed will not be sent: the job gave up or was cancelled;
	// LastError says why.
	EmailFailed EmailStatus = "failed"
)

// EmailDelivery is the outgoing email of one message: an agent's reply in
// a conversation of an email inbox.
type EmailDelivery struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	MessageID      int64
	// ToAddress is the contact's address when the reply was stored.
	ToAddress string
	// MessageIDHeader is the RFC 5322 Message-ID ("<…@…>"), fixed when the
	// reply is stored, so every send of the message carries the same one.
	MessageIDHeader string
	Status          EmailStatus
	// Attempts counts the sends tried (failed or not).
	Attempts  int
	LastError string
	SentAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

const emailDeliveryCols = `id, account_id, conversation_id, message_id, to_address, message_id_header, status, attempts,
	last_error, sent_at, created_at, updated_at`

func scanEmailDelivery(r row) (EmailDelivery, error) {
	var d EmailDelivery
	err := r.Scan(&d.ID, &d.AccountID, &d.ConversationID, &d.MessageID, &d.ToAddress, &d.MessageIDHeader, &d.Status,
		&d.Attempts, &d.LastError, nullTimeCol{&d.SentAt}, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
	return d, err
}

// EmailDeliveryCreateParams describes the email of a message.
type EmailDeliveryCreateParams struct {
	ConversationID  int64
	MessageID       int64
	ToAddress       string
	MessageIDHeader string
}

// EmailDeliveryCreate records a pending email of a message of the account.
// Call it in the message's transaction, beside the job that sends it. A
// message has at most one: a second is a conflict.
func (t *Tx) EmailDeliveryCreate(ctx context.Context, p EmailDeliveryCreateParams) (EmailDelivery, error) {
	if err := t.mustAccount(); err != nil {
		return EmailDelivery{}, err
	}
	if p.ToAddress == "" || p.MessageIDHeader == "" {
		return EmailDelivery{}, desk.Invalid("to_address", "an email needs a recipient and a Message-ID")
	}
	d, err := scanEmailDelivery(t.queryRow(ctx, `INSERT INTO email_deliveries (account_id, conversation_id, message_id,
		to_address, message_id_header, status, attempts, last_error, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'pending', 0, '', $6, $6) RETURNING `+emailDeliveryCols,
		t.accountID, p.ConversationID, p.MessageID, p.ToAddress, p.MessageIDHeader, t.d.ts(t.now)))
	return d, mapErr(err)
}

// EmailDeliveryGet returns one email of the account.
func (t *Tx) EmailDeliveryGet(ctx context.Context, id int64) (EmailDelivery, error) {
	if err := t.mustAccount(); err != nil {
		return EmailDelivery{}, err
	}
	d, err := scanEmailDelivery(t.queryRow(ctx, "SELECT "+emailDeliveryCols+
		" FROM email_deliveries WHERE account_id = $1 AND id = $2", t.accountID, id))
	return d, scanErr(err, "email delivery")
}

// EmailDeliveryGetByMessage returns the email of a message of the account.
func (t *Tx) EmailDeliveryGetByMessage(ctx context.Context, messageID int64) (EmailDelivery, error) {
	if err := t.mustAccount(); err != nil {
		return EmailDelivery{}, err
	}
	d, err := scanEmailDelivery(t.queryRow(ctx, "SELECT "+emailDeliveryCols+
		" FROM email_deliveries WHERE account_id = $1 AND message_id = $2", t.accountID, messageID))
	return d, scanErr(err, "email delivery")
}

// EmailDeliveryMarkSent records a successful send (one more attempt). It
// changes nothing when the email is already marked sent, and reports
// whether it changed the row.
func (t *Tx) EmailDeliveryMarkSent(ctx context.Context, id int64) (bool, error) {
	if err := t.mustAccount(); err != nil {
		return false, err
	}
	n, err := t.exec(ctx, `UPDATE email_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = $3, updated_at = $3
		WHERE account_id = $1 AND id = $2 AND status <> 'sent'`, t.accountID, id, t.d.ts(t.now))
	return n > 0, err
}

// EmailDeliveryAttempt records a failed send that will be retried: one
// more attempt, and why it failed. A sent email is left alone.
func (t *Tx) EmailDeliveryAttempt(ctx context.Context, id int64, reason string) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	_, err := t.exec(ctx, `UPDATE email_deliveries SET attempts = attempts + 1, last_error = $3, updated_at = $4
		WHERE account_id = $1 AND id = $2 AND status <> 'sent'`, t.accountID, id, errorText(reason), t.d.ts(t.now))
	return err
}

// EmailDeliveryMarkFailed gives an email up with the reason; attempted
// says whether a send was tried (and so counts as an attempt). A sent
// email is left alone.
func (t *Tx) EmailDeliveryMarkFailed(ctx context.Context, id int64, reason string, attempted bool) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	inc := 0
	if attempted {
		inc = 1
	}
	_, err := t.exec(ctx, `UPDATE email_deliveries SET status = 'failed', attempts = attempts + $5, last_error = $3, updated_at = $4
		WHERE account_id = $1 AND id = $2 AND status <> 'sent'`, t.accountID, id, errorText(reason), t.d.ts(t.now), inc)
	return err
}

// maxErrorText bounds a stored error (an SMTP server's answer may be long).
const maxErrorText = 1000

// errorText makes an error message storable: valid UTF-8 without NUL (which
// PostgreSQL refuses in text), at most maxErrorText bytes.
func errorText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= maxErrorText {
		return s
	}
	s = s[:maxErrorText]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
