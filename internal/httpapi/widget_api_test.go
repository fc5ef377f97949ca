package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"hummdesk/internal/auth"
	"hummdesk/internal/testkit"
)

// btVisitor is a widget session.
type btVisitor struct {
	inbox     string
	token     string
	contactID int64
}

func btSession(t *testing.T, a *testkit.App, inboxToken string, body map[string]any) btVisitor {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	res := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + inboxToken + "/contacts", Body: body})
	tok, _ := res.JSON["contact_token"].(string)
	if tok == "" {
		t.Fatalf("no contact_token: %s", res.Raw)
	}
	return btVisitor{inbox: inboxToken, token: tok, contactID: testkit.ID(res.JSON["contact"].(map[string]any)["id"])}
}

// do sends a widget request as the visitor.
func (v btVisitor) do(t *testing.T, a *testkit.App, method, path string, body any) testkit.Response {
	t.Helper()
	return a.Do(t, testkit.Req{Method: method, Path: "/api/v1/widget/" + v.inbox + path, Body: body,
		Headers: map[string]string{"X-Contact-Token": v.token}})
}

func (v btVisitor) start(t *testing.T, a *testkit.App, content string) int64 {
	t.Helper()
	res := v.do(t, a, "POST", "/conversations", map[string]any{"content": content})
	if res.Status != http.StatusCreated {
		t.Fatalf("widget conversation: %d %s", res.Status, res.Raw)
	}
	return testkit.ID(res.JSON["id"])
}

func (v btVisitor) messages(t *testing.T, a *testkit.App, conv int64) []map[string]any {
	t.Helper()
	res := v.do(t, a, "GET", fmt.Sprintf("/conversations/%d/messages?limit=100", conv), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("widget messages: %d %s", res.Status, res.Raw)
	}
	var out []map[string]any
	for _, m := range res.JSON["data"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return out
}

func (v btVisitor) conversations(t *testing.T, a *testkit.App) []map[string]any {
	t.Helper()
	res := v.do(t, a, "GET", "/conversations", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("widget conversations: %d %s", res.Status, res.Raw)
	}
	var out []map[string]any
	for _, c := range res.JSON["data"].([]any) {
		out = append(out, c.(map[string]any))
	}
	return out
}

func TestWidgetContactTokenIsBoundToItsInbox(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		other := a.Signup(t)
		inA := btInbox(t, a, ten, nil)
		inB := btInbox(t, a, ten, nil)
		inOther := btInbox(t, a, other, nil)
		api := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("/api/v1/accounts/%d/inboxes", ten.AccountID),
			Token: ten.Token, Body: map[string]any{"name": "API", "channel_type": "api"}})

		v := btSession(t, a, inA.token, map[string]any{"name": "Visitor"})
		conv := v.start(t, a, "hello from the widget")
		if cs := v.conversations(t, a); len(cs) != 1 {
			t.Fatalf("%d conversations, want 1", len(cs))
		} else if want := fmt.Sprintf("conversation:%d:%d", ten.AccountID, conv); cs[0]["channel"] != want {
			t.Fatalf("channel %v, want %s (the channel the contact may subscribe to)", cs[0]["channel"], want)
		}

		// The same contact token on another inbox, of the same account or
		// another one, is refused.
		for _, tok := range []string{inB.token, inOther.token} {
			moved := btVisitor{inbox: tok, token: v.token}
			for _, r := range []struct{ method, path string }{
				{"GET", "/conversations"}, {"POST", "/conversations"},
				{"GET", fmt.Sprintf("/conversations/%d/messages", conv)}, {"POST", fmt.Sprintf("/conversations/%d/messages", conv)},
			} {
				res := moved.do(t, a, r.method, r.path, map[string]any{"content": "moved"})
				if res.Status != http.StatusUnauthorized && res.Status != http.StatusNotFound {
					t.Errorf("%s %s on another inbox: %d %s", r.method, r.path, res.Status, res.Raw)
					continue
				}
				btIsProblem(t, res)
			}
		}
		// An API inbox's token does not open a widget, nor does a made-up one.
		for _, tok := range []string{api.JSON["inbox_token"].(string), "no-such-inbox"} {
			btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + tok + "/contacts", Body: map[string]any{}}), http.StatusNotFound)
			btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + tok}), http.StatusNotFound)
		}
		// Useless on agent routes.
		for _, p := range []string{"/api/v1/profile", fmt.Sprintf("/api/v1/accounts/%d/conversations", ten.AccountID),
			fmt.Sprintf("/api/v1/accounts/%d/conversations/%d/messages", ten.AccountID, conv)} {
			btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: p, Token: v.token}), http.StatusUnauthorized)
			btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: p, Headers: map[string]string{"X-Contact-Token": v.token}}), http.StatusUnauthorized)
		}
		// An agent's access token is not a contact token.
		asAgent := btVisitor{inbox: inA.token, token: ten.Token}
		btProblem(t, asAgent.do(t, a, "GET", "/conversations", nil), http.StatusUnauthorized)
		// No token, or a broken one.
		for _, tok := range []string{"", "garbage", btTamper(v.token)} {
			btProblem(t, btVisitor{inbox: inA.token, token: tok}.do(t, a, "GET", "/conversations", nil), http.StatusUnauthorized)
		}
		// After all that, the conversation still has its one message.
		if msgs := v.messages(t, a, conv); len(msgs) != 1 {
			t.Errorf("%d messages, want 1", len(msgs))
		}
	})
}

func TestWidgetContactCannotReachAnotherContactsConversation(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		in := btInbox(t, a, ten, nil)
		alice := btSession(t, a, in.token, map[string]any{"name": "Alice"})
		mallory := btSession(t, a, in.token, map[string]any{"name": "Mallory"})
		conv := alice.start(t, a, "my card number is private")

		missing := mallory.do(t, a, "GET", "/conversations/999999999/messages", nil)
		btProblem(t, missing, http.StatusNotFound)
		for _, method := range []string{"GET", "POST"} {
			res := mallory.do(t, a, method, fmt.Sprintf("/conversations/%d/messages", conv), map[string]any{"content": "let me in"})
			btProblem(t, res, http.StatusNotFound)
			if string(res.Raw) != string(missing.Raw) {
				t.Errorf("%s on another contact's conversation answers %s, a missing one %s", method, res.Raw, missing.Raw)
			}
		}
		if convs := mallory.conversations(t, a); len(convs) != 0 {
			t.Errorf("Mallory sees %d conversations", len(convs))
		}
		msgs := alice.messages(t, a, conv)
		if len(msgs) != 1 || msgs[0]["content"] != "my card number is private" {
			t.Errorf("Alice's conversation changed: %v", msgs)
		}
		// The agent sees the conversation as Alice's, untouched.
		res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Token: ten.Token,
			Path: fmt.Sprintf("/api/v1/accounts/%d/conversations/%d/messages", ten.AccountID, conv)})
		if n := len(res.JSON["data"].([]any)); n != 1 {
			t.Errorf("agent sees %d messages, want 1", n)
		}

		// A contact deleted by an agent loses its session.
		a.MustDo(t, http.StatusNoContent, testkit.Req{Method: "DELETE", Token: ten.Token,
			Path: fmt.Sprintf("/api/v1/accounts/%d/contacts/%d", ten.AccountID, mallory.contactID)})
		for _, r := range []struct{ method, path string }{{"GET", "/conversations"}, {"POST", "/conversations"}} {
			res := mallory.do(t, a, r.method, r.path, map[string]any{"content": "still here?"})
			if res.Status != http.StatusUnauthorized && res.Status != http.StatusNotFound {
				t.Errorf("%s %s by a deleted contact: %d %s", r.method, r.path, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}
	})
}

func TestWidgetNeverShowsPrivateNotes(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		in := btInbox(t, a, ten, nil)
		v := btSession(t, a, in.token, nil)
		conv := v.start(t, a, "my order is late")
		msgs := fmt.Sprintf("/api/v1/accounts/%d/conversations/%d/messages", ten.AccountID, conv)
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: msgs, Token: ten.Token, Body: map[string]any{"content": "NOTE: customer is rude", "private": true}})
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: msgs, Token: ten.Token, Body: map[string]any{"content": "Sorry, on its way!"}})
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: msgs, Token: ten.Token, Body: map[string]any{"content": "NOTE: refund later", "private": true}})

		got := v.messages(t, a, conv)
		var contents []string
		for _, m := range got {
			contents = append(contents, m["content"].(string))
			if m["private"] == true {
				t.Errorf("private message in widget list: %v", m)
			}
		}
		if strings.Join(contents, "|") != "my order is late|Sorry, on its way!" {
			t.Errorf("widget messages = %q", contents)
		}
		desc := v.do(t, a, "GET", fmt.Sprintf("/conversations/%d/messages?order=desc&limit=1", conv), nil)
		if data := desc.JSON["data"].([]any); len(data) != 1 || data[0].(map[string]any)["content"] != "Sorry, on its way!" {
			t.Errorf("newest widget message = %v", desc.JSON["data"])
		}
		for _, c := range v.conversations(t, a) {
			if lm, ok := c["last_message"].(map[string]any); ok && strings.HasPrefix(lm["content"].(string), "NOTE") {
				t.Errorf("conversation list shows a private note: %v", lm)
			}
		}
		// The agent sees all four.
		res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: msgs, Token: ten.Token})
		if n := len(res.JSON["data"].([]any)); n != 4 {
			t.Errorf("agent sees %d messages, want 4", n)
		}
		// A contact cannot write a private note.
		res = v.do(t, a, "POST", fmt.Sprintf("/conversations/%d/messages", conv), map[string]any{"content": "x", "private": true})
		if res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusBadRequest {
			t.Errorf("contact private note: %d %s", res.Status, res.Raw)
		}
	})
}

func TestWidgetIdentityVerification(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		in := btInbox(t, a, ten, nil)
		other := btInbox(t, a, ten, nil)
		known := btContact(t, a, ten, map[string]any{"name": "Known Customer", "email": "known@example.test", "identifier": "user-42"})
		conv := btConversation(t, a, ten, in.id, known, "earlier answer from support")

		good := auth.IdentifierHash(in.secret, "user-42")
		v := btSession(t, a, in.token, map[string]any{"identifier": "user-42", "identifier_hash": good})
		if v.contactID != known {
			t.Fatalf("verified session got contact %d, want %d", v.contactID, known)
		}
		convs := v.conversations(t, a)
		if len(convs) != 1 || testkit.ID(convs[0]["id"]) != conv {
			t.Fatalf("verified visitor sees %v, want conversation %d", convs, conv)
		}
		if msgs := v.messages(t, a, conv); len(msgs) != 1 || msgs[0]["content"] != "earlier answer from support" {
			t.Errorf("history = %v", msgs)
		}
		if upper := btSession(t, a, in.token, map[string]any{"identifier": "user-42", "identifier_hash": strings.ToUpper(good)}); upper.contactID != known {
			t.Errorf("upper-case hex hash got contact %d, want %d", upper.contactID, known)
		}
		// A verified identifier never seen before makes a new contact that
		// keeps the identifier: the next verified session finds it again.
		fresh := btSession(t, a, in.token, map[string]any{"identifier": "user-77", "identifier_hash": auth.IdentifierHash(in.secret, "user-77")})
		again := btSession(t, a, in.token, map[string]any{"identifier": "user-77", "identifier_hash": auth.IdentifierHash(in.secret, "user-77")})
		if fresh.contactID == known || fresh.contactID != again.contactID {
			t.Errorf("user-77 sessions: %d then %d (known %d)", fresh.contactID, again.contactID, known)
		}

		path := "/api/v1/widget/" + in.token + "/contacts"
		for name, body := range map[string]map[string]any{
			"wrong hash":            {"identifier": "user-42", "identifier_hash": strings.Repeat("0", 64)},
			"hash of another id":    {"identifier": "user-42", "identifier_hash": auth.IdentifierHash(in.secret, "user-43")},
			"other inbox's secret":  {"identifier": "user-42", "identifier_hash": auth.IdentifierHash(other.secret, "user-42")},
			"identifier alone":      {"identifier": "user-42"},
			"hash alone":            {"identifier_hash": good},
			"empty hash":            {"identifier": "user-42", "identifier_hash": ""},
			"hash with email claim": {"identifier": "user-42", "identifier_hash": "x", "email": "known@example.test"},
		} {
			res := a.Do(t, testkit.Req{Method: "POST", Path: path, Body: body})
			if res.Status != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401; body %s", name, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}

		// With hmac_mandatory, anonymous sessions are refused.
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "PATCH", Path: fmt.Sprintf("/api/v1/accounts/%d/inboxes/%d", ten.AccountID, in.id),
			Token: ten.Token, Body: map[string]any{"hmac_mandatory": true}})
		cfg := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + in.token})
		if cfg.JSON["hmac_mandatory"] != true {
			t.Errorf("widget config hmac_mandatory = %v", cfg.JSON["hmac_mandatory"])
		}
		for _, body := range []map[string]any{{}, {"name": "Anon", "email": "known@example.test"}} {
			btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: path, Body: body}), http.StatusUnauthorized)
		}
		if w := btSession(t, a, in.token, map[string]any{"identifier": "user-42", "identifier_hash": good}); w.contactID != known {
			t.Errorf("verified session under hmac_mandatory got contact %d", w.contactID)
		}
		// The other inbox still takes anonymous visitors.
		btSession(t, a, other.token, nil)
	})
}

func TestWidgetEmailNeverGrantsAnExistingContactsHistory(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		in := btInbox(t, a, ten, nil)
		vip := btContact(t, a, ten, map[string]any{"name": "VIP", "email": "vip@example.test"})
		conv := btConversation(t, a, ten, in.id, vip, "your contract renewal details")
		// The real VIP used the widget before, too.
		vipSession := btSession(t, a, in.token, map[string]any{"email": "vip@example.test"})
		vipSession.start(t, a, "first visit")

		for _, email := range []string{"vip@example.test", "VIP@Example.test", " vip@example.test "} {
			imp := btSession(t, a, in.token, map[string]any{"name": "VIP", "email": email})
			if imp.contactID == vip || imp.contactID == vipSession.contactID {
				t.Fatalf("email %q attached the visitor to an existing contact %d", email, imp.contactID)
			}
			if convs := imp.conversations(t, a); len(convs) != 0 {
				t.Errorf("email %q sees %d conversations", email, len(convs))
			}
			btProblem(t, imp.do(t, a, "GET", fmt.Sprintf("/conversations/%d/messages", conv), nil), http.StatusNotFound)
		}
		res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Token: ten.Token,
			Path: fmt.Sprintf("/api/v1/accounts/%d/contacts/%d", ten.AccountID, vip)})
		if res.JSON["name"] != "VIP" || res.JSON["email"] != "vip@example.test" {
			t.Errorf("existing contact changed: %s", res.Raw)
		}
		btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + in.token + "/contacts",
			Body: map[string]any{"email": "not an email"}}), http.StatusUnprocessableEntity)
	})
}

func TestWidgetMessageIdempotencyKey(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		in := btInbox(t, a, ten, nil)
		v := btSession(t, a, in.token, nil)
		conv := v.start(t, a, "hi")
		path := fmt.Sprintf("/conversations/%d/messages", conv)

		first := v.do(t, a, "POST", path, map[string]any{"content": "are you there?", "idempotency_key": "k-1"})
		if first.Status != http.StatusCreated {
			t.Fatalf("first post: %d %s", first.Status, first.Raw)
		}
		retry := v.do(t, a, "POST", path, map[string]any{"content": "are you there?", "idempotency_key": "k-1"})
		if retry.Status != http.StatusOK {
			t.Fatalf("retry: %d %s", retry.Status, retry.Raw)
		}
		if testkit.ID(retry.JSON["id"]) != testkit.ID(first.JSON["id"]) || retry.JSON["content"] != "are you there?" {
			t.Errorf("retry answered %s, first %s", retry.Raw, first.Raw)
		}
		next := v.do(t, a, "POST", path, map[string]any{"content": "hello?", "idempotency_key": "k-2"})
		if next.Status != http.StatusCreated || testkit.ID(next.JSON["id"]) == testkit.ID(first.JSON["id"]) {
			t.Errorf("a new key: %d %s", next.Status, next.Raw)
		}
		if msgs := v.messages(t, a, conv); len(msgs) != 3 {
			t.Errorf("%d messages, want 3 (no duplicate)", len(msgs))
		}
		// Another visitor's key space is separate and cannot see the first
		// message through a replay.
		w := btSession(t, a, in.token, nil)
		res := w.do(t, a, "POST", path, map[string]any{"content": "replay?", "idempotency_key": "k-1"})
		btProblem(t, res, http.StatusNotFound)
	})
}

func TestWidgetConversationIdempotencyKey(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		in := btInbox(t, a, ten, nil)
		v := btSession(t, a, in.token, nil)
		body := map[string]any{"content": "my order never arrived", "idempotency_key": "start-1"}
		first := v.do(t, a, "POST", "/conversations", body)
		if first.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", first.Status, first.Raw)
		}
		retry := v.do(t, a, "POST", "/conversations", body)
		if retry.Status != http.StatusOK || testkit.ID(retry.JSON["id"]) != testkit.ID(first.JSON["id"]) {
			t.Fatalf("retry opened another conversation: %d %s (first %s)", retry.Status, retry.Raw, first.Raw)
		}
		if msgs := v.messages(t, a, testkit.ID(first.JSON["id"])); len(msgs) != 1 {
			t.Errorf("%d messages after a retried start, want 1", len(msgs))
		}
		// The same key from another visitor starts that visitor's own.
		w := btSession(t, a, in.token, nil)
		other := w.do(t, a, "POST", "/conversations", body)
		if other.Status != http.StatusCreated || testkit.ID(other.JSON["id"]) == testkit.ID(first.JSON["id"]) {
			t.Errorf("another visitor with the same key: %d %s", other.Status, other.Raw)
		}
	})
}

func TestWidgetPrechatRequiredEmail(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		in := btInbox(t, a, ten, map[string]any{"prechat_require_email": true, "prechat_message": "Leave your email, we answer there too."})
		open := btInbox(t, a, ten, nil)

		cfg := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + in.token})
		if cfg.JSON["prechat_enabled"] != true || cfg.JSON["prechat_require_email"] != true ||
			cfg.JSON["prechat_message"] != "Leave your email, we answer there too." {
			t.Fatalf("widget config: %s", cfg.Raw)
		}
		if _, ok := cfg.JSON["hmac_secret"]; ok {
			t.Fatalf("widget config shows the secret: %s", cfg.Raw)
		}
		// The OpenAPI document describes the fields (huma skips unexported embedded structs).
		if oa := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/openapi.json"}); strings.Count(string(oa.Raw), `"prechat_require_email"`) < 4 {
			t.Errorf("the OpenAPI document lacks the pre-chat fields")
		}
		def := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + open.token})
		if def.JSON["prechat_enabled"] != true || def.JSON["prechat_require_email"] != false || def.JSON["prechat_message"] != "" {
			t.Fatalf("default widget config: %s", def.Raw)
		}

		// Without a valid email the session is refused.
		path := "/api/v1/widget/" + in.token + "/contacts"
		for name, body := range map[string]map[string]any{
			"nothing":       {},
			"name only":     {"name": "Ann"},
			"blank email":   {"name": "Ann", "email": "   "},
			"invalid email": {"name": "Ann", "email": "ann at example"},
		} {
			res := a.Do(t, testkit.Req{Method: "POST", Path: path, Body: body})
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422; body %s", name, res.Status, res.Raw)
				continue
			}
			btIsProblem(t, res)
		}
		if v := btSession(t, a, in.token, map[string]any{"name": "Ann", "email": " ann@example.test "}); v.contactID == 0 {
			t.Fatal("session with an email")
		}
		// A visitor the site vouches for needs no email; a failed
		// verification is still refused as such.
		btSession(t, a, in.token, map[string]any{"identifier": "user-9", "identifier_hash": auth.IdentifierHash(in.secret, "user-9")})
		btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: path,
			Body: map[string]any{"identifier": "user-9", "identifier_hash": strings.Repeat("0", 64)}}), http.StatusUnauthorized)
		// Other inboxes, and this one with its form turned off, take
		// anonymous visitors.
		btSession(t, a, open.token, nil)
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "PATCH", Path: fmt.Sprintf("/api/v1/accounts/%d/inboxes/%d", ten.AccountID, in.id),
			Token: ten.Token, Body: map[string]any{"prechat_enabled": false}})
		cfg = a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + in.token})
		if cfg.JSON["prechat_enabled"] != false {
			t.Fatalf("widget config after turning the form off: %s", cfg.Raw)
		}
		v := btSession(t, a, in.token, nil)
		v.start(t, a, "hello without a form")
	})
}
