// Package aitest has fake Anthropic and OpenAI-compatible servers for
// tests. They run on httptest, speak the real wire formats (paths, JSON
// bodies, error bodies, auth checks), record every request, and answer each
// request from a script:
//
//	f := aitest.NewAnthropic(t)
//	f.Fail(429, "1")                      // first request: rate limited, Retry-After: 1
//	f.Reply(`{"category":"billing"}`)     // second request: this answer
//	p := anthropic.New(anthropic.Config{APIKey: f.APIKey, BaseURL: f.URL()})
//	...
//	reqs := f.Requests()                  // what the client sent
//
// Steps are taken in arrival order by whatever endpoint the request is for;
// an embeddings request that takes a text step answers with vectors. When
// the script is empty the default step answers (SetDefault). Out of the box
// an unscripted chat request gets a 500 saying the script ran out, so an
// unexpected extra call shows up in the test, and an unscripted embeddings
// request gets its vectors. A request the fake refuses before answering
// (bad key, a parameter the API would reject) takes no step.
package aitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Step is one scripted answer.
type Step struct {
	// Text is the answer's text (chat endpoints).
	Text string
	// InputTokens and OutputTokens are the usage reported; zero means an
	// estimate from the request and the answer (one token per four bytes).
	InputTokens, OutputTokens int
	// StopReason is Anthropic's stop_reason or OpenAI's finish_reason;
	// empty means "end_turn" / "stop".
	StopReason string
	// Model overrides the model named in the answer (default: the
	// request's).
	Model string

	// Status, when not 0 or 200, answers with the API's error body for
	// that status.
	Status int
	// Message overrides the error body's message.
	Message string
	// Header is added to the answer (Retry-After, retry-after-ms, ...).
	Header http.Header
	// Body, when set, is sent as the answer's body verbatim (with Status,
	// or 200), for malformed answers.
	Body string

	// Delay waits this long before answering (or until the client leaves).
	Delay time.Duration
	// Hang holds the request until the client gives up; nothing is sent.
	Hang bool
	// Gate holds the request until the gate is released (then the step
	// answers as above) or the client gives up.
	Gate *Gate
}

// Gate holds a request until released, for tests that need a request in
// flight ("kill the worker mid-request").
type Gate struct {
	entered  chan struct{}
	release  chan struct{}
	gone     chan struct{}
	once     sync.Once
	relOnce  sync.Once
	goneOnce sync.Once
}

// NewGate returns a gate that holds requests until Release.
func NewGate() *Gate {
	return &Gate{entered: make(chan struct{}), release: make(chan struct{}), gone: make(chan struct{})}
}

// Entered is closed when a request has reached the gate.
func (g *Gate) Entered() <-chan struct{} { return g.entered }

// Release lets the held request answer. It may be called more than once.
func (g *Gate) Release() { g.relOnce.Do(func() { close(g.release) }) }

// ClientGone is closed when the held request's client went away (its
// context was cancelled or its connection closed) before the release.
func (g *Gate) ClientGone() <-chan struct{} { return g.gone }

// Request is one request a fake received.
type Request struct {
	Method string
	Path   string
	Header http.Header
	// Body is the JSON body decoded into generic values (nil when it was not
	// a JSON object); Raw is the body as sent.
	Body map[string]any
	Raw  []byte
	At   time.Time
}

// Str returns a field of the body as a string ("" when absent).
func (r Request) Str(field string) string {
	s, _ := r.Body[field].(string)
	return s
}

// Num returns a numeric field of the body and whether it was present.
func (r Request) Num(field string) (float64, bool) {
	n, ok := r.Body[field].(float64)
	return n, ok
}

// Has reports whether the body has field at all.
func (r Request) Has(field string) bool {
	_, ok := r.Body[field]
	return ok
}

// fake is the machinery the two fakes share.
type fake struct {
	srv     *httptest.Server
	closing chan struct{}

	mu       sync.Mutex
	script   []Step
	fallback *Step
	requests []Request
	seq      int
}

func newFake(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, req Request)) *fake {
	t.Helper()
	f := &fake{closing: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: raw, At: time.Now()}
		var body map[string]any
		if json.Unmarshal(raw, &body) == nil {
			req.Body = body
		}
		f.mu.Lock()
		f.requests = append(f.requests, req)
		f.mu.Unlock()
		handle(w, r, req)
	}))
	t.Cleanup(func() {
		close(f.closing)
		f.srv.Close()
	})
	return f
}

// URL is the server's base URL (no trailing slash).
func (f *fake) URL() string { return f.srv.URL }

// Push appends steps to the script.
func (f *fake) Push(steps ...Step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, steps...)
}

// SetDefault sets the step that answers once the script is empty.
func (f *fake) SetDefault(s Step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fallback = &s
}

// Reply scripts a successful answer with text.
func (f *fake) Reply(text string) { f.Push(Step{Text: text}) }

// Fail scripts an error answer with the API's error body for status (429,
// 500, Anthropic's 529, ...), and a Retry-After header when retryAfter is
// not empty.
func (f *fake) Fail(status int, retryAfter string) {
	s := Step{Status: status}
	if retryAfter != "" {
		s.Header = http.Header{"Retry-After": {retryAfter}}
	}
	f.Push(s)
}

// Hang scripts a request that is held until the client gives up.
func (f *fake) Hang() { f.Push(Step{Hang: true}) }

// Block scripts a request that is held until the returned gate is released,
// then answered with text.
func (f *fake) Block(text string) *Gate {
	g := NewGate()
	f.Push(Step{Text: text, Gate: g})
	return g
}

// Requests returns a copy of every request received so far, in order.
func (f *fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Calls is the number of requests received so far.
func (f *fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// Pending is the number of scripted steps not yet taken.
func (f *fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.script)
}

// unscripted answers a chat request when the script is empty and no
// default was set.
var unscripted = Step{Status: http.StatusInternalServerError, Message: "aitest: no scripted step left"}

// next takes the next step (or the default, or otherwise) and a sequence
// number for ids.
func (f *fake) next(otherwise Step) (Step, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	if len(f.script) == 0 {
		if f.fallback != nil {
			return *f.fallback, f.seq
		}
		return otherwise, f.seq
	}
	s := f.script[0]
	f.script = f.script[1:]
	return s, f.seq
}

// hold runs the step's Delay, Hang and Gate; it returns false when the
// request must not be answered (the client left or the server closes).
func (f *fake) hold(r *http.Request, s Step) bool {
	done := r.Context().Done()
	if s.Hang {
		select {
		case <-done:
		case <-f.closing:
		}
		return false
	}
	if s.Delay > 0 {
		t := time.NewTimer(s.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-done:
			return false
		case <-f.closing:
			return false
		}
	}
	if g := s.Gate; g != nil {
		g.once.Do(func() { close(g.entered) })
		select {
		case <-g.release:
		case <-done:
			g.goneOnce.Do(func() { close(g.gone) })
			return false
		case <-f.closing:
			return false
		}
	}
	return true
}

// writeJSON sends v with status and the step's extra headers.
func writeJSON(w http.ResponseWriter, status int, extra http.Header, v any) {
	for k, vs := range extra {
		for _, x := range vs {
			w.Header().Add(k, x)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeRaw sends the step's verbatim body.
func writeRaw(w http.ResponseWriter, s Step) {
	for k, vs := range s.Header {
		for _, x := range vs {
			w.Header().Add(k, x)
		}
	}
	status := s.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, s.Body)
}

// estimateTokens is the fakes' stand-in tokenizer: one token per four
// bytes, at least one for non-empty text.
func estimateTokens(s string) int {
	if s == "" {
		return 0
	}
	return max(1, len(s)/4)
}

// textOf collects the text of a message content field, which both APIs
// accept as a string or a list of {type:"text", text} parts.
func textOf(content any) string {
	switch c := content.(type) {
	case string:
		return c
	case []any:
		var b strings.Builder
		for _, part := range c {
			if m, ok := part.(map[string]any); ok {
				if t, ok := m["text"].(string); ok {
					b.WriteString(t)
				}
			}
		}
		return b.String()
	}
	return ""
}

func id(prefix string, seq int) string { return fmt.Sprintf("%s%024d", prefix, seq) }
