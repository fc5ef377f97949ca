// Package openai is the ai.Provider for the OpenAI API and the servers that
// speak its chat-completions dialect (Ollama, vLLM, and other gateways),
// with the official SDK (openai-go). It is also a text embedder for the
// knowledge base.
//
// The SDK's own retries are off: timeouts, retries honouring Retry-After /
// retry-after-ms and the circuit breaker are ai.Resilience's. The SDK's
// environment variables (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_ORG_ID,
// OPENAI_PROJECT_ID) are overridden or stripped: the configuration comes
// only from Config.
package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"hummdesk/internal/ai"
)

// Name is the provider name stored with every result, unless Config.Name
// says otherwise.
const Name = "openai"

// Defaults for Config's zero values.
const (
	// DefaultBaseURL is OpenAI's API.
	DefaultBaseURL = "https://api.openai.com/v1"
	// DefaultModel is OpenAI's current small model: cheap and fast enough
	// for classification and drafts.
	DefaultModel = shared.ChatModelGPT5_4Mini
	// DefaultEmbeddingModel accepts "dimensions", so it can fill the
	// knowledge base's 384-wide vector column.
	DefaultEmbeddingModel = sdk.EmbeddingModelTextEmbedding3Small
	// DefaultEmbeddingDim matches the local vector store's column.
	DefaultEmbeddingDim   = 384
	DefaultTimeout        = 30 * time.Second
	DefaultMaxRetries     = 2
	DefaultMaxTokens      = 1024
	DefaultEmbeddingBatch = 128
)

// Parameter names for the answer's token limit (Config.MaxTokensParam).
const (
	MaxTokensParam           = "max_tokens"
	MaxCompletionTokensParam = "max_completion_tokens"
)

// DefaultPrices returns OpenAI's list prices in USD per million tokens
// (input, output), as published when this table was written (November
// 2026). They are estimates for the cost column, not a bill: override or
// extend them with Config.Prices. Models not listed (self-hosted ones
// behind Ollama or vLLM) cost 0.
func DefaultPrices() ai.PriceTable {
	return ai.PriceTable{
		"gpt-5.4-mini":           {InputPerMTok: 0.75, OutputPerMTok: 4.50},
		"gpt-5.4-nano":           {InputPerMTok: 0.20, OutputPerMTok: 1.25},
		"gpt-5":                  {InputPerMTok: 1.25, OutputPerMTok: 10},
		"gpt-5-mini":             {InputPerMTok: 0.25, OutputPerMTok: 2},
		"gpt-5-nano":             {InputPerMTok: 0.05, OutputPerMTok: 0.40},
		"gpt-4.1":                {InputPerMTok: 2, OutputPerMTok: 8},
		"gpt-4.1-mini":           {InputPerMTok: 0.40, OutputPerMTok: 1.60},
		"gpt-4.1-nano":           {InputPerMTok: 0.10, OutputPerMTok: 0.40},
		"gpt-4o":                 {InputPerMTok: 2.50, OutputPerMTok: 10},
		"gpt-4o-mini":            {InputPerMTok: 0.15, OutputPerMTok: 0.60},
		"text-embedding-3-small": {InputPerMTok: 0.02},
		"text-embedding-3-large": {InputPerMTok: 0.13},
		"text-embedding-ada-002": {InputPerMTok: 0.10},
	}
}

// Config configures a Provider. For OpenAI itself APIKey is required; a
// local Ollama needs only BaseURL ("http://localhost:11434/v1") and Model.
type Config struct {
	APIKey string
	// BaseURL is the API's address including /v1; default DefaultBaseURL.
	BaseURL string
	// Model is used when a request names none; default DefaultModel.
	Model string
	// EmbeddingModel is used by Embed; default DefaultEmbeddingModel.
	EmbeddingModel string
	// EmbeddingDim is the vector size asked for ("dimensions") and checked
	// on every answer; default 384. Models that cannot shorten their
	// vectors must be configured with their native size.
	EmbeddingDim int
	// EmbeddingBatch is the most texts sent in one embeddings request;
	// default 128.
	EmbeddingBatch int
	// Timeout bounds each attempt; default 30 s.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt; 0 means
	// DefaultMaxRetries, a negative value none.
	MaxRetries int
	// MaxRetryWait caps each wait between attempts, Retry-After included
	// (default 10 s); a 429 asking for longer returns *ai.RateLimitedError
	// at once.
	MaxRetryWait time.Duration
	// RetryBackoff is the first backoff without a Retry-After (default
	// 500 ms), doubled per retry, with jitter.
	RetryBackoff time.Duration
	// HTTPClient replaces the default client.
	HTTPClient *http.Client
	// Breaker configures the circuit breaker (default: opens after 5
	// consecutive failed calls, half-opens after 30 s).
	Breaker ai.BreakerConfig
	// Prices override or extend DefaultPrices.
	Prices ai.PriceTable
	// MaxTokens is used when a request sets none; default 1024.
	MaxTokens int
	// MaxTokensParam names the token-limit parameter. OpenAI's current
	// models refuse "max_tokens" and want "max_completion_tokens"; Ollama
	// and many OpenAI-compatible servers know only "max_tokens" (vLLM takes
	// both). Default: max_completion_tokens when BaseURL is empty or
	// OpenAI's, max_tokens for any other server.
	MaxTokensParam string
	// ReasoningEffort is sent as reasoning_effort to reasoning models (o1,
	// o3, o4, gpt-5 and later) when set ("none", "low", ...).
	ReasoningEffort string
	// Name replaces "openai" as the provider name stored with results
	// (e.g. "ollama").
	Name string
}

// Provider answers prompts through chat completions and embeds texts. It is
// safe for concurrent use.
type Provider struct {
	client          sdk.Client
	name            string
	model           string
	embedModel      string
	dim             int
	batch           int
	maxTokens       int
	maxTokensParam  string
	reasoningEffort string
	prices          ai.PriceTable
	res             *ai.Resilience
}

// New returns a Provider for cfg.
func New(cfg Config) *Provider {
	if cfg.Name == "" {
		cfg.Name = Name
	}
	official := cfg.BaseURL == "" || strings.TrimRight(cfg.BaseURL, "/") == DefaultBaseURL
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.EmbeddingModel == "" {
		cfg.EmbeddingModel = DefaultEmbeddingModel
	}
	if cfg.EmbeddingDim <= 0 {
		cfg.EmbeddingDim = DefaultEmbeddingDim
	}
	if cfg.EmbeddingBatch <= 0 {
		cfg.EmbeddingBatch = DefaultEmbeddingBatch
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
	if cfg.MaxTokensParam == "" {
		cfg.MaxTokensParam = MaxTokensParam
		if official {
			cfg.MaxTokensParam = MaxCompletionTokensParam
		}
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithAPIKey(cfg.APIKey),
		option.WithHTTPClient(httpClient),
		option.WithMaxRetries(0),
		option.WithHeaderDel("OpenAI-Organization"),
		option.WithHeaderDel("OpenAI-Project"),
	}
	policy := ai.RetryPolicy{
		MaxRetries: cfg.MaxRetries,
		Timeout:    cfg.Timeout,
		BaseDelay:  cfg.RetryBackoff,
		MaxWait:    cfg.MaxRetryWait,
	}
	return &Provider{
		client:          sdk.NewClient(opts...),
		name:            cfg.Name,
		model:           cfg.Model,
		embedModel:      cfg.EmbeddingModel,
		dim:             cfg.EmbeddingDim,
		batch:           cfg.EmbeddingBatch,
		maxTokens:       cfg.MaxTokens,
		maxTokensParam:  cfg.MaxTokensParam,
		reasoningEffort: cfg.ReasoningEffort,
		prices:          DefaultPrices().Merge(cfg.Prices),
		res:             ai.NewResilience(cfg.Name, policy, ai.NewBreaker(cfg.Breaker), cfg.APIKey),
	}
}

// Name implements ai.Provider (and the knowledge base's Embedder).
func (p *Provider) Name() string { return p.name }

// Model is the chat model used when a request names none.
func (p *Provider) Model() string { return p.model }

// EmbeddingModel is the model Embed uses.
func (p *Provider) EmbeddingModel() string { return p.embedModel }

// Dim is the size of the vectors Embed returns.
func (p *Provider) Dim() int { return p.dim }

// CircuitOpen reports whether the breaker currently refuses calls.
func (p *Provider) CircuitOpen() bool { return p.res.Breaker().Open() }

// jsonInstruction is added to the system prompt of JSON requests; OpenAI's
// JSON mode also requires the word "JSON" in the messages.
const jsonInstruction = "Answer with exactly one JSON object and nothing else."

// reasoningModel reports whether model is one of OpenAI's reasoning
// models, which take only the default temperature and no max_tokens.
func reasoningModel(model string) bool {
	for _, prefix := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(model, prefix) {
			return true
		}
	}
	return false
}

// Complete implements ai.Provider: a chat completion with the system prompt
// as the system message and the prompt as the user message, with
// response_format json_object when JSON is asked. Temperature is not sent to
// reasoning models, which refuse any but the default.
//
// When the answer stopped at the token limit before it was usable the
// error wraps ai.ErrTruncated, and the Response still carries the tokens.
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
	var msgs []sdk.ChatCompletionMessageParamUnion
	if system != "" {
		msgs = append(msgs, sdk.SystemMessage(system))
	}
	msgs = append(msgs, sdk.UserMessage(req.Prompt))
	params := sdk.ChatCompletionNewParams{Model: model, Messages: msgs}
	reasoning := reasoningModel(model)
	if !reasoning {
		params.Temperature = sdk.Float(req.Temperature)
	} else if p.reasoningEffort != "" {
		params.ReasoningEffort = shared.ReasoningEffort(p.reasoningEffort)
	}
	if p.maxTokensParam == MaxTokensParam && !reasoning {
		params.MaxTokens = sdk.Int(int64(maxTokens))
	} else {
		params.MaxCompletionTokens = sdk.Int(int64(maxTokens))
	}
	if req.JSON {
		jsonObject := shared.NewResponseFormatJSONObjectParam()
		params.ResponseFormat = sdk.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &jsonObject}
	}

	var cc *sdk.ChatCompletion
	err := p.res.Do(ctx, func(ctx context.Context) error {
		c, err := p.client.Chat.Completions.New(ctx, params)
		if err != nil {
			return p.apiError(err)
		}
		cc = c
		return nil
	})
	if err != nil {
		return ai.Response{Model: model, Latency: time.Since(start)}, err
	}

	resp := ai.Response{
		Model:        model,
		InputTokens:  int(cc.Usage.PromptTokens),
		OutputTokens: int(cc.Usage.CompletionTokens),
		Latency:      time.Since(start),
	}
	if cc.Model != "" {
		resp.Model = cc.Model
	}
	resp.CostUSD = p.prices.Cost(resp.Model, resp.InputTokens, resp.OutputTokens)
	if len(cc.Choices) == 0 {
		return resp, fmt.Errorf("%s: answer has no choices", p.name)
	}
	choice := cc.Choices[0]
	resp.Text = choice.Message.Content
	finish := choice.FinishReason
	if strings.TrimSpace(resp.Text) == "" {
		if finish == "length" {
			return resp, fmt.Errorf("%s: %w (%d tokens, no text)", p.name, ai.ErrTruncated, maxTokens)
		}
		if choice.Message.Refusal != "" {
			return resp, fmt.Errorf("%s: model refused: %s", p.name, choice.Message.Refusal)
		}
		return resp, fmt.Errorf("%s: answer has no text (finish_reason %q)", p.name, finish)
	}
	if req.JSON {
		obj, ok := ai.ExtractJSONObject(resp.Text)
		if !ok && finish == "length" {
			return resp, fmt.Errorf("%s: %w (%d tokens, JSON incomplete)", p.name, ai.ErrTruncated, maxTokens)
		}
		resp.Text = obj
	}
	return resp, nil
}

// Embed returns one vector of Dim() floats per text, in order. Texts go in
// batches of Config.EmbeddingBatch, each batch under the retry policy and
// the breaker. An empty text is an error (the API refuses it).
func (p *Provider) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, t := range texts {
		if t == "" {
			return nil, fmt.Errorf("%s embed: text %d is empty", p.name, i)
		}
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += p.batch {
		chunk := texts[start:min(start+p.batch, len(texts))]
		vecs, err := p.embedBatch(ctx, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (p *Provider) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	params := sdk.EmbeddingNewParams{
		Input:          sdk.EmbeddingNewParamsInputUnion{OfArrayOfStrings: texts},
		Model:          p.embedModel,
		Dimensions:     sdk.Int(int64(p.dim)),
		EncodingFormat: sdk.EmbeddingNewParamsEncodingFormatFloat,
	}
	var resp *sdk.CreateEmbeddingResponse
	err := p.res.Do(ctx, func(ctx context.Context) error {
		r, err := p.client.Embeddings.New(ctx, params)
		if err != nil {
			return p.apiError(err)
		}
		resp = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	vecs := make([][]float32, len(texts))
	for _, d := range resp.Data {
		i := int(d.Index)
		if i < 0 || i >= len(vecs) || vecs[i] != nil {
			return nil, fmt.Errorf("%s embed: answer has a bad or repeated index %d", p.name, d.Index)
		}
		if len(d.Embedding) != p.dim {
			return nil, fmt.Errorf("%s embed: model %s returned %d dimensions, want %d", p.name, p.embedModel, len(d.Embedding), p.dim)
		}
		v := make([]float32, len(d.Embedding))
		for j, x := range d.Embedding {
			v[j] = float32(x)
		}
		vecs[i] = v
	}
	for i, v := range vecs {
		if v == nil {
			return nil, fmt.Errorf("%s embed: answer has no vector for text %d of %d", p.name, i, len(texts))
		}
	}
	return vecs, nil
}

// apiError turns the SDK's HTTP error into *ai.APIError (with the server's
// Retry-After / retry-after-ms); other errors pass through.
func (p *Provider) apiError(err error) error {
	var e *sdk.Error
	if !errors.As(err, &e) {
		return err
	}
	out := &ai.APIError{
		Provider:   p.name,
		StatusCode: e.StatusCode,
		Type:       e.Type,
		Code:       e.Code,
		Message:    e.Message,
	}
	if out.Message == "" {
		out.Message = strings.TrimSpace(e.RawJSON())
	}
	if e.Response != nil {
		out.RequestID = e.Response.Header.Get("X-Request-Id")
		out.RetryAfter, out.HasRetryAfter = ai.ParseRetryAfter(e.Response.Header, time.Now())
	}
	return out
}
