package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/app"
	"hummdesk/internal/config"
	"hummdesk/internal/jobs"
	"hummdesk/internal/testkit"
)

// TestQueueRatesAreEnforced sets the classification queue to one job an
// hour through HUMMDESK_QUEUE_RATES: the first customer message is
// classified, the second one's job is snoozed by the limiter.
func TestQueueRatesAreEnforced(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		a := testkit.StartApp(t, d, func(c *config.Config) {
			c.QueueRates = map[string]config.QueueRate{"ai_classification": {Limit: 1, Per: time.Hour}}
		})
		ten := a.Signup(t)
		base := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		inbox := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/inboxes", Token: ten.Token,
			Body: map[string]any{"name": "Web", "channel_type": "web_widget"}})
		token := inbox.JSON["inbox_token"].(string)
		sess := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + token + "/contacts", Body: map[string]any{}})
		hdr := map[string]string{"X-Contact-Token": sess.JSON["contact_token"].(string)}
		conv := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + token + "/conversations",
			Headers: hdr, Body: map[string]any{"content": "I was charged twice"}})
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Headers: hdr, Body: map[string]any{"content": "and the app crashes"},
			Path: fmt.Sprintf("/api/v1/widget/%s/conversations/%d/messages", token, testkit.ID(conv.JSON["id"]))})

		count := func(query string) int {
			var n int
			if err := a.Store().DB().QueryRowContext(ctx, query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			done := count("SELECT count(*) FROM river_job WHERE kind = 'ai_classify' AND state = 'completed'")
			snoozed := count("SELECT count(*) FROM river_job WHERE kind = 'ai_classify' AND state = 'scheduled'")
			if done == 1 && snoozed == 1 {
				break
			}
			if done > 1 {
				t.Fatalf("%d classification jobs completed under a limit of 1/h", done)
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 20s: %d classification jobs completed, %d snoozed; want 1 and 1", done, snoozed)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestQueueRatesNameRateLimitedQueues rejects a rate for a queue that does
// not exist or that enforces none.
func TestQueueRatesNameRateLimitedQueues(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"ai_clasification", "knowledge_base"} {
		cfg, err := config.Load([]string{"HUMMDESK_ADDR=127.0.0.1:0", "HUMMDESK_DATA_DIR=" + t.TempDir(),
			"HUMMDESK_QUEUE_RATES=" + q + "=10/s"}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err == nil {
			a.Close()
			t.Fatalf("HUMMDESK_QUEUE_RATES=%s=10/s: the app started", q)
		}
		if msg := err.Error(); !strings.Contains(msg, "HUMMDESK_QUEUE_RATES") || !strings.Contains(msg, q) ||
			!strings.Contains(msg, "ai_classification, ai_draft, email") {
			t.Errorf("HUMMDESK_QUEUE_RATES=%s=10/s: error %q", q, msg)
		}
	}
}

// TestQueueRatesDocumentDefaults keeps the defaults HUMMDESK_QUEUE_RATES's
// documentation (and so the README) states equal to the queues' own.
func TestQueueRatesDocumentDefaults(t *testing.T) {
	t.Parallel()
	var doc string
	for _, v := range config.Vars {
		if v.Env == "HUMMDESK_QUEUE_RATES" {
			doc = v.Doc
		}
	}
	for name, p := range jobs.DefaultPolicies() {
		if p.Rate == 0 {
			continue
		}
		if want := name + "=" + (config.QueueRate{Limit: p.Rate, Per: p.Per}).String(); !strings.Contains(doc, want) {
			t.Errorf("HUMMDESK_QUEUE_RATES documentation %q does not state the default %s", doc, want)
		}
	}
}
