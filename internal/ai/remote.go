package ai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrTruncated is returned when a provider's answer stopped at the token
// limit before it was usable: no text at all, or a JSON answer cut short.
var ErrTruncated = errors.New("ai: answer truncated at the token limit")

// APIError is an error answer from a remote provider's HTTP API. The
// providers build it from their SDK's error with the API key redacted, so it
// is safe to log and to store.
type APIError struct {
	Provider   string
	StatusCode int
	// Type is the API's error type ("rate_limit_error", "overloaded_error",
	// "invalid_request_error", "server_error", ...), when it sent one.
	Type string
	// Code is OpenAI's error code ("rate_limit_exceeded", "invalid_api_key"),
	// when it sent one.
	Code      string
	Message   string
	RequestID string
	// RetryAfter is the server's Retry-After (or retry-after-ms) hint;
	// HasRetryAfter says whether it sent one.
	RetryAfter    time.Duration
	HasRetryAfter bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Provider, e.StatusCode)
	if e.Type != "" {
		b.WriteString(" " + e.Type)
	}
	if e.Code != "" && e.Code != e.Type {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

// maxMessage bounds the server text kept in an APIError.
const maxMessage = 500

func (e *APIError) redact(secrets []string) {
	e.Message = redactString(e.Message, secrets)
	if len(e.Message) > maxMessage {
		e.Message = e.Message[:maxMessage] + "…"
	}
	e.Type = redactString(e.Type, secrets)
	e.Code = redactString(e.Code, secrets)
	e.RequestID = redactString(e.RequestID, secrets)
}

const redacted = "[redacted]"

func redactString(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// redactedError carries the text of an error with secrets removed. It does
// not unwrap (the chain would hand the secret back), but it still matches
// the sentinel errors of its cause with errors.Is.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }

// Redact returns err, or an error with the same text minus every secret
// when the text contains one. *APIError values are redacted in place.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.redact(secrets)
	}
	msg := err.Error()
	clean := redactString(msg, secrets)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, cause: err}
}

// ExtractJSONObject returns the first complete JSON object in text: models
// asked for JSON sometimes wrap it in a code fence or a sentence. When text
// holds no valid JSON object it returns text trimmed of space and fences,
// and false; the caller's schema validation then rejects it.
func ExtractJSONObject(text string) (string, bool) {
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "```") {
		trimmed = strings.TrimPrefix(trimmed, "```")
		if nl := strings.IndexByte(trimmed, '\n'); nl >= 0 && !strings.Contains(trimmed[:nl], "{") {
			trimmed = trimmed[nl+1:] // the fence's language tag
		}
		trimmed = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(trimmed), "```"))
	}
	for start := strings.IndexByte(trimmed, '{'); start >= 0; {
		dec := json.NewDecoder(strings.NewReader(trimmed[start:]))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == nil && len(raw) > 0 && raw[0] == '{' {
			return string(raw), true
		}
		next := strings.IndexByte(trimmed[start+1:], '{')
		if next < 0 {
			break
		}
		start += 1 + next
	}
	return trimmed, false
}
