package desk

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edge that reports it. Only httpapi maps
// kinds to HTTP statuses; below it nothing knows about HTTP.
type Kind string

// Error kinds. The string values are stable: they become the last segment of
// the RFC 9457 problem type.
const (
	KindInternal     Kind = "internal"
	KindInvalid      Kind = "validation-error"
	KindNotFound     Kind = "not-found"
	KindConflict     Kind = "conflict"
	KindUnauthorized Kind = "unauthorized"
	KindForbidden    Kind = "forbidden"
	KindRateLimited  Kind = "rate-limited"
)

// Error is an error a user may see. Message is safe to show; the wrapped
// error (if any) is for logs only.
type Error struct {
	Kind    Kind
	Message string
	// Field names the offending input field for KindInvalid errors, if known.
	Field string
	Err   error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

// Unwrap returns the underlying cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error about one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned by lookups that find nothing, including lookups of
// another account's objects: the two are indistinguishable by design.
var ErrNotFound = &Error{Kind: KindNotFound, Message: "not found"}

// NotFound returns a not-found error naming the kind of object.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Message: what + " not found"}
}

// ErrorKind reports the kind of err, KindInternal for errors that are not
// *Error.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsNotFound reports whether err is a not-found error.
func IsNotFound(err error) bool { return ErrorKind(err) == KindNotFound }
