package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"

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

// TestJobPipelineWakesSnoozedConversations enqueues the wake job in a store
// transaction, the way every job is enqueued, and waits for the in-process
// River worker to reopen the conversation and publish its event.
func TestJobPipelineWakesSnoozedConversations(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		base := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		inbox := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/inboxes", Token: ten.Token,
			Body: map[string]any{"name": "Web", "channel_type": "web_widget"}})
		contact := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/contacts", Token: ten.Token,
			Body: map[string]any{"name": "Sam"}})
		conv := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/conversations", Token: ten.Token,
			Body: map[string]any{"inbox_id": testkit.ID(inbox.JSON["id"]), "contact_id": testkit.ID(contact.JSON["id"]),
				"message": map[string]any{"content": "We'll get back to you"}}})
		convID := testkit.ID(conv.JSON["id"])

		ctx := context.Background()
		past := time.Now().Add(-time.Minute)
		snoozed := desk.StatusSnoozed
		err := a.Store().Tx(ctx, ten.AccountID, func(tx *store.Tx) error {
			if _, err := tx.ConversationUpdate(ctx, convID, store.ConversationUpdateParams{Status: &snoozed, SnoozedUntil: &past}); err != nil {
				return err
			}
			_, err := a.Jobs().InsertTx(ctx, tx, conversation.WakeSnoozedArgs{}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			got := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("%s/conversations/%d", base, convID), Token: ten.Token})
			if got.JSON["status"] == "open" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("conversation still %v after 20s", got.JSON["status"])
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Catch-up reads hold back events while an older transaction
		// anywhere on the server runs; poll.
		found := false
		var events testkit.Response
		for deadline := time.Now().Add(20 * time.Second); !found && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			events = a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: base + "/events?limit=100", Token: ten.Token})
			for _, e := range events.JSON["data"].([]any) {
				ev := e.(map[string]any)
				if ev["type"] == "conversation.status_changed" && testkit.ID(ev["conversation_id"]) == convID {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("no conversation.status_changed event: %s", events.Raw)
		}
		// River records the job's completion a moment after the work is done.
		wants := []string{
			`hummdesk_jobs_finished_total{kind="conversation_wake_snoozed",outcome="completed",queue="maintenance"}`,
			`hummdesk_job_queue_wait_seconds_count{queue="maintenance"}`,
			`hummdesk_jobs{queue="maintenance",state="completed"}`,
		}
		for deadline := time.Now().Add(20 * time.Second); ; {
			metrics := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/metrics"})
			var missing []string
			for _, want := range wants {
				if !strings.Contains(string(metrics.Raw), want) {
					missing = append(missing, want)
				}
			}
			if len(missing) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("/metrics lacks %v", missing)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestCustomerMessagesAreClassifiedInTheBackground follows the pipeline:
// the classification job is enqueued in the message's transaction (and
// vanishes with a rollback), only customer messages get one, the worker
// stores an honest result and pushes conversation.classified.
func TestCustomerMessagesAreClassifiedInTheBackground(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		base := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		inbox := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: base + "/inboxes", Token: ten.Token,
			Body: map[string]any{"name": "Web", "channel_type": "web_widget"}})
		token := inbox.JSON["inbox_token"].(string)
		sess := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + token + "/contacts", Body: map[string]any{}})
		ct := sess.JSON["contact_token"].(string)
		conv := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + token + "/conversations",
			Headers: map[string]string{"X-Contact-Token": ct}, Body: map[string]any{"content": "I was charged twice"}})
		convID := testkit.ID(conv.JSON["id"])
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("%s/conversations/%d/messages", base, convID),
			Token: ten.Token, Body: map[string]any{"content": "Looking into it"}})

		jobsOf := func() int {
			var n int
			if err := a.Store().DB().QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE kind = 'ai_classify'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := jobsOf(); n != 1 {
			t.Fatalf("%d classification jobs, want 1 (the customer's message only)", n)
		}

		// A rolled-back message leaves no job; a committed one has its job.
		svc := conversation.NewService(conversation.Options{Jobs: a.Jobs()})
		contactID := testkit.ID(sess.JSON["contact"].(map[string]any)["id"])
		post := func(fail bool) error {
			return a.Store().Tx(ctx, ten.AccountID, func(tx *store.Tx) error {
				cid := contactID
				if _, err := svc.Post(ctx, tx, conversation.PostParams{ConversationID: convID, SenderType: desk.SenderContact,
					SenderID: &cid, Content: "one more thing"}); err != nil {
					return err
				}
				if fail {
					return errRollback
				}
				return nil
			})
		}
		if err := post(true); err != errRollback {
			t.Fatal(err)
		}
		if n := jobsOf(); n != 1 {
			t.Fatalf("rollback left %d jobs, want 1", n)
		}
		if err := post(false); err != nil {
			t.Fatal(err)
		}
		if n := jobsOf(); n != 2 {
			t.Fatalf("%d jobs after a committed customer message, want 2", n)
		}

		deadline := time.Now().Add(20 * time.Second)
		for {
			events := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: base + "/events?limit=100", Token: ten.Token})
			classified := 0
			for _, e := range events.JSON["data"].([]any) {
				ev := e.(map[string]any)
				if ev["type"] != "conversation.classified" {
					continue
				}
				// Without a provider configured, the built-in model
				// classifies, and says so in every record.
				data := ev["data"].(map[string]any)
				if data["provider"] != "local" || data["category"] == nil || data["confidence"] == nil ||
					data["reasoning"] == "" || !strings.HasPrefix(data["prompt_version"].(string), "local-") {
					t.Fatalf("classification %v", data)
				}
				classified++
			}
			if classified == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of 2 messages classified after 20s", classified)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

var errRollback = fmt.Errorf("roll back on purpose")

// TestJobDashboardNeedsThePlatformToken checks River UI is mounted at
// /admin/jobs behind the platform token and shows the queues.
func TestJobDashboardNeedsThePlatformToken(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		get := func(path, password string) (int, string, http.Header) {
			req, _ := http.NewRequest("GET", a.URL+path, nil)
			if password != "" {
				req.SetBasicAuth("ops", password)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			buf := make([]byte, 32<<10)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			return resp.StatusCode, b.String(), resp.Header
		}
		for _, pw := range []string{"", "wrong-token-0123456789"} {
			if code, _, h := get("/admin/jobs/", pw); code != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" {
				t.Errorf("password %q: %d %v", pw, code, h)
			}
		}
		token := a.Config.PlatformToken
		if code, body, _ := get("/admin/jobs/", token); code != http.StatusOK || !strings.Contains(body, "<html") {
			t.Errorf("dashboard page: %d %.200s", code, body)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, body, _ := get("/admin/jobs/api/queues", token)
			if code == http.StatusOK && strings.Contains(body, `"maintenance"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("queues API: %d %.300s", code, body)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}
