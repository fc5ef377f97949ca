package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"hummdesk/internal/ratelimit"
)

// flaky is a primary limiter that can be made to fail or to hang until the
// caller's context ends, and counts the calls it gets.
type flaky struct {
	ratelimit.Limiter
	fail, hang atomic.Bool
	calls      atomic.Int64
}

var errDown = errors.New("connection refused")

func (f *flaky) Hit(ctx context.Context, key string, limit int, window time.Duration) (ratelimit.Result, error) {
	f.calls.Add(1)
	if f.hang.Load() {
		<-ctx.Done()
		return ratelimit.Result{}, ctx.Err()
	}
	if f.fail.Load() {
		return ratelimit.Result{}, errDown
	}
	return f.Limiter.Hit(ctx, key, limit, window)
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestFallbackCountsInTheSecondaryWhileThePrimaryFails(t *testing.T) {
	t.Parallel()
	c := newClock()
	primary := &flaky{Limiter: ratelimit.NewMemory(c.Now)}
	var logs syncBuffer
	l := ratelimit.NewFallback(primary, ratelimit.NewMemory(c.Now), slog.New(slog.NewTextHandler(&logs, nil)),
		ratelimit.FallbackOptions{Retry: 10 * time.Second, Now: c.Now})
	k := key("fallback")

	mustHit(t, l, k, 3, time.Minute)
	if primary.calls.Load() != 1 {
		t.Fatalf("primary got %d calls, want 1", primary.calls.Load())
	}

	// The primary goes away: no error reaches the caller, and the limit
	// still holds, counted in the secondary.
	primary.fail.Store(true)
	for i := range 3 {
		if r := mustHit(t, l, k, 3, time.Minute); !r.Allowed {
			t.Fatalf("hit %d in the secondary refused", i+1)
		}
	}
	if r := mustHit(t, l, k, 3, time.Minute); r.Allowed {
		t.Error("the secondary allowed a fourth hit over a limit of 3")
	}
	if n := primary.calls.Load(); n != 2 {
		t.Errorf("primary got %d calls, want 2: after a failure it must be left alone for a while", n)
	}
	if n := strings.Count(logs.String(), "unavailable"); n != 1 {
		t.Errorf("logged the outage %d times, want once:\n%s", n, logs.String())
	}

	// After the retry delay the primary is asked again, and used once it
	// answers.
	primary.fail.Store(false)
	c.Advance(11 * time.Second)
	if r := mustHit(t, l, k, 3, time.Minute); !r.Allowed {
		t.Error("the primary's second hit refused")
	}
	if n := primary.calls.Load(); n != 3 {
		t.Errorf("primary got %d calls after the retry delay, want 3", n)
	}
	if !strings.Contains(logs.String(), "answers again") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
}

func TestFallbackBoundsAHangingPrimary(t *testing.T) {
	t.Parallel()
	primary := &flaky{Limiter: ratelimit.NewMemory(nil)}
	primary.hang.Store(true)
	l := ratelimit.NewFallback(primary, ratelimit.NewMemory(nil), slog.New(slog.DiscardHandler),
		ratelimit.FallbackOptions{Timeout: 100 * time.Millisecond})
	start := time.Now()
	if r := mustHit(t, l, key("hang"), 5, time.Minute); !r.Allowed {
		t.Error("refused while the primary hangs")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a hit took %v with a hanging primary and a 100ms timeout", d)
	}

	// The caller giving up is not the primary failing: the caller gets its
	// own error, and the primary stays in use.
	primary2 := &flaky{Limiter: ratelimit.NewMemory(nil)}
	primary2.hang.Store(true)
	l2 := ratelimit.NewFallback(primary2, ratelimit.NewMemory(nil), slog.New(slog.DiscardHandler), ratelimit.FallbackOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l2.Hit(ctx, key("cancel"), 5, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("Hit with a canceled context = %v, want context.Canceled", err)
	}
	primary2.hang.Store(false)
	mustHit(t, l2, key("cancel"), 5, time.Minute)
	if n := primary2.calls.Load(); n != 2 {
		t.Errorf("primary got %d calls, want 2: a caller's cancellation must not switch to the secondary", n)
	}
}

// A Redis that accepts connections but never answers (paused, or behind a
// partition) costs a request no more than the timeout, provided the client
// honours context deadlines.
func TestFallbackOverASilentRedis(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	})
	rc := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rc.Close() })
	l := ratelimit.NewFallback(ratelimit.NewRedis(rc, "fallback:", nil), ratelimit.NewMemory(nil), slog.New(slog.DiscardHandler),
		ratelimit.FallbackOptions{Timeout: 200 * time.Millisecond})
	for i := range 5 {
		start := time.Now()
		if r := mustHit(t, l, key("silent"), 10, time.Minute); !r.Allowed {
			t.Fatalf("hit %d refused", i+1)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("hit %d took %v against a silent Redis", i+1, d)
		}
	}
}
