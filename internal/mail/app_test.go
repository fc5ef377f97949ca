package mail_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/config"
	"hummdesk/internal/testkit"
)

// The whole path through the running app: an agent's reply posted over
// the HTTP API in a conversation of an email inbox reaches the SMTP server
// as one email to the contact.
func TestAppEmailsAgentReplies(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		s := newSink(t)
		app := testkit.StartApp(t, d, func(c *config.Config) {
			c.SMTPURL, c.EmailFrom = s.URL(), fromAddress
		})
		ten := app.Signup(t)
		base := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		inbox := testkit.ID(app.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/inboxes", Token: ten.Token,
			Body: map[string]any{"name": "Support", "channel_type": "email"}}).JSON["id"])
		contact := testkit.ID(app.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/contacts", Token: ten.Token,
			Body: map[string]any{"name": "Carl Customer", "email": "carl@example.com"}}).JSON["id"])
		conv := app.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/conversations", Token: ten.Token,
			Body: map[string]any{"inbox_id": inbox, "contact_id": contact}}).JSON
		path := fmt.Sprintf("%s/conversations/%d/messages", base, testkit.ID(conv["id"]))
		app.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: path, Token: ten.Token,
			Body: map[string]any{"content": "Your parcel left our warehouse today."}})
		app.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: path, Token: ten.Token,
			Body: map[string]any{"content": "Internal: check the courier", "private": true}})

		var got []received
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if got = s.messages(); len(got) > 0 || time.Now().After(deadline) {
				break
			}
		}
		if len(got) != 1 {
			t.Fatalf("the SMTP server received %d emails, want 1", len(got))
		}
		p := parse(t, got[0])
		if len(p.to) != 1 || p.to[0].Address != "carl@example.com" || p.from.Address != fromAddress ||
			p.from.Name != "Ada Admin via Support" || !strings.HasPrefix(p.subject, fmt.Sprintf("Re: [#%d] ", testkit.ID(conv["display_id"]))) ||
			strings.TrimSpace(p.body) != "Your parcel left our warehouse today." {
			t.Errorf("email from %v to %v, subject %q, body %q", p.from, p.to, p.subject, p.body)
		}
	})
}
