package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hummdesk/internal/app"
	"hummdesk/internal/config"
)

// DefaultDatabase is the database the benchmark creates and reuses.
const DefaultDatabase = "hummdesk_bench"

// Options configures Run.
type Options struct {
	// ServerURL is a superuser URL of the PostgreSQL server; the benchmark
	// database is created next to its database.
	ServerURL string
	// Database is the benchmark database's name (DefaultDatabase if empty).
	Database string
	Sizes    Sizes
	Reseed   bool
	Clients  int
	// Duration is how long each mode of each scenario is measured, after
	// Warmup.
	Duration time.Duration
	Warmup   time.Duration
	// Round is how long one mode runs before the other takes over; the
	// modes alternate until each has run for Duration.
	Round time.Duration
	// CPUProfile, when set, receives a CPU profile of the process while the
	// API is measured in the first scenario (server and client share it).
	CPUProfile string
	Out        io.Writer
}

// Report is what Run measured.
type Report struct {
	Dataset   Dataset
	Scenarios []ScenarioResult
}

// Run prepares the data set, starts HummDesk in-process on it, and measures
// every scenario through the API and through the raw query.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Database == "" {
		o.Database = DefaultDatabase
	}
	if o.Clients <= 0 {
		o.Clients = TargetClients
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Round <= 0 || o.Round > o.Duration {
		o.Round = min(2*time.Second, o.Duration)
	}
	w := o.Out
	logf := func(format string, args ...any) { fmt.Fprintf(w, "  "+format+"\n", args...) }
	var rep Report

	fmt.Fprintf(w, "preparing database %s (%s accounts, %s conversations, %s messages)\n", o.Database,
		thousands(o.Sizes.Accounts), thousands(o.Sizes.Conversations), thousands(o.Sizes.Messages))
	ds, err := Prepare(ctx, o.ServerURL, o.Database, o.Sizes, o.Reseed, logf)
	if err != nil {
		return rep, err
	}
	rep.Dataset = ds
	if ds.Reused {
		fmt.Fprintf(w, "  reused the data seeded earlier (-reseed to seed again)\n")
	} else {
		fmt.Fprintf(w, "  seeded in %s\n", ds.SeedTime.Round(100*time.Millisecond))
	}
	fmt.Fprintf(w, "  benchmarked account %d: %s conversations, %d agents; agent %s has %d open conversations assigned\n",
		ds.AccountID, thousands(ds.AccountConversations), ds.AccountAgents, AgentEmail, ds.AgentOpen)

	a, stop, err := startApp(ctx, ds.URL)
	if err != nil {
		return rep, err
	}
	defer stop()
	base := "http://" + a.Addr()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 4 * o.Clients, MaxIdleConnsPerHost: 4 * o.Clients, IdleConnTimeout: 2 * time.Minute, DisableCompression: true,
	}}
	defer client.CloseIdleConnections()
	token, err := login(ctx, client, base)
	if err != nil {
		return rep, err
	}

	pcfg, err := pgxpool.ParseConfig(ds.URL)
	if err != nil {
		return rep, err
	}
	pcfg.MaxConns, pcfg.MinConns = int32(o.Clients), int32(o.Clients)
	// The same plan mode the store's transactions use, so both sides run
	// the same plan.
	pcfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return rep, err
	}
	defer pool.Close()

	fmt.Fprintf(w, "\nHummDesk in-process at %s; PostgreSQL %s; GOMAXPROCS=%d; %d clients; %s warm-up, then %s per mode\n",
		base, serverVersion(ctx, pool), runtime.GOMAXPROCS(0), o.Clients, o.Warmup, o.Duration)
	fmt.Fprintf(w, "raw = the store's SQL through pgxpool (%d conns, superuser, no transaction); api = HTTP GET with the agent's token over loopback\n"+
		"the modes alternate in rounds of %s; cpu/req = CPU time of this process (client and server) and of the PostgreSQL backends per request\n",
		o.Clients, o.Round)
	meter := NewCPUMeter(pool)
	if la := loadAverage(); la != "" {
		fmt.Fprintf(w, "load average before measuring: %s on %d CPUs (other processes compete for them: compare cpu/req too)\n", la, runtime.NumCPU())
	}
	for i, sc := range Scenarios(ds) {
		if sc.Want < PageSize {
			fmt.Fprintf(w, "\nwarning: scenario %q matches only %d rows, fewer than a page of %d\n", sc.Name, sc.Want, PageSize)
		}
		rawOp := func(ctx context.Context) error {
			ids, err := RawList(ctx, pool, sc)
			if err == nil && len(ids) != sc.WantRaw() {
				err = fmt.Errorf("raw query returned %d rows, want %d", len(ids), sc.WantRaw())
			}
			return err
		}
		apiOp := apiLister(client, base+sc.Path, token, sc.Want)
		if err := sameRows(ctx, pool, client, base, token, sc); err != nil {
			return rep, err
		}
		fmt.Fprintf(w, "\nscenario %d: %s — GET %s\n", i+1, sc.Name, sc.Path)
		_ = Load(ctx, "raw", o.Clients, o.Warmup, rawOp)
		_ = Load(ctx, "api", o.Clients, o.Warmup, apiOp)
		var stopProfile func()
		if i == 0 && o.CPUProfile != "" {
			if stopProfile, err = startProfile(o.CPUProfile); err != nil {
				return rep, err
			}
		}
		rs := Compare(ctx, o.Clients, o.Duration, o.Round, meter, Mode{"raw", rawOp}, Mode{"api", apiOp})
		if stopProfile != nil {
			stopProfile()
			fmt.Fprintf(w, "CPU profile of this scenario (both modes) written to %s (go tool pprof -top %s)\n", o.CPUProfile, o.CPUProfile)
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		res := ScenarioResult{Scenario: sc, Raw: rs[0], API: rs[1]}
		WriteTable(w, res)
		rep.Scenarios = append(rep.Scenarios, res)
	}
	fmt.Fprintln(w)
	if la := loadAverage(); la != "" {
		fmt.Fprintf(w, "load average after measuring: %s\n", la)
	}
	for i, s := range rep.Scenarios {
		note := ""
		if o.Clients != TargetClients {
			note = fmt.Sprintf(" (targets are stated for %d clients, this run used %d)", TargetClients, o.Clients)
		}
		fmt.Fprintf(w, "RESULT scenario %d (%s): throughput %s, p99 %s%s\n", i+1, s.Scenario.Name,
			verdict(s.RatioOK()), verdict(s.P99OK()), note)
	}
	return rep, nil
}

// startApp runs the real application on 127.0.0.1:0 against dbURL.
func startApp(ctx context.Context, dbURL string) (*app.App, func(), error) {
	cfg, err := config.Load([]string{
		"HUMMDESK_ADDR=127.0.0.1:0",
		"DATABASE_URL=" + dbURL,
		"HUMMDESK_DEMO=false",
		"HUMMDESK_RATE_LIMITS=off",
		"HUMMDESK_LOG_LEVEL=warn",
		"HUMMDESK_ACCESS_TOKEN_TTL=2h",
		"HUMMDESK_DATA_DIR=" + os.TempDir(),
	}, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return nil, nil, fmt.Errorf("start hummdesk: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	return a, func() {
		cancel()
		<-done
		a.Close()
	}, nil
}

// login signs the benchmark agent in and returns the access token.
func login(ctx context.Context, client *http.Client, base string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": AgentEmail, "password": AgentPassword})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var s struct {
		AccessToken string `json:"access_token"`
		Accounts    []struct {
			ID   int64  `json:"id"`
			Role string `json:"role"`
		} `json:"accounts"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &s) != nil || s.AccessToken == "" {
		return "", fmt.Errorf("bench: log in as %s: %s: %.300s", AgentEmail, resp.Status, raw)
	}
	if len(s.Accounts) != 1 || s.Accounts[0].Role != "agent" {
		return "", fmt.Errorf("bench: %s should be an agent of exactly one account, login says %+v", AgentEmail, s.Accounts)
	}
	return s.AccessToken, nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// listPage is the part of a list response the benchmark checks.
type listPage struct {
	Data []struct {
		ID int64 `json:"id"`
	} `json:"data"`
}

// apiGet GETs url with the token into buf, failing on any status but 200.
func apiGet(ctx context.Context, client *http.Client, url, token string, buf *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %.300s", resp.Status, buf.Bytes())
	}
	return nil
}

// apiList GETs a list page and decodes its conversation ids.
func apiList(ctx context.Context, client *http.Client, url, token string) ([]int64, error) {
	var buf bytes.Buffer
	if err := apiGet(ctx, client, url, token, &buf); err != nil {
		return nil, err
	}
	var pg listPage
	if err := json.Unmarshal(buf.Bytes(), &pg); err != nil {
		return nil, fmt.Errorf("decode list: %w", err)
	}
	ids := make([]int64, len(pg.Data))
	for i, d := range pg.Data {
		ids[i] = d.ID
	}
	return ids, nil
}

// fullDecodeEvery says how often the load client decodes a whole page with
// encoding/json; the other requests count the rows with CountRows, which
// costs a tenth as much. The client shares the CPUs with the server, and
// its JSON decoding would otherwise be charged to the API.
const fullDecodeEvery = 32

func apiLister(client *http.Client, url, token string, want int) func(context.Context) error {
	var n atomic.Int64
	return func(ctx context.Context) error {
		buf := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(buf)
		if err := apiGet(ctx, client, url, token, buf); err != nil {
			return err
		}
		var rows int
		if n.Add(1)%fullDecodeEvery == 0 {
			var pg listPage
			if err := json.Unmarshal(buf.Bytes(), &pg); err != nil {
				return fmt.Errorf("decode list: %w", err)
			}
			rows = len(pg.Data)
		} else {
			var err error
			if rows, err = CountRows(buf.Bytes()); err != nil {
				return err
			}
		}
		if rows != want {
			return fmt.Errorf("API returned %d rows, want %d", rows, want)
		}
		return nil
	}
}

// CountRows counts the elements of the "data" array of a JSON object
// without decoding them. It assumes well-formed JSON.
func CountRows(b []byte) (int, error) {
	depth, count := 0, 0
	inData, expect, found := false, false, false
	var lastStr []byte // the last string closed at depth 1: a key, or a value
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case ' ', '\t', '\n', '\r', ':':
			continue
		case '"':
			start := i + 1
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 1 {
				lastStr = b[start:min(i, len(b))]
			}
		case '{', '[':
			if c == '[' && depth == 1 && string(lastStr) == "data" {
				inData, expect, found = true, true, true
				depth++
				continue
			}
			depth++
		case '}', ']':
			depth--
			if inData && depth == 1 {
				if c != ']' {
					return 0, errors.New("malformed list body")
				}
				return count, nil
			}
			continue
		case ',':
			if inData && depth == 2 {
				expect = true
			}
			continue
		}
		// c starts a value (or, at depth > 2, is inside one).
		if inData && expect && (depth == 2 || (depth == 3 && (c == '{' || c == '['))) {
			count++
			expect = false
		}
	}
	if !found {
		return 0, errors.New(`list body has no "data" array`)
	}
	return 0, errors.New("list body ends inside the data array")
}

// sameRows checks once that the API and the raw query list the same
// conversations in the same order, so the two modes measure the same work.
func sameRows(ctx context.Context, pool *pgxpool.Pool, client *http.Client, base, token string, sc Scenario) error {
	raw, err := RawList(ctx, pool, sc)
	if err != nil {
		return fmt.Errorf("bench: raw %s: %w", sc.Name, err)
	}
	api, err := apiList(ctx, client, base+sc.Path, token)
	if err != nil {
		return fmt.Errorf("bench: api %s: %w", sc.Name, err)
	}
	if len(raw) > len(api) {
		raw = raw[:len(api)]
	}
	if !slices.Equal(raw, api) || len(api) != sc.Want {
		return fmt.Errorf("bench: %s: the API lists %v, the raw query %v", sc.Name, api, raw)
	}
	return nil
}

func serverVersion(ctx context.Context, pool *pgxpool.Pool) string {
	var v string
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "?"
	}
	return v
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, errors.Join(errors.New("bench: start CPU profile"), err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
