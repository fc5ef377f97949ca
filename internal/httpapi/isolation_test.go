package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/httpapi"
	"hummdesk/internal/testkit"
)

// missingID is an id no test database reaches.
const missingID int64 = 999999999

// world is one account holding one of everything: an administrator (the
// signup), an agent who is a member of a team, a web-widget inbox, a
// contact, and a conversation assigned to the agent and team with a reply
// and a private note.
type world struct {
	testkit.Tenant
	AgentID        int64
	AgentEmail     string
	AgentPassword  string
	AgentToken     string
	TeamID         int64
	InboxID        int64
	InboxToken     string
	ContactID      int64
	ConversationID int64
	ArticleID      int64
	DraftID        int64
}

func (w world) base() string { return fmt.Sprintf("/api/v1/accounts/%d", w.AccountID) }

// ids maps the routes table's path parameters to this world's objects.
func (w world) ids() map[string]int64 {
	return map[string]int64{
		"account_id": w.AccountID, "agent_id": w.AgentID, "team_id": w.TeamID, "inbox_id": w.InboxID,
		"contact_id": w.ContactID, "conversation_id": w.ConversationID, "article_id": w.ArticleID,
		"draft_id": w.DraftID,
	}
}

func buildWorld(t testing.TB, a *testkit.App) world {
	t.Helper()
	w := world{Tenant: a.Signup(t)}
	do := func(want int, method, path string, body any) testkit.Response {
		t.Helper()
		return a.MustDo(t, want, testkit.Req{Method: method, Path: w.base() + path, Token: w.Token, Body: body})
	}
	w.AgentEmail = testkit.Unique("agent") + "@example.test"
	w.AgentPassword = "agent password 123"
	ag := do(http.StatusCreated, "POST", "/agents", map[string]any{"name": "Alma Agent", "email": w.AgentEmail,
		"role": "agent", "password": w.AgentPassword})
	w.AgentID = testkit.ID(ag.JSON["id"])
	w.AgentToken = a.Login(t, w.AgentEmail, w.AgentPassword)
	w.TeamID = testkit.ID(do(http.StatusCreated, "POST", "/teams", map[string]any{"name": "Billing", "description": "Invoices"}).JSON["id"])
	do(http.StatusNoContent, "POST", fmt.Sprintf("/teams/%d/members", w.TeamID), map[string]any{"agent_id": w.AgentID})
	inbox := do(http.StatusCreated, "POST", "/inboxes", map[string]any{"name": "Website", "channel_type": "web_widget"})
	w.InboxID, w.InboxToken = testkit.ID(inbox.JSON["id"]), inbox.JSON["inbox_token"].(string)
	w.ContactID = testkit.ID(do(http.StatusCreated, "POST", "/contacts", map[string]any{"name": "Carl Customer",
		"email": "carl@example.test", "phone": "+1 555 0100", "identifier": "cust-1",
		"custom_attributes": map[string]any{"plan": "pro"}}).JSON["id"])
	w.ConversationID = testkit.ID(do(http.StatusCreated, "POST", "/conversations", map[string]any{"inbox_id": w.InboxID,
		"contact_id": w.ContactID, "priority": "high", "message": map[string]any{"content": "My invoice is wrong"}}).JSON["id"])
	msgs := fmt.Sprintf("/conversations/%d/messages", w.ConversationID)
	do(http.StatusCreated, "POST", msgs, map[string]any{"content": "We are looking into it"})
	do(http.StatusCreated, "POST", msgs, map[string]any{"content": "Check the plan first", "private": true})
	do(http.StatusOK, "POST", fmt.Sprintf("/conversations/%d/assignments", w.ConversationID),
		map[string]any{"assignee_id": w.AgentID, "team_id": w.TeamID})
	w.ArticleID = testkit.ID(do(http.StatusCreated, "POST", "/knowledge_base/articles", map[string]any{"title": "Refunds",
		"content": "Invoices paid twice are refunded within ten days.", "published": true}).JSON["id"])
	// The embedding job changes the article; wait for it so that
	// snapshots taken later compare equal.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		art := do(http.StatusOK, "GET", fmt.Sprintf("/knowledge_base/articles/%d", w.ArticleID), nil)
		if art.JSON["embedding"].(map[string]any)["status"] == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("article %d was not embedded within 30s", w.ArticleID)
		}
	}
	// The customer writes in through the widget (as the same contact,
	// verified by HMAC), so the conversation gets a classification and a
	// reply draft.
	mac := hmac.New(sha256.New, []byte(inbox.JSON["hmac_secret"].(string)))
	mac.Write([]byte("cust-1"))
	sess := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + w.InboxToken + "/contacts",
		Body: map[string]any{"identifier": "cust-1", "identifier_hash": hex.EncodeToString(mac.Sum(nil))}})
	a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("/api/v1/widget/%s/conversations/%d/messages", w.InboxToken, w.ConversationID),
		Headers: map[string]string{"X-Contact-Token": sess.JSON["contact_token"].(string)},
		Body:    map[string]any{"content": "I paid my invoice twice, when will I get the refund?"}})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res := a.Do(t, testkit.Req{Method: "GET", Path: w.base() + fmt.Sprintf("/conversations/%d/drafts", w.ConversationID), Token: w.Token})
		if data, _ := res.JSON["data"].([]any); len(data) > 0 {
			w.DraftID = testkit.ID(data[0].(map[string]any)["id"])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no draft within 30s: %s", res.Raw)
		}
	}
	// The classification set its own priority; the world keeps "high".
	v := do(http.StatusOK, "PATCH", fmt.Sprintf("/conversations/%d", w.ConversationID), map[string]any{"priority": "high"}).JSON["version"]
	// Catch-up reads hold back events while an older transaction anywhere
	// on the server is running; wait until the last change is readable, so
	// snapshots taken later compare equal.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		evs, _ := do(http.StatusOK, "GET", "/events?limit=100", nil).JSON["data"].([]any)
		if n := len(evs); n > 0 && evs[n-1].(map[string]any)["type"] == "conversation.updated" && evs[n-1].(map[string]any)["version"] == v {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the world's last event was not readable within 30s")
		}
	}
	return w
}

// routeBodies holds a valid request body for every route that takes one,
// built from the caller's own account. A route with a body and no entry
// fails the matrices, so new routes cannot slip through untested.
var routeBodies = map[string]func(self world) any{
	"update-profile": func(world) any { return map[string]any{"name": "Renamed Person"} },
	"change-password": func(w world) any {
		return map[string]any{"current_password": w.Password, "new_password": "another password 1"}
	},
	"update-account":      func(world) any { return map[string]any{"name": "Renamed Account"} },
	"add-agent":           func(world) any { return newAgentBody("agent") },
	"update-agent":        func(world) any { return map[string]any{"availability": "busy", "max_concurrent": 4} },
	"set-availability":    func(world) any { return map[string]any{"availability": "online"} },
	"create-team":         func(world) any { return map[string]any{"name": testkit.Unique("Team ")} },
	"update-team":         func(world) any { return map[string]any{"description": "changed"} },
	"add-team-member":     func(w world) any { return map[string]any{"agent_id": w.AgentID} },
	"create-inbox":        func(world) any { return map[string]any{"name": "API inbox", "channel_type": "api"} },
	"update-inbox":        func(world) any { return map[string]any{"greeting": "Hi there"} },
	"create-contact":      func(world) any { return map[string]any{"name": "Dora Doe", "email": "dora@example.test"} },
	"update-contact":      func(world) any { return map[string]any{"phone": "+1 555 0199"} },
	"create-conversation": func(w world) any { return newConversationBody(w) },
	"update-conversation": func(world) any { return map[string]any{"priority": "urgent", "status": "pending"} },
	"assign-conversation": func(w world) any { return map[string]any{"assignee_id": w.AgentID, "team_id": w.TeamID} },
	"create-message":      func(world) any { return map[string]any{"content": "Any news?"} },
	"create-kb-article": func(world) any {
		return map[string]any{"title": "Roaming", "content": "Roaming in the EU costs nothing extra.", "tags": []string{"travel"}}
	},
	"correct-classification": func(world) any { return map[string]any{"sentiment": "neutral", "priority": "urgent"} },
	"reclassify":             func(world) any { return nil },
	"accept-draft":           func(world) any { return map[string]any{"content": "Your refund is on its way."} },
	"reject-draft":           func(world) any { return nil },
	"update-ai-settings":     func(world) any { return map[string]any{"threshold": 0.9, "auto_assign": false} },
	"update-kb-article": func(world) any {
		return map[string]any{"content": "Refunds take ten working days.", "published": false}
	},
}

func newAgentBody(role string) map[string]any {
	return map[string]any{"name": "New Agent", "email": testkit.Unique("new") + "@example.test", "role": role,
		"password": "new agent password"}
}

func newConversationBody(w world) map[string]any {
	return map[string]any{"inbox_id": w.InboxID, "contact_id": w.ContactID, "message": map[string]any{"content": "Hello"}}
}

// bodyFor returns the valid body of a route, failing the test when a route
// that takes a body has none in routeBodies.
func bodyFor(t *testing.T, r httpapi.Route, self world) any {
	t.Helper()
	if r.Method != http.MethodPost && r.Method != http.MethodPatch && r.Method != http.MethodPut {
		return nil
	}
	f, ok := routeBodies[r.OperationID]
	if !ok {
		t.Fatalf("route %s (%s %s) takes a body but routeBodies has no entry for it", r.OperationID, r.Method, r.Path)
	}
	return f(self)
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// pathParams lists the parameters of a route path in order.
func pathParams(path string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

// fillPath substitutes ids into a route path; an unknown parameter fails
// the test so new kinds of ids get a value here first.
func fillPath(t *testing.T, path string, ids map[string]int64) string {
	t.Helper()
	return pathParam.ReplaceAllStringFunc(path, func(m string) string {
		name := m[1 : len(m)-1]
		id, ok := ids[name]
		if !ok {
			t.Fatalf("no id for path parameter %q of %s", name, path)
		}
		return fmt.Sprint(id)
	})
}

// accountRoutes are the account-scoped routes (Member or Admin).
func accountRoutes() []httpapi.Route {
	var out []httpapi.Route
	for _, r := range httpapi.RouteTable() {
		if r.Access == httpapi.Member || r.Access == httpapi.Admin {
			out = append(out, r)
		}
	}
	return out
}

func callRoute(t *testing.T, a *testkit.App, r httpapi.Route, ids map[string]int64, token string, body any) testkit.Response {
	t.Helper()
	return a.Do(t, testkit.Req{Method: r.Method, Path: fillPath(t, r.Path, ids), Token: token, Body: body})
}

// canon is a JSON document in canonical form without `$schema` fields.
func canon(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("response is not JSON (%v): %q", err, raw)
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "$schema")
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// snapshot reads every object of a world through every GET route of the
// account, with its own administrator's token.
func snapshot(t *testing.T, a *testkit.App, w world) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range accountRoutes() {
		if r.Method != http.MethodGet {
			continue
		}
		path := fillPath(t, r.Path, w.ids())
		if strings.HasSuffix(path, "/messages") || strings.HasSuffix(path, "/conversations") || strings.HasSuffix(path, "/contacts") {
			path += "?limit=100"
		}
		res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: path, Token: w.Token})
		out[path] = canon(t, res.Raw)
	}
	if len(out) < 10 {
		t.Fatalf("snapshot covers only %d GET routes", len(out))
	}
	return out
}

func sameSnapshot(t *testing.T, who string, before, after map[string]string) {
	t.Helper()
	for path, b := range before {
		if after[path] != b {
			t.Errorf("%s changed at GET %s:\nbefore %s\nafter  %s", who, path, b, after[path])
		}
	}
}

// TestTenantIsolation attacks account B with account A's administrator
// through every account-scoped route and every id a body can carry, and
// checks that each attempt looks exactly like a request for a missing
// object and that nothing of B (or A) changed.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		A, B := buildWorld(t, a), buildWorld(t, a)
		beforeA, beforeB := snapshot(t, a, A), snapshot(t, a, B)

		t.Run("foreign object ids in the path", func(t *testing.T) {
			attacked := 0
			for _, r := range accountRoutes() {
				var objs []string
				for _, p := range pathParams(r.Path) {
					if p != "account_id" {
						objs = append(objs, p)
					}
				}
				if len(objs) == 0 {
					continue
				}
				attacked++
				// Every non-empty subset of the object ids comes from B (or
				// is missing); the rest are A's own.
				for mask := 1; mask < 1<<len(objs); mask++ {
					foreign, missing := A.ids(), A.ids()
					var which []string
					for i, p := range objs {
						if mask&(1<<i) != 0 {
							foreign[p], missing[p] = B.ids()[p], missingID
							which = append(which, p)
						}
					}
					got := callRoute(t, a, r, foreign, A.Token, bodyFor(t, r, A))
					want := callRoute(t, a, r, missing, A.Token, bodyFor(t, r, A))
					name := fmt.Sprintf("%s with B's %s", r.OperationID, strings.Join(which, ", "))
					if got.Status != http.StatusNotFound {
						t.Errorf("%s: status %d, want 404; body %s", name, got.Status, got.Raw)
						continue
					}
					if g, w := canon(t, got.Raw), canon(t, want.Raw); g != w || want.Status != got.Status {
						t.Errorf("%s: answer differs from a missing id's:\nforeign %d %s\nmissing %d %s", name, got.Status, g, want.Status, w)
					}
				}
			}
			if attacked < 15 {
				t.Fatalf("only %d routes take object ids; the routes table lost some", attacked)
			}
		})

		t.Run("foreign account id in the path", func(t *testing.T) {
			for _, r := range accountRoutes() {
				foreign, missing := B.ids(), B.ids()
				missing["account_id"] = missingID
				got := callRoute(t, a, r, foreign, A.Token, bodyFor(t, r, A))
				want := callRoute(t, a, r, missing, A.Token, bodyFor(t, r, A))
				if got.Status != http.StatusNotFound {
					t.Errorf("%s in B's account: status %d, want 404; body %s", r.OperationID, got.Status, got.Raw)
					continue
				}
				if g, w := canon(t, got.Raw), canon(t, want.Raw); g != w || want.Status != got.Status {
					t.Errorf("%s: B's account answers unlike a missing one:\nforeign %d %s\nmissing %d %s",
						r.OperationID, got.Status, g, want.Status, w)
				}
			}
		})

		t.Run("foreign ids in bodies", func(t *testing.T) {
			post := func(path string, body any) testkit.Response {
				return a.Do(t, testkit.Req{Method: "POST", Path: A.base() + path, Token: A.Token, Body: body})
			}
			with := func(m map[string]any, k string, v any) map[string]any {
				out := map[string]any{}
				for kk, vv := range m {
					out[kk] = vv
				}
				out[k] = v
				return out
			}
			conv := newConversationBody(A)
			assign := fmt.Sprintf("/conversations/%d/assignments", A.ConversationID)
			members := fmt.Sprintf("/teams/%d/members", A.TeamID)
			cases := []struct {
				name, path, field string
				body              map[string]any
				foreign           int64
			}{
				{"conversation in B's inbox", "/conversations", "inbox_id", conv, B.InboxID},
				{"conversation with B's contact", "/conversations", "contact_id", conv, B.ContactID},
				{"conversation assigned to B's agent", "/conversations", "assignee_id", conv, B.AgentID},
				{"conversation assigned to B's administrator", "/conversations", "assignee_id", conv, B.AdminID},
				{"conversation in B's team", "/conversations", "team_id", conv, B.TeamID},
				{"assign to B's agent", assign, "assignee_id", map[string]any{}, B.AgentID},
				{"assign to B's team", assign, "team_id", map[string]any{}, B.TeamID},
				{"assign to A's agent and B's team", assign, "team_id", map[string]any{"assignee_id": A.AgentID}, B.TeamID},
				{"add B's agent to A's team", members, "agent_id", map[string]any{}, B.AgentID},
				{"add B's administrator to A's team", members, "agent_id", map[string]any{}, B.AdminID},
			}
			for _, c := range cases {
				got := post(c.path, with(c.body, c.field, c.foreign))
				want := post(c.path, with(c.body, c.field, missingID))
				if got.Status != http.StatusNotFound {
					t.Errorf("%s: status %d, want 404; body %s", c.name, got.Status, got.Raw)
					continue
				}
				if g, w := canon(t, got.Raw), canon(t, want.Raw); g != w {
					t.Errorf("%s: answer differs from a missing id's:\nforeign %s\nmissing %s", c.name, g, w)
				}
			}
			for _, q := range []string{
				fmt.Sprintf("inbox_id=%d", B.InboxID), fmt.Sprintf("contact_id=%d", B.ContactID),
				fmt.Sprintf("assignee_id=%d", B.AgentID), fmt.Sprintf("team_id=%d", B.TeamID), "q=Carl",
			} {
				res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: A.base() + "/conversations?" + q, Token: A.Token})
				for _, row := range res.JSON["data"].([]any) {
					if id := testkit.ID(row.(map[string]any)["id"]); id != A.ConversationID {
						t.Errorf("filter %s in A lists conversation %d, which is not A's", q, id)
					}
				}
			}
		})

		afterA, afterB := snapshot(t, a, A), snapshot(t, a, B)
		sameSnapshot(t, "account B", beforeB, afterB)
		sameSnapshot(t, "account A", beforeA, afterA)
		if !slices.Equal(sortedKeys(beforeB), sortedKeys(afterB)) {
			t.Errorf("snapshot paths differ")
		}
	})
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
