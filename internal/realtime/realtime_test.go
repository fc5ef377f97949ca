package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	centrifuge "github.com/centrifugal/centrifuge-go"

	"hummdesk/internal/realtime"
	"hummdesk/internal/testkit"
)

// received collects publications of one subscription.
type received struct {
	mu   sync.Mutex
	msgs []map[string]any
	ch   chan struct{}
}

func newReceived() *received { return &received{ch: make(chan struct{}, 1024)} }

func (r *received) add(data []byte) {
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.ch <- struct{}{}
}

// waitFor waits until a publication satisfies ok.
func (r *received) waitFor(t *testing.T, what string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, m := range r.msgs {
			if ok(m) {
				r.mu.Unlock()
				return m
			}
		}
		r.mu.Unlock()
		select {
		case <-r.ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; got %v", what, r.all())
		}
	}
}

func (r *received) all() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.msgs...)
}

func wsURL(a *testkit.App) string {
	return "ws" + strings.TrimPrefix(a.URL, "http") + "/connection/websocket"
}

// connect opens a centrifuge client with token and waits until connected.
func connect(t *testing.T, a *testkit.App, token string) *centrifuge.Client {
	t.Helper()
	c := centrifuge.NewJsonClient(wsURL(a), centrifuge.Config{Token: token})
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

// subscribe subscribes and reports the server's verdict.
func subscribe(t *testing.T, c *centrifuge.Client, channel string) (*received, error) {
	t.Helper()
	sub, err := c.NewSubscription(channel, centrifuge.SubscriptionConfig{Recoverable: true, Positioned: true})
	if err != nil {
		return nil, err
	}
	r := newReceived()
	done := make(chan error, 1)
	sub.OnPublication(func(e centrifuge.PublicationEvent) { r.add(e.Data) })
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) {
		select {
		case done <- nil:
		default:
		}
	})
	sub.OnError(func(e centrifuge.SubscriptionErrorEvent) {
		select {
		case done <- e.Error:
		default:
		}
	})
	sub.OnUnsubscribed(func(e centrifuge.UnsubscribedEvent) {
		select {
		case done <- fmt.Errorf("unsubscribed: %d %s", e.Code, e.Reason):
		default:
		}
	})
	if err := sub.Subscribe(); err != nil {
		return nil, err
	}
	select {
	case err := <-done:
		return r, err
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("no answer to subscribe %s", channel)
	}
}

type testDesk struct {
	a       *testkit.App
	ten     testkit.Tenant
	inbox   string
	contact string
	convID  int64
}

func newDesk(t *testing.T, a *testkit.App) testDesk {
	t.Helper()
	ten := a.Signup(t)
	base := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
	in := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/inboxes", Token: ten.Token,
		Body: map[string]any{"name": "Web", "channel_type": "web_widget"}})
	tok := in.JSON["inbox_token"].(string)
	s := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + tok + "/contacts",
		Body: map[string]any{"name": "Vic"}})
	ct := s.JSON["contact_token"].(string)
	c := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + tok + "/conversations",
		Headers: map[string]string{"X-Contact-Token": ct}, Body: map[string]any{"content": "hello"}})
	return testDesk{a: a, ten: ten, inbox: tok, contact: ct, convID: testkit.ID(c.JSON["id"])}
}

func (d testDesk) widgetPost(t *testing.T, content string) {
	t.Helper()
	d.a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST",
		Path:    fmt.Sprintf("/api/v1/widget/%s/conversations/%d/messages", d.inbox, d.convID),
		Headers: map[string]string{"X-Contact-Token": d.contact}, Body: map[string]any{"content": content}})
}

func (d testDesk) agentPost(t *testing.T, content string, private bool) {
	t.Helper()
	d.a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST",
		Path:  fmt.Sprintf("/api/v1/accounts/%d/conversations/%d/messages", d.ten.AccountID, d.convID),
		Token: d.ten.Token, Body: map[string]any{"content": content, "private": private}})
}

func isMessage(content string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		data, _ := m["data"].(map[string]any)
		return m["type"] == "message.created" && data["content"] == content
	}
}

func TestAgentReceivesWidgetMessages(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		d := newDesk(t, a)
		agent := connect(t, a, d.ten.Token)
		acc, err := subscribe(t, agent, realtime.AccountChannel(d.ten.AccountID))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			d.widgetPost(t, fmt.Sprintf("message %d", i))
		}
		var last float64
		for i := range 5 {
			m := acc.waitFor(t, "message", isMessage(fmt.Sprintf("message %d", i)))
			if v := m["version"].(float64); v <= last {
				t.Errorf("versions not increasing: %v after %v", v, last)
			} else {
				last = v
			}
		}
	})
}

func TestSubscriptionsAreCheckedOnTheServer(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		mine, other := newDesk(t, a), newDesk(t, a)
		agent := connect(t, a, mine.ten.Token)
		for _, ch := range []string{
			realtime.AccountChannel(other.ten.AccountID),
			realtime.ConversationChannel(other.ten.AccountID, other.convID),
			realtime.ConversationChannel(mine.ten.AccountID, other.convID),
			realtime.AgentChannel(mine.ten.AccountID, mine.ten.AdminID+1000),
			realtime.AgentChannel(other.ten.AccountID, mine.ten.AdminID),
			"account:" + fmt.Sprint(mine.ten.AccountID) + ":x",
			"nonsense",
			"account:01",
		} {
			if _, err := subscribe(t, agent, ch); err == nil {
				t.Errorf("agent subscribed to %q", ch)
			}
		}
		if _, err := subscribe(t, agent, realtime.AgentChannel(mine.ten.AccountID, mine.ten.AdminID)); err != nil {
			t.Errorf("own agent channel: %v", err)
		}
		visitor := connect(t, a, mine.contact)
		for _, ch := range []string{
			realtime.AccountChannel(mine.ten.AccountID),
			realtime.ConversationChannel(other.ten.AccountID, other.convID),
			realtime.AgentChannel(mine.ten.AccountID, mine.ten.AdminID),
		} {
			if _, err := subscribe(t, visitor, ch); err == nil {
				t.Errorf("contact subscribed to %q", ch)
			}
		}
		if _, err := subscribe(t, visitor, realtime.ConversationChannel(mine.ten.AccountID, mine.convID)); err != nil {
			t.Errorf("own conversation: %v", err)
		}
	})
}

func TestPrivateNotesNeverReachTheWidget(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		d := newDesk(t, a)
		visitor := connect(t, a, d.contact)
		conv, err := subscribe(t, visitor, realtime.ConversationChannel(d.ten.AccountID, d.convID))
		if err != nil {
			t.Fatal(err)
		}
		agent := connect(t, a, d.ten.Token)
		acc, err := subscribe(t, agent, realtime.AccountChannel(d.ten.AccountID))
		if err != nil {
			t.Fatal(err)
		}
		d.agentPost(t, "secret internal note", true)
		d.agentPost(t, "public reply", false)
		conv.waitFor(t, "public reply", isMessage("public reply"))
		acc.waitFor(t, "note on the account channel", isMessage("secret internal note"))
		acc.waitFor(t, "reply on the account channel", isMessage("public reply"))
		for _, m := range conv.all() {
			if b, _ := json.Marshal(m); strings.Contains(string(b), "secret internal note") {
				t.Fatalf("private note reached the widget: %s", b)
			}
		}
	})
}

func TestInvalidTokensCannotConnect(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	for _, tok := range []string{"", "garbage", "eyJhbGciOiJub25lIn0.e30."} {
		c := centrifuge.NewJsonClient(wsURL(a), centrifuge.Config{Token: tok})
		result := make(chan string, 2)
		c.OnConnected(func(centrifuge.ConnectedEvent) { result <- "connected" })
		c.OnDisconnected(func(e centrifuge.DisconnectedEvent) { result <- "disconnected" })
		_ = c.Connect()
		select {
		case r := <-result:
			if r != "disconnected" {
				t.Errorf("token %q: %s", tok, r)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("token %q: no verdict", tok)
		}
		c.Close()
	}
}

func TestRemovedAgentIsDisconnected(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		d := newDesk(t, a)
		base := fmt.Sprintf("/api/v1/accounts/%d", d.ten.AccountID)
		email := testkit.Unique("agent") + "@example.test"
		ag := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/agents", Token: d.ten.Token,
			Body: map[string]any{"email": email, "name": "Al", "role": "agent", "password": "long enough pw"}})
		tok := a.Login(t, email, "long enough pw")
		c := connect(t, a, tok)
		gone := make(chan struct{}, 4)
		c.OnDisconnected(func(centrifuge.DisconnectedEvent) { gone <- struct{}{} })
		c.OnConnecting(func(centrifuge.ConnectingEvent) { gone <- struct{}{} })
		if _, err := subscribe(t, c, realtime.AccountChannel(d.ten.AccountID)); err != nil {
			t.Fatal(err)
		}
		a.MustDo(t, http.StatusNoContent, testkit.Req{Method: "DELETE", Path: fmt.Sprintf("%s/agents/%d", base, testkit.ID(ag.JSON["id"])), Token: d.ten.Token})
		select {
		case <-gone:
		case <-time.After(10 * time.Second):
			t.Fatal("removed agent's connection stayed open")
		}
	})
}

func TestMissedEventsAreRecovered(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	d := newDesk(t, a)
	c := connect(t, a, d.ten.Token)
	acc, err := subscribe(t, c, realtime.AccountChannel(d.ten.AccountID))
	if err != nil {
		t.Fatal(err)
	}
	d.widgetPost(t, "before")
	acc.waitFor(t, "before", isMessage("before"))
	if err := c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	d.widgetPost(t, "while away 1")
	d.widgetPost(t, "while away 2")
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	acc.waitFor(t, "first missed", isMessage("while away 1"))
	acc.waitFor(t, "second missed", isMessage("while away 2"))
}

func TestTypingFlowsBothWaysAndNothingElseCanBePublished(t *testing.T) {
	t.Parallel()
	a := testkit.StartApp(t, testkit.SQLite)
	d := newDesk(t, a)
	channel := realtime.ConversationChannel(d.ten.AccountID, d.convID)
	visitor := connect(t, a, d.contact)
	vsub, err := subscribe(t, visitor, channel)
	if err != nil {
		t.Fatal(err)
	}
	agent := connect(t, a, d.ten.Token)
	asub, err := subscribe(t, agent, channel)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := visitor.Publish(ctx, channel, []byte(`{"type":"typing","typing":true}`)); err != nil {
		t.Fatal(err)
	}
	asub.waitFor(t, "visitor typing", func(m map[string]any) bool {
		return m["type"] == "typing" && m["sender_type"] == "contact" && m["typing"] == true
	})
	if _, err := agent.Publish(ctx, channel, []byte(`{"type":"typing","typing":false}`)); err != nil {
		t.Fatal(err)
	}
	vsub.waitFor(t, "agent typing", func(m map[string]any) bool {
		return m["type"] == "typing" && m["sender_type"] == "agent" && m["typing"] == false
	})
	for _, bad := range []string{`{"type":"message.created","data":{"content":"forged"}}`, `not json`, `{"type":"typing"}x`} {
		if _, err := visitor.Publish(ctx, channel, []byte(bad)); err == nil {
			t.Errorf("visitor published %s", bad)
		}
	}
	if _, err := visitor.Publish(ctx, realtime.AccountChannel(d.ten.AccountID), []byte(`{"type":"typing","typing":true}`)); err == nil {
		t.Error("visitor published into the account channel")
	}
}
