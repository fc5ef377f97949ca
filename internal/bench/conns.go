package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	centrifuge "github.com/centrifugal/centrifuge-go"

	"hummdesk/internal/seed"
)

// RunConnections starts `hummdesk serve` as its own process (embedded
// mode), opens n WebSocket connections subscribed to the demo account's
// channel, reports the server's resident memory per connection, and times
// one publication reaching all n subscribers.
func RunConnections(ctx context.Context, n int, out io.Writer) error {
	dir, err := os.MkdirTemp("", "hummdesk-conns-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "hummdesk")
	if b, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/hummdesk").CombinedOutput(); err != nil {
		return fmt.Errorf("build hummdesk: %v\n%s", err, b)
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "HUMMDESK_DATA_DIR="+dir, "HUMMDESK_DEMO=true", "HUMMDESK_RATE_LIMITS=off", "DATABASE_URL=", "REDIS_URL=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var l struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "hummdesk listening" {
				addr <- l.Addr
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(60 * time.Second):
		return fmt.Errorf("hummdesk serve did not start")
	}
	post := func(url string, hdr map[string]string, body any) (map[string]any, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode >= 300 {
			return nil, fmt.Errorf("POST %s: %d %v", url, resp.StatusCode, m)
		}
		return m, nil
	}
	login, err := post(base+"/api/v1/auth/login", nil, map[string]any{"email": seed.DemoEmail, "password": seed.DemoPassword})
	if err != nil {
		return err
	}
	token := login["access_token"].(string)
	channel := fmt.Sprintf("account:%d", int64(login["accounts"].([]any)[0].(map[string]any)["id"].(float64)))
	// The probe goes into a conversation opened before the clients connect,
	// so the only thing they receive during the measurement is the probe.
	widget := base + "/api/v1/widget/" + seed.DemoInboxToken
	s, err := post(widget+"/contacts", nil, map[string]any{"name": "Fan-out"})
	if err != nil {
		return err
	}
	visitor := map[string]string{"X-Contact-Token": s["contact_token"].(string)}
	conv, err := post(widget+"/conversations", visitor, map[string]any{"content": "opening the conversation"})
	if err != nil {
		return err
	}
	probeURL := fmt.Sprintf("%s/conversations/%d/messages", widget, int64(conv["id"].(float64)))
	time.Sleep(2 * time.Second) // let the server settle before the baseline
	rss0, err := rssKB(cmd.Process.Pid)
	if err != nil {
		return err
	}

	const marker = "fan-out probe"
	var got atomic.Int64
	var last atomic.Int64 // unix nanos of the last delivery of the probe
	ws := "ws" + strings.TrimPrefix(base, "http") + "/connection/websocket"
	clients := make([]*centrifuge.Client, n)
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	}()
	start := time.Now()
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c := centrifuge.NewJsonClient(ws, centrifuge.Config{Token: token})
			clients[i] = c
			sub, err := c.NewSubscription(channel)
			if err != nil {
				failed.Add(1)
				return
			}
			ok := make(chan bool, 1)
			sub.OnSubscribed(func(centrifuge.SubscribedEvent) { ok <- true })
			sub.OnError(func(centrifuge.SubscriptionErrorEvent) { ok <- false })
			sub.OnPublication(func(e centrifuge.PublicationEvent) {
				if bytes.Contains(e.Data, []byte(marker)) && bytes.Contains(e.Data, []byte(`"message.created"`)) {
					got.Add(1)
					last.Store(time.Now().UnixNano())
				}
			})
			if c.Connect() != nil || sub.Subscribe() != nil {
				failed.Add(1)
				return
			}
			select {
			case v := <-ok:
				if !v {
					failed.Add(1)
				}
			case <-time.After(60 * time.Second):
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	connectTime := time.Since(start)
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("%d of %d clients failed to connect and subscribe", f, n)
	}
	time.Sleep(3 * time.Second)
	rss1, err := rssKB(cmd.Process.Pid)
	if err != nil {
		return err
	}

	t0 := time.Now()
	if _, err := post(probeURL, visitor, map[string]any{"content": marker}); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for got.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	fanout := time.Duration(last.Load() - t0.UnixNano())
	perConn := float64(rss1-rss0) / float64(n)
	fmt.Fprintf(out, "\nconnections: %d WebSocket clients on one node (embedded mode), each subscribed to the account channel\n", n)
	fmt.Fprintf(out, "connected and subscribed in %s; server RSS %d MiB → %d MiB: %.1f KB per connection (target < 20 KB)\n",
		connectTime.Round(time.Millisecond), rss0/1024, rss1/1024, perConn)
	fmt.Fprintf(out, "one widget message (POST to the server, then fan-out to every subscriber, all on this 2-core machine) reached %d of %d subscribers; the last %s after the POST began (target < 250 ms)\n",
		got.Load(), n, fanout.Round(time.Millisecond))
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "MISSED"
	}
	fmt.Fprintf(out, "RESULT connections: memory %s, fan-out %s\n", verdict(perConn < 20), verdict(got.Load() == int64(n) && fanout < 250*time.Millisecond))
	return nil
}

// rssKB reads a process's resident set size in KiB.
func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
