package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// world is one account's objects, for the isolation tests.
type world struct {
	tenant
	AgentID        int64
	TeamID         int64
	ConversationID int64
	MessageID      int64
	Identifier     string
}

func (e *env) world(name string) world {
	e.t.Helper()
	w := world{tenant: e.tenant(name)}
	w.AgentID = e.agent(w.AccountID, "Agent of "+name, desk.RoleAgent)
	w.TeamID = e.team(w.AccountID, "Team")
	e.tx(w.AccountID, func(tx *store.Tx) error {
		if err := tx.TeamMemberAdd(e.ctx, w.TeamID, w.AgentID); err != nil {
			return err
		}
		c, err := tx.ContactGet(e.ctx, w.ContactID)
		w.Identifier = c.Identifier
		return err
	})
	w.ConversationID = e.conversation(w.AccountID, store.ConversationCreateParams{InboxID: w.InboxID, ContactID: w.ContactID,
		AssigneeID: &w.AgentID, TeamID: &w.TeamID}).ID
	w.MessageID = e.message(w.AccountID, store.MessageCreateParams{ConversationID: w.ConversationID, SenderType: desk.SenderContact,
		Content: "secret of " + name}).Message.ID
	return w
}

// snapshot is everything of an account that isolation must leave alone.
type snapshot struct {
	Account      desk.Account
	Team         desk.Team
	TeamMembers  []desk.Membership
	Inbox        desk.Inbox
	Contact      desk.Contact
	Conversation desk.ConversationView
	Messages     []desk.Message
	Agents       []desk.Membership
}

func (e *env) snapshot(w world) snapshot {
	e.t.Helper()
	var s snapshot
	e.tx(w.AccountID, func(tx *store.Tx) (err error) {
		if s.Account, err = tx.AccountGet(e.ctx, w.AccountID); err != nil {
			return err
		}
		if s.Team, err = tx.TeamGet(e.ctx, w.TeamID); err != nil {
			return err
		}
		if s.TeamMembers, err = tx.TeamMembers(e.ctx, w.TeamID); err != nil {
			return err
		}
		if s.Inbox, err = tx.InboxGet(e.ctx, w.InboxID); err != nil {
			return err
		}
		if s.Contact, err = tx.ContactGet(e.ctx, w.ContactID); err != nil {
			return err
		}
		// Normalize the JSON text so snapshots compare by value.
		var attrs any
		if err := json.Unmarshal(s.Contact.CustomAttributes, &attrs); err != nil {
			return err
		}
		s.Contact.CustomAttributes, _ = json.Marshal(attrs)
		if s.Conversation, err = tx.ConversationGet(e.ctx, w.ConversationID); err != nil {
			return err
		}
		if s.Messages, err = tx.MessageList(e.ctx, store.MessageListParams{ConversationID: w.ConversationID, IncludePrivate: true, Limit: 100}); err != nil {
			return err
		}
		s.Agents, err = tx.MemberList(e.ctx)
		return err
	})
	return s
}

func testTenantIsolation(t *testing.T, e *env) {
	a := e.world("A")
	b := e.world("B")
	before := e.snapshot(b)

	// Every call names one of B's objects from a transaction of A.
	attempts := map[string]func(tx *store.Tx) error{
		"AccountGet":    func(tx *store.Tx) error { _, err := tx.AccountGet(e.ctx, b.AccountID); return err },
		"AccountRename": func(tx *store.Tx) error { _, err := tx.AccountRename(e.ctx, b.AccountID, "pwned"); return err },
		"TeamGet":       func(tx *store.Tx) error { _, err := tx.TeamGet(e.ctx, b.TeamID); return err },
		"TeamUpdate":    func(tx *store.Tx) error { _, err := tx.TeamUpdate(e.ctx, b.TeamID, ptr("pwned"), nil); return err },
		"TeamDelete":    func(tx *store.Tx) error { return tx.TeamDelete(e.ctx, b.TeamID) },
		"TeamMembers":   func(tx *store.Tx) error { _, err := tx.TeamMembers(e.ctx, b.TeamID); return err },
		"TeamMemberAdd(B team)": func(tx *store.Tx) error {
			return tx.TeamMemberAdd(e.ctx, b.TeamID, a.AgentID)
		},
		"TeamMemberAdd(B agent)": func(tx *store.Tx) error { return tx.TeamMemberAdd(e.ctx, a.TeamID, b.AgentID) },
		"TeamMemberRemove":       func(tx *store.Tx) error { return tx.TeamMemberRemove(e.ctx, b.TeamID, b.AgentID) },
		"InboxGet":               func(tx *store.Tx) error { _, err := tx.InboxGet(e.ctx, b.InboxID); return err },
		"InboxUpdate": func(tx *store.Tx) error {
			_, err := tx.InboxUpdate(e.ctx, b.InboxID, store.InboxUpdateParams{Name: ptr("pwned")})
			return err
		},
		"InboxDelete": func(tx *store.Tx) error { return tx.InboxDelete(e.ctx, b.InboxID) },
		"ContactGet":  func(tx *store.Tx) error { _, err := tx.ContactGet(e.ctx, b.ContactID); return err },
		"ContactGetByIdentifier": func(tx *store.Tx) error {
			_, err := tx.ContactGetByIdentifier(e.ctx, b.Identifier)
			return err
		},
		"ContactUpdate": func(tx *store.Tx) error {
			_, err := tx.ContactUpdate(e.ctx, b.ContactID, store.ContactUpdateParams{Name: ptr("pwned")})
			return err
		},
		"ContactDelete":   func(tx *store.Tx) error { return tx.ContactDelete(e.ctx, b.ContactID) },
		"ConversationGet": func(tx *store.Tx) error { _, err := tx.ConversationGet(e.ctx, b.ConversationID); return err },
		"ConversationUpdate": func(tx *store.Tx) error {
			_, err := tx.ConversationUpdate(e.ctx, b.ConversationID, store.ConversationUpdateParams{Status: ptr(desk.StatusResolved)})
			return err
		},
		"ConversationAssign": func(tx *store.Tx) error {
			_, err := tx.ConversationAssign(e.ctx, b.ConversationID, store.ConversationAssignParams{SetAssignee: true})
			return err
		},
		"ConversationCreate(B inbox and contact)": func(tx *store.Tx) error {
			_, err := tx.ConversationCreate(e.ctx, store.ConversationCreateParams{InboxID: b.InboxID, ContactID: b.ContactID})
			return err
		},
		"MessageCreate": func(tx *store.Tx) error {
			_, err := tx.MessageCreate(e.ctx, store.MessageCreateParams{ConversationID: b.ConversationID, SenderType: desk.SenderAgent, Content: "pwned"})
			return err
		},
		"MessageList": func(tx *store.Tx) error {
			_, err := tx.MessageList(e.ctx, store.MessageListParams{ConversationID: b.ConversationID, IncludePrivate: true, Limit: 10})
			return err
		},
		"MemberGet": func(tx *store.Tx) error { _, err := tx.MemberGet(e.ctx, b.AgentID); return err },
		"MemberUpdate": func(tx *store.Tx) error {
			_, err := tx.MemberUpdate(e.ctx, b.AgentID, store.MemberUpdateParams{Role: ptr(desk.RoleAdministrator)})
			return err
		},
		"MemberRemove": func(tx *store.Tx) error { return tx.MemberRemove(e.ctx, b.AgentID) },
		"AgentAuthGet": func(tx *store.Tx) error { _, err := tx.AgentAuthGet(e.ctx, b.AdminID); return err },
	}
	for name, f := range attempts {
		err := e.st.Tx(e.ctx, a.AccountID, f)
		wantNotFound(t, err, name+" on account B's object from account A")
	}

	// Lists of A show nothing of B.
	e.tx(a.AccountID, func(tx *store.Tx) error {
		convs, err := tx.ConversationList(e.ctx, store.ConversationListParams{Limit: 100})
		if err != nil {
			return err
		}
		for _, c := range convs {
			if c.AccountID != a.AccountID {
				t.Errorf("A's conversation list shows %d of account %d", c.ID, c.AccountID)
			}
		}
		contacts, err := tx.ContactList(e.ctx, store.ContactListParams{Query: "of B", Limit: 100})
		if err != nil || len(contacts) != 0 {
			t.Errorf("A's contact search finds B's contacts: %+v, %v", contacts, err)
		}
		teams, _ := tx.TeamList(e.ctx)
		inboxes, _ := tx.InboxList(e.ctx)
		members, _ := tx.MemberList(e.ctx)
		if len(teams) != 1 || teams[0].ID != a.TeamID || len(inboxes) != 1 || inboxes[0].ID != a.InboxID || len(members) != 2 {
			t.Errorf("A's lists: teams %+v inboxes %+v members %+v", teams, inboxes, members)
		}
		for _, m := range members {
			if m.AccountID != a.AccountID {
				t.Errorf("A's member list shows %+v", m)
			}
		}
		return nil
	})

	if after := e.snapshot(b); !reflect.DeepEqual(before, after) {
		t.Errorf("account B changed:\nbefore %+v\nafter  %+v", before, after)
	}

	// A transaction for no account, or one that does not exist, sees nothing.
	for _, id := range []int64{0, -b.AccountID} {
		if err := e.st.Tx(e.ctx, id, func(*store.Tx) error { return nil }); !desk.IsNotFound(err) {
			t.Errorf("Tx(%d) = %v, want not found", id, err)
		}
		if err := e.st.ReadTx(e.ctx, id, func(*store.Tx) error { return nil }); !desk.IsNotFound(err) {
			t.Errorf("ReadTx(%d) = %v, want not found", id, err)
		}
	}
	missing := b.AccountID + 1000
	err := e.st.ReadTx(e.ctx, missing, func(tx *store.Tx) error {
		if tx.AccountID() != missing {
			t.Errorf("AccountID() = %d", tx.AccountID())
		}
		_, err := tx.ConversationGet(e.ctx, b.ConversationID)
		return err
	})
	wantNotFound(t, err, "ConversationGet from a missing account")
}

func testSystemTxRequired(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	// Cross-account lookups refuse to run in a tenant transaction, even for
	// the caller's own objects: on SQLite nothing else would stop them.
	crossAccount := map[string]func(tx *store.Tx) error{
		"InboxGetByToken(other)": func(tx *store.Tx) error { _, err := tx.InboxGetByToken(e.ctx, b.Token); return err },
		"InboxGetByToken(own)":   func(tx *store.Tx) error { _, err := tx.InboxGetByToken(e.ctx, a.Token); return err },
		"MembershipsOfUser":      func(tx *store.Tx) error { _, err := tx.MembershipsOfUser(e.ctx, b.AdminID); return err },
		"AccountList":            func(tx *store.Tx) error { _, err := tx.AccountList(e.ctx, 10); return err },
		"AccountCreate":          func(tx *store.Tx) error { _, err := tx.AccountCreate(e.ctx, "sneaky"); return err },
		"RefreshGetForUpdate":    func(tx *store.Tx) error { _, err := tx.RefreshGetForUpdate(e.ctx, []byte("x")); return err },
	}
	for name, f := range crossAccount {
		err := e.st.Tx(e.ctx, a.AccountID, f)
		if err == nil || desk.IsNotFound(err) {
			t.Errorf("%s in a tenant transaction: %v, want a refusal", name, err)
		}
	}
	// Tenant calls refuse to run without an account.
	tenantOnly := map[string]func(tx *store.Tx) error{
		"TeamList":   func(tx *store.Tx) error { _, err := tx.TeamList(e.ctx); return err },
		"TeamCreate": func(tx *store.Tx) error { _, err := tx.TeamCreate(e.ctx, "x", ""); return err },
		"InboxList":  func(tx *store.Tx) error { _, err := tx.InboxList(e.ctx); return err },
		"ContactList": func(tx *store.Tx) error {
			_, err := tx.ContactList(e.ctx, store.ContactListParams{Limit: 10})
			return err
		},
		"ContactGet": func(tx *store.Tx) error { _, err := tx.ContactGet(e.ctx, a.ContactID); return err },
		"ConversationList": func(tx *store.Tx) error {
			_, err := tx.ConversationList(e.ctx, store.ConversationListParams{Limit: 10})
			return err
		},
		"MessageList": func(tx *store.Tx) error {
			_, err := tx.MessageList(e.ctx, store.MessageListParams{ConversationID: 1, Limit: 10})
			return err
		},
		"MemberList":        func(tx *store.Tx) error { _, err := tx.MemberList(e.ctx); return err },
		"MemberCountAdmins": func(tx *store.Tx) error { _, err := tx.MemberCountAdmins(e.ctx); return err },
		"MemberRemove":      func(tx *store.Tx) error { return tx.MemberRemove(e.ctx, a.AdminID) },
		"TeamMemberRemove":  func(tx *store.Tx) error { return tx.TeamMemberRemove(e.ctx, 1, a.AdminID) },
		"AgentAuthGet":      func(tx *store.Tx) error { _, err := tx.AgentAuthGet(e.ctx, a.AdminID); return err },
	}
	for name, f := range tenantOnly {
		if err := e.st.SystemTx(e.ctx, f); err == nil {
			t.Errorf("%s in a system transaction succeeded", name)
		}
	}
	// The system transaction does reach every account.
	e.sys(func(tx *store.Tx) error {
		if tx.AccountID() != 0 {
			t.Errorf("system tx AccountID() = %d", tx.AccountID())
		}
		for _, tn := range []tenant{a, b} {
			in, err := tx.InboxGetByToken(e.ctx, tn.Token)
			if err != nil || in.AccountID != tn.AccountID {
				t.Errorf("InboxGetByToken = %+v, %v", in, err)
			}
			acc, err := tx.AccountGet(e.ctx, tn.AccountID)
			if err != nil || acc.ID != tn.AccountID {
				t.Errorf("AccountGet = %+v, %v", acc, err)
			}
		}
		return nil
	})
}

func testTxLifecycle(t *testing.T, e *env) {
	a := e.tenant("A")
	countTeams := func() int {
		var n int
		e.tx(a.AccountID, func(tx *store.Tx) error {
			teams, err := tx.TeamList(e.ctx)
			n = len(teams)
			return err
		})
		return n
	}

	// An error rolls back and skips the after-commit hooks.
	ran := false
	failed := errors.New("changed my mind")
	err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		tx.AfterCommit(func() { ran = true })
		if _, err := tx.TeamCreate(e.ctx, "Doomed", ""); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) || ran || countTeams() != 0 {
		t.Errorf("failed tx: err %v, hook ran %v, teams %d", err, ran, countTeams())
	}

	// A panic rolls back too, and releases the connection.
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic to pass through", p)
			}
		}()
		_ = e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran = true })
			if _, err := tx.TeamCreate(e.ctx, "Panicked", ""); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	err = e.st.Tx(ctx, a.AccountID, func(tx *store.Tx) error {
		teams, err := tx.TeamList(ctx)
		if len(teams) != 0 {
			t.Errorf("a panicked transaction committed %+v", teams)
		}
		return err
	})
	if err != nil || ran {
		t.Fatalf("after a panic: %v (hook ran %v)", err, ran)
	}

	// Hooks run after commit, in order, and see the committed data.
	var order []string
	e.tx(a.AccountID, func(tx *store.Tx) error {
		if tx.AccountID() != a.AccountID {
			t.Errorf("AccountID() = %d", tx.AccountID())
		}
		tx.AfterCommit(func() { order = append(order, fmt.Sprint("first:", countTeams())) })
		tx.AfterCommit(func() { order = append(order, "second") })
		_, err := tx.TeamCreate(e.ctx, "Kept", "")
		if len(order) != 0 {
			t.Error("a hook ran before commit")
		}
		return err
	})
	if fmt.Sprint(order) != "[first:1 second]" {
		t.Errorf("hooks ran as %v", order)
	}
}
