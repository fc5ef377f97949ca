package store

import (
	"context"
	"encoding/json"
	"strings"

	"hummdesk/internal/desk"
)

const contactCols = "id, account_id, name, email, phone, identifier, custom_attributes, created_at, updated_at"

func scanContact(row interface{ Scan(...any) error }) (desk.Contact, error) {
	var c desk.Contact
	var attrs string
	err := row.Scan(&c.ID, &c.AccountID, &c.Name, &c.Email, &c.Phone, nullString{&c.Identifier}, nullString{&attrs},
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if attrs == "" {
		attrs = "{}"
	}
	c.CustomAttributes = json.RawMessage(attrs)
	return c, err
}

// ContactParams are a contact's writable fields.
type ContactParams struct {
	Name             string
	Email            string
	Phone            string
	Identifier       string
	CustomAttributes json.RawMessage
}

func attrsArg(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "{}"
	}
	return string(raw)
}

// ContactCreate adds a contact. An identifier already used in the account is
// a conflict.
func (t *Tx) ContactCreate(ctx context.Context, p ContactParams) (desk.Contact, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Contact{}, err
	}
	c, err := scanContact(t.queryRow(ctx, `INSERT INTO contacts (account_id, name, email, phone, identifier, custom_attributes, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING `+contactCols,
		t.accountID, p.Name, p.Email, p.Phone, nullIfEmpty(p.Identifier), attrsArg(p.CustomAttributes), t.d.ts(t.now)))
	return c, identifierErr(mapErr(err))
}

func identifierErr(err error) error {
	if desk.ErrorKind(err) == desk.KindConflict {
		return &desk.Error{Kind: desk.KindConflict, Field: "identifier", Message: "a contact with this identifier already exists", Err: err}
	}
	return err
}

// ContactGet returns one contact of the account.
func (t *Tx) ContactGet(ctx context.Context, id int64) (desk.Contact, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Contact{}, err
	}
	c, err := scanContact(t.queryRow(ctx, "SELECT "+contactCols+" FROM contacts WHERE account_id = $1 AND id = $2", t.accountID, id))
	return c, scanErr(err, "contact")
}

// ContactGetByIdentifier finds a contact by its verified identifier.
func (t *Tx) ContactGetByIdentifier(ctx context.Context, identifier string) (desk.Contact, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Contact{}, err
	}
	c, err := scanContact(t.queryRow(ctx, "SELECT "+contactCols+" FROM contacts WHERE account_id = $1 AND identifier = $2",
		t.accountID, identifier))
	return c, scanErr(err, "contact")
}

// ContactListParams filters and pages contacts (newest first).
type ContactListParams struct {
	// Query matches name, email or phone, case-insensitively.
	Query    string
	BeforeID int64
	Limit    int
}

// escapeLike escapes LIKE wildcards so user text matches literally.
func escapeLike(s string) string { return likeEscaper.Replace(s) }

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ContactList lists contacts newest first, keyset-paged by id.
func (t *Tx) ContactList(ctx context.Context, p ContactListParams) ([]desk.Contact, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	q := "SELECT " + contactCols + " FROM contacts WHERE account_id = $1"
	args := []any{t.accountID}
	if p.BeforeID > 0 {
		args = append(args, p.BeforeID)
		q += " AND id < $2"
	} else {
		args = append(args, 0)
		q += " AND $2 = 0"
	}
	if p.Query != "" {
		args = append(args, t.d.containsArg(p.Query))
		q += " AND (" + t.d.containsFold("name", "$3") + " OR " + t.d.containsFold("email", "$3") + " OR " + t.d.containsFold("phone", "$3") + ")"
	}
	args = append(args, p.Limit)
	q += " ORDER BY id DESC LIMIT $" + itoa(len(args))
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ContactUpdateParams changes a contact; nil fields stay.
type ContactUpdateParams struct {
	Name             *string
	Email            *string
	Phone            *string
	CustomAttributes json.RawMessage
}

// ContactUpdate changes a contact.
func (t *Tx) ContactUpdate(ctx context.Context, id int64, p ContactUpdateParams) (desk.Contact, error) {
	c, err := t.ContactGet(ctx, id)
	if err != nil {
		return c, err
	}
	if p.Name != nil {
		c.Name = *p.Name
	}
	if p.Email != nil {
		c.Email = *p.Email
	}
	if p.Phone != nil {
		c.Phone = *p.Phone
	}
	if p.CustomAttributes != nil {
		c.CustomAttributes = p.CustomAttributes
	}
	c.UpdatedAt = t.now
	_, err = t.exec(ctx, `UPDATE contacts SET name = $3, email = $4, phone = $5, custom_attributes = $6, updated_at = $7
		WHERE account_id = $1 AND id = $2`, t.accountID, id, c.Name, c.Email, c.Phone, attrsArg(c.CustomAttributes), t.d.ts(t.now))
	return c, err
}

// ContactDelete deletes a contact and its conversations.
func (t *Tx) ContactDelete(ctx context.Context, id int64) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	res, err := t.exec(ctx, "DELETE FROM contacts WHERE account_id = $1 AND id = $2", t.accountID, id)
	return affectedOne(res, err, "contact")
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
