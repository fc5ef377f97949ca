package main_test

// Real-time clients of the fault tests: centrifuge-go clients that record
// every message.created they receive and catch up over REST when recovery
// is impossible, and the round-robin TCP proxy they reach the nodes through.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	centrifuge "github.com/centrifugal/centrifuge-go"
)

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
		n, next, pending, err := c.fetchEvents(since)
		if err != nil {
			c.mu.Lock()
			c.lastErr = "catch-up: " + err.Error()
			c.mu.Unlock()
			time.Sleep(500 * time.Millisecond)
			continue
		}
		since = next
		if pending {
			// Committed events wait behind an older transaction: ask again.
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if n < 100 {
			return
		}
	}
}

func (c *rtClient) fetchEvents(since int64) (n int, next int64, pending bool, err error) {
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/accounts/%d/events?since=%d&limit=100", c.api, c.accountID, since), nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, 0, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return 0, 0, false, fmt.Errorf("GET events: %d %s", resp.StatusCode, b)
	}
	var page struct {
		Data    []json.RawMessage `json:"data"`
		Since   int64             `json:"since"`
		Pending bool              `json:"pending"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return 0, 0, false, err
	}
	for _, e := range page.Data {
		c.record(e)
	}
	return len(page.Data), page.Since, page.Pending, nil
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
