// Package conversation holds the help desk's intake and workflow use cases:
// starting a conversation, posting a message, changing status and
// assignment. Each runs inside the caller's account transaction and writes
// the events it causes to the outbox in that same transaction, so a
// committed change always has its events and a rolled-back one has none.
package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/desk"
	"hummdesk/internal/events"
	"hummdesk/internal/mail"
	"hummdesk/internal/store"
	"hummdesk/internal/triage"
)

// MaxContentRunes caps a message's length.
const MaxContentRunes = 20000

// Publisher pushes an outbox event once its transaction has committed. It
// is optional: without one, the relay publishes events a moment later.
type Publisher = events.Publisher

// Enqueuer inserts a job in a store transaction.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Options configures the service.
type Options struct {
	Publisher Publisher
	// Jobs, when set, receives in the message's transaction a
	// classification job for every customer message, and an email job for
	// every public agent or AI reply in a conversation of an email inbox
	// whose contact has an address (with its store.EmailDelivery). Without
	// Jobs no email is recorded either: nothing would ever send it.
	Jobs Enqueuer
	// EmailDomain is the domain of the Message-IDs of outgoing email (the
	// From address's; see mail.NewMessageID).
	EmailDomain string
}

// Service runs the use cases.
type Service struct {
	pub         Publisher
	jobs        Enqueuer
	emailDomain string
}

// NewService returns the conversation service.
func NewService(opts Options) *Service {
	return &Service{pub: opts.Publisher, jobs: opts.Jobs, emailDomain: opts.EmailDomain}
}

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

// emit writes an event to the outbox and schedules its publish.
func (s *Service) emit(ctx context.Context, tx *store.Tx, e desk.Event, data any) error {
	return events.Emit(ctx, tx, s.pub, e, data)
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
// agents only. A replayed idempotency key returns the first message and
// emits nothing.
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
	res, err := tx.MessageCreate(ctx, store.MessageCreateParams{
		ConversationID: p.ConversationID, SenderType: p.SenderType, SenderID: p.SenderID,
		Content: p.Content, Private: p.Private, IdempotencyKey: p.IdempotencyKey,
	})
	if err != nil || res.Replayed {
		return res, err
	}
	c := res.Conversation
	if p.SenderType == desk.SenderContact && s.jobs != nil {
		args := triage.ClassifyArgs{AccountID: tx.AccountID(), ConversationID: c.ID, MessageID: res.Message.ID}
		if _, err := s.jobs.InsertTx(ctx, tx, args, &river.InsertOpts{Priority: triage.JobPriority(c.Priority)}); err != nil {
			return res, fmt.Errorf("enqueue classification: %w", err)
		}
	}
	if (p.SenderType == desk.SenderAgent || p.SenderType == desk.SenderAI) && !p.Private && s.jobs != nil {
		if err := s.enqueueEmail(ctx, tx, res.Message, c); err != nil {
			return res, err
		}
	}
	if err := s.emit(ctx, tx, desk.Event{Type: desk.EventMessageCreated, ConversationID: c.ID, Version: c.Version,
		Private: res.Message.Private}, res.Message); err != nil {
		return res, err
	}
	if c.Status != res.PreviousStatus {
		view, err := tx.ConversationGet(ctx, c.ID)
		if err != nil {
			return res, err
		}
		if err := s.emit(ctx, tx, desk.Event{Type: desk.EventConversationStatusChanged, ConversationID: c.ID,
			Version: view.Version}, view); err != nil {
			return res, err
		}
	}
	return res, nil
}

// enqueueEmail records the email of a public reply and enqueues its job in
// tx, when the conversation's inbox is an email inbox and its contact has
// an address; otherwise it does nothing.
func (s *Service) enqueueEmail(ctx context.Context, tx *store.Tx, m desk.Message, c desk.Conversation) error {
	inbox, err := tx.InboxGet(ctx, c.InboxID)
	if err != nil || inbox.ChannelType != desk.ChannelEmail {
		return err
	}
	contact, err := tx.ContactGet(ctx, c.ContactID)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(contact.Email)
	if to == "" {
		return nil
	}
	if _, err := tx.EmailDeliveryCreate(ctx, store.EmailDeliveryCreateParams{ConversationID: c.ID, MessageID: m.ID,
		ToAddress: to, MessageIDHeader: mail.NewMessageID(s.emailDomain)}); err != nil {
		return fmt.Errorf("record email: %w", err)
	}
	args := mail.SendArgs{AccountID: tx.AccountID(), MessageID: m.ID}
	if _, err := s.jobs.InsertTx(ctx, tx, args, &river.InsertOpts{Priority: triage.JobPriority(c.Priority)}); err != nil {
		return fmt.Errorf("enqueue email: %w", err)
	}
	return nil
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
	view, err := tx.ConversationGet(ctx, c.ID)
	if err != nil {
		return c, nil, err
	}
	ev := desk.Event{Type: desk.EventConversationCreated, ConversationID: c.ID, Version: c.Version}
	if c.AssigneeID != nil {
		ev.AgentID = *c.AssigneeID
	}
	if err := s.emit(ctx, tx, ev, view); err != nil {
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

// Update changes status or priority and emits conversation.status_changed
// (status) or conversation.updated (anything else).
func (s *Service) Update(ctx context.Context, tx *store.Tx, id int64, p store.ConversationUpdateParams) (desk.ConversationView, error) {
	before, err := tx.ConversationGet(ctx, id)
	if err != nil {
		return before, err
	}
	view, err := tx.ConversationUpdate(ctx, id, p)
	if err != nil {
		return view, err
	}
	typ := desk.EventConversationUpdated
	if view.Status != before.Status {
		typ = desk.EventConversationStatusChanged
	}
	return view, s.emit(ctx, tx, desk.Event{Type: typ, ConversationID: id, Version: view.Version}, view)
}

// SetLabel puts label on a conversation, removing the labels of replace
// (the other values of its kind), and emits conversation.updated when that
// changed anything, so every list showing the conversation follows.
func (s *Service) SetLabel(ctx context.Context, tx *store.Tx, id int64, label string, replace ...string) (bool, error) {
	changed, err := tx.ConversationSetLabel(ctx, id, label, replace...)
	if err != nil || !changed {
		return changed, err
	}
	view, err := tx.ConversationGet(ctx, id)
	if err != nil {
		return changed, err
	}
	return changed, s.emit(ctx, tx, desk.Event{Type: desk.EventConversationUpdated, ConversationID: id, Version: view.Version}, view)
}

// Assign sets assignee and/or team and emits conversation.assigned, also
// on the new assignee's personal channel.
func (s *Service) Assign(ctx context.Context, tx *store.Tx, id int64, p store.ConversationAssignParams) (desk.ConversationView, error) {
	view, err := tx.ConversationAssign(ctx, id, p)
	if err != nil {
		return view, err
	}
	ev := desk.Event{Type: desk.EventConversationAssigned, ConversationID: id, Version: view.Version}
	if view.AssigneeID != nil {
		ev.AgentID = *view.AssigneeID
	}
	return view, s.emit(ctx, tx, ev, view)
}

// Wake reopens a snoozed conversation whose snooze has ended; it does
// nothing when the conversation was changed meanwhile.
func (s *Service) Wake(ctx context.Context, tx *store.Tx, id int64) error {
	c, err := tx.ConversationGet(ctx, id)
	if err != nil {
		return err
	}
	if c.Status != desk.StatusSnoozed || c.SnoozedUntil == nil || c.SnoozedUntil.After(tx.Now()) {
		return nil
	}
	open := desk.StatusOpen
	_, err = s.Update(ctx, tx, id, store.ConversationUpdateParams{Status: &open})
	return err
}

// Reclassify enqueues a new classification run of the conversation's
// latest customer message, in tx. The earlier results stay.
func (s *Service) Reclassify(ctx context.Context, tx *store.Tx, id int64) (triage.ClassifyArgs, error) {
	view, err := tx.ConversationGet(ctx, id)
	if err != nil {
		return triage.ClassifyArgs{}, err
	}
	msgs, err := tx.MessageList(ctx, store.MessageListParams{ConversationID: id, Newest: true, Limit: 50})
	if err != nil {
		return triage.ClassifyArgs{}, err
	}
	for _, m := range msgs {
		if m.SenderType != desk.SenderContact {
			continue
		}
		if s.jobs == nil {
			return triage.ClassifyArgs{}, errors.New("no job queue to classify with")
		}
		args := triage.ClassifyArgs{AccountID: tx.AccountID(), ConversationID: id, MessageID: m.ID, Run: tx.Now().UnixMicro()}
		if _, err := s.jobs.InsertTx(ctx, tx, args, &river.InsertOpts{Priority: triage.JobPriority(view.Priority)}); err != nil {
			return args, fmt.Errorf("enqueue classification: %w", err)
		}
		return args, nil
	}
	return triage.ClassifyArgs{}, &desk.Error{Kind: desk.KindConflict, Message: "the conversation has no recent customer message to classify"}
}
