package httpapi_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"hummdesk/internal/httpapi"
	"hummdesk/internal/testkit"
)

// fuzzing reports whether the test binary runs the fuzzer (as coordinator
// or worker) rather than the seed corpus only.
func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if fl := flag.Lookup(name); fl != nil && fl.Value.String() != "" && fl.Value.String() != "false" {
			return true
		}
	}
	return false
}

// fuzzTarget is one running app with an account to aim requests at.
type fuzzTarget struct {
	name    string
	app     *testkit.App
	w       world
	contact string // a widget contact token for w's inbox
	widConv int64  // a widget conversation of that contact
}

// fuzzTargets starts the apps fuzz inputs are sent to: SQLite always, and,
// when only the seed corpus runs, PostgreSQL too (which refuses more text
// than SQLite does). Each worker of a fuzzing run builds its own.
func fuzzTargets(f *testing.F) []fuzzTarget {
	f.Helper()
	dialects := []testkit.Dialect{testkit.SQLite}
	if !fuzzing() && postgresReachable(f) {
		dialects = append(dialects, testkit.Postgres)
	}
	f.Logf("fuzz targets on %v", dialects)
	var out []fuzzTarget
	for _, d := range dialects {
		a := testkit.StartApp(f, d)
		w := buildWorld(f, a)
		sess := a.MustDo(f, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + w.InboxToken + "/contacts",
			Body: map[string]any{"name": "Wendy Widget"}})
		ct := sess.JSON["contact_token"].(string)
		conv := a.MustDo(f, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + w.InboxToken + "/conversations",
			Headers: map[string]string{"X-Contact-Token": ct}, Body: map[string]any{"content": "hello"}})
		out = append(out, fuzzTarget{name: string(d), app: a, w: w, contact: ct, widConv: testkit.ID(conv.JSON["id"])})
	}
	return out
}

// postgresReachable is testkit's rule without skipping the SQLite half:
// PostgreSQL joins when it answers, and must answer in CI.
func postgresReachable(f *testing.F) bool {
	db, err := sql.Open("pgx", testkit.AdminURL())
	if err == nil {
		defer db.Close()
		err = db.Ping()
	}
	if err != nil && os.Getenv("CI") != "" {
		f.Fatalf("PostgreSQL is required in CI: %v", err)
	}
	return err == nil
}

// send runs one request through the app's handler in process and checks
// the answer: never a 5xx, always JSON, problems typed.
func (ft fuzzTarget) send(t *testing.T, method, target string, body []byte, headers map[string]string, rawQuery *string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if body == nil {
		req = httptest.NewRequest(method, target, nil)
	}
	if rawQuery != nil {
		req.URL.RawQuery = *rawQuery
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	ft.app.Handler().ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s: %s %s → %d: %s", ft.name, method, req.URL, rec.Code, rec.Body.Bytes())
	}
	if rec.Code == http.StatusNoContent {
		return rec
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s: %s %s → %d with a body that is not JSON: %q", ft.name, method, req.URL, rec.Code, rec.Body.Bytes())
	}
	if rec.Code >= 400 {
		var p struct{ Type string }
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") ||
			!strings.HasPrefix(p.Type, httpapi.ProblemTypeBase) {
			t.Fatalf("%s: %s %s → %d is not a typed problem: %s %q", ft.name, method, req.URL, rec.Code,
				rec.Header().Get("Content-Type"), rec.Body.Bytes())
		}
	}
	return rec
}

// bodyRoute is one decoder of request bodies the fuzzer aims at.
type bodyRoute struct {
	method, path string
	agent        bool // send the administrator's token
	widget       bool // send the contact token
	valid        string
}

func bodyRoutes(ft fuzzTarget) []bodyRoute {
	w, base := ft.w, ft.w.base()
	conv := fmt.Sprintf("%s/conversations/%d", base, w.ConversationID)
	widget := "/api/v1/widget/" + w.InboxToken
	return []bodyRoute{
		{"POST", "/api/v1/auth/login", false, false, `{"email":"nobody@example.test","password":"wrong password"}`},
		{"POST", "/api/v1/accounts", false, false, `{"account_name":"Fuzz Co","name":"F","email":"f@example.test","password":"password 123"}`},
		{"POST", "/api/v1/auth/refresh", false, false, `{"refresh_token":"nope"}`},
		{"POST", base + "/contacts", true, false, `{"name":"C","email":"c@example.test","custom_attributes":{"a":[1,{"b":null}]}}`},
		{"PATCH", fmt.Sprintf("%s/contacts/%d", base, w.ContactID), true, false, `{"phone":"+1","custom_attributes":{}}`},
		{"POST", base + "/conversations", true, false, fmt.Sprintf(`{"inbox_id":%d,"contact_id":%d,"message":{"content":"hi"}}`, w.InboxID, w.ContactID)},
		{"PATCH", conv, true, false, `{"status":"snoozed","snoozed_until":"2999-01-01T00:00:00Z"}`},
		{"POST", conv + "/assignments", true, false, fmt.Sprintf(`{"assignee_id":%d,"team_id":null}`, w.AdminID)},
		{"POST", conv + "/messages", true, false, `{"content":"reply","private":true,"idempotency_key":"k"}`},
		{"POST", widget + "/contacts", false, false, `{"name":"V","email":"v@example.test","identifier":"u1","identifier_hash":"00"}`},
		{"POST", widget + "/conversations", false, true, `{"content":"help"}`},
		{"POST", fmt.Sprintf("%s/conversations/%d/messages", widget, ft.widConv), false, true, `{"content":"more"}`},
	}
}

// nastyBodies are seeds every body decoder gets.
var nastyBodies = []string{
	``, `{}`, `null`, `[]`, `"x"`, `0`, `{} {}`, `{"a":`, `{"content":"\u0000"}`, "{\"content\":\"\xff\xfe\"}",
	`{"content":"\ud800"}`, `{"content":"\udc00\ud800"}`, `{"name":"\ud83d\ude00 ok","content":"\ud83d\ude00"}`,
	`{"content":"x","content":"y"}`, `{"inbox_id":1e400}`, `{"inbox_id":99999999999999999999}`, `{"inbox_id":-1,"contact_id":0}`,
	`{"inbox_id":1.5}`, `{"assignee_id":"1"}`, `{"assignee_id":null,"team_id":null}`, `{"assignee_id":9223372036854775807}`,
	`{"status":"snoozed","snoozed_until":"0001-01-01T00:00:00Z"}`, `{"status":"snoozed","snoozed_until":"9999-12-31T23:59:59.999999999Z"}`,
	`{"status":"snoozed","snoozed_until":"275760-09-13T00:00:00Z"}`, `{"status":"snoozed","snoozed_until":"not a time"}`,
	`{"custom_attributes":{"k":"\u0000"}}`, `{"custom_attributes":[1]}`, `{"content":"'; DROP TABLE messages; --"}`,
	`{"email":"a@b","password":"` + strings.Repeat("p", 2000) + `"}`, `{"content":"` + strings.Repeat("é", 20001) + `"}`,
	strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
	`{"custom_attributes":` + strings.Repeat(`{"a":`, 3000) + `1` + strings.Repeat(`}`, 3000) + `}`,
	`{"name":"` + strings.Repeat(`\"`, 500) + `"}`, `{"private":"yes","content":"x"}`, `{"role":"administrator","account_id":1,"id":5}`,
}

// FuzzRequestBodies sends arbitrary bytes as the JSON body of the routes
// that decode bodies from outside: nothing may answer 5xx or non-JSON.
func FuzzRequestBodies(f *testing.F) {
	targets := fuzzTargets(f)
	routes := bodyRoutes(targets[0])
	// As a test, every nasty body goes to every route; as a fuzzer, each
	// goes to one route, so the baseline is quick and mutation starts soon.
	for i, r := range routes {
		f.Add(uint8(i), []byte(r.valid))
		for j, b := range nastyBodies {
			if !fuzzing() || j%len(routes) == i {
				f.Add(uint8(i), []byte(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		for _, ft := range targets {
			r := bodyRoutes(ft)[int(route)%len(routes)]
			h := map[string]string{}
			if r.agent {
				h["Authorization"] = "Bearer " + ft.w.Token
			}
			if r.widget {
				h["X-Contact-Token"] = ft.contact
			}
			ft.send(t, r.method, r.path, body, h, nil)
		}
	})
}

// FuzzQueryParams sends arbitrary list parameters (and raw query text) to
// the paginated list routes.
func FuzzQueryParams(f *testing.F) {
	targets := fuzzTargets(f)
	for _, s := range [][5]string{
		{"", "", "", "", ""}, {"10", "", "carl", "open", ""}, {"0", "", "", "all", ""}, {"-1", "", "", "", ""},
		{"101", "", "", "", ""}, {"99999999999999999999", "", "", "", ""}, {"1e3", "", "", "", ""}, {"1.5", "", "", "", ""},
		{"", "MTIz", "", "", ""}, {"", "MTIzLjQ1Ng", "", "", ""}, {"", "LTEuLTE", "", "", ""}, {"", "!!", "", "", ""},
		{"", "OTIyMzM3MjAzNjg1NDc3NTgwNy45MjIzMzcyMDM2ODU0Nzc1ODA3", "", "", ""}, // max int64 twice
		{"", "LTkyMjMzNzIwMzY4NTQ3NzU4MDguMQ", "", "", ""},                       // min int64
		{"", "", "%", "", ""}, {"", "", "_", "", ""}, {"", "", "' OR 1=1 --", "", ""}, {"", "", "\x00", "", ""},
		{"", "", "\xff\xfe", "", ""}, {"", "", strings.Repeat("q", 201), "", ""}, {"", "", "\\", "", ""},
		{"", "", "", "closed", ""}, {"", "", "", "desc", ""}, {"", "", "", "", "%zz"}, {"", "", "", "", "limit=1&limit=2"},
		{"", "", "", "", "assignee=me&assignee_id=1&team_id=x"}, {"", "", "", "", "q=%00"}, {"", "", "", "", "q=%ff"},
		{"", "", "", "", "cursor=%00&order=asc"}, {"", "", "", "", ";;&&=="},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, limit, cursor, q, status, raw string) {
		for _, ft := range targets {
			base := ft.w.base()
			auth := map[string]string{"Authorization": "Bearer " + ft.w.Token}
			lists := []struct {
				path string
				v    url.Values
			}{
				{base + "/conversations", url.Values{"limit": {limit}, "cursor": {cursor}, "q": {q}, "status": {status}}},
				{base + "/contacts", url.Values{"limit": {limit}, "cursor": {cursor}, "q": {q}}},
				{fmt.Sprintf("%s/conversations/%d/messages", base, ft.w.ConversationID), url.Values{"limit": {limit}, "cursor": {cursor}, "order": {status}}},
			}
			for _, l := range lists {
				for _, rq := range []string{l.v.Encode(), l.v.Encode() + "&" + raw} {
					rec := ft.send(t, "GET", l.path, nil, auth, &rq)
					if rec.Code != http.StatusOK {
						continue
					}
					var pg struct {
						Data       []json.RawMessage `json:"data"`
						NextCursor *string           `json:"next_cursor"`
					}
					if err := json.Unmarshal(rec.Body.Bytes(), &pg); err != nil || pg.Data == nil || len(pg.Data) > 100 {
						t.Fatalf("%s %s?%s: bad page (%v): %s", ft.name, l.path, rq, err, rec.Body.Bytes())
					}
				}
			}
		}
	})
}
