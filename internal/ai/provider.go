// Package ai is HummDesk's AI orchestration: the providers that answer
// prompts (anthropic, openai, and the built-in offline local), the
// classification of customer messages and the reply drafts built from the
// account's knowledge base.
//
// Every provider speaks the same small interface, Provider; resilience
// (timeouts, retries that honour Retry-After, a circuit breaker) lives in
// the remote providers, and falling back to local is the orchestrator's
// decision, recorded with each result.
package ai

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Purpose says what a completion is for; providers may use it to pick
// settings, and it labels the metrics.
type Purpose string

// Purposes.
const (
	PurposeClassify Purpose = "classify"
	PurposeDraft    Purpose = "draft"
)

// Request is one completion asked of a provider.
type Request struct {
	Purpose Purpose
	// Model overrides the provider's configured model when not empty.
	Model string
	// System is the system prompt: instructions only, never customer text.
	System string
	// Prompt is the user turn. Customer text inside it is delimited by the
	// prompt builder (see prompt.go).
	Prompt      string
	Temperature float64
	MaxTokens   int
	// JSON asks the provider for a single JSON object as the answer (the
	// provider's JSON mode where it has one).
	JSON bool
}

// Response is a provider's answer and what it cost.
type Response struct {
	Text         string
	Model        string
	InputTokens  int
	OutputTokens int
	CostUSD      float64
	Latency      time.Duration
}

// Provider answers prompts.
type Provider interface {
	// Name is the provider's name as stored with every result
	// ("anthropic", "openai", "local").
	Name() string
	Complete(ctx context.Context, req Request) (Response, error)
}

// RateLimitedError is a provider's 429 (or Anthropic's 529 overloaded) that
// outlasted the provider's own retries; RetryAfter is the server's hint
// (zero when it gave none). Job workers snooze on it instead of failing.
type RateLimitedError struct {
	Provider   string
	StatusCode int
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("%s: rate limited (HTTP %d), retry after %s", e.Provider, e.StatusCode, e.RetryAfter)
}

// ErrCircuitOpen is returned without calling the remote service while a
// provider's circuit breaker is open after repeated failures.
var ErrCircuitOpen = errors.New("ai: provider circuit open after repeated failures")
