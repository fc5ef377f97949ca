package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

func (e *env) listMessages(account int64, p store.MessageListParams) []desk.Message {
	e.t.Helper()
	if p.Limit == 0 {
		p.Limit = 1000
	}
	var out []desk.Message
	e.tx(account, func(tx *store.Tx) (err error) {
		out, err = tx.MessageList(e.ctx, p)
		return err
	})
	return out
}

func messageIDs(ms []desk.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func testMessageIdempotency(t *testing.T, e *env) {
	a := e.tenant("A")
	c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	c2 := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	post := func(conv int64, key, content string) store.MessageCreateResult {
		t.Helper()
		return e.message(a.AccountID, store.MessageCreateParams{ConversationID: conv, SenderType: desk.SenderContact,
			SenderID: &a.ContactID, Content: content, IdempotencyKey: key})
	}
	first := post(c.ID, "k1", "first")
	if first.Replayed || first.Message.ID <= 0 || first.Message.IdempotencyKey != "k1" || first.Message.Content != "first" {
		t.Fatalf("first post: %+v", first)
	}
	afterFirst := e.getConversation(a.AccountID, c.ID)
	e.clk.Advance(time.Minute)
	again := post(c.ID, "k1", "second")
	if !again.Replayed || again.Message.ID != first.Message.ID || again.Message.Content != "first" ||
		!again.Message.CreatedAt.Equal(first.Message.CreatedAt) || again.Message.IdempotencyKey != "k1" {
		t.Errorf("replay: %+v, want the first message %+v", again.Message, first.Message)
	}
	if got := e.getConversation(a.AccountID, c.ID); got.Version != afterFirst.Version || !got.LastActivityAt.Equal(afterFirst.LastActivityAt) {
		t.Errorf("a replay changed the conversation: version %d→%d", afterFirst.Version, got.Version)
	}
	// The key is scoped to its conversation.
	other := post(c2.ID, "k1", "elsewhere")
	if other.Replayed || other.Message.ID == first.Message.ID {
		t.Errorf("same key in another conversation: %+v", other)
	}
	// No key, no deduplication.
	n1, n2 := post(c.ID, "", "same"), post(c.ID, "", "same")
	if n1.Replayed || n2.Replayed || n1.Message.ID == n2.Message.ID {
		t.Errorf("messages without a key were deduplicated: %+v %+v", n1, n2)
	}
	if got := messageIDs(e.listMessages(a.AccountID, store.MessageListParams{ConversationID: c.ID})); !sameIDs(got, []int64{first.Message.ID, n1.Message.ID, n2.Message.ID}) {
		t.Errorf("messages %v", got)
	}

	// Concurrent retries store one message.
	const n = 4
	results := make([]store.MessageCreateResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) (err error) {
				results[i], err = tx.MessageCreate(e.ctx, store.MessageCreateParams{ConversationID: c2.ID, SenderType: desk.SenderContact,
					Content: fmt.Sprintf("try %d", i), IdempotencyKey: "race"})
				return err
			})
		})
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent post %d: %v", i, errs[i])
		}
		if !results[i].Replayed {
			fresh++
		}
		if results[i].Message.ID != results[0].Message.ID {
			t.Errorf("concurrent retries got messages %d and %d", results[i].Message.ID, results[0].Message.ID)
		}
	}
	if fresh != 1 {
		t.Errorf("%d of %d concurrent retries stored a message, want 1", fresh, n)
	}
	if got := e.listMessages(a.AccountID, store.MessageListParams{ConversationID: c2.ID}); len(got) != 2 {
		t.Errorf("conversation 2 has %d messages, want 2", len(got))
	}
}

func testMessagePrivate(t *testing.T, e *env) {
	a := e.tenant("A")
	agent := e.agent(a.AccountID, "Agent", desk.RoleAgent)
	c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	var want, public []int64
	for i := range 9 {
		p := store.MessageCreateParams{ConversationID: c.ID, SenderType: desk.SenderAgent, SenderID: &agent, Content: fmt.Sprintf("m%d", i)}
		if i%3 == 0 {
			p.Private = true
		}
		m := e.message(a.AccountID, p)
		if m.Message.Private != p.Private {
			t.Errorf("message %d private = %v", i, m.Message.Private)
		}
		want = append(want, m.Message.ID)
		if !p.Private {
			public = append(public, m.Message.ID)
		}
	}
	all := e.listMessages(a.AccountID, store.MessageListParams{ConversationID: c.ID, IncludePrivate: true})
	if !sameIDs(messageIDs(all), want) {
		t.Errorf("with private notes: %v, want %v", messageIDs(all), want)
	}
	for i, m := range all {
		if m.Private != (i%3 == 0) {
			t.Errorf("message %d read back private = %v", i, m.Private)
		}
	}
	pub := e.listMessages(a.AccountID, store.MessageListParams{ConversationID: c.ID})
	if !sameIDs(messageIDs(pub), public) {
		t.Errorf("without private notes: %v, want %v", messageIDs(pub), public)
	}
	// Paging without notes still sees every public message once.
	var got []int64
	var after int64
	for {
		page := e.listMessages(a.AccountID, store.MessageListParams{ConversationID: c.ID, AfterID: after, Limit: 2})
		for _, m := range page {
			got = append(got, m.ID)
		}
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	if !sameIDs(got, public) {
		t.Errorf("paged public messages %v, want %v", got, public)
	}
}

func testMessageReopens(t *testing.T, e *env) {
	a := e.tenant("A")
	agent := e.agent(a.AccountID, "Agent", desk.RoleAgent)
	until := e.clk.Now().Add(48 * time.Hour)
	cases := []struct {
		from   desk.Status
		sender desk.SenderType
		want   desk.Status
	}{
		{desk.StatusResolved, desk.SenderContact, desk.StatusOpen},
		{desk.StatusSnoozed, desk.SenderContact, desk.StatusOpen},
		{desk.StatusPending, desk.SenderContact, desk.StatusPending},
		{desk.StatusOpen, desk.SenderContact, desk.StatusOpen},
		{desk.StatusResolved, desk.SenderAgent, desk.StatusResolved},
		{desk.StatusResolved, desk.SenderSystem, desk.StatusResolved},
		{desk.StatusSnoozed, desk.SenderAgent, desk.StatusSnoozed},
	}
	for _, tc := range cases {
		c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
		var before desk.ConversationView
		e.tx(a.AccountID, func(tx *store.Tx) (err error) {
			before, err = tx.ConversationUpdate(e.ctx, c.ID, store.ConversationUpdateParams{Status: ptr(tc.from), SnoozedUntil: &until})
			return err
		})
		at := e.clk.Advance(time.Minute).Truncate(time.Microsecond)
		p := store.MessageCreateParams{ConversationID: c.ID, SenderType: tc.sender, Content: "hi"}
		switch tc.sender {
		case desk.SenderContact:
			p.SenderID = &a.ContactID
		case desk.SenderAgent:
			p.SenderID = &agent
		}
		res := e.message(a.AccountID, p)
		got := e.getConversation(a.AccountID, c.ID)
		if got.Status != tc.want || res.Conversation.Status != tc.want {
			t.Errorf("%s conversation, %s message: status %s (result says %s), want %s", tc.from, tc.sender, got.Status, res.Conversation.Status, tc.want)
		}
		if got.Version != before.Version+1 || res.Conversation.Version != got.Version || !got.LastActivityAt.Equal(at) {
			t.Errorf("%s/%s: version %d (result %d, before %d), last activity %v want %v",
				tc.from, tc.sender, got.Version, res.Conversation.Version, before.Version, got.LastActivityAt, at)
		}
		if wantSnoozed := tc.want == desk.StatusSnoozed; (got.SnoozedUntil != nil) != wantSnoozed {
			t.Errorf("%s/%s: snoozed_until %v", tc.from, tc.sender, got.SnoozedUntil)
		}
	}
}

func testMessagePaging(t *testing.T, e *env) {
	a := e.tenant("A")
	c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	other := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	var all []int64
	e.tx(a.AccountID, func(tx *store.Tx) error {
		for i := range 25 {
			for _, conv := range []int64{c.ID, other.ID} {
				r, err := tx.MessageCreate(e.ctx, store.MessageCreateParams{ConversationID: conv, SenderType: desk.SenderContact, Content: fmt.Sprint(i)})
				if err != nil {
					return err
				}
				if conv == c.ID {
					all = append(all, r.Message.ID)
				}
			}
		}
		return nil
	})
	reversed := make([]int64, len(all))
	for i, id := range all {
		reversed[len(all)-1-i] = id
	}
	walk := func(newest bool, limit int) []int64 {
		var got []int64
		p := store.MessageListParams{ConversationID: c.ID, Newest: newest, Limit: limit}
		for range 100 {
			page := e.listMessages(a.AccountID, p)
			if len(page) > limit {
				t.Fatalf("page of %d for limit %d", len(page), limit)
			}
			for _, m := range page {
				if m.ConversationID != c.ID || m.AccountID != a.AccountID {
					t.Errorf("message %d of conversation %d in the list", m.ID, m.ConversationID)
				}
				got = append(got, m.ID)
			}
			if len(page) < limit {
				return got
			}
			if newest {
				p.BeforeID = page[len(page)-1].ID
			} else {
				p.AfterID = page[len(page)-1].ID
			}
		}
		t.Fatal("paging does not end")
		return nil
	}
	for _, limit := range []int{1, 10, 25, 26} {
		if got := walk(false, limit); !sameIDs(got, all) {
			t.Errorf("oldest first by %d: %v, want %v", limit, got, all)
		}
		if got := walk(true, limit); !sameIDs(got, reversed) {
			t.Errorf("newest first by %d: %v, want %v", limit, got, reversed)
		}
	}
	window := e.listMessages(a.AccountID, store.MessageListParams{ConversationID: c.ID, AfterID: all[5], BeforeID: all[15]})
	if !sameIDs(messageIDs(window), all[6:15]) {
		t.Errorf("window: %v, want %v", messageIDs(window), all[6:15])
	}
	err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.MessageList(e.ctx, store.MessageListParams{ConversationID: other.ID + 1000, Limit: 10})
		return err
	})
	wantNotFound(t, err, "MessageList(missing conversation)")
}
