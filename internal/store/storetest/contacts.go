package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

func sameJSON(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("stored JSON %q does not parse: %v", got, err)
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}

func testContactsCRUD(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	var c desk.Contact
	e.tx(a.AccountID, func(tx *store.Tx) (err error) {
		c, err = tx.ContactCreate(e.ctx, store.ContactParams{Name: "Grace Hopper", Email: "grace@example.test", Phone: "+1 555 0100",
			Identifier: "crm-42", CustomAttributes: json.RawMessage(`{"plan":"pro","seats":5,"tags":["vip"]}`)})
		return err
	})
	if c.ID <= 0 || c.AccountID != a.AccountID || c.Name != "Grace Hopper" || c.Identifier != "crm-42" ||
		!c.CreatedAt.Equal(e.st.Now()) || !c.UpdatedAt.Equal(c.CreatedAt) {
		t.Errorf("ContactCreate = %+v", c)
	}
	if !sameJSON(t, c.CustomAttributes, `{"plan":"pro","seats":5,"tags":["vip"]}`) {
		t.Errorf("custom attributes = %s", c.CustomAttributes)
	}

	// Identifiers are unique per account.
	err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.ContactCreate(e.ctx, store.ContactParams{Name: "Other", Identifier: "crm-42"})
		return err
	})
	wantKind(t, err, desk.KindConflict, "ContactCreate(taken identifier)")
	wantField(t, err, "identifier")
	e.contact(b.AccountID, store.ContactParams{Name: "B's Grace", Identifier: "crm-42"})
	// Contacts without identifier do not collide.
	e.contact(a.AccountID, store.ContactParams{Name: "Anon 1"})
	e.contact(a.AccountID, store.ContactParams{Name: "Anon 2"})

	e.tx(a.AccountID, func(tx *store.Tx) error {
		got, err := tx.ContactGet(e.ctx, c.ID)
		if err != nil {
			return err
		}
		if got.ID != c.ID || got.Name != c.Name || got.Email != c.Email || got.Phone != c.Phone || got.Identifier != c.Identifier ||
			!got.CreatedAt.Equal(c.CreatedAt) || !sameJSON(t, got.CustomAttributes, string(c.CustomAttributes)) {
			t.Errorf("ContactGet = %+v, want %+v", got, c)
		}
		byIdent, err := tx.ContactGetByIdentifier(e.ctx, "crm-42")
		if err != nil || byIdent.ID != c.ID {
			t.Errorf("ContactGetByIdentifier = %+v, %v", byIdent, err)
		}
		_, err = tx.ContactGetByIdentifier(e.ctx, "crm-43")
		wantNotFound(t, err, "ContactGetByIdentifier(unknown)")
		return nil
	})

	updated := e.clk.Advance(time.Hour).Truncate(time.Microsecond)
	e.tx(a.AccountID, func(tx *store.Tx) error {
		up, err := tx.ContactUpdate(e.ctx, c.ID, store.ContactUpdateParams{Phone: ptr(""), CustomAttributes: json.RawMessage(`{"plan":"free"}`)})
		if err != nil {
			return err
		}
		if up.Name != "Grace Hopper" || up.Email != "grace@example.test" || up.Phone != "" || !up.UpdatedAt.Equal(updated) || !up.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("ContactUpdate = %+v", up)
		}
		got, err := tx.ContactGet(e.ctx, c.ID)
		if err != nil {
			return err
		}
		if got.Phone != "" || got.Name != "Grace Hopper" || !got.UpdatedAt.Equal(updated) || !sameJSON(t, got.CustomAttributes, `{"plan":"free"}`) {
			t.Errorf("ContactGet after update = %+v (attrs %s)", got, got.CustomAttributes)
		}
		return nil
	})

	// Deleting a contact deletes its conversations.
	conv := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: c.ID})
	e.tx(a.AccountID, func(tx *store.Tx) error {
		if err := tx.ContactDelete(e.ctx, c.ID); err != nil {
			return err
		}
		_, err := tx.ContactGet(e.ctx, c.ID)
		wantNotFound(t, err, "ContactGet(deleted)")
		_, err = tx.ConversationGet(e.ctx, conv.ID)
		wantNotFound(t, err, "conversation of a deleted contact")
		wantNotFound(t, tx.ContactDelete(e.ctx, c.ID), "ContactDelete(again)")
		_, err = tx.ContactUpdate(e.ctx, c.ID, store.ContactUpdateParams{Name: ptr("x")})
		wantNotFound(t, err, "ContactUpdate(deleted)")
		return nil
	})
}

// searchContacts returns the names of the account's contacts matching q.
func searchContacts(t *testing.T, e *env, account int64, q string) []string {
	t.Helper()
	var names []string
	e.tx(account, func(tx *store.Tx) error {
		cs, err := tx.ContactList(e.ctx, store.ContactListParams{Query: q, Limit: 100})
		for _, c := range cs {
			names = append(names, c.Name)
		}
		return err
	})
	sort.Strings(names)
	return names
}

func testContactSearch(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	for _, p := range []store.ContactParams{
		{Name: "Ada Lovelace", Email: "ada@analytical.test", Phone: "+44 20 7946 0018"},
		{Name: "Grace Hopper", Email: "GRACE@Navy.test", Phone: "+1 555 0100"},
		{Name: "100% sure", Email: "pct@example.test"},
		{Name: "100 percent", Email: "nopct@example.test"},
		{Name: "a_b", Email: "under@example.test"},
		{Name: "axb", Email: "nounder@example.test"},
		{Name: `back\slash`, Email: "bs@example.test"},
		{Name: `O'Brien "Bob"; --`, Email: "ob@example.test"},
		{Name: "Åsa Öberg", Email: "ÅSA@Fjäll.test"},
	} {
		e.contact(a.AccountID, p)
	}
	e.contact(b.AccountID, store.ContactParams{Name: "Ada from B", Email: "ada@b.test"})

	cases := []struct {
		q    string
		want []string
	}{
		{"ada", []string{"Ada Lovelace"}},
		{"LOVELACE", []string{"Ada Lovelace"}},
		{"grace@navy", []string{"Grace Hopper"}},
		{"NAVY.TEST", []string{"Grace Hopper"}},
		{"555 01", []string{"Grace Hopper"}},
		{"7946", []string{"Ada Lovelace"}},
		{"100%", []string{"100% sure"}},
		{"%", []string{"100% sure"}},
		{"0%", []string{"100% sure"}},
		{"a_b", []string{"a_b"}},
		{"_", []string{"a_b"}},
		{`\`, []string{`back\slash`}},
		{`k\s`, []string{`back\slash`}},
		{`O'Brien`, []string{`O'Brien "Bob"; --`}},
		{`"Bob"; --`, []string{`O'Brien "Bob"; --`}},
		{`'; DROP TABLE contacts; --`, nil},
		{`' OR '1'='1`, nil},
		{"åSA öB", []string{"Åsa Öberg"}},
		{"ÖBERG", []string{"Åsa Öberg"}},
		{"åsa@fjÄll", []string{"Åsa Öberg"}},
		{"nobody", nil},
		{"from B", nil},
	}
	for _, tc := range cases {
		if got := searchContacts(t, e, a.AccountID, tc.q); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("search %q = %q, want %q", tc.q, got, tc.want)
		}
	}
	if got := searchContacts(t, e, a.AccountID, ""); len(got) != 10 {
		t.Errorf("empty query lists %d contacts, want 10: %q", len(got), got)
	}
	if got := searchContacts(t, e, b.AccountID, "ada"); !reflect.DeepEqual(got, []string{"Ada from B"}) {
		t.Errorf("search in B = %q", got)
	}
}

func testContactPaging(t *testing.T, e *env) {
	a := e.tenant("A")
	var all []int64
	e.tx(a.AccountID, func(tx *store.Tx) error {
		for i := range 23 {
			name := fmt.Sprintf("Match %02d", i)
			if i%3 == 0 {
				name = fmt.Sprintf("Other %02d", i)
			}
			c, err := tx.ContactCreate(e.ctx, store.ContactParams{Name: name})
			if err != nil {
				return err
			}
			all = append(all, c.ID)
		}
		return nil
	})
	all = append(all, a.ContactID)
	sort.Slice(all, func(i, j int) bool { return all[i] > all[j] })

	page := func(q string, before int64, limit int) []desk.Contact {
		var cs []desk.Contact
		e.tx(a.AccountID, func(tx *store.Tx) (err error) {
			cs, err = tx.ContactList(e.ctx, store.ContactListParams{Query: q, BeforeID: before, Limit: limit})
			return err
		})
		return cs
	}
	walk := func(q string, limit int) []int64 {
		var got []int64
		var before int64
		for range 100 {
			cs := page(q, before, limit)
			if len(cs) > limit {
				t.Fatalf("page of %d rows for limit %d", len(cs), limit)
			}
			for _, c := range cs {
				got = append(got, c.ID)
			}
			if len(cs) < limit {
				return got
			}
			before = cs[len(cs)-1].ID
		}
		t.Fatal("paging does not end")
		return nil
	}
	if got := walk("", 5); !sameIDs(got, all) {
		t.Errorf("paging all contacts by 5: %v, want %v", got, all)
	}
	if got := walk("", 24); !sameIDs(got, all) {
		t.Errorf("paging all contacts by 24: %v, want %v", got, all)
	}
	var matches []int64
	e.tx(a.AccountID, func(tx *store.Tx) error {
		for _, id := range all {
			c, err := tx.ContactGet(e.ctx, id)
			if err != nil {
				return err
			}
			if len(c.Name) > 5 && c.Name[:5] == "Match" {
				matches = append(matches, id)
			}
		}
		return nil
	})
	if got := walk("match", 4); !sameIDs(got, matches) || len(matches) != 15 {
		t.Errorf("paging a search by 4: %v, want %v", got, matches)
	}
}
