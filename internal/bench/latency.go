package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	centrifuge "github.com/centrifugal/centrifuge-go"

	"hummdesk/internal/app"
	"hummdesk/internal/auth"
	"hummdesk/internal/config"
	"hummdesk/internal/seed"
)

// LatencyOptions configures the message → agent latency benchmark.
type LatencyOptions struct {
	// ServerURL is a superuser URL of the PostgreSQL server; the benchmark
	// creates its own database there.
	ServerURL string
	// RedisURL is needed for the cross-node scenario.
	RedisURL string
	// Rate is messages per second, Duration how long they are sent.
	Rate     int
	Duration time.Duration
	Out      io.Writer
}

// LatencyResult is one scenario's outcome.
type LatencyResult struct {
	Scenario  string
	Sent      int
	Delivered int
	Latencies []time.Duration
}

// RunLatency measures the time from a widget message's POST until the
// subscribed agent's WebSocket receives it, on one node (in-memory broker)
// and across two nodes sharing PostgreSQL and Redis.
func RunLatency(ctx context.Context, o LatencyOptions) ([]LatencyResult, error) {
	db := "hummdesk_rtbench"
	admin, err := sql.Open("pgx", o.ServerURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	fmt.Fprintf(o.Out, "\nmessage → agent latency: widget POST until the agent's WebSocket receives message.created; %d messages/s for %s after 1s of warm-up\n", o.Rate, o.Duration)
	scenarios := []struct {
		name  string
		nodes int
		redis bool
	}{{"single node (memory broker)", 1, false}, {"across 2 nodes (Redis broker)", 2, true}}
	var out []LatencyResult
	for _, sc := range scenarios {
		if sc.redis && o.RedisURL == "" {
			fmt.Fprintf(o.Out, "%-32s skipped: no Redis URL\n", sc.name)
			continue
		}
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
			return nil, err
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+db); err != nil {
			return nil, err
		}
		res, err := runLatencyScenario(ctx, o, replaceDatabase(o.ServerURL, db), sc.name, sc.nodes, sc.redis)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.name, err)
		}
		out = append(out, res)
	}
	_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
	fmt.Fprintf(o.Out, "%-32s %8s %10s %9s %9s %9s %9s\n", "scenario", "sent", "delivered", "p50", "p90", "p99", "max")
	for _, r := range out {
		sort.Slice(r.Latencies, func(i, j int) bool { return r.Latencies[i] < r.Latencies[j] })
		q := func(p float64) string {
			if len(r.Latencies) == 0 {
				return "-"
			}
			return fmtMS(r.Latencies[min(len(r.Latencies)-1, int(p*float64(len(r.Latencies))))])
		}
		fmt.Fprintf(o.Out, "%-32s %8d %10d %9s %9s %9s %9s\n", r.Scenario, r.Sent, r.Delivered, q(0.50), q(0.90), q(0.99), q(1))
		verdict := "PASS"
		if len(r.Latencies) == 0 || r.Latencies[min(len(r.Latencies)-1, int(0.99*float64(len(r.Latencies))))] >= 50*time.Millisecond || r.Delivered < r.Sent {
			verdict = "MISSED"
		}
		fmt.Fprintf(o.Out, "RESULT latency %s: p99 < 50 ms and nothing lost: %s\n", r.Scenario, verdict)
	}
	return out, nil
}

func fmtMS(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func replaceDatabase(url, name string) string {
	q := ""
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url, q = url[:i], url[i:]
	}
	return url[:strings.LastIndexByte(url, '/')+1] + name + q
}

func runLatencyScenario(ctx context.Context, o LatencyOptions, dbURL, name string, nodes int, useRedis bool) (LatencyResult, error) {
	res := LatencyResult{Scenario: name}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	prefix := "hdbench-" + auth.RandomToken(6)
	var urls []string
	for i := range nodes {
		env := []string{"HUMMDESK_ADDR=127.0.0.1:0", "DATABASE_URL=" + dbURL, "HUMMDESK_RATE_LIMITS=off",
			"HUMMDESK_DEMO=" + fmt.Sprint(i == 0), "HUMMDESK_REDIS_PREFIX=" + prefix}
		if useRedis {
			env = append(env, "REDIS_URL="+o.RedisURL)
		}
		cfg, err := config.Load(env, nil, nil)
		if err != nil {
			return res, err
		}
		a, err := app.New(ctx, cfg, log)
		if err != nil {
			return res, err
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = a.Run(runCtx) }()
		defer func() { stop(); <-done; a.Close() }()
		urls = append(urls, "http://"+a.Addr())
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	call := func(method, url string, hdr map[string]string, body any) (map[string]any, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode >= 300 {
			return m, fmt.Errorf("%s %s: %d %v", method, url, resp.StatusCode, m)
		}
		return m, nil
	}
	login, err := call("POST", urls[0]+"/api/v1/auth/login", nil, map[string]any{"email": seed.DemoEmail, "password": seed.DemoPassword})
	if err != nil {
		return res, err
	}
	accountID := int64(login["accounts"].([]any)[0].(map[string]any)["id"].(float64))

	var mu sync.Mutex
	sent := map[string]time.Time{}
	received := make(chan struct{}, 1)
	agentNode := urls[len(urls)-1]
	c := centrifuge.NewJsonClient("ws"+strings.TrimPrefix(agentNode, "http")+"/connection/websocket",
		centrifuge.Config{Token: login["access_token"].(string)})
	defer c.Close()
	if err := c.Connect(); err != nil {
		return res, err
	}
	sub, err := c.NewSubscription(fmt.Sprintf("account:%d", accountID), centrifuge.SubscriptionConfig{Recoverable: true, Positioned: true})
	if err != nil {
		return res, err
	}
	subscribed := make(chan error, 1)
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) { subscribed <- nil })
	sub.OnError(func(e centrifuge.SubscriptionErrorEvent) { subscribed <- e.Error })
	sub.OnPublication(func(e centrifuge.PublicationEvent) {
		now := time.Now()
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Content string `json:"content"`
			} `json:"data"`
		}
		if json.Unmarshal(e.Data, &ev) != nil || ev.Type != "message.created" {
			return
		}
		mu.Lock()
		if t0, ok := sent[ev.Data.Content]; ok {
			if !strings.HasPrefix(ev.Data.Content, "warm ") {
				res.Latencies = append(res.Latencies, now.Sub(t0))
			}
			res.Delivered++
			delete(sent, ev.Data.Content)
		}
		mu.Unlock()
		select {
		case received <- struct{}{}:
		default:
		}
	})
	if err := sub.Subscribe(); err != nil {
		return res, err
	}
	select {
	case err := <-subscribed:
		if err != nil {
			return res, err
		}
	case <-time.After(10 * time.Second):
		return res, fmt.Errorf("no answer to subscribe")
	}

	widget := urls[0] + "/api/v1/widget/" + seed.DemoInboxToken
	session, err := call("POST", widget+"/contacts", nil, map[string]any{"name": "Bench Visitor"})
	if err != nil {
		return res, err
	}
	hdr := map[string]string{"X-Contact-Token": session["contact_token"].(string)}
	conv, err := call("POST", widget+"/conversations", hdr, map[string]any{"content": "warm-up"})
	if err != nil {
		return res, err
	}
	post := fmt.Sprintf("%s/conversations/%d/messages", widget, int64(conv["id"].(float64)))

	tick := time.NewTicker(time.Second / time.Duration(o.Rate))
	defer tick.Stop()
	// The first second warms up (connections, caches, the workers' first
	// jobs) and is delivered and counted but not timed.
	warm := o.Rate
	deadline := time.Now().Add(o.Duration + time.Second)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	var postErr error
	for i := 0; time.Now().Before(deadline); i++ {
		<-tick.C
		content := fmt.Sprintf("bench %d", i)
		if i < warm {
			content = fmt.Sprintf("warm %d", i)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			mu.Lock()
			sent[content] = time.Now()
			res.Sent++
			mu.Unlock()
			if _, err := call("POST", post, hdr, map[string]any{"content": content}); err != nil {
				mu.Lock()
				postErr = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if postErr != nil {
		return res, postErr
	}
	for wait := time.After(10 * time.Second); ; {
		mu.Lock()
		pending := len(sent)
		mu.Unlock()
		if pending == 0 {
			break
		}
		select {
		case <-received:
		case <-wait:
			return res, nil
		}
	}
	return res, nil
}
