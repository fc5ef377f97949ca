package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// btProblem fails unless res is an RFC 9457 problem with the status, our
// content type and a stable type URI.
func btProblem(t *testing.T, res testkit.Response, status int) {
	t.Helper()
	if res.Status != status {
		t.Errorf("status %d, want %d; body %s", res.Status, status, res.Raw)
		return
	}
	btIsProblem(t, res)
}

// btIsProblem checks the shape of any error answer.
func btIsProblem(t *testing.T, res testkit.Response) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("status %d: Content-Type %q, want application/problem+json; body %s", res.Status, ct, res.Raw)
	}
	typ, _ := res.JSON["type"].(string)
	if !strings.HasPrefix(typ, "urn:hummdesk:problem:") {
		t.Errorf("status %d: problem type %q, want urn:hummdesk:problem:…; body %s", res.Status, typ, res.Raw)
	}
	if testkit.ID(res.JSON["status"]) != int64(res.Status) {
		t.Errorf("problem status %v, HTTP status %d", res.JSON["status"], res.Status)
	}
	if res.JSON["title"] == nil {
		t.Errorf("problem without title: %s", res.Raw)
	}
}

// btFieldErrors returns the locations the problem's errors list.
func btFieldErrors(res testkit.Response) []string {
	var locs []string
	errs, _ := res.JSON["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			loc, _ := m["location"].(string)
			locs = append(locs, loc)
		}
	}
	return locs
}

func btMentions(res testkit.Response, field string) bool {
	for _, l := range btFieldErrors(res) {
		if strings.Contains(l, field) {
			return true
		}
	}
	return false
}

type btInboxInfo struct {
	id     int64
	token  string
	secret string
}

// btInbox creates a web-widget inbox; extra fields are merged into the body.
func btInbox(t *testing.T, a *testkit.App, ten testkit.Tenant, extra map[string]any) btInboxInfo {
	t.Helper()
	body := map[string]any{"name": testkit.Unique("Web "), "channel_type": "web_widget"}
	for k, v := range extra {
		body[k] = v
	}
	res := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("/api/v1/accounts/%d/inboxes", ten.AccountID),
		Token: ten.Token, Body: body})
	return btInboxInfo{id: testkit.ID(res.JSON["id"]), token: res.JSON["inbox_token"].(string), secret: res.JSON["hmac_secret"].(string)}
}

// btContact creates a contact through the agent API.
func btContact(t *testing.T, a *testkit.App, ten testkit.Tenant, body map[string]any) int64 {
	t.Helper()
	res := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("/api/v1/accounts/%d/contacts", ten.AccountID),
		Token: ten.Token, Body: body})
	return testkit.ID(res.JSON["id"])
}

// btConversation starts a conversation with a first agent message.
func btConversation(t *testing.T, a *testkit.App, ten testkit.Tenant, inboxID, contactID int64, content string) int64 {
	t.Helper()
	res := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("/api/v1/accounts/%d/conversations", ten.AccountID),
		Token: ten.Token, Body: map[string]any{"inbox_id": inboxID, "contact_id": contactID, "message": map[string]any{"content": content}}})
	return testkit.ID(res.JSON["id"])
}

func btContactCount(t *testing.T, a *testkit.App, ten testkit.Tenant) int {
	t.Helper()
	res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("/api/v1/accounts/%d/contacts?limit=100", ten.AccountID), Token: ten.Token})
	return len(res.JSON["data"].([]any))
}

// btRaw sends a request with a body reader of unknown length (chunked).
func btRaw(t *testing.T, a *testkit.App, method, path, token string, body io.Reader) testkit.Response {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := testkit.Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.JSON)
	return out
}

func TestBodiesOverOneMiBAreRefused(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		inbox := btInbox(t, a, ten, nil)
		big := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
		path := fmt.Sprintf("/api/v1/accounts/%d/contacts", ten.AccountID)
		btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: path, Token: ten.Token, Body: big}), http.StatusRequestEntityTooLarge)
		// Without a Content-Length the limit holds as well.
		btProblem(t, btRaw(t, a, "POST", path, ten.Token, io.MultiReader(strings.NewReader(big))), http.StatusRequestEntityTooLarge)
		// Public routes too, before any authentication.
		btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/auth/login", Body: big}), http.StatusRequestEntityTooLarge)
		btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + inbox.token + "/contacts", Body: big}), http.StatusRequestEntityTooLarge)
		if n := btContactCount(t, a, ten); n != 0 {
			t.Errorf("%d contacts stored", n)
		}
		// Just under the limit is an ordinary validation question.
		ok := `{"name":"` + strings.Repeat("a", 1<<19) + `"}`
		res := a.Do(t, testkit.Req{Method: "POST", Path: path, Token: ten.Token, Body: ok})
		btProblem(t, res, http.StatusUnprocessableEntity)
	})
}

func TestInvalidTextIsRefusedAndNothingStored(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		inbox := btInbox(t, a, ten, nil)
		contacts := fmt.Sprintf("/api/v1/accounts/%d/contacts", ten.AccountID)
		bodies := map[string]string{
			"invalid UTF-8":           "{\"name\":\"caf\xe9\"}",
			"truncated UTF-8":         "{\"name\":\"\xe2\x82\"}",
			"escaped NUL":             `{"name":"a\u0000b"}`,
			"escaped NUL in key":      `{"na\u0000me":"x"}`,
			"raw NUL":                 "{\"name\":\"a\x00b\"}",
			"lone surrogate":          `{"name":"\ud800"}`,
			"surrogate after U+FFFD":  `{"name":"\ufffd \udfff"}`,
			"high without low":        `{"name":"\ud83d\u0041"}`,
			"escaped NUL in nested":   `{"name":"x","custom_attributes":{"k":"v\u0000"}}`,
			"NUL in attribute key":    `{"name":"x","custom_attributes":{"k\u0000":"v"}}`,
			"escaped NUL upper-case ": `{"name":"a\U0000b"}`,
		}
		for name, body := range bodies {
			res := a.Do(t, testkit.Req{Method: "POST", Path: contacts, Token: ten.Token, Body: body})
			if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 400 or 422; body %s", name, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}
		// Other body formats do not get around the text checks: only JSON is
		// accepted. (The CBOR map {"name": "a\x00b"}.)
		for ct, body := range map[string][]byte{
			"application/cbor": {0xa1, 0x64, 'n', 'a', 'm', 'e', 0x63, 'a', 0x00, 'b'},
			"text/plain":       []byte(`{"name":"a\u0000b"}`),
		} {
			res := a.Do(t, testkit.Req{Method: "POST", Path: contacts, Token: ten.Token, Body: body, Headers: map[string]string{"Content-Type": ct}})
			if res.Status != http.StatusBadRequest && res.Status != http.StatusUnsupportedMediaType {
				t.Errorf("%s body: status %d, want 400 or 415; body %s", ct, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}
		if n := btContactCount(t, a, ten); n != 0 {
			t.Errorf("%d contacts stored from invalid text", n)
		}
		// The decoded forms that matter most answer exactly 400.
		btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: contacts, Token: ten.Token, Body: bodies["invalid UTF-8"]}), http.StatusBadRequest)
		btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: contacts, Token: ten.Token, Body: bodies["escaped NUL"]}), http.StatusBadRequest)

		// The widget, where the text comes from strangers.
		sess := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + inbox.token + "/contacts", Body: map[string]any{}})
		tok := sess.JSON["contact_token"].(string)
		res := a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + inbox.token + "/conversations",
			Headers: map[string]string{"X-Contact-Token": tok}, Body: `{"content":"hello\u0000"}`})
		btProblem(t, res, http.StatusBadRequest)
		list := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + inbox.token + "/conversations",
			Headers: map[string]string{"X-Contact-Token": tok}})
		if n := len(list.JSON["data"].([]any)); n != 0 {
			t.Errorf("%d conversations stored from a NUL message", n)
		}
		// Query strings and paths are outside input too, and both databases
		// answer alike.
		for _, p := range []string{contacts + "?q=a%00b", contacts + "?q=%FF%FE", contacts + "?q=100%",
			fmt.Sprintf("/api/v1/accounts/%d/conversations?q=%%00", ten.AccountID), "/api/v1/widget/a%00b", "/api/v1/widget/%FF"} {
			btProblem(t, a.Do(t, testkit.Req{Method: "GET", Token: ten.Token, Path: p}), http.StatusBadRequest)
		}
		// A valid U+FFFD is ordinary text.
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: contacts, Token: ten.Token, Body: `{"name":"résumé \ufffd �"}`})
	})
}

func TestWrongJSONTypesNameTheField(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		inbox := btInbox(t, a, ten, nil)
		contact := btContact(t, a, ten, map[string]any{"name": "Casey"})
		conv := btConversation(t, a, ten, inbox.id, contact, "hello")
		acc := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		cases := []struct {
			method, path, body, field string
		}{
			{"POST", acc + "/contacts", `{"name":123}`, "name"},
			{"POST", acc + "/contacts", `{"name":"x","custom_attributes":"not an object"}`, "custom_attributes"},
			{"POST", acc + "/teams", `{"name":["Support"]}`, "name"},
			{"PATCH", fmt.Sprintf("%s/conversations/%d", acc, conv), `{"priority":5}`, "priority"},
			{"POST", fmt.Sprintf("%s/conversations/%d/messages", acc, conv), `{"content":"x","private":"yes"}`, "private"},
			{"POST", acc + "/conversations", `{"inbox_id":"1","contact_id":1}`, "inbox_id"},
			{"POST", fmt.Sprintf("%s/conversations/%d/assignments", acc, conv), `{"assignee_id":"me"}`, "assignee_id"},
			{"POST", "/api/v1/auth/login", `{"email":{"$ne":null},"password":"x"}`, "email"},
			{"POST", "/api/v1/auth/refresh", `{"refresh_token":42}`, "refresh_token"},
		}
		for _, c := range cases {
			res := a.Do(t, testkit.Req{Method: c.method, Path: c.path, Token: ten.Token, Body: c.body})
			if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s %s: status %d, want 400/422; body %s", c.method, c.path, c.body, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
			if !btMentions(res, c.field) {
				t.Errorf("%s %s %s: errors %v do not name %q", c.method, c.path, c.body, btFieldErrors(res), c.field)
			}
		}
		for _, body := range []string{`{"name":`, `[1,2]`, `"text"`, `{"name":"a"} trailing`, ``} {
			res := a.Do(t, testkit.Req{Method: "POST", Path: acc + "/teams", Token: ten.Token, Body: body})
			if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
				t.Errorf("body %q: status %d; body %s", body, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}
	})
}

func TestUnknownEnumValuesAre422(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		inbox := btInbox(t, a, ten, nil)
		contact := btContact(t, a, ten, map[string]any{"name": "Casey"})
		conv := btConversation(t, a, ten, inbox.id, contact, "hello")
		agentID, _, _ := btAddAgent(t, a, ten, "agent")
		acc := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		cases := []struct {
			method, path string
			body         any
			field        string
		}{
			{"PATCH", fmt.Sprintf("%s/conversations/%d", acc, conv), map[string]any{"status": "closed"}, "status"},
			{"PATCH", fmt.Sprintf("%s/conversations/%d", acc, conv), map[string]any{"priority": "extreme"}, "priority"},
			{"PATCH", fmt.Sprintf("%s/conversations/%d", acc, conv), map[string]any{"status": "OPEN"}, "status"},
			{"POST", acc + "/agents", map[string]any{"email": "x@example.test", "name": "X", "role": "owner", "password": "long enough"}, "role"},
			{"PATCH", fmt.Sprintf("%s/agents/%d", acc, agentID), map[string]any{"role": "superadmin"}, "role"},
			{"PATCH", fmt.Sprintf("%s/agents/%d", acc, agentID), map[string]any{"availability": "away"}, "availability"},
			{"POST", acc + "/inboxes", map[string]any{"name": "Fax", "channel_type": "fax"}, "channel_type"},
			{"POST", acc + "/conversations", map[string]any{"inbox_id": inbox.id, "contact_id": contact, "priority": "meh"}, "priority"},
			{"GET", acc + "/conversations?status=bogus", nil, "status"},
			{"GET", acc + "/conversations?priority=bogus", nil, "priority"},
			{"GET", acc + "/conversations?assignee=everyone", nil, "assignee"},
		}
		for _, c := range cases {
			res := a.Do(t, testkit.Req{Method: c.method, Path: c.path, Token: ten.Token, Body: c.body})
			btProblem(t, res, http.StatusUnprocessableEntity)
			if !btMentions(res, c.field) {
				t.Errorf("%s %s: errors %v do not name %q", c.method, c.path, btFieldErrors(res), c.field)
			}
		}
		got := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("%s/conversations/%d", acc, conv), Token: ten.Token})
		if got.JSON["status"] != "open" || got.JSON["priority"] != "none" {
			t.Errorf("refused updates changed the conversation: %v %v", got.JSON["status"], got.JSON["priority"])
		}
	})
}

func TestUnknownBodyFieldsAreRefused(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		other := a.Signup(t)
		inbox := btInbox(t, a, ten, nil)
		contact := btContact(t, a, ten, map[string]any{"name": "Casey"})
		conv := btConversation(t, a, ten, inbox.id, contact, "hello")
		agentID, _, _ := btAddAgent(t, a, ten, "agent")
		acc := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		cases := []struct {
			method, path string
			token        string
			body         map[string]any
			field        string
		}{
			{"POST", acc + "/contacts", ten.Token, map[string]any{"name": "Mass", "account_id": other.AccountID}, "account_id"},
			{"POST", acc + "/contacts", ten.Token, map[string]any{"name": "Mass", "id": 1}, "id"},
			{"POST", acc + "/teams", ten.Token, map[string]any{"name": "Mass", "account_id": other.AccountID}, "account_id"},
			{"PATCH", fmt.Sprintf("%s/contacts/%d", acc, contact), ten.Token, map[string]any{"name": "Mass", "account_id": other.AccountID}, "account_id"},
			{"PATCH", fmt.Sprintf("%s/conversations/%d", acc, conv), ten.Token, map[string]any{"status": "pending", "account_id": other.AccountID}, "account_id"},
			{"PATCH", fmt.Sprintf("%s/conversations/%d", acc, conv), ten.Token, map[string]any{"status": "pending", "assignee_id": agentID}, "assignee_id"},
			{"POST", fmt.Sprintf("%s/conversations/%d/messages", acc, conv), ten.Token, map[string]any{"content": "x", "sender_type": "contact"}, "sender_type"},
			{"POST", acc + "/conversations", ten.Token, map[string]any{"inbox_id": inbox.id, "contact_id": contact, "account_id": other.AccountID}, "account_id"},
			{"PATCH", "/api/v1/profile", ten.Token, map[string]any{"name": "Mass", "role": "administrator"}, "role"},
			{"PATCH", "/api/v1/profile", ten.Token, map[string]any{"name": "Mass", "email": "takeover@example.test"}, "email"},
			{"PUT", fmt.Sprintf("%s/availability", acc), ten.Token, map[string]any{"availability": "busy", "role": "administrator"}, "role"},
			{"PATCH", fmt.Sprintf("%s/inboxes/%d", acc, inbox.id), ten.Token, map[string]any{"name": "x", "inbox_token": "chosen"}, "inbox_token"},
			{"POST", "/api/v1/accounts", "", map[string]any{"account_name": "A", "name": "B", "email": testkit.Unique("m") + "@example.test",
				"password": "long enough pw", "role": "agent"}, "role"},
			{"POST", "/api/v1/widget/" + inbox.token + "/contacts", "", map[string]any{"name": "V", "verified": true}, "verified"},
			{"POST", "/api/v1/widget/" + inbox.token + "/contacts", "", map[string]any{"name": "V", "contact_id": contact}, "contact_id"},
		}
		for _, c := range cases {
			res := a.Do(t, testkit.Req{Method: c.method, Path: c.path, Token: c.token, Body: c.body})
			btProblem(t, res, http.StatusUnprocessableEntity)
			if !btMentions(res, c.field) {
				t.Errorf("%s %s: errors %v do not name %q", c.method, c.path, btFieldErrors(res), c.field)
			}
		}
		if n := btContactCount(t, a, ten); n != 1 {
			t.Errorf("%d contacts after refused mass assignment, want 1", n)
		}
		if n := btContactCount(t, a, other); n != 0 {
			t.Errorf("the other account has %d contacts", n)
		}
		prof := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/profile", Token: ten.Token})
		if u := prof.JSON["user"].(map[string]any); u["name"] == "Mass" || u["email"] != ten.Email {
			t.Errorf("profile changed by a refused request: %v", u)
		}
	})
}

func TestPageSizesAreClampedAndCursorsChecked(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		err := a.Store().Tx(context.Background(), ten.AccountID, func(tx *store.Tx) error {
			for i := range 105 {
				if _, err := tx.ContactCreate(context.Background(), store.ContactParams{Name: fmt.Sprintf("Contact %03d", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		acc := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		for limit, want := range map[string]int{"100000": 100, "101": 100, "-1": 25, "0": 25, "1": 1, "100": 100} {
			res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: acc + "/contacts?limit=" + limit, Token: ten.Token})
			if n := len(res.JSON["data"].([]any)); n != want {
				t.Errorf("limit=%s: %d rows, want %d", limit, n, want)
			}
			if res.JSON["next_cursor"] == nil {
				t.Errorf("limit=%s: no next_cursor with more rows left", limit)
			}
		}
		// Walking the cursor visits every contact once.
		seen := map[int64]bool{}
		cursor := ""
		for range 10 {
			res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: acc + "/contacts?limit=40&cursor=" + url.QueryEscape(cursor), Token: ten.Token})
			for _, c := range res.JSON["data"].([]any) {
				id := testkit.ID(c.(map[string]any)["id"])
				if seen[id] {
					t.Fatalf("contact %d twice", id)
				}
				seen[id] = true
			}
			next, _ := res.JSON["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 105 {
			t.Errorf("walked %d contacts, want 105", len(seen))
		}

		bad := []string{"!!!", "not-a-cursor", base64.RawURLEncoding.EncodeToString([]byte("1.2.3")),
			base64.RawURLEncoding.EncodeToString([]byte("abc")), base64.RawURLEncoding.EncodeToString([]byte("99999999999999999999999"))}
		inbox := btInbox(t, a, ten, nil)
		conv := btConversation(t, a, ten, inbox.id, btContact(t, a, ten, map[string]any{"name": "x"}), "hi")
		for _, c := range bad {
			for _, p := range []string{acc + "/contacts", acc + "/conversations", fmt.Sprintf("%s/conversations/%d/messages", acc, conv)} {
				res := a.Do(t, testkit.Req{Method: "GET", Path: p + "?cursor=" + url.QueryEscape(c), Token: ten.Token})
				btProblem(t, res, http.StatusUnprocessableEntity)
			}
		}
		for _, l := range []string{"abc", "1e3", "99999999999999999999"} {
			res := a.Do(t, testkit.Req{Method: "GET", Path: acc + "/contacts?limit=" + l, Token: ten.Token})
			btProblem(t, res, http.StatusUnprocessableEntity)
		}
	})
}

func TestSQLMetacharactersAreJustText(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		inbox := btInbox(t, a, ten, nil)
		acc := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		names := []string{"' OR 1=1 --", "100% sure", "snake_case", "Robert'); DROP TABLE contacts;--", "back\\slash", "plain name", "100 sure", "snakeXcase"}
		ids := map[string]int64{}
		for _, n := range names {
			ids[n] = btContact(t, a, ten, map[string]any{"name": n, "email": strings.NewReplacer(" ", "", "%", "pct", "'", "", "\\", "", ";", "", "(", "", ")", "").Replace(n) + "@example.test"})
			btConversation(t, a, ten, inbox.id, ids[n], "about "+n)
		}
		search := func(path, q string) []string {
			res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: path + "?limit=100&q=" + url.QueryEscape(q), Token: ten.Token})
			var got []string
			for _, r := range res.JSON["data"].([]any) {
				m := r.(map[string]any)
				if c, ok := m["contact"].(map[string]any); ok {
					m = c
				}
				got = append(got, m["name"].(string))
			}
			return got
		}
		for q, want := range map[string]string{
			"' OR 1=1 --": "' OR 1=1 --", "%": "100% sure", "_": "snake_case", "0%": "100% sure",
			"e_c": "snake_case", "DROP TABLE": "Robert'); DROP TABLE contacts;--", "\\": "back\\slash",
		} {
			for _, p := range []string{acc + "/contacts", acc + "/conversations"} {
				got := search(p, q)
				if len(got) != 1 || got[0] != want {
					t.Errorf("%s q=%q: %q, want only %q", p, q, got, want)
				}
			}
		}
		if got := search(acc+"/contacts", "%%"); len(got) != 0 {
			t.Errorf("q=%%%%: %q, want none", got)
		}
		if n := btContactCount(t, a, ten); n != len(names) {
			t.Errorf("%d contacts, want %d", n, len(names))
		}
		// Names are stored exactly.
		for n, id := range ids {
			res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("%s/contacts/%d", acc, id), Token: ten.Token})
			if res.JSON["name"] != n {
				t.Errorf("contact %d name %q, want %q", id, res.JSON["name"], n)
			}
		}
		team := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: acc + "/teams", Token: ten.Token,
			Body: map[string]any{"name": "x'); DELETE FROM teams; --"}})
		if team.JSON["name"] != "x'); DELETE FROM teams; --" {
			t.Errorf("team name %q", team.JSON["name"])
		}
	})
}

func TestMalformedPathIDsAreProblemsNot500(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		inbox := btInbox(t, a, ten, nil)
		acc := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		paths := []struct{ method, path string }{
			{"GET", acc + "/conversations/abc"},
			{"GET", acc + "/conversations/1.5"},
			{"GET", acc + "/conversations/-1"},
			{"GET", acc + "/conversations/0"},
			{"GET", acc + "/conversations/99999999999999999999"},
			{"GET", acc + "/conversations/abc/messages"},
			{"PATCH", acc + "/conversations/abc"},
			{"GET", acc + "/contacts/%20"},
			{"GET", acc + "/contacts/0x10"},
			{"DELETE", acc + "/teams/abc"},
			{"GET", acc + "/agents/abc"},
			{"GET", acc + "/inboxes/abc"},
			{"GET", "/api/v1/accounts/abc"},
			{"GET", "/api/v1/accounts/-5/contacts"},
			{"GET", "/api/v1/accounts/99999999999999999999/contacts"},
			{"GET", "/api/v1/widget/" + inbox.token + "/conversations/abc/messages"},
			{"GET", "/api/v1/widget/" + strings.Repeat("x", 300)},
			{"GET", "/platform/api/v1/accounts/abc"},
			{"GET", "/platform/api/v1/users/abc"},
			{"GET", "/api/v1/no/such/route"},
			{"DELETE", "/api/v1/profile"},
		}
		for _, p := range paths {
			var body any
			if p.method == "PATCH" {
				body = map[string]any{"status": "open"}
			}
			res := a.Do(t, testkit.Req{Method: p.method, Path: p.path, Token: ten.Token, Body: body,
				Headers: map[string]string{"X-Contact-Token": "x"}})
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("%s %s: status %d, want 4xx; body %s", p.method, p.path, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}
		if res := a.Do(t, testkit.Req{Method: "GET", Path: "/platform/api/v1/accounts/abc", Token: btPlatformToken}); res.Status < 400 || res.Status >= 500 {
			t.Errorf("platform abc: %d", res.Status)
		}
	})
}

// TestErrorsAreProblemJSONEvenWhenClientsAskForOtherTypes checks content
// negotiation never turns an error into something else.
func TestErrorsAreProblemJSONEvenWhenClientsAskForOtherTypes(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	for _, accept := range []string{"text/html", "application/xml", "application/cbor", "*/*"} {
		res := a.Do(t, testkit.Req{Method: "GET", Path: "/api/v1/profile", Headers: map[string]string{"Accept": accept}})
		btProblem(t, res, http.StatusUnauthorized)
	}
	res := a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/auth/login", Body: []byte(`{"email":"a@b.c","password":"x"}`),
		Headers: map[string]string{"Content-Type": "text/plain"}})
	if res.Status < 400 || res.Status >= 500 {
		t.Errorf("text/plain login: %d %s", res.Status, res.Raw)
	} else {
		btIsProblem(t, res)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"email":"a@b.c","password":"x"}`)
	res = btRaw(t, a, "POST", "/api/v1/auth/login", "", &buf)
	btProblem(t, res, http.StatusUnauthorized)
}
