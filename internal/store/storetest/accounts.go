package storetest

import (
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

func testAccounts(t *testing.T, e *env) {
	var a, b desk.Account
	e.sys(func(tx *store.Tx) (err error) {
		if a, err = tx.AccountCreate(e.ctx, "Acme"); err != nil {
			return err
		}
		b, err = tx.AccountCreate(e.ctx, "Globex")
		return err
	})
	if a.ID <= 0 || b.ID <= 0 || a.ID == b.ID {
		t.Fatalf("account ids %d, %d", a.ID, b.ID)
	}
	if !a.CreatedAt.Equal(e.st.Now()) {
		t.Errorf("created_at %v, want the clock's %v", a.CreatedAt, e.st.Now())
	}
	e.sys(func(tx *store.Tx) error {
		got, err := tx.AccountGet(e.ctx, a.ID)
		if err != nil {
			return err
		}
		if got != a {
			t.Errorf("AccountGet = %+v, want %+v", got, a)
		}
		list, err := tx.AccountList(e.ctx, 10)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
			t.Errorf("AccountList = %+v, want newest first", list)
		}
		if list, err = tx.AccountList(e.ctx, 1); err != nil || len(list) != 1 {
			t.Errorf("AccountList(limit 1) = %d accounts, %v", len(list), err)
		}
		_, err = tx.AccountGet(e.ctx, b.ID+1000)
		wantNotFound(t, err, "AccountGet(missing)")
		return nil
	})
	e.tx(a.ID, func(tx *store.Tx) error {
		renamed, err := tx.AccountRename(e.ctx, a.ID, "Acme Corp")
		if err != nil {
			return err
		}
		if renamed.Name != "Acme Corp" || renamed.ID != a.ID {
			t.Errorf("AccountRename = %+v", renamed)
		}
		got, err := tx.AccountGet(e.ctx, a.ID)
		if err != nil || got.Name != "Acme Corp" {
			t.Errorf("AccountGet after rename = %+v, %v", got, err)
		}
		return nil
	})
}

func testUsers(t *testing.T, e *env) {
	var u desk.User
	e.sys(func(tx *store.Tx) (err error) {
		u, err = tx.UserCreate(e.ctx, store.UserCreateParams{Name: "Ada", Email: "  Ada@Example.TEST ", PasswordHash: "h1"})
		return err
	})
	if u.ID <= 0 || u.Email != "ada@example.test" || u.PasswordHash != "h1" {
		t.Fatalf("UserCreate = %+v, want normalized email", u)
	}
	if !u.TokensValidAfter.Before(u.CreatedAt) {
		t.Errorf("tokens_valid_after %v should precede created_at %v so fresh tokens are valid", u.TokensValidAfter, u.CreatedAt)
	}

	t.Run("duplicate email is a conflict", func(t *testing.T) {
		err := e.st.SystemTx(e.ctx, func(tx *store.Tx) error {
			_, err := tx.UserCreate(e.ctx, store.UserCreateParams{Name: "Other", Email: "ADA@example.test", PasswordHash: "h"})
			return err
		})
		wantKind(t, err, desk.KindConflict, "UserCreate(duplicate)")
		wantField(t, err, "email")
	})

	e.sys(func(tx *store.Tx) error {
		got, err := tx.UserGetByEmail(e.ctx, " ADA@EXAMPLE.test")
		if err != nil {
			return err
		}
		if got != u {
			t.Errorf("UserGetByEmail = %+v, want %+v", got, u)
		}
		if got, err = tx.UserGet(e.ctx, u.ID); err != nil || got != u {
			t.Errorf("UserGet = %+v, %v", got, err)
		}
		_, err = tx.UserGetByEmail(e.ctx, "nobody@example.test")
		wantNotFound(t, err, "UserGetByEmail(missing)")
		_, err = tx.UserGet(e.ctx, u.ID+1000)
		wantNotFound(t, err, "UserGet(missing)")
		return nil
	})

	// A password change moves the token cut-off to now and revokes refresh
	// tokens.
	e.sys(func(tx *store.Tx) error {
		return tx.RefreshInsert(e.ctx, u.ID, "fam", []byte("hash-1"), e.clk.Now().Add(time.Hour))
	})
	changed := e.clk.Advance(time.Minute)
	e.sys(func(tx *store.Tx) error {
		if err := tx.UserSetPassword(e.ctx, u.ID, "h2"); err != nil {
			return err
		}
		if err := tx.UserUpdateName(e.ctx, u.ID, "Ada L."); err != nil {
			return err
		}
		got, err := tx.UserGet(e.ctx, u.ID)
		if err != nil {
			return err
		}
		if got.PasswordHash != "h2" || got.Name != "Ada L." || !got.TokensValidAfter.Equal(changed.Truncate(time.Microsecond)) {
			t.Errorf("after password change: %+v (want cut-off %v)", got, changed)
		}
		rt, err := tx.RefreshGetForUpdate(e.ctx, []byte("hash-1"))
		if err != nil {
			return err
		}
		if rt.RevokedAt == nil {
			t.Error("refresh token survived a password change")
		}
		wantNotFound(t, tx.UserSetPassword(e.ctx, u.ID+1000, "x"), "UserSetPassword(missing)")
		wantNotFound(t, tx.UserUpdateName(e.ctx, u.ID+1000, "x"), "UserUpdateName(missing)")
		return nil
	})
}

func testMemberships(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	u := e.user("Zed Agent")
	stranger := e.user("Stranger")

	// In a tenant transaction MemberAdd ignores the account it is given.
	e.tx(a.AccountID, func(tx *store.Tx) error {
		m, err := tx.MemberAdd(e.ctx, b.AccountID, store.MemberAddParams{UserID: u.ID, Role: desk.RoleAgent})
		if err != nil {
			return err
		}
		if m.AccountID != a.AccountID || m.UserID != u.ID || m.Role != desk.RoleAgent ||
			m.Availability != desk.AvailabilityOffline || m.MaxConcurrent != 10 || m.AccountName != "A" || m.Name != "Zed Agent" {
			t.Errorf("MemberAdd = %+v", m)
		}
		return nil
	})
	err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.MemberAdd(e.ctx, 0, store.MemberAddParams{UserID: u.ID, Role: desk.RoleAdministrator})
		return err
	})
	wantKind(t, err, desk.KindConflict, "MemberAdd(existing member)")
	e.sys(func(tx *store.Tx) error {
		_, err := tx.MemberAdd(e.ctx, b.AccountID, store.MemberAddParams{UserID: u.ID, Role: desk.RoleAdministrator, MaxConcurrent: 3})
		if err != nil {
			return err
		}
		_, err = tx.MemberAdd(e.ctx, 0, store.MemberAddParams{UserID: u.ID, Role: desk.RoleAgent})
		if err == nil {
			t.Error("MemberAdd without an account in a system transaction succeeded")
		}
		ms, err := tx.MembershipsOfUser(e.ctx, u.ID)
		if err != nil {
			return err
		}
		if len(ms) != 2 || ms[0].AccountID != a.AccountID || ms[0].Role != desk.RoleAgent ||
			ms[1].AccountID != b.AccountID || ms[1].Role != desk.RoleAdministrator || ms[1].MaxConcurrent != 3 || ms[1].AccountName != "B" {
			t.Errorf("MembershipsOfUser = %+v", ms)
		}
		return nil
	})

	e.tx(a.AccountID, func(tx *store.Tx) error {
		list, err := tx.MemberList(e.ctx)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].UserID != a.AdminID || list[1].UserID != u.ID {
			t.Errorf("MemberList = %+v, want admin then Zed (by name)", list)
		}
		n, err := tx.MemberCountAdmins(e.ctx)
		if err != nil || n != 1 {
			t.Errorf("MemberCountAdmins = %d, %v; want 1", n, err)
		}
		m, err := tx.MemberUpdate(e.ctx, u.ID, store.MemberUpdateParams{Role: ptr(desk.RoleAdministrator),
			Availability: ptr(desk.AvailabilityOnline), MaxConcurrent: ptr(25)})
		if err != nil {
			return err
		}
		if m.Role != desk.RoleAdministrator || m.Availability != desk.AvailabilityOnline || m.MaxConcurrent != 25 {
			t.Errorf("MemberUpdate = %+v", m)
		}
		got, err := tx.MemberGet(e.ctx, u.ID)
		if err != nil || got != m {
			t.Errorf("MemberGet after update = %+v, %v; want %+v", got, err, m)
		}
		// Nil fields stay.
		if m, err = tx.MemberUpdate(e.ctx, u.ID, store.MemberUpdateParams{Availability: ptr(desk.AvailabilityBusy)}); err != nil {
			return err
		}
		if m.Role != desk.RoleAdministrator || m.MaxConcurrent != 25 || m.Availability != desk.AvailabilityBusy {
			t.Errorf("partial MemberUpdate = %+v", m)
		}
		if n, _ := tx.MemberCountAdmins(e.ctx); n != 2 {
			t.Errorf("MemberCountAdmins = %d, want 2", n)
		}
		_, err = tx.MemberGet(e.ctx, stranger.ID)
		wantNotFound(t, err, "MemberGet(non-member)")
		_, err = tx.MemberUpdate(e.ctx, b.AdminID, store.MemberUpdateParams{Role: ptr(desk.RoleAgent)})
		wantNotFound(t, err, "MemberUpdate(other account's admin)")
		auth, err := tx.AgentAuthGet(e.ctx, u.ID)
		if err != nil || auth.Membership.UserID != u.ID || auth.Membership.AccountID != a.AccountID {
			t.Errorf("AgentAuthGet = %+v, %v", auth, err)
		}
		_, err = tx.AgentAuthGet(e.ctx, b.AdminID)
		wantNotFound(t, err, "AgentAuthGet(other account's admin)")
		return nil
	})

	// A capacity outside the schema's range is invalid input, not a crash.
	err = e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.MemberUpdate(e.ctx, u.ID, store.MemberUpdateParams{MaxConcurrent: ptr(5000)})
		return err
	})
	wantKind(t, err, desk.KindInvalid, "MemberUpdate(max_concurrent 5000)")
	e.tx(a.AccountID, func(tx *store.Tx) error {
		if m, err := tx.MemberGet(e.ctx, u.ID); err != nil || m.MaxConcurrent != 25 {
			t.Errorf("after rejected update: %+v, %v", m, err)
		}
		return nil
	})
}

func testMemberRemove(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	agent := e.agent(a.AccountID, "Agent", desk.RoleAgent)
	other := e.agent(a.AccountID, "Other", desk.RoleAgent)
	e.sys(func(tx *store.Tx) error {
		_, err := tx.MemberAdd(e.ctx, b.AccountID, store.MemberAddParams{UserID: agent, Role: desk.RoleAgent})
		return err
	})
	team := e.team(a.AccountID, "Support")
	e.tx(a.AccountID, func(tx *store.Tx) error {
		if err := tx.TeamMemberAdd(e.ctx, team, agent); err != nil {
			return err
		}
		return tx.TeamMemberAdd(e.ctx, team, other)
	})
	c1 := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID, AssigneeID: &agent, TeamID: &team})
	c2 := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID, AssigneeID: &other})
	cb := e.conversation(b.AccountID, store.ConversationCreateParams{InboxID: b.InboxID, ContactID: b.ContactID, AssigneeID: &agent})
	e.sys(func(tx *store.Tx) error {
		if err := tx.RefreshInsert(e.ctx, agent, "f1", []byte("agent-1"), e.clk.Now().Add(time.Hour)); err != nil {
			return err
		}
		return tx.RefreshInsert(e.ctx, other, "f2", []byte("other-1"), e.clk.Now().Add(time.Hour))
	})

	e.clk.Advance(time.Minute)
	e.tx(a.AccountID, func(tx *store.Tx) error { return tx.MemberRemove(e.ctx, agent) })

	v1 := e.getConversation(a.AccountID, c1.ID)
	if v1.AssigneeID != nil || v1.Assignee != nil {
		t.Errorf("conversation still assigned to the removed agent: %+v", v1.Conversation)
	}
	if v1.TeamID == nil || *v1.TeamID != team {
		t.Errorf("removing an agent changed the team: %v", v1.TeamID)
	}
	if v1.Version != c1.Version+1 || !v1.UpdatedAt.Equal(e.st.Now()) {
		t.Errorf("unassignment: version %d (was %d), updated_at %v", v1.Version, c1.Version, v1.UpdatedAt)
	}
	if v2 := e.getConversation(a.AccountID, c2.ID); v2.AssigneeID == nil || *v2.AssigneeID != other || v2.Version != c2.Version {
		t.Errorf("another agent's conversation changed: %+v", v2.Conversation)
	}
	if vb := e.getConversation(b.AccountID, cb.ID); vb.AssigneeID == nil || *vb.AssigneeID != agent {
		t.Errorf("the agent's conversation in another account was unassigned: %+v", vb.Conversation)
	}
	e.tx(a.AccountID, func(tx *store.Tx) error {
		ms, err := tx.TeamMembers(e.ctx, team)
		if err != nil {
			return err
		}
		if len(ms) != 1 || ms[0].UserID != other {
			t.Errorf("team members after removal = %+v", ms)
		}
		_, err = tx.MemberGet(e.ctx, agent)
		wantNotFound(t, err, "MemberGet(removed)")
		_, err = tx.AgentAuthGet(e.ctx, agent)
		wantNotFound(t, err, "AgentAuthGet(removed)")
		wantNotFound(t, tx.MemberRemove(e.ctx, agent), "MemberRemove(again)")
		wantNotFound(t, tx.MemberRemove(e.ctx, b.AdminID), "MemberRemove(other account's admin)")
		return nil
	})
	e.sys(func(tx *store.Tx) error {
		rt, err := tx.RefreshGetForUpdate(e.ctx, []byte("agent-1"))
		if err != nil {
			return err
		}
		if rt.RevokedAt == nil || !rt.RevokedAt.Equal(e.st.Now()) {
			t.Errorf("removed agent's refresh token: revoked_at %v", rt.RevokedAt)
		}
		if rt, err = tx.RefreshGetForUpdate(e.ctx, []byte("other-1")); err != nil || rt.RevokedAt != nil {
			t.Errorf("another agent's refresh token was revoked: %+v, %v", rt, err)
		}
		ms, err := tx.MembershipsOfUser(e.ctx, agent)
		if err != nil {
			return err
		}
		if len(ms) != 1 || ms[0].AccountID != b.AccountID {
			t.Errorf("memberships after removal = %+v, want only B", ms)
		}
		return nil
	})
}

func testTeams(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	agent := e.agent(a.AccountID, "Agent", desk.RoleAgent)
	var sales, support desk.Team
	e.tx(a.AccountID, func(tx *store.Tx) (err error) {
		if support, err = tx.TeamCreate(e.ctx, "Support", "First line"); err != nil {
			return err
		}
		sales, err = tx.TeamCreate(e.ctx, "Sales", "")
		return err
	})
	if support.AccountID != a.AccountID || support.Name != "Support" || support.Description != "First line" || !support.CreatedAt.Equal(e.st.Now()) {
		t.Errorf("TeamCreate = %+v", support)
	}
	err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.TeamCreate(e.ctx, "Support", "again")
		return err
	})
	wantKind(t, err, desk.KindConflict, "TeamCreate(duplicate name)")
	wantField(t, err, "name")
	// Names are unique per account, not globally.
	if id := e.team(b.AccountID, "Support"); id == support.ID {
		t.Error("team ids collide across accounts")
	}

	e.tx(a.AccountID, func(tx *store.Tx) error {
		list, err := tx.TeamList(e.ctx)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != sales.ID || list[1].ID != support.ID {
			t.Errorf("TeamList = %+v, want Sales, Support", list)
		}
		got, err := tx.TeamGet(e.ctx, support.ID)
		if err != nil || got != support {
			t.Errorf("TeamGet = %+v, %v", got, err)
		}
		up, err := tx.TeamUpdate(e.ctx, sales.ID, ptr("Sales EU"), nil)
		if err != nil || up.Name != "Sales EU" || up.Description != "" {
			t.Errorf("TeamUpdate = %+v, %v", up, err)
		}
		return nil
	})
	err = e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.TeamUpdate(e.ctx, sales.ID, ptr("Support"), nil)
		return err
	})
	wantKind(t, err, desk.KindConflict, "TeamUpdate(to a taken name)")

	// Members.
	e.tx(a.AccountID, func(tx *store.Tx) error {
		if err := tx.TeamMemberAdd(e.ctx, support.ID, agent); err != nil {
			return err
		}
		if err := tx.TeamMemberAdd(e.ctx, support.ID, agent); err != nil {
			t.Errorf("TeamMemberAdd is not idempotent: %v", err)
		}
		if err := tx.TeamMemberAdd(e.ctx, support.ID, a.AdminID); err != nil {
			return err
		}
		wantNotFound(t, tx.TeamMemberAdd(e.ctx, support.ID, b.AdminID), "TeamMemberAdd(other account's agent)")
		wantNotFound(t, tx.TeamMemberAdd(e.ctx, support.ID+1000, agent), "TeamMemberAdd(missing team)")
		ms, err := tx.TeamMembers(e.ctx, support.ID)
		if err != nil {
			return err
		}
		if len(ms) != 2 || ms[0].UserID != a.AdminID || ms[1].UserID != agent {
			t.Errorf("TeamMembers = %+v", ms)
		}
		if err := tx.TeamMemberRemove(e.ctx, support.ID, agent); err != nil {
			return err
		}
		wantNotFound(t, tx.TeamMemberRemove(e.ctx, support.ID, agent), "TeamMemberRemove(again)")
		if ms, _ = tx.TeamMembers(e.ctx, support.ID); len(ms) != 1 {
			t.Errorf("TeamMembers after remove = %+v", ms)
		}
		return nil
	})

	// Deleting a team unsets it on its conversations and bumps their version.
	c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID, TeamID: &support.ID, AssigneeID: &agent})
	e.tx(a.AccountID, func(tx *store.Tx) error { return tx.TeamDelete(e.ctx, support.ID) })
	v := e.getConversation(a.AccountID, c.ID)
	if v.TeamID != nil || v.Team != nil || v.AssigneeID == nil || v.Version != c.Version+1 {
		t.Errorf("after team delete: %+v", v.Conversation)
	}
	e.tx(a.AccountID, func(tx *store.Tx) error {
		_, err := tx.TeamGet(e.ctx, support.ID)
		wantNotFound(t, err, "TeamGet(deleted)")
		wantNotFound(t, tx.TeamDelete(e.ctx, support.ID), "TeamDelete(again)")
		_, err = tx.TeamMembers(e.ctx, support.ID)
		wantNotFound(t, err, "TeamMembers(deleted)")
		return nil
	})
}

func testInboxes(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	var api desk.Inbox
	e.tx(a.AccountID, func(tx *store.Tx) (err error) {
		api, err = tx.InboxCreate(e.ctx, desk.Inbox{Name: "API", ChannelType: desk.ChannelAPI, Token: randomToken(),
			HMACSecret: "s3cret", HMACMandatory: true, Greeting: "Hi"})
		return err
	})
	if api.AccountID != a.AccountID || api.ChannelType != desk.ChannelAPI || !api.HMACMandatory || api.Greeting != "Hi" || api.HMACSecret != "s3cret" {
		t.Errorf("InboxCreate = %+v", api)
	}
	err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.InboxCreate(e.ctx, desk.Inbox{Name: "Dup", ChannelType: desk.ChannelWebWidget, Token: b.Token, HMACSecret: "x"})
		return err
	})
	wantKind(t, err, desk.KindConflict, "InboxCreate(taken token)")

	e.sys(func(tx *store.Tx) error {
		in, err := tx.InboxGetByToken(e.ctx, b.Token)
		if err != nil {
			return err
		}
		if in.ID != b.InboxID || in.AccountID != b.AccountID {
			t.Errorf("InboxGetByToken(B) = %+v", in)
		}
		if in, err = tx.InboxGetByToken(e.ctx, api.Token); err != nil || in != api {
			t.Errorf("InboxGetByToken(api) = %+v, %v; want %+v", in, err, api)
		}
		_, err = tx.InboxGetByToken(e.ctx, "no-such-token")
		wantNotFound(t, err, "InboxGetByToken(unknown)")
		_, err = tx.InboxGetByToken(e.ctx, "")
		wantNotFound(t, err, "InboxGetByToken(empty)")
		return nil
	})

	c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: api.ID, ContactID: a.ContactID})
	e.tx(a.AccountID, func(tx *store.Tx) error {
		list, err := tx.InboxList(e.ctx)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != a.InboxID || list[1].ID != api.ID {
			t.Errorf("InboxList = %+v", list)
		}
		up, err := tx.InboxUpdate(e.ctx, api.ID, store.InboxUpdateParams{Name: ptr("Public API"), HMACMandatory: ptr(false)})
		if err != nil {
			return err
		}
		if up.Name != "Public API" || up.HMACMandatory || up.Greeting != "Hi" || up.Token != api.Token {
			t.Errorf("InboxUpdate = %+v", up)
		}
		if got, err := tx.InboxGet(e.ctx, api.ID); err != nil || got != up {
			t.Errorf("InboxGet after update = %+v, %v; want %+v", got, err, up)
		}
		if err := tx.InboxDelete(e.ctx, api.ID); err != nil {
			return err
		}
		_, err = tx.InboxGet(e.ctx, api.ID)
		wantNotFound(t, err, "InboxGet(deleted)")
		_, err = tx.ConversationGet(e.ctx, c.ID)
		wantNotFound(t, err, "conversation of a deleted inbox")
		wantNotFound(t, tx.InboxDelete(e.ctx, api.ID), "InboxDelete(again)")
		_, err = tx.InboxUpdate(e.ctx, api.ID, store.InboxUpdateParams{Name: ptr("x")})
		wantNotFound(t, err, "InboxUpdate(deleted)")
		return nil
	})
}

func testRefreshTokens(t *testing.T, e *env) {
	u := e.user("Ada")
	v := e.user("Bob")
	exp := e.clk.Now().Add(30 * 24 * time.Hour)
	e.sys(func(tx *store.Tx) error {
		for _, r := range []struct {
			user   int64
			family string
			hash   string
		}{{u.ID, "f1", "h1"}, {u.ID, "f1", "h2"}, {u.ID, "f2", "h3"}, {v.ID, "f3", "h4"}} {
			if err := tx.RefreshInsert(e.ctx, r.user, r.family, []byte(r.hash), exp); err != nil {
				return err
			}
		}
		return nil
	})
	err := e.st.SystemTx(e.ctx, func(tx *store.Tx) error {
		return tx.RefreshInsert(e.ctx, u.ID, "f9", []byte("h1"), exp)
	})
	wantKind(t, err, desk.KindConflict, "RefreshInsert(duplicate hash)")

	e.clk.Advance(time.Second)
	e.sys(func(tx *store.Tx) error {
		rt, err := tx.RefreshGetForUpdate(e.ctx, []byte("h1"))
		if err != nil {
			return err
		}
		if rt.UserID != u.ID || rt.FamilyID != "f1" || !rt.ExpiresAt.Equal(exp.Truncate(time.Microsecond)) || rt.UsedAt != nil || rt.RevokedAt != nil {
			t.Errorf("RefreshGetForUpdate = %+v", rt)
		}
		ok, err := tx.RefreshMarkUsed(e.ctx, rt.ID)
		if err != nil || !ok {
			t.Errorf("first RefreshMarkUsed = %v, %v; want true", ok, err)
		}
		ok, err = tx.RefreshMarkUsed(e.ctx, rt.ID)
		if err != nil || ok {
			t.Errorf("second RefreshMarkUsed = %v, %v; want false", ok, err)
		}
		_, err = tx.RefreshGetForUpdate(e.ctx, []byte("nope"))
		wantNotFound(t, err, "RefreshGetForUpdate(unknown)")
		return nil
	})
	// A later transaction cannot use it again either.
	e.sys(func(tx *store.Tx) error {
		rt, err := tx.RefreshGetForUpdate(e.ctx, []byte("h1"))
		if err != nil {
			return err
		}
		if rt.UsedAt == nil || !rt.UsedAt.Equal(e.st.Now()) {
			t.Errorf("used_at = %v, want %v", rt.UsedAt, e.st.Now())
		}
		if ok, err := tx.RefreshMarkUsed(e.ctx, rt.ID); err != nil || ok {
			t.Errorf("RefreshMarkUsed in a later tx = %v, %v; want false", ok, err)
		}
		return tx.RefreshRevokeFamily(e.ctx, "f1")
	})
	e.sys(func(tx *store.Tx) error {
		for hash, revoked := range map[string]bool{"h1": true, "h2": true, "h3": false, "h4": false} {
			rt, err := tx.RefreshGetForUpdate(e.ctx, []byte(hash))
			if err != nil {
				return err
			}
			if (rt.RevokedAt != nil) != revoked {
				t.Errorf("after revoking family f1, token %s revoked_at = %v", hash, rt.RevokedAt)
			}
		}
		return tx.RefreshRevokeUser(e.ctx, u.ID)
	})
	e.sys(func(tx *store.Tx) error {
		for hash, revoked := range map[string]bool{"h3": true, "h4": false} {
			rt, err := tx.RefreshGetForUpdate(e.ctx, []byte(hash))
			if err != nil {
				return err
			}
			if (rt.RevokedAt != nil) != revoked {
				t.Errorf("after revoking user, token %s revoked_at = %v", hash, rt.RevokedAt)
			}
		}
		return nil
	})
}
