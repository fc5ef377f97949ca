// Package conversation holds the help desk's intake and workflow use cases:
// starting a conversation, posting a message, changing status and
// assignment. Each runs inside the caller's account transaction, so the
// work a message triggers can be written in the same transaction as the
// message itself.
package conversation

import (
	"context"
	"strings"
	"unicode/utf8"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// MaxContentRunes caps a message's length.
const MaxContentRunes = 20000

// Service runs the use cases.
type Service struct{}

// NewService returns the conversation service.
func NewService() *Service { return &Service{} }

// ValidateContent checks a message body.
func ValidateContent(content string) error {
	if strings.TrimSpace(content) == "" {
		return desk.Invalid("content", "message content must not be empty")
	}
	if utf8.RuneCountInString(content) > MaxContentRunes {
		return desk.Invalid("content", "message content is longer than %d characters", MaxContentRunes)
	}
	return nil
}

// PostParams describes a message to post.
type PostParams struct {
	ConversationID int64
	SenderType     desk.SenderType
	SenderID       *int64
	Content        string
	Private        bool
	IdempotencyKey string
}

// Post appends a message to a conversation in tx. Private notes are for
// agents only.
func (s *Service) Post(ctx context.Context, tx *store.Tx, p PostParams) (store.MessageCreateResult, error) {
	if err := ValidateContent(p.Content); err != nil {
		return store.MessageCreateResult{}, err
	}
	if p.Private && p.SenderType != desk.SenderAgent {
		return store.MessageCreateResult{}, desk.Invalid("private", "only agents can write private notes")
	}
	if len(p.IdempotencyKey) > 128 {
		return store.MessageCreateResult{}, desk.Invalid("idempotency_key", "idempotency key is longer than 128 characters")
	}
	return tx.MessageCreate(ctx, store.MessageCreateParams{
		ConversationID: p.ConversationID, SenderType: p.SenderType, SenderID: p.SenderID,
		Content: p.Content, Private: p.Private, IdempotencyKey: p.IdempotencyKey,
	})
}

// StartParams describes a new conversation with its first message.
type StartParams struct {
	InboxID        int64
	ContactID      int64
	SenderType     desk.SenderType
	SenderID       *int64
	Content        string
	IdempotencyKey string
	AssigneeID     *int64
	TeamID         *int64
	Priority       desk.Priority
	Status         desk.Status
}

// Start opens a conversation and posts its first message, if any.
func (s *Service) Start(ctx context.Context, tx *store.Tx, p StartParams) (desk.Conversation, *desk.Message, error) {
	if p.Content != "" || p.SenderType == desk.SenderContact {
		if err := ValidateContent(p.Content); err != nil {
			return desk.Conversation{}, nil, err
		}
	}
	c, err := tx.ConversationCreate(ctx, store.ConversationCreateParams{
		InboxID: p.InboxID, ContactID: p.ContactID, AssigneeID: p.AssigneeID, TeamID: p.TeamID,
		Priority: p.Priority, Status: p.Status,
	})
	if err != nil {
		return c, nil, err
	}
	if p.Content == "" {
		return c, nil, nil
	}
	res, err := s.Post(ctx, tx, PostParams{ConversationID: c.ID, SenderType: p.SenderType, SenderID: p.SenderID,
		Content: p.Content, IdempotencyKey: p.IdempotencyKey})
	if err != nil {
		return c, nil, err
	}
	return res.Conversation, &res.Message, nil
}
