package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

type contactBody struct {
	ID               int64          `json:"id"`
	Name             string         `json:"name"`
	Email            string         `json:"email"`
	Phone            string         `json:"phone"`
	Identifier       string         `json:"identifier"`
	CustomAttributes map[string]any `json:"custom_attributes"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

func contactOf(c desk.Contact) contactBody {
	b := contactBody{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Identifier: c.Identifier,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if err := json.Unmarshal(c.CustomAttributes, &b.CustomAttributes); err != nil || b.CustomAttributes == nil {
		b.CustomAttributes = map[string]any{}
	}
	return b
}

// ContactParam names a contact of the account in the path.
type ContactParam struct {
	AccountParam
	ContactID int64 `path:"contact_id"`
}

type listContactsInput struct {
	AccountParam
	Q      string `query:"q" maxLength:"200" doc:"Matches name, email or phone"`
	Cursor string `query:"cursor" maxLength:"200"`
	Limit  int    `query:"limit" doc:"Page size, clamped to 1..100 (default 25)"`
}

func (s *Server) listContactsHandler(ctx context.Context, in *listContactsInput) (*out[page[contactBody]], error) {
	limit := clampLimit(in.Limit)
	var before int64
	if in.Cursor != "" {
		v, err := decodeCursor(in.Cursor, 1)
		if err != nil {
			return nil, s.toProblem(ctx, err)
		}
		before = v[0]
	}
	var res []desk.Contact
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.ContactList(ctx, store.ContactListParams{Query: strings.TrimSpace(in.Q), BeforeID: before, Limit: limit + 1})
		return err
	})
	if err != nil {
		return nil, err
	}
	p := page[contactBody]{Data: []contactBody{}}
	if len(res) > limit {
		res = res[:limit]
		p.NextCursor = encodeCursor(res[limit-1].ID)
	}
	for _, c := range res {
		p.Data = append(p.Data, contactOf(c))
	}
	return reply(p), nil
}

type contactFields struct {
	Name             string         `json:"name,omitempty" maxLength:"200"`
	Email            string         `json:"email,omitempty" maxLength:"320"`
	Phone            string         `json:"phone,omitempty" maxLength:"50"`
	Identifier       string         `json:"identifier,omitempty" maxLength:"200" doc:"Your system's id for this person"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
}

type createContactInput struct {
	AccountParam
	Body contactFields
}

func marshalAttrs(m map[string]any) (json.RawMessage, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, desk.Invalid("custom_attributes", "custom attributes are not valid JSON")
	}
	if len(b) > 64<<10 {
		return nil, desk.Invalid("custom_attributes", "custom attributes are larger than 64 KiB")
	}
	return b, nil
}

func validEmail(field, v string) error {
	if v == "" {
		return nil
	}
	at := strings.IndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " \t\r\n<>") {
		return desk.Invalid(field, "%q is not an email address", v)
	}
	return nil
}

func (s *Server) createContactHandler(ctx context.Context, in *createContactInput) (*out[contactBody], error) {
	b := in.Body
	b.Name, b.Email, b.Phone, b.Identifier = strings.TrimSpace(b.Name), strings.TrimSpace(b.Email),
		strings.TrimSpace(b.Phone), strings.TrimSpace(b.Identifier)
	if err := validEmail("email", b.Email); err != nil {
		return nil, s.toProblem(ctx, err)
	}
	attrs, err := marshalAttrs(b.CustomAttributes)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var res desk.Contact
	err = s.tenant(ctx, true, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.ContactCreate(ctx, store.ContactParams{Name: b.Name, Email: b.Email, Phone: b.Phone,
			Identifier: b.Identifier, CustomAttributes: attrs})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(contactOf(res)), nil
}

func (s *Server) getContactHandler(ctx context.Context, in *ContactParam) (*out[contactBody], error) {
	var res desk.Contact
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.ContactGet(ctx, in.ContactID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(contactOf(res)), nil
}

type updateContactInput struct {
	ContactParam
	Body struct {
		Name             *string        `json:"name,omitempty" maxLength:"200"`
		Email            *string        `json:"email,omitempty" maxLength:"320"`
		Phone            *string        `json:"phone,omitempty" maxLength:"50"`
		CustomAttributes map[string]any `json:"custom_attributes,omitempty" doc:"Replaces all custom attributes"`
	}
}

func (s *Server) updateContactHandler(ctx context.Context, in *updateContactInput) (*out[contactBody], error) {
	b := in.Body
	b.Name, b.Email, b.Phone = trimmed(b.Name), trimmed(b.Email), trimmed(b.Phone)
	if b.Email != nil {
		if err := validEmail("email", *b.Email); err != nil {
			return nil, s.toProblem(ctx, err)
		}
	}
	attrs, err := marshalAttrs(b.CustomAttributes)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var res desk.Contact
	err = s.tenant(ctx, true, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.ContactUpdate(ctx, in.ContactID, store.ContactUpdateParams{Name: b.Name, Email: b.Email, Phone: b.Phone,
			CustomAttributes: attrs})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(contactOf(res)), nil
}

func (s *Server) deleteContactHandler(ctx context.Context, in *ContactParam) (*struct{}, error) {
	return nil, s.tenant(ctx, true, func(tx *store.Tx, _ member) error { return tx.ContactDelete(ctx, in.ContactID) })
}

// trimmed returns a pointer to the trimmed text, or nil for nil.
func trimmed(p *string) *string {
	if p == nil {
		return nil
	}
	v := strings.TrimSpace(*p)
	return &v
}
