package main_test

// Process-level tests: the hummdesk binary is built once (TestMain) and
// driven as a user would drive it — subcommands, exit codes, signals.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"hummdesk/internal/auth"
	"hummdesk/internal/seed"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

const testVersion = "v0.0.0-proctest"

// bin is the hummdesk binary built by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hummdesk-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "hummdesk")
	build := exec.Command("go", "build", "-ldflags", "-X hummdesk/internal/cli.Version="+testVersion, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build hummdesk: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// baseEnv is this process's environment without any HummDesk settings, so
// a developer's shell cannot change what the tests see.
func baseEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HUMMDESK_") || k == "DATABASE_URL" || k == "REDIS_URL" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// result is a finished hummdesk run.
type result struct {
	code           int
	stdout, stderr string
}

// run runs hummdesk to completion with env added to baseEnv.
func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = baseEnv(env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	res := result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errOut.String()}
	if err != nil && res.code <= 0 {
		t.Fatalf("hummdesk %q: %v\n%s", args, err, res.stderr)
	}
	return res
}

// mustRun runs hummdesk and requires exit status 0.
func mustRun(t *testing.T, env []string, args ...string) result {
	t.Helper()
	res := run(t, env, args...)
	if res.code != 0 {
		t.Fatalf("hummdesk %q: exit %d\nstdout: %s\nstderr: %s", args, res.code, res.stdout, res.stderr)
	}
	return res
}

// server is a running `hummdesk serve`.
type server struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stderr strings.Builder
	exited chan struct{}
	err    error // from Wait, valid after exited is closed
}

// logs returns what the server wrote to stderr so far.
func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// wait waits for the process to end and returns its exit error.
func (s *server) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-s.exited:
		return s.err
	case <-time.After(60 * time.Second):
		t.Fatalf("hummdesk serve did not exit within 60s\n%s", s.logs())
		return nil
	}
}

// startServe starts `hummdesk serve --addr 127.0.0.1:0` and returns once it
// logs the address it listens on.
func startServe(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	s := &server{exited: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	s.cmd.Env = baseEnv(env...)
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.stderr.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "hummdesk listening" {
				addr <- line.Addr
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	select {
	case a := <-addr:
		s.url = "http://" + a
	case <-s.exited:
		t.Fatalf("hummdesk serve exited before listening: %v\n%s", s.err, s.logs())
	case <-time.After(90 * time.Second):
		t.Fatalf("hummdesk serve did not listen within 90s\n%s", s.logs())
	}
	return s
}

// getJSON fetches a URL and decodes a JSON object.
func getJSON(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: decode: %v", u, err)
	}
	return resp.StatusCode, body
}

// login posts the demo administrator's credentials and returns the status
// and decoded answer.
func login(t *testing.T, base string) (int, map[string]any) {
	t.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, seed.DemoEmail, seed.DemoPassword)
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// requireRedis skips the test when Redis does not answer on 127.0.0.1:6379,
// or fails it when CI is set.
func requireRedis(t *testing.T) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:6379", 2*time.Second)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Redis is required in CI but not reachable at 127.0.0.1:6379: %v", err)
		}
		t.Skipf("Redis not reachable at 127.0.0.1:6379: %v", err)
	}
	c.Close()
	return "redis://127.0.0.1:6379/0"
}

// schemaRows returns the versions recorded in schema_migrations.
func schemaRows(t *testing.T, d testkit.Dialect, dbURL string) []int {
	t.Helper()
	db := openDB(t, d, dbURL)
	rows, err := db.Query("SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// openDB opens a database of the dialect directly, bypassing the store.
func openDB(t *testing.T, d testkit.Dialect, dbURL string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", dbURL
	if d == testkit.SQLite {
		driver, dsn = "sqlite", strings.TrimPrefix(dbURL, "sqlite://")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestVersion(t *testing.T) {
	t.Parallel()
	res := mustRun(t, nil, "version")
	want := fmt.Sprintf("hummdesk %s (schema %d)\n", testVersion, store.LatestVersion(store.SQLite))
	if res.stdout != want {
		t.Errorf("version printed %q, want %q", res.stdout, want)
	}
}

func TestCommandLineErrors(t *testing.T) {
	t.Parallel()
	if res := run(t, nil, "frobnicate"); res.code != 2 || !strings.Contains(res.stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", res.code, res.stderr)
	}
	res := run(t, []string{"HUMMDESK_DATA_DIR=" + t.TempDir(), "HUMMDESK_RATE_LIMITS=maybe"}, "serve")
	if res.code != 2 || !strings.Contains(res.stderr, "HUMMDESK_RATE_LIMITS") {
		t.Errorf("bad variable: exit %d, stderr %q", res.code, res.stderr)
	}
	res = mustRun(t, nil, "serve", "--help")
	if !strings.Contains(res.stdout, "--addr") || !strings.Contains(res.stdout, "HUMMDESK_DATA_DIR") {
		t.Errorf("serve --help does not list the flags:\n%s", res.stdout)
	}
}

func TestServeAnswersHealth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServe(t, []string{"HUMMDESK_DATA_DIR=" + dir, "HUMMDESK_DEMO=false"})
	if code, body := getJSON(t, s.url+"/health"); code != http.StatusOK || body["status"] != "ok" {
		t.Errorf("/health = %d %v, want 200 ok", code, body)
	}
	if code, body := getJSON(t, s.url+"/ready"); code != http.StatusOK || body["status"] != "ok" {
		t.Errorf("/ready = %d %v, want 200 ok", code, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "hummdesk.db")); err != nil {
		t.Errorf("no database under HUMMDESK_DATA_DIR: %v", err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.wait(t); err != nil {
		t.Errorf("serve exited with %v after SIGTERM, want status 0\n%s", err, s.logs())
	}
}

// SIGTERM while a request is in flight: the server stops accepting new
// connections, lets the request finish normally, and exits 0.
func TestSIGTERMLetsInFlightRequestFinish(t *testing.T) {
	t.Parallel()
	s := startServe(t, []string{"HUMMDESK_DATA_DIR=" + t.TempDir(), "HUMMDESK_DEMO=true"})
	addr := strings.TrimPrefix(s.url, "http://")

	body := fmt.Sprintf(`{"email":%q,"password":%q}`, seed.DemoEmail, seed.DemoPassword)
	pr, pw := io.Pipe()
	got100 := make(chan struct{})
	var once sync.Once
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		// The server sends 100 Continue when the handler first reads the
		// body: from then on the request is in flight on the server.
		Got100Continue: func() { once.Do(func() { close(got100) }) },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/v1/auth/login", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{ExpectContinueTimeout: 30 * time.Second, DisableKeepAlives: true},
	}

	writeErr := make(chan error, 1)
	go func() {
		writeErr <- func() error {
			defer pw.Close()
			select {
			case <-got100:
			case <-time.After(30 * time.Second):
				return fmt.Errorf("no 100 Continue within 30s")
			}
			if _, err := io.WriteString(pw, body[:5]); err != nil {
				return err
			}
			if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				return err
			}
			// Wait until the listener is closed: shutdown has begun.
			deadline := time.Now().Add(20 * time.Second)
			for {
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					break
				}
				c.Close()
				if time.Now().After(deadline) {
					return fmt.Errorf("server still accepts connections 20s after SIGTERM")
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Stream the rest of the body over about a second.
			rest := body[5:]
			const parts = 10
			for i := 0; i < parts; i++ {
				lo, hi := i*len(rest)/parts, (i+1)*len(rest)/parts
				if _, err := io.WriteString(pw, rest[lo:hi]); err != nil {
					return err
				}
				time.Sleep(100 * time.Millisecond)
			}
			return nil
		}()
	}()

	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("in-flight login failed: %v\n%s", err, s.logs())
	}
	defer resp.Body.Close()
	if err := <-writeErr; err != nil {
		t.Fatalf("streaming the body: %v\n%s", err, s.logs())
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		t.Errorf("in-flight login answered %d (access token %q), want 200 with a token", resp.StatusCode, out.AccessToken)
	}
	if err := s.wait(t); err != nil {
		t.Errorf("serve exited with %v after SIGTERM, want status 0\n%s", err, s.logs())
	}
	if !strings.Contains(s.logs(), "shutting down") {
		t.Errorf("no shutdown log line:\n%s", s.logs())
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		dbURL := testkit.NewDatabaseURL(t, d)
		env := []string{"DATABASE_URL=" + dbURL, "HUMMDESK_DATA_DIR=" + t.TempDir()}
		res := mustRun(t, env, "migrate")
		if !strings.Contains(res.stdout, "latest schema version") {
			t.Errorf("first migrate printed %q", res.stdout)
		}
		first := schemaRows(t, d, dbURL)
		latest := store.LatestVersion(store.SQLite)
		if d == testkit.Postgres {
			latest = store.LatestVersion(store.Postgres)
		}
		if len(first) != latest || first[len(first)-1] != latest {
			t.Fatalf("after migrate schema_migrations = %v, want 1..%d", first, latest)
		}
		res = mustRun(t, env, "migrate")
		if !strings.Contains(res.stdout, "latest schema version") {
			t.Errorf("second migrate printed %q", res.stdout)
		}
		if second := schemaRows(t, d, dbURL); fmt.Sprint(second) != fmt.Sprint(first) {
			t.Errorf("second migrate changed schema_migrations: %v → %v", first, second)
		}
		if strings.Contains(res.stderr, "database migrated") {
			t.Errorf("second migrate applied migrations again:\n%s", res.stderr)
		}
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		dbURL := testkit.NewDatabaseURL(t, d)
		env := []string{"DATABASE_URL=" + dbURL, "HUMMDESK_DATA_DIR=" + t.TempDir()}
		mustRun(t, env, "migrate")
		db := openDB(t, d, dbURL)
		if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_from_the_future', '2099-01-01T00:00:00Z')"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		for _, args := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}, {"seed"}} {
			res := run(t, env, args...)
			if res.code == 0 {
				t.Errorf("%q on a newer schema exited 0\n%s", args, res.stdout)
			}
			if !strings.Contains(res.stderr, "newer") {
				t.Errorf("%q: stderr does not say the schema is newer:\n%s", args, res.stderr)
			}
		}
	})
}

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		env := []string{"DATABASE_URL=" + testkit.NewDatabaseURL(t, d), "HUMMDESK_DATA_DIR=" + t.TempDir()}
		res := mustRun(t, env, "seed")
		if !strings.Contains(res.stdout, "created") || !strings.Contains(res.stdout, seed.DemoEmail) {
			t.Errorf("first seed printed %q", res.stdout)
		}
		res = mustRun(t, env, "seed")
		if !strings.Contains(res.stdout, "already exists") {
			t.Errorf("second seed printed %q, want it to say the account already exists", res.stdout)
		}
		// The seeded desk is usable: the demo administrator logs in.
		s := startServe(t, append(env, "HUMMDESK_DEMO=false"))
		if code, body := login(t, s.url); code != http.StatusOK || body["access_token"] == nil {
			t.Errorf("demo login after seed = %d %v", code, body)
		}
	})
}

// The cluster-mode setup the README documents: migrations as the owner
// (HUMMDESK_MIGRATE_DATABASE_URL), the server as a dedicated login role that
// is a member of hummdesk_app and hummdesk_system, and Redis.
func TestServeOnPostgresWithDedicatedRoleAndRedis(t *testing.T) {
	t.Parallel()
	ownerURL := testkit.NewDatabaseURL(t, testkit.Postgres)
	redisURL := requireRedis(t)
	mustRun(t, []string{"DATABASE_URL=" + ownerURL}, "migrate")

	role := "hd_server_" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(auth.RandomToken(6)))
	admin := openDB(t, testkit.Postgres, testkit.AdminURL())
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP ROLE IF EXISTS " + role) })
	if _, err := admin.Exec("GRANT hummdesk_app, hummdesk_system TO " + role); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	serverURL := u.String()

	env := []string{
		"DATABASE_URL=" + serverURL,
		"HUMMDESK_MIGRATE_DATABASE_URL=" + ownerURL,
		"REDIS_URL=" + redisURL,
		"HUMMDESK_DEMO=true",
		"HUMMDESK_DATA_DIR=" + t.TempDir(),
	}
	s := startServe(t, env)
	code, body := getJSON(t, s.url+"/ready")
	checks, _ := body["checks"].(map[string]any)
	if code != http.StatusOK || checks["database"] == nil || checks["redis"] == nil {
		t.Errorf("/ready = %d %v, want 200 with database and redis checks", code, body)
	}
	if code, body := login(t, s.url); code != http.StatusOK || body["access_token"] == nil {
		t.Errorf("demo login through the dedicated role = %d %v", code, body)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.wait(t); err != nil {
		t.Errorf("serve exited with %v, want 0\n%s", err, s.logs())
	}
}
