package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/testkit"
)

func TestConversationsAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		w := buildWorld(t, a)
		adm := asUser(t, a, w.AccountID, w.Token)
		ag := asUser(t, a, w.AccountID, w.AgentToken)

		inbox2 := testkit.ID(adm.do(http.StatusCreated, "POST", "/inboxes", map[string]any{"name": "API", "channel_type": "api"}).JSON["id"])
		team2 := testkit.ID(adm.do(http.StatusCreated, "POST", "/teams", map[string]any{"name": "Tech"}).JSON["id"])
		dana := testkit.ID(adm.do(http.StatusCreated, "POST", "/contacts", map[string]any{"name": "Dana Doe", "email": "dana@x.example",
			"phone": "+1 202 555 0123"}).JSON["id"])

		// The agent creates a conversation with a first message.
		first := ag.do(http.StatusCreated, "POST", "/conversations", map[string]any{"inbox_id": inbox2, "contact_id": dana,
			"priority": "low", "message": map[string]any{"content": "Opening words"}})
		if first.JSON["status"] != "open" || first.JSON["priority"] != "low" || obj(first.JSON["contact"])["name"] != "Dana Doe" ||
			obj(first.JSON["last_message"])["content"] != "Opening words" || obj(first.JSON["last_message"])["sender_type"] != "agent" ||
			testkit.ID(obj(first.JSON["last_message"])["sender_id"]) != w.AgentID || first.JSON["assignee"] != nil || first.JSON["team"] != nil {
			t.Fatalf("create: %s", first.Raw)
		}
		if testkit.ID(first.JSON["display_id"]) != 2 {
			t.Fatalf("display id %v, want 2 (second of the account)", first.JSON["display_id"])
		}
		bare := adm.do(http.StatusCreated, "POST", "/conversations", map[string]any{"inbox_id": w.InboxID, "contact_id": dana,
			"status": "pending", "assignee_id": w.AdminID, "team_id": team2})
		if bare.JSON["last_message"] != nil || bare.JSON["status"] != "pending" || testkit.ID(obj(bare.JSON["assignee"])["id"]) != w.AdminID ||
			obj(bare.JSON["team"])["name"] != "Tech" {
			t.Fatalf("create without message: %s", bare.Raw)
		}
		for _, body := range []map[string]any{
			{"inbox_id": w.InboxID, "contact_id": dana, "message": map[string]any{"content": "   "}},
			{"inbox_id": w.InboxID, "contact_id": dana, "priority": "whenever"},
			{"inbox_id": w.InboxID, "contact_id": dana, "status": "snoozed"}, // snoozing needs a time: PATCH
			{"inbox_id": w.InboxID, "contact_id": dana, "message": map[string]any{"content": strings.Repeat("x", 20001)}},
			{"inbox_id": w.InboxID},
		} {
			if res := ag.try("POST", "/conversations", body); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("create %v: status %d, want 422; body %s", body, res.Status, res.Raw)
			}
		}
		ids := map[string]int64{"world": w.ConversationID, "first": testkit.ID(first.JSON["id"]), "bare": testkit.ID(bare.JSON["id"])}
		resolved := testkit.ID(adm.do(http.StatusCreated, "POST", "/conversations", map[string]any{"inbox_id": inbox2, "contact_id": w.ContactID,
			"status": "resolved", "priority": "urgent", "message": map[string]any{"content": "done"}}).JSON["id"])
		ids["resolved"] = resolved

		list := func(c as, q string) []int64 {
			t.Helper()
			got := idsOf(rows(c.do(http.StatusOK, "GET", "/conversations?limit=100&"+q, nil)))
			slices.Sort(got)
			return got
		}
		set := func(names ...string) []int64 {
			var out []int64
			for _, n := range names {
				out = append(out, ids[n])
			}
			slices.Sort(out)
			return out
		}
		for q, want := range map[string][]int64{
			"":                                       set("world", "first", "bare", "resolved"),
			"status=all":                             set("world", "first", "bare", "resolved"),
			"status=open":                            set("world", "first"),
			"status=pending":                         set("bare"),
			"status=resolved":                        set("resolved"),
			"status=snoozed":                         nil,
			fmt.Sprintf("assignee_id=%d", w.AgentID): set("world"),
			fmt.Sprintf("assignee_id=%d", w.AdminID): set("bare"),
			"assignee=unassigned":                    set("first", "resolved"),
			"assignee=any":                           set("world", "first", "bare", "resolved"),
			fmt.Sprintf("team_id=%d", w.TeamID):      set("world"),
			fmt.Sprintf("team_id=%d", team2):         set("bare"),
			fmt.Sprintf("inbox_id=%d", inbox2):       set("first", "resolved"),
			fmt.Sprintf("inbox_id=%d", w.InboxID):    set("world", "bare"),
			fmt.Sprintf("contact_id=%d", dana):       set("first", "bare"),
			"priority=urgent":                        set("resolved"),
			"priority=high":                          set("world"),
			"priority=none":                          set("bare"),
			"q=dana":                                 set("first", "bare"),
			"q=DANA%40X":                             set("first", "bare"),
			"q=555+0123":                             set("first", "bare"),
			"q=carl":                                 set("world", "resolved"),
			"q=4":                                    set("resolved"),
			"q=%25":                                  nil,
			"status=open&priority=low":               set("first"),
			"category=billing":                       set("world"), // the AI's category of the world's customer message
			"category=sales":                         nil,
			"label=billing":                          set("world"),
			"label=billing&category=billing":         set("world"),
			"label=bill_ng":                          nil, // '_' is no wildcard
			fmt.Sprintf("status=open&inbox_id=%d&assignee=unassigned", inbox2): set("first"),
		} {
			if got := list(adm, q); !slices.Equal(got, want) {
				t.Errorf("filter %q: %v, want %v", q, got, want)
			}
		}
		if got, want := list(ag, "assignee=me"), set("world"); !slices.Equal(got, want) {
			t.Errorf("assignee=me for the agent: %v, want %v", got, want)
		}
		if got, want := list(adm, "assignee=me"), set("bare"); !slices.Equal(got, want) {
			t.Errorf("assignee=me for the administrator: %v, want %v", got, want)
		}
		// The tab counts agree with the lists, for any filter and either user.
		for _, c := range []as{adm, ag} {
			for _, q := range []string{"", "status=open", "status=all", "status=resolved", fmt.Sprintf("inbox_id=%d", inbox2),
				"q=dana", "category=billing", "priority=high", fmt.Sprintf("team_id=%d", team2)} {
				n := c.do(http.StatusOK, "GET", "/conversations/counts?"+q, nil).JSON
				want := map[string]int{"all": len(list(c, q)), "mine": len(list(c, q+"&assignee=me")),
					"unassigned": len(list(c, q+"&assignee=unassigned"))}
				for k, v := range want {
					if got := int(n[k].(float64)); got != v {
						t.Errorf("counts?%s %s = %d, the list has %d", q, k, got, v)
					}
				}
			}
		}
		// Each agent's load is what is open or pending and assigned to them.
		for _, r := range rows(ag.do(http.StatusOK, "GET", "/agents", nil)) {
			id := testkit.ID(r["id"])
			want := len(list(adm, fmt.Sprintf("assignee_id=%d&status=open", id))) + len(list(adm, fmt.Sprintf("assignee_id=%d&status=pending", id)))
			if got, ok := r["open_conversations"].(float64); !ok || int(got) != want {
				t.Errorf("agent %d open_conversations %v, want %d", id, r["open_conversations"], want)
			}
			if id == w.AdminID && want != 1 {
				t.Errorf("the administrator has %d open or pending conversations, want 1 (bare)", want)
			}
		}
		for _, q := range []string{"status=closed", "priority=asap", "assignee=them", "cursor=%21%21", "cursor=MTIz", "assignee_id=-1",
			"category=refunds", "label=Bad+Label", "label=billing&category=sales"} {
			if res := adm.try("GET", "/conversations?"+q, nil); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("list ?%s: status %d, want 422; body %s", q, res.Status, res.Raw)
			}
		}

		// Each row carries its contact, assignee, team and last message.
		for _, r := range rows(adm.do(http.StatusOK, "GET", "/conversations", nil)) {
			if testkit.ID(r["id"]) != w.ConversationID {
				continue
			}
			if obj(r["contact"])["name"] != "Carl Customer" || obj(r["assignee"])["name"] != "Alma Agent" ||
				obj(r["team"])["name"] != "Billing" || obj(r["last_message"])["content"] != "I paid my invoice twice, when will I get the refund?" ||
				obj(r["last_message"])["sender_type"] != "contact" {
				t.Fatalf("row: %v", r)
			}
		}

		// Keyset pagination returns every conversation once, in activity order,
		// even while conversations are touched between pages.
		for i := 0; i < 7; i++ {
			ids[fmt.Sprint("extra", i)] = testkit.ID(adm.do(http.StatusCreated, "POST", "/conversations", map[string]any{
				"inbox_id": w.InboxID, "contact_id": dana, "message": map[string]any{"content": fmt.Sprint("extra ", i)}}).JSON["id"])
		}
		full := idsOf(rows(adm.do(http.StatusOK, "GET", "/conversations?limit=100", nil)))
		if len(full) != len(ids) {
			t.Fatalf("%d conversations listed, %d created", len(full), len(ids))
		}
		if full[0] != ids["extra6"] || full[1] != ids["extra5"] {
			t.Fatalf("not newest first: %v", full)
		}
		for _, limit := range []int{1, 2, 3, 5, 11, 100} {
			if got := adm.pageAll("/conversations?status=all", limit); !slices.Equal(got, full) {
				t.Errorf("limit %d: pages %v, want %v", limit, got, full)
			}
		}
		if got := adm.pageAll(fmt.Sprintf("/conversations?contact_id=%d", dana), 2); len(got) != 9 {
			t.Errorf("filtered pages %v, want 9 rows", got)
		}

		// Get and update.
		p := fmt.Sprintf("/conversations/%d", ids["first"])
		got := ag.do(http.StatusOK, "GET", p, nil)
		if testkit.ID(got.JSON["id"]) != ids["first"] || obj(got.JSON["contact"])["email"] != "dana@x.example" {
			t.Fatalf("get: %s", got.Raw)
		}
		version := testkit.ID(got.JSON["version"])
		upd := ag.do(http.StatusOK, "PATCH", p, map[string]any{"status": "pending", "priority": "urgent"})
		if upd.JSON["status"] != "pending" || upd.JSON["priority"] != "urgent" || testkit.ID(upd.JSON["version"]) <= version {
			t.Fatalf("update: %s", upd.Raw)
		}
		if upd := ag.do(http.StatusOK, "PATCH", p, map[string]any{"priority": "low"}); upd.JSON["status"] != "pending" || upd.JSON["priority"] != "low" {
			t.Fatalf("priority only: %s", upd.Raw)
		}
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		future := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		for _, body := range []map[string]any{
			{"status": "snoozed"},
			{"status": "snoozed", "snoozed_until": past},
			{"status": "open", "snoozed_until": future.Format(time.RFC3339)},
			{"snoozed_until": future.Format(time.RFC3339)},
			{"status": "closed"},
		} {
			if res := ag.try("PATCH", p, body); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("update %v: status %d, want 422; body %s", body, res.Status, res.Raw)
			}
		}
		sn := ag.do(http.StatusOK, "PATCH", p, map[string]any{"status": "snoozed", "snoozed_until": future.Format(time.RFC3339)})
		if sn.JSON["status"] != "snoozed" || sn.JSON["snoozed_until"] == nil {
			t.Fatalf("snooze: %s", sn.Raw)
		}
		if until, err := time.Parse(time.RFC3339, sn.JSON["snoozed_until"].(string)); err != nil || !until.Equal(future) {
			t.Fatalf("snoozed_until %v, want %v", sn.JSON["snoozed_until"], future)
		}
		if got := list(adm, "status=snoozed"); !slices.Equal(got, []int64{ids["first"]}) {
			t.Fatalf("snoozed list %v", got)
		}
		if op := ag.do(http.StatusOK, "PATCH", p, map[string]any{"status": "open"}); op.JSON["snoozed_until"] != nil {
			t.Fatalf("reopen keeps snoozed_until: %s", op.Raw)
		}

		// Assignments: agent and team, each cleared with null.
		assign := p + "/assignments"
		r := ag.do(http.StatusOK, "POST", assign, map[string]any{"assignee_id": w.AgentID, "team_id": w.TeamID})
		if testkit.ID(obj(r.JSON["assignee"])["id"]) != w.AgentID || testkit.ID(obj(r.JSON["team"])["id"]) != w.TeamID {
			t.Fatalf("assign: %s", r.Raw)
		}
		r = ag.do(http.StatusOK, "POST", assign, map[string]any{"assignee_id": nil})
		if r.JSON["assignee"] != nil || r.JSON["assignee_id"] != nil || testkit.ID(obj(r.JSON["team"])["id"]) != w.TeamID {
			t.Fatalf("unassign: %s", r.Raw)
		}
		r = ag.do(http.StatusOK, "POST", assign, map[string]any{"assignee_id": w.AdminID})
		if testkit.ID(obj(r.JSON["assignee"])["id"]) != w.AdminID || testkit.ID(obj(r.JSON["team"])["id"]) != w.TeamID {
			t.Fatalf("reassign: %s", r.Raw)
		}
		r = ag.do(http.StatusOK, "POST", assign, map[string]any{"team_id": nil})
		if r.JSON["team"] != nil || testkit.ID(obj(r.JSON["assignee"])["id"]) != w.AdminID {
			t.Fatalf("clear team: %s", r.Raw)
		}
		for _, body := range []map[string]any{{}, {"assignee_id": missingID}, {"team_id": missingID}, {"assignee_id": "7"}} {
			if res := ag.try("POST", assign, body); res.Status < 400 || res.Status >= 500 {
				t.Errorf("assign %v: status %d, want 4xx", body, res.Status)
			}
		}
		if after := ag.do(http.StatusOK, "GET", p, nil); testkit.ID(obj(after.JSON["assignee"])["id"]) != w.AdminID || after.JSON["team"] != nil {
			t.Fatalf("failed assignments changed the conversation: %s", after.Raw)
		}
		ag.do(http.StatusNotFound, "GET", fmt.Sprintf("/conversations/%d", missingID), nil)
	})
}

func TestMessagesAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		w := buildWorld(t, a)
		ag := asUser(t, a, w.AccountID, w.AgentToken)
		p := fmt.Sprintf("/conversations/%d/messages", w.ConversationID)

		var posted []int64
		for _, m := range rows(ag.do(http.StatusOK, "GET", p+"?limit=100", nil)) {
			posted = append(posted, testkit.ID(m["id"]))
		}
		if len(posted) != 4 {
			t.Fatalf("world has %d messages, want 4", len(posted))
		}
		for i := 0; i < 8; i++ {
			m := ag.do(http.StatusCreated, "POST", p, map[string]any{"content": fmt.Sprintf("reply %d", i), "private": i%3 == 0})
			if m.JSON["content"] != fmt.Sprintf("reply %d", i) || m.JSON["sender_type"] != "agent" || m.JSON["private"] != (i%3 == 0) ||
				testkit.ID(m.JSON["sender_id"]) != w.AgentID || m.JSON["created_at"] == nil {
				t.Fatalf("post: %s", m.Raw)
			}
			posted = append(posted, testkit.ID(m.JSON["id"]))
		}
		if !slices.IsSorted(posted) {
			t.Fatalf("message ids not increasing: %v", posted)
		}
		desc := slices.Clone(posted)
		slices.Reverse(desc)
		for _, limit := range []int{1, 3, 4, 11, 100} {
			if got := ag.pageAll(p+"?order=asc", limit); !slices.Equal(got, posted) {
				t.Errorf("asc limit %d: %v, want %v", limit, got, posted)
			}
			if got := ag.pageAll(p+"?order=desc", limit); !slices.Equal(got, desc) {
				t.Errorf("desc limit %d: %v, want %v", limit, got, desc)
			}
		}
		if got := ag.pageAll(p+"?x=1", 5); !slices.Equal(got, posted) {
			t.Errorf("default order: %v", got)
		}
		all := rows(ag.do(http.StatusOK, "GET", p+"?limit=100", nil))
		var private int
		for _, m := range all {
			if m["private"] == true {
				private++
			}
		}
		if private != 4 {
			t.Fatalf("agents see %d private notes, want 4", private)
		}
		conv := ag.do(http.StatusOK, "GET", fmt.Sprintf("/conversations/%d", w.ConversationID), nil)
		if testkit.ID(obj(conv.JSON["last_message"])["id"]) != posted[len(posted)-1] {
			t.Fatalf("last message %v, want %d", conv.JSON["last_message"], posted[len(posted)-1])
		}

		// Idempotency keys, in the body or the header: a replay answers 200
		// with the first message and stores nothing.
		count := func() int { return len(rows(ag.do(http.StatusOK, "GET", p+"?limit=100", nil))) }
		before := count()
		m1 := ag.do(http.StatusCreated, "POST", p, map[string]any{"content": "once", "idempotency_key": "key-1"})
		m2 := ag.do(http.StatusOK, "POST", p, map[string]any{"content": "once", "idempotency_key": "key-1"})
		m3 := ag.do(http.StatusOK, "POST", p, map[string]any{"content": "a different retry body", "idempotency_key": "key-1"})
		if testkit.ID(m1.JSON["id"]) != testkit.ID(m2.JSON["id"]) || testkit.ID(m1.JSON["id"]) != testkit.ID(m3.JSON["id"]) ||
			m3.JSON["content"] != "once" {
			t.Fatalf("replays: %s / %s / %s", m1.Raw, m2.Raw, m3.Raw)
		}
		hdr := func(want int, key, content string) testkit.Response {
			return a.MustDo(t, want, testkit.Req{Method: "POST", Path: ag.base + p, Token: ag.token,
				Headers: map[string]string{"Idempotency-Key": key}, Body: map[string]any{"content": content}})
		}
		h1, h2 := hdr(http.StatusCreated, "key-2", "via header"), hdr(http.StatusOK, "key-2", "via header")
		if testkit.ID(h1.JSON["id"]) != testkit.ID(h2.JSON["id"]) || testkit.ID(h1.JSON["id"]) == testkit.ID(m1.JSON["id"]) {
			t.Fatalf("header replays: %s / %s", h1.Raw, h2.Raw)
		}
		// The same key in the header and the body names the same message.
		if b := ag.do(http.StatusOK, "POST", p, map[string]any{"content": "x", "idempotency_key": "key-2"}); testkit.ID(b.JSON["id"]) != testkit.ID(h1.JSON["id"]) {
			t.Fatalf("body key after header key: %s", b.Raw)
		}
		if got := count(); got != before+2 {
			t.Fatalf("%d messages after replays, want %d", got, before+2)
		}
		// Keys are per conversation.
		other := testkit.ID(ag.do(http.StatusCreated, "POST", "/conversations", newConversationBody(w)).JSON["id"])
		o := ag.do(http.StatusCreated, "POST", fmt.Sprintf("/conversations/%d/messages", other), map[string]any{"content": "once", "idempotency_key": "key-1"})
		if testkit.ID(o.JSON["id"]) == testkit.ID(m1.JSON["id"]) {
			t.Fatalf("idempotency key leaked across conversations")
		}

		for _, body := range []map[string]any{{"content": ""}, {"content": "  \n "}, {"content": strings.Repeat("x", 20001)},
			{"content": "x", "idempotency_key": strings.Repeat("k", 129)}} {
			if res := ag.try("POST", p, body); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("post %.40v: status %d, want 422", body, res.Status)
			}
		}
		ag.do(http.StatusNotFound, "POST", fmt.Sprintf("/conversations/%d/messages", missingID), map[string]any{"content": "hi"})
		ag.do(http.StatusNotFound, "GET", fmt.Sprintf("/conversations/%d/messages", missingID), nil)
	})
}
