// Package storetest is the storage conformance suite: one battery of tests
// that every store.Store must pass, whatever its dialect. Run it with
// Exercise from the dialect's test, giving it a function that opens a fresh,
// migrated store.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// Exercise runs the conformance suite against stores made by newStore. Each
// subtest runs in parallel on a store of its own, so newStore must return a
// fresh, migrated, empty database every time.
func Exercise(t *testing.T, newStore func(t *testing.T) *store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"Accounts", testAccounts},
		{"Users", testUsers},
		{"Memberships", testMemberships},
		{"MemberRemove", testMemberRemove},
		{"Teams", testTeams},
		{"Inboxes", testInboxes},
		{"ContactsCRUD", testContactsCRUD},
		{"ContactSearch", testContactSearch},
		{"ContactPaging", testContactPaging},
		{"ConversationDisplayIDs", testConversationDisplayIDs},
		{"ConversationCreateResolvesInAccount", testConversationCreateResolves},
		{"ConversationFilters", testConversationFilters},
		{"ConversationPaging", testConversationPaging},
		{"ConversationLastMessage", testConversationLastMessage},
		{"ConversationUpdate", testConversationUpdate},
		{"ConversationAssign", testConversationAssign},
		{"MessageIdempotency", testMessageIdempotency},
		{"MessagePrivate", testMessagePrivate},
		{"MessageReopens", testMessageReopens},
		{"MessagePaging", testMessagePaging},
		{"RefreshTokens", testRefreshTokens},
		{"TenantIsolation", testTenantIsolation},
		{"SystemTxRequired", testSystemTxRequired},
		{"TxLifecycle", testTxLifecycle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newEnv(t, newStore(t)))
		})
	}
}

// clock is a controllable time source. Its times carry nanoseconds on
// purpose: the store must hand out what it stores (microseconds).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// env is one subtest's store, clock and counters.
type env struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	clk *clock
	mu  sync.Mutex
	seq int
}

func newEnv(t *testing.T, st *store.Store) *env {
	clk := &clock{now: time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)}
	return &env{t: t, ctx: t.Context(), st: st.WithClock(clk.Now), clk: clk}
}

// next returns a number unique within the subtest.
func (e *env) next() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return e.seq
}

// tx runs fn in a transaction of account and fails the test on error.
func (e *env) tx(account int64, fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.st.Tx(e.ctx, account, fn); err != nil {
		e.t.Fatalf("tx(account %d): %v", account, err)
	}
}

// sys runs fn in a system transaction and fails the test on error.
func (e *env) sys(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.st.SystemTx(e.ctx, fn); err != nil {
		e.t.Fatalf("system tx: %v", err)
	}
}

// tenant is an account with an administrator, a web-widget inbox and a
// contact.
type tenant struct {
	AccountID int64
	AdminID   int64
	InboxID   int64
	Token     string
	ContactID int64
}

func (e *env) tenant(name string) tenant {
	e.t.Helper()
	var tn tenant
	e.sys(func(tx *store.Tx) error {
		acc, err := tx.AccountCreate(e.ctx, name)
		if err != nil {
			return err
		}
		tn.AccountID = acc.ID
		return nil
	})
	tn.AdminID = e.agent(tn.AccountID, "Admin of "+name, desk.RoleAdministrator)
	tn.Token = randomToken()
	e.tx(tn.AccountID, func(tx *store.Tx) error {
		in, err := tx.InboxCreate(e.ctx, desk.Inbox{Name: "Website", ChannelType: desk.ChannelWebWidget,
			Token: tn.Token, HMACSecret: randomToken()})
		if err != nil {
			return err
		}
		tn.InboxID = in.ID
		c, err := tx.ContactCreate(e.ctx, store.ContactParams{Name: "Customer of " + name,
			Email: fmt.Sprintf("customer%d@example.test", e.next()), Identifier: fmt.Sprintf("ext-%d", e.next())})
		tn.ContactID = c.ID
		return err
	})
	return tn
}

// user creates a user with a unique email.
func (e *env) user(name string) desk.User {
	e.t.Helper()
	var u desk.User
	e.sys(func(tx *store.Tx) (err error) {
		u, err = tx.UserCreate(e.ctx, store.UserCreateParams{Name: name,
			Email: fmt.Sprintf("user%d@example.test", e.next()), PasswordHash: "hash"})
		return err
	})
	return u
}

// agent creates a user and makes it a member of account.
func (e *env) agent(account int64, name string, role desk.Role) int64 {
	e.t.Helper()
	u := e.user(name)
	e.sys(func(tx *store.Tx) error {
		_, err := tx.MemberAdd(e.ctx, account, store.MemberAddParams{UserID: u.ID, Role: role})
		return err
	})
	return u.ID
}

func (e *env) team(account int64, name string) int64 {
	e.t.Helper()
	var id int64
	e.tx(account, func(tx *store.Tx) error {
		tm, err := tx.TeamCreate(e.ctx, name, "")
		id = tm.ID
		return err
	})
	return id
}

func (e *env) contact(account int64, p store.ContactParams) int64 {
	e.t.Helper()
	var id int64
	e.tx(account, func(tx *store.Tx) error {
		c, err := tx.ContactCreate(e.ctx, p)
		id = c.ID
		return err
	})
	return id
}

func (e *env) conversation(account int64, p store.ConversationCreateParams) desk.Conversation {
	e.t.Helper()
	var c desk.Conversation
	e.tx(account, func(tx *store.Tx) (err error) {
		c, err = tx.ConversationCreate(e.ctx, p)
		return err
	})
	return c
}

func (e *env) message(account int64, p store.MessageCreateParams) store.MessageCreateResult {
	e.t.Helper()
	var r store.MessageCreateResult
	e.tx(account, func(tx *store.Tx) (err error) {
		r, err = tx.MessageCreate(e.ctx, p)
		return err
	})
	return r
}

func (e *env) getConversation(account, id int64) desk.ConversationView {
	e.t.Helper()
	var v desk.ConversationView
	e.tx(account, func(tx *store.Tx) (err error) {
		v, err = tx.ConversationGet(e.ctx, id)
		return err
	})
	return v
}

func (e *env) listConversations(account int64, p store.ConversationListParams) []desk.ConversationView {
	e.t.Helper()
	if p.Limit == 0 {
		p.Limit = 1000
	}
	var out []desk.ConversationView
	e.tx(account, func(tx *store.Tx) (err error) {
		out, err = tx.ConversationList(e.ctx, p)
		return err
	})
	return out
}

func randomToken() string { return rand.Text() }

func ptr[T any](v T) *T { return &v }

// wantKind fails the test unless err is a desk error of kind.
func wantKind(t *testing.T, err error, kind desk.Kind, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s", what, kind)
	}
	if got := desk.ErrorKind(err); got != kind {
		t.Fatalf("%s: error kind %s (%v), want %s", what, got, err, kind)
	}
}

// wantNotFound fails the test unless err is a not-found error.
func wantNotFound(t *testing.T, err error, what string) {
	t.Helper()
	wantKind(t, err, desk.KindNotFound, what)
}

// wantField fails the test unless err is a desk error naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var de *desk.Error
	if !errors.As(err, &de) || de.Field != field {
		t.Fatalf("error %v: want field %q", err, field)
	}
}

// ids returns the ids of conversation views.
func ids(vs []desk.ConversationView) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// sameIDs reports whether a and b hold the same ids in the same order.
func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
