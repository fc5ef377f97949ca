package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

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
