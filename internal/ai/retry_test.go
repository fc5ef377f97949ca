package ai

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSleeper records the waits instead of sleeping.
type fakeSleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *fakeSleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *fakeSleeper) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// script returns a call that answers with errs in turn, then nil.
func script(errs ...error) (func(context.Context) error, *int) {
	n := 0
	return func(context.Context) error {
		n++
		if n <= len(errs) {
			return errs[n-1]
		}
		return nil
	}, &n
}

func newTestResilience(p RetryPolicy, b *Breaker) (*Resilience, *fakeSleeper) {
	r := NewResilience("test", p, b, "sk-secret-key")
	s := &fakeSleeper{}
	r.sleep = s.sleep
	r.jitter = func() float64 { return 0.5 }
	return r, s
}

func status(code int) *APIError {
	return &APIError{Provider: "test", StatusCode: code}
}

func retryAfter(code int, d time.Duration) *APIError {
	return &APIError{Provider: "test", StatusCode: code, RetryAfter: d, HasRetryAfter: true}
}

func TestResilienceRetriesHonouringRetryAfter(t *testing.T) {
	t.Parallel()
	r, s := newTestResilience(RetryPolicy{MaxRetries: 2}, nil)
	call, n := script(retryAfter(429, 3*time.Second))
	if err := r.Do(context.Background(), call); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if *n != 2 {
		t.Errorf("calls = %d, want 2", *n)
	}
	if got := s.got(); len(got) != 1 || got[0] != 3*time.Second {
		t.Errorf("waits = %v, want [3s]", got)
	}
}

func TestResilienceBackoffDoublesWithJitter(t *testing.T) {
	t.Parallel()
	r, s := newTestResilience(RetryPolicy{MaxRetries: 3, BaseDelay: 100 * time.Millisecond, MaxWait: 300 * time.Millisecond}, nil)
	call, n := script(status(500), status(502), status(503))
	if err := r.Do(context.Background(), call); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if *n != 4 {
		t.Errorf("calls = %d, want 4", *n)
	}
	// jitter 0.5 puts each wait at 3/4 of its (capped) step: 100, 200, 300(cap).
	want := []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 225 * time.Millisecond}
	got := s.got()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
}

func TestResilienceRateLimitedWhenRetriesRunOut(t *testing.T) {
	t.Parallel()
	r, _ := newTestResilience(RetryPolicy{MaxRetries: 1}, nil)
	call, n := script(retryAfter(429, time.Second), retryAfter(429, 2*time.Second))
	err := r.Do(context.Background(), call)
	var rl *RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want *RateLimitedError", err)
	}
	if rl.RetryAfter != 2*time.Second || rl.StatusCode != 429 || rl.Provider != "test" {
		t.Errorf("RateLimitedError = %+v", rl)
	}
	if *n != 2 {
		t.Errorf("calls = %d, want 2", *n)
	}
}

func TestResilienceOverloadedBecomesRateLimited(t *testing.T) {
	t.Parallel()
	r, _ := newTestResilience(RetryPolicy{MaxRetries: 1}, nil)
	call, _ := script(status(529), status(529))
	var rl *RateLimitedError
	if err := r.Do(context.Background(), call); !errors.As(err, &rl) || rl.StatusCode != 529 || rl.RetryAfter != 0 {
		t.Fatalf("err = %v, want *RateLimitedError{529, 0}", err)
	}
}

func TestResilienceLongRetryAfterReturnsAtOnce(t *testing.T) {
	t.Parallel()
	r, s := newTestResilience(RetryPolicy{MaxRetries: 3, MaxWait: 10 * time.Second}, nil)
	call, n := script(retryAfter(429, 120*time.Second))
	err := r.Do(context.Background(), call)
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 120*time.Second {
		t.Fatalf("err = %v, want RateLimitedError{120s}", err)
	}
	if *n != 1 || len(s.got()) != 0 {
		t.Errorf("calls = %d, waits = %v; want 1 call, no wait", *n, s.got())
	}
}

func TestResilienceWaitPastDeadlineReturnsAtOnce(t *testing.T) {
	t.Parallel()
	r, s := newTestResilience(RetryPolicy{MaxRetries: 3}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	call, n := script(retryAfter(429, 5*time.Second))
	var rl *RateLimitedError
	if err := r.Do(ctx, call); !errors.As(err, &rl) {
		t.Fatalf("err = %v, want *RateLimitedError", err)
	}
	if *n != 1 || len(s.got()) != 0 {
		t.Errorf("calls = %d, waits = %v; want 1 call, no wait", *n, s.got())
	}
}

func TestResilienceDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	r, _ := newTestResilience(RetryPolicy{MaxRetries: 3}, nil)
	call, n := script(status(400))
	err := r.Do(context.Background(), call)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("err = %v, want the 400 APIError", err)
	}
	if *n != 1 {
		t.Errorf("calls = %d, want 1", *n)
	}
}

func TestResilienceRetriesNetworkErrors(t *testing.T) {
	t.Parallel()
	r, _ := newTestResilience(RetryPolicy{MaxRetries: 2}, nil)
	netErr := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/messages", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	call, n := script(netErr, netErr)
	if err := r.Do(context.Background(), call); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if *n != 3 {
		t.Errorf("calls = %d, want 3", *n)
	}
}

func TestResilienceAttemptTimeout(t *testing.T) {
	t.Parallel()
	r, _ := newTestResilience(RetryPolicy{MaxRetries: 1, Timeout: 20 * time.Millisecond}, nil)
	calls := 0
	start := time.Now()
	err := r.Do(context.Background(), func(ctx context.Context) error {
		calls++
		<-ctx.Done()
		return ctx.Err()
	})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if calls != 2 {
		t.Errorf("calls = %d, want 2 (timeouts are retried)", calls)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s", el)
	}
}

func TestResilienceCallerCancelStopsAndIsNeutral(t *testing.T) {
	t.Parallel()
	b := NewBreaker(BreakerConfig{Threshold: 1})
	r, _ := newTestResilience(RetryPolicy{MaxRetries: 3}, b)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := r.Do(ctx, func(context.Context) error {
		calls++
		cancel()
		return status(500)
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if calls != 1 {
		t.Errorf("calls = %d, want 1", calls)
	}
	if b.Open() {
		t.Error("a cancelled call opened the breaker")
	}
}

func TestResilienceBreakerOpensAndRecovers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	b := NewBreaker(BreakerConfig{Threshold: 3, Cooldown: time.Minute, Now: clock})
	r, _ := newTestResilience(RetryPolicy{MaxRetries: -1}, b)
	calls := 0
	failing := func(context.Context) error { calls++; return status(503) }
	ok := func(context.Context) error { calls++; return nil }

	for i := range 3 {
		if err := r.Do(context.Background(), failing); errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call %d: circuit open too early", i)
		}
	}
	if err := r.Do(context.Background(), ok); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("after 3 failures err = %v, want ErrCircuitOpen", err)
	}
	if calls != 3 {
		t.Errorf("calls = %d, want 3 (the open circuit must not call)", calls)
	}

	// Half-open after the cooldown: a failed trial re-opens.
	advance(time.Minute)
	if err := r.Do(context.Background(), failing); errors.Is(err, ErrCircuitOpen) {
		t.Fatal("trial call refused after the cooldown")
	}
	if err := r.Do(context.Background(), ok); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("after a failed trial err = %v, want ErrCircuitOpen", err)
	}

	// A successful trial closes it.
	advance(time.Minute)
	if err := r.Do(context.Background(), ok); err != nil {
		t.Fatalf("trial: %v", err)
	}
	if err := r.Do(context.Background(), ok); err != nil {
		t.Fatalf("closed circuit: %v", err)
	}
	if b.Open() {
		t.Error("breaker still open")
	}
}

func TestResilienceRedactsSecrets(t *testing.T) {
	t.Parallel()
	r, _ := newTestResilience(RetryPolicy{MaxRetries: -1}, nil)
	cases := []error{
		&APIError{Provider: "test", StatusCode: 401, Message: "Incorrect API key provided: sk-secret-key"},
		fmt.Errorf("dial: %w (key sk-secret-key)", context.DeadlineExceeded),
	}
	for _, c := range cases {
		err := r.Do(context.Background(), func(context.Context) error { return c })
		if err == nil {
			t.Fatal("no error")
		}
		if strings.Contains(err.Error(), "sk-secret-key") {
			t.Errorf("error leaks the key: %q", err)
		}
		if !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("error %q does not show the redaction", err)
		}
	}
	// Sentinels survive redaction.
	err := r.Do(context.Background(), func(context.Context) error { return cases[1] })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("redacted error lost its cause: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"none", http.Header{}, 0, false},
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second, true},
		{"fraction", http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{"ms wins", http.Header{"Retry-After": {"7"}, "Retry-After-Ms": {"250"}}, 250 * time.Millisecond, true},
		{"http date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second, true},
		{"past date", http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, true},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"negative", http.Header{"Retry-After": {"-3"}}, 0, false},
		{"nan", http.Header{"Retry-After": {"NaN"}}, 0, false},
	}
	for _, c := range cases {
		got, ok := ParseRetryAfter(c.header, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: got (%s, %v), want (%s, %v)", c.name, got, ok, c.want, c.ok)
		}
	}
}
