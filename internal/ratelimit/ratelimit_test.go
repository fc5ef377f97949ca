package ratelimit_test

import (
	"hummdesk/internal/testkit"

	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"hummdesk/internal/ratelimit"
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	// A fixed instant a little into a minute and into a quarter hour, so
	// windows are neither fresh nor about to end.
	return &clock{now: time.Date(2026, 3, 4, 10, 7, 12, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var keySeq atomic.Int64

// key returns a key no other test uses.
func key(name string) string { return name + ":" + strconv.FormatInt(keySeq.Add(1), 10) }

// redisPrefix returns a key prefix unique to this run and deletes its keys
// when the test ends.
func redisPrefix(t *testing.T, client *redis.Client) string {
	t.Helper()
	prefix := "hummdesk:test:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":" + strconv.FormatInt(keySeq.Add(1), 10) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	return prefix
}

// implementations runs f against the in-process limiter and, when Redis
// answers (always in CI), against the Redis one.
func implementations(t *testing.T, f func(t *testing.T, c *clock, l ratelimit.Limiter)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		c := newClock()
		f(t, c, ratelimit.NewMemory(c.Now))
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		client := redisClient(t)
		c := newClock()
		f(t, c, ratelimit.NewRedis(client, redisPrefix(t, client), c.Now))
	})
	for _, d := range []testkit.Dialect{testkit.SQLite, testkit.Postgres} {
		t.Run("sql-"+string(d), func(t *testing.T) {
			t.Parallel()
			c := newClock()
			f(t, c, ratelimit.NewSQL(testkit.NewStore(t, d), c.Now))
		})
	}
}

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	addr := "127.0.0.1:6379"
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Redis is required in CI but not reachable at %s: %v", addr, err)
		}
		t.Skipf("Redis not reachable at %s: %v", addr, err)
	}
	conn.Close()
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis ping: %v", err)
	}
	return client
}

func mustHit(t *testing.T, l ratelimit.Limiter, k string, limit int, window time.Duration) ratelimit.Result {
	t.Helper()
	r, err := l.Hit(context.Background(), k, limit, window)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustPeek(t *testing.T, l ratelimit.Limiter, k string, limit int, window time.Duration) ratelimit.Result {
	t.Helper()
	r, err := l.Peek(context.Background(), k, limit, window)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAllowsTheLimitThenRefuses(t *testing.T) {
	t.Parallel()
	implementations(t, func(t *testing.T, _ *clock, l ratelimit.Limiter) {
		k := key("basic")
		for i := range 5 {
			r := mustHit(t, l, k, 5, time.Minute)
			if !r.Allowed || r.Remaining != 4-i {
				t.Fatalf("hit %d: %+v, want allowed with %d remaining", i, r, 4-i)
			}
		}
		r := mustHit(t, l, k, 5, time.Minute)
		if r.Allowed || r.RetryAfter <= 0 {
			t.Fatalf("6th hit: %+v, want refused with a retry time", r)
		}
		// Other keys are independent.
		if r := mustHit(t, l, key("other"), 5, time.Minute); !r.Allowed {
			t.Errorf("another key refused: %+v", r)
		}
	})
}

func TestPeekDoesNotCount(t *testing.T) {
	t.Parallel()
	implementations(t, func(t *testing.T, _ *clock, l ratelimit.Limiter) {
		k := key("peek")
		for range 20 {
			if r := mustPeek(t, l, k, 3, time.Minute); !r.Allowed {
				t.Fatalf("peek refused: %+v", r)
			}
		}
		for i := range 3 {
			if r := mustHit(t, l, k, 3, time.Minute); !r.Allowed {
				t.Fatalf("hit %d after peeks refused", i)
			}
		}
		if r := mustPeek(t, l, k, 3, time.Minute); r.Allowed {
			t.Error("peek at the limit allowed")
		}
	})
}

func TestSlidingWindowWeighsThePreviousWindow(t *testing.T) {
	t.Parallel()
	implementations(t, func(t *testing.T, c *clock, l ratelimit.Limiter) {
		k := key("slide")
		// Start at a window boundary to make the weights exact.
		c.Advance(c.Now().Truncate(time.Minute).Add(time.Minute).Sub(c.Now()))
		for range 10 {
			mustHit(t, l, k, 10, time.Minute)
		}
		// At the next boundary the previous window still weighs fully: a
		// fixed window would forget all ten hits here.
		c.Advance(time.Minute)
		if r := mustPeek(t, l, k, 10, time.Minute); r.Allowed {
			t.Fatalf("right after the boundary: %+v, want refused", r)
		}
		// Half-way, half of the ten count: five more fit.
		c.Advance(30 * time.Second)
		n := 0
		for mustHit(t, l, k, 10, time.Minute).Allowed {
			n++
			if n > 10 {
				break
			}
		}
		if n != 5 {
			t.Errorf("half-way through the next window %d hits fit, want 5", n)
		}
		// Two windows later everything is forgotten.
		c.Advance(2 * time.Minute)
		for i := range 10 {
			if !mustHit(t, l, k, 10, time.Minute).Allowed {
				t.Fatalf("hit %d after two quiet windows refused", i)
			}
		}
	})
}

// TestRetryAfterIsExact checks that a refused client that waits RetryAfter
// is served, and that waiting noticeably less is not enough, whatever the
// counts and the moment.
func TestRetryAfterIsExact(t *testing.T) {
	t.Parallel()
	implementations(t, func(t *testing.T, c *clock, l ratelimit.Limiter) {
		for _, tc := range []struct {
			limit  int
			window time.Duration
			spread time.Duration // time between hits
			start  time.Duration // offset into the first window
		}{
			{5, time.Minute, 0, 10 * time.Second},
			{5, time.Minute, 7 * time.Second, 50 * time.Second},
			{10, 15 * time.Minute, 0, time.Minute},
			{10, 15 * time.Minute, 40 * time.Second, 14 * time.Minute},
			{1, time.Minute, 0, 59 * time.Second},
			{3, time.Second * 10, 3 * time.Second, 0},
			{50, time.Hour, 30 * time.Second, 30 * time.Minute},
		} {
			k := key("retry")
			c.Advance(c.Now().Truncate(tc.window).Add(tc.window + tc.start).Sub(c.Now()))
			var r ratelimit.Result
			for i := 0; i < 10*tc.limit; i++ {
				if r = mustHit(t, l, k, tc.limit, tc.window); !r.Allowed {
					break
				}
				c.Advance(tc.spread)
			}
			for round := range 3 {
				if r.Allowed {
					t.Fatalf("%+v: never refused", tc)
				}
				if r.RetryAfter > 2*tc.window {
					t.Errorf("%+v round %d: RetryAfter %v is longer than two windows", tc, round, r.RetryAfter)
				}
				if r.RetryAfter > 2*time.Millisecond {
					c.Advance(r.RetryAfter - 2*time.Millisecond)
					if p := mustPeek(t, l, k, tc.limit, tc.window); p.Allowed {
						t.Errorf("%+v round %d: allowed %v before RetryAfter %v", tc, round, 2*time.Millisecond, r.RetryAfter)
					}
					c.Advance(2 * time.Millisecond)
				} else {
					c.Advance(r.RetryAfter)
				}
				if !mustHit(t, l, k, tc.limit, tc.window).Allowed {
					t.Errorf("%+v round %d: refused after waiting RetryAfter %v", tc, round, r.RetryAfter)
				}
				r = mustHit(t, l, k, tc.limit, tc.window)
			}
		}
	})
}

func TestResetAndUndo(t *testing.T) {
	t.Parallel()
	implementations(t, func(t *testing.T, _ *clock, l ratelimit.Limiter) {
		ctx := context.Background()
		k := key("undo")
		for range 3 {
			mustHit(t, l, k, 3, time.Minute)
		}
		if mustPeek(t, l, k, 3, time.Minute).Allowed {
			t.Fatal("allowed at the limit")
		}
		if err := l.Undo(ctx, k, time.Minute); err != nil {
			t.Fatal(err)
		}
		if !mustHit(t, l, k, 3, time.Minute).Allowed {
			t.Fatal("undo did not free one event")
		}
		if mustPeek(t, l, k, 3, time.Minute).Allowed {
			t.Fatal("undo freed more than one event")
		}
		if err := l.Reset(ctx, k, time.Minute); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if !mustHit(t, l, k, 3, time.Minute).Allowed {
				t.Fatalf("hit %d after reset refused", i)
			}
		}
		// Undo of a key with nothing counted is harmless and does not go
		// below zero.
		fresh := key("fresh")
		for range 3 {
			if err := l.Undo(ctx, fresh, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			mustHit(t, l, fresh, 2, time.Minute)
		}
		if mustPeek(t, l, fresh, 2, time.Minute).Allowed {
			t.Error("undo on an empty key left credit behind")
		}
	})
}

func TestConcurrentHitsNeverExceedTheLimit(t *testing.T) {
	t.Parallel()
	implementations(t, func(t *testing.T, _ *clock, l ratelimit.Limiter) {
		k := key("burst")
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				r, err := l.Hit(context.Background(), k, 10, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 10 {
			t.Errorf("%d of 64 concurrent hits allowed with a limit of 10", n)
		}
	})
}

func TestRedisSharesCountsAcrossLimiters(t *testing.T) {
	t.Parallel()
	client := redisClient(t)
	c := newClock()
	prefix := redisPrefix(t, client)
	a, b := ratelimit.NewRedis(client, prefix, c.Now), ratelimit.NewRedis(client, prefix, c.Now)
	for range 2 {
		mustHit(t, a, "k", 4, time.Minute)
		mustHit(t, b, "k", 4, time.Minute)
	}
	if mustPeek(t, a, "k", 4, time.Minute).Allowed || mustPeek(t, b, "k", 4, time.Minute).Allowed {
		t.Error("two nodes together exceeded the limit")
	}
	// Counters expire on their own, within two windows.
	ctx := context.Background()
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("no counters under the prefix: %v %v", keys, err)
	}
	for _, k := range keys {
		ttl, err := client.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 || ttl > 2*time.Minute {
			t.Errorf("%s: TTL %v (%v), want (0, 2m]", k, ttl, err)
		}
	}
	// Keys of other prefixes are untouched: a limiter with another prefix
	// starts from zero.
	if r := mustHit(t, ratelimit.NewRedis(client, redisPrefix(t, client), c.Now), "k", 4, time.Minute); !r.Allowed || r.Remaining != 3 {
		t.Errorf("another prefix: %+v", r)
	}
}

// TestSQLLimitIsSharedByProcesses: two limiters on one database (two worker
// processes) share one limit.
func TestSQLLimitIsSharedByProcesses(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		st := testkit.NewStore(t, d)
		c := newClock()
		a, b := ratelimit.NewSQL(st, c.Now), ratelimit.NewSQL(st, c.Now)
		k := key("shared")
		for i := range 6 {
			l := a
			if i%2 == 1 {
				l = b
			}
			r := mustHit(t, l, k, 5, time.Minute)
			if r.Allowed != (i < 5) {
				t.Fatalf("hit %d through process %d: %+v", i, i%2, r)
			}
		}
	})
}
