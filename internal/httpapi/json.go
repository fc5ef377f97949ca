package httpapi

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"hummdesk/internal/desk"
)

// jsonFormat is huma's JSON format, except that a page whose rows encode
// themselves (desk.ConversationView, desk.Message) is written without
// reflection, in one Write. The output is the same bytes encoding/json
// would give (json_test.go).
var jsonFormat = huma.Format{Marshal: marshalJSON, Unmarshal: json.Unmarshal}

// rowAppender is a row type that appends its own JSON encoding.
type rowAppender interface{ AppendJSON([]byte) []byte }

// pageAppender is a page of rowAppenders.
type pageAppender interface {
	appendJSON([]byte) ([]byte, bool)
}

var _ pageAppender = page[desk.ConversationView]{}

var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func marshalJSON(w io.Writer, v any) error {
	if p, ok := v.(pageAppender); ok {
		bp := jsonBufs.Get().(*[]byte)
		b, ok := p.appendJSON((*bp)[:0])
		if ok {
			b = append(b, '\n')
			_, err := w.Write(b)
			if cap(b) <= 1<<20 {
				*bp = b
				jsonBufs.Put(bp)
			}
			return err
		}
		jsonBufs.Put(bp)
	}
	return huma.DefaultJSONFormat.Marshal(w, v)
}

// appendJSON encodes the page when its rows can encode themselves; it
// reports false, having written garbage, when they can't.
func (p page[T]) appendJSON(b []byte) ([]byte, bool) {
	if _, ok := any((*T)(nil)).(rowAppender); !ok {
		return b, false
	}
	b = append(b, `{"data":`...)
	if p.Data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Data {
			if i > 0 {
				b = append(b, ',')
			}
			b = any(&p.Data[i]).(rowAppender).AppendJSON(b)
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	if p.NextCursor == nil {
		b = append(b, "null"...)
	} else {
		b = desk.AppendJSONString(b, *p.NextCursor)
	}
	return append(b, '}'), true
}
