package main_test

// The harness of the fault tests (fault_test.go): the cluster, widget
// visitors posting under load, real-time clients that record what they
// receive and catch up over REST, a round-robin TCP proxy, and private
// Redis and PostgreSQL servers a test may stop without disturbing others.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hummdesk/internal/auth"
	"hummdesk/internal/seed"
	"hummdesk/internal/testkit"
)

// ---------------------------------------------------------------------------
// The cluster.

// faultCluster is three API nodes and one worker sharing a database and a
// Redis, with the demo administrator logged in.
type faultCluster struct {
	nodes     []*server
	worker    *server
	token     string
	accountID int64
}

// faultEnv is the environment of a cluster on dbURL and redisURL, with its
// own Redis prefix.
func faultEnv(dbURL, redisURL string, extra ...string) []string {
	env := []string{
		"DATABASE_URL=" + dbURL,
		"REDIS_URL=" + redisURL,
		"HUMMDESK_REDIS_PREFIX=hdfault-" + auth.RandomToken(6),
	}
	return append(env, extra...)
}

// startFaultCluster starts the nodes (the first seeds the demo and
// migrates) and the worker, and logs in.
func startFaultCluster(t *testing.T, env []string) *faultCluster {
	t.Helper()
	c := &faultCluster{nodes: []*server{startServe(t, append(env, "HUMMDESK_DEMO=true"), "--workers=false")}}
	for range 2 {
		c.nodes = append(c.nodes, startServe(t, append(env, "HUMMDESK_DEMO=false"), "--workers=false"))
	}
	c.worker = startWorkerProc(t, env)
	status, sess := login(t, c.nodes[0].url)
	if status != http.StatusOK {
		t.Fatalf("login: %d %v", status, sess)
	}
	c.token = sess["access_token"].(string)
	c.accountID = int64(sess["accounts"].([]any)[0].(map[string]any)["id"].(float64))
	return c
}

// urls returns the nodes' base URLs, optionally only some of them.
func (c *faultCluster) urls(idx ...int) []string {
	if len(idx) == 0 {
		for i := range c.nodes {
			idx = append(idx, i)
		}
	}
	var out []string
	for _, i := range idx {
		out = append(out, c.nodes[i].url)
	}
	return out
}

// requireAlive fails the test when a process of the cluster has exited.
func (c *faultCluster) requireAlive(t *testing.T) {
	t.Helper()
	for i, s := range append(slices.Clone(c.nodes), c.worker) {
		select {
		case <-s.exited:
			name := "worker"
			if i < len(c.nodes) {
				name = fmt.Sprintf("node %d", i)
			}
			t.Errorf("%s exited: %v\n%s", name, s.err, tail(s.logs(), 4000))
		default:
		}
	}
}

// startWorkerProc starts `hummdesk worker` and returns once it runs; unlike
// startWorker it keeps the process's exit and logs.
func startWorkerProc(t *testing.T, env []string) *server {
	t.Helper()
	s := &server{exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "worker")
	s.cmd.Env = baseEnv(env...)
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var once sync.Once
		for sc.Scan() {
			s.mu.Lock()
			s.stderr.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if strings.Contains(sc.Text(), "hummdesk worker running") {
				once.Do(func() { close(running) })
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
	case <-running:
	case <-s.exited:
		t.Fatalf("worker exited before running: %v\n%s", s.err, s.logs())
	case <-time.After(90 * time.Second):
		t.Fatalf("worker did not start within 90s\n%s", s.logs())
	}
	return s
}

// tail is the end of a log, for failure messages.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// ---------------------------------------------------------------------------
// Widget visitors posting messages.

// visitor is a widget contact with one open conversation.
type visitor struct {
	token  string
	convID int64
}

func newVisitor(t *testing.T, base, name string) visitor {
	t.Helper()
	w := base + "/api/v1/widget/" + seed.DemoInboxToken
	contact := postJSON(t, http.StatusCreated, "POST", w+"/contacts", nil, map[string]any{"name": name})
	tok := contact["contact_token"].(string)
	conv := postJSON(t, http.StatusCreated, "POST", w+"/conversations", map[string]string{"X-Contact-Token": tok},
		map[string]any{"content": "hello from " + name})
	return visitor{token: tok, convID: int64(conv["id"].(float64))}
}

// postResult is one attempt to post a widget message.
type postResult struct {
	node    int // index into the URLs the poster was given
	content string
	status  int // 0 when the request failed without an answer
	id      int64
	problem bool  // the answer was an RFC 9457 problem document
	err     error // transport error or timeout
	start   time.Time
	took    time.Duration
}

func (r postResult) ok() bool { return r.status/100 == 2 && r.id > 0 }

func (r postResult) String() string {
	if r.err != nil {
		return fmt.Sprintf("node %d: %v after %v", r.node, r.err, r.took.Round(time.Millisecond))
	}
	return fmt.Sprintf("node %d: %d (problem %v) after %v", r.node, r.status, r.problem, r.took.Round(time.Millisecond))
}

// postMessage posts one widget message and never hangs past hc's timeout.
func postMessage(hc *http.Client, base string, v visitor, content string) (res postResult) {
	res = postResult{content: content, start: time.Now()}
	defer func() { res.took = time.Since(res.start) }()
	body, _ := json.Marshal(map[string]any{"content": content})
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/widget/%s/conversations/%d/messages", base, seed.DemoInboxToken, v.convID),
		strings.NewReader(string(body)))
	if err != nil {
		res.err = err
		return res
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Contact-Token", v.token)
	resp, err := hc.Do(req)
	if err != nil {
		res.err = err
		return res
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	res.problem = strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json")
	var m struct {
		ID      int64  `json:"id"`
		Content string `json:"content"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil && res.status/100 == 2 {
		res.err = fmt.Errorf("decode answer: %w", err)
		return res
	}
	if res.status/100 == 2 {
		if m.Content != content {
			res.err = fmt.Errorf("answer has content %q, want %q", m.Content, content)
			return res
		}
		res.id = m.ID
	}
	return res
}

// posting is a set of visitors each posting messages in a loop, rotating
// over the node URLs, until stopped.
type posting struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	all   []postResult
}

// startPosting starts one goroutine per visitor; each waits pause between
// posts (at least 100ms after a failure) and gives every request timeout.
func startPosting(t *testing.T, tag string, urls []string, visitors []visitor, pause, timeout time.Duration) *posting {
	t.Helper()
	p := &posting{stopc: make(chan struct{})}
	for vi, v := range visitors {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			hc := &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			defer hc.CloseIdleConnections()
			for k := 0; ; k++ {
				select {
				case <-p.stopc:
					return
				default:
				}
				n := (vi + k) % len(urls)
				r := postMessage(hc, urls[n], v, fmt.Sprintf("%s v%d m%d", tag, vi, k))
				r.node = n
				p.mu.Lock()
				p.all = append(p.all, r)
				p.mu.Unlock()
				wait := pause
				if !r.ok() {
					wait = max(pause, 100*time.Millisecond) // as a client backs off
				}
				select {
				case <-p.stopc:
					return
				case <-time.After(wait):
				}
			}
		}()
	}
	t.Cleanup(p.stop)
	return p
}

// stop ends the posting and waits for requests in flight.
func (p *posting) stop() {
	select {
	case <-p.stopc:
	default:
		close(p.stopc)
	}
	p.wg.Wait()
}

// results returns a copy of every attempt so far.
func (p *posting) results() []postResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.all)
}

// waitFor polls the results until cond holds or within passes.
func (p *posting) waitFor(t *testing.T, within time.Duration, what string, cond func([]postResult) bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond(p.results()) {
		if time.Now().After(deadline) {
			rs := p.results()
			t.Fatalf("after %v: %s not reached; %d attempts, last: %v", within, what, len(rs), lastN(rs, 5))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func lastN(rs []postResult, n int) []string {
	var out []string
	for _, r := range rs[max(0, len(rs)-n):] {
		out = append(out, r.String())
	}
	return out
}

func countOK(rs []postResult) int {
	n := 0
	for _, r := range rs {
		if r.ok() {
			n++
		}
	}
	return n
}

// okIDs returns the ids of the messages that were accepted.
func okIDs(rs []postResult) []int64 {
	var ids []int64
	for _, r := range rs {
		if r.ok() {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// requireAllOK fails the test unless every attempt was accepted.
func requireAllOK(t *testing.T, rs []postResult) {
	t.Helper()
	var bad []string
	for _, r := range rs {
		if !r.ok() {
			bad = append(bad, r.String())
		}
	}
	if len(bad) > 0 {
		t.Fatalf("%d of %d posts were not accepted, e.g. %v", len(bad), len(rs), bad[:min(len(bad), 10)])
	}
}

// ---------------------------------------------------------------------------
// Private Redis and PostgreSQL servers, which the tests may stop without
// disturbing the machine's shared ones.

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// requireBinary returns the path of a server binary, or skips the test
// (fails it when CI is set) when it is not installed.
func requireBinary(t *testing.T, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if filepath.IsAbs(p) {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		} else if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required in CI but not installed", paths[0])
	}
	t.Skipf("%s not installed", paths[0])
	return ""
}

// privateRedis is a redis-server of the test's own, without persistence.
type privateRedis struct {
	exe, dir string
	port     int
	url      string
	addr     string
	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{}
}

func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	r := &privateRedis{exe: requireBinary(t, "/usr/bin/redis-server", "redis-server"), dir: t.TempDir(), port: freePort(t)}
	r.addr = fmt.Sprintf("127.0.0.1:%d", r.port)
	r.url = "redis://" + r.addr + "/0"
	r.start(t)
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		_ = r.cmd.Process.Signal(syscall.SIGCONT)
		_ = r.cmd.Process.Kill()
		<-r.exited
	})
	return r
}

// start starts the server on its port and waits until it answers.
func (r *privateRedis) start(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	r.cmd = exec.Command(r.exe, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		r.mu.Unlock()
		t.Fatal(err)
	}
	cmd, exited := r.cmd, make(chan struct{})
	r.exited = exited
	r.mu.Unlock()
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for !r.ping(time.Second) {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			t.Fatalf("private redis-server did not answer on %s within 20s\n%s", r.addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signal sends sig to the server.
func (r *privateRedis) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// kill ends the server at once (its data, all in memory, is lost).
func (r *privateRedis) kill(t *testing.T) {
	t.Helper()
	r.signal(t, syscall.SIGKILL)
	<-r.exited
}

// ping reports whether the server answers PING within timeout.
func (r *privateRedis) ping(timeout time.Duration) bool {
	c, err := net.DialTimeout("tcp", r.addr, timeout)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// privatePG is a PostgreSQL cluster of the test's own, in a temporary
// directory, listening on 127.0.0.1 and a socket in that directory.
type privatePG struct {
	dir, data string
	port      int
	pgctl     string
	opts      string // server options, given again on every start
	asPG      func(args ...string) *exec.Cmd
}

func startPrivatePostgres(t *testing.T) *privatePG {
	t.Helper()
	initdb := requireBinary(t, "/usr/local/bin/initdb", "/usr/lib/postgresql/15/bin/initdb", "initdb")
	dir, err := os.MkdirTemp("", "hummdesk-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := &privatePG{dir: dir, data: filepath.Join(dir, "data"), port: freePort(t), pgctl: filepath.Join(filepath.Dir(initdb), "pg_ctl")}
	p.opts = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB",
		p.port, dir)
	// initdb and postgres refuse to run as root: run them as the postgres
	// OS user, which then needs to own the directory.
	p.asPG = func(args ...string) *exec.Cmd { return exec.Command(args[0], args[1:]...) }
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres OS user for initdb: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		runuser := requireBinary(t, "runuser")
		p.asPG = func(args ...string) *exec.Cmd {
			return exec.Command(runuser, append([]string{"-u", "postgres", "--"}, args...)...)
		}
	}
	if out, err := p.asPG(initdb, "-D", p.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.start(t)
	t.Cleanup(func() { _ = p.asPG(p.pgctl, "-D", p.data, "-m", "immediate", "-w", "stop").Run() })
	return p
}

// ctl runs pg_ctl with args and waits for it.
func (p *privatePG) ctl(t *testing.T, args ...string) {
	t.Helper()
	args = append([]string{p.pgctl, "-D", p.data, "-l", filepath.Join(p.dir, "postgres.log"), "-w", "-t", "60"}, args...)
	if out, err := p.asPG(args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
		t.Fatalf("pg_ctl %v: %v\n%s\n%s", args[len(args)-1], err, out, tail(string(log), 4000))
	}
}

// start starts the server and returns once it accepts connections.
func (p *privatePG) start(t *testing.T) { p.ctl(t, "-o", p.opts, "start") }

// stop stops the server in the given pg_ctl mode (fast, immediate).
func (p *privatePG) stop(t *testing.T, mode string) { p.ctl(t, "-m", mode, "stop") }

// restart restarts the server in the given mode and returns once it
// accepts connections again.
func (p *privatePG) restart(t *testing.T, mode string) { p.ctl(t, "-m", mode, "-o", p.opts, "restart") }

// url is the URL of database name on the private cluster.
func (p *privatePG) url(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, name)
}

// createDatabase creates a database and returns its URL.
func (p *privatePG) createDatabase(t *testing.T, name string) string {
	t.Helper()
	db := openDB(t, testkit.Postgres, p.url("postgres"))
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return p.url(name)
}
