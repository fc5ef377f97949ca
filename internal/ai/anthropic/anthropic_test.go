package anthropic_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hummdesk/internal/ai"
	"hummdesk/internal/ai/aitest"
	"hummdesk/internal/ai/anthropic"
)

type testBundle struct {
	fake     *aitest.Anthropic
	provider *anthropic.Provider
}

// setup starts a fake and a provider pointed at it; cfg's zero fields get
// test-friendly values (short backoff, key and URL of the fake).
func setup(t *testing.T, cfg anthropic.Config) *testBundle {
	t.Helper()
	f := aitest.NewAnthropic(t)
	if cfg.APIKey == "" {
		cfg.APIKey = f.APIKey
	}
	cfg.BaseURL = f.URL()
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = 10 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &testBundle{fake: f, provider: anthropic.New(cfg)}
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

func TestCompleteSendsTheRequest(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{})
	b.fake.Reply(`{"category":"billing"}`)

	resp, err := b.provider.Complete(context.Background(), classifyRequest())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if resp.Text != `{"category":"billing"}` {
		t.Errorf("Text = %q", resp.Text)
	}
	reqs := b.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v1/messages" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	if got := r.Str("model"); got != anthropic.DefaultModel {
		t.Errorf("model = %q, want %q", got, anthropic.DefaultModel)
	}
	if mt, _ := r.Num("max_tokens"); mt != 300 {
		t.Errorf("max_tokens = %v, want 300", mt)
	}
	system, _ := r.Body["system"].([]any)
	if len(system) != 1 {
		t.Fatalf("system = %#v, want one text block", r.Body["system"])
	}
	systemText, _ := system[0].(map[string]any)["text"].(string)
	if !strings.HasPrefix(systemText, "You classify customer messages.") || !strings.Contains(systemText, "JSON object") {
		t.Errorf("system text = %q", systemText)
	}
	msgs, _ := r.Body["messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("messages = %#v, want one user message", r.Body["messages"])
	}
	m := msgs[0].(map[string]any)
	content, _ := m["content"].([]any)
	if m["role"] != "user" || len(content) != 1 || content[0].(map[string]any)["text"] != classifyRequest().Prompt {
		t.Errorf("message = %#v", m)
	}
	// The default model (Sonnet 5.5) refuses sampling parameters; effort
	// keeps its thinking short.
	if r.Has("temperature") {
		t.Errorf("temperature sent to %s: %v", anthropic.DefaultModel, r.Body["temperature"])
	}
	oc, _ := r.Body["output_config"].(map[string]any)
	if oc["effort"] != "low" {
		t.Errorf("output_config = %#v, want effort low", r.Body["output_config"])
	}
}

func TestCompleteSendsTemperatureToModelsThatTakeIt(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{Model: "claude-haiku-4-5"})
	b.fake.Reply("Hello")
	req := classifyRequest()
	req.JSON = false
	if _, err := b.provider.Complete(context.Background(), req); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	r := b.fake.Requests()[0]
	if temp, ok := r.Num("temperature"); !ok || temp != 0.2 {
		t.Errorf("temperature = %v (present %v), want 0.2", temp, ok)
	}
	if r.Has("output_config") {
		t.Errorf("output_config sent to Haiku 4.5: %v", r.Body["output_config"])
	}
	if r.Str("model") != "claude-haiku-4-5" {
		t.Errorf("model = %q", r.Str("model"))
	}
}

func TestCompleteRequestModelOverridesConfig(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{})
	b.fake.Reply("ok")
	req := classifyRequest()
	req.Model = "claude-opus-5-5"
	if _, err := b.provider.Complete(context.Background(), req); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got := b.fake.Requests()[0].Str("model"); got != "claude-opus-5-5" {
		t.Errorf("model = %q", got)
	}
}

var versionFormat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func TestAuthHeaders(t *testing.T) {
	// Not parallel: it sets environment variables the SDK would read if it
	// were allowed to.
	t.Setenv("ANTHROPIC_API_KEY", "sk-from-env")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "token-from-env")
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
	b := setup(t, anthropic.Config{})
	b.fake.Reply("ok")
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	h := b.fake.Requests()[0].Header
	if got := h.Values("X-Api-Key"); len(got) != 1 || got[0] != aitest.AnthropicKey {
		t.Errorf("x-api-key = %q, want exactly the configured key", got)
	}
	if got := h.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q, want none (the API documents x-api-key)", got)
	}
	if got := h.Values("Anthropic-Version"); len(got) != 1 || !versionFormat.MatchString(got[0]) {
		t.Errorf("anthropic-version = %q, want one YYYY-MM-DD value", got)
	}
}

func TestWrongKeyIsAnAuthErrorWithoutTheKey(t *testing.T) {
	t.Parallel()
	const key = "sk-ant-wrong-key-must-not-leak-123456"
	b := setup(t, anthropic.Config{APIKey: key})
	// And a server that echoes the key back, which must not reach us either.
	b.fake.APIKey = ""
	b.fake.Push(aitest.Step{Status: 401, Message: "invalid x-api-key " + key})
	_, err := b.provider.Complete(context.Background(), classifyRequest())
	var apiErr *ai.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Type != "authentication_error" {
		t.Fatalf("err = %v, want a 401 authentication_error", err)
	}
	if strings.Contains(err.Error(), key) || strings.Contains(apiErr.Message, key) {
		t.Errorf("error leaks the API key: %q", err)
	}
	if b.fake.Calls() != 1 {
		t.Errorf("calls = %d, want 1 (a 401 is not retried)", b.fake.Calls())
	}
}

func TestCompleteJSONAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		step    aitest.Step
		want    string
		wantErr error
	}{
		{"plain", aitest.Step{Text: `{"category":"billing","confidence":0.9}`}, `{"category":"billing","confidence":0.9}`, nil},
		{"fenced", aitest.Step{Text: "```json\n{\"category\":\"billing\"}\n```"}, `{"category":"billing"}`, nil},
		{"prose around", aitest.Step{Text: "Sure! {\"category\":\"tech\"} Done."}, `{"category":"tech"}`, nil},
		{"malformed is returned for validation", aitest.Step{Text: `{"category": billing}`}, `{"category": billing}`, nil},
		{"wrong labels pass through", aitest.Step{Text: `{"category":"weather"}`}, `{"category":"weather"}`, nil},
		{"truncated", aitest.Step{Text: `{"category":"bil`, StopReason: "max_tokens"}, "", ai.ErrTruncated},
		{"no text at the limit", aitest.Step{StopReason: "max_tokens", OutputTokens: 300}, "", ai.ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, anthropic.Config{})
			b.fake.Push(c.step)
			resp, err := b.provider.Complete(context.Background(), classifyRequest())
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				if resp.OutputTokens == 0 {
					t.Error("truncated answer lost its token count")
				}
				return
			}
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if resp.Text != c.want {
				t.Errorf("Text = %q, want %q", resp.Text, c.want)
			}
		})
	}
}

func TestCompleteSkipsThinkingBlocks(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{})
	b.fake.Push(aitest.Step{Body: `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-5-5",
		"content":[{"type":"thinking","thinking":"The customer mentions an invoice.","signature":"sig"},
		           {"type":"text","text":"{\"category\":\"billing\"}"}],
		"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":34}}`})
	resp, err := b.provider.Complete(context.Background(), classifyRequest())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if resp.Text != `{"category":"billing"}` {
		t.Errorf("Text = %q", resp.Text)
	}
}

func TestCompleteRecordsTokensCostAndLatency(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{Prices: ai.PriceTable{"claude-haiku-4-5": {InputPerMTok: 100, OutputPerMTok: 1000}}})
	b.fake.Push(aitest.Step{Text: "{}", InputTokens: 1200, OutputTokens: 300, Model: "claude-sonnet-5-5-20260928", Delay: 20 * time.Millisecond})
	resp, err := b.provider.Complete(context.Background(), classifyRequest())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if resp.InputTokens != 1200 || resp.OutputTokens != 300 {
		t.Errorf("tokens = %d/%d, want 1200/300", resp.InputTokens, resp.OutputTokens)
	}
	if resp.Model != "claude-sonnet-5-5-20260928" {
		t.Errorf("Model = %q, want the answer's model", resp.Model)
	}
	// Sonnet 5.5 list price: $2 in, $10 out per million tokens.
	if want := (1200*2.0 + 300*10.0) / 1e6; math.Abs(resp.CostUSD-want) > 1e-12 {
		t.Errorf("CostUSD = %v, want %v", resp.CostUSD, want)
	}
	if resp.Latency < 20*time.Millisecond {
		t.Errorf("Latency = %s, want at least the server's 20ms", resp.Latency)
	}

	// Configured prices override the defaults.
	b2 := setup(t, anthropic.Config{Model: "claude-haiku-4-5", Prices: ai.PriceTable{"claude-haiku-4-5": {InputPerMTok: 100, OutputPerMTok: 1000}}})
	b2.fake.Push(aitest.Step{Text: "hi", InputTokens: 10, OutputTokens: 1})
	resp, err = b2.provider.Complete(context.Background(), ai.Request{Prompt: "hi"})
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if want := (10*100.0 + 1*1000.0) / 1e6; math.Abs(resp.CostUSD-want) > 1e-12 {
		t.Errorf("overridden CostUSD = %v, want %v", resp.CostUSD, want)
	}
}

func TestRateLimitRetriedAfterRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{})
	b.fake.Fail(429, "1")
	b.fake.Reply(`{"category":"billing"}`)
	start := time.Now()
	resp, err := b.provider.Complete(context.Background(), classifyRequest())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %s, want at least the 1s Retry-After", el)
	}
	if b.fake.Calls() != 2 || resp.Text != `{"category":"billing"}` {
		t.Errorf("calls = %d, text = %q", b.fake.Calls(), resp.Text)
	}
	reqs := b.fake.Requests()
	if gap := reqs[1].At.Sub(reqs[0].At); gap < time.Second {
		t.Errorf("second request %s after the first, want ≥ 1s", gap)
	}
}

func TestLongRetryAfterIsRateLimitedErrorWithoutWaiting(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{})
	b.fake.Fail(429, "120")
	start := time.Now()
	_, err := b.provider.Complete(context.Background(), classifyRequest())
	var rl *ai.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want *ai.RateLimitedError", err)
	}
	if rl.RetryAfter != 120*time.Second || rl.StatusCode != 429 || rl.Provider != anthropic.Name {
		t.Errorf("RateLimitedError = %+v", rl)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %s, want no waiting", el)
	}
	if b.fake.Calls() != 1 {
		t.Errorf("calls = %d, want 1", b.fake.Calls())
	}
}

func TestOverloadedIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{})
	b.fake.Overloaded()
	b.fake.Fail(500, "")
	b.fake.Reply("{}")
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if b.fake.Calls() != 3 {
		t.Errorf("calls = %d, want 3", b.fake.Calls())
	}

	// Overloaded past the retries: the job should snooze.
	b2 := setup(t, anthropic.Config{MaxRetries: 1})
	b2.fake.Overloaded()
	b2.fake.Overloaded()
	_, err := b2.provider.Complete(context.Background(), classifyRequest())
	var rl *ai.RateLimitedError
	if !errors.As(err, &rl) || rl.StatusCode != 529 {
		t.Fatalf("err = %v, want *ai.RateLimitedError for 529", err)
	}
}

func TestTimeoutEndsInBoundedTime(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{Timeout: 150 * time.Millisecond, MaxRetries: 1})
	b.fake.Hang()
	b.fake.Hang()
	start := time.Now()
	_, err := b.provider.Complete(context.Background(), classifyRequest())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s, want about two 150ms attempts", el)
	}
	if b.fake.Calls() != 2 {
		t.Errorf("calls = %d, want 2 (a timed-out attempt is retried once)", b.fake.Calls())
	}
}

func TestCallerCancelReachesTheServer(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{})
	gate := b.fake.Block(`{"category":"billing"}`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.provider.Complete(ctx, classifyRequest())
		done <- err
	}()
	select {
	case <-gate.Entered():
	case err := <-done:
		t.Fatalf("Complete ended before reaching the gate: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the request never reached the gate")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Complete did not return after the cancel")
	}
	select {
	case <-gate.ClientGone():
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the client leave")
	}
	if b.fake.Calls() != 1 {
		t.Errorf("calls = %d, want 1 (no retry after the caller cancelled)", b.fake.Calls())
	}
}

func TestBlockedRequestAnswersWhenReleased(t *testing.T) {
	t.Parallel()
	b := setup(t, anthropic.Config{})
	gate := b.fake.Block(`{"ok":true}`)
	type result struct {
		resp ai.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := b.provider.Complete(context.Background(), classifyRequest())
		done <- result{resp, err}
	}()
	select {
	case <-gate.Entered():
	case r := <-done:
		t.Fatalf("Complete ended before reaching the gate: %v", r.err)
	case <-time.After(5 * time.Second):
		t.Fatal("the request never reached the gate")
	}
	select {
	case <-done:
		t.Fatal("answered before the release")
	case <-time.After(50 * time.Millisecond):
	}
	gate.Release()
	select {
	case r := <-done:
		if r.err != nil || r.resp.Text != `{"ok":true}` {
			t.Errorf("Complete = %q, %v", r.resp.Text, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer after the release")
	}
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var offset atomic.Int64
	readClock := func() time.Time { return now.Add(time.Duration(offset.Load())) }

	b := setup(t, anthropic.Config{MaxRetries: -1, Breaker: ai.BreakerConfig{Threshold: 2, Cooldown: time.Minute, Now: readClock}})
	b.fake.Fail(500, "")
	b.fake.Fail(503, "")
	for range 2 {
		if _, err := b.provider.Complete(context.Background(), classifyRequest()); err == nil || errors.Is(err, ai.ErrCircuitOpen) {
			t.Fatalf("err = %v, want the server error", err)
		}
	}
	_, err := b.provider.Complete(context.Background(), classifyRequest())
	if !errors.Is(err, ai.ErrCircuitOpen) {
		t.Fatalf("err = %v, want ai.ErrCircuitOpen", err)
	}
	if !b.provider.CircuitOpen() {
		t.Error("CircuitOpen() = false")
	}
	if b.fake.Calls() != 2 {
		t.Errorf("calls = %d, want 2 (an open circuit does not call)", b.fake.Calls())
	}

	offset.Store(int64(time.Minute))
	b.fake.Reply("{}")
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("trial call: %v", err)
	}
	b.fake.Reply("{}")
	if _, err := b.provider.Complete(context.Background(), classifyRequest()); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if b.provider.CircuitOpen() {
		t.Error("CircuitOpen() = true after recovery")
	}
}

func TestServerRejectsPrefillAndTemperatureLikeTheAPI(t *testing.T) {
	t.Parallel()
	// The fake must refuse what the API refuses, or the tests above prove
	// nothing about temperature: check it directly.
	f := aitest.NewAnthropic(t)
	body := `{"model":"claude-sonnet-5-5","max_tokens":10,"temperature":0.2,"messages":[{"role":"user","content":"hi"}]}`
	req, _ := http.NewRequest(http.MethodPost, f.URL()+"/v1/messages", strings.NewReader(body))
	req.Header.Set("x-api-key", f.APIKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want 400 for temperature on Sonnet 5.5", res.StatusCode)
	}
}
