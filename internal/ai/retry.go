package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy is how a remote provider retries one call.
type RetryPolicy struct {
	// MaxRetries is the number of attempts after the first.
	MaxRetries int
	// Timeout bounds each attempt; zero leaves only the caller's context.
	Timeout time.Duration
	// BaseDelay is the first backoff; it doubles per retry, with jitter.
	// Zero means 500 ms.
	BaseDelay time.Duration
	// MaxWait caps every wait between attempts, including one the server
	// asks for with Retry-After. A 429 or 529 that asks for longer ends the
	// call at once with *RateLimitedError so the job can snooze instead of
	// holding a worker. Zero means 10 s.
	MaxWait time.Duration
}

// Resilience runs calls to one remote provider under a RetryPolicy and a
// circuit breaker: each attempt gets its own timeout; 408, 409, 429, 5xx
// (Anthropic's 529 included), attempt timeouts and network errors are
// retried with exponential backoff and jitter, or after the server's
// Retry-After; errors leave with the provider's secrets redacted. It is safe
// for concurrent use.
type Resilience struct {
	provider string
	policy   RetryPolicy
	breaker  *Breaker
	secrets  []string

	// sleep waits d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a number in [0, 1).
	jitter func() float64
	now    func() time.Time
}

// NewResilience returns the resilience wrapper for provider. secrets (the
// API key) are removed from every error it returns.
func NewResilience(provider string, policy RetryPolicy, breaker *Breaker, secrets ...string) *Resilience {
	if policy.BaseDelay <= 0 {
		policy.BaseDelay = 500 * time.Millisecond
	}
	if policy.MaxWait <= 0 {
		policy.MaxWait = 10 * time.Second
	}
	if policy.MaxRetries < 0 {
		policy.MaxRetries = 0
	}
	if breaker == nil {
		breaker = NewBreaker(BreakerConfig{Threshold: -1})
	}
	return &Resilience{
		provider: provider,
		policy:   policy,
		breaker:  breaker,
		secrets:  secrets,
		sleep:    sleepCtx,
		jitter:   rand.Float64,
		now:      time.Now,
	}
}

// Breaker returns the circuit breaker the calls go through.
func (r *Resilience) Breaker() *Breaker { return r.breaker }

// Do runs call, retrying as the policy says. call gets a context bounded by
// the attempt timeout and must return the provider's HTTP errors as
// *APIError; other errors are retried when they are network errors or the
// attempt's timeout, and returned as they are otherwise.
//
// Do returns ErrCircuitOpen (wrapped) without calling while the breaker is
// open, and *RateLimitedError when a 429 or 529 outlasts the retries or asks
// for a wait longer than MaxWait.
func (r *Resilience) Do(ctx context.Context, call func(ctx context.Context) error) error {
	if err := r.breaker.Allow(); err != nil {
		return fmt.Errorf("%s: %w", r.provider, err)
	}
	err, outcome := r.run(ctx, call)
	r.breaker.Done(outcome)
	return Redact(err, r.secrets...)
}

func (r *Resilience) run(ctx context.Context, call func(ctx context.Context) error) (error, Outcome) {
	for attempt := 0; ; attempt++ {
		err := r.attempt(ctx, call)
		if err == nil {
			return nil, OutcomeSuccess
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			// The caller gave up (cancelled, or its own deadline passed):
			// that says nothing about the service.
			return fmt.Errorf("%s: %w", r.provider, ctxErr), OutcomeNeutral
		}
		c := classify(err)
		if !c.retry {
			return r.wrap(err), c.outcome
		}
		wait := r.backoff(attempt)
		if c.hasRetryAfter {
			wait = c.retryAfter
		}
		tooLong := c.hasRetryAfter && c.retryAfter > r.policy.MaxWait
		if dl, ok := ctx.Deadline(); ok && r.now().Add(wait).After(dl) {
			tooLong = true
		}
		if attempt >= r.policy.MaxRetries || tooLong {
			if c.rateLimited {
				return &RateLimitedError{Provider: r.provider, StatusCode: c.status, RetryAfter: c.retryAfter}, c.outcome
			}
			return fmt.Errorf("%s: giving up after %d attempts: %w", r.provider, attempt+1, r.wrap(err)), c.outcome
		}
		if err := r.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", r.provider, err), OutcomeNeutral
		}
	}
}

// attempt runs one call under the attempt timeout.
func (r *Resilience) attempt(ctx context.Context, call func(ctx context.Context) error) error {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if r.policy.Timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, r.policy.Timeout)
	}
	defer cancel()
	err := call(actx)
	if err != nil && ctx.Err() == nil && actx.Err() != nil {
		// Only this attempt's own timeout expired.
		return &attemptTimeoutError{timeout: r.policy.Timeout, cause: err}
	}
	return err
}

// wrap prefixes errors that do not already name the provider.
func (r *Resilience) wrap(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return err
	}
	return fmt.Errorf("%s: %w", r.provider, err)
}

// backoff is the wait before retry number attempt+1 without a server hint:
// BaseDelay doubled per attempt, capped at MaxWait, and jittered into its
// upper half so that workers retrying together spread out.
func (r *Resilience) backoff(attempt int) time.Duration {
	d := r.policy.BaseDelay
	for i := 0; i < attempt && d < r.policy.MaxWait; i++ {
		d *= 2
	}
	d = min(d, r.policy.MaxWait)
	return d/2 + time.Duration(r.jitter()*float64(d/2))
}

type attemptTimeoutError struct {
	timeout time.Duration
	cause   error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("attempt timed out after %s: %v", e.timeout, e.cause)
}

func (e *attemptTimeoutError) Unwrap() error { return e.cause }

type classification struct {
	retry         bool
	rateLimited   bool
	status        int
	retryAfter    time.Duration
	hasRetryAfter bool
	outcome       Outcome
}

// classify decides whether an attempt's error is worth another attempt and
// how the breaker counts it.
func classify(err error) classification {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		c := classification{status: apiErr.StatusCode, retryAfter: apiErr.RetryAfter, hasRetryAfter: apiErr.HasRetryAfter}
		switch s := apiErr.StatusCode; {
		case s == http.StatusTooManyRequests:
			// The service is up and asks us to slow down.
			c.retry, c.rateLimited, c.outcome = true, true, OutcomeNeutral
		case s == 529:
			// Anthropic: overloaded.
			c.retry, c.rateLimited, c.outcome = true, true, OutcomeFailure
		case s >= 500, s == http.StatusRequestTimeout, s == http.StatusConflict:
			c.retry, c.outcome = true, OutcomeFailure
		default:
			// Our request was refused (bad key, bad parameters): retrying
			// cannot help, and it says nothing about the service's health.
			c.outcome = OutcomeNeutral
		}
		return c
	}
	var timeout *attemptTimeoutError
	if errors.As(err, &timeout) || isNetworkError(err) {
		return classification{retry: true, outcome: OutcomeFailure}
	}
	// Anything else is an answer we could not use (a malformed body).
	return classification{outcome: OutcomeFailure}
}

func isNetworkError(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// ParseRetryAfter reads a server's wait hint from h: retry-after-ms
// (milliseconds, as OpenAI sends it), then Retry-After as delay-seconds or an
// HTTP date (RFC 9110 §10.2.3). ok is false when neither is present and
// valid. A date in the past gives zero.
func ParseRetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(ms) && ms >= 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || secs < 0 || secs > 1e9 {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
