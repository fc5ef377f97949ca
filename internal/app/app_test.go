package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"hummdesk/internal/testkit"
)

// TestHelpDeskFlow walks the core of the product end to end on each
// database: signup, inbox, contact, widget conversation, agent reply.
func TestHelpDeskFlow(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		base := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)

		inbox := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/inboxes", Token: ten.Token,
			Body: map[string]any{"name": "Website", "channel_type": "web_widget"}})
		token := inbox.JSON["inbox_token"].(string)

		sess := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + token + "/contacts",
			Body: map[string]any{"name": "Vera Visitor", "email": "vera@example.com"}})
		ct := sess.JSON["contact_token"].(string)

		conv := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + token + "/conversations",
			Headers: map[string]string{"X-Contact-Token": ct}, Body: map[string]any{"content": "My invoice is wrong"}})
		convID := testkit.ID(conv.JSON["id"])

		list := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: base + "/conversations?limit=10", Token: ten.Token})
		rows := list.JSON["data"].([]any)
		if len(rows) != 1 {
			t.Fatalf("want 1 conversation, got %d", len(rows))
		}
		row := rows[0].(map[string]any)
		if row["last_message"].(map[string]any)["content"] != "My invoice is wrong" || row["contact"].(map[string]any)["name"] != "Vera Visitor" {
			t.Fatalf("unexpected row: %v", row)
		}

		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("%s/conversations/%d/messages", base, convID),
			Token: ten.Token, Body: map[string]any{"content": "Internal: check plan", "private": true}})
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("%s/conversations/%d/messages", base, convID),
			Token: ten.Token, Body: map[string]any{"content": "Sorry about that, fixing it now."}})

		seen := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("/api/v1/widget/%s/conversations/%d/messages", token, convID),
			Headers: map[string]string{"X-Contact-Token": ct}})
		msgs := seen.JSON["data"].([]any)
		if len(msgs) != 2 {
			t.Fatalf("widget sees %d messages, want 2 (private note hidden): %s", len(msgs), seen.Raw)
		}
		if msgs[1].(map[string]any)["content"] != "Sorry about that, fixing it now." {
			t.Fatalf("unexpected reply: %v", msgs[1])
		}
	})
}
