package aitest

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// OpenAIKey is the API key the fake OpenAI server accepts unless APIKey is
// changed.
const OpenAIKey = "sk-proj-aitest-0123456789abcdef"

// OpenAI is a fake of the OpenAI API's chat completions
// (POST /v1/chat/completions) and embeddings (POST /v1/embeddings), which
// Ollama and vLLM also serve.
//
// Like the real API it requires "Authorization: Bearer <key>", requires the
// word "json" in the messages for response_format json_object, and on
// reasoning models (o1, o3, o4, gpt-5 and later) refuses max_tokens and a
// temperature other than 1.
type OpenAI struct {
	*fake
	// APIKey is the bearer token required; empty accepts any, or none
	// (like a local Ollama).
	APIKey string
	// NativeDim is the size of the vectors of models the fake does not know
	// (text-embedding-3-small is 1536, -large 3072); default 768.
	NativeDim int
}

// NewOpenAI starts a fake OpenAI server, closed when the test ends.
func NewOpenAI(t testing.TB) *OpenAI {
	t.Helper()
	o := &OpenAI{APIKey: OpenAIKey, NativeDim: 768}
	o.fake = newFake(t, o.handle)
	return o
}

// BaseURL is the URL to configure clients with: URL() + "/v1".
func (o *OpenAI) BaseURL() string { return o.URL() + "/v1" }

func (o *OpenAI) handle(w http.ResponseWriter, r *http.Request, req Request) {
	if r.Method != http.MethodPost || (r.URL.Path != "/v1/chat/completions" && r.URL.Path != "/v1/embeddings") {
		openaiError(w, http.StatusNotFound, nil, "Invalid URL ("+r.Method+" "+r.URL.Path+")", "invalid_request_error", "", "")
		return
	}
	if o.APIKey != "" {
		auth := r.Header.Get("Authorization")
		key, ok := strings.CutPrefix(auth, "Bearer ")
		switch {
		case auth == "" || !ok:
			openaiError(w, http.StatusUnauthorized, nil, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", "", "")
			return
		case key != o.APIKey:
			openaiError(w, http.StatusUnauthorized, nil, "Incorrect API key provided: "+maskKey(key)+".", "invalid_request_error", "", "invalid_api_key")
			return
		}
	}
	embeddings := r.URL.Path == "/v1/embeddings"
	var msg, param, code string
	if embeddings {
		msg, param, code = o.validateEmbeddings(req)
	} else {
		msg, param, code = validateChat(req)
	}
	if msg != "" {
		openaiError(w, http.StatusBadRequest, nil, msg, "invalid_request_error", param, code)
		return
	}

	otherwise := unscripted
	if embeddings {
		otherwise = Step{}
	}
	step, seq := o.next(otherwise)
	if !o.hold(r, step) {
		return
	}
	if step.Body != "" {
		writeRaw(w, step)
		return
	}
	if step.Status != 0 && step.Status != http.StatusOK {
		typ, m, c := openaiErrorKind(step.Status)
		if step.Message != "" {
			m = step.Message
		}
		openaiError(w, step.Status, step.Header, m, typ, "", c)
		return
	}
	h := step.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("X-Request-Id", id("req_", seq))
	if embeddings {
		o.answerEmbeddings(w, h, req, step)
		return
	}

	model := req.Str("model")
	if step.Model != "" {
		model = step.Model
	}
	in, out := step.InputTokens, step.OutputTokens
	if in == 0 {
		in = estimateTokens(chatPromptText(req))
	}
	if out == 0 {
		out = estimateTokens(step.Text)
	}
	finish := step.StopReason
	if finish == "" {
		finish = "stop"
	}
	writeJSON(w, http.StatusOK, h, map[string]any{
		"id":      id("chatcmpl-", seq),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": step.Text, "refusal": nil, "annotations": []any{}},
			"logprobs":      nil,
			"finish_reason": finish,
		}},
		"usage": map[string]any{
			"prompt_tokens":     in,
			"completion_tokens": out,
			"total_tokens":      in + out,
		},
		"system_fingerprint": "fp_aitest",
	})
}

func reasoningModel(model string) bool {
	return hasAnyPrefix(model, []string{"o1", "o3", "o4", "gpt-5", "gpt-6"})
}

func validateChat(req Request) (msg, param, code string) {
	if req.Body == nil {
		return "We could not parse the JSON body of your request.", "", ""
	}
	model := req.Str("model")
	if model == "" {
		return "you must provide a model parameter", "model", ""
	}
	msgs, _ := req.Body["messages"].([]any)
	if len(msgs) == 0 {
		return "[] is too short - 'messages'", "messages", ""
	}
	if reasoningModel(model) {
		if req.Has("max_tokens") {
			return "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter"
		}
		if t, ok := req.Num("temperature"); ok && t != 1 {
			return fmt.Sprintf("Unsupported value: 'temperature' does not support %v with this model. Only the default (1) value is supported.", t), "temperature", "unsupported_value"
		}
	}
	if rf, ok := req.Body["response_format"].(map[string]any); ok && rf["type"] == "json_object" {
		if !strings.Contains(strings.ToLower(chatPromptText(req)), "json") {
			return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", "messages", ""
		}
	}
	return "", "", ""
}

func chatPromptText(req Request) string {
	var b strings.Builder
	msgs, _ := req.Body["messages"].([]any)
	for _, m := range msgs {
		if mm, ok := m.(map[string]any); ok {
			b.WriteString(textOf(mm["content"]))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// embeddingInputs returns the texts of an embeddings request.
func embeddingInputs(req Request) []string {
	switch in := req.Body["input"].(type) {
	case string:
		return []string{in}
	case []any:
		out := make([]string, 0, len(in))
		for _, x := range in {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func (o *OpenAI) nativeDim(model string) int {
	switch model {
	case "text-embedding-3-small", "text-embedding-ada-002":
		return 1536
	case "text-embedding-3-large":
		return 3072
	}
	if o.NativeDim > 0 {
		return o.NativeDim
	}
	return 768
}

func (o *OpenAI) validateEmbeddings(req Request) (msg, param, code string) {
	if req.Body == nil {
		return "We could not parse the JSON body of your request.", "", ""
	}
	model := req.Str("model")
	if model == "" {
		return "you must provide a model parameter", "model", ""
	}
	texts := embeddingInputs(req)
	if len(texts) == 0 {
		return "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", "input", ""
	}
	for _, t := range texts {
		if t == "" {
			return "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", "input", ""
		}
	}
	if d, ok := req.Num("dimensions"); ok {
		if model == "text-embedding-ada-002" {
			return "This model does not support specifying dimensions.", "dimensions", ""
		}
		if d < 1 || int(d) > o.nativeDim(model) {
			return fmt.Sprintf("Invalid value for 'dimensions' = %v. Must be between 1 and %d.", d, o.nativeDim(model)), "dimensions", ""
		}
	}
	return "", "", ""
}

func (o *OpenAI) answerEmbeddings(w http.ResponseWriter, h http.Header, req Request, step Step) {
	model := req.Str("model")
	dim := o.nativeDim(model)
	if d, ok := req.Num("dimensions"); ok {
		dim = int(d)
	}
	b64 := req.Str("encoding_format") == "base64"
	texts := embeddingInputs(req)
	data := make([]map[string]any, len(texts))
	tokens := 0
	for i, t := range texts {
		vec := EmbeddingFor(t, dim)
		tokens += estimateTokens(t)
		var enc any = vec
		if b64 {
			buf := make([]byte, 4*len(vec))
			for j, x := range vec {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(x))
			}
			enc = base64.StdEncoding.EncodeToString(buf)
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": enc}
	}
	if step.InputTokens != 0 {
		tokens = step.InputTokens
	}
	if step.Model != "" {
		model = step.Model
	}
	writeJSON(w, http.StatusOK, h, map[string]any{
		"object": "list",
		"data":   data,
		"model":  model,
		"usage":  map[string]any{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}

// EmbeddingFor is the unit vector the fake returns for text: deterministic,
// different for different texts.
func EmbeddingFor(text string, dim int) []float32 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	seed := h.Sum64()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		norm += x * x
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}

// maskKey shows a key the way the real API does in its 401 message.
func maskKey(k string) string {
	if len(k) <= 8 {
		return "***"
	}
	return k[:3] + strings.Repeat("*", 6) + k[len(k)-4:]
}

// openaiErrorKind is the error type, message and code the real API sends
// for status.
func openaiErrorKind(status int) (typ, msg, code string) {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error", "Invalid request.", ""
	case http.StatusUnauthorized:
		return "invalid_request_error", "Incorrect API key provided.", "invalid_api_key"
	case http.StatusForbidden:
		return "invalid_request_error", "You are not allowed to sample from this model", ""
	case http.StatusNotFound:
		return "invalid_request_error", "The model does not exist or you do not have access to it.", "model_not_found"
	case http.StatusTooManyRequests:
		return "requests", "Rate limit reached for requests per min (RPM). Please try again later.", "rate_limit_exceeded"
	case http.StatusServiceUnavailable:
		return "server_error", "The engine is currently overloaded, please try again later.", ""
	default:
		return "server_error", "The server had an error while processing your request. Sorry about that!", ""
	}
}

func openaiError(w http.ResponseWriter, status int, extra http.Header, msg, typ, param, code string) {
	h := extra.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("X-Request-Id", fmt.Sprintf("req_err_%d", status))
	var p, c any
	if param != "" {
		p = param
	}
	if code != "" {
		c = code
	}
	writeJSON(w, status, h, map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": p, "code": c},
	})
}
