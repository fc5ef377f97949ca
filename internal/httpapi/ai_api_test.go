package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/testkit"
)

// waitClassified polls the conversation's classification until one with
// run (0: the first) is stored.
func waitClassified(t *testing.T, a *testkit.App, token string, account, conv int64, run float64) map[string]any {
	t.Helper()
	path := fmt.Sprintf("/api/v1/accounts/%d/conversations/%d/classification", account, conv)
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := a.Do(t, testkit.Req{Method: "GET", Path: path, Token: token})
		if res.Status == http.StatusOK && (run == 0 || res.JSON["run"] == run) {
			return res.JSON
		}
		if time.Now().After(deadline) {
			t.Fatalf("no classification (run %v) within 30s: %d %s", run, res.Status, res.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAITriageThroughTheAPI follows a widget message through the built-in
// classifier to the agent's screen: the stored classification, an agent's
// corrections, a re-run on demand, the account's settings (the API key is
// write-only) and the metrics computed from the corrections.
func TestAITriageThroughTheAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		acc := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		admin := func(want int, method, path string, body any) testkit.Response {
			t.Helper()
			return a.MustDo(t, want, testkit.Req{Method: method, Path: acc + path, Token: ten.Token, Body: body})
		}
		billing := testkit.ID(admin(http.StatusCreated, "POST", "/teams", map[string]any{"name": "Billing"}).JSON["id"])
		tech := testkit.ID(admin(http.StatusCreated, "POST", "/teams", map[string]any{"name": "Technical support"}).JSON["id"])
		inbox := admin(http.StatusCreated, "POST", "/inboxes", map[string]any{"name": "Web", "channel_type": "web_widget"}).JSON["inbox_token"].(string)

		article := testkit.ID(admin(http.StatusCreated, "POST", "/knowledge_base/articles", map[string]any{"title": "Remboursements",
			"content":   "Une facture payée deux fois ou trop élevée est corrigée et la différence remboursée sous dix jours ouvrés sur le moyen de paiement d'origine.",
			"published": true}).JSON["id"])
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			art := admin(http.StatusOK, "GET", fmt.Sprintf("/knowledge_base/articles/%d", article), nil)
			if art.JSON["embedding"].(map[string]any)["status"] == "ready" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the article was not embedded within 30s")
			}
		}
		v := btSession(t, a, inbox, map[string]any{"name": "Mia"})
		conv := v.start(t, a, "Bonjour, ma facture de mars est de 64 € au lieu de 39 €. Pouvez-vous corriger et me rembourser la différence ?")
		c := waitClassified(t, a, ten.Token, ten.AccountID, conv, 0)
		if c["provider"] != "local" || c["category"] != "billing" || c["language"] != "fr" || c["reasoning"] == "" ||
			c["suggested_team_id"] != float64(billing) || c["prompt_version"] == "" {
			t.Fatalf("classification %v", c)
		}
		conf, _ := c["confidence"].(float64)
		if conf <= 0 || conf > 1 {
			t.Fatalf("confidence %v", c["confidence"])
		}
		// No agent is connected: the conversation is not given to anyone,
		// whatever the confidence.
		if c["outcome"] == "auto_assigned" {
			t.Fatalf("auto-assigned with no agent online: %v", c)
		}
		view := admin(http.StatusOK, "GET", fmt.Sprintf("/conversations/%d", conv), nil).JSON
		if view["priority"] != c["priority"] || !strings.Contains(fmt.Sprint(view["labels"]), "billing") {
			t.Errorf("conversation priority %v labels %v; classification said %v", view["priority"], view["labels"], c["priority"])
		}

		// A reply draft in the customer's language, citing the article
		// that answers the question, waits for the agent.
		var draft map[string]any
		for deadline := time.Now().Add(30 * time.Second); draft == nil; time.Sleep(50 * time.Millisecond) {
			res := admin(http.StatusOK, "GET", fmt.Sprintf("/conversations/%d/drafts", conv), nil)
			if data := res.JSON["data"].([]any); len(data) > 0 {
				draft = data[0].(map[string]any)
			}
			if time.Now().After(deadline) {
				t.Fatal("no draft within 30s")
			}
		}
		content, _ := draft["content"].(string)
		if draft["status"] != "pending" || draft["language"] != "fr" || !strings.HasPrefix(content, "Bonjour Mia") ||
			draft["provider"] != "local" {
			t.Fatalf("draft %v", draft)
		}
		if arts := draft["articles"].([]any); len(arts) != 1 || testkit.ID(arts[0]) != article || !strings.Contains(content, "Remboursements") {
			t.Errorf("the draft does not cite the refunds article %d: %v\n%s", article, arts, content)
		}
		edited := strings.Replace(content, "Bonjour", "Bonsoir", 1)
		acc2 := admin(http.StatusCreated, "POST", fmt.Sprintf("/conversations/%d/drafts/%d/accept", conv, testkit.ID(draft["id"])),
			map[string]any{"content": edited}).JSON
		if d := acc2["draft"].(map[string]any); d["status"] != "edited" || d["edit_distance"] != float64(2) ||
			acc2["message"].(map[string]any)["content"] != edited {
			t.Fatalf("accepting an edited draft: %v", acc2)
		}
		if res := a.Do(t, testkit.Req{Method: "POST", Path: acc + fmt.Sprintf("/conversations/%d/drafts/%d/reject", conv, testkit.ID(draft["id"])),
			Token: ten.Token}); res.Status != http.StatusConflict {
			t.Errorf("rejecting a sent draft: %d %s", res.Status, res.Raw)
		}

		// An agent corrects two fields; the conversation follows.
		res := admin(http.StatusOK, "PATCH", fmt.Sprintf("/conversations/%d/classification", conv), map[string]any{"priority": "urgent", "team_id": tech})
		if n := len(res.JSON["corrections"].([]any)); n != 2 {
			t.Fatalf("%d corrections stored: %s", n, res.Raw)
		}
		view = admin(http.StatusOK, "GET", fmt.Sprintf("/conversations/%d", conv), nil).JSON
		if view["priority"] != "urgent" || view["team_id"] != float64(tech) {
			t.Errorf("after the correction: priority %v team %v", view["priority"], view["team_id"])
		}
		// A category correction moves the conversation's label, and says so
		// in a conversation.updated event, so every list showing it follows.
		admin(http.StatusOK, "PATCH", fmt.Sprintf("/conversations/%d/classification", conv), map[string]any{"category": "sales"})
		view = admin(http.StatusOK, "GET", fmt.Sprintf("/conversations/%d", conv), nil).JSON
		if labels := fmt.Sprint(view["labels"]); labels != "[sales]" {
			t.Errorf("after correcting the category to sales, labels %s", labels)
		}
		for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			found := false
			for _, e := range admin(http.StatusOK, "GET", "/events?limit=100", nil).JSON["data"].([]any) {
				e := e.(map[string]any)
				data, _ := e["data"].(map[string]any)
				if e["type"] == "conversation.updated" && testkit.ID(e["conversation_id"]) == conv && fmt.Sprint(data["labels"]) == "[sales]" {
					found = true
				}
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no conversation.updated event carries the corrected label")
			}
		}
		bad := a.Do(t, testkit.Req{Method: "PATCH", Path: acc + fmt.Sprintf("/conversations/%d/classification", conv), Token: ten.Token,
			Body: map[string]any{"category": "spam"}})
		if bad.Status != http.StatusUnprocessableEntity && bad.Status != http.StatusBadRequest {
			t.Errorf("unknown category: %d %s", bad.Status, bad.Raw)
		}
		other := a.Do(t, testkit.Req{Method: "PATCH", Path: acc + fmt.Sprintf("/conversations/%d/classification", conv), Token: ten.Token,
			Body: map[string]any{"team_id": 999999}})
		if other.Status != http.StatusNotFound {
			t.Errorf("a team that is not the account's: %d %s", other.Status, other.Raw)
		}

		// Metrics count the corrected fields (priority, team, category)
		// against the classifications.
		m := admin(http.StatusOK, "GET", "/ai/metrics", nil).JSON
		if m["classified"] != float64(1) {
			t.Fatalf("metrics %v", m)
		}
		acc1 := map[string]float64{}
		for _, f := range m["accuracy"].([]any) {
			f := f.(map[string]any)
			acc1[f["field"].(string)] = f["accuracy"].(float64)
		}
		if acc1["priority"] != 0 || acc1["team"] != 0 || acc1["category"] != 0 || acc1["sentiment"] != 1 || acc1["language"] != 1 {
			t.Errorf("accuracy per field %v", acc1)
		}

		// A re-run on demand is a new classification beside the first.
		rr := admin(http.StatusAccepted, "POST", fmt.Sprintf("/conversations/%d/ai/classify", conv), nil)
		run, _ := rr.JSON["run"].(float64)
		if run <= 0 {
			t.Fatalf("re-run: %s", rr.Raw)
		}
		c2 := waitClassified(t, a, ten.Token, ten.AccountID, conv, run)
		if c2["id"] == c["id"] {
			t.Fatalf("the re-run stored nothing new: %v", c2)
		}

		// Settings: the key is stored, never shown.
		s := admin(http.StatusOK, "PATCH", "/ai/settings", map[string]any{"provider": "anthropic", "api_key": "sk-ant-test-123456", "threshold": 0.9}).JSON
		if s["has_api_key"] != true || s["threshold"] != 0.9 || s["provider"] != "anthropic" {
			t.Fatalf("settings %v", s)
		}
		got := admin(http.StatusOK, "GET", "/ai/settings", nil)
		if strings.Contains(string(got.Raw), "sk-ant") || got.JSON["has_api_key"] != true {
			t.Fatalf("the key leaks or is lost: %s", got.Raw)
		}
		s = admin(http.StatusOK, "PATCH", "/ai/settings", map[string]any{"api_key": "", "provider": "default"}).JSON
		if s["has_api_key"] != false || s["provider"] != "" {
			t.Fatalf("removing the key: %v", s)
		}
		for _, body := range []map[string]any{{"threshold": 1.5}, {"provider": "gpt"}, {"base_url": "ftp://x"}} {
			if res := a.Do(t, testkit.Req{Method: "PATCH", Path: acc + "/ai/settings", Token: ten.Token, Body: body}); res.Status < 400 || res.Status >= 500 {
				t.Errorf("settings %v: %d %s", body, res.Status, res.Raw)
			}
		}
	})
}
