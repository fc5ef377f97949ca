package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"hummdesk/internal/desk"
)

// AccountParam is embedded in every account-scoped input.
type AccountParam struct {
	AccountID int64 `path:"account_id" doc:"Account id"`
}

// out wraps a response body.
type out[T any] struct {
	Body T
}

func reply[T any](v T) *out[T] { return &out[T]{Body: v} }

// page is a list response.
type page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor" doc:"Pass as cursor to get the next page; null on the last page"`
}

// Page limits.
const (
	defaultLimit = 25
	maxLimit     = 100
)

// clampLimit keeps a page size within 1..maxLimit.
func clampLimit(n int) int {
	if n <= 0 {
		return defaultLimit
	}
	if n > maxLimit {
		return maxLimit
	}
	return n
}

// Nullable is a JSON field that distinguishes absent from null: Set is true
// when the field was present, and Value is nil when it was null.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// Schema implements huma.SchemaProvider: the schema of T, nullable.
func (n Nullable[T]) Schema(r huma.Registry) *huma.Schema {
	var zero T
	s := *huma.SchemaFromType(r, reflectTypeOf(zero))
	s.Nullable = true
	return &s
}

// Empty is a body-less response.
type Empty struct{}

// encodeCursor and decodeCursor make opaque keyset cursors.
func encodeCursor(parts ...int64) *string {
	ss := make([]string, len(parts))
	for i, p := range parts {
		ss[i] = strconv.FormatInt(p, 10)
	}
	c := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(ss, ".")))
	return &c
}

func decodeCursor(c string, n int) ([]int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, desk.Invalid("query.cursor", "cursor is malformed")
	}
	ss := strings.Split(string(raw), ".")
	if len(ss) != n {
		return nil, desk.Invalid("query.cursor", "cursor is malformed")
	}
	out := make([]int64, n)
	for i, s := range ss {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, desk.Invalid("query.cursor", "cursor is malformed")
		}
		out[i] = v
	}
	return out, nil
}

func microsOf(t time.Time) int64 { return t.UnixMicro() }

func timeOfMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func reflectTypeOf(v any) reflect.Type { return reflect.TypeOf(v) }
