package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	centrifuge "github.com/centrifugal/centrifuge-go"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/app"
	"hummdesk/internal/config"
	"hummdesk/internal/seed"
	"hummdesk/internal/store"
	"hummdesk/internal/triage"
)

// TriageTarget is issue 4's bound on the p99 time from a customer message's
// commit until its classification is stored, with the local provider at
// TriageTargetRate messages per second.
const (
	TriageTarget     = 200 * time.Millisecond
	TriageTargetRate = 50
)

// TriageQueueRates is the HUMMDESK_QUEUE_RATES the benchmark runs with: an
// operator expecting 50 messages a second raises the classification queue's
// default of 100 a minute (and the drafts that follow each classification)
// to twice that, 6,000 a minute.
const TriageQueueRates = "ai_classification=100/s,ai_draft=100/s"

// TriageOptions configures the classification latency benchmark.
type TriageOptions struct {
	// ServerURL is a superuser URL of the PostgreSQL server; the benchmark
	// creates its own database there. Empty skips PostgreSQL.
	ServerURL string
	// SQLite also measures embedded mode (a SQLite file in a temporary
	// directory).
	SQLite bool
	// Rate is customer messages per second, Duration how long they are
	// sent after a second of warm-up.
	Rate     int
	Duration time.Duration
	// Conversations is how many widget visitors, each in a conversation of
	// its own, the messages are spread over (100 if 0).
	Conversations int
	// QueueRates is the product's HUMMDESK_QUEUE_RATES (TriageQueueRates if
	// empty).
	QueueRates string
	Out        io.Writer
}

// TriageResult is one database's outcome.
type TriageResult struct {
	Database string
	// Sent is the timed messages posted (2xx), Classified how many of them
	// the agent saw classified; Elapsed is how long sending took.
	Sent, Classified int
	Elapsed          time.Duration
	// Published is, per message, from the 2xx of its POST (the commit was
	// before) until the agent's WebSocket received conversation.classified:
	// commit → stored → published.
	Published []time.Duration
	// Bound is from just before the POST was sent until that event: it
	// covers the whole of commit → stored and is an upper bound of it.
	Bound []time.Duration
	// Stored is from the message's created_at to its classification's,
	// both the start times of their transactions on one clock.
	Stored []time.Duration
	// QueueWait is each classification job's time from insert to start,
	// Work from start to completion (River's timestamps).
	QueueWait, Work []time.Duration
	// Retried counts jobs that ran more than once (snoozed by the rate
	// limit, or failed); Outcomes counts the classifications' outcomes.
	Retried  int
	Outcomes map[string]int
}

// P99 is the verdict's percentile of commit → stored → published.
func (r TriageResult) P99() time.Duration { return percentile(r.Published, 99) }

// OK reports whether the target is met: every message classified
// and p99 under TriageTarget.
func (r TriageResult) OK() bool {
	return r.Sent > 0 && r.Classified == r.Sent && r.P99() < TriageTarget
}

// RunTriage measures, on PostgreSQL and on SQLite, the time from a widget
// message's commit until its classification is stored, with the built-in
// local classifier and the workers in-process (`hummdesk serve`).
func RunTriage(ctx context.Context, o TriageOptions) ([]TriageResult, error) {
	if o.Rate <= 0 {
		o.Rate = TriageTargetRate
	}
	if o.Duration <= 0 {
		o.Duration = 20 * time.Second
	}
	if o.Conversations <= 0 {
		o.Conversations = 100
	}
	if o.QueueRates == "" {
		o.QueueRates = TriageQueueRates
	}
	w := o.Out
	fmt.Fprintf(w, "\nclassification latency (issue 4): %d widget messages/s for %s (after 1s of warm-up) over %d conversations;\n"+
		"  `serve` in-process with its workers, local provider, HUMMDESK_QUEUE_RATES=%s; GOMAXPROCS=%d\n",
		o.Rate, o.Duration, o.Conversations, o.QueueRates, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "  commit→event: POST's 2xx (the commit was before it) until the agent's WebSocket receives conversation.classified\n"+
		"                (commit → classification stored → published); the verdict is on this one\n"+
		"  send→event:   the POST sent (before the commit) until that event: an upper bound of commit → stored\n"+
		"  db stamps:    messages.created_at → ai_classifications.created_at (each its transaction's start; one clock)\n"+
		"  job wait/run: River's classification job, insert → start and start → completion\n")
	if la := loadAverage(); la != "" {
		fmt.Fprintf(w, "  load average before: %s on %d CPUs (other processes share them)\n", la, runtime.NumCPU())
	}
	var out []TriageResult
	if o.ServerURL != "" {
		r, err := runTriagePostgres(ctx, o)
		if err != nil {
			return out, fmt.Errorf("postgres: %w", err)
		}
		out = append(out, r)
	}
	if o.SQLite {
		dir, err := os.MkdirTemp("", "hummdesk-triage-bench-")
		if err != nil {
			return out, err
		}
		defer os.RemoveAll(dir)
		r, err := runTriage(ctx, o, "SQLite", []string{"DATABASE_URL=sqlite://" + filepath.Join(dir, "hummdesk.db"), "HUMMDESK_DATA_DIR=" + dir})
		if err != nil {
			return out, fmt.Errorf("sqlite: %w", err)
		}
		out = append(out, r)
	}
	if la := loadAverage(); la != "" {
		fmt.Fprintf(w, "  load average after: %s\n", la)
	}
	writeTriage(w, o, out)
	return out, nil
}

func runTriagePostgres(ctx context.Context, o TriageOptions) (TriageResult, error) {
	const db = "hummdesk_triagebench"
	admin, err := sql.Open("pgx", o.ServerURL)
	if err != nil {
		return TriageResult{}, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
		return TriageResult{}, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+db); err != nil {
		return TriageResult{}, err
	}
	defer func() {
		_, _ = admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
	}()
	return runTriage(ctx, o, "PostgreSQL", []string{"DATABASE_URL=" + replaceDatabase(o.ServerURL, db), "HUMMDESK_DATA_DIR=" + os.TempDir()})
}

func writeTriage(w io.Writer, o TriageOptions, rs []TriageResult) {
	fmt.Fprintf(w, "%-11s %-13s %6s %10s %10s %10s %10s %10s\n", "database", "measure", "sent", "classified", "p50", "p90", "p99", "max")
	for _, r := range rs {
		row := func(name string, ds []time.Duration, counts bool) {
			sent, cl := "", ""
			if counts {
				sent, cl = fmt.Sprint(r.Sent), fmt.Sprint(r.Classified)
			}
			q := func(p float64) string {
				if len(ds) == 0 {
					return "-"
				}
				return fmtMS(percentile(ds, p))
			}
			fmt.Fprintf(w, "%-11s %-13s %6s %10s %10s %10s %10s %10s\n", r.Database, name, sent, cl, q(50), q(90), q(99), q(100))
		}
		row("commit→event", r.Published, true)
		row("send→event", r.Bound, false)
		row("db stamps", r.Stored, false)
		row("job wait", r.QueueWait, false)
		row("job run", r.Work, false)
		outcomes := make([]string, 0, len(r.Outcomes))
		for k, n := range r.Outcomes {
			outcomes = append(outcomes, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(outcomes)
		fmt.Fprintf(w, "%-11s sent at %.1f messages/s; %d jobs ran more than once; outcomes: %s\n", r.Database,
			float64(r.Sent)/max(r.Elapsed.Seconds(), 1e-9), r.Retried, strings.Join(outcomes, ", "))
	}
	for _, r := range rs {
		note := ""
		if o.Rate != TriageTargetRate {
			note = fmt.Sprintf(" (the target is stated for %d messages/s, this run sent %d)", TriageTargetRate, o.Rate)
		}
		fmt.Fprintf(w, "RESULT triage %s: p99 commit → classification stored (and published) %s < %s with every message classified: %s"+
			" (upper bound send→event p99 %s)%s\n", r.Database, fmtMS(r.P99()), fmtMS(TriageTarget), verdict(r.OK()),
			fmtMS(percentile(r.Bound, 99)), note)
	}
}

// triageTexts are customer messages in the five languages of the local
// model, across its categories and moods.
var triageTexts = []string{
	"Hi, I was charged twice for my subscription this month. Can you refund one of the payments?",
	"The app crashes every time I try to upload a file larger than 10 MB. This is urgent, our team is blocked!",
	"Do you offer a discount for non-profits? We would need about 40 seats.",
	"How do I change the email address on my account?",
	"Your service has been down for two hours and nobody answers. This is unacceptable.",
	"Kirjautuminen ei toimi, saan virheen 500 joka kerta. Koko tiimimme on jumissa!",
	"Hej! Kan ni skicka en offert för 150 användare med årsavtal?",
	"Bonjour, ma facture de mars est incorrecte, pouvez-vous vérifier le montant ?",
	"Hallo, unterstützt eure API Webhooks für neue Nachrichten?",
	"Thanks a lot, the export works perfectly now!",
	"My invoice shows the wrong VAT number, please send a corrected one.",
	"The webhook integration returns 401 since yesterday although the key did not change.",
	"Can I upgrade from the Starter plan to Business in the middle of the month?",
	"Where can I find your privacy policy and the data processing agreement?",
	"Miksi laskussani on kaksi veloitusta samalta päivältä?",
	"Le widget ne s'affiche plus sur notre site depuis la mise à jour.",
}

type triageSample struct {
	sent, ok, event time.Time
	msgAt, classAt  time.Time
	posted, seen    bool
	warm            bool
	outcome         string
}

// runTriage starts the product with env, subscribes an agent, opens the
// conversations and sends the messages at the rate.
func runTriage(ctx context.Context, o TriageOptions, database string, env []string) (TriageResult, error) {
	res := TriageResult{Database: database, Outcomes: map[string]int{}}
	env = append(env, "HUMMDESK_ADDR=127.0.0.1:0", "HUMMDESK_DEMO=true", "HUMMDESK_RATE_LIMITS=off", "HUMMDESK_LOG_LEVEL=warn",
		"HUMMDESK_AI_PROVIDER=local", "HUMMDESK_ACCESS_TOKEN_TTL=2h", "HUMMDESK_QUEUE_RATES="+o.QueueRates)
	cfg, err := config.Load(env, nil, nil)
	if err != nil {
		return res, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return res, fmt.Errorf("start hummdesk: %w", err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(runCtx) }()
	defer func() { stop(); <-done; a.Close() }()
	base := "http://" + a.Addr()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	call := func(method, url string, hdr map[string]string, body any, into any) error {
		b, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %s: %.300s", method, url, resp.Status, raw)
		}
		return json.Unmarshal(raw, into)
	}
	var login struct {
		AccessToken string `json:"access_token"`
		Accounts    []struct {
			ID int64 `json:"id"`
		} `json:"accounts"`
	}
	if err := call("POST", base+"/api/v1/auth/login", nil, map[string]any{"email": seed.DemoEmail, "password": seed.DemoPassword}, &login); err != nil {
		return res, err
	}
	if len(login.Accounts) == 0 {
		return res, errors.New("the demo user has no account")
	}

	var mu sync.Mutex
	samples := map[int64]*triageSample{}
	sample := func(id int64) *triageSample {
		s := samples[id]
		if s == nil {
			s = &triageSample{}
			samples[id] = s
		}
		return s
	}
	arrived := make(chan struct{}, 1)
	c := centrifuge.NewJsonClient("ws"+strings.TrimPrefix(base, "http")+"/connection/websocket",
		centrifuge.Config{Token: login.AccessToken})
	defer c.Close()
	if err := c.Connect(); err != nil {
		return res, err
	}
	sub, err := c.NewSubscription(fmt.Sprintf("account:%d", login.Accounts[0].ID), centrifuge.SubscriptionConfig{Recoverable: true, Positioned: true})
	if err != nil {
		return res, err
	}
	subscribed := make(chan error, 1)
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) {
		select {
		case subscribed <- nil:
		default:
		}
	})
	sub.OnError(func(e centrifuge.SubscriptionErrorEvent) {
		select {
		case subscribed <- e.Error:
		default:
		}
	})
	sub.OnPublication(func(e centrifuge.PublicationEvent) {
		now := time.Now()
		var ev struct {
			Type string `json:"type"`
			Data struct {
				MessageID int64     `json:"message_id"`
				Outcome   string    `json:"outcome"`
				CreatedAt time.Time `json:"created_at"`
			} `json:"data"`
		}
		if json.Unmarshal(e.Data, &ev) != nil || ev.Type != "conversation.classified" {
			return
		}
		mu.Lock()
		// The relay may publish an event again; the first copy counts.
		if s := sample(ev.Data.MessageID); !s.seen {
			s.seen, s.event, s.classAt, s.outcome = true, now, ev.Data.CreatedAt, ev.Data.Outcome
		}
		mu.Unlock()
		select {
		case arrived <- struct{}{}:
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
		return res, errors.New("no answer to subscribe")
	}

	// The visitors open their conversations; their first messages are
	// classified before the measurement starts.
	type visitor struct {
		hdr  map[string]string
		post string
	}
	widget := base + "/api/v1/widget/" + seed.DemoInboxToken
	visitors := make([]visitor, o.Conversations)
	var setupIDs []int64
	for i := range visitors {
		var sess struct {
			ContactToken string `json:"contact_token"`
		}
		if err := call("POST", widget+"/contacts", nil, map[string]any{"name": fmt.Sprintf("Bench Visitor %d", i)}, &sess); err != nil {
			return res, err
		}
		hdr := map[string]string{"X-Contact-Token": sess.ContactToken}
		var conv struct {
			ID int64 `json:"id"`
		}
		if err := call("POST", widget+"/conversations", hdr, map[string]any{"content": triageTexts[i%len(triageTexts)]}, &conv); err != nil {
			return res, err
		}
		visitors[i] = visitor{hdr: hdr, post: fmt.Sprintf("%s/conversations/%d/messages", widget, conv.ID)}
		var first []struct {
			ID int64 `json:"id"`
		}
		var page struct {
			Data *[]struct {
				ID int64 `json:"id"`
			} `json:"data"`
		}
		page.Data = &first
		if err := call("GET", visitors[i].post, hdr, nil, &page); err != nil {
			return res, err
		}
		for _, m := range first {
			setupIDs = append(setupIDs, m.ID)
		}
	}
	if err := waitClassified(ctx, &mu, samples, setupIDs, arrived, 60*time.Second); err != nil {
		return res, fmt.Errorf("first messages: %w", err)
	}

	tick := time.NewTicker(time.Second / time.Duration(o.Rate))
	defer tick.Stop()
	warm := o.Rate
	total := warm + int(o.Duration.Seconds()*float64(o.Rate))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	var postErr error
	var measuredStart time.Time
	for i := 0; i < total; i++ {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		if i == warm {
			measuredStart = time.Now()
		}
		v := visitors[i%len(visitors)]
		text := triageTexts[(i*7+3)%len(triageTexts)]
		sem <- struct{}{}
		wg.Add(1)
		go func(warm bool) {
			defer func() { <-sem; wg.Done() }()
			var m struct {
				ID        int64     `json:"id"`
				CreatedAt time.Time `json:"created_at"`
			}
			sent := time.Now()
			err := call("POST", v.post, v.hdr, map[string]any{"content": text}, &m)
			ok := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				postErr = err
				return
			}
			s := sample(m.ID)
			s.sent, s.ok, s.msgAt, s.posted, s.warm = sent, ok, m.CreatedAt, true, warm
		}(i < warm)
	}
	wg.Wait()
	res.Elapsed = time.Since(measuredStart)
	if postErr != nil {
		return res, postErr
	}
	mu.Lock()
	var ids []int64
	for id, s := range samples {
		if s.posted {
			ids = append(ids, id)
		}
	}
	mu.Unlock()
	// Messages still unclassified after 30s count as lost.
	_ = waitClassified(ctx, &mu, samples, ids, arrived, 30*time.Second)

	mu.Lock()
	timed := map[int64]bool{}
	for id, s := range samples {
		if !s.posted || s.warm {
			continue
		}
		timed[id] = true
		res.Sent++
		if !s.seen {
			continue
		}
		res.Classified++
		res.Outcomes[s.outcome]++
		res.Published = append(res.Published, s.event.Sub(s.ok))
		res.Bound = append(res.Bound, s.event.Sub(s.sent))
		res.Stored = append(res.Stored, s.classAt.Sub(s.msgAt))
	}
	mu.Unlock()
	if err := jobTimes(ctx, a.Store(), timed, &res); err != nil {
		return res, fmt.Errorf("read the classification jobs: %w", err)
	}
	return res, nil
}

// waitClassified waits until every message of ids was seen classified, or
// for at most d.
func waitClassified(ctx context.Context, mu *sync.Mutex, samples map[int64]*triageSample, ids []int64, arrived <-chan struct{}, d time.Duration) error {
	deadline := time.After(d)
	for {
		mu.Lock()
		missing := 0
		for _, id := range ids {
			if s := samples[id]; s == nil || !s.seen {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			return nil
		}
		select {
		case <-arrived:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			return fmt.Errorf("%d of %d messages not classified within %s", missing, len(ids), d)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// jobTimes reads the classification jobs of the timed messages from River:
// how long each waited in the queue and ran, and whether it ran again.
// River records completions in batches after the work (and so after the
// event): jobTimes waits up to 10s for them.
func jobTimes(ctx context.Context, st *store.Store, timed map[int64]bool, res *TriageResult) error {
	var list func(*river.JobListParams) (*river.JobListResult, error)
	quiet := &river.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	switch st.Dialect() {
	case store.SQLite:
		c, err := river.NewClient(riversqlite.New(st.DB()), quiet)
		if err != nil {
			return err
		}
		list = func(p *river.JobListParams) (*river.JobListResult, error) { return c.JobList(ctx, p) }
	case store.Postgres:
		c, err := river.NewClient[pgx.Tx](riverpgxv5.New(st.Pool()), quiet)
		if err != nil {
			return err
		}
		list = func(p *river.JobListParams) (*river.JobListResult, error) { return c.JobList(ctx, p) }
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var jobs []*rivertype.JobRow
		params := river.NewJobListParams().Kinds(triage.ClassifyArgs{}.Kind()).First(1000)
		for {
			page, err := list(params)
			if err != nil {
				return err
			}
			for _, j := range page.Jobs {
				var args triage.ClassifyArgs
				if json.Unmarshal(j.EncodedArgs, &args) == nil && timed[args.MessageID] {
					jobs = append(jobs, j)
				}
			}
			if len(page.Jobs) == 0 || page.LastCursor == nil {
				break
			}
			params = params.After(page.LastCursor)
		}
		finished := 0
		for _, j := range jobs {
			if j.FinalizedAt != nil {
				finished++
			}
		}
		if finished < len(timed) && time.Now().Before(deadline) {
			select {
			case <-time.After(100 * time.Millisecond):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		for _, j := range jobs {
			if j.AttemptedAt != nil {
				res.QueueWait = append(res.QueueWait, j.AttemptedAt.Sub(j.CreatedAt))
				if j.FinalizedAt != nil && j.State == rivertype.JobStateCompleted {
					res.Work = append(res.Work, j.FinalizedAt.Sub(*j.AttemptedAt))
				}
			}
			if j.Attempt > 1 || snoozed(j.Metadata) {
				res.Retried++
			}
		}
		return nil
	}
}

// snoozed reports whether River's metadata records a snooze.
func snoozed(meta []byte) bool {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	return json.Unmarshal(meta, &m) == nil && m.Snoozes > 0
}
