package ai

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBreakerHalfOpenLetsOneTrialThrough(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	b := NewBreaker(BreakerConfig{Threshold: 1, Cooldown: time.Second, Now: func() time.Time { return now }})
	if err := b.Allow(); err != nil {
		t.Fatal(err)
	}
	b.Done(OutcomeFailure)
	now = now.Add(time.Second)
	if err := b.Allow(); err != nil {
		t.Fatalf("trial refused: %v", err)
	}
	if err := b.Allow(); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("second call during the trial: %v, want ErrCircuitOpen", err)
	}
	b.Done(OutcomeNeutral) // the trial told nothing: another may try
	if err := b.Allow(); err != nil {
		t.Fatalf("after a neutral trial: %v", err)
	}
	b.Done(OutcomeSuccess)
	if err := b.Allow(); err != nil {
		t.Fatalf("closed: %v", err)
	}
}

func TestBreakerRateLimitsDoNotOpen(t *testing.T) {
	t.Parallel()
	b := NewBreaker(BreakerConfig{Threshold: 2})
	r, _ := newTestResilience(RetryPolicy{MaxRetries: -1}, b)
	for range 5 {
		call, _ := script(status(429))
		var rl *RateLimitedError
		if err := r.Do(context.Background(), call); !errors.As(err, &rl) {
			t.Fatalf("err = %v, want *RateLimitedError", err)
		}
	}
	if b.Open() {
		t.Error("429s opened the breaker")
	}
}
