package realtime_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/auth"
	"hummdesk/internal/realtime"
	"hummdesk/internal/testkit"
)

// These tests speak centrifuge's client protocol (JSON, protocol v2) by hand
// over the two streaming transports: the server's frames come down one
// long-lived HTTP response, and the client's commands after connect go up
// as separate POSTs to /connection/emulation, addressed by the node and
// session the connect reply names.

// emuTransport is one streaming transport: how its stream is opened with
// the connect command, and how frames are cut out of its body.
type emuTransport struct {
	name string
	open func(ctx context.Context, base string, connect []byte) (*http.Request, error)
	read func(body io.Reader, frame func([]byte) bool) error
}

var emuTransports = []emuTransport{
	{
		// SSE as a browser's EventSource opens it: a GET carrying the
		// connect command in the cf_connect query parameter.
		name: "sse",
		open: func(ctx context.Context, base string, connect []byte) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet,
				base+"/connection/sse?cf_connect="+url.QueryEscape(string(connect)), nil)
			if err == nil {
				req.Header.Set("Accept", "text/event-stream")
			}
			return req, err
		},
		read: readSSE,
	},
	{
		// HTTP streaming: a POST with the connect command as its body;
		// the answer is newline-delimited JSON.
		name: "http_stream",
		open: func(ctx context.Context, base string, connect []byte) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/connection/http_stream", bytes.NewReader(connect))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, err
		},
		read: readLines,
	},
}

// readSSE hands over the data of each server-sent event.
func readSSE(body io.Reader, frame func([]byte) bool) error {
	br := bufio.NewReader(body)
	var data []byte
	have := false
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if have && !frame(data) {
				return nil
			}
			data, have = nil, false
		case line[0] == ':': // a comment
		case bytes.HasPrefix(line, []byte("data:")):
			v := bytes.TrimPrefix(line[len("data:"):], []byte(" "))
			if have {
				data = append(data, '\n')
			}
			data, have = append(data, v...), true
		}
	}
}

// readLines hands over each non-empty line.
func readLines(body io.Reader, frame func([]byte) bool) error {
	br := bufio.NewReader(body)
	for {
		line, err := br.ReadBytes('\n')
		if line = bytes.TrimSpace(line); len(line) > 0 && !frame(line) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// reply is a server frame: a reply to a command or a push.
type reply struct {
	raw   string
	ID    uint32 `json:"id"`
	Error *struct {
		Code    uint32 `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Connect *struct {
		Client  string `json:"client"`
		Session string `json:"session"`
		Node    string `json:"node"`
	} `json:"connect"`
	Subscribe json.RawMessage `json:"subscribe"`
	Push      *struct {
		Channel string `json:"channel"`
		Pub     *struct {
			Data json.RawMessage `json:"data"`
		} `json:"pub"`
		Disconnect *struct {
			Code   uint32 `json:"code"`
			Reason string `json:"reason"`
		} `json:"disconnect"`
	} `json:"push"`
}

// publication decodes a publication push of the channel.
func (r reply) publication(channel string) (map[string]any, bool) {
	if r.Push == nil || r.Push.Pub == nil || r.Push.Channel != channel {
		return nil, false
	}
	var m map[string]any
	return m, json.Unmarshal(r.Push.Pub.Data, &m) == nil
}

// emuConn is one streaming connection and its emulated commands.
type emuConn struct {
	t      *testing.T
	ctx    context.Context
	base   string
	client *http.Client
	status int
	frames chan []byte // closed when the stream ends
	seen   []reply
	// From the connect reply: where commands go.
	node, session string
	nextID        uint32
}

// dialEmu opens a stream with the connect command carrying token; it does
// not wait for the connect reply. The stream is closed when ctx ends and
// when the test ends.
func dialEmu(t *testing.T, ctx context.Context, a *testkit.App, tr emuTransport, token string) *emuConn {
	t.Helper()
	connect, err := json.Marshal(map[string]any{"id": 1, "connect": map[string]any{"token": token, "name": "emulation-test"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	ht := &http.Transport{}
	client := &http.Client{Transport: ht} // no timeout: the context bounds everything
	req, err := tr.open(ctx, a.URL, connect)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("%s: open stream: %v", tr.name, err)
	}
	c := &emuConn{t: t, ctx: ctx, base: a.URL, client: client, status: resp.StatusCode, frames: make(chan []byte, 64), nextID: 2}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(c.frames)
		_ = tr.read(resp.Body, func(b []byte) bool {
			select {
			case c.frames <- append([]byte(nil), b...):
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
		ht.CloseIdleConnections()
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: stream answered %d", tr.name, resp.StatusCode)
	}
	return c
}

// next returns the next frame, or false when the stream has ended. Empty
// frames (pings) are skipped.
func (c *emuConn) next(what string) (reply, bool) {
	c.t.Helper()
	for {
		select {
		case b, ok := <-c.frames:
			if !ok {
				return reply{}, false
			}
			if s := string(bytes.TrimSpace(b)); s == "{}" || s == "" {
				continue
			}
			r := reply{raw: string(b)}
			if err := json.Unmarshal(b, &r); err != nil {
				c.t.Fatalf("undecodable frame %q: %v", b, err)
			}
			c.seen = append(c.seen, r)
			return r, true
		case <-c.ctx.Done():
			c.t.Fatalf("waiting for %s: %v; frames so far:\n%s", what, c.ctx.Err(), c.dump())
			return reply{}, false
		}
	}
}

// await reads frames until one satisfies ok.
func (c *emuConn) await(what string, ok func(reply) bool) reply {
	c.t.Helper()
	for {
		r, open := c.next(what)
		if !open {
			c.t.Fatalf("stream ended while waiting for %s; frames:\n%s", what, c.dump())
		}
		if ok(r) {
			return r
		}
	}
}

func (c *emuConn) dump() string {
	var b strings.Builder
	for _, r := range c.seen {
		b.WriteString("  " + r.raw + "\n")
	}
	return b.String()
}

// connected waits for the connect reply and keeps its node and session.
func (c *emuConn) connected() {
	c.t.Helper()
	r := c.await("connect reply", func(r reply) bool { return r.ID == 1 })
	if r.Error != nil || r.Connect == nil {
		c.t.Fatalf("connect refused: %s", r.raw)
	}
	if r.Connect.Client == "" || r.Connect.Session == "" || r.Connect.Node == "" {
		c.t.Fatalf("connect reply lacks client, session or node: %s", r.raw)
	}
	c.node, c.session = r.Connect.Node, r.Connect.Session
}

// send posts one command through the emulation endpoint and returns its id.
func (c *emuConn) send(cmd map[string]any) uint32 {
	c.t.Helper()
	id := c.nextID
	c.nextID++
	cmd["id"] = id
	data, err := json.Marshal(cmd)
	if err != nil {
		c.t.Fatal(err)
	}
	// For the JSON protocol the commands travel as a JSON string.
	body, err := json.Marshal(struct {
		Node    string `json:"node"`
		Session string `json:"session"`
		Data    string `json:"data"`
	}{c.node, c.session, string(data)})
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, c.base+"/connection/emulation", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("emulation request: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		raw, _ := io.ReadAll(resp.Body)
		c.t.Fatalf("emulation request answered %d: %s", resp.StatusCode, raw)
	}
	return id
}

// subscribe sends a subscribe command and waits for its reply.
func (c *emuConn) subscribe(channel string) reply {
	c.t.Helper()
	id := c.send(map[string]any{"subscribe": map[string]any{"channel": channel}})
	return c.await("reply to subscribe "+channel, func(r reply) bool { return r.ID == id })
}

func TestEmulatedStreamsSubscribeAndReceive(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		mine, other := newDesk(t, a), newDesk(t, a)
		own := realtime.AccountChannel(mine.ten.AccountID)
		// Channels of the other account: the agent is no member there.
		refused := []string{
			realtime.AccountChannel(other.ten.AccountID),
			realtime.ConversationChannel(other.ten.AccountID, other.convID),
			realtime.AgentChannel(other.ten.AccountID, mine.ten.AdminID),
		}
		for _, tr := range emuTransports {
			t.Run(tr.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				c := dialEmu(t, ctx, a, tr, mine.ten.Token)
				c.connected()

				if r := c.subscribe(own); r.Error != nil || r.Subscribe == nil {
					t.Fatalf("subscribe to own account channel %s: %s", own, r.raw)
				}
				for _, ch := range refused {
					r := c.subscribe(ch)
					if r.Error == nil || r.Subscribe != nil {
						t.Errorf("subscribe to %s was not refused: %s", ch, r.raw)
					} else if r.Error.Code != 103 { // permission denied
						t.Errorf("subscribe to %s: error %d %q, want 103 permission denied", ch, r.Error.Code, r.Error.Message)
					}
				}

				// A message in the other account, then one in the agent's
				// own: both are published before their requests return, so
				// were the other account's event to reach this connection it
				// would come first.
				secret := "other account " + tr.name
				other.widgetPost(t, secret)
				content := "own account " + tr.name
				mine.widgetPost(t, content)
				got := c.await("message.created on "+own, func(r reply) bool {
					m, ok := r.publication(own)
					return ok && isMessage(content)(m)
				})
				m, _ := got.publication(own)
				if testkit.ID(m["account_id"]) != mine.ten.AccountID || testkit.ID(m["conversation_id"]) != mine.convID {
					t.Errorf("publication of the wrong account or conversation: %s", got.raw)
				}
				for _, r := range c.seen {
					if r.Push != nil && r.Push.Channel != own {
						t.Errorf("push from a channel the agent was refused: %s", r.raw)
					}
					if strings.Contains(r.raw, secret) {
						t.Errorf("the other account's message reached the agent: %s", r.raw)
					}
				}
			})
		}
	})
}

func TestEmulatedStreamsRefuseBadTokens(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	ten := a.Signup(t)

	// The server's own key signs an expired token; another key forges one.
	ctx := context.Background()
	key := a.Config.JWTSecret
	if key == "" {
		var err error
		if key, err = a.Store().SecretGetOrCreate(ctx, "jwt_signing_key", func() string { return "unused" }); err != nil {
			t.Fatal(err)
		}
	}
	past := func() time.Time { return time.Now().Add(-2 * time.Hour) }
	oldSigner, err := auth.NewSigner([]byte(key), time.Hour, time.Hour, past)
	if err != nil {
		t.Fatal(err)
	}
	expired, _, err := oldSigner.IssueAccess(ten.AdminID)
	if err != nil {
		t.Fatal(err)
	}
	forger, err := auth.NewSigner([]byte(strings.Repeat("k", 32)), time.Hour, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	forged, _, err := forger.IssueAccess(ten.AdminID)
	if err != nil {
		t.Fatal(err)
	}

	tokens := []struct{ name, token string }{
		{"empty", ""},
		{"garbage", "garbage"},
		{"alg none", "eyJhbGciOiJub25lIn0.e30."},
		{"tampered", ten.Token[:len(ten.Token)-2] + "xx"},
		{"expired", expired},
		{"other key", forged},
	}
	for _, tr := range emuTransports {
		for _, tc := range tokens {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				defer cancel()
				c := dialEmu(t, ctx, a, tr, tc.token)
				disconnected := false
				for {
					r, open := c.next("the end of the refused stream")
					if !open {
						break
					}
					if r.Connect != nil {
						t.Fatalf("connected with a bad token: %s", r.raw)
					}
					if r.Push != nil && r.Push.Disconnect != nil {
						if r.Push.Disconnect.Code != 3500 { // invalid token
							t.Errorf("disconnect %d %q, want 3500 invalid token", r.Push.Disconnect.Code, r.Push.Disconnect.Reason)
						}
						disconnected = true
					}
				}
				if !disconnected {
					t.Errorf("stream ended without a disconnect; frames:\n%s", c.dump())
				}
			})
		}
	}
	// The good token still connects on both transports.
	for _, tr := range emuTransports {
		t.Run(tr.name+"/valid", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			dialEmu(t, ctx, a, tr, ten.Token).connected()
		})
	}
}

// A command addressed to a node that does not exist is refused with 404
// and does not reach the connection.
func TestEmulationUnknownNode(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	d := newDesk(t, a)
	own := realtime.AccountChannel(d.ten.AccountID)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := dialEmu(t, ctx, a, emuTransports[0], d.ten.Token)
	c.connected()

	body := fmt.Sprintf(`{"node":"no-such-node","session":%q,"data":%q}`, c.session, `{"id":9,"subscribe":{"channel":"`+own+`"}}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL+"/connection/emulation", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown node: status %d, want 404", resp.StatusCode)
	}
	// The 404 comes before any dispatch, so by now nothing can follow; the
	// connection's own subscribe answers and id 9 never did.
	if r := c.subscribe(own); r.Error != nil {
		t.Fatalf("subscribe: %s", r.raw)
	}
	for _, r := range c.seen {
		if r.ID == 9 {
			t.Errorf("a command for another node reached the connection: %s", r.raw)
		}
	}
}
