package openai_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hummdesk/internal/ai"
	"hummdesk/internal/ai/aitest"
	"hummdesk/internal/ai/openai"
)

// embedder is the knowledge base's interface, restated: the provider must
// satisfy it structurally.
type embedder interface {
	Name() string
	Dim() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

var (
	_ ai.Provider = (*openai.Provider)(nil)
	_ embedder    = (*openai.Provider)(nil)
)

type testBundle struct {
	fake     *aitest.OpenAI
	provider *openai.Provider
}

func setup(t *testing.T, cfg openai.Config) *testBundle {
	t.Helper()
	f := aitest.NewOpenAI(t)
	if cfg.APIKey == "" {
		cfg.APIKey = f.APIKey
	}
	cfg.BaseURL = f.BaseURL()
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = 10 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &testBundle{fake: f, provider: openai.New(cfg)}
}

func classifyRequest() ai.Request {
	return ai.Request{
		Purpose:     ai.PurposeClassify,
		System:      "You classify customer messages.",
		Prompt:      "<customer_message>My invoice is wrong</customer_message>",
		Temperature: 0.2,
		MaxTokens:   300,
		JSON:        true,
	}
}

func messages(t *testing.T, r aitest.Request) []map[string]any {
	t.Helper()
	raw, _ := r.Body["messages"].([]any)
	out := make([]map[string]any, len(raw))
	for i, m := range raw {
		out[i], _ = m.(map[string]any)
	}
	return out
}

func TestCompleteSendsTheRequest(t *testing.T) {
	t.Parallel()
	// A non-reasoning model on a compatible server: temperature and
	// max_tokens as Ollama and vLLM know them.
	b := setup(t, openai.Config{Model: "gpt-4.1-mini"})
	b.fake.Reply(`{"category":"billing"}`)
	resp, err := b.provider.Complete(context.Background(), classifyRequest())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if resp.Text != `{"category":"billing"}` {
		t.Errorf("Text = %q", resp.Text)
	}
	r := b.fake.Requests()[0]
	if r.Method != http.MethodPost || r.Path != "/v1/chat/completions" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	if r.Str("model") != "gpt-4.1-mini" {
		t.Errorf("model = %q", r.Str("model"))
	}
	if temp, ok := r.Num("temperature"); !ok || temp != 0.2 {
		t.Errorf("temperature = %v (present %v), want 0.2", temp, ok)
	}
	if mt, ok := r.Num("max_tokens"); !ok || mt != 300 {
		t.Errorf("max_tokens = %v (present %v), want 300", mt, ok)
	}
	if r.Has("max_completion_tokens") {
		t.Error("both token limits sent")
	}
	msgs := messages(t, r)
	if len(msgs) != 2 || msgs[0]["role"] != "system" || msgs[1]["role"] != "user" {
		t.Fatalf("messages = %#v, want system then user", msgs)
	}
	if sys, _ := msgs[0]["content"].(string); !strings.HasPrefix(sys, "You classify customer messages.") || !strings.Contains(sys, "JSON") {
		t.Errorf("system = %q", sys)
	}
	if msgs[1]["content"] != classifyRequest().Prompt {
		t.Errorf("user = %#v", msgs[1]["content"])
	}
	rf, _ := r.Body["response_format"].(map[string]any)
	if rf["type"] != "json_object" {
		t.Errorf("response_format = %#v, want json_object", r.Body["response_format"])
	}
}

func TestCompleteWithoutJSONHasNoResponseFormat(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{Model: "llama3.2"})
	b.fake.Reply("Dear customer, ...")
	req := classifyRequest()
	req.JSON = false
	req.Purpose = ai.PurposeDraft
	resp, err := b.provider.Complete(context.Background(), req)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if resp.Text != "Dear customer, ..." {
		t.Errorf("Text = %q", resp.Text)
	}
	r := b.fake.Requests()[0]
	if r.Has("response_format") {
		t.Errorf("response_format sent: %v", r.Body["response_format"])
	}
	if resp.CostUSD != 0 {
		t.Errorf("self-hosted model cost = %v, want 0", resp.CostUSD)
	}
}

func TestReasoningModelGetsMaxCompletionTokensAndNoTemperature(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{ReasoningEffort: "low"}) // default model: gpt-5.4-mini
	b.fake.Reply(`{"category":"billing"}`)
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	r := b.fake.Requests()[0]
	if r.Str("model") != openai.DefaultModel {
		t.Errorf("model = %q, want %q", r.Str("model"), openai.DefaultModel)
	}
	if r.Has("temperature") || r.Has("max_tokens") {
		t.Errorf("reasoning model got temperature/max_tokens: %s", r.Raw)
	}
	if mt, _ := r.Num("max_completion_tokens"); mt != 300 {
		t.Errorf("max_completion_tokens = %v, want 300", mt)
	}
	if r.Str("reasoning_effort") != "low" {
		t.Errorf("reasoning_effort = %q, want low", r.Str("reasoning_effort"))
	}
}

func TestMaxTokensParamIsConfigurable(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{Model: "gpt-4.1-mini", MaxTokensParam: openai.MaxCompletionTokensParam})
	b.fake.Reply("{}")
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	r := b.fake.Requests()[0]
	if mt, _ := r.Num("max_completion_tokens"); mt != 300 || r.Has("max_tokens") {
		t.Errorf("body = %s, want max_completion_tokens 300 only", r.Raw)
	}
}

func TestAuthorizationBearer(t *testing.T) {
	// Not parallel: it sets the environment variables the SDK reads.
	t.Setenv("OPENAI_API_KEY", "sk-from-env")
	t.Setenv("OPENAI_ORG_ID", "org-from-env")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	b := setup(t, openai.Config{})
	b.fake.Reply("{}")
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	h := b.fake.Requests()[0].Header
	if got := h.Values("Authorization"); len(got) != 1 || got[0] != "Bearer "+aitest.OpenAIKey {
		t.Errorf("Authorization = %q, want exactly Bearer + the configured key", got)
	}
	if got := h.Get("OpenAI-Organization"); got != "" {
		t.Errorf("OpenAI-Organization = %q leaked in from the environment", got)
	}
}

func TestNoKeySendsNoAuthorization(t *testing.T) {
	t.Parallel()
	f := aitest.NewOpenAI(t)
	f.APIKey = "" // a local Ollama
	p := openai.New(openai.Config{BaseURL: f.BaseURL(), Model: "llama3.2"})
	f.Reply("hi")
	if _, err := p.Complete(context.Background(), ai.Request{Prompt: "hi"}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got := f.Requests()[0].Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q, want none", got)
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	const key = "sk-proj-secret-must-not-leak-0123456789"
	b := setup(t, openai.Config{APIKey: key})
	// The fake expects another key: a real 401 ...
	_, err := b.provider.Complete(context.Background(), classifyRequest())
	var apiErr *ai.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "invalid_api_key" {
		t.Fatalf("err = %v, want a 401 invalid_api_key", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error leaks the key: %q", err)
	}
	// ... and a server that echoes the whole key.
	b.fake.APIKey = ""
	b.fake.Push(aitest.Step{Status: 401, Message: "Incorrect API key provided: " + key})
	_, err = b.provider.Complete(context.Background(), classifyRequest())
	if err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("err = %v, want an error without the key", err)
	}
	if !errors.As(err, &apiErr) || strings.Contains(apiErr.Message, key) {
		t.Errorf("APIError message leaks the key: %q", apiErr.Message)
	}
}

func TestCompleteRecordsTokensAndCost(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{})
	b.fake.Push(aitest.Step{Text: "{}", InputTokens: 2000, OutputTokens: 100, Model: "gpt-5.4-mini-2026-03-17"})
	resp, err := b.provider.Complete(context.Background(), classifyRequest())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if resp.InputTokens != 2000 || resp.OutputTokens != 100 || resp.Model != "gpt-5.4-mini-2026-03-17" {
		t.Errorf("resp = %+v", resp)
	}
	if want := (2000*0.75 + 100*4.50) / 1e6; math.Abs(resp.CostUSD-want) > 1e-12 {
		t.Errorf("CostUSD = %v, want %v", resp.CostUSD, want)
	}
	if resp.Latency <= 0 {
		t.Errorf("Latency = %s", resp.Latency)
	}
}

func TestCompleteTruncated(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{})
	b.fake.Push(aitest.Step{Text: `{"category":"bi`, StopReason: "length", OutputTokens: 300})
	resp, err := b.provider.Complete(context.Background(), classifyRequest())
	if !errors.Is(err, ai.ErrTruncated) {
		t.Fatalf("err = %v, want ai.ErrTruncated", err)
	}
	if resp.OutputTokens != 300 {
		t.Errorf("OutputTokens = %d, want the 300 spent", resp.OutputTokens)
	}
}

func TestRateLimitRetriedAfterRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{})
	b.fake.Fail(429, "1")
	b.fake.Reply("{}")
	start := time.Now()
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %s, want at least the 1s Retry-After", el)
	}
	if b.fake.Calls() != 2 {
		t.Errorf("calls = %d, want 2", b.fake.Calls())
	}
}

func TestRetryAfterMsIsHonoured(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{MaxRetries: 1})
	hint := http.Header{"Retry-After-Ms": {"150"}}
	b.fake.Push(aitest.Step{Status: 429, Header: hint}, aitest.Step{Status: 429, Header: hint})
	start := time.Now()
	_, err := b.provider.Complete(context.Background(), classifyRequest())
	var rl *ai.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 150*time.Millisecond {
		t.Fatalf("err = %v, want *ai.RateLimitedError{150ms}", err)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("took %s, want one 150ms wait", el)
	}
	if b.fake.Calls() != 2 {
		t.Errorf("calls = %d, want 2", b.fake.Calls())
	}
}

func TestLongRetryAfterIsRateLimitedErrorWithoutWaiting(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{})
	b.fake.Fail(429, "120")
	start := time.Now()
	_, err := b.provider.Complete(context.Background(), classifyRequest())
	var rl *ai.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 120*time.Second || rl.Provider != openai.Name {
		t.Fatalf("err = %v, want *ai.RateLimitedError{openai, 120s}", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %s, want no waiting", el)
	}
	if b.fake.Calls() != 1 {
		t.Errorf("calls = %d, want 1", b.fake.Calls())
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{})
	b.fake.Fail(500, "")
	b.fake.Fail(503, "")
	b.fake.Reply("{}")
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if b.fake.Calls() != 3 {
		t.Errorf("calls = %d, want 3", b.fake.Calls())
	}
}

func TestMalformedBodyIsAnError(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{})
	b.fake.Push(aitest.Step{Body: `{"id": "chatcmpl-1", "choices": [`})
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err == nil {
		t.Fatal("no error for a malformed body")
	}
}

func TestTimeoutEndsInBoundedTime(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{Timeout: 150 * time.Millisecond, MaxRetries: -1})
	b.fake.Hang()
	start := time.Now()
	_, err := b.provider.Complete(context.Background(), classifyRequest())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %s, want about 150ms", el)
	}
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	t.Parallel()
	start := time.Now()
	var offset atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(offset.Load())) }
	b := setup(t, openai.Config{MaxRetries: -1, Breaker: ai.BreakerConfig{Threshold: 3, Cooldown: time.Minute, Now: clock}})
	for range 3 {
		b.fake.Fail(500, "")
		if _, err := b.provider.Complete(context.Background(), classifyRequest()); err == nil || errors.Is(err, ai.ErrCircuitOpen) {
			t.Fatalf("err = %v, want the server error", err)
		}
	}
	if _, err := b.provider.Embed(context.Background(), []string{"x"}); !errors.Is(err, ai.ErrCircuitOpen) {
		t.Fatalf("err = %v, want ai.ErrCircuitOpen (one breaker for chat and embeddings)", err)
	}
	if b.fake.Calls() != 3 {
		t.Errorf("calls = %d, want 3", b.fake.Calls())
	}
	offset.Store(int64(time.Minute))
	if b.provider.CircuitOpen() {
		t.Error("still open after the cooldown")
	}
	b.fake.Reply("{}")
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("trial call: %v", err)
	}
	if _, err := b.provider.Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestEmbed(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{EmbeddingBatch: 2})
	texts := []string{"reset my password", "invoice is wrong", "refund please", "hello", "bonjour"}
	vecs, err := b.provider.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if b.provider.Dim() != 384 || len(vecs) != len(texts) {
		t.Fatalf("Dim = %d, vectors = %d", b.provider.Dim(), len(vecs))
	}
	for i, v := range vecs {
		want := aitest.EmbeddingFor(texts[i], 384)
		if len(v) != 384 {
			t.Fatalf("vector %d has %d dimensions", i, len(v))
		}
		for j := range v {
			if v[j] != want[j] {
				t.Fatalf("vector %d differs from the server's at %d: %v != %v", i, j, v[j], want[j])
			}
		}
	}
	reqs := b.fake.Requests()
	if len(reqs) != 3 {
		t.Fatalf("requests = %d, want 3 batches of ≤2", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/v1/embeddings" || r.Str("model") != openai.DefaultEmbeddingModel || r.Str("encoding_format") != "float" {
		t.Errorf("request = %s %s", r.Path, r.Raw)
	}
	if d, _ := r.Num("dimensions"); d != 384 {
		t.Errorf("dimensions = %v, want 384", d)
	}
	if in, _ := r.Body["input"].([]any); fmt.Sprint(in) != "[reset my password invoice is wrong]" {
		t.Errorf("input = %v", r.Body["input"])
	}
}

func TestEmbedChecksTheAnswer(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{EmbeddingDim: 3})
	b.fake.Push(aitest.Step{Body: `{"object":"list","model":"m","usage":{"prompt_tokens":1,"total_tokens":1},
		"data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}]}`})
	if _, err := b.provider.Embed(context.Background(), []string{"a"}); err == nil || !strings.Contains(err.Error(), "2 dimensions") {
		t.Errorf("err = %v, want a dimension mismatch", err)
	}
	b.fake.Push(aitest.Step{Body: `{"object":"list","model":"m","usage":{"prompt_tokens":1,"total_tokens":1},
		"data":[{"object":"embedding","index":1,"embedding":[0.1,0.2,0.3]},{"object":"embedding","index":1,"embedding":[0.1,0.2,0.3]}]}`})
	if _, err := b.provider.Embed(context.Background(), []string{"a", "b"}); err == nil {
		t.Error("no error for a repeated index")
	}
	if _, err := b.provider.Embed(context.Background(), []string{"a", ""}); err == nil {
		t.Error("no error for an empty text")
	}
	if vecs, err := b.provider.Embed(context.Background(), nil); err != nil || len(vecs) != 0 {
		t.Errorf("Embed(nil) = %v, %v", vecs, err)
	}
}

func TestEmbedOrdersByIndex(t *testing.T) {
	t.Parallel()
	b := setup(t, openai.Config{EmbeddingDim: 2})
	b.fake.Push(aitest.Step{Body: `{"object":"list","model":"m","usage":{"prompt_tokens":1,"total_tokens":1},
		"data":[{"object":"embedding","index":1,"embedding":[0,1]},{"object":"embedding","index":0,"embedding":[1,0]}]}`})
	vecs, err := b.provider.Embed(context.Background(), []string{"first", "second"})
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if fmt.Sprint(vecs) != "[[1 0] [0 1]]" {
		t.Errorf("vectors = %v, want [[1 0] [0 1]]", vecs)
	}
}

func TestServerRequiresJSONWordForJSONMode(t *testing.T) {
	t.Parallel()
	// The fake must refuse JSON mode without the word, as the API does, or
	// the JSON test above proves nothing about the instruction.
	f := aitest.NewOpenAI(t)
	body := `{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}`
	req, _ := http.NewRequest(http.MethodPost, f.BaseURL()+"/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.APIKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", res.StatusCode)
	}
}
