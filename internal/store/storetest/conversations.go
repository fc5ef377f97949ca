package storetest

import (
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

func testConversationDisplayIDs(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	pa := store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID}
	pb := store.ConversationCreateParams{InboxID: b.InboxID, ContactID: b.ContactID}
	var got []int64
	for _, step := range []struct {
		acc int64
		p   store.ConversationCreateParams
	}{{a.AccountID, pa}, {a.AccountID, pa}, {b.AccountID, pb}, {a.AccountID, pa}, {b.AccountID, pb}} {
		got = append(got, e.conversation(step.acc, step.p).DisplayID)
	}
	if want := []int64{1, 2, 1, 3, 2}; !sameIDs(got, want) {
		t.Fatalf("display ids %v, want %v", got, want)
	}
	// Several in one transaction, and a failed creation, use no numbers twice
	// and skip none.
	e.tx(a.AccountID, func(tx *store.Tx) error {
		for want := int64(4); want <= 6; want++ {
			c, err := tx.ConversationCreate(e.ctx, pa)
			if err != nil {
				return err
			}
			if c.DisplayID != want {
				t.Errorf("display id %d, want %d", c.DisplayID, want)
			}
		}
		return nil
	})
	bad := pa
	bad.ContactID = b.ContactID
	if err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.ConversationCreate(e.ctx, bad)
		return err
	}); err == nil {
		t.Fatal("created a conversation with another account's contact")
	}
	if c := e.conversation(a.AccountID, pa); c.DisplayID != 7 {
		t.Errorf("display id after a failed creation = %d, want 7", c.DisplayID)
	}

	// Concurrent creation hands out every number once.
	const workers, each = 4, 5
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				err := e.st.Tx(e.ctx, b.AccountID, func(tx *store.Tx) error {
					c, err := tx.ConversationCreate(e.ctx, pb)
					if err == nil {
						mu.Lock()
						if seen[c.DisplayID] {
							t.Errorf("display id %d handed out twice", c.DisplayID)
						}
						seen[c.DisplayID] = true
						mu.Unlock()
					}
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent create: %v", err)
	}
	for n := int64(3); n < 3+workers*each; n++ {
		if !seen[n] {
			t.Errorf("display id %d missing after concurrent creation (got %v)", n, seen)
		}
	}
}

func testConversationCreateResolves(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	agentA := e.agent(a.AccountID, "Agent A", desk.RoleAgent)
	teamA := e.team(a.AccountID, "Support")
	teamB := e.team(b.AccountID, "Support")
	ok := store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID, AssigneeID: &agentA, TeamID: &teamA,
		Status: desk.StatusPending, Priority: desk.PriorityHigh}
	c := e.conversation(a.AccountID, ok)
	if c.AccountID != a.AccountID || c.Status != desk.StatusPending || c.Priority != desk.PriorityHigh || c.Version != 1 ||
		c.AssigneeID == nil || *c.AssigneeID != agentA || c.TeamID == nil || *c.TeamID != teamA ||
		!c.LastActivityAt.Equal(e.st.Now()) || !c.CreatedAt.Equal(e.st.Now()) {
		t.Errorf("ConversationCreate = %+v", c)
	}
	v := e.getConversation(a.AccountID, c.ID)
	if !reflect.DeepEqual(v.Conversation, c) {
		t.Errorf("ConversationGet = %+v, want what create returned %+v", v.Conversation, c)
	}
	d := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	if d.Status != desk.StatusOpen || d.Priority != desk.PriorityNone || d.AssigneeID != nil || d.TeamID != nil {
		t.Errorf("defaults: %+v", d)
	}

	for name, p := range map[string]store.ConversationCreateParams{
		"inbox of B":    {InboxID: b.InboxID, ContactID: a.ContactID},
		"contact of B":  {InboxID: a.InboxID, ContactID: b.ContactID},
		"team of B":     {InboxID: a.InboxID, ContactID: a.ContactID, TeamID: &teamB},
		"admin of B":    {InboxID: a.InboxID, ContactID: a.ContactID, AssigneeID: &b.AdminID},
		"missing inbox": {InboxID: a.InboxID + 1000, ContactID: a.ContactID},
	} {
		err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
			_, err := tx.ConversationCreate(e.ctx, p)
			return err
		})
		wantNotFound(t, err, "ConversationCreate with "+name)
	}
}

func testConversationFilters(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	x := e.agent(a.AccountID, "Xavier", desk.RoleAgent)
	y := e.agent(a.AccountID, "Yolanda", desk.RoleAgent)
	t1 := e.team(a.AccountID, "Billing")
	t2 := e.team(a.AccountID, "Tech")
	var in2 int64
	e.tx(a.AccountID, func(tx *store.Tx) error {
		in, err := tx.InboxCreate(e.ctx, desk.Inbox{Name: "API", ChannelType: desk.ChannelAPI, Token: randomToken(), HMACSecret: "s"})
		in2 = in.ID
		return err
	})
	k1 := e.contact(a.AccountID, store.ContactParams{Name: "Lena Ørtiz", Email: "lena@ortiz.test"})
	k2 := e.contact(a.AccountID, store.ContactParams{Name: "Kim Possible", Email: "kim@Mission.test", Phone: "+1 555 7777"})
	k3 := e.contact(a.AccountID, store.ContactParams{Name: "50% off_deal", Email: "deal@shop.test"})
	mk := func(inbox, contact int64, st desk.Status, pr desk.Priority, assignee, team *int64) int64 {
		e.clk.Advance(time.Minute)
		return e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: inbox, ContactID: contact, Status: st, Priority: pr,
			AssigneeID: assignee, TeamID: team}).ID
	}
	c1 := mk(a.InboxID, k1, desk.StatusOpen, desk.PriorityNone, &x, &t1)
	c2 := mk(a.InboxID, k2, desk.StatusPending, desk.PriorityUrgent, &y, &t1)
	c3 := mk(in2, k2, desk.StatusResolved, desk.PriorityHigh, nil, &t2)
	c4 := mk(in2, k1, desk.StatusOpen, desk.PriorityUrgent, nil, nil)
	c5 := mk(a.InboxID, k3, desk.StatusSnoozed, desk.PriorityLow, &x, nil)
	c6 := mk(a.InboxID, k1, desk.StatusOpen, desk.PriorityNormal, &x, &t2)
	e.conversation(b.AccountID, store.ConversationCreateParams{InboxID: b.InboxID, ContactID: b.ContactID})

	cases := []struct {
		name string
		p    store.ConversationListParams
		want []int64
	}{
		{"all", store.ConversationListParams{}, []int64{c6, c5, c4, c3, c2, c1}},
		{"status open", store.ConversationListParams{Status: desk.StatusOpen}, []int64{c6, c4, c1}},
		{"status pending", store.ConversationListParams{Status: desk.StatusPending}, []int64{c2}},
		{"status snoozed", store.ConversationListParams{Status: desk.StatusSnoozed}, []int64{c5}},
		{"status resolved", store.ConversationListParams{Status: desk.StatusResolved}, []int64{c3}},
		{"assignee x", store.ConversationListParams{AssigneeID: x}, []int64{c6, c5, c1}},
		{"assignee y", store.ConversationListParams{AssigneeID: y}, []int64{c2}},
		{"assignee of B", store.ConversationListParams{AssigneeID: b.AdminID}, nil},
		{"unassigned", store.ConversationListParams{Unassigned: true}, []int64{c4, c3}},
		{"team 1", store.ConversationListParams{TeamID: t1}, []int64{c2, c1}},
		{"team 2", store.ConversationListParams{TeamID: t2}, []int64{c6, c3}},
		{"inbox 2", store.ConversationListParams{InboxID: in2}, []int64{c4, c3}},
		{"inbox of B", store.ConversationListParams{InboxID: b.InboxID}, nil},
		{"priority urgent", store.ConversationListParams{Priority: desk.PriorityUrgent}, []int64{c4, c2}},
		{"priority none", store.ConversationListParams{Priority: desk.PriorityNone}, []int64{c1}},
		{"contact k2", store.ConversationListParams{ContactID: k2}, []int64{c3, c2}},
		{"contact of B", store.ConversationListParams{ContactID: b.ContactID}, nil},
		{"q name", store.ConversationListParams{Query: "kim"}, []int64{c3, c2}},
		{"q email any case", store.ConversationListParams{Query: "MISSION.TEST"}, []int64{c3, c2}},
		{"q name, other case beyond ASCII", store.ConversationListParams{Query: "lena øRTIZ"}, []int64{c6, c4, c1}},
		{"q phone", store.ConversationListParams{Query: "555 7777"}, []int64{c3, c2}},
		{"q display id", store.ConversationListParams{Query: "4"}, []int64{c4}},
		{"q percent is literal", store.ConversationListParams{Query: "%"}, []int64{c5}},
		{"q underscore is literal", store.ConversationListParams{Query: "f_d"}, []int64{c5}},
		{"q SQL is text", store.ConversationListParams{Query: "' OR 1=1 --"}, nil},
		{"q no match", store.ConversationListParams{Query: "zzz"}, nil},
		{"open and x", store.ConversationListParams{Status: desk.StatusOpen, AssigneeID: x}, []int64{c6, c1}},
		{"team 2 resolved", store.ConversationListParams{TeamID: t2, Status: desk.StatusResolved}, []int64{c3}},
		{"inbox 1 urgent", store.ConversationListParams{InboxID: a.InboxID, Priority: desk.PriorityUrgent}, []int64{c2}},
		{"unassigned open q", store.ConversationListParams{Unassigned: true, Status: desk.StatusOpen, Query: "lena"}, []int64{c4}},
		{"limit", store.ConversationListParams{Limit: 2}, []int64{c6, c5}},
	}
	for _, tc := range cases {
		if got := ids(e.listConversations(a.AccountID, tc.p)); !sameIDs(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	// Rows carry their contact, assignee and team.
	rows := e.listConversations(a.AccountID, store.ConversationListParams{AssigneeID: y})
	if len(rows) != 1 {
		t.Fatalf("rows %v", ids(rows))
	}
	r := rows[0]
	if r.Contact.ID != k2 || r.Contact.Name != "Kim Possible" || r.Contact.Email != "kim@Mission.test" || r.Contact.Phone != "+1 555 7777" {
		t.Errorf("contact ref %+v", r.Contact)
	}
	if r.Assignee == nil || r.Assignee.ID != y || r.Assignee.Name != "Yolanda" {
		t.Errorf("assignee ref %+v", r.Assignee)
	}
	if r.Team == nil || r.Team.ID != t1 || r.Team.Name != "Billing" {
		t.Errorf("team ref %+v", r.Team)
	}
	if un := e.getConversation(a.AccountID, c4); un.Assignee != nil || un.Team != nil || un.LastMessage != nil {
		t.Errorf("unassigned conversation refs: %+v %+v %+v", un.Assignee, un.Team, un.LastMessage)
	}
}

func testConversationPaging(t *testing.T, e *env) {
	a := e.tenant("A")
	last := map[int64]time.Time{}
	status := map[int64]desk.Status{}
	p := store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID}
	// createIn makes n conversations in one transaction: they share a
	// timestamp.
	createIn := func(n int) {
		now := e.st.Now()
		e.tx(a.AccountID, func(tx *store.Tx) error {
			for i := range n {
				q := p
				if i%4 == 1 {
					q.Status = desk.StatusPending
				}
				c, err := tx.ConversationCreate(e.ctx, q)
				if err != nil {
					return err
				}
				last[c.ID], status[c.ID] = now, c.Status
			}
			return nil
		})
	}
	t0 := e.clk.Now()
	createIn(15)
	for range 8 {
		e.clk.Advance(time.Second)
		createIn(1)
	}
	e.clk.Set(t0.Add(-time.Hour)) // older than everything so far
	createIn(12)
	e.clk.Set(t0.Add(30 * time.Minute)) // several transactions, one timestamp
	for range 6 {
		createIn(1)
	}
	// New messages move some conversations up, three of them to one instant.
	var bumped []int64
	for id := range last {
		if len(bumped) < 3 {
			bumped = append(bumped, id)
		}
	}
	e.clk.Set(t0.Add(2 * time.Hour))
	e.tx(a.AccountID, func(tx *store.Tx) error {
		for _, id := range bumped {
			if _, err := tx.MessageCreate(e.ctx, store.MessageCreateParams{ConversationID: id, SenderType: desk.SenderContact, Content: "up"}); err != nil {
				return err
			}
			last[id] = e.st.Now()
		}
		return nil
	})

	expected := func(filter func(id int64) bool) []int64 {
		var out []int64
		for id := range last {
			if filter(id) {
				out = append(out, id)
			}
		}
		sort.Slice(out, func(i, j int) bool {
			if !last[out[i]].Equal(last[out[j]]) {
				return last[out[i]].After(last[out[j]])
			}
			return out[i] > out[j]
		})
		return out
	}
	walk := func(p store.ConversationListParams, limit int) []int64 {
		var got []int64
		p.Limit = limit
		p.After = nil
		for range 1000 {
			page := e.listConversations(a.AccountID, p)
			if len(page) > limit {
				t.Fatalf("page of %d for limit %d", len(page), limit)
			}
			for _, v := range page {
				if !v.LastActivityAt.Equal(last[v.ID]) {
					t.Errorf("conversation %d: last_activity_at %v, want %v", v.ID, v.LastActivityAt, last[v.ID])
				}
				got = append(got, v.ID)
			}
			if len(page) < limit {
				return got
			}
			end := page[len(page)-1]
			p.After = &store.ConversationCursor{LastActivityAt: end.LastActivityAt, ID: end.ID}
		}
		t.Fatal("paging does not end")
		return nil
	}
	all := expected(func(int64) bool { return true })
	if len(all) != 15+8+12+6 {
		t.Fatalf("%d conversations", len(all))
	}
	for _, limit := range []int{1, 7, 15, 40, 41, 100} {
		got := walk(store.ConversationListParams{}, limit)
		if !sameIDs(got, all) {
			t.Errorf("limit %d: paged %d rows %v, want %d rows %v", limit, len(got), got, len(all), all)
		}
	}
	pending := expected(func(id int64) bool { return status[id] == desk.StatusPending })
	if got := walk(store.ConversationListParams{Status: desk.StatusPending}, 3); !sameIDs(got, pending) || len(pending) == 0 {
		t.Errorf("pending by 3: %v, want %v", got, pending)
	}
}

func testConversationLastMessage(t *testing.T, e *env) {
	a := e.tenant("A")
	agent := e.agent(a.AccountID, "Agent", desk.RoleAgent)
	c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	if v := e.getConversation(a.AccountID, c.ID); v.LastMessage != nil {
		t.Errorf("new conversation has last message %+v", v.LastMessage)
	}
	at1 := e.clk.Advance(time.Minute).Truncate(time.Microsecond)
	m1 := e.message(a.AccountID, store.MessageCreateParams{ConversationID: c.ID, SenderType: desk.SenderContact, SenderID: &a.ContactID, Content: "Hello?"})
	v := e.getConversation(a.AccountID, c.ID)
	if v.LastMessage == nil || v.LastMessage.ID != m1.Message.ID || v.LastMessage.Content != "Hello?" || v.LastMessage.SenderType != desk.SenderContact ||
		v.LastMessage.SenderID == nil || *v.LastMessage.SenderID != a.ContactID || !v.LastMessage.CreatedAt.Equal(at1) || v.LastMessage.ConversationID != c.ID {
		t.Errorf("last message %+v", v.LastMessage)
	}
	if !v.LastActivityAt.Equal(at1) || v.Version != c.Version+1 {
		t.Errorf("after a message: last_activity_at %v version %d", v.LastActivityAt, v.Version)
	}
	at2 := e.clk.Advance(time.Minute).Truncate(time.Microsecond)
	m2 := e.message(a.AccountID, store.MessageCreateParams{ConversationID: c.ID, SenderType: desk.SenderAgent, SenderID: &agent, Content: "Looking", Private: true})
	rows := e.listConversations(a.AccountID, store.ConversationListParams{})
	if len(rows) != 1 || rows[0].LastMessage == nil || rows[0].LastMessage.ID != m2.Message.ID || !rows[0].LastMessage.Private ||
		!rows[0].LastActivityAt.Equal(at2) || rows[0].Version != c.Version+2 {
		t.Errorf("list row after a note: %+v last %+v", rows, rows[0].LastMessage)
	}
}

func testConversationUpdate(t *testing.T, e *env) {
	a := e.tenant("A")
	c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	update := func(p store.ConversationUpdateParams) desk.ConversationView {
		t.Helper()
		var v desk.ConversationView
		e.tx(a.AccountID, func(tx *store.Tx) (err error) {
			v, err = tx.ConversationUpdate(e.ctx, c.ID, p)
			return err
		})
		return v
	}
	at := e.clk.Advance(time.Minute).Truncate(time.Microsecond)
	v := update(store.ConversationUpdateParams{Status: ptr(desk.StatusPending)})
	if v.Status != desk.StatusPending || v.Priority != desk.PriorityNone || v.Version != 2 || !v.UpdatedAt.Equal(at) {
		t.Errorf("status update: %+v", v.Conversation)
	}
	v = update(store.ConversationUpdateParams{Priority: ptr(desk.PriorityUrgent)})
	if v.Status != desk.StatusPending || v.Priority != desk.PriorityUrgent || v.Version != 3 {
		t.Errorf("priority update: %+v", v.Conversation)
	}
	until := e.clk.Now().Add(24 * time.Hour).Truncate(time.Microsecond)
	v = update(store.ConversationUpdateParams{Status: ptr(desk.StatusSnoozed), SnoozedUntil: &until})
	if v.Status != desk.StatusSnoozed || v.SnoozedUntil == nil || !v.SnoozedUntil.Equal(until) || v.Version != 4 {
		t.Errorf("snooze: %+v", v.Conversation)
	}
	v = update(store.ConversationUpdateParams{Priority: ptr(desk.PriorityLow)})
	if v.SnoozedUntil == nil || !v.SnoozedUntil.Equal(until) {
		t.Errorf("a priority change lost snoozed_until: %+v", v.Conversation)
	}
	v = update(store.ConversationUpdateParams{Status: ptr(desk.StatusOpen)})
	if v.Status != desk.StatusOpen || v.SnoozedUntil != nil || v.Priority != desk.PriorityLow || v.Version != 6 {
		t.Errorf("unsnooze: %+v", v.Conversation)
	}
	if got := e.getConversation(a.AccountID, c.ID); !reflect.DeepEqual(got.Conversation, v.Conversation) {
		t.Errorf("ConversationGet = %+v, want %+v", got.Conversation, v.Conversation)
	}
	err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.ConversationUpdate(e.ctx, c.ID+1000, store.ConversationUpdateParams{Status: ptr(desk.StatusOpen)})
		return err
	})
	wantNotFound(t, err, "ConversationUpdate(missing)")
	err = e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.ConversationUpdate(e.ctx, c.ID, store.ConversationUpdateParams{Status: ptr(desk.Status("closed"))})
		return err
	})
	wantKind(t, err, desk.KindInvalid, "ConversationUpdate(unknown status)")
}

func testConversationAssign(t *testing.T, e *env) {
	a := e.tenant("A")
	b := e.tenant("B")
	x := e.agent(a.AccountID, "Xavier", desk.RoleAgent)
	t1 := e.team(a.AccountID, "Billing")
	teamB := e.team(b.AccountID, "Billing")
	agentB := e.agent(b.AccountID, "Agent of B", desk.RoleAgent)
	loner := e.user("No account").ID
	c := e.conversation(a.AccountID, store.ConversationCreateParams{InboxID: a.InboxID, ContactID: a.ContactID})
	assign := func(p store.ConversationAssignParams) (desk.ConversationView, error) {
		var v desk.ConversationView
		err := e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) (err error) {
			v, err = tx.ConversationAssign(e.ctx, c.ID, p)
			return err
		})
		return v, err
	}
	at := e.clk.Advance(time.Minute).Truncate(time.Microsecond)
	v, err := assign(store.ConversationAssignParams{SetAssignee: true, AssigneeID: &x})
	if err != nil || v.AssigneeID == nil || *v.AssigneeID != x || v.Assignee == nil || v.Assignee.Name != "Xavier" ||
		v.TeamID != nil || v.Version != 2 || !v.UpdatedAt.Equal(at) {
		t.Errorf("assign agent: %+v, %v", v, err)
	}
	v, err = assign(store.ConversationAssignParams{SetTeam: true, TeamID: &t1})
	if err != nil || v.TeamID == nil || *v.TeamID != t1 || v.Team == nil || v.Team.Name != "Billing" || v.AssigneeID == nil || v.Version != 3 {
		t.Errorf("assign team: %+v, %v", v, err)
	}
	for name, p := range map[string]struct {
		p     store.ConversationAssignParams
		field string
	}{
		"agent of B":      {store.ConversationAssignParams{SetAssignee: true, AssigneeID: &agentB}, "assignee_id"},
		"admin of B":      {store.ConversationAssignParams{SetAssignee: true, AssigneeID: &b.AdminID}, "assignee_id"},
		"user of no acct": {store.ConversationAssignParams{SetAssignee: true, AssigneeID: &loner}, "assignee_id"},
		"team of B":       {store.ConversationAssignParams{SetTeam: true, TeamID: &teamB}, "team_id"},
		"both, team of B": {store.ConversationAssignParams{SetAssignee: true, AssigneeID: &x, SetTeam: true, TeamID: &teamB}, "team_id"},
	} {
		_, err := assign(p.p)
		wantNotFound(t, err, "assign "+name)
		wantField(t, err, p.field)
	}
	if got := e.getConversation(a.AccountID, c.ID); got.Version != 3 || *got.AssigneeID != x || *got.TeamID != t1 {
		t.Errorf("failed assignments changed the conversation: %+v", got.Conversation)
	}
	v, err = assign(store.ConversationAssignParams{SetAssignee: true})
	if err != nil || v.AssigneeID != nil || v.Assignee != nil || v.TeamID == nil || v.Version != 4 {
		t.Errorf("unassign agent: %+v, %v", v, err)
	}
	v, err = assign(store.ConversationAssignParams{SetTeam: true, SetAssignee: true, AssigneeID: &a.AdminID})
	if err != nil || v.AssigneeID == nil || *v.AssigneeID != a.AdminID || v.TeamID != nil || v.Team != nil || v.Version != 5 {
		t.Errorf("clear team, assign admin: %+v, %v", v, err)
	}
	err = e.st.Tx(e.ctx, a.AccountID, func(tx *store.Tx) error {
		_, err := tx.ConversationAssign(e.ctx, c.ID+1000, store.ConversationAssignParams{SetAssignee: true, AssigneeID: &x})
		return err
	})
	wantNotFound(t, err, "assign a missing conversation")
}
