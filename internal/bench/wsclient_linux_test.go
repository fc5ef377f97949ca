package bench

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge"
)

// startNode runs a centrifuge node behind a WebSocket endpoint that accepts
// the token "good" and lets clients subscribe to "allowed" only; pings go
// out every ping interval, and a client that does not answer one within
// half of it is disconnected.
func startNode(t *testing.T, ping time.Duration) (*centrifuge.Node, string) {
	t.Helper()
	node, err := centrifuge.New(centrifuge.Config{LogLevel: centrifuge.LogLevelNone})
	if err != nil {
		t.Fatal(err)
	}
	node.OnConnecting(func(_ context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		if e.Token != "good" {
			return centrifuge.ConnectReply{}, centrifuge.DisconnectInvalidToken
		}
		return centrifuge.ConnectReply{
			Credentials:    &centrifuge.Credentials{UserID: "u1"},
			PingPongConfig: &centrifuge.PingPongConfig{PingInterval: ping, PongTimeout: ping / 2},
		}, nil
	})
	node.OnConnect(func(c *centrifuge.Client) {
		c.OnSubscribe(func(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
			if e.Channel != "allowed" {
				cb(centrifuge.SubscribeReply{}, centrifuge.ErrorPermissionDenied)
				return
			}
			cb(centrifuge.SubscribeReply{}, nil)
		})
	})
	if err := node.Run(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{}))
	t.Cleanup(func() {
		srv.Close()
		_ = node.Shutdown(context.Background())
	})
	return node, "ws" + strings.TrimPrefix(srv.URL, "http")
}

// collector gathers what a rawPool reports.
type collector struct {
	mu   sync.Mutex
	msgs []string
	ends []error
	got  chan struct{} // a message arrived
}

func newCollector() *collector { return &collector{got: make(chan struct{}, 1)} }

func (c *collector) message(m []byte) {
	c.mu.Lock()
	c.msgs = append(c.msgs, string(m))
	c.mu.Unlock()
	select {
	case c.got <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (c *collector) end(err error) {
	c.mu.Lock()
	c.ends = append(c.ends, err)
	c.mu.Unlock()
}

// count returns how many messages contain substr.
func (c *collector) count(substr string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, m := range c.msgs {
		if strings.Contains(m, substr) {
			n++
		}
	}
	return n
}

// waitFor waits until n messages contain substr.
func (c *collector) waitFor(t *testing.T, substr string, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for c.count(substr) < n {
		select {
		case <-c.got:
		case <-timeout:
			c.mu.Lock()
			defer c.mu.Unlock()
			t.Fatalf("fewer than %d messages containing %q; got %q", n, substr, c.msgs)
		}
	}
}

func TestRawClientConnectsSubscribesAndReceives(t *testing.T) {
	t.Parallel()
	node, ws := startNode(t, 25*time.Second)
	col := newCollector()
	pool, err := newRawPool(col.message, col.end)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for i := range 3 {
		c, err := dialRaw(ws, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.connectAndSubscribe("good", "allowed"); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if err := pool.add(c); err != nil {
			t.Fatal(err)
		}
	}
	// A payload larger than 125 bytes takes the 16-bit length form.
	big := `{"text":"` + strings.Repeat("x", 300) + `"}`
	for _, data := range []string{`{"n":1}`, big} {
		if _, err := node.Publish("allowed", []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	// Each subscriber gets the publications in order, so once all three
	// have the large one, the small one has been counted for all of them.
	col.waitFor(t, big, 3)
	if n := col.count(`{"n":1}`); n != 3 {
		t.Errorf("3 subscribers received the small publication %d times", n)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.ends) > 0 {
		t.Errorf("connections ended: %v", col.ends)
	}
}

func TestRawClientIsCheckedLikeAnyClient(t *testing.T) {
	t.Parallel()
	_, ws := startNode(t, 25*time.Second)
	c, err := dialRaw(ws, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.connectAndSubscribe("bad", "allowed"); err == nil {
		t.Error("a bad token connected")
	}
	_ = c.conn.Close()
	c, err = dialRaw(ws, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.conn.Close()
	if err := c.connectAndSubscribe("good", "denied"); err == nil || !strings.Contains(err.Error(), "103") {
		t.Errorf("subscribing to a denied channel: %v, want permission denied (103)", err)
	}
}

func TestRawClientAnswersPings(t *testing.T) {
	t.Parallel()
	node, ws := startNode(t, 200*time.Millisecond)
	col := newCollector()
	pool, err := newRawPool(col.message, col.end)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c, err := dialRaw(ws, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.connectAndSubscribe("good", "allowed"); err != nil {
		t.Fatal(err)
	}
	if err := pool.add(c); err != nil {
		t.Fatal(err)
	}
	// Ten ping intervals: a client that did not answer would have been
	// disconnected after the first.
	time.Sleep(2 * time.Second)
	if _, err := node.Publish("allowed", []byte(`{"still":"here"}`)); err != nil {
		t.Fatal(err)
	}
	col.waitFor(t, `{"still":"here"}`, 1)
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.ends) > 0 {
		t.Errorf("the connection ended: %v", errors.Join(col.ends...))
	}
}

func TestProbeIndex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		frame string
		k     int
		ok    bool
	}{
		{`{"push":{"pub":{"data":{"type":"message.created","data":{"content":"fan-out probe #7."}}}}}`, 7, true},
		{`{"push":{"pub":{"data":{"type":"conversation.updated","data":{"last":"fan-out probe #7."}}}}}`, 0, false},
		{`{"push":{"pub":{"data":{"type":"message.created","data":{"content":"fan-out probe #99."}}}}}`, 0, false},
		{`{"push":{"pub":{"data":{"type":"message.created","data":{"content":"hello"}}}}}`, 0, false},
		{`{}`, 0, false},
	} {
		k, ok := probeIndex([]byte(tc.frame))
		if k != tc.k || ok != tc.ok {
			t.Errorf("probeIndex(%s) = %d, %v; want %d, %v", tc.frame, k, ok, tc.k, tc.ok)
		}
	}
}
