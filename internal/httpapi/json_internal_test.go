package httpapi

import (
	"bytes"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"hummdesk/internal/desk"
)

// TestPageJSONMatchesDefaultFormat holds the hand-written page encoding to
// huma's default JSON format, byte for byte.
func TestPageJSONMatchesDefaultFormat(t *testing.T) {
	at := time.Date(2026, 11, 27, 8, 0, 0, 5000, time.UTC)
	one := int64(1)
	cursor := encodeCursor(at.UnixMicro(), 99)
	odd := "not \"base64\" \u2028"
	msg := desk.Message{ID: 3, ConversationID: 2, SenderType: desk.SenderAgent, SenderID: &one, Content: "Hei <b>&\n", CreatedAt: at}
	cases := map[string]any{
		"conversations": page[desk.ConversationView]{Data: []desk.ConversationView{
			{Conversation: desk.Conversation{ID: 2, Status: desk.StatusOpen, LastActivityAt: at}, Contact: desk.ContactRef{Name: "Åsa"}, LastMessage: &msg},
			{Conversation: desk.Conversation{ID: 1, AssigneeID: &one}, Assignee: &desk.AgentRef{ID: 1}, Team: &desk.TeamRef{ID: 4, Name: "Billing"}},
		}, NextCursor: cursor},
		"empty conversations":   page[desk.ConversationView]{Data: []desk.ConversationView{}},
		"nil conversations":     page[desk.ConversationView]{},
		"messages odd cursor":   page[desk.Message]{Data: []desk.Message{msg, {ID: 4, IdempotencyKey: "k"}}, NextCursor: &odd},
		"contacts (fallback)":   page[desk.Contact]{Data: []desk.Contact{{ID: 1, Name: "x", CustomAttributes: []byte(`{"tier":"gold"}`)}}},
		"plain body (fallback)": map[string]int{"a": 1},
	}
	for _, fast := range []pageAppender{page[desk.ConversationView]{}, page[desk.Message]{}} {
		if _, ok := fast.appendJSON(nil); !ok {
			t.Fatalf("%T is not encoded by hand", fast)
		}
	}
	for name, v := range cases {
		var got, want bytes.Buffer
		if err := jsonFormat.Marshal(&got, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := huma.DefaultJSONFormat.Marshal(&want, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s:\n got %s\nwant %s", name, got.Bytes(), want.Bytes())
		}
	}
}
