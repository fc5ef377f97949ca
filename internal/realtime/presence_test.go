package realtime_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	centrifuge "github.com/centrifugal/centrifuge-go"
	"github.com/prometheus/client_golang/prometheus"

	"hummdesk/internal/auth"
	"hummdesk/internal/realtime"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

func isPresence(userID int64, online bool) func(map[string]any) bool {
	return func(m map[string]any) bool {
		data, _ := m["data"].(map[string]any)
		return m["type"] == "agent.presence" && testkit.ID(data["user_id"]) == userID && data["online"] == online
	}
}

// addAgent adds an agent with availability online to the desk's account and
// returns the agent's id and access token.
func addAgent(t *testing.T, d testDesk) (int64, string) {
	t.Helper()
	base := fmt.Sprintf("/api/v1/accounts/%d/agents", d.ten.AccountID)
	email := testkit.Unique("agent") + "@example.test"
	ag := d.a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base, Token: d.ten.Token,
		Body: map[string]any{"email": email, "name": "Al", "role": "agent", "password": "long enough pw"}})
	id := testkit.ID(ag.JSON["id"])
	d.a.MustDo(t, http.StatusOK, testkit.Req{Method: "PATCH", Path: fmt.Sprintf("%s/%d", base, id), Token: d.ten.Token,
		Body: map[string]any{"availability": "online"}})
	return id, d.a.Login(t, email, "long enough pw")
}

// presenceOf reads an agent's presence in the account: connections per
// node, and whether routing sees the agent online.
func presenceOf(t *testing.T, st *store.Store, accountID, userID int64) (map[string]int, bool) {
	t.Helper()
	ctx := context.Background()
	nodes := map[string]int{}
	var online []int64
	err := st.ReadTx(ctx, accountID, func(tx *store.Tx) error {
		rows, err := tx.PresenceList(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.UserID == userID {
				nodes[r.NodeID] = r.Connections
			}
		}
		online, err = tx.AgentsOnline(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return nodes, slices.Contains(online, userID)
}

// waitPresence waits until the agent's connection count over all nodes is
// want.
func waitPresence(t *testing.T, st *store.Store, accountID, userID int64, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		nodes, _ := presenceOf(t, st, accountID, userID)
		total := 0
		for _, c := range nodes {
			total += c
		}
		if total == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent %d has connections %v, want %d in all", userID, nodes, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listedOnline reports the agent's "online" in GET .../agents.
func listedOnline(t *testing.T, d testDesk, userID int64) any {
	t.Helper()
	res := d.a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("/api/v1/accounts/%d/agents", d.ten.AccountID), Token: d.ten.Token})
	for _, a := range res.JSON["data"].([]any) {
		if a := a.(map[string]any); testkit.ID(a["id"]) == userID {
			return a["online"]
		}
	}
	t.Fatalf("agent %d not listed", userID)
	return nil
}

func TestAgentPresenceFollowsConnections(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		d, other := newDesk(t, a), newDesk(t, a)
		admin := connect(t, a, d.ten.Token)
		acc, err := subscribe(t, admin, realtime.AccountChannel(d.ten.AccountID))
		if err != nil {
			t.Fatal(err)
		}
		otherAdmin := connect(t, a, other.ten.Token)
		otherAcc, err := subscribe(t, otherAdmin, realtime.AccountChannel(other.ten.AccountID))
		if err != nil {
			t.Fatal(err)
		}
		agentID, token := addAgent(t, d)
		if on := listedOnline(t, d, agentID); on != false {
			t.Errorf("listed online %v before connecting", on)
		}

		// First connection: online, announced with availability and a version.
		c1 := connect(t, a, token)
		if _, err := subscribe(t, c1, realtime.AccountChannel(d.ten.AccountID)); err != nil {
			t.Fatal(err)
		}
		ev := acc.waitFor(t, "agent online", isPresence(agentID, true))
		if data := ev["data"].(map[string]any); data["availability"] != "online" || ev["account_id"] != float64(d.ten.AccountID) {
			t.Errorf("presence event %v", ev)
		}
		v1, _ := ev["version"].(float64)
		if v1 < 1 {
			t.Errorf("presence event without a version: %v", ev)
		}
		if _, online := presenceOf(t, a.Store(), d.ten.AccountID, agentID); !online {
			t.Error("AgentsOnline leaves out the connected agent")
		}
		if on := listedOnline(t, d, agentID); on != true {
			t.Errorf("listed online %v while connected", on)
		}

		// A second connection, then the first closes: still online, no event.
		c2 := connect(t, a, token)
		if _, err := subscribe(t, c2, realtime.AccountChannel(d.ten.AccountID)); err != nil {
			t.Fatal(err)
		}
		waitPresence(t, a.Store(), d.ten.AccountID, agentID, 2)
		if err := c1.Disconnect(); err != nil {
			t.Fatal(err)
		}
		waitPresence(t, a.Store(), d.ten.AccountID, agentID, 1)
		if _, online := presenceOf(t, a.Store(), d.ten.AccountID, agentID); !online {
			t.Error("agent offline while a connection remains")
		}

		// The last one closes: offline, with a newer version.
		if err := c2.Disconnect(); err != nil {
			t.Fatal(err)
		}
		ev = acc.waitFor(t, "agent offline", isPresence(agentID, false))
		if v2, _ := ev["version"].(float64); v2 <= v1 {
			t.Errorf("offline version %v, online version %v", v2, v1)
		}
		if _, online := presenceOf(t, a.Store(), d.ten.AccountID, agentID); online {
			t.Error("AgentsOnline lists a disconnected agent")
		}
		if on := listedOnline(t, d, agentID); on != false {
			t.Errorf("listed online %v after disconnecting", on)
		}
		n := 0
		for _, m := range acc.all() {
			if m["type"] == "agent.presence" {
				if data := m["data"].(map[string]any); testkit.ID(data["user_id"]) == agentID {
					n++
				}
			}
		}
		if n != 2 {
			t.Errorf("%d presence events for the agent, want 2 (online, offline): %v", n, acc.all())
		}
		for _, m := range otherAcc.all() {
			if data, _ := m["data"].(map[string]any); m["type"] == "agent.presence" && testkit.ID(data["user_id"]) == agentID {
				t.Errorf("another account got the agent's presence: %v", m)
			}
		}
	})
}

// deadNode is a second real-time node of the app's database with its own
// HTTP server, standing in for another process.
type deadNode struct {
	node *realtime.Node
	url  string
	stop context.CancelFunc
	done chan struct{}
}

func startNode(t *testing.T, a *testkit.App, st *store.Store) *deadNode {
	t.Helper()
	ctx := context.Background()
	key := a.Config.JWTSecret
	if key == "" {
		var err error
		if key, err = a.Store().SecretGetOrCreate(ctx, "jwt_signing_key", func() string { return "unused" }); err != nil {
			t.Fatal(err)
		}
	}
	signer, err := auth.NewSigner([]byte(key), a.Config.AccessTokenTTL, a.Config.ContactTokenTTL, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n, err := realtime.New(realtime.Config{Store: st, Signer: signer, Logger: log, Registry: prometheus.NewRegistry(), NodeName: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Run(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for path, h := range n.Handlers() {
		mux.Handle(path, h)
	}
	srv := httptest.NewServer(mux)
	pctx, stop := context.WithCancel(ctx)
	dn := &deadNode{node: n, url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/connection/websocket", stop: stop, done: make(chan struct{})}
	go func() {
		defer close(dn.done)
		_ = n.RunPresence(pctx)
	}()
	t.Cleanup(func() {
		dn.kill()
		srv.Close()
		_ = n.Shutdown(context.Background())
	})
	return dn
}

// kill stops recording presence as a crash would: nothing is cleaned up.
func (dn *deadNode) kill() {
	dn.stop()
	<-dn.done
}

type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func connectURL(t *testing.T, url, token string) *centrifuge.Client {
	t.Helper()
	c := centrifuge.NewJsonClient(url, centrifuge.Config{Token: token})
	connected := make(chan struct{}, 1)
	c.OnConnected(func(centrifuge.ConnectedEvent) {
		select {
		case connected <- struct{}{}:
		default:
		}
	})
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("client did not connect")
	}
	return c
}

func TestStalePresenceIsClearedByTheJob(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		d := newDesk(t, a)
		admin := connect(t, a, d.ten.Token)
		acc, err := subscribe(t, admin, realtime.AccountChannel(d.ten.AccountID))
		if err != nil {
			t.Fatal(err)
		}
		agentID, token := addAgent(t, d)

		// The agent connects to another node, whose last heartbeat is 90 s
		// old by the time it dies: its clock runs 90 s behind.
		behind := a.Store().WithClock(func() time.Time { return time.Now().Add(-90 * time.Second) })
		other := startNode(t, a, behind)
		c := connectURL(t, other.url, token)
		if _, err := subscribe(t, c, realtime.AccountChannel(d.ten.AccountID)); err != nil {
			t.Fatal(err)
		}
		// The other node's event reaches this node's clients through the
		// outbox relay.
		acc.waitFor(t, "agent online via the other node", isPresence(agentID, true))
		other.kill()

		// The periodic job (run here rather than waited for) deletes the
		// stale row and announces the agent offline. The app's own run of
		// the job may come first: then the row is already gone.
		w := &realtime.PresenceCleanupWorker{Store: a.Store()}
		switch nodes, online := presenceOf(t, a.Store(), d.ten.AccountID, agentID); {
		case len(nodes) == 1 && !online:
			if _, err := w.Clean(context.Background()); err != nil {
				t.Fatal(err)
			}
			if nodes, _ := presenceOf(t, a.Store(), d.ten.AccountID, agentID); len(nodes) != 0 {
				t.Errorf("stale rows left: %v", nodes)
			}
		case len(nodes) == 0:
			t.Log("the app's own cleanup job came first")
		default:
			t.Errorf("the dead node's presence: rows %v, online %v; want one stale row, not online", nodes, online)
		}
		acc.waitFor(t, "agent offline after the cleanup", isPresence(agentID, false))
		if n, err := w.Clean(context.Background()); err != nil || n != 0 {
			t.Errorf("second cleanup settled %d agents, %v; want 0", n, err)
		}

		// The app runs the job periodically.
		deadline := time.Now().Add(20 * time.Second)
		for {
			var n int
			if err := a.Store().DB().QueryRow("SELECT count(*) FROM river_job WHERE kind = 'presence_cleanup'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no presence_cleanup job was enqueued")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func TestGracefulShutdownClearsPresence(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		d := newDesk(t, a)
		admin := connect(t, a, d.ten.Token)
		acc, err := subscribe(t, admin, realtime.AccountChannel(d.ten.AccountID))
		if err != nil {
			t.Fatal(err)
		}
		agentID, token := addAgent(t, d)
		other := startNode(t, a, a.Store())
		c := connectURL(t, other.url, token)
		if _, err := subscribe(t, c, realtime.AccountChannel(d.ten.AccountID)); err != nil {
			t.Fatal(err)
		}
		acc.waitFor(t, "agent online via the other node", isPresence(agentID, true))

		// As app.Run does: stop the node, then clear its presence.
		ctx := context.Background()
		if err := other.node.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if err := other.node.ClearPresence(ctx); err != nil {
			t.Fatal(err)
		}
		if nodes, online := presenceOf(t, a.Store(), d.ten.AccountID, agentID); len(nodes) != 0 || online {
			t.Errorf("after a graceful shutdown: rows %v, online %v", nodes, online)
		}
		acc.waitFor(t, "agent offline after the shutdown", isPresence(agentID, false))
	})
}
