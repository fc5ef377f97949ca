package main_test

// Fault tests (issue 3): the cluster of cluster_test.go — three `hummdesk
// serve` nodes and one `hummdesk worker` on PostgreSQL and Redis — under the
// failures a deployment meets: an API node killed with 500 real-time
// clients on the cluster, Redis hung for thirty seconds and then restarted
// empty, PostgreSQL crashed and stopped under load. The tests run one after
// another (not in parallel): each loads the two cores on its own.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	centrifuge "github.com/centrifugal/centrifuge-go"

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
// Real-time clients.

// rtClient is an agent's real-time connection subscribed to the account
// channel, as the agent app keeps it: it reconnects on its own, recovers
// missed publications from the channel's history, and when the server says
// recovery was impossible it catches up over REST (`GET …/events?since=`)
// from the last event it saw before the gap. Events are deduplicated by id.
type rtClient struct {
	client    *centrifuge.Client
	api       string
	token     string
	accountID int64
	hc        *http.Client

	mu         sync.Mutex
	messages   map[int64]bool // ids of messages seen in message.created
	maxEvent   int64          // highest event id seen
	lost       bool           // between losing the subscription and getting it back
	resumeFrom int64          // maxEvent when the subscription was lost
	subscribes int            // successful subscribes, the first included
	fallbacks  int            // REST catch-ups after failed recovery
	lastErr    string

	catchMu    sync.Mutex
	subscribed chan struct{} // closed on the first subscribe
	closed     chan struct{}
}

// dialClient connects an agent client to wsURL (…/connection/websocket);
// REST catch-up goes to api.
func dialClient(wsURL, api, token string, accountID int64) (*rtClient, error) {
	c := &rtClient{api: api, token: token, accountID: accountID, messages: map[int64]bool{},
		subscribed: make(chan struct{}), closed: make(chan struct{}),
		hc: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	c.client = centrifuge.NewJsonClient(wsURL, centrifuge.Config{Token: token, MaxReconnectDelay: 3 * time.Second})
	sub, err := c.client.NewSubscription(fmt.Sprintf("account:%d", accountID),
		centrifuge.SubscriptionConfig{Recoverable: true, Positioned: true, MaxResubscribeDelay: 3 * time.Second})
	if err != nil {
		return nil, err
	}
	var once sync.Once
	sub.OnSubscribing(func(centrifuge.SubscribingEvent) {
		c.mu.Lock()
		if !c.lost {
			c.lost, c.resumeFrom = true, c.maxEvent
		}
		c.mu.Unlock()
	})
	sub.OnSubscribed(func(e centrifuge.SubscribedEvent) {
		c.mu.Lock()
		c.subscribes++
		from, gap := c.resumeFrom, e.WasRecovering && !e.Recovered
		if gap {
			c.fallbacks++
		}
		c.lost = false
		c.mu.Unlock()
		if gap {
			go c.catchUp(from)
		}
		once.Do(func() { close(c.subscribed) })
	})
	sub.OnError(func(e centrifuge.SubscriptionErrorEvent) {
		c.mu.Lock()
		c.lastErr = e.Error.Error()
		c.mu.Unlock()
	})
	sub.OnPublication(func(e centrifuge.PublicationEvent) { c.record(e.Data) })
	if err := sub.Subscribe(); err != nil {
		return nil, err
	}
	if err := c.client.Connect(); err != nil {
		return nil, err
	}
	return c, nil
}

// record notes one event, pushed or fetched.
func (c *rtClient) record(raw []byte) {
	var e struct {
		ID   int64  `json:"id"`
		Type string `json:"type"`
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxEvent = max(c.maxEvent, e.ID)
	if e.Type == "message.created" {
		c.messages[e.Data.ID] = true
	}
}

// catchUp pages through the REST events since from, retrying until it
// succeeds or the client is closed.
func (c *rtClient) catchUp(from int64) {
	c.catchMu.Lock()
	defer c.catchMu.Unlock()
	since := from
	for {
		select {
		case <-c.closed:
			return
		default:
		}
		n, next, err := c.fetchEvents(since)
		if err != nil {
			c.mu.Lock()
			c.lastErr = "catch-up: " + err.Error()
			c.mu.Unlock()
			time.Sleep(500 * time.Millisecond)
			continue
		}
		since = next
		if n < 100 {
			return
		}
	}
}

func (c *rtClient) fetchEvents(since int64) (int, int64, error) {
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/accounts/%d/events?since=%d&limit=100", c.api, c.accountID, since), nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return 0, 0, fmt.Errorf("GET events: %d %s", resp.StatusCode, b)
	}
	var page struct {
		Data  []json.RawMessage `json:"data"`
		Since int64             `json:"since"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return 0, 0, err
	}
	for _, e := range page.Data {
		c.record(e)
	}
	return len(page.Data), page.Since, nil
}

// missing returns the ids in want the client has not seen.
func (c *rtClient) missing(want []int64) []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int64
	for _, id := range want {
		if !c.messages[id] {
			out = append(out, id)
		}
	}
	return out
}

func (c *rtClient) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("state %s, %d subscribes, %d REST catch-ups, %d messages seen, last event %d, last error %q",
		c.client.State(), c.subscribes, c.fallbacks, len(c.messages), c.maxEvent, c.lastErr)
}

func (c *rtClient) close() {
	select {
	case <-c.closed:
	default:
		close(c.closed)
		c.client.Close()
	}
}

// connectClients connects n clients, the i-th to wsURLs[i%len] with REST
// catch-up at apis[i%len], and waits until every one is subscribed.
func connectClients(t *testing.T, n int, wsURLs, apis []string, token string, accountID int64) []*rtClient {
	t.Helper()
	clients := make([]*rtClient, n)
	t.Cleanup(func() {
		for _, c := range clients {
			if c != nil {
				c.close()
			}
		}
	})
	start := time.Now()
	sem := make(chan struct{}, 25) // connect in waves, not all at once
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		c, err := dialClient(wsURLs[i%len(wsURLs)], apis[i%len(apis)], token, accountID)
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			select {
			case <-c.subscribed:
			case <-time.After(60 * time.Second):
				errs <- fmt.Errorf("client %d not subscribed within 60s: %v", i, c)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d clients connected and subscribed in %v", n, time.Since(start).Round(time.Millisecond))
	return clients
}

// totalFallbacks counts the clients' REST catch-ups.
func totalFallbacks(clients []*rtClient) int {
	n := 0
	for _, c := range clients {
		c.mu.Lock()
		n += c.fallbacks
		c.mu.Unlock()
	}
	return n
}

// waitDelivered waits until every client has seen every message in want
// and returns how long that took.
func waitDelivered(t *testing.T, clients []*rtClient, want []int64, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		var bad []string
		incomplete := 0
		for i, c := range clients {
			if m := c.missing(want); len(m) > 0 {
				incomplete++
				if len(bad) < 5 {
					bad = append(bad, fmt.Sprintf("client %d misses %d of %d (e.g. %v): %v", i, len(m), len(want), m[:min(len(m), 5)], c))
				}
			}
		}
		if incomplete == 0 {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("after %v, %d of %d clients still miss messages:\n%s", within, incomplete, len(clients), strings.Join(bad, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------------
// A round-robin TCP proxy, like the nginx in deploy/: each new connection
// goes to the next backend that accepts it, so clients of a dead node
// reconnect to a live one.

type rrProxy struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64
	active   []atomic.Int64 // open connections per backend
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	done     chan struct{}
}

func startProxy(t *testing.T, backends []string) *rrProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rrProxy{ln: ln, backends: backends, active: make([]atomic.Int64, len(backends)),
		conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	t.Cleanup(func() {
		close(p.done)
		ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	return p
}

func (p *rrProxy) addr() string { return p.ln.Addr().String() }

func (p *rrProxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		select {
		case <-p.done:
			return false
		default:
		}
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *rrProxy) serve(in net.Conn) {
	defer in.Close()
	if !p.track(in, true) {
		return
	}
	defer p.track(in, false)
	first := int(p.next.Add(1))
	for i := range p.backends {
		b := (first + i) % len(p.backends)
		out, err := net.DialTimeout("tcp", p.backends[b], 2*time.Second)
		if err != nil {
			continue // dead backend: try the next
		}
		if !p.track(out, true) {
			out.Close()
			return
		}
		p.active[b].Add(1)
		done := make(chan struct{}, 2)
		go func() { _, _ = io.Copy(out, in); done <- struct{}{} }()
		go func() { _, _ = io.Copy(in, out); done <- struct{}{} }()
		<-done
		out.Close()
		in.Close()
		<-done
		p.active[b].Add(-1)
		p.track(out, false)
		return
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

// ---------------------------------------------------------------------------
// The tests.

// TestFaultKillAPINode kills one of three API nodes with kill -9 while 500
// agents are connected through a round-robin proxy and visitors keep
// posting through the other two nodes. The killed node's clients reconnect
// through the proxy to the survivors, and every client ends up with every
// message: from the channel history (centrifuge recovery) or, when the
// server says that is impossible, from the REST since cursor.
func TestFaultKillAPINode(t *testing.T) {
	redisURL := requireRedis(t)
	testkit.RequirePostgres(t)
	start := time.Now()
	c := startFaultCluster(t, faultEnv(testkit.NewDatabaseURL(t, testkit.Postgres), redisURL, "HUMMDESK_RATE_LIMITS=off"))
	var backends []string
	for _, n := range c.nodes {
		backends = append(backends, strings.TrimPrefix(n.url, "http://"))
	}
	proxy := startProxy(t, backends)
	const nClients, victim = 500, 2
	clients := connectClients(t, nClients, []string{"ws://" + proxy.addr() + "/connection/websocket"},
		[]string{"http://" + proxy.addr()}, c.token, c.accountID)
	onVictim := proxy.active[victim].Load()
	if onVictim < nClients/5 {
		t.Fatalf("only %d of %d clients are connected to node %d; the kill would prove little", onVictim, nClients, victim)
	}

	var visitors []visitor
	for i := range 2 {
		visitors = append(visitors, newVisitor(t, c.nodes[i].url, fmt.Sprintf("Fault Visitor %d", i)))
	}
	p := startPosting(t, "kill", c.urls(0, 1), visitors, 100*time.Millisecond, 30*time.Second)
	p.waitFor(t, 30*time.Second, "20 messages before the kill", func(rs []postResult) bool { return countOK(rs) >= 20 })

	node := c.nodes[victim]
	if err := node.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-node.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("node did not die within 10s of SIGKILL")
	}
	killedAt := time.Now()
	before := countOK(p.results())
	p.waitFor(t, 30*time.Second, "30 messages after the kill", func(rs []postResult) bool { return countOK(rs) >= before+30 })
	// Keep posting until the killed node's clients are subscribed again
	// elsewhere, and a little after.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resubscribed := 0
		for _, cl := range clients {
			cl.mu.Lock()
			if cl.subscribes >= 2 && !cl.lost {
				resubscribed++
			}
			cl.mu.Unlock()
		}
		if int64(resubscribed) >= onVictim {
			t.Logf("%d clients resubscribed %v after the kill", resubscribed, time.Since(killedAt).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("60s after the kill only %d clients resubscribed; %d were on the killed node", resubscribed, onVictim)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	p.stop()
	rs := p.results()
	requireAllOK(t, rs)
	ids := okIDs(rs)
	took := waitDelivered(t, clients, ids, 60*time.Second)
	if got := proxy.active[victim].Load(); got != 0 {
		t.Errorf("%d connections still on the killed node", got)
	}
	fallbacks := totalFallbacks(clients)
	t.Logf("%d messages posted; %d clients were on the killed node; all %d clients had every message %v after posting stopped; %d REST catch-ups; test took %v",
		len(ids), onVictim, nClients, took.Round(time.Millisecond), fallbacks, time.Since(start).Round(time.Second))
	c.nodes = c.nodes[:victim]
	c.requireAlive(t)
}

// TestFaultRedisOutage takes the cluster's Redis (a private redis-server)
// away while visitors keep posting and agents stay connected, twice:
//
//   - for 30 seconds with SIGSTOP, then SIGCONT: to the nodes that is a
//     Redis that stops answering, the way a network partition or a hung
//     server looks, and the harder case for requests, since every call
//     waits for its timeout instead of failing at once. The paused server
//     keeps its data, so channel history survives and clients recover from
//     it;
//   - then killed and started again on the same port, without persistence:
//     a short outage in which connections are refused, after which channel
//     history is gone, so clients learn that recovery is impossible and
//     catch up over the REST since cursor.
//
// Every post must be accepted, logins must work, rate limits (on, in
// Redis) must not fail or stall requests, real-time delivery must resume by
// itself with nothing missed, and every message must be classified (the
// job queue's Redis limiter must not fail the jobs).
func TestFaultRedisOutage(t *testing.T) {
	testkit.RequirePostgres(t)
	rd := startPrivateRedis(t)
	start := time.Now()
	dbURL := testkit.NewDatabaseURL(t, testkit.Postgres)
	c := startFaultCluster(t, faultEnv(dbURL, rd.url,
		"HUMMDESK_RATE_LIMITS=on", "HUMMDESK_RATE_LIMIT_WIDGET=100000", "HUMMDESK_RATE_LIMIT_API=100000"))
	var ws []string
	for _, u := range c.urls() {
		ws = append(ws, "ws"+strings.TrimPrefix(u, "http")+"/connection/websocket")
	}
	clients := connectClients(t, 30, ws, c.urls(), c.token, c.accountID)

	var visitors []visitor
	for i := range 3 {
		visitors = append(visitors, newVisitor(t, c.nodes[i].url, fmt.Sprintf("Redis Visitor %d", i)))
	}
	// A request may wait for a Redis timeout, but must end well within
	// this. The pace keeps the classification queue under its default
	// rate (100/min), so that every message can be classified in time.
	const requestTimeout = 20 * time.Second
	p := startPosting(t, "redis", c.urls(), visitors, 2500*time.Millisecond, requestTimeout)
	p.waitFor(t, 30*time.Second, "6 messages before the pause", func(rs []postResult) bool { return countOK(rs) >= 6 })
	okSince := func(since time.Time) func([]postResult) bool {
		return func(rs []postResult) bool {
			n := 0
			for _, r := range rs {
				if r.ok() && r.start.After(since) {
					n++
				}
			}
			return n >= 6
		}
	}

	// 1. Paused for 30s.
	const outage = 30 * time.Second
	rd.signal(t, syscall.SIGSTOP)
	pausedAt := time.Now()
	t.Cleanup(func() { rd.signal(t, syscall.SIGCONT) })
	// Login is rate limited through Redis too.
	time.Sleep(3 * time.Second)
	loginStart := time.Now()
	if code, body := loginWithin(t, c.nodes[1].url, requestTimeout); code != http.StatusOK {
		t.Errorf("login while Redis is away = %d %v, want 200", code, body)
	}
	loginTook := time.Since(loginStart)
	time.Sleep(time.Until(pausedAt.Add(outage)))
	rd.signal(t, syscall.SIGCONT)
	resumedAt := time.Now()
	during := 0
	var slowest time.Duration
	for _, r := range p.results() {
		if r.ok() && r.start.After(pausedAt) && r.start.Add(r.took).Before(resumedAt) {
			during++
		}
		if r.start.After(pausedAt) && r.start.Before(resumedAt) {
			slowest = max(slowest, r.took)
		}
	}
	// Three visitors posting every 2.5s make about 36 posts in 30s when no
	// request waits for Redis's timeouts, and about 9 when each does.
	if during < 15 {
		t.Errorf("only %d posts were accepted while Redis was away for %v; last: %v", during, outage, lastN(p.results(), 5))
	}
	// The limits fell back to per-process ones, and said so.
	for i, s := range append(slices.Clone(c.nodes), c.worker) {
		if !strings.Contains(s.logs(), "rate limiter: shared store unavailable") {
			t.Errorf("process %d (3 is the worker) did not log that its rate limiter lost Redis", i)
		}
	}
	p.waitFor(t, 30*time.Second, "6 messages after Redis returned", okSince(resumedAt))
	rs := p.results()
	requireAllOK(t, rs)
	took1 := waitDelivered(t, clients, okIDs(rs), 60*time.Second)
	fallbacks1 := totalFallbacks(clients)

	// 2. Killed and restarted empty.
	rd.kill(t)
	killedAt := time.Now()
	time.Sleep(2 * time.Second)
	rd.start(t)
	restartedAt := time.Now()
	p.waitFor(t, 30*time.Second, "6 messages after Redis restarted", okSince(restartedAt))
	p.stop()
	rs = p.results()
	requireAllOK(t, rs)
	ids := okIDs(rs)
	took2 := waitDelivered(t, clients, ids, 60*time.Second)
	for i, cl := range clients {
		cl.mu.Lock()
		n := cl.fallbacks
		cl.mu.Unlock()
		if n == 0 {
			t.Errorf("client %d never caught up over REST, yet Redis lost the channel history: %v", i, cl)
		}
	}

	// Every message is classified: the worker's queue limiter must not have
	// failed the jobs while Redis was away.
	db := openDB(t, testkit.Postgres, dbURL)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var missing []int64
		for _, id := range ids {
			var n int
			if err := db.QueryRow("SELECT count(*) FROM ai_classifications WHERE message_id = $1", id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			var jobErrs []string
			rows, err := db.Query("SELECT state, errors::text FROM river_job WHERE kind = 'ai_classify' AND state <> 'completed' LIMIT 5")
			if err == nil {
				for rows.Next() {
					var st, e string
					_ = rows.Scan(&st, &e)
					jobErrs = append(jobErrs, st+": "+tail(e, 300))
				}
				rows.Close()
			}
			t.Fatalf("60s after the outages %d of %d messages are not classified (e.g. %v); unfinished jobs: %v\nworker log:\n%s",
				len(missing), len(ids), missing[:min(len(missing), 5)], jobErrs, tail(c.worker.logs(), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("%d messages posted; pause: %d accepted during the %v, slowest %v, login %v, every client had every message %v after it, %d REST catch-ups; restart (%v down): every client had every message %v after it, %d REST catch-ups; test took %v",
		len(ids), during, outage, slowest.Round(time.Millisecond), loginTook.Round(time.Millisecond), took1.Round(time.Millisecond), fallbacks1,
		restartedAt.Sub(killedAt).Round(time.Millisecond), took2.Round(time.Millisecond), totalFallbacks(clients)-fallbacks1, time.Since(start).Round(time.Second))
	c.requireAlive(t)
}

// loginWithin logs the demo administrator in with a request timeout.
func loginWithin(t *testing.T, base string, timeout time.Duration) (int, map[string]any) {
	t.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, seed.DemoEmail, seed.DemoPassword)
	hc := &http.Client{Timeout: timeout}
	resp, err := hc.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Errorf("login: %v", err)
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestFaultPostgresRestart takes PostgreSQL (a private cluster) away twice
// while visitors post through all three nodes: a crash restart (`pg_ctl
// restart -m immediate`: the server is killed and recovers from its WAL),
// then a clean stop with five seconds down before the start. Requests
// during the outages may fail, with a 5xx problem document and never after
// hanging; every message that got a 2xx is in the database afterwards with
// its content; and the nodes and the worker carry on without being
// restarted.
func TestFaultPostgresRestart(t *testing.T) {
	redisURL := requireRedis(t)
	pg := startPrivatePostgres(t)
	start := time.Now()
	dbURL := pg.createDatabase(t, "hummdesk")
	c := startFaultCluster(t, faultEnv(dbURL, redisURL, "HUMMDESK_RATE_LIMITS=off"))
	var visitors []visitor
	for i := range 6 {
		visitors = append(visitors, newVisitor(t, c.nodes[i%3].url, fmt.Sprintf("PG Visitor %d", i)))
	}
	const requestTimeout = 20 * time.Second
	p := startPosting(t, "pg", c.urls(), visitors, 20*time.Millisecond, requestTimeout)
	p.waitFor(t, 30*time.Second, "30 messages before the restart", func(rs []postResult) bool { return countOK(rs) >= 30 })

	// Each node serves again, without a restart of its own, within 45s of
	// since.
	recovered := func(what string, since time.Time) {
		t.Helper()
		p.waitFor(t, 45*time.Second, "5 accepted messages per node "+what, func(rs []postResult) bool {
			per := make([]int, len(c.nodes))
			for _, r := range rs {
				if r.ok() && r.start.After(since) {
					per[r.node]++
				}
			}
			return slices.Min(per) >= 5
		})
	}
	// First a crash: the server is killed and recovers from its WAL.
	restartAt := time.Now()
	pg.restart(t, "immediate")
	restartedAt := time.Now()
	recovered("after the crash restart", restartedAt)
	// Then a longer outage: a clean stop, five seconds without a server
	// (connections are refused), a start.
	stopAt := time.Now()
	pg.stop(t, "fast")
	time.Sleep(5 * time.Second)
	pg.start(t)
	startedAt := time.Now()
	recovered("after the stop and start", startedAt)
	p.stop()
	rs := p.results()

	var failed []string
	nFailed := 0
	for _, r := range rs {
		if r.ok() {
			continue
		}
		nFailed++
		// A failure must be an answer: a 5xx problem document, not a hang, a
		// dropped connection or a 4xx that blames the client.
		if r.err != nil || r.status < 500 || !r.problem {
			failed = append(failed, r.String())
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d requests failed badly during the restart, e.g. %v", len(failed), failed[:min(len(failed), 10)])
	}

	// Every accepted message is stored, with its content.
	db := openDB(t, testkit.Postgres, dbURL)
	var lost []string
	for _, r := range rs {
		if !r.ok() {
			continue
		}
		var content string
		err := db.QueryRow("SELECT content FROM messages WHERE id = $1", r.id).Scan(&content)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			lost = append(lost, fmt.Sprintf("%d (%q) is missing", r.id, r.content))
		case err != nil:
			t.Fatal(err)
		case content != r.content:
			lost = append(lost, fmt.Sprintf("%d has content %q, want %q", r.id, content, r.content))
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d accepted messages are not in the database: %v", len(lost), countOK(rs), lost[:min(len(lost), 10)])
	}

	// The worker reconnected too: the messages posted after the outages get
	// classified.
	var after []int64
	for _, r := range rs {
		if r.ok() && r.start.After(startedAt) {
			after = append(after, r.id)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(DISTINCT message_id) FROM ai_classifications WHERE message_id = ANY($1)", after).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == len(after) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("60s after the outages only %d of %d new messages are classified\nworker log:\n%s", n, len(after), tail(c.worker.logs(), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	var slowest time.Duration
	failedIn := func(from, to time.Time) int {
		n := 0
		for _, r := range rs {
			if !r.ok() && !r.start.Before(from) && r.start.Before(to) {
				n++
			}
		}
		return n
	}
	for _, r := range rs {
		slowest = max(slowest, r.took)
	}
	t.Logf("%d posts, %d accepted, %d failed with 5xx: %d around the crash restart (pg_ctl took %v), %d around the %v outage; slowest request %v; test took %v",
		len(rs), countOK(rs), nFailed, failedIn(restartAt.Add(-time.Second), stopAt), restartedAt.Sub(restartAt).Round(time.Millisecond),
		failedIn(stopAt, time.Now()), startedAt.Sub(stopAt).Round(time.Millisecond), slowest.Round(time.Millisecond), time.Since(start).Round(time.Second))
	c.requireAlive(t)
}
