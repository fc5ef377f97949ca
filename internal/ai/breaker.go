package ai

import (
	"sync"
	"time"
)

// BreakerConfig configures a circuit breaker.
type BreakerConfig struct {
	// Threshold is the number of consecutive failed calls that opens the
	// circuit. Zero means 5; a negative value disables the breaker.
	Threshold int
	// Cooldown is how long the circuit stays open before one trial call is
	// let through (half-open). Zero means 30 s.
	Cooldown time.Duration
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Outcome is how a call ended, as the breaker counts it.
type Outcome int

// Outcomes.
const (
	// OutcomeSuccess closes the circuit and resets the failure count.
	OutcomeSuccess Outcome = iota
	// OutcomeFailure counts towards opening the circuit (server errors,
	// overload, timeouts, network errors).
	OutcomeFailure
	// OutcomeNeutral says nothing about the service's health (the caller
	// gave up, a rate limit, a request the service rejected as invalid).
	OutcomeNeutral
)

type breakerState int

const (
	stateClosed breakerState = iota
	stateOpen
	stateHalfOpen
)

// Breaker is a circuit breaker for one provider instance: closed, it lets
// every call through and counts consecutive failures; at the threshold it
// opens and refuses calls with ErrCircuitOpen; after the cooldown it lets one
// trial call through (half-open), whose success closes it and whose failure
// opens it again for another cooldown. It is safe for concurrent use.
type Breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	state    breakerState
	failures int
	openedAt time.Time
	probing  bool
}

// NewBreaker returns a closed breaker.
func NewBreaker(cfg BreakerConfig) *Breaker {
	b := &Breaker{threshold: cfg.Threshold, cooldown: cfg.Cooldown, now: cfg.Now}
	if b.threshold == 0 {
		b.threshold = 5
	}
	if b.cooldown <= 0 {
		b.cooldown = 30 * time.Second
	}
	if b.now == nil {
		b.now = time.Now
	}
	return b
}

// Allow reports whether a call may go ahead. It returns ErrCircuitOpen while
// the circuit is open, and while a half-open trial call is in flight. Every
// allowed call must be followed by exactly one Done.
func (b *Breaker) Allow() error {
	if b.threshold < 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case stateOpen:
		if b.now().Sub(b.openedAt) < b.cooldown {
			return ErrCircuitOpen
		}
		b.state = stateHalfOpen
		b.probing = true
		return nil
	case stateHalfOpen:
		if b.probing {
			return ErrCircuitOpen
		}
		b.probing = true
		return nil
	}
	return nil
}

// Done records the outcome of a call that Allow let through.
func (b *Breaker) Done(o Outcome) {
	if b.threshold < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch o {
	case OutcomeSuccess:
		b.state, b.failures, b.probing = stateClosed, 0, false
	case OutcomeFailure:
		b.failures++
		if b.state == stateHalfOpen || b.failures >= b.threshold {
			b.state, b.openedAt, b.probing = stateOpen, b.now(), false
		}
	case OutcomeNeutral:
		// A half-open trial that told nothing frees the slot for another.
		if b.state == stateHalfOpen {
			b.probing = false
		}
	}
}

// Open reports whether the circuit currently refuses calls (it is open and
// its cooldown has not passed). For health reporting.
func (b *Breaker) Open() bool {
	if b.threshold < 0 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state == stateOpen && b.now().Sub(b.openedAt) < b.cooldown
}
