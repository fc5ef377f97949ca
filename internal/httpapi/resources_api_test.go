package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/testkit"
)

// as sends requests to one account with one user's token.
type as struct {
	t     *testing.T
	a     *testkit.App
	base  string
	token string
}

func asUser(t *testing.T, a *testkit.App, accountID int64, token string) as {
	return as{t: t, a: a, base: fmt.Sprintf("/api/v1/accounts/%d", accountID), token: token}
}

func (c as) do(want int, method, path string, body any) testkit.Response {
	c.t.Helper()
	return c.a.MustDo(c.t, want, testkit.Req{Method: method, Path: c.base + path, Token: c.token, Body: body})
}

func (c as) try(method, path string, body any) testkit.Response {
	c.t.Helper()
	return c.a.Do(c.t, testkit.Req{Method: method, Path: c.base + path, Token: c.token, Body: body})
}

// rows returns the data array of a list response as objects.
func rows(res testkit.Response) []map[string]any {
	var out []map[string]any
	for _, r := range res.JSON["data"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

func idsOf(rs []map[string]any) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = testkit.ID(r["id"])
	}
	return out
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// pageAll follows next_cursor from path (which has its query already)
// and returns every row's id in order, failing on a page over limit.
func (c as) pageAll(path string, limit int) []int64 {
	c.t.Helper()
	var all []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 200 {
			c.t.Fatalf("pagination of %s does not end", path)
		}
		p := path + "&limit=" + fmt.Sprint(limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		res := c.do(http.StatusOK, "GET", p, nil)
		rs := rows(res)
		if len(rs) > limit {
			c.t.Fatalf("%s: page of %d rows, limit %d", p, len(rs), limit)
		}
		all = append(all, idsOf(rs)...)
		next, _ := res.JSON["next_cursor"].(string)
		if next == "" {
			if res.JSON["next_cursor"] != nil {
				c.t.Fatalf("next_cursor is %v, want a string or null", res.JSON["next_cursor"])
			}
			return all
		}
		if len(rs) != limit {
			c.t.Fatalf("%s: short page of %d rows still has a next_cursor", p, len(rs))
		}
		cursor = next
	}
}

func TestAgentsAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		adm := asUser(t, a, ten.AccountID, ten.Token)

		// A new user: created with the given password, which logs them in.
		email := testkit.Unique("Agent") + "@Example.test"
		created := adm.do(http.StatusCreated, "POST", "/agents", map[string]any{"name": " Ann Agent ", "email": email,
			"role": "agent", "password": "ann's password"})
		annID := testkit.ID(created.JSON["id"])
		if created.JSON["role"] != "agent" || created.JSON["name"] != "Ann Agent" || created.JSON["email"] != strings.ToLower(email) ||
			created.JSON["availability"] != "offline" || created.JSON["password"] != nil {
			t.Fatalf("unexpected agent: %s", created.Raw)
		}
		login := a.MustDo(t, http.StatusOK, testkit.Req{Method: "POST", Path: "/api/v1/auth/login",
			Body: map[string]any{"email": email, "password": "ann's password"}})
		accts := login.JSON["accounts"].([]any)
		if len(accts) != 1 || testkit.ID(obj(accts[0])["id"]) != ten.AccountID || obj(accts[0])["role"] != "agent" {
			t.Fatalf("new agent's login lists %v", accts)
		}
		annToken := login.JSON["access_token"].(string)

		// An existing user (an administrator elsewhere) keeps their password.
		other := a.Signup(t)
		adm.do(http.StatusCreated, "POST", "/agents", map[string]any{"email": other.Email, "role": "agent", "password": "an attempt to take over"})
		a.Login(t, other.Email, other.Password)
		a.MustDo(t, http.StatusUnauthorized, testkit.Req{Method: "POST", Path: "/api/v1/auth/login",
			Body: map[string]any{"email": other.Email, "password": "an attempt to take over"}})
		if res := adm.try("POST", "/agents", map[string]any{"email": other.Email, "role": "administrator"}); res.Status != http.StatusConflict {
			t.Fatalf("adding a member twice: status %d, want 409; body %s", res.Status, res.Raw)
		}
		for _, body := range []map[string]any{
			{"email": testkit.Unique("x") + "@example.test", "role": "agent", "password": "long enough pw"}, // no name
			{"email": testkit.Unique("x") + "@example.test", "role": "agent", "name": "No Password"},
			{"email": testkit.Unique("x") + "@example.test", "role": "owner", "name": "Bad Role", "password": "long enough pw"},
			{"email": testkit.Unique("x") + "@example.test", "role": "agent", "name": "Short", "password": "short"},
		} {
			if res := adm.try("POST", "/agents", body); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("add agent %v: status %d, want 422; body %s", body, res.Status, res.Raw)
			}
		}

		list := rows(adm.do(http.StatusOK, "GET", "/agents", nil))
		if got := idsOf(list); len(got) != 3 || !slices.Contains(got, annID) || !slices.Contains(got, other.AdminID) || !slices.Contains(got, ten.AdminID) {
			t.Fatalf("agents %v", got)
		}

		upd := adm.do(http.StatusOK, "PATCH", fmt.Sprintf("/agents/%d", annID), map[string]any{"availability": "busy", "max_concurrent": 3})
		if upd.JSON["availability"] != "busy" || testkit.ID(upd.JSON["max_concurrent"]) != 3 || upd.JSON["role"] != "agent" {
			t.Fatalf("update: %s", upd.Raw)
		}
		got := adm.do(http.StatusOK, "GET", fmt.Sprintf("/agents/%d", annID), nil)
		if got.JSON["availability"] != "busy" || testkit.ID(got.JSON["max_concurrent"]) != 3 {
			t.Fatalf("update not stored: %s", got.Raw)
		}
		if res := adm.try("PATCH", fmt.Sprintf("/agents/%d", annID), map[string]any{"max_concurrent": 5000}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("capacity 5000: status %d", res.Status)
		}
		// The agent sets their own availability.
		own := asUser(t, a, ten.AccountID, annToken).do(http.StatusOK, "PUT", "/availability", map[string]any{"availability": "online"})
		if own.JSON["availability"] != "online" || testkit.ID(own.JSON["id"]) != annID {
			t.Fatalf("set availability: %s", own.Raw)
		}

		// The last administrator can be neither demoted nor removed.
		self := fmt.Sprintf("/agents/%d", ten.AdminID)
		for _, res := range []testkit.Response{
			adm.try("PATCH", self, map[string]any{"role": "agent"}),
			adm.try("DELETE", self, nil),
		} {
			if res.Status != http.StatusConflict {
				t.Fatalf("last administrator: status %d, want 409; body %s", res.Status, res.Raw)
			}
		}
		adm.do(http.StatusOK, "PATCH", fmt.Sprintf("/agents/%d", annID), map[string]any{"role": "administrator"})
		demoted := adm.do(http.StatusOK, "PATCH", self, map[string]any{"role": "agent"})
		if demoted.JSON["role"] != "agent" {
			t.Fatalf("demote: %s", demoted.Raw)
		}
		ann := asUser(t, a, ten.AccountID, annToken)
		if res := ann.try("PATCH", fmt.Sprintf("/agents/%d", annID), map[string]any{"role": "agent"}); res.Status != http.StatusConflict {
			t.Fatalf("demoting the now last administrator: status %d, want 409", res.Status)
		}
		// The former administrator, now an agent, is refused admin routes.
		if res := adm.try("POST", "/teams", map[string]any{"name": "Nope"}); res.Status != http.StatusForbidden {
			t.Fatalf("demoted administrator creating a team: status %d, want 403", res.Status)
		}

		// Removal unassigns the agent's conversations and ends their access.
		w := asUser(t, a, ten.AccountID, annToken)
		inbox := testkit.ID(w.do(http.StatusCreated, "POST", "/inboxes", map[string]any{"name": "Web", "channel_type": "api"}).JSON["id"])
		contact := testkit.ID(w.do(http.StatusCreated, "POST", "/contacts", map[string]any{"name": "Cy"}).JSON["id"])
		conv := testkit.ID(w.do(http.StatusCreated, "POST", "/conversations", map[string]any{"inbox_id": inbox, "contact_id": contact,
			"assignee_id": other.AdminID}).JSON["id"])
		w.do(http.StatusNoContent, "DELETE", fmt.Sprintf("/agents/%d", other.AdminID), nil)
		w.do(http.StatusNotFound, "GET", fmt.Sprintf("/agents/%d", other.AdminID), nil)
		if c := w.do(http.StatusOK, "GET", fmt.Sprintf("/conversations/%d", conv), nil); c.JSON["assignee"] != nil || c.JSON["assignee_id"] != nil {
			t.Fatalf("removed agent still assigned: %s", c.Raw)
		}
		asUser(t, a, ten.AccountID, other.Token).do(http.StatusNotFound, "GET", "/conversations", nil)
		w.do(http.StatusNotFound, "DELETE", fmt.Sprintf("/agents/%d", other.AdminID), nil)
		// Their own account is untouched.
		asUser(t, a, other.AccountID, other.Token).do(http.StatusOK, "GET", "/agents", nil)
	})
}

func TestTeamsAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		w := buildWorld(t, a)
		adm := asUser(t, a, w.AccountID, w.Token)

		team := adm.do(http.StatusCreated, "POST", "/teams", map[string]any{"name": "  Sales ", "description": "Leads"})
		id := testkit.ID(team.JSON["id"])
		if team.JSON["name"] != "Sales" || team.JSON["description"] != "Leads" {
			t.Fatalf("create: %s", team.Raw)
		}
		if res := adm.try("POST", "/teams", map[string]any{"name": "Sales"}); res.Status != http.StatusConflict {
			t.Fatalf("duplicate name: status %d, want 409", res.Status)
		}
		if res := adm.try("POST", "/teams", map[string]any{"name": "   "}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("blank name: status %d, want 422", res.Status)
		}
		if names := rows(adm.do(http.StatusOK, "GET", "/teams", nil)); len(names) != 2 || names[0]["name"] != "Billing" || names[1]["name"] != "Sales" {
			t.Fatalf("list: %v", names)
		}
		p := fmt.Sprintf("/teams/%d", id)
		upd := adm.do(http.StatusOK, "PATCH", p, map[string]any{"name": " Sales EU ", "description": ""})
		if upd.JSON["name"] != "Sales EU" || upd.JSON["description"] != "" {
			t.Fatalf("update: %s", upd.Raw)
		}
		if got := adm.do(http.StatusOK, "GET", p, nil); got.JSON["name"] != "Sales EU" {
			t.Fatalf("get after update: %s", got.Raw)
		}
		if res := adm.try("PATCH", p, map[string]any{"name": "Billing"}); res.Status != http.StatusConflict {
			t.Fatalf("rename onto another team: status %d, want 409; body %s", res.Status, res.Raw)
		}

		// Members.
		adm.do(http.StatusNoContent, "POST", p+"/members", map[string]any{"agent_id": w.AgentID})
		adm.do(http.StatusNoContent, "POST", p+"/members", map[string]any{"agent_id": w.AgentID}) // idempotent
		adm.do(http.StatusNoContent, "POST", p+"/members", map[string]any{"agent_id": w.AdminID})
		if ids := idsOf(rows(adm.do(http.StatusOK, "GET", p+"/members", nil))); len(ids) != 2 || !slices.Contains(ids, w.AgentID) || !slices.Contains(ids, w.AdminID) {
			t.Fatalf("members %v", ids)
		}
		adm.do(http.StatusNotFound, "POST", p+"/members", map[string]any{"agent_id": missingID})
		adm.do(http.StatusNoContent, "DELETE", fmt.Sprintf("%s/members/%d", p, w.AdminID), nil)
		adm.do(http.StatusNotFound, "DELETE", fmt.Sprintf("%s/members/%d", p, w.AdminID), nil)
		if ids := idsOf(rows(adm.do(http.StatusOK, "GET", p+"/members", nil))); !slices.Equal(ids, []int64{w.AgentID}) {
			t.Fatalf("members after removal %v", ids)
		}

		// Deleting a team keeps its conversations, without a team.
		adm.do(http.StatusOK, "POST", fmt.Sprintf("/conversations/%d/assignments", w.ConversationID), map[string]any{"team_id": id})
		adm.do(http.StatusNoContent, "DELETE", p, nil)
		adm.do(http.StatusNotFound, "GET", p, nil)
		adm.do(http.StatusNotFound, "GET", p+"/members", nil)
		c := adm.do(http.StatusOK, "GET", fmt.Sprintf("/conversations/%d", w.ConversationID), nil)
		if c.JSON["team"] != nil || testkit.ID(obj(c.JSON["assignee"])["id"]) != w.AgentID {
			t.Fatalf("conversation after team deletion: %s", c.Raw)
		}
		// The agent is still a member of the other team.
		if ids := idsOf(rows(adm.do(http.StatusOK, "GET", fmt.Sprintf("/teams/%d/members", w.TeamID), nil))); !slices.Equal(ids, []int64{w.AgentID}) {
			t.Fatalf("other team's members %v", ids)
		}
	})
}

func TestInboxesAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		w := buildWorld(t, a)
		adm := asUser(t, a, w.AccountID, w.Token)

		web := adm.do(http.StatusCreated, "POST", "/inboxes", map[string]any{"name": " Help center ", "channel_type": "web_widget",
			"greeting": "Hi!"})
		token, _ := web.JSON["inbox_token"].(string)
		snippet, _ := web.JSON["widget_snippet"].(string)
		if len(token) < 16 || !strings.Contains(snippet, token) || !strings.Contains(snippet, "<script") || web.JSON["name"] != "Help center" {
			t.Fatalf("web widget inbox: %s", web.Raw)
		}
		if web.JSON["hmac_secret"] == "" || web.JSON["hmac_secret"] == token {
			t.Fatalf("hmac secret: %s", web.Raw)
		}
		api := adm.do(http.StatusCreated, "POST", "/inboxes", map[string]any{"name": "API", "channel_type": "api"})
		if _, ok := api.JSON["widget_snippet"]; ok {
			t.Fatalf("api inbox has a widget snippet: %s", api.Raw)
		}
		if res := adm.try("POST", "/inboxes", map[string]any{"name": "Fax", "channel_type": "fax"}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown channel: status %d", res.Status)
		}
		// The pre-chat form is on by default, the email optional.
		if web.JSON["prechat_enabled"] != true || web.JSON["prechat_require_email"] != false || web.JSON["prechat_message"] != "" {
			t.Fatalf("pre-chat defaults: %s", web.Raw)
		}
		quiet := adm.do(http.StatusCreated, "POST", "/inboxes", map[string]any{"name": "Quiet", "channel_type": "web_widget",
			"prechat_enabled": false, "prechat_message": " Straight to the chat "})
		if quiet.JSON["prechat_enabled"] != false || quiet.JSON["prechat_message"] != "Straight to the chat" {
			t.Fatalf("inbox created without the pre-chat form: %s", quiet.Raw)
		}
		for name, body := range map[string]map[string]any{
			"enabled not a boolean":       {"name": "X", "channel_type": "web_widget", "prechat_enabled": "yes"},
			"require email not a boolean": {"name": "X", "channel_type": "web_widget", "prechat_require_email": 1},
			"message not a string":        {"name": "X", "channel_type": "web_widget", "prechat_message": 42},
			"message too long":            {"name": "X", "channel_type": "web_widget", "prechat_message": strings.Repeat("é", 501)},
		} {
			res := adm.try("POST", "/inboxes", body)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("create, %s: status %d, want 422; body %s", name, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}
		if ids := idsOf(rows(adm.do(http.StatusOK, "GET", "/inboxes", nil))); len(ids) != 4 {
			t.Fatalf("inboxes %v", ids)
		}

		id := testkit.ID(web.JSON["id"])
		p := fmt.Sprintf("/inboxes/%d", id)
		upd := adm.do(http.StatusOK, "PATCH", p, map[string]any{"name": " Support ", "greeting": "Hello again", "hmac_mandatory": true,
			"prechat_require_email": true, "prechat_message": strings.Repeat("é", 500)})
		if upd.JSON["name"] != "Support" || upd.JSON["greeting"] != "Hello again" || upd.JSON["hmac_mandatory"] != true ||
			upd.JSON["inbox_token"] != token || upd.JSON["prechat_enabled"] != true || upd.JSON["prechat_require_email"] != true ||
			upd.JSON["prechat_message"] != strings.Repeat("é", 500) {
			t.Fatalf("update: %s", upd.Raw)
		}
		for name, body := range map[string]map[string]any{
			"enabled not a boolean":       {"prechat_enabled": "no"},
			"require email not a boolean": {"prechat_require_email": "true"},
			"message not a string":        {"prechat_message": []any{"a"}},
			"message too long":            {"prechat_message": strings.Repeat("a", 501)},
		} {
			res := adm.try("PATCH", p, body)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("update, %s: status %d, want 422; body %s", name, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}
		// Fields left out stay; a refused update changed nothing.
		upd = adm.do(http.StatusOK, "PATCH", p, map[string]any{"prechat_message": "Tell us who you are"})
		if upd.JSON["prechat_require_email"] != true || upd.JSON["prechat_message"] != "Tell us who you are" || upd.JSON["name"] != "Support" {
			t.Fatalf("partial update: %s", upd.Raw)
		}
		if got := adm.do(http.StatusOK, "GET", p, nil); canon(t, got.Raw) != canon(t, upd.Raw) {
			t.Fatalf("get after update:\n%s\n%s", got.Raw, upd.Raw)
		}
		// Agents see the inbox and its snippet, not the identity secret.
		ag := asUser(t, a, w.AccountID, w.AgentToken)
		for _, got := range append(rows(ag.do(http.StatusOK, "GET", "/inboxes", nil)), ag.do(http.StatusOK, "GET", p, nil).JSON) {
			if _, ok := got["hmac_secret"]; ok || got["inbox_token"] == "" {
				t.Fatalf("agent's view of an inbox: %v", got)
			}
		}
		if !strings.Contains(ag.do(http.StatusOK, "GET", p, nil).JSON["widget_snippet"].(string), token) {
			t.Fatal("agent's view lacks the widget snippet")
		}
		cfg := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + token})
		if cfg.JSON["greeting"] != "Hello again" || cfg.JSON["hmac_mandatory"] != true || cfg.JSON["prechat_enabled"] != true ||
			cfg.JSON["prechat_require_email"] != true || cfg.JSON["prechat_message"] != "Tell us who you are" {
			t.Fatalf("widget config: %s", cfg.Raw)
		}
		// The pre-chat settings round-trip through the list, too.
		for _, got := range rows(adm.do(http.StatusOK, "GET", "/inboxes", nil)) {
			if testkit.ID(got["id"]) == testkit.ID(quiet.JSON["id"]) && (got["prechat_enabled"] != false || got["prechat_message"] != "Straight to the chat") {
				t.Fatalf("listed inbox without the pre-chat form: %v", got)
			}
		}

		// Deleting an inbox deletes its conversations and messages.
		conv := testkit.ID(adm.do(http.StatusCreated, "POST", "/conversations", map[string]any{"inbox_id": id, "contact_id": w.ContactID,
			"message": map[string]any{"content": "in the doomed inbox"}}).JSON["id"])
		adm.do(http.StatusNoContent, "DELETE", p, nil)
		adm.do(http.StatusNotFound, "GET", p, nil)
		adm.do(http.StatusNotFound, "DELETE", p, nil)
		adm.do(http.StatusNotFound, "GET", fmt.Sprintf("/conversations/%d", conv), nil)
		adm.do(http.StatusNotFound, "GET", fmt.Sprintf("/conversations/%d/messages", conv), nil)
		if ids := idsOf(rows(adm.do(http.StatusOK, "GET", "/conversations", nil))); !slices.Equal(ids, []int64{w.ConversationID}) {
			t.Fatalf("conversations after inbox deletion %v", ids)
		}
		a.MustDo(t, http.StatusNotFound, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + token})
		// The contact survives its inbox.
		adm.do(http.StatusOK, "GET", fmt.Sprintf("/contacts/%d", w.ContactID), nil)
	})
}

func TestContactsAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		w := buildWorld(t, a)
		// Contacts are member work: the agent does it all but delete.
		ag := asUser(t, a, w.AccountID, w.AgentToken)
		adm := asUser(t, a, w.AccountID, w.Token)

		c := ag.do(http.StatusCreated, "POST", "/contacts", map[string]any{"name": " Zoe Zed ", "email": " Zoe@Example.test ",
			"phone": "+44 20 7946 0000", "identifier": "crm-42", "custom_attributes": map[string]any{"tier": "gold", "seats": 12.0}})
		id := testkit.ID(c.JSON["id"])
		if c.JSON["name"] != "Zoe Zed" || c.JSON["email"] != "Zoe@Example.test" || c.JSON["identifier"] != "crm-42" ||
			obj(c.JSON["custom_attributes"])["tier"] != "gold" {
			t.Fatalf("create: %s", c.Raw)
		}
		p := fmt.Sprintf("/contacts/%d", id)
		if got := ag.do(http.StatusOK, "GET", p, nil); canon(t, got.Raw) != canon(t, c.Raw) {
			t.Fatalf("get:\n%s\n%s", got.Raw, c.Raw)
		}
		if res := ag.try("POST", "/contacts", map[string]any{"name": "Dup", "identifier": "crm-42"}); res.Status != http.StatusConflict {
			t.Fatalf("duplicate identifier: status %d, want 409", res.Status)
		}
		if res := ag.try("POST", "/contacts", map[string]any{"email": "not an email"}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad email: status %d, want 422", res.Status)
		}
		upd := ag.do(http.StatusOK, "PATCH", p, map[string]any{"name": "Zoë Zed", "email": " zoe@corp.example ", "custom_attributes": map[string]any{"tier": "silver"}})
		if upd.JSON["name"] != "Zoë Zed" || upd.JSON["email"] != "zoe@corp.example" || upd.JSON["phone"] != "+44 20 7946 0000" ||
			len(obj(upd.JSON["custom_attributes"])) != 1 || obj(upd.JSON["custom_attributes"])["tier"] != "silver" {
			t.Fatalf("update: %s", upd.Raw)
		}
		if got := ag.do(http.StatusOK, "GET", p, nil); canon(t, got.Raw) != canon(t, upd.Raw) {
			t.Fatalf("get after update:\n%s\n%s", got.Raw, upd.Raw)
		}
		if res := ag.try("PATCH", p, map[string]any{"email": "nope"}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("update with bad email: status %d, want 422", res.Status)
		}

		// Search by name, email and phone, case-insensitively; wildcards are text.
		for _, name := range []string{"Percy 100% Pure", "Under_score", "Quinn"} {
			ag.do(http.StatusCreated, "POST", "/contacts", map[string]any{"name": name, "email": strings.ToLower(strings.Fields(name)[0]) + "@shop.example"})
		}
		search := func(q string) []string {
			var out []string
			for _, r := range rows(ag.do(http.StatusOK, "GET", "/contacts?q="+url.QueryEscape(q), nil)) {
				out = append(out, r["name"].(string))
			}
			slices.Sort(out)
			return out
		}
		for q, want := range map[string][]string{
			"zoë":          {"Zoë Zed"},
			"CORP.EXAMPLE": {"Zoë Zed"},
			"7946":         {"Zoë Zed"},
			"carl":         {"Carl Customer"},
			"%":            {"Percy 100% Pure"},
			"_":            {"Under_score"},
			"shop.example": {"Percy 100% Pure", "Quinn", "Under_score"},
			"' OR 1=1 --":  nil,
			"nobody":       nil,
		} {
			if got := search(q); !slices.Equal(got, want) {
				t.Errorf("search %q: %v, want %v", q, got, want)
			}
		}

		// Pagination: newest first, every contact exactly once.
		var all []int64
		for _, r := range rows(ag.do(http.StatusOK, "GET", "/contacts?limit=100", nil)) {
			all = append(all, testkit.ID(r["id"]))
		}
		for i := 0; i < 6; i++ {
			all = append([]int64{testkit.ID(ag.do(http.StatusCreated, "POST", "/contacts", map[string]any{"name": fmt.Sprintf("Page %d", i)}).JSON["id"])}, all...)
		}
		for _, limit := range []int{1, 3, 4, 100} {
			if got := ag.pageAll("/contacts?", limit); !slices.Equal(got, all) {
				t.Errorf("limit %d pages %v, want %v", limit, got, all)
			}
		}
		if got := ag.pageAll("/contacts?q=page", 4); len(got) != 6 {
			t.Errorf("search pages %v", got)
		}

		// Deleting a contact (administrators only) deletes their conversations.
		ag.do(http.StatusForbidden, "DELETE", fmt.Sprintf("/contacts/%d", w.ContactID), nil)
		adm.do(http.StatusNoContent, "DELETE", fmt.Sprintf("/contacts/%d", w.ContactID), nil)
		adm.do(http.StatusNotFound, "GET", fmt.Sprintf("/contacts/%d", w.ContactID), nil)
		adm.do(http.StatusNotFound, "GET", fmt.Sprintf("/conversations/%d", w.ConversationID), nil)
		adm.do(http.StatusNotFound, "DELETE", fmt.Sprintf("/contacts/%d", w.ContactID), nil)
	})
}

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
