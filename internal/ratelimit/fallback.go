package ratelimit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Fallback is a Limiter that counts in a shared primary (Redis) and, while
// the primary fails, in a secondary of its own (in process). A Redis that is
// down or hangs thus weakens the limits to per-process ones for a while,
// with a logged warning, instead of failing the requests and jobs they
// guard or making each of them wait for Redis's timeout.
type Fallback struct {
	primary, secondary Limiter
	log                *slog.Logger
	now                func() time.Time
	// Timeout bounds one call to the primary.
	timeout time.Duration
	// retry is how long the secondary answers alone after the primary
	// failed, before the primary is tried again.
	retry time.Duration

	downUntil atomic.Int64 // unix nanoseconds; 0 when the primary is in use
	degraded  atomic.Bool
}

// FallbackOptions tunes NewFallback; zero values take the defaults.
type FallbackOptions struct {
	// Timeout bounds one call to the primary (default 500ms). The primary's
	// client must honour context deadlines (go-redis: ContextTimeoutEnabled).
	Timeout time.Duration
	// Retry is how long to stay on the secondary after the primary failed
	// (default 10s).
	Retry time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// NewFallback returns a limiter that uses primary and falls back to
// secondary while primary fails.
func NewFallback(primary, secondary Limiter, log *slog.Logger, opts FallbackOptions) *Fallback {
	f := &Fallback{primary: primary, secondary: secondary, log: log, now: opts.Now, timeout: opts.Timeout, retry: opts.Retry}
	if f.now == nil {
		f.now = time.Now
	}
	if f.timeout <= 0 {
		f.timeout = 500 * time.Millisecond
	}
	if f.retry <= 0 {
		f.retry = 10 * time.Second
	}
	return f
}

// pick returns the limiter to ask now.
func (f *Fallback) pick() Limiter {
	if f.now().UnixNano() < f.downUntil.Load() {
		return f.secondary
	}
	return f.primary
}

// failed records a failure of the primary. A call abandoned because the
// caller's own context ended says nothing about the primary.
func (f *Fallback) failed(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	f.downUntil.Store(f.now().Add(f.retry).UnixNano())
	if !f.degraded.Swap(true) {
		f.log.Warn("rate limiter: shared store unavailable; limits are per process until it answers", slog.Any("error", err))
	}
	return true
}

func (f *Fallback) succeeded() {
	if f.degraded.Swap(false) {
		f.log.Info("rate limiter: shared store answers again")
	}
}

func (f *Fallback) check(ctx context.Context, call func(context.Context, Limiter) (Result, error)) (Result, error) {
	l := f.pick()
	if l == f.secondary {
		return call(ctx, l)
	}
	pctx, cancel := context.WithTimeout(ctx, f.timeout)
	r, err := call(pctx, l)
	cancel()
	if err == nil {
		f.succeeded()
		return r, nil
	}
	if !f.failed(ctx, err) {
		return r, err
	}
	return call(ctx, f.secondary)
}

func (f *Fallback) do(ctx context.Context, call func(context.Context, Limiter) error) error {
	_, err := f.check(ctx, func(ctx context.Context, l Limiter) (Result, error) { return Result{}, call(ctx, l) })
	return err
}

// Hit implements Limiter.
func (f *Fallback) Hit(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	return f.check(ctx, func(ctx context.Context, l Limiter) (Result, error) { return l.Hit(ctx, key, limit, window) })
}

// Peek implements Limiter.
func (f *Fallback) Peek(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	return f.check(ctx, func(ctx context.Context, l Limiter) (Result, error) { return l.Peek(ctx, key, limit, window) })
}

// Reset implements Limiter.
func (f *Fallback) Reset(ctx context.Context, key string, window time.Duration) error {
	return f.do(ctx, func(ctx context.Context, l Limiter) error { return l.Reset(ctx, key, window) })
}

// Undo implements Limiter.
func (f *Fallback) Undo(ctx context.Context, key string, window time.Duration) error {
	return f.do(ctx, func(ctx context.Context, l Limiter) error { return l.Undo(ctx, key, window) })
}
