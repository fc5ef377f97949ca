package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// ConversationParam names a conversation of the account in the path.
type ConversationParam struct {
	AccountParam
	ConversationID int64 `path:"conversation_id"`
}

// ConversationFilter is the query filter the list and its counts share.
type ConversationFilter struct {
	Status    string `query:"status" enum:"open,pending,snoozed,resolved,all" doc:"Default: all statuses"`
	TeamID    int64  `query:"team_id" minimum:"0"`
	InboxID   int64  `query:"inbox_id" minimum:"0"`
	ContactID int64  `query:"contact_id" minimum:"0"`
	Priority  string `query:"priority" enum:"urgent,high,normal,low,none"`
	Category  string `query:"category" enum:"billing,technical,sales,general" doc:"The AI's category (a label of the conversation)"`
	Label     string `query:"label" maxLength:"64" doc:"Conversations carrying this label"`
	Q         string `query:"q" maxLength:"200" doc:"Matches the contact's name, email or phone, or the display id"`
}

// params turns the filter into store parameters.
func (f ConversationFilter) params() (store.ConversationListParams, error) {
	p := store.ConversationListParams{Priority: desk.Priority(f.Priority), TeamID: f.TeamID, InboxID: f.InboxID,
		ContactID: f.ContactID, Query: strings.TrimSpace(f.Q), Label: f.Label}
	if f.Status != "all" {
		p.Status = desk.Status(f.Status)
	}
	if f.Label != "" && !desk.ValidLabel(f.Label) {
		return p, desk.Invalid("label", "label %q: use a-z, 0-9, '_', '-' and ':' (at most 64)", f.Label)
	}
	if f.Category != "" {
		if f.Label != "" && f.Label != f.Category {
			return p, desk.Invalid("category", "give category or label, not both")
		}
		p.Label = f.Category
	}
	return p, nil
}

type listConversationsInput struct {
	AccountParam
	ConversationFilter
	AssigneeID int64  `query:"assignee_id" minimum:"0"`
	Assignee   string `query:"assignee" enum:"me,unassigned,any" doc:"me: mine; unassigned: nobody's"`
	Cursor     string `query:"cursor" maxLength:"200"`
	Limit      int    `query:"limit" doc:"Page size, clamped to 1..100 (default 25)"`
}

func (s *Server) listConversationsHandler(ctx context.Context, in *listConversationsInput) (*out[page[desk.ConversationView]], error) {
	limit := clampLimit(in.Limit)
	p, err := in.params()
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	p.AssigneeID, p.Limit = in.AssigneeID, limit+1
	if in.Cursor != "" {
		v, err := decodeCursor(in.Cursor, 2)
		if err != nil {
			return nil, s.toProblem(ctx, err)
		}
		p.After = &store.ConversationCursor{LastActivityAt: timeOfMicros(v[0]), ID: v[1]}
	}
	var res []desk.ConversationView
	err = s.tenantRead(ctx, func(tx *store.Tx, m member) (err error) {
		switch in.Assignee {
		case "me":
			p.AssigneeID = m.UserID
		case "unassigned":
			p.Unassigned = true
		}
		res, err = tx.ConversationList(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	pg := page[desk.ConversationView]{Data: res}
	if len(res) > limit {
		pg.Data = res[:limit]
		last := res[limit-1]
		pg.NextCursor = encodeCursor(microsOf(last.LastActivityAt), last.ID)
	}
	return reply(pg), nil
}

type conversationCountsInput struct {
	AccountParam
	ConversationFilter
}

func (s *Server) conversationCountsHandler(ctx context.Context, in *conversationCountsInput) (*out[store.ConversationCounts], error) {
	p, err := in.params()
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var res store.ConversationCounts
	err = s.tenantRead(ctx, func(tx *store.Tx, m member) (err error) {
		res, err = tx.ConversationCounts(ctx, p, m.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type createConversationInput struct {
	AccountParam
	Body struct {
		InboxID    int64         `json:"inbox_id" minimum:"1"`
		ContactID  int64         `json:"contact_id" minimum:"1"`
		AssigneeID *int64        `json:"assignee_id,omitempty" minimum:"1"`
		TeamID     *int64        `json:"team_id,omitempty" minimum:"1"`
		Status     desk.Status   `json:"status,omitempty" enum:"open,pending,resolved" doc:"Default open; to snooze, PATCH with snoozed_until"`
		Priority   desk.Priority `json:"priority,omitempty" enum:"urgent,high,normal,low,none"`
		Message    *struct {
			Content string `json:"content" maxLength:"20000"`
		} `json:"message,omitempty" doc:"First message, sent by the calling agent"`
	}
}

func (s *Server) createConversationHandler(ctx context.Context, in *createConversationInput) (*out[desk.ConversationView], error) {
	b := in.Body
	var res desk.ConversationView
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) error {
		p := conversation.StartParams{InboxID: b.InboxID, ContactID: b.ContactID, AssigneeID: b.AssigneeID, TeamID: b.TeamID,
			Status: b.Status, Priority: b.Priority, SenderType: desk.SenderAgent, SenderID: &m.UserID}
		if b.Message != nil {
			if err := conversation.ValidateContent(b.Message.Content); err != nil {
				return desk.Invalid("message.content", "%s", err.(*desk.Error).Message)
			}
			p.Content = b.Message.Content
		}
		c, _, err := s.convs.Start(ctx, tx, p)
		if err != nil {
			return err
		}
		res, err = tx.ConversationGet(ctx, c.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

func (s *Server) getConversationHandler(ctx context.Context, in *ConversationParam) (*out[desk.ConversationView], error) {
	var res desk.ConversationView
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.ConversationGet(ctx, in.ConversationID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type updateConversationInput struct {
	ConversationParam
	Body struct {
		Status       *desk.Status   `json:"status,omitempty" enum:"open,pending,snoozed,resolved"`
		Priority     *desk.Priority `json:"priority,omitempty" enum:"urgent,high,normal,low,none"`
		SnoozedUntil *time.Time     `json:"snoozed_until,omitempty" doc:"With status snoozed: when to reopen"`
	}
}

func (s *Server) updateConversationHandler(ctx context.Context, in *updateConversationInput) (*out[desk.ConversationView], error) {
	b := in.Body
	if b.SnoozedUntil != nil && (b.Status == nil || *b.Status != desk.StatusSnoozed) {
		return nil, s.toProblem(ctx, desk.Invalid("snoozed_until", "snoozed_until needs status snoozed"))
	}
	if b.Status != nil && *b.Status == desk.StatusSnoozed && b.SnoozedUntil == nil {
		return nil, s.toProblem(ctx, desk.Invalid("snoozed_until", "status snoozed needs snoozed_until, the time to reopen"))
	}
	var res desk.ConversationView
	err := s.tenant(ctx, true, func(tx *store.Tx, _ member) (err error) {
		if b.SnoozedUntil != nil && !b.SnoozedUntil.After(tx.Now()) {
			return desk.Invalid("snoozed_until", "snoozed_until must be in the future")
		}
		res, err = s.convs.Update(ctx, tx, in.ConversationID, store.ConversationUpdateParams{Status: b.Status,
			Priority: b.Priority, SnoozedUntil: b.SnoozedUntil})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type assignInput struct {
	ConversationParam
	Body struct {
		AssigneeID Nullable[int64] `json:"assignee_id,omitempty" doc:"Agent's user id; null unassigns"`
		TeamID     Nullable[int64] `json:"team_id,omitempty" doc:"Team id; null removes the team"`
	}
}

func (s *Server) assignConversationHandler(ctx context.Context, in *assignInput) (*out[desk.ConversationView], error) {
	b := in.Body
	if !b.AssigneeID.Set && !b.TeamID.Set {
		return nil, s.toProblem(ctx, desk.Invalid("assignee_id", "give assignee_id, team_id or both"))
	}
	var res desk.ConversationView
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) (err error) {
		res, err = s.convs.Assign(ctx, tx, in.ConversationID, store.ConversationAssignParams{
			SetAssignee: b.AssigneeID.Set, AssigneeID: b.AssigneeID.Value, SetTeam: b.TeamID.Set, TeamID: b.TeamID.Value,
			Source: desk.AssignedByAgent, ActorID: &m.UserID})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type listMessagesInput struct {
	ConversationParam
	Order  string `query:"order" enum:"asc,desc" doc:"asc (default): oldest first; desc: newest first"`
	Cursor string `query:"cursor" maxLength:"200"`
	Limit  int    `query:"limit" doc:"Page size, clamped to 1..100 (default 25)"`
}

func (s *Server) listMessagesHandler(ctx context.Context, in *listMessagesInput) (*out[page[desk.Message]], error) {
	p, limit, err := messagePage(in.Order, in.Cursor, in.Limit)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	p.ConversationID, p.IncludePrivate = in.ConversationID, true
	var res []desk.Message
	err = s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		if _, err := tx.ConversationGet(ctx, in.ConversationID); err != nil {
			return err
		}
		res, err = tx.MessageList(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(messagesPage(res, limit)), nil
}

func messagePage(order, cursor string, limit int) (store.MessageListParams, int, error) {
	limit = clampLimit(limit)
	p := store.MessageListParams{Newest: order == "desc", Limit: limit + 1}
	if cursor != "" {
		v, err := decodeCursor(cursor, 1)
		if err != nil {
			return p, 0, err
		}
		if p.Newest {
			p.BeforeID = v[0]
		} else {
			p.AfterID = v[0]
		}
	}
	return p, limit, nil
}

func messagesPage(res []desk.Message, limit int) page[desk.Message] {
	pg := page[desk.Message]{Data: res}
	if len(res) > limit {
		pg.Data = res[:limit]
		pg.NextCursor = encodeCursor(res[limit-1].ID)
	}
	return pg
}

type createMessageInput struct {
	ConversationParam
	IdempotencyKeyHeader string `header:"Idempotency-Key" maxLength:"128"`
	Body                 struct {
		Content        string `json:"content" maxLength:"20000"`
		Private        bool   `json:"private,omitempty" doc:"A private note, visible to agents only"`
		IdempotencyKey string `json:"idempotency_key,omitempty" maxLength:"128" doc:"Retries with the same key return the first message"`
	}
}

type messageOut struct {
	Status int
	Body   desk.Message
}

func (s *Server) createMessageHandler(ctx context.Context, in *createMessageInput) (*messageOut, error) {
	key := in.Body.IdempotencyKey
	if key == "" {
		key = in.IdempotencyKeyHeader
	}
	var res store.MessageCreateResult
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) (err error) {
		res, err = s.convs.Post(ctx, tx, conversation.PostParams{ConversationID: in.ConversationID, SenderType: desk.SenderAgent,
			SenderID: &m.UserID, Content: in.Body.Content, Private: in.Body.Private, IdempotencyKey: key})
		return err
	})
	if err != nil {
		return nil, err
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	return &messageOut{Status: status, Body: res.Message}, nil
}
