package ratelimit

import (
	"context"
	"time"

	"hummdesk/internal/store"
)

// SQL is a Limiter whose counters live in the database, so every process
// sharing it (API nodes, workers) shares the limits even without Redis. It
// costs a write transaction per Hit: use it for job queues, not for every
// HTTP request.
type SQL struct {
	store *store.Store
	now   func() time.Time
}

// NewSQL returns a database-backed limiter; now may be nil.
func NewSQL(st *store.Store, now func() time.Time) *SQL {
	if now == nil {
		now = time.Now
	}
	return &SQL{store: st, now: now}
}

func (l *SQL) check(ctx context.Context, key string, limit int, window time.Duration, count bool) (Result, error) {
	now := l.now()
	start := now.Truncate(window)
	elapsed := now.Sub(start)
	var res Result
	_, _, _, err := l.store.RateCount(ctx, key+":"+window.String(), start.Add(-window).UnixNano(), start.UnixNano(),
		func(prev, cur int64) bool {
			// cur includes this event; decide on the count before it.
			res = decide(prev, cur-1, elapsed, window, limit)
			return res.Allowed && count
		})
	return res, err
}

// Hit implements Limiter.
func (l *SQL) Hit(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	return l.check(ctx, key, limit, window, true)
}

// Peek implements Limiter.
func (l *SQL) Peek(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	return l.check(ctx, key, limit, window, false)
}

// Reset implements Limiter.
func (l *SQL) Reset(ctx context.Context, key string, window time.Duration) error {
	return l.store.RateReset(ctx, key+":"+window.String())
}

// Undo implements Limiter.
func (l *SQL) Undo(ctx context.Context, key string, window time.Duration) error {
	return l.store.RateAdjust(ctx, key+":"+window.String(), l.now().Truncate(window).UnixNano(), -1)
}
