package aitest

import (
	"net/http"
	"strings"
	"testing"
)

// AnthropicKey is the API key the fake Anthropic server accepts unless
// APIKey is changed.
const AnthropicKey = "sk-ant-aitest-0123456789abcdef"

// Anthropic is a fake of the Anthropic Messages API (POST /v1/messages).
//
// Like the real API it requires the key in x-api-key and an
// anthropic-version header, and it refuses what the current models refuse:
// an assistant prefill as the last message on Claude 4.6 and later, and a
// temperature on models that no longer take sampling parameters.
type Anthropic struct {
	*fake
	// APIKey is the key x-api-key must carry; empty accepts any.
	APIKey string
}

// NewAnthropic starts a fake Anthropic server, closed when the test ends.
func NewAnthropic(t testing.TB) *Anthropic {
	t.Helper()
	a := &Anthropic{APIKey: AnthropicKey}
	a.fake = newFake(t, a.handle)
	return a
}

// Overloaded scripts Anthropic's 529 overloaded_error.
func (a *Anthropic) Overloaded() { a.Push(Step{Status: 529}) }

func (a *Anthropic) handle(w http.ResponseWriter, r *http.Request, req Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		anthropicError(w, http.StatusNotFound, nil, "not_found_error", "Not found")
		return
	}
	key := r.Header.Get("X-Api-Key")
	switch {
	case key == "":
		anthropicError(w, http.StatusUnauthorized, nil, "authentication_error", "x-api-key header is required")
		return
	case a.APIKey != "" && key != a.APIKey:
		anthropicError(w, http.StatusUnauthorized, nil, "authentication_error", "invalid x-api-key")
		return
	}
	if r.Header.Get("Anthropic-Version") == "" {
		anthropicError(w, http.StatusBadRequest, nil, "invalid_request_error", "anthropic-version: header is required")
		return
	}
	if msg := validateMessages(req); msg != "" {
		anthropicError(w, http.StatusBadRequest, nil, "invalid_request_error", msg)
		return
	}

	step, seq := a.next(unscripted)
	if !a.hold(r, step) {
		return
	}
	if step.Body != "" {
		writeRaw(w, step)
		return
	}
	if step.Status != 0 && step.Status != http.StatusOK {
		typ, msg := anthropicErrorKind(step.Status)
		if step.Message != "" {
			msg = step.Message
		}
		anthropicError(w, step.Status, step.Header, typ, msg)
		return
	}

	model := req.Str("model")
	if step.Model != "" {
		model = step.Model
	}
	in, out := step.InputTokens, step.OutputTokens
	if in == 0 {
		in = estimateTokens(anthropicPromptText(req))
	}
	if out == 0 {
		out = estimateTokens(step.Text)
	}
	stop := step.StopReason
	if stop == "" {
		stop = "end_turn"
	}
	content := []map[string]any{}
	if step.Text != "" {
		content = append(content, map[string]any{"type": "text", "text": step.Text, "citations": nil})
	}
	h := step.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Request-Id", id("req_", seq))
	writeJSON(w, http.StatusOK, h, map[string]any{
		"id":            id("msg_", seq),
		"type":          "message",
		"role":          "assistant",
		"model":         model,
		"content":       content,
		"stop_reason":   stop,
		"stop_sequence": nil,
		"usage": map[string]any{
			"input_tokens":                in,
			"output_tokens":               out,
			"cache_creation_input_tokens": 0,
			"cache_read_input_tokens":     0,
			"service_tier":                "standard",
		},
	})
}

// validateMessages checks what the real API checks before it answers.
func validateMessages(req Request) string {
	if req.Body == nil {
		return "request body must be a JSON object"
	}
	model := req.Str("model")
	if model == "" {
		return "model: Field required"
	}
	if mt, ok := req.Num("max_tokens"); !ok || mt < 1 {
		return "max_tokens: Field required"
	}
	msgs, _ := req.Body["messages"].([]any)
	if len(msgs) == 0 {
		return "messages: at least one message is required"
	}
	last, _ := msgs[len(msgs)-1].(map[string]any)
	if role, _ := last["role"].(string); role == "assistant" && rejectsPrefill(model) {
		return "This model does not support assistant message prefill. The conversation must end with a user message."
	}
	if rejectsSampling(model) {
		for _, p := range []string{"temperature", "top_p", "top_k"} {
			if req.Has(p) {
				return p + " is deprecated for this model."
			}
		}
	}
	return ""
}

// Model families as the real API treats them (see the model migration
// guides): prefill ends with Claude 4.6, sampling parameters with Opus 4.7
// and the 5 generation.
var (
	noPrefill  = []string{"claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-4-6", "claude-sonnet-5", "claude-opus-5", "claude-haiku-5", "claude-fable", "claude-mythos"}
	noSampling = []string{"claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-5", "claude-opus-5", "claude-haiku-5", "claude-fable", "claude-mythos"}
)

func rejectsPrefill(model string) bool  { return hasAnyPrefix(model, noPrefill) }
func rejectsSampling(model string) bool { return hasAnyPrefix(model, noSampling) }

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func anthropicPromptText(req Request) string {
	var b strings.Builder
	b.WriteString(textOf(req.Body["system"]))
	msgs, _ := req.Body["messages"].([]any)
	for _, m := range msgs {
		if mm, ok := m.(map[string]any); ok {
			b.WriteString(textOf(mm["content"]))
		}
	}
	return b.String()
}

// anthropicErrorKind is the error type and message the real API sends for
// status.
func anthropicErrorKind(status int) (string, string) {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error", "Invalid request"
	case http.StatusUnauthorized:
		return "authentication_error", "invalid x-api-key"
	case http.StatusForbidden:
		return "permission_error", "Your API key does not have permission to use the specified resource."
	case http.StatusNotFound:
		return "not_found_error", "Not found"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large", "Request exceeds the maximum allowed number of bytes."
	case http.StatusTooManyRequests:
		return "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"
	case 529:
		return "overloaded_error", "Overloaded"
	case http.StatusGatewayTimeout:
		return "timeout_error", "Request timed out"
	default:
		return "api_error", "Internal server error"
	}
}

func anthropicError(w http.ResponseWriter, status int, extra http.Header, typ, msg string) {
	reqID := id("req_err_", status)
	h := extra.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Request-Id", reqID)
	writeJSON(w, status, h, map[string]any{
		"type":       "error",
		"error":      map[string]any{"type": typ, "message": msg},
		"request_id": reqID,
	})
}
