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
	"math"
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
	// Undo takes back one event counted by Hit, for callers that count an
	// attempt before they know whether it should count (login throttling
	// counts every attempt up front, so concurrent guesses cannot all slip
	// past a check, and takes back the ones that succeed).
	Undo(ctx context.Context, key string, window time.Duration) error
}

func estimate(prev, cur int64, elapsed, window time.Duration) float64 {
	weight := 1 - float64(elapsed)/float64(window)
	if weight < 0 {
		weight = 0
	}
	return float64(prev)*weight + float64(cur)
}

// allowed reports whether one more event fits under limit.
func allowed(prev, cur int64, elapsed, window time.Duration, limit int) bool {
	return estimate(prev, cur, elapsed, window)+1 <= float64(limit)
}

func decide(prev, cur int64, elapsed, window time.Duration, limit int) Result {
	return result(allowed(prev, cur, elapsed, window, limit), prev, cur, elapsed, window, limit)
}

// result describes a decision already taken (by decide, or atomically by
// Redis).
func result(ok bool, prev, cur int64, elapsed, window time.Duration, limit int) Result {
	if ok {
		rem := int(float64(limit) - estimate(prev, cur, elapsed, window) - 1)
		if rem < 0 {
			rem = 0
		}
		return Result{Allowed: true, Remaining: rem}
	}
	return Result{Allowed: false, RetryAfter: retryAfter(prev, cur, elapsed, window, limit)}
}

// retryAfter is how long until one more event fits, assuming no other
// events arrive: a client that waits that long is not refused again. The
// previous window's weight decays linearly until the current window ends;
// then the current count becomes the previous one and decays in turn.
func retryAfter(prev, cur int64, elapsed, window time.Duration, limit int) time.Duration {
	lim, w := float64(limit), float64(window)
	var wait float64
	switch {
	case lim < 1:
		// Nothing ever fits; come back after both windows have passed.
		wait = float64(window-elapsed) + w
	case prev > 0 && float64(cur)+1 <= lim:
		// Fits within the current window once the previous one has decayed
		// enough: prev*(1-(elapsed+t)/w) + cur + 1 <= lim.
		wait = (estimate(prev, cur, elapsed, window) + 1 - lim) * w / float64(prev)
	default:
		// Only the next window helps: cur*(1-t/w) + 1 <= lim there.
		wait = float64(window - elapsed)
		if float64(cur)+1 > lim {
			wait += w * (1 - (lim-1)/float64(cur))
		}
	}
	// Round up to the millisecond, so that float error never makes a
	// client that waited exactly this long be refused.
	d := (time.Duration(math.Ceil(wait)) + time.Millisecond).Truncate(time.Millisecond)
	if d < time.Millisecond {
		d = time.Millisecond
	}
	return d
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

// entry returns key's counters with their windows moved to now; the
// shard must be locked.
func (s *memShard) entry(key string, window time.Duration, now time.Time) *memEntry {
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
	if e.window != window {
		// The key is used with another window: start afresh.
		e.prev, e.cur = 0, 0
	}
	switch d := start.Sub(e.windowStart); {
	case d == window:
		e.prev, e.cur = e.cur, 0
	case d > window:
		e.prev, e.cur = 0, 0
	}
	e.windowStart, e.window = start, window
	return e
}

func (m *Memory) check(key string, limit int, window time.Duration, count bool) Result {
	s := m.shard(key)
	now := m.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entry(key, window, now)
	r := decide(e.prev, e.cur, now.Sub(e.windowStart), window, limit)
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

// Undo implements Limiter.
func (m *Memory) Undo(_ context.Context, key string, window time.Duration) error {
	s := m.shard(key)
	now := m.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[key]; !ok {
		return nil
	}
	e := s.entry(key, window, now)
	switch {
	case e.cur > 0:
		e.cur--
	case e.prev > 0:
		e.prev--
	}
	return nil
}
