//go:build linux

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
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"hummdesk/internal/seed"
)

// FanoutProbes is how many messages of each kind (probeKinds) the
// connections benchmark times, one after another, once every client is
// connected.
const FanoutProbes = 10

// probeKinds are the two messages the connections benchmark times. An
// agent's private note is exactly one publication to the account channel,
// the measure. A widget message is what happens most: besides its
// message.created it enqueues a classification, which publishes to the
// account channel again a moment later, sometimes while the first
// publication is still fanning out.
var probeKinds = [2]string{"an agent's private note (one publication)", "a widget message (its classification publishes again soon after)"}

// The targets.
const (
	fanoutTarget     = 250 * time.Millisecond
	connMemoryTarget = 20.0 // KB of server RSS per idle connection
)

// RunConnections starts `hummdesk serve` as its own process (embedded
// mode), opens n WebSocket connections that authenticate with an agent's
// token and subscribe to the demo account's channel, and reports the
// server's resident memory per connection. Then it times FanoutProbes
// messages of each of the probeKinds, alternately, each from the start of
// its POST until the last of the n subscribers has received its
// message.created.
//
// The subscribers are rawClients read by one rawPool (wsclient_linux.go):
// real centrifuge connections to the server, but as cheap as possible on
// the client side, which shares the machine's CPUs with the server. The
// report gives the CPU time each side spent while the probes fanned out,
// and the load average, because other work on the machine slows the
// fan-out down.
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
	accountID := int64(login["accounts"].([]any)[0].(map[string]any)["id"].(float64))
	channel := fmt.Sprintf("account:%d", accountID)
	// The probes go into a conversation opened before the clients connect,
	// so what the clients receive is the probes and the events they cause.
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
	convID := int64(conv["id"].(float64))
	widgetURL := fmt.Sprintf("%s/conversations/%d/messages", widget, convID)
	noteURL := fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", base, accountID, convID)
	agent := map[string]string{"Authorization": "Bearer " + token}
	time.Sleep(2 * time.Second) // let the server settle before the baseline
	rss0, err := rssKB(cmd.Process.Pid)
	if err != nil {
		return err
	}

	const nProbes = len(probeKinds) * FanoutProbes
	var probes [nProbes]probeStat
	var closing atomic.Bool
	var lost atomic.Int64 // connections that ended before the benchmark closed them
	var lostErr atomic.Value
	pool, err := newRawPool(func(msg []byte) {
		if k, ok := probeIndex(msg); ok {
			probes[k].deliver(time.Now())
		}
	}, func(err error) {
		if !closing.Load() {
			lost.Add(1)
			lostErr.CompareAndSwap(nil, err)
		}
	})
	if err != nil {
		return err
	}
	defer pool.Close()
	defer closing.Store(true)
	ws := "ws" + strings.TrimPrefix(base, "http") + "/connection/websocket"
	start := time.Now()
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	for range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := dialRaw(ws, 30*time.Second)
			if err == nil {
				if err = c.connectAndSubscribe(token, channel); err == nil {
					err = pool.add(c)
				} else {
					_ = c.conn.Close()
				}
			}
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		}()
	}
	wg.Wait()
	connectTime := time.Since(start)
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("%d of %d clients failed to connect and subscribe; first error: %v", f, n, firstErr.Load())
	}
	idle0, _ := processCPU(cmd.Process.Pid)
	time.Sleep(3 * time.Second)
	idle1, _ := processCPU(cmd.Process.Pid)
	rss1, err := rssKB(cmd.Process.Pid)
	if err != nil {
		return err
	}

	fanouts := make([]time.Duration, nProbes)
	posts := make([]time.Duration, nProbes)
	var serverCPU, clientCPU time.Duration
	load0 := loadAverage()
	for k := range probes {
		p := &probes[k]
		url, hdr, body := noteURL, agent, map[string]any{"content": fmt.Sprintf("%s%d.", probeMarker, k), "private": true}
		if k%len(probeKinds) == 1 {
			url, hdr, body = widgetURL, visitor, map[string]any{"content": fmt.Sprintf("%s%d.", probeMarker, k)}
		}
		s0, _ := processCPU(cmd.Process.Pid)
		c0 := selfCPU()
		t0 := time.Now()
		if _, err := post(url, hdr, body); err != nil {
			return err
		}
		posts[k] = time.Since(t0)
		for deadline := time.Now().Add(30 * time.Second); p.got.Load() < int64(n) && time.Now().Before(deadline); {
			time.Sleep(2 * time.Millisecond)
		}
		s1, _ := processCPU(cmd.Process.Pid)
		serverCPU += s1 - s0
		clientCPU += selfCPU() - c0
		fanouts[k] = time.Duration(p.last.Load() - t0.UnixNano())
		// Let what the message causes (a classification) fan out before
		// the next probe.
		time.Sleep(time.Second)
	}
	if l := lost.Load(); l > 0 {
		return fmt.Errorf("%d of %d connections ended during the benchmark; the first: %v", l, n, lostErr.Load())
	}

	perConn := float64(rss1-rss0) / float64(n)
	fmt.Fprintf(out, "\nconnections: %d WebSocket clients on one node (embedded mode), each authenticated with an agent token and subscribed to the account channel\n", n)
	fmt.Fprintf(out, "connected and subscribed in %s; server RSS %d MiB → %d MiB: %.1f KB per connection (target < %.0f KB); idle, the server used %.0f ms of CPU per second\n",
		connectTime.Round(time.Millisecond), rss0/1024, rss1/1024, perConn, connMemoryTarget, float64((idle1-idle0).Milliseconds())/3)
	fmt.Fprintf(out, "fan-out: from the start of a POST until the last of the %d subscribers received its message.created (target < %s), %d of each kind, alternately:\n",
		n, fanoutTarget, FanoutProbes)
	var within [len(probeKinds)]int
	allDelivered := true
	for kind, name := range probeKinds {
		var each []string
		var times, postTimes []time.Duration
		for k := kind; k < nProbes; k += len(probeKinds) {
			e := fmtMS(fanouts[k])
			if got := probes[k].got.Load(); got < int64(n) {
				e += fmt.Sprintf(" (reached only %d)", got)
				allDelivered = false
			} else if fanouts[k] < fanoutTarget {
				within[kind]++
			}
			each = append(each, e)
			times, postTimes = append(times, fanouts[k]), append(postTimes, posts[k])
		}
		slices.Sort(times)
		slices.Sort(postTimes)
		fmt.Fprintf(out, "  %s: %s\n", name, strings.Join(each, ", "))
		fmt.Fprintf(out, "    p50 %s, p90 %s, max %s; %d of %d within the target; the POST's response took p50 %s\n",
			fmtMS(times[len(times)/2]), fmtMS(times[len(times)*9/10]), fmtMS(times[len(times)-1]),
			within[kind], len(times), fmtMS(postTimes[len(postTimes)/2]))
	}
	fmt.Fprintf(out, "  CPU per probe until its last delivery: server %s, clients %s; load average %s before the probes, %s after (2 or more means other work competed for the CPUs)\n",
		(serverCPU / time.Duration(nProbes)).Round(time.Millisecond), (clientCPU / time.Duration(nProbes)).Round(time.Millisecond), load0, loadAverage())
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "MISSED"
	}
	fmt.Fprintf(out, "RESULT connections: memory %s, fan-out %s (every private note, one publication each, within the target; widget messages: %d of %d)\n",
		verdict(perConn < connMemoryTarget), verdict(allDelivered && within[0] == FanoutProbes), within[1], FanoutProbes)
	return nil
}

// probeMarker starts the content of the k-th probe message, which is
// followed by k and a full stop.
const probeMarker = "fan-out probe #"

// probeIndex reports which probe's message.created a frame carries.
func probeIndex(frame []byte) (int, bool) {
	i := bytes.Index(frame, []byte(probeMarker))
	if i < 0 || !bytes.Contains(frame, []byte(`"message.created"`)) {
		return 0, false
	}
	rest := frame[i+len(probeMarker):]
	j := bytes.IndexByte(rest, '.')
	if j < 0 {
		return 0, false
	}
	k, err := strconv.Atoi(string(rest[:j]))
	if err != nil || k < 0 || k >= len(probeKinds)*FanoutProbes {
		return 0, false
	}
	return k, true
}

// probeStat counts one probe's deliveries and keeps the time of the latest.
type probeStat struct {
	got  atomic.Int64
	last atomic.Int64 // unix nanoseconds
}

func (p *probeStat) deliver(t time.Time) {
	p.got.Add(1)
	ns := t.UnixNano()
	for {
		old := p.last.Load()
		if ns <= old || p.last.CompareAndSwap(old, ns) {
			return
		}
	}
}

// processCPU returns a process's user and system time from
// /proc/<pid>/stat.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// After the command: state is field 3, utime 14 and stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return time.Duration(u+st) * clockTick, nil
}

// selfCPU returns this process's user and system time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
