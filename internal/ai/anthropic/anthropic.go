// Package anthropic is the ai.Provider for Anthropic's Claude, over the
// Messages API with the official SDK (anthropic-sdk-go).
//
// The SDK's own retries are off: timeouts, retries honouring Retry-After
// and the circuit breaker are ai.Resilience's, so they are the same for
// every provider and testable against aitest's fake server.
//
// Two SDK defaults are deliberately not used. option.WithAPIKey sends the
// key as "Authorization: Bearer", while the API documents x-api-key, so the
// key goes in an x-api-key header. And the SDK's environment defaults
// (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, profiles on disk) are skipped:
// the configuration comes only from Config.
package anthropic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"hummdesk/internal/ai"
)

// Name is the provider name stored with every result.
const Name = "anthropic"

// DefaultModel is the current Claude Sonnet: the best balance of speed,
// quality and price for classification and drafts.
const DefaultModel = sdk.ModelClaudeSonnet5_5

// Defaults for Config's zero values.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 2
	DefaultMaxTokens  = 1024
	DefaultEffort     = "low"
)

// DefaultPrices returns Anthropic's list prices in USD per million tokens
// (input, output), as published when this table was written (November
// 2026). They are estimates for the cost column, not a bill: override or
// extend them with Config.Prices.
func DefaultPrices() ai.PriceTable {
	return ai.PriceTable{
		"claude-sonnet-5-5": {InputPerMTok: 2, OutputPerMTok: 10},
		"claude-sonnet-5":   {InputPerMTok: 2, OutputPerMTok: 10},
		"claude-sonnet-4-6": {InputPerMTok: 3, OutputPerMTok: 15},
		"claude-sonnet-4-5": {InputPerMTok: 3, OutputPerMTok: 15},
		"claude-opus-5-5":   {InputPerMTok: 4, OutputPerMTok: 20},
		"claude-opus-5":     {InputPerMTok: 5, OutputPerMTok: 25},
		"claude-opus-4-6":   {InputPerMTok: 5, OutputPerMTok: 25},
		"claude-opus-4-5":   {InputPerMTok: 5, OutputPerMTok: 25},
		"claude-fable-5-2":  {InputPerMTok: 8, OutputPerMTok: 40},
		"claude-fable-5-1":  {InputPerMTok: 10, OutputPerMTok: 50},
		"claude-haiku-4-5":  {InputPerMTok: 1, OutputPerMTok: 5},
	}
}

// Config configures a Provider. Only APIKey is required.
type Config struct {
	APIKey string
	// Model is used when a request names none; default DefaultModel.
	Model string
	// BaseURL replaces the API's address (a proxy, or a test server).
	BaseURL string
	// Timeout bounds each attempt; default 30 s.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt; 0 means
	// DefaultMaxRetries, a negative value none.
	MaxRetries int
	// MaxRetryWait caps each wait between attempts, Retry-After included
	// (default 10 s); a 429/529 asking for longer returns
	// *ai.RateLimitedError at once.
	MaxRetryWait time.Duration
	// RetryBackoff is the first backoff without a Retry-After (default
	// 500 ms), doubled per retry, with jitter.
	RetryBackoff time.Duration
	// HTTPClient replaces the default client (for proxies, custom TLS).
	HTTPClient *http.Client
	// Breaker configures the circuit breaker (default: opens after 5
	// consecutive failed calls, half-opens after 30 s).
	Breaker ai.BreakerConfig
	// Prices override or extend DefaultPrices.
	Prices ai.PriceTable
	// MaxTokens is used when a request sets none; default 1024.
	MaxTokens int
	// Effort is output_config.effort ("low", "medium", "high", ...), sent to
	// the models that take it (Claude Sonnet 4.6+, Opus 4.5+, the 5
	// generation). Default "low": classification and drafts need no long
	// thinking, and thinking tokens count against max_tokens. "default"
	// sends none, leaving the model's own default.
	Effort string
}

// Provider answers prompts with Claude. It is safe for concurrent use.
type Provider struct {
	client    sdk.Client
	model     string
	maxTokens int
	effort    string
	prices    ai.PriceTable
	res       *ai.Resilience
}

// New returns a Provider for cfg.
func New(cfg Config) *Provider {
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	switch cfg.Effort {
	case "":
		cfg.Effort = DefaultEffort
	case "default":
		cfg.Effort = ""
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithHeader("x-api-key", cfg.APIKey),
		option.WithHTTPClient(httpClient),
		option.WithMaxRetries(0),
	}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	policy := ai.RetryPolicy{
		MaxRetries: cfg.MaxRetries,
		Timeout:    cfg.Timeout,
		BaseDelay:  cfg.RetryBackoff,
		MaxWait:    cfg.MaxRetryWait,
	}
	return &Provider{
		client:    sdk.NewClient(opts...),
		model:     cfg.Model,
		maxTokens: cfg.MaxTokens,
		effort:    cfg.Effort,
		prices:    DefaultPrices().Merge(cfg.Prices),
		res:       ai.NewResilience(Name, policy, ai.NewBreaker(cfg.Breaker), cfg.APIKey),
	}
}

// Name implements ai.Provider.
func (p *Provider) Name() string { return Name }

// Model is the model used when a request names none.
func (p *Provider) Model() string { return p.model }

// CircuitOpen reports whether the breaker currently refuses calls.
func (p *Provider) CircuitOpen() bool { return p.res.Breaker().Open() }

// jsonInstruction is added to the system prompt of JSON requests. The
// current models refuse an assistant prefill ("{"), so the format is asked
// for in words and the object is cut out of the answer.
const jsonInstruction = "Answer with exactly one JSON object and nothing else: no text before or after it, no code fences."

// Complete implements ai.Provider. The request's system prompt goes in
// "system", the prompt is the one user message. Temperature is sent only to
// models that still take sampling parameters (the 5 generation and Opus
// 4.7+ answer 400 to it). With JSON set, Text is the JSON object cut out of
// the answer (or the trimmed answer when it holds none, for the caller's
// validation to reject).
//
// When the answer stopped at max_tokens before it was usable the error
// wraps ai.ErrTruncated, and the Response still carries the tokens spent.
func (p *Provider) Complete(ctx context.Context, req ai.Request) (ai.Response, error) {
	start := time.Now()
	model := req.Model
	if model == "" {
		model = p.model
	}
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = p.maxTokens
	}
	system := req.System
	if req.JSON {
		system = strings.TrimSpace(system + "\n\n" + jsonInstruction)
	}
	params := sdk.MessageNewParams{
		Model:     model,
		MaxTokens: int64(maxTokens),
		Messages:  []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock(req.Prompt))},
	}
	if system != "" {
		params.System = []sdk.TextBlockParam{{Text: system}}
	}
	t := traitsOf(model)
	if t.effort && p.effort != "" {
		params.OutputConfig = sdk.OutputConfigParam{Effort: sdk.OutputConfigEffort(p.effort)}
	}
	var callOpts []option.RequestOption
	if t.sampling {
		// The SDK's params no longer have the field; the API still takes
		// it for these models.
		callOpts = append(callOpts, option.WithJSONSet("temperature", req.Temperature))
	}

	var msg *sdk.Message
	err := p.res.Do(ctx, func(ctx context.Context) error {
		m, err := p.client.Messages.New(ctx, params, callOpts...)
		if err != nil {
			return apiError(err)
		}
		msg = m
		return nil
	})
	if err != nil {
		return ai.Response{Model: model, Latency: time.Since(start)}, err
	}

	var text strings.Builder
	for _, block := range msg.Content {
		// Thinking blocks may come first on adaptive-thinking models.
		if block.Type == "text" {
			text.WriteString(block.Text)
		}
	}
	resp := ai.Response{
		Text:         text.String(),
		Model:        model,
		InputTokens:  int(msg.Usage.InputTokens),
		OutputTokens: int(msg.Usage.OutputTokens),
		Latency:      time.Since(start),
	}
	if msg.Model != "" {
		resp.Model = msg.Model
	}
	resp.CostUSD = p.prices.Cost(resp.Model, resp.InputTokens, resp.OutputTokens)

	stop := string(msg.StopReason)
	if strings.TrimSpace(resp.Text) == "" {
		if stop == "max_tokens" {
			return resp, fmt.Errorf("%s: %w (max_tokens %d, no text)", Name, ai.ErrTruncated, maxTokens)
		}
		return resp, fmt.Errorf("%s: answer has no text (stop_reason %q)", Name, stop)
	}
	if req.JSON {
		obj, ok := ai.ExtractJSONObject(resp.Text)
		if !ok && stop == "max_tokens" {
			return resp, fmt.Errorf("%s: %w (max_tokens %d, JSON incomplete)", Name, ai.ErrTruncated, maxTokens)
		}
		resp.Text = obj
	}
	return resp, nil
}

// apiError turns the SDK's HTTP error into *ai.APIError (with the server's
// Retry-After); other errors pass through.
func apiError(err error) error {
	var e *sdk.Error
	if !errors.As(err, &e) {
		return err
	}
	out := &ai.APIError{
		Provider:   Name,
		StatusCode: e.StatusCode,
		Type:       string(e.Type()),
		Message:    e.Message,
		RequestID:  e.RequestID,
	}
	if out.Message == "" {
		out.Message = strings.TrimSpace(e.RawJSON())
	}
	if e.Response != nil {
		out.RetryAfter, out.HasRetryAfter = ai.ParseRetryAfter(e.Response.Header, time.Now())
	}
	return out
}

// traits is what a model accepts.
type traits struct {
	// sampling: temperature is accepted.
	sampling bool
	// effort: output_config.effort is accepted.
	effort bool
}

var modelID = regexp.MustCompile(`^claude-(haiku|sonnet|opus|fable|mythos)-(\d+)(?:-(\d))?(?:-\d{8})?$`)

// traitsOf reads a model id of the current naming scheme
// (claude-<family>-<major>[-<minor>][-<date>]). Ids it does not recognise
// (older naming, a proxy's aliases) are taken as older models: temperature
// sent, no effort.
func traitsOf(model string) traits {
	m := modelID.FindStringSubmatch(model)
	if m == nil {
		return traits{sampling: true}
	}
	major, _ := strconv.Atoi(m[2])
	minor := 0
	if m[3] != "" {
		minor, _ = strconv.Atoi(m[3])
	}
	v := major*10 + minor
	switch m[1] {
	case "fable", "mythos":
		return traits{effort: true}
	case "opus":
		return traits{sampling: v < 47, effort: v >= 45}
	case "sonnet":
		return traits{sampling: v < 50, effort: v >= 46}
	default: // haiku
		return traits{sampling: v < 50, effort: v >= 50}
	}
}
