package main_test

// Fault tests (issue 3): the cluster of cluster_test.go — three `hummdesk
// serve` nodes and one `hummdesk worker` on PostgreSQL and Redis — under the
// failures a deployment meets: an API node killed with 500 real-time
// clients on the cluster, Redis hung for thirty seconds and then restarted
// empty, PostgreSQL crashed and stopped under load. The tests run one after
// another (not in parallel): each loads the two cores on its own.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"hummdesk/internal/seed"
	"hummdesk/internal/testkit"
)

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
