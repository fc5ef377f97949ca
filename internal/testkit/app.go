package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/app"
	"hummdesk/internal/config"
)

// App is a HummDesk node running inside a test.
type App struct {
	*app.App
	URL    string
	Config *config.Config
	client *http.Client
}

// AppOption adjusts the configuration before start.
type AppOption func(*config.Config)

// StartApp runs the whole product on 127.0.0.1:0 on a fresh database of
// the dialect, with request rate limits off and no demo data unless an
// option says otherwise. It stops when the test ends.
func StartApp(t testing.TB, d Dialect, opts ...AppOption) *App {
	t.Helper()
	cfg, err := config.Load([]string{
		"HUMMDESK_ADDR=127.0.0.1:0",
		"HUMMDESK_DATA_DIR=" + t.TempDir(),
		"DATABASE_URL=" + NewDatabaseURL(t, d),
		"HUMMDESK_DEMO=false",
		"HUMMDESK_RATE_LIMITS=off",
		"HUMMDESK_PLATFORM_TOKEN=test-platform-token-0123456789",
		"HUMMDESK_LOG_LEVEL=warn",
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("start app: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("app did not stop within 30s")
		}
		a.Close()
	})
	return &App{App: a, URL: "http://" + a.Addr(), Config: cfg, client: &http.Client{Timeout: 30 * time.Second}}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Response is a decoded HTTP response.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// Req describes a request; Body is JSON-encoded unless it is a string or
// []byte (sent as is).
type Req struct {
	Method  string
	Path    string
	Token   string
	Body    any
	Headers map[string]string
}

// Do sends a request and decodes a JSON object answer.
func (a *App) Do(t testing.TB, r Req) Response {
	t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(r.Method, a.URL+r.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &out.JSON)
	}
	return out
}

// MustDo is Do that fails the test unless the status is want.
func (a *App) MustDo(t testing.TB, want int, r Req) Response {
	t.Helper()
	res := a.Do(t, r)
	if res.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.Method, r.Path, res.Status, want, res.Raw)
	}
	return res
}

// Tenant is an account created through signup, with its administrator's
// token.
type Tenant struct {
	AccountID int64
	AdminID   int64
	Email     string
	Password  string
	Token     string
	Refresh   string
}

// Signup creates a fresh account through the public API.
func (a *App) Signup(t testing.TB) Tenant {
	t.Helper()
	email := Unique("admin") + "@example.test"
	res := a.MustDo(t, http.StatusCreated, Req{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{
		"account_name": Unique("Acme "), "name": "Ada Admin", "email": email, "password": "correct horse battery",
	}})
	return Tenant{
		AccountID: ID(res.JSON["account"].(map[string]any)["id"]),
		AdminID:   ID(res.JSON["user"].(map[string]any)["id"]),
		Email:     email, Password: "correct horse battery",
		Token: res.JSON["access_token"].(string), Refresh: res.JSON["refresh_token"].(string),
	}
}

// Login logs a user in and returns the access token.
func (a *App) Login(t testing.TB, email, password string) string {
	t.Helper()
	res := a.MustDo(t, http.StatusOK, Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]any{"email": email, "password": password}})
	return res.JSON["access_token"].(string)
}

// ID reads a JSON number as int64.
func ID(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case json.Number:
		i, _ := n.Int64()
		return i
	}
	return 0
}
