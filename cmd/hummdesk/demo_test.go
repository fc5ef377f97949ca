package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestDemoDeskIsAlive: `serve` with the demo (what `make run` does) shows a
// newcomer a desk whose AI side already works: every demo conversation's
// customer message is classified, and the knowledge-base articles are
// embedded, so drafts can cite them.
func TestDemoDeskIsAlive(t *testing.T) {
	t.Parallel()
	s := startServe(t, []string{"HUMMDESK_DATA_DIR=" + t.TempDir(), "HUMMDESK_DEMO=true",
		"HUMMDESK_QUEUE_RATES=ai_classification=off,ai_draft=off"})
	status, body := login(t, s.url)
	if status != http.StatusOK {
		t.Fatalf("demo login: %d %v", status, body)
	}
	token := body["access_token"].(string)
	account := int64(body["accounts"].([]any)[0].(map[string]any)["id"].(float64))
	get := func(path string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/accounts/%d%s", s.url, account, path), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	var pending []string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		pending = pending[:0]
		_, convs := get("/conversations?status=all&limit=100")
		rows := convs["data"].([]any)
		if len(rows) == 0 {
			t.Fatal("the demo has no conversations")
		}
		for _, r := range rows {
			id := int64(r.(map[string]any)["id"].(float64))
			if st, c := get(fmt.Sprintf("/conversations/%d/classification", id)); st != http.StatusOK || c["category"] == nil {
				pending = append(pending, fmt.Sprintf("conversation %d unclassified (%d)", id, st))
			}
		}
		_, arts := get("/knowledge_base/articles?limit=100")
		articles := arts["data"].([]any)
		if len(articles) == 0 {
			t.Fatal("the demo has no knowledge-base articles")
		}
		for _, a := range articles {
			a := a.(map[string]any)
			if a["embedding"].(map[string]any)["status"] != "ready" {
				pending = append(pending, fmt.Sprintf("article %v not embedded", a["id"]))
			}
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %v", pending)
		}
	}
}
