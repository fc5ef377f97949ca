package store

import (
	"context"

	"hummdesk/internal/desk"
)

const inboxCols = "id, account_id, name, channel_type, token, hmac_secret, hmac_mandatory, greeting, " +
	"prechat_enabled, prechat_require_email, prechat_message, created_at"

func scanInbox(row interface{ Scan(...any) error }) (desk.Inbox, error) {
	var in desk.Inbox
	var prechat bool
	err := row.Scan(&in.ID, &in.AccountID, &in.Name, &in.ChannelType, &in.Token, &in.HMACSecret, &in.HMACMandatory,
		&in.Greeting, &prechat, &in.PrechatRequireEmail, &in.PrechatMessage, timeCol{&in.CreatedAt})
	in.PrechatDisabled = !prechat
	return in, err
}

// InboxCreate adds an inbox. Token and HMACSecret must be fresh random
// strings.
func (t *Tx) InboxCreate(ctx context.Context, in desk.Inbox) (desk.Inbox, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Inbox{}, err
	}
	out, err := scanInbox(t.queryRow(ctx, `INSERT INTO inboxes (account_id, name, channel_type, token, hmac_secret, hmac_mandatory, greeting,
		prechat_enabled, prechat_require_email, prechat_message, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+inboxCols,
		t.accountID, in.Name, string(in.ChannelType), in.Token, in.HMACSecret, in.HMACMandatory, in.Greeting,
		in.PrechatEnabled(), in.PrechatRequireEmail, in.PrechatMessage, t.d.ts(t.now)))
	return out, mapErr(err)
}

// InboxGet returns one inbox of the account.
func (t *Tx) InboxGet(ctx context.Context, id int64) (desk.Inbox, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Inbox{}, err
	}
	in, err := scanInbox(t.queryRow(ctx, "SELECT "+inboxCols+" FROM inboxes WHERE account_id = $1 AND id = $2", t.accountID, id))
	return in, scanErr(err, "inbox")
}

// InboxGetByToken resolves a widget token to its inbox (SystemTx).
func (t *Tx) InboxGetByToken(ctx context.Context, token string) (desk.Inbox, error) {
	if err := t.mustSystem(); err != nil {
		return desk.Inbox{}, err
	}
	in, err := scanInbox(t.queryRow(ctx, "SELECT "+inboxCols+" FROM inboxes WHERE token = $1", token))
	return in, scanErr(err, "inbox")
}

// InboxList lists the account's inboxes.
func (t *Tx) InboxList(ctx context.Context) ([]desk.Inbox, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, "SELECT "+inboxCols+" FROM inboxes WHERE account_id = $1 ORDER BY id", t.accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Inbox{}
	for rows.Next() {
		in, err := scanInbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// InboxUpdateParams changes an inbox; nil fields stay.
type InboxUpdateParams struct {
	Name                *string
	Greeting            *string
	HMACMandatory       *bool
	PrechatEnabled      *bool
	PrechatRequireEmail *bool
	PrechatMessage      *string
}

// InboxUpdate changes an inbox.
func (t *Tx) InboxUpdate(ctx context.Context, id int64, p InboxUpdateParams) (desk.Inbox, error) {
	in, err := t.InboxGet(ctx, id)
	if err != nil {
		return in, err
	}
	if p.Name != nil {
		in.Name = *p.Name
	}
	if p.Greeting != nil {
		in.Greeting = *p.Greeting
	}
	if p.HMACMandatory != nil {
		in.HMACMandatory = *p.HMACMandatory
	}
	if p.PrechatEnabled != nil {
		in.PrechatDisabled = !*p.PrechatEnabled
	}
	if p.PrechatRequireEmail != nil {
		in.PrechatRequireEmail = *p.PrechatRequireEmail
	}
	if p.PrechatMessage != nil {
		in.PrechatMessage = *p.PrechatMessage
	}
	_, err = t.exec(ctx, `UPDATE inboxes SET name = $3, greeting = $4, hmac_mandatory = $5,
		prechat_enabled = $6, prechat_require_email = $7, prechat_message = $8 WHERE account_id = $1 AND id = $2`,
		t.accountID, id, in.Name, in.Greeting, in.HMACMandatory, in.PrechatEnabled(), in.PrechatRequireEmail, in.PrechatMessage)
	return in, err
}

// InboxDelete deletes an inbox with its conversations.
func (t *Tx) InboxDelete(ctx context.Context, id int64) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	res, err := t.exec(ctx, "DELETE FROM inboxes WHERE account_id = $1 AND id = $2", t.accountID, id)
	return affectedOne(res, err, "inbox")
}
