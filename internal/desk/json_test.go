package desk_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"hummdesk/internal/desk"
)

// stdJSON is what encoding/json writes for v with HTML escaping off, as the
// API's JSON format does.
func stdJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func view(text string, full bool) desk.ConversationView {
	at := time.Date(2026, 11, 27, 9, 30, 15, 123456000, time.UTC)
	v := desk.ConversationView{
		Conversation: desk.Conversation{ID: 9007199254740993, AccountID: 7, DisplayID: 42, InboxID: 3, ContactID: -5,
			Status: desk.Status(text), Priority: desk.PriorityUrgent, LastActivityAt: at, CreatedAt: at.Add(-time.Hour),
			UpdatedAt: at.In(time.FixedZone("EET", 2*3600)), Version: 12, Labels: []string{}},
		Contact: desk.ContactRef{ID: 5, Name: text, Email: "a<b>&c@example.com", Phone: "+358 40"},
	}
	if full {
		one, two := int64(1), int64(2)
		snooze := at.Add(48 * time.Hour)
		v.AssigneeID, v.TeamID, v.SnoozedUntil = &one, &two, &snooze
		v.Labels = []string{"billing", text}
		v.LastActivityAt = time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC) // trailing zeros trimmed
		v.CreatedAt = time.Date(999, 12, 31, 23, 59, 59, 1, time.UTC)          // a short year, one nanosecond
		v.Assignee = &desk.AgentRef{ID: 1, Name: "Aino " + text, Email: "aino@example.com"}
		v.Team = &desk.TeamRef{ID: 2, Name: text}
		v.LastMessage = &desk.Message{ID: 77, AccountID: 7, ConversationID: v.ID, SenderType: desk.SenderContact,
			SenderID: &one, Content: text, Private: true, IdempotencyKey: text, CreatedAt: at}
	}
	return v
}

func checkSame(t testing.TB, text string) {
	t.Helper()
	for _, full := range []bool{false, true} {
		v := view(text, full)
		got := v.AppendJSON(nil)
		if want := stdJSON(t, v); !bytes.Equal(got, want) {
			t.Fatalf("full=%v text %q:\n got %s\nwant %s", full, text, got, want)
		}
		if v.LastMessage != nil {
			got := v.LastMessage.AppendJSON([]byte("prefix"))
			if want := append([]byte("prefix"), stdJSON(t, v.LastMessage)...); !bytes.Equal(got, want) {
				t.Fatalf("message %q:\n got %s\nwant %s", text, got, want)
			}
		}
	}
}

var tricky = []string{
	"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "Hyvää päivää, Åsa! 😀", "line\u2028sep\u2029para", "bad \xff\xfe utf8 \xe2\x82",
	"'; DROP TABLE conversations; --", "\u00e9\u0301 combining", "\ufffd literal replacement",
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range tricky {
		checkSame(t, s)
	}
	// Zero times and an empty idempotency key (omitted) too.
	var v desk.ConversationView
	if got, want := v.AppendJSON(nil), stdJSON(t, v); !bytes.Equal(got, want) {
		t.Fatalf("zero view:\n got %s\nwant %s", got, want)
	}
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkSame(t, s) })
}

func BenchmarkConversationViewJSON(b *testing.B) {
	rows := make([]desk.ConversationView, 50)
	for i := range rows {
		rows[i] = view("Customer asks about the invoice of March, number 7731-0042.", i%2 == 0)
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(rows)
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 64<<10)
		for b.Loop() {
			buf = append(buf[:0], '[')
			for i := range rows {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = rows[i].AppendJSON(buf)
			}
			buf = append(buf, ']', '\n')
		}
	})
}
