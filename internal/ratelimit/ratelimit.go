// Package ratelimit counts requests in sliding windows, in process or in
// Redis (shared by every node of a cluster).
//
// The window is the classic two-bucket approximation: the count of the
// previous fixed window, weighted by how much of it still overlaps the
// sliding window, plus the count of the current one.
package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Result is the outcome of a check.
type Result struct {
	Allowed    bool
	Remaining  int
	RetryAfter time.Duration
}

// Limiter counts events per key.
type Limiter interface {
	// Hit counts one event for key unless key is already at limit within
	// window, and reports whether it was allowed.
	Hit(ctx context.Context, key string, limit int, window time.Duration) (Result, error)
	// Peek reports whether an event would be allowed, without counting it.
	Peek(ctx context.Context, key string, limit int, window time.Duration) (Result, error)
	// Reset forgets key's counts for window.
	Reset(ctx context.Context, key string, window time.Duration) error
}

func estimate(prev, cur int64, elapsed, window time.Duration) float64 {
	weight := 1 - float64(elapsed)/float64(window)
	if weight < 0 {
		weight = 0
	}
	return float64(prev)*weight + float64(cur)
}

func decide(prev, cur int64, elapsed, window time.Duration, limit int) Result {
	est := estimate(prev, cur, elapsed, window)
	if est+1 > float64(limit) {
		// Wait until the previous window's weight has decayed enough, or the
		// current window ends.
		retry := window - elapsed
		if prev > 0 {
			need := (est + 1 - float64(limit)) / float64(prev) * float64(window)
			if d := time.Duration(need); d < retry {
				retry = d
			}
		}
		if retry < time.Second {
			retry = time.Second
		}
		return Result{Allowed: false, RetryAfter: retry}
	}
	return Result{Allowed: true, Remaining: int(float64(limit) - est - 1)}
}

// Memory is an in-process Limiter.
type Memory struct {
	now    func() time.Time
	seed   maphash.Seed
	shards [32]memShard
}

type memShard struct {
	mu      sync.Mutex
	entries map[string]*memEntry
	sweep   time.Time
}

type memEntry struct {
	windowStart time.Time
	window      time.Duration
	prev, cur   int64
}

// NewMemory returns an in-process limiter; now may be nil.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].entries = map[string]*memEntry{}
	}
	return m
}

func (m *Memory) shard(key string) *memShard {
	return &m.shards[maphash.String(m.seed, key)%uint64(len(m.shards))]
}

func (m *Memory) check(key string, limit int, window time.Duration, count bool) Result {
	s := m.shard(key)
	now := m.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.sweep) > time.Minute {
		for k, e := range s.entries {
			if now.Sub(e.windowStart) > 2*e.window {
				delete(s.entries, k)
			}
		}
		s.sweep = now
	}
	start := now.Truncate(window)
	e := s.entries[key]
	if e == nil {
		e = &memEntry{windowStart: start, window: window}
		s.entries[key] = e
	}
	switch d := start.Sub(e.windowStart); {
	case d == window:
		e.prev, e.cur = e.cur, 0
	case d > window:
		e.prev, e.cur = 0, 0
	}
	e.windowStart, e.window = start, window
	r := decide(e.prev, e.cur, now.Sub(start), window, limit)
	if r.Allowed && count {
		e.cur++
	}
	return r
}

// Hit implements Limiter.
func (m *Memory) Hit(_ context.Context, key string, limit int, window time.Duration) (Result, error) {
	return m.check(key, limit, window, true), nil
}

// Peek implements Limiter.
func (m *Memory) Peek(_ context.Context, key string, limit int, window time.Duration) (Result, error) {
	return m.check(key, limit, window, false), nil
}

// Reset implements Limiter.
func (m *Memory) Reset(_ context.Context, key string, _ time.Duration) error {
	s := m.shard(key)
	s.mu.Lock()
	delete(s.entries, key)
	s.mu.Unlock()
	return nil
}
