package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hummdesk/internal/auth"
	"hummdesk/internal/config"
	"hummdesk/internal/conversation"
	"hummdesk/internal/httpapi"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		h := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/health"})
		if h.JSON["status"] != "ok" {
			t.Errorf("/health = %s", h.Raw)
		}
		r := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/ready"})
		checks, _ := r.JSON["checks"].(map[string]any)
		db, _ := checks["database"].(map[string]any)
		if r.JSON["status"] != "ok" || db["status"] != "ok" {
			t.Errorf("/ready = %s", r.Raw)
		}
		if _, ok := checks["redis"]; ok {
			t.Errorf("/ready reports redis without REDIS_URL: %s", r.Raw)
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("/ready Cache-Control %q", cc)
		}
	})
}

// btRequireRedis skips the test without a local Redis, or fails it in CI.
func btRequireRedis(t *testing.T) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:6379", 2*time.Second)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Redis is required in CI: %v", err)
		}
		t.Skipf("Redis not reachable: %v", err)
	}
	c.Close()
}

func TestReadyChecksRedisWhenConfigured(t *testing.T) {
	t.Parallel()
	btRequireRedis(t)
	a := testkit.StartApp(t, testkit.SQLite, func(c *config.Config) { c.RedisURL = "redis://127.0.0.1:6379/0" })
	r := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/ready"})
	checks, _ := r.JSON["checks"].(map[string]any)
	for _, name := range []string{"database", "redis"} {
		if c, _ := checks[name].(map[string]any); c["status"] != "ok" {
			t.Errorf("check %s = %v; body %s", name, checks[name], r.Raw)
		}
	}
}

// btUnitServer builds the HTTP edge without a running app; st may be nil
// for routes that need no database.
func btUnitServer(t *testing.T, st *store.Store, log *slog.Logger, checks []httpapi.ReadyCheck, edit func(*config.Config)) *httptest.Server {
	t.Helper()
	cfg, err := config.Load([]string{"HUMMDESK_RATE_LIMITS=off", "HUMMDESK_DEMO=false"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	signer, err := auth.NewSigner([]byte(btSigningKey), cfg.AccessTokenTTL, cfg.ContactTokenTTL, nil)
	if err != nil {
		t.Fatal(err)
	}
	lim := ratelimit.NewMemory(nil)
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	deps := httpapi.Deps{Config: cfg, Store: st, Auth: auth.NewService(st, signer, lim, cfg.RefreshTokenTTL),
		Conversations: conversation.NewService(conversation.Options{}), Limiter: lim, Logger: log, ReadyChecks: checks}
	if st != nil {
		deps.Registry = httpapi.NewRegistry(st.DB())
	}
	srv := httptest.NewServer(httpapi.New(deps))
	t.Cleanup(srv.Close)
	return srv
}

func btGetJSON(t *testing.T, url string) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header, m
}

func TestReadyIs503WithPerCheckDetail(t *testing.T) {
	t.Parallel()
	ok := httpapi.ReadyCheck{Name: "database", Check: func(context.Context) error { return nil }}
	down := httpapi.ReadyCheck{Name: "redis", Check: func(context.Context) error {
		return errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	}}
	hang := httpapi.ReadyCheck{Name: "queue", Check: func(ctx context.Context) error {
		<-ctx.Done() // a dependency that never answers
		return ctx.Err()
	}}

	srv := btUnitServer(t, nil, nil, []httpapi.ReadyCheck{ok, down}, nil)
	status, hdr, body := btGetJSON(t, srv.URL+"/ready")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("/ready = %d %v, want 503", status, body)
	}
	// Like every error, a 503 is a problem document naming what failed.
	if !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
		t.Errorf("Content-Type %q", hdr.Get("Content-Type"))
	}
	if typ, _ := body["type"].(string); !strings.HasPrefix(typ, "urn:hummdesk:problem:") || !strings.Contains(fmt.Sprint(body["detail"]), "redis") {
		t.Errorf("problem type %q detail %q", body["type"], body["detail"])
	}
	checks := body["checks"].(map[string]any)
	if c := checks["database"].(map[string]any); c["status"] != "ok" {
		t.Errorf("database check = %v", c)
	}
	if c := checks["redis"].(map[string]any); c["status"] == "ok" || !strings.Contains(fmt.Sprint(c["error"]), "connection refused") {
		t.Errorf("redis check = %v, want an error naming the cause", c)
	}
	// Liveness does not depend on the dependencies.
	if status, _, _ := btGetJSON(t, srv.URL+"/health"); status != http.StatusOK {
		t.Errorf("/health = %d while a dependency is down", status)
	}

	// A dependency that hangs is reported, not waited for forever.
	srv = btUnitServer(t, nil, nil, []httpapi.ReadyCheck{ok, hang}, nil)
	status, _, body = btGetJSON(t, srv.URL+"/ready")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("/ready with a hanging check = %d %v", status, body)
	}
	if c := body["checks"].(map[string]any)["queue"].(map[string]any); c["status"] == "ok" || c["error"] == "" {
		t.Errorf("queue check = %v", c)
	}

	srv = btUnitServer(t, nil, nil, []httpapi.ReadyCheck{ok}, nil)
	if status, _, body := btGetJSON(t, srv.URL+"/ready"); status != http.StatusOK || body["status"] != "ok" {
		t.Errorf("/ready with healthy checks = %d %v", status, body)
	}
}

func TestMetricsExposeRequestsPoolAndRuntime(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("/api/v1/accounts/%d/contacts", ten.AccountID), Token: ten.Token})
		a.Do(t, testkit.Req{Method: "GET", Path: "/api/v1/profile"})
		a.Do(t, testkit.Req{Method: "GET", Path: "/no/such/path/12345"})
		res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/metrics"})
		text := string(res.Raw)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q", ct)
		}
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?m)^http_requests_total\{[^}]*route="GET /api/v1/accounts/\{account_id\}/contacts"[^}]*status_code="200"[^}]*\} [1-9]`),
			regexp.MustCompile(`(?m)^http_requests_total\{[^}]*route="GET /api/v1/profile"[^}]*status_code="401"[^}]*\} [1-9]`),
			regexp.MustCompile(`(?m)^http_requests_total\{[^}]*route="POST /api/v1/accounts"[^}]*status_code="201"`),
			regexp.MustCompile(`(?m)^http_request_duration_seconds_bucket\{`),
			regexp.MustCompile(`(?m)^go_sql_open_connections\{db_name="hummdesk"\} `),
			regexp.MustCompile(`(?m)^go_sql_max_open_connections\{db_name="hummdesk"\} [1-9]`),
			regexp.MustCompile(`(?m)^go_goroutines [0-9]`),
			regexp.MustCompile(`(?m)^go_memstats_alloc_bytes [0-9]`),
		} {
			if !want.MatchString(text) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// Unmatched paths share one label value: a scanner cannot blow up the
		// series count.
		if strings.Contains(text, "/no/such/path/12345") {
			t.Error("/metrics has a series per unknown path")
		}
	})
}

func TestOpenAPIDocumentListsTheContract(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/openapi.json"})
	if v, _ := res.JSON["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	paths, _ := res.JSON["paths"].(map[string]any)
	want := map[string][]string{
		"/api/v1/accounts":                                                          {"post"},
		"/api/v1/auth/login":                                                        {"post"},
		"/api/v1/auth/refresh":                                                      {"post"},
		"/api/v1/auth/logout":                                                       {"post"},
		"/api/v1/profile":                                                           {"get"},
		"/api/v1/profile/password":                                                  {"put"},
		"/api/v1/accounts/{account_id}/agents":                                      {"get", "post"},
		"/api/v1/accounts/{account_id}/inboxes":                                     {"get", "post"},
		"/api/v1/accounts/{account_id}/teams":                                       {"get", "post"},
		"/api/v1/accounts/{account_id}/contacts":                                    {"get", "post"},
		"/api/v1/accounts/{account_id}/contacts/{contact_id}":                       {"get"},
		"/api/v1/accounts/{account_id}/conversations":                               {"get", "post"},
		"/api/v1/accounts/{account_id}/conversations/{conversation_id}":             {"get", "patch"},
		"/api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments": {"post"},
		"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages":    {"get", "post"},
		"/api/v1/widget/{inbox_token}/contacts":                                     {"post"},
		"/api/v1/widget/{inbox_token}/conversations":                                {"post"},
		"/api/v1/widget/{inbox_token}/conversations/{conversation_id}/messages":     {"get", "post"},
		"/platform/api/v1/accounts":                                                 {"post"},
		"/platform/api/v1/users":                                                    {"post"},
		"/platform/api/v1/accounts/{account_id}/account_users":                      {"post"},
	}
	for p, methods := range want {
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Errorf("openapi lacks path %s", p)
			continue
		}
		for _, m := range methods {
			if item[m] == nil {
				t.Errorf("openapi lacks %s %s", strings.ToUpper(m), p)
			}
		}
	}
	if len(paths) != len(btRoutePaths()) {
		t.Errorf("openapi has %d paths, the route table %d", len(paths), len(btRoutePaths()))
	}
	// Error responses are documented as problem documents.
	login := paths["/api/v1/auth/login"].(map[string]any)["post"].(map[string]any)
	if b, _ := json.Marshal(login["responses"]); !strings.Contains(string(b), "application/problem+json") {
		t.Errorf("login responses do not document problem+json: %s", b)
	}
}

func btRoutePaths() map[string]bool {
	out := map[string]bool{}
	for _, r := range httpapi.RouteTable() {
		out[r.Path] = true
	}
	return out
}

func TestDocsRenderWithoutExternalAssets(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/docs"})
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	page := string(res.Raw)
	for _, want := range []string{"<html", "/api/v1/auth/login", "/api/v1/accounts/{account_id}/conversations"} {
		if !strings.Contains(page, want) {
			t.Errorf("/api/docs lacks %q", want)
		}
	}
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//`)
	if m := external.FindString(page); m != "" {
		t.Errorf("/api/docs loads an external asset: %s", m)
	}
	if strings.Contains(strings.ToLower(page), "<script") || strings.Contains(strings.ToLower(page), " style=") {
		t.Error("/api/docs has inline script or style, which the CSP forbids")
	}
	css := regexp.MustCompile(`href="(/[^"]+\.css)"`).FindStringSubmatch(page)
	if css == nil {
		t.Fatal("/api/docs links no stylesheet")
	}
	sheet := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: css[1]})
	if ct := sheet.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("%s Content-Type %q", css[1], ct)
	}
}

// btCSP splits a Content-Security-Policy into its directives.
func btCSP(h string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(h, ";") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		name, val, _ := strings.Cut(d, " ")
		out[name] = val
	}
	return out
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	for _, p := range []string{"/health", "/api/v1/profile", "/api/docs", "/api/openapi.json", "/no/such/route"} {
		res := a.Do(t, testkit.Req{Method: "GET", Path: p})
		csp := btCSP(res.Header.Get("Content-Security-Policy"))
		script := csp["script-src"]
		if script == "" {
			script = csp["default-src"]
		}
		if script == "" || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") || strings.Contains(script, "*") {
			t.Errorf("%s: script policy %q", p, script)
		}
		if csp["frame-ancestors"] != "'none'" {
			t.Errorf("%s: frame-ancestors %q, want 'none'", p, csp["frame-ancestors"])
		}
		if csp["object-src"] != "'none'" {
			t.Errorf("%s: object-src %q", p, csp["object-src"])
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", p, res.Header.Get("X-Content-Type-Options"))
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", p)
		}
	}
	// A configured embedding site replaces 'none'.
	b := testkit.StartApp(t, testkit.SQLite, func(c *config.Config) { c.FrameAncestors = []string{"https://portal.example.test"} })
	res := b.Do(t, testkit.Req{Method: "GET", Path: "/health"})
	if fa := btCSP(res.Header.Get("Content-Security-Policy"))["frame-ancestors"]; fa != "https://portal.example.test" {
		t.Errorf("frame-ancestors %q", fa)
	}
	if xfo := res.Header.Get("X-Frame-Options"); strings.EqualFold(xfo, "DENY") {
		t.Error("X-Frame-Options DENY contradicts the configured frame-ancestors")
	}
	// A client-chosen request id is echoed only when it is harmless.
	res = a.Do(t, testkit.Req{Method: "GET", Path: "/health", Headers: map[string]string{"X-Request-Id": "abc-123"}})
	if res.Header.Get("X-Request-Id") != "abc-123" {
		t.Errorf("X-Request-Id %q", res.Header.Get("X-Request-Id"))
	}
	res = a.Do(t, testkit.Req{Method: "GET", Path: "/health", Headers: map[string]string{"X-Request-Id": strings.Repeat("z", 500)}})
	if len(res.Header.Get("X-Request-Id")) > 64 {
		t.Errorf("a 500-byte request id was echoed")
	}
}

func TestCORSAllowList(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite, func(c *config.Config) { c.CORSOrigins = []string{"https://app.example.test"} })
	ten := a.Signup(t)
	in := btInbox(t, a, ten, nil)
	acc := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)

	res := a.Do(t, testkit.Req{Method: "GET", Path: acc, Token: ten.Token, Headers: map[string]string{"Origin": "https://app.example.test"}})
	if res.Header.Get("Access-Control-Allow-Origin") != "https://app.example.test" || !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") {
		t.Errorf("allowed origin: ACAO %q Vary %q", res.Header.Get("Access-Control-Allow-Origin"), res.Header.Values("Vary"))
	}
	for _, o := range []string{"https://evil.example.test", "https://app.example.test.evil.test", "null", "http://app.example.test"} {
		res := a.Do(t, testkit.Req{Method: "GET", Path: acc, Token: ten.Token, Headers: map[string]string{"Origin": o}})
		if v := res.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("origin %s got Access-Control-Allow-Origin %q", o, v)
		}
		if v := res.Header.Get("Access-Control-Allow-Credentials"); v != "" {
			t.Errorf("origin %s got Access-Control-Allow-Credentials %q", o, v)
		}
		if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("origin %s: no Vary: Origin, so a cache may serve this answer to an allowed origin", o)
		}
	}
	pre := func(origin, path string) testkit.Response {
		return a.Do(t, testkit.Req{Method: "OPTIONS", Path: path, Headers: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}})
	}
	if res := pre("https://app.example.test", acc+"/contacts"); res.Status >= 300 || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("allowed preflight: %d %v", res.Status, res.Header)
	}
	if res := pre("https://evil.example.test", acc+"/contacts"); res.Status < 400 || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign preflight: %d ACAO %q", res.Status, res.Header.Get("Access-Control-Allow-Origin"))
	}
	// The widget runs on customers' sites: any origin may call it.
	for _, o := range []string{"https://shop.customer.test", "https://evil.example.test"} {
		res := a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + in.token + "/contacts", Body: map[string]any{}, Headers: map[string]string{"Origin": o}})
		if res.Status != http.StatusCreated || res.Header.Get("Access-Control-Allow-Origin") != o {
			t.Errorf("widget from %s: %d ACAO %q", o, res.Status, res.Header.Get("Access-Control-Allow-Origin"))
		}
		if p := pre(o, "/api/v1/widget/"+in.token+"/conversations"); p.Status >= 300 || p.Header.Get("Access-Control-Allow-Origin") != o {
			t.Errorf("widget preflight from %s: %d", o, p.Status)
		}
	}
}

func TestRequestRateLimits(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d, func(c *config.Config) { c.RateLimits, c.RateLimitAPI, c.RateLimitWidget = true, 5, 3 })
		ten := a.Signup(t)
		in := btInbox(t, a, ten, nil)
		acc := fmt.Sprintf("/api/v1/accounts/%d/contacts", ten.AccountID)
		var limited testkit.Response
		for i := range 10 {
			res := a.Do(t, testkit.Req{Method: "GET", Path: acc, Token: ten.Token})
			if res.Status == http.StatusTooManyRequests {
				limited = res
				if i < 3 {
					t.Errorf("limited after %d requests with a limit of 5", i)
				}
				break
			}
			if res.Status != http.StatusOK {
				t.Fatalf("request %d: %d %s", i, res.Status, res.Raw)
			}
		}
		if limited.Status == 0 {
			t.Fatal("10 requests with a limit of 5 per minute were all served")
		}
		btProblem(t, limited, http.StatusTooManyRequests)
		// A sliding minute frees a request at most 60s + 60s/5 from now.
		if n, err := strconv.Atoi(limited.Header.Get("Retry-After")); err != nil || n < 1 || n > 72 {
			t.Errorf("Retry-After %q", limited.Header.Get("Retry-After"))
		}
		// The widget has its own budget per inbox.
		var widget testkit.Response
		for range 6 {
			widget = a.Do(t, testkit.Req{Method: "GET", Path: "/api/v1/widget/" + in.token})
			if widget.Status == http.StatusTooManyRequests {
				break
			}
		}
		btProblem(t, widget, http.StatusTooManyRequests)
		if widget.Header.Get("Retry-After") == "" {
			t.Error("widget 429 without Retry-After")
		}
		// Operations endpoints are never rate limited.
		for range 10 {
			a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/health"})
		}
	})
}

// btLogBuffer is a goroutine-safe log sink.
type btLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *btLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *btLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRequestLogsCarryIDsAndNoSecrets(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		var logs btLogBuffer
		log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		srv := btUnitServer(t, testkit.NewStore(t, d), log, nil, nil)
		post := func(path, token string, body any) map[string]any {
			t.Helper()
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var m map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&m)
			return m
		}
		const pw, wrong, newPW = "Secret-Passw0rd-do-not-log", "Wrong-Passw0rd-do-not-log", "Next-Passw0rd-do-not-log"
		email := testkit.Unique("log") + "@example.test"
		signup := post("/api/v1/accounts", "", map[string]any{"account_name": "Logs", "name": "Lou", "email": email, "password": pw})
		access, _ := signup["access_token"].(string)
		refresh, _ := signup["refresh_token"].(string)
		accID := testkit.ID(signup["account"].(map[string]any)["id"])
		post("/api/v1/auth/login", "", map[string]any{"email": email, "password": wrong})
		post("/api/v1/auth/refresh", "", map[string]any{"refresh_token": refresh})
		post(fmt.Sprintf("/api/v1/accounts/%d/contacts", accID), access, map[string]any{"name": "Logged Contact"})
		req, _ := http.NewRequest("PUT", srv.URL+"/api/v1/profile/password", strings.NewReader(
			fmt.Sprintf(`{"current_password":%q,"new_password":%q}`, pw, newPW)))
		req.Header.Set("Authorization", "Bearer "+access)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}

		text := logs.String()
		for _, secret := range []string{pw, wrong, newPW, access, refresh} {
			if secret != "" && strings.Contains(text, secret) {
				t.Errorf("logs contain a secret %q…", secret[:8])
			}
		}
		var sawLogin, sawContact bool
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			var e map[string]any
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("log line is not JSON: %s", line)
			}
			if e["msg"] != "request" {
				continue
			}
			if e["request_id"] == nil || e["request_id"] == "" {
				t.Errorf("request log without request_id: %s", line)
			}
			switch e["route"] {
			case "POST /api/v1/auth/login":
				sawLogin = testkit.ID(e["status"]) == 401
			case "POST /api/v1/accounts/{account_id}/contacts":
				sawContact = testkit.ID(e["status"]) == 201 && testkit.ID(e["account_id"]) == accID && testkit.ID(e["user_id"]) > 0
			}
		}
		if !sawLogin || !sawContact {
			t.Errorf("request logs lack the login (%v) or the contact creation with account and user ids (%v):\n%s", sawLogin, sawContact, text)
		}
	})
}
