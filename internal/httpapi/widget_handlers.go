package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"hummdesk/internal/auth"
	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/realtime"
	"hummdesk/internal/store"
)

// InboxTokenParam is the public inbox token in a widget route.
type InboxTokenParam struct {
	InboxToken string `path:"inbox_token" maxLength:"64"`
}

// ContactTokenHeader carries the visitor's contact token.
type ContactTokenHeader struct {
	ContactToken string `header:"X-Contact-Token" maxLength:"2048" doc:"The contact_token from starting a session"`
}

// widgetInbox resolves the inbox of a widget route. Only web-widget inboxes
// answer; any other token is not found.
func (s *Server) widgetInbox(ctx context.Context, token string) (desk.Inbox, error) {
	var in desk.Inbox
	err := s.store.SystemTx(ctx, func(tx *store.Tx) (err error) {
		in, err = tx.InboxGetByToken(ctx, token)
		return err
	})
	if err == nil && in.ChannelType != desk.ChannelWebWidget {
		err = desk.NotFound("inbox")
	}
	if err == nil {
		infoFrom(ctx).accountID.Store(in.AccountID)
	}
	return in, err
}

// widgetContact resolves the inbox and checks the contact token was issued
// for this very inbox.
func (s *Server) widgetContact(ctx context.Context, inboxToken, contactToken string) (desk.Inbox, int64, error) {
	in, err := s.widgetInbox(ctx, inboxToken)
	if err != nil {
		return in, 0, err
	}
	if contactToken == "" {
		return in, 0, &desk.Error{Kind: desk.KindUnauthorized, Message: "missing X-Contact-Token; start a session first"}
	}
	c, err := s.signer.VerifyContact(contactToken)
	if err != nil || c.InboxID != in.ID || c.AccountID != in.AccountID {
		return in, 0, &desk.Error{Kind: desk.KindUnauthorized, Message: "invalid contact token for this inbox"}
	}
	return in, c.ContactID, nil
}

var errSessionEnded = &desk.Error{Kind: desk.KindUnauthorized, Message: "this contact session has ended; start a new session"}

// sessionContact checks, inside the request's transaction, that the token's
// contact still exists: an agent may have deleted it.
func sessionContact(ctx context.Context, tx *store.Tx, contactID int64) error {
	if _, err := tx.ContactGet(ctx, contactID); err != nil {
		if desk.IsNotFound(err) {
			return errSessionEnded
		}
		return err
	}
	return nil
}

type widgetConfigBody struct {
	Name          string `json:"name"`
	Greeting      string `json:"greeting"`
	HMACMandatory bool   `json:"hmac_mandatory"`
	PrechatSettings
}

func (s *Server) widgetConfigHandler(ctx context.Context, in *InboxTokenParam) (*out[widgetConfigBody], error) {
	inbox, err := s.widgetInbox(ctx, in.InboxToken)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(widgetConfigBody{Name: inbox.Name, Greeting: inbox.Greeting, HMACMandatory: inbox.HMACMandatory,
		PrechatSettings: prechatOf(inbox)}), nil
}

type widgetSessionInput struct {
	InboxTokenParam
	Body struct {
		Name           string `json:"name,omitempty" maxLength:"200"`
		Email          string `json:"email,omitempty" maxLength:"320" doc:"Required when the inbox's pre-chat form requires an email, unless identifier_hash verifies the visitor"`
		Identifier     string `json:"identifier,omitempty" maxLength:"200" doc:"Your site's id for the visitor; needs identifier_hash"`
		IdentifierHash string `json:"identifier_hash,omitempty" maxLength:"128" doc:"HMAC-SHA256(identifier, inbox hmac_secret), hex"`
	}
}

type widgetContactBody struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type widgetSessionBody struct {
	ContactToken string            `json:"contact_token"`
	Contact      widgetContactBody `json:"contact"`
	Verified     bool              `json:"verified" doc:"Whether the identity was verified with identifier_hash"`
}

// widgetStartSessionHandler gives a visitor a contact token. Without a
// verified identifier it always creates a new contact: an email typed into
// the widget never attaches the visitor to an existing contact's history.
func (s *Server) widgetStartSessionHandler(ctx context.Context, in *widgetSessionInput) (*out[widgetSessionBody], error) {
	inbox, err := s.widgetInbox(ctx, in.InboxToken)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	b := in.Body
	if err := validEmail("email", strings.TrimSpace(b.Email)); err != nil {
		return nil, s.toProblem(ctx, err)
	}
	verified := false
	if b.Identifier != "" || b.IdentifierHash != "" {
		if b.Identifier == "" || !auth.VerifyIdentifier(inbox.HMACSecret, b.Identifier, b.IdentifierHash) {
			return nil, s.toProblem(ctx, &desk.Error{Kind: desk.KindUnauthorized, Message: "identity verification failed"})
		}
		verified = true
	} else if inbox.HMACMandatory {
		return nil, s.toProblem(ctx, &desk.Error{Kind: desk.KindUnauthorized, Message: "this inbox requires a verified identity (identifier and identifier_hash)"})
	}
	if inbox.SessionNeedsEmail(verified) && strings.TrimSpace(b.Email) == "" {
		return nil, s.toProblem(ctx, desk.Invalid("email", "this inbox asks for an email address before the chat"))
	}
	var contact desk.Contact
	err = s.store.Tx(ctx, inbox.AccountID, func(tx *store.Tx) error {
		if verified {
			c, err := tx.ContactGetByIdentifier(ctx, b.Identifier)
			if err == nil {
				contact = c
				return nil
			}
			if !desk.IsNotFound(err) {
				return err
			}
		}
		var err error
		contact, err = tx.ContactCreate(ctx, store.ContactParams{Name: strings.TrimSpace(b.Name), Email: strings.TrimSpace(b.Email),
			Identifier: map[bool]string{true: b.Identifier}[verified]})
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	tok, err := s.signer.IssueContact(auth.ContactClaims{AccountID: inbox.AccountID, InboxID: inbox.ID, ContactID: contact.ID})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(widgetSessionBody{ContactToken: tok, Verified: verified,
		Contact: widgetContactBody{ID: contact.ID, Name: contact.Name, Email: contact.Email}}), nil
}

// widgetMessage is a message as the visitor sees it.
type widgetMessage struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	Content        string          `json:"content"`
	SenderType     desk.SenderType `json:"sender_type"`
	Private        bool            `json:"private"`
	CreatedAt      time.Time       `json:"created_at"`
}

func widgetMessageOf(m desk.Message) widgetMessage {
	return widgetMessage{ID: m.ID, ConversationID: m.ConversationID, Content: m.Content, SenderType: m.SenderType, CreatedAt: m.CreatedAt}
}

type widgetConversation struct {
	ID             int64          `json:"id"`
	DisplayID      int64          `json:"display_id"`
	Status         desk.Status    `json:"status"`
	LastActivityAt time.Time      `json:"last_activity_at"`
	CreatedAt      time.Time      `json:"created_at"`
	LastMessage    *widgetMessage `json:"last_message"`
	Channel        string         `json:"channel" doc:"The real-time channel of the conversation; subscribe with the contact token"`
}

func widgetConversationOf(v desk.ConversationView) widgetConversation {
	w := widgetConversation{ID: v.ID, DisplayID: v.DisplayID, Status: v.Status, LastActivityAt: v.LastActivityAt, CreatedAt: v.CreatedAt,
		Channel: realtime.ConversationChannel(v.AccountID, v.ID)}
	if v.LastMessage != nil && !v.LastMessage.Private {
		m := widgetMessageOf(*v.LastMessage)
		w.LastMessage = &m
	}
	return w
}

type widgetListConversationsInput struct {
	InboxTokenParam
	ContactTokenHeader
}

func (s *Server) widgetListConversationsHandler(ctx context.Context, in *widgetListConversationsInput) (*out[page[widgetConversation]], error) {
	inbox, contactID, err := s.widgetContact(ctx, in.InboxToken, in.ContactToken)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var res []desk.ConversationView
	err = s.store.ReadTx(ctx, inbox.AccountID, func(tx *store.Tx) (err error) {
		if err := sessionContact(ctx, tx, contactID); err != nil {
			return err
		}
		res, err = tx.ConversationList(ctx, store.ConversationListParams{InboxID: inbox.ID, ContactID: contactID, Limit: maxLimit})
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	data := make([]widgetConversation, len(res))
	for i, v := range res {
		data[i] = widgetConversationOf(v)
	}
	return reply(page[widgetConversation]{Data: data}), nil
}

type widgetCreateConversationInput struct {
	InboxTokenParam
	ContactTokenHeader
	Body struct {
		Content        string `json:"content" maxLength:"20000"`
		IdempotencyKey string `json:"idempotency_key,omitempty" maxLength:"128"`
	}
}

type widgetConversationOut struct {
	Status int
	Body   widgetConversation
}

// widgetCreateConversationHandler starts a conversation. A retry with the
// same idempotency_key returns the conversation the first try opened (200)
// instead of opening another.
func (s *Server) widgetCreateConversationHandler(ctx context.Context, in *widgetCreateConversationInput) (*widgetConversationOut, error) {
	inbox, contactID, err := s.widgetContact(ctx, in.InboxToken, in.ContactToken)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var res desk.ConversationView
	status := http.StatusCreated
	err = s.store.Tx(ctx, inbox.AccountID, func(tx *store.Tx) error {
		if err := sessionContact(ctx, tx, contactID); err != nil {
			return err
		}
		if key := in.Body.IdempotencyKey; key != "" {
			id, err := tx.ConversationIDByMessageKey(ctx, inbox.ID, contactID, key)
			if err == nil {
				status = http.StatusOK
				res, err = tx.ConversationGet(ctx, id)
				return err
			}
			if !desk.IsNotFound(err) {
				return err
			}
		}
		c, _, err := s.convs.Start(ctx, tx, conversation.StartParams{InboxID: inbox.ID, ContactID: contactID,
			SenderType: desk.SenderContact, SenderID: &contactID, Content: in.Body.Content, IdempotencyKey: in.Body.IdempotencyKey})
		if err != nil {
			return err
		}
		res, err = tx.ConversationGet(ctx, c.ID)
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return &widgetConversationOut{Status: status, Body: widgetConversationOf(res)}, nil
}

// WidgetConversationParam names one of the visitor's conversations.
type WidgetConversationParam struct {
	InboxTokenParam
	ContactTokenHeader
	ConversationID int64 `path:"conversation_id"`
}

// ownConversation checks the conversation belongs to the contact and inbox.
func ownConversation(ctx context.Context, tx *store.Tx, inboxID, contactID, conversationID int64) error {
	c, err := tx.ConversationGet(ctx, conversationID)
	if err != nil {
		return err
	}
	if c.InboxID != inboxID || c.ContactID != contactID {
		return desk.NotFound("conversation")
	}
	return nil
}

type widgetListMessagesInput struct {
	WidgetConversationParam
	Order  string `query:"order" enum:"asc,desc"`
	Cursor string `query:"cursor" maxLength:"200"`
	Limit  int    `query:"limit"`
}

type widgetMessagesPage struct {
	Data       []widgetMessage `json:"data"`
	NextCursor *string         `json:"next_cursor"`
}

func (s *Server) widgetListMessagesHandler(ctx context.Context, in *widgetListMessagesInput) (*out[widgetMessagesPage], error) {
	inbox, contactID, err := s.widgetContact(ctx, in.InboxToken, in.ContactToken)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	p, limit, err := messagePage(in.Order, in.Cursor, in.Limit)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	p.ConversationID, p.IncludePrivate = in.ConversationID, false
	var res []desk.Message
	err = s.store.ReadTx(ctx, inbox.AccountID, func(tx *store.Tx) (err error) {
		if err := ownConversation(ctx, tx, inbox.ID, contactID, in.ConversationID); err != nil {
			return err
		}
		res, err = tx.MessageList(ctx, p)
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	pg := messagesPage(res, limit)
	outp := widgetMessagesPage{Data: make([]widgetMessage, len(pg.Data)), NextCursor: pg.NextCursor}
	for i, m := range pg.Data {
		outp.Data[i] = widgetMessageOf(m)
	}
	return reply(outp), nil
}

type widgetCreateMessageInput struct {
	WidgetConversationParam
	Body struct {
		Content        string `json:"content" maxLength:"20000"`
		IdempotencyKey string `json:"idempotency_key,omitempty" maxLength:"128"`
	}
}

type widgetMessageOut struct {
	Status int
	Body   widgetMessage
}

func (s *Server) widgetCreateMessageHandler(ctx context.Context, in *widgetCreateMessageInput) (*widgetMessageOut, error) {
	inbox, contactID, err := s.widgetContact(ctx, in.InboxToken, in.ContactToken)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var res store.MessageCreateResult
	err = s.store.Tx(ctx, inbox.AccountID, func(tx *store.Tx) (err error) {
		if err := ownConversation(ctx, tx, inbox.ID, contactID, in.ConversationID); err != nil {
			return err
		}
		res, err = s.convs.Post(ctx, tx, conversation.PostParams{ConversationID: in.ConversationID, SenderType: desk.SenderContact,
			SenderID: &contactID, Content: in.Body.Content, IdempotencyKey: in.Body.IdempotencyKey})
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	return &widgetMessageOut{Status: status, Body: widgetMessageOf(res.Message)}, nil
}
