// Package jobs is HummDesk's durable job queue: River on SQLite in embedded
// mode and on PostgreSQL in cluster mode. Jobs are inserted in the same
// transaction as the data that caused them (InsertTx), so a rolled-back
// request leaves no job behind and a committed one always has its job.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/store"
)

// Queue names.
const (
	QueueClassification = "ai_classification"
	QueueDraft          = "ai_draft"
	QueueEmail          = "email"
	QueueEvents         = "events"
	QueueMaintenance    = "maintenance"
	QueueKnowledgeBase  = "knowledge_base"
)

// Policy is a queue's retry and rate policy.
type Policy struct {
	// MaxAttempts before a job is discarded.
	MaxAttempts int
	// BackoffBase is the first retry delay; each retry doubles it, with
	// ±25% jitter.
	BackoffBase time.Duration
	// Rate jobs per Per across all worker processes together; 0 is
	// unlimited. A job over the limit is snoozed, not failed.
	Rate int
	Per  time.Duration
	// Workers is the number of concurrent workers per process.
	Workers int
}

// DefaultPolicies are the seed's queue policies.
func DefaultPolicies() map[string]Policy {
	return map[string]Policy{
		QueueClassification: {MaxAttempts: 3, BackoffBase: 2 * time.Second, Rate: 100, Per: time.Minute, Workers: 4},
		QueueDraft:          {MaxAttempts: 2, BackoffBase: 2 * time.Second, Rate: 50, Per: time.Minute, Workers: 2},
		QueueEmail:          {MaxAttempts: 5, BackoffBase: 5 * time.Second, Rate: 500, Per: time.Hour, Workers: 2},
		QueueEvents:         {MaxAttempts: 25, BackoffBase: time.Second, Workers: 2},
		QueueMaintenance:    {MaxAttempts: 3, BackoffBase: 10 * time.Second, Workers: 1},
		// Embedding articles: local and CPU-bound by default; set a Rate
		// when the embedder is a remote API.
		QueueKnowledgeBase: {MaxAttempts: 5, BackoffBase: 2 * time.Second, Workers: 2},
	}
}

// Backoff returns the delay before retry number attempt (1-based) under p.
func (p Policy) Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := p.BackoffBase << (attempt - 1)
	if d <= 0 || d > time.Hour {
		d = time.Hour
	}
	jitter := 0.75 + rand.Float64()/2
	return time.Duration(float64(d) * jitter)
}

// Priority maps a conversation priority to a River priority (1 runs first).
func Priority(p string) int {
	switch p {
	case "urgent":
		return 1
	case "high":
		return 2
	case "normal", "":
		return 3
	default:
		return 4
	}
}

// Client is the River client of this process, on either dialect.
type Client struct {
	dialect store.Dialect
	sqlite  *river.Client[*sql.Tx]
	pg      *river.Client[pgx.Tx]
}

// Config configures the client.
type Config struct {
	Store    *store.Store
	Logger   *slog.Logger
	Workers  *river.Workers
	Policies map[string]Policy
	// Work runs workers in this process; false makes an insert-only client.
	Work     bool
	Periodic []*river.PeriodicJob
	// RescueAfter is how long a job may stay running before it is taken for
	// one whose worker died (killed, crashed, its machine lost) and is
	// scheduled for a retry; 0 means DefaultRescueAfter. River checks every
	// 30 s, and only on the elected leader, which itself changes only after
	// the old leader's term expires (about 15 s) if the old leader died. A
	// job still running at four fifths of RescueAfter is cancelled (its
	// JobTimeout), so a slow job on a live worker ends and is retried by the
	// normal path before the rescuer could run it a second time beside it.
	RescueAfter time.Duration
}

// DefaultRescueAfter is RescueAfter when none is given: above the longest
// classification with the default AI timeout (6 requests of 30 s).
const DefaultRescueAfter = 5 * time.Minute

// New builds the client for the store's dialect.
func New(cfg Config) (*Client, error) {
	rescue := cfg.RescueAfter
	if rescue <= 0 {
		rescue = DefaultRescueAfter
	}
	rc := &river.Config{
		Logger: cfg.Logger,
		// River's defaults (100 ms between fetches while busy, 1 s polls)
		// cap a queue at MaxWorkers jobs per 100 ms and make SQLite, which
		// has no LISTEN, start new jobs up to a second late.
		FetchCooldown:        10 * time.Millisecond,
		FetchPollInterval:    200 * time.Millisecond,
		JobTimeout:           rescue * 4 / 5,
		RescueStuckJobsAfter: rescue,
		MaxAttempts:          5,
	}
	if cfg.Work {
		rc.Workers = cfg.Workers
		rc.PeriodicJobs = cfg.Periodic
		rc.Queues = map[string]river.QueueConfig{}
		for name, p := range cfg.Policies {
			rc.Queues[name] = river.QueueConfig{MaxWorkers: max(p.Workers, 1)}
		}
	}
	c := &Client{dialect: cfg.Store.Dialect()}
	var err error
	switch c.dialect {
	case store.SQLite:
		c.sqlite, err = river.NewClient(riversqlite.New(cfg.Store.DB()), rc)
	case store.Postgres:
		c.pg, err = river.NewClient(riverpgxv5.New(cfg.Store.Pool()), rc)
	}
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return c, nil
}

// Migrate creates or upgrades River's tables.
func Migrate(ctx context.Context, st *store.Store) error {
	var err error
	switch st.Dialect() {
	case store.SQLite:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(st.DB()), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	case store.Postgres:
		var m *rivermigrate.Migrator[pgx.Tx]
		if m, err = rivermigrate.New(riverpgxv5.New(st.Pool()), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// InsertTx enqueues a job in the store transaction: it exists exactly when
// the transaction commits.
func (c *Client) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	switch c.dialect {
	case store.SQLite:
		return c.sqlite.InsertTx(ctx, tx.SQL(), args, opts)
	case store.Postgres:
		return c.pg.InsertTx(ctx, tx.PGX(), args, opts)
	}
	return nil, errors.New("job queue: unknown dialect")
}

// Start runs the workers (for a client built with Work).
func (c *Client) Start(ctx context.Context) error {
	if c.sqlite != nil {
		return c.sqlite.Start(ctx)
	}
	return c.pg.Start(ctx)
}

// Stop lets running jobs finish until ctx ends, then cancels them; River
// hands unfinished jobs back for retry.
func (c *Client) Stop(ctx context.Context) error {
	var err error
	if c.sqlite != nil {
		if err = c.sqlite.Stop(ctx); errors.Is(err, context.DeadlineExceeded) {
			err = c.sqlite.StopAndCancel(context.Background())
		}
		return err
	}
	if err = c.pg.Stop(ctx); errors.Is(err, context.DeadlineExceeded) {
		err = c.pg.StopAndCancel(context.Background())
	}
	return err
}
