package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"hummdesk/internal/jobs"
	"hummdesk/internal/store"
)

// noopArgs is the benchmark's job: it does nothing, so what is measured is
// the queue itself.
type noopArgs struct{}

func (noopArgs) Kind() string { return "bench_noop" }

func (noopArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: "bench"} }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
	mu    sync.Mutex
	waits []time.Duration
	done  chan struct{}
	want  int
}

func (w *noopWorker) Work(_ context.Context, job *river.Job[noopArgs]) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if job.AttemptedAt != nil {
		w.waits = append(w.waits, job.AttemptedAt.Sub(job.ScheduledAt))
	}
	if len(w.waits) == w.want {
		close(w.done)
	}
	return nil
}

// QueueResult is one dialect's queue throughput.
type QueueResult struct {
	Dialect   string
	Jobs      int
	Elapsed   time.Duration
	Waits     []time.Duration
	InsertDur time.Duration
}

// RunQueue measures no-op job throughput and the time from enqueue to
// start on PostgreSQL and on SQLite: n jobs are enqueued in transactions of
// 100 (the way requests enqueue them), while the workers run.
func RunQueue(ctx context.Context, serverURL string, n int, out io.Writer) ([]QueueResult, error) {
	fmt.Fprintf(out, "\njob queue: %d no-op jobs enqueued in transactions of 100 while 50 workers run\n", n)
	var results []QueueResult
	dir, err := os.MkdirTemp("", "hummdesk-queue-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	const db = "hummdesk_queuebench"
	for _, dialect := range []string{"postgres", "sqlite"} {
		url := "sqlite://" + filepath.Join(dir, "queue.db")
		if dialect == "postgres" {
			if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
				return nil, err
			}
			if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+db); err != nil {
				return nil, err
			}
			url = replaceDatabase(serverURL, db)
		}
		r, err := runQueue(ctx, dialect, url, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dialect, err)
		}
		results = append(results, r)
	}
	_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
	fmt.Fprintf(out, "%-10s %7s %10s %12s %14s %14s\n", "database", "jobs", "jobs/s", "enqueue/s", "wait p50", "wait p99")
	for _, r := range results {
		sort.Slice(r.Waits, func(i, j int) bool { return r.Waits[i] < r.Waits[j] })
		p := func(q float64) string { return fmtMS(r.Waits[min(len(r.Waits)-1, int(q*float64(len(r.Waits))))]) }
		fmt.Fprintf(out, "%-10s %7d %10.0f %12.0f %14s %14s\n", r.Dialect, r.Jobs, float64(r.Jobs)/r.Elapsed.Seconds(),
			float64(r.Jobs)/r.InsertDur.Seconds(), p(0.5), p(0.99))
	}
	return results, nil
}

func runQueue(ctx context.Context, dialect, url string, n int) (QueueResult, error) {
	res := QueueResult{Dialect: dialect, Jobs: n}
	st, err := store.Open(ctx, url, store.Options{MaxConns: 60})
	if err != nil {
		return res, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return res, err
	}
	if err := jobs.Migrate(ctx, st); err != nil {
		return res, err
	}
	if err := st.GrantAppRoles(ctx); err != nil {
		return res, err
	}
	var accountID int64
	if err := st.SystemTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountCreate(ctx, "queue bench")
		accountID = a.ID
		return err
	}); err != nil {
		return res, err
	}
	w := &noopWorker{done: make(chan struct{}), want: n}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	c, err := jobs.New(jobs.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Workers: workers,
		Policies: map[string]jobs.Policy{"bench": {Workers: 50}}, Work: true})
	if err != nil {
		return res, err
	}
	if err := c.Start(ctx); err != nil {
		return res, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Stop(sctx)
	}()
	start := time.Now()
	for i := 0; i < n; i += 100 {
		err := st.Tx(ctx, accountID, func(tx *store.Tx) error {
			for j := i; j < min(i+100, n); j++ {
				if _, err := c.InsertTx(ctx, tx, noopArgs{}, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	res.InsertDur = time.Since(start)
	select {
	case <-w.done:
	case <-time.After(5 * time.Minute):
		return res, fmt.Errorf("only %d of %d jobs ran within 5 minutes", len(w.waits), n)
	case <-ctx.Done():
		return res, ctx.Err()
	}
	res.Elapsed = time.Since(start)
	res.Waits = w.waits
	return res, nil
}
