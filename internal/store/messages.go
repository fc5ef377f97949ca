package store

import (
	"context"

	"hummdesk/internal/desk"
)

const messageCols = "id, account_id, conversation_id, sender_type, sender_id, content, private, idempotency_key, created_at"

func scanMessage(row interface{ Scan(...any) error }) (desk.Message, error) {
	var m desk.Message
	err := row.Scan(&m.ID, &m.AccountID, &m.ConversationID, &m.SenderType, nullInt64{&m.SenderID}, &m.Content, &m.Private,
		nullString{&m.IdempotencyKey}, timeCol{&m.CreatedAt})
	return m, err
}

// MessageCreateParams describes a new message.
type MessageCreateParams struct {
	ConversationID int64
	SenderType     desk.SenderType
	SenderID       *int64
	Content        string
	Private        bool
	// IdempotencyKey, when set, makes a retry return the first message
	// instead of storing a second one.
	IdempotencyKey string
}

// MessageCreateResult is the stored message and whether it already existed
// (an idempotent replay).
type MessageCreateResult struct {
	Message      desk.Message
	Replayed     bool
	Conversation desk.Conversation
	// PreviousStatus is the conversation's status before the message (a
	// customer's message reopens a resolved or snoozed conversation).
	PreviousStatus desk.Status
}

// MessageCreate appends a message to a conversation of the account, moves the
// conversation's last activity, and reopens it when a contact writes into a
// resolved or snoozed conversation.
func (t *Tx) MessageCreate(ctx context.Context, p MessageCreateParams) (MessageCreateResult, error) {
	conv, err := t.conversationForUpdate(ctx, p.ConversationID)
	if err != nil {
		return MessageCreateResult{}, err
	}
	var key any
	if p.IdempotencyKey != "" {
		key = p.IdempotencyKey
	}
	m := desk.Message{AccountID: t.accountID, ConversationID: conv.ID, SenderType: p.SenderType, SenderID: p.SenderID,
		Content: p.Content, Private: p.Private, IdempotencyKey: p.IdempotencyKey, CreatedAt: t.now}
	err = t.queryRow(ctx, `INSERT INTO messages (account_id, conversation_id, sender_type, sender_id, content, private, idempotency_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (conversation_id, idempotency_key) DO NOTHING RETURNING id`,
		t.accountID, conv.ID, string(p.SenderType), int64Arg(p.SenderID), p.Content, p.Private, key, t.d.ts(t.now)).Scan(&m.ID)
	if isNoRows(err) {
		prev, err := scanMessage(t.queryRow(ctx, "SELECT "+messageCols+" FROM messages WHERE account_id = $1 AND conversation_id = $2 AND idempotency_key = $3",
			t.accountID, conv.ID, p.IdempotencyKey))
		if err != nil {
			return MessageCreateResult{}, scanErr(err, "message")
		}
		return MessageCreateResult{Message: prev, Replayed: true, Conversation: conv}, nil
	}
	if err != nil {
		return MessageCreateResult{}, mapErr(err)
	}
	status, previous := conv.Status, conv.Status
	if p.SenderType == desk.SenderContact && (status == desk.StatusResolved || status == desk.StatusSnoozed) {
		status = desk.StatusOpen
	}
	var snoozed any = t.d.tsPtr(conv.SnoozedUntil)
	if status != desk.StatusSnoozed {
		snoozed = nil
	}
	if _, err := t.exec(ctx, `UPDATE conversations SET last_message_id = $3, last_activity_at = $4, updated_at = $4,
		status = $5, snoozed_until = $6, version = version + 1 WHERE account_id = $1 AND id = $2`,
		t.accountID, conv.ID, m.ID, t.d.ts(t.now), string(status), snoozed); err != nil {
		return MessageCreateResult{}, err
	}
	conv.Status, conv.LastActivityAt, conv.UpdatedAt, conv.Version = status, t.now, t.now, conv.Version+1
	if status != desk.StatusSnoozed {
		conv.SnoozedUntil = nil
	}
	return MessageCreateResult{Message: m, Conversation: conv, PreviousStatus: previous}, nil
}

// MessageListParams pages a conversation's messages by id.
type MessageListParams struct {
	ConversationID int64
	// AfterID and BeforeID bound the page (exclusive); zero means unbounded.
	AfterID  int64
	BeforeID int64
	// Newest lists newest first (for loading a thread from its end).
	Newest bool
	// IncludePrivate includes agents' private notes.
	IncludePrivate bool
	Limit          int
}

// MessageList lists messages of a conversation of the account. A
// conversation outside the account is not found, like a missing one.
func (t *Tx) MessageList(ctx context.Context, p MessageListParams) ([]desk.Message, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	var one int
	if err := t.queryRow(ctx, "SELECT 1 FROM conversations WHERE account_id = $1 AND id = $2",
		t.accountID, p.ConversationID).Scan(&one); err != nil {
		return nil, scanErr(err, "conversation")
	}
	var a args
	q := "SELECT " + messageCols + " FROM messages WHERE account_id = " + a.add(t.accountID) +
		" AND conversation_id = " + a.add(p.ConversationID)
	if p.AfterID > 0 {
		q += " AND id > " + a.add(p.AfterID)
	}
	if p.BeforeID > 0 {
		q += " AND id < " + a.add(p.BeforeID)
	}
	if !p.IncludePrivate {
		q += " AND private = " + a.add(false)
	}
	if p.Newest {
		q += " ORDER BY id DESC"
	} else {
		q += " ORDER BY id"
	}
	q += " LIMIT " + a.add(p.Limit)
	rows, err := t.query(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
