package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	centrifuge "github.com/centrifugal/centrifuge-go"

	"hummdesk/internal/auth"
	"hummdesk/internal/seed"
	"hummdesk/internal/testkit"
)

// startWorker starts `hummdesk worker` and returns once it runs.
func startWorker(t *testing.T, env []string) {
	t.Helper()
	cmd := exec.Command(bin, "worker")
	cmd.Env = baseEnv(env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	var logs strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(pipe)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "hummdesk worker running") {
				once.Do(func() { close(running) })
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	select {
	case <-running:
	case <-time.After(90 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("worker did not start within 90s\n%s", logs.String())
	}
}

// postJSON sends a JSON request and decodes the answer, requiring want.
func postJSON(t *testing.T, want int, method, url string, headers map[string]string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %v", method, url, resp.StatusCode, want, out)
	}
	return out
}

// TestClusterDeliversAcrossNodes runs three API nodes and one worker on one
// PostgreSQL and one Redis. A visitor writes through nodes 1 and 2; an
// agent connected to node 3 receives every message, in order, and the
// worker's classification events too.
func TestClusterDeliversAcrossNodes(t *testing.T) {
	t.Parallel()
	redisURL := requireRedis(t)
	testkit.RequirePostgres(t)
	env := []string{
		"DATABASE_URL=" + testkit.NewDatabaseURL(t, testkit.Postgres),
		"REDIS_URL=" + redisURL,
		"HUMMDESK_REDIS_PREFIX=hdtest-" + auth.RandomToken(6),
		"HUMMDESK_RATE_LIMITS=off",
	}
	nodes := []*server{startServe(t, append(env, "HUMMDESK_DEMO=true"), "--workers=false")}
	for range 2 {
		nodes = append(nodes, startServe(t, append(env, "HUMMDESK_DEMO=false"), "--workers=false"))
	}
	startWorker(t, env)

	status, sess := login(t, nodes[0].url)
	if status != http.StatusOK {
		t.Fatalf("login: %d %v", status, sess)
	}
	accountID := int64(sess["accounts"].([]any)[0].(map[string]any)["id"].(float64))

	got := make(chan map[string]any, 256)
	agent := centrifuge.NewJsonClient("ws"+strings.TrimPrefix(nodes[2].url, "http")+"/connection/websocket",
		centrifuge.Config{Token: sess["access_token"].(string)})
	t.Cleanup(agent.Close)
	if err := agent.Connect(); err != nil {
		t.Fatal(err)
	}
	sub, err := agent.NewSubscription(fmt.Sprintf("account:%d", accountID), centrifuge.SubscriptionConfig{Recoverable: true, Positioned: true})
	if err != nil {
		t.Fatal(err)
	}
	subscribed := make(chan error, 1)
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) { subscribed <- nil })
	sub.OnError(func(e centrifuge.SubscriptionErrorEvent) { subscribed <- e.Error })
	sub.OnPublication(func(e centrifuge.PublicationEvent) {
		var m map[string]any
		if json.Unmarshal(e.Data, &m) == nil {
			got <- m
		}
	})
	if err := sub.Subscribe(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-subscribed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no answer to subscribe")
	}

	widget := func(n int) string { return nodes[n].url + "/api/v1/widget/" + seed.DemoInboxToken }
	contact := postJSON(t, http.StatusCreated, "POST", widget(0)+"/contacts", nil, map[string]any{"name": "Cluster Visitor"})
	hdr := map[string]string{"X-Contact-Token": contact["contact_token"].(string)}
	conv := postJSON(t, http.StatusCreated, "POST", widget(1)+"/conversations", hdr, map[string]any{"content": "msg 0"})
	convID := conv["id"].(float64)
	const n = 20
	for i := 1; i < n; i++ {
		postJSON(t, http.StatusCreated, "POST", fmt.Sprintf("%s/conversations/%d/messages", widget(i%2), int64(convID)), hdr,
			map[string]any{"content": fmt.Sprintf("msg %d", i)})
	}

	next, classified := 0, 0
	deadline := time.After(30 * time.Second)
	for next < n || classified < n {
		select {
		case m := <-got:
			if m["conversation_id"] != convID {
				continue
			}
			data, _ := m["data"].(map[string]any)
			switch m["type"] {
			case "message.created":
				if want := fmt.Sprintf("msg %d", next); data["content"] != want {
					t.Fatalf("node 3 received %q, want %q next (out of order or lost)", data["content"], want)
				}
				next++
			case "conversation.classified":
				classified++
			}
		case <-deadline:
			t.Fatalf("after 30s node 3 had %d of %d messages and %d of %d classifications", next, n, classified, n)
		}
	}
}
