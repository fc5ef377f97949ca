package httpapi

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

type inboxBody struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name"`
	ChannelType   desk.ChannelType `json:"channel_type" enum:"web_widget,api,email"`
	InboxToken    string           `json:"inbox_token" doc:"Public token the widget uses"`
	HMACSecret    string           `json:"hmac_secret,omitempty" doc:"Secret for identity verification: identifier_hash = HMAC-SHA256(identifier, hmac_secret) in hex; shown to administrators only"`
	HMACMandatory bool             `json:"hmac_mandatory" doc:"Require verified identity for every widget session"`
	Greeting      string           `json:"greeting"`
	PrechatSettings
	WidgetSnippet string    `json:"widget_snippet,omitempty" doc:"HTML to paste into a site (web_widget inboxes)"`
	CreatedAt     time.Time `json:"created_at"`
}

// PrechatSettings are the widget's pre-chat form settings, as the inbox and
// the public widget config show them.
type PrechatSettings struct {
	PrechatEnabled      bool   `json:"prechat_enabled" doc:"Ask the visitor for a name and an email before the chat"`
	PrechatRequireEmail bool   `json:"prechat_require_email" doc:"With the form on, a widget session needs a valid email (unless its identity is verified with identifier_hash)"`
	PrechatMessage      string `json:"prechat_message" doc:"Line shown above the pre-chat form"`
}

func prechatOf(in desk.Inbox) PrechatSettings {
	return PrechatSettings{PrechatEnabled: in.PrechatEnabled(), PrechatRequireEmail: in.PrechatRequireEmail, PrechatMessage: in.PrechatMessage}
}

// prechatMessage trims the pre-chat intro line and checks its length.
func prechatMessage(p *string) (*string, error) {
	v := trimmed(p)
	if v != nil && utf8.RuneCountInString(*v) > desk.MaxPrechatMessage {
		return nil, desk.Invalid("prechat_message", "prechat_message must be at most %d characters", desk.MaxPrechatMessage)
	}
	return v, nil
}

// inboxOf is the inbox as the caller may see it: the identity
// verification secret is for administrators only, since whoever holds it
// can sign in to the widget as any contact.
func (s *Server) inboxOf(in desk.Inbox, admin bool) inboxBody {
	b := inboxBody{ID: in.ID, Name: in.Name, ChannelType: in.ChannelType, InboxToken: in.Token,
		HMACMandatory: in.HMACMandatory, Greeting: in.Greeting, PrechatSettings: prechatOf(in), CreatedAt: in.CreatedAt}
	if admin {
		b.HMACSecret = in.HMACSecret
	}
	if in.ChannelType == desk.ChannelWebWidget {
		b.WidgetSnippet = fmt.Sprintf(`<script src="%s/widget.js" data-inbox-token="%s" async></script>`,
			html.EscapeString(s.cfg.PublicURL), html.EscapeString(in.Token))
	}
	return b
}

// InboxParam names an inbox of the account in the path.
type InboxParam struct {
	AccountParam
	InboxID int64 `path:"inbox_id"`
}

func (s *Server) listInboxesHandler(ctx context.Context, _ *AccountParam) (*out[page[inboxBody]], error) {
	var res []desk.Inbox
	var admin bool
	err := s.tenant(ctx, false, func(tx *store.Tx, m member) (err error) {
		if admin, err = m.isAdmin(ctx, tx); err != nil {
			return err
		}
		res, err = tx.InboxList(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	data := make([]inboxBody, len(res))
	for i, in := range res {
		data[i] = s.inboxOf(in, admin)
	}
	return reply(page[inboxBody]{Data: data}), nil
}

type createInboxInput struct {
	AccountParam
	Body struct {
		Name          string           `json:"name" minLength:"1" maxLength:"100"`
		ChannelType   desk.ChannelType `json:"channel_type" enum:"web_widget,api,email"`
		Greeting      string           `json:"greeting,omitempty" maxLength:"1000"`
		HMACMandatory bool             `json:"hmac_mandatory,omitempty"`
		// A pointer: absent means the default, the form on.
		PrechatEnabled      *bool  `json:"prechat_enabled,omitempty" doc:"Ask for a name and an email before the chat (default true)"`
		PrechatRequireEmail bool   `json:"prechat_require_email,omitempty" doc:"Require a valid email in the pre-chat form"`
		PrechatMessage      string `json:"prechat_message,omitempty" maxLength:"500" doc:"Line shown above the pre-chat form"`
	}
}

func (s *Server) createInboxHandler(ctx context.Context, in *createInboxInput) (*out[inboxBody], error) {
	var res desk.Inbox
	var admin bool
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) (err error) {
		if admin, err = m.isAdmin(ctx, tx); err != nil {
			return err
		}
		if err := validName("name", in.Body.Name); err != nil {
			return err
		}
		msg, err := prechatMessage(&in.Body.PrechatMessage)
		if err != nil {
			return err
		}
		res, err = tx.InboxCreate(ctx, desk.Inbox{Name: strings.TrimSpace(in.Body.Name), ChannelType: in.Body.ChannelType,
			Token: auth.RandomToken(18), HMACSecret: auth.RandomToken(32), HMACMandatory: in.Body.HMACMandatory,
			Greeting: in.Body.Greeting, PrechatDisabled: in.Body.PrechatEnabled != nil && !*in.Body.PrechatEnabled,
			PrechatRequireEmail: in.Body.PrechatRequireEmail, PrechatMessage: *msg})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(s.inboxOf(res, admin)), nil
}

func (s *Server) getInboxHandler(ctx context.Context, in *InboxParam) (*out[inboxBody], error) {
	var res desk.Inbox
	var admin bool
	err := s.tenant(ctx, false, func(tx *store.Tx, m member) (err error) {
		if admin, err = m.isAdmin(ctx, tx); err != nil {
			return err
		}
		res, err = tx.InboxGet(ctx, in.InboxID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(s.inboxOf(res, admin)), nil
}

type updateInboxInput struct {
	InboxParam
	Body struct {
		Name                *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Greeting            *string `json:"greeting,omitempty" maxLength:"1000"`
		HMACMandatory       *bool   `json:"hmac_mandatory,omitempty"`
		PrechatEnabled      *bool   `json:"prechat_enabled,omitempty" doc:"Ask for a name and an email before the chat"`
		PrechatRequireEmail *bool   `json:"prechat_require_email,omitempty" doc:"Require a valid email in the pre-chat form"`
		PrechatMessage      *string `json:"prechat_message,omitempty" maxLength:"500" doc:"Line shown above the pre-chat form"`
	}
}

func (s *Server) updateInboxHandler(ctx context.Context, in *updateInboxInput) (*out[inboxBody], error) {
	var res desk.Inbox
	var admin bool
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) (err error) {
		if admin, err = m.isAdmin(ctx, tx); err != nil {
			return err
		}
		name := trimmed(in.Body.Name)
		if name != nil {
			if err := validName("name", *name); err != nil {
				return err
			}
		}
		msg, err := prechatMessage(in.Body.PrechatMessage)
		if err != nil {
			return err
		}
		res, err = tx.InboxUpdate(ctx, in.InboxID, store.InboxUpdateParams{Name: name, Greeting: in.Body.Greeting,
			HMACMandatory: in.Body.HMACMandatory, PrechatEnabled: in.Body.PrechatEnabled,
			PrechatRequireEmail: in.Body.PrechatRequireEmail, PrechatMessage: msg})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(s.inboxOf(res, admin)), nil
}

func (s *Server) deleteInboxHandler(ctx context.Context, in *InboxParam) (*struct{}, error) {
	return nil, s.tenant(ctx, true, func(tx *store.Tx, _ member) error { return tx.InboxDelete(ctx, in.InboxID) })
}
