package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// kbArticles is a small help centre: title, content.
var kbArticles = [][2]string{
	{"Reset your password", "If you forgot your password, choose Forgot password on the login page.\n\n" +
		"We email you a reset link that is valid for 30 minutes. After the reset you are logged out of every device."},
	{"Activate an eSIM", "Order an eSIM in the app and scan the QR code with your phone.\n\n" +
		"Each QR code works once. When the eSIM is active, the old plastic SIM card stops working."},
	{"Roaming outside the EU", "Outside the EU roaming is charged by zone.\n\n" +
		"Buy a travel data pass before the trip, or set a spending cap for data abroad."},
	{"Laskun eräpäivä", "Laskun eräpäivä on kuukauden 20. päivä. Voit siirtää eräpäivää sovelluksessa kerran puolessa vuodessa."},
}

// kbClient calls the knowledge-base routes of one account as one user.
type kbClient struct {
	t     *testing.T
	a     *testkit.App
	base  string
	token string
}

// in returns the client reporting to t.
func (c kbClient) in(t *testing.T) kbClient {
	c.t = t
	return c
}

func (c kbClient) do(want int, method, path string, body any) testkit.Response {
	c.t.Helper()
	return c.a.MustDo(c.t, want, testkit.Req{Method: method, Path: c.base + "/knowledge_base" + path, Token: c.token, Body: body})
}

func (c kbClient) create(title, content string, published bool) int64 {
	c.t.Helper()
	res := c.do(http.StatusCreated, "POST", "/articles", map[string]any{"title": title, "content": content, "published": published,
		"tags": []string{"help"}})
	return testkit.ID(res.JSON["id"])
}

// waitEmbedded polls an article until its chunks are made from version.
func (c kbClient) waitEmbedded(id, version int64) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := c.do(http.StatusOK, "GET", fmt.Sprintf("/articles/%d", id), nil)
		emb := res.JSON["embedding"].(map[string]any)
		if emb["status"] == "ready" && testkit.ID(emb["embedded_version"]) == version && testkit.ID(res.JSON["version"]) == version {
			return res.JSON
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("article %d not embedded at version %d within 30s: %s", id, version, res.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c kbClient) search(q string) []map[string]any {
	c.t.Helper()
	res := c.do(http.StatusOK, "GET", "/search?q="+url.QueryEscape(q), nil)
	var out []map[string]any
	for _, h := range res.JSON["data"].([]any) {
		out = append(out, h.(map[string]any))
	}
	return out
}

func hitArticles(hits []map[string]any) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, testkit.ID(h["article_id"]))
	}
	return out
}

func (c kbClient) chunks(id int64) []string {
	c.t.Helper()
	res := c.do(http.StatusOK, "GET", fmt.Sprintf("/articles/%d/chunks", id), nil)
	var out []string
	for _, ch := range res.JSON["data"].([]any) {
		m := ch.(map[string]any)
		if m["embedder"] != "local-ngram-v1" || testkit.ID(m["dim"]) != 384 {
			c.t.Errorf("chunk of article %d: embedder %v dim %v", id, m["embedder"], m["dim"])
		}
		out = append(out, m["content"].(string))
	}
	return out
}

func TestKnowledgeBaseAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		w := buildWorld(t, a)
		admin := kbClient{t, a, w.base(), w.Token}
		agent := kbClient{t, a, w.base(), w.AgentToken}

		var ids []int64
		for _, art := range kbArticles {
			ids = append(ids, admin.create(art[0], art[1], true))
		}
		draft := admin.create("Internal roadmap", "Next year we rebuild the password login page.", false)
		for _, id := range append(slices.Clone(ids), draft) {
			got := admin.waitEmbedded(id, 1)
			if n := testkit.ID(got["embedding"].(map[string]any)["chunks"]); n < 1 {
				t.Errorf("article %d has %d chunks", id, n)
			}
		}
		if got := admin.chunks(ids[0]); len(got) != 1 || !strings.Contains(got[0], "Forgot password") {
			t.Errorf("chunks of the password article: %q", got)
		}

		t.Run("agents read and search but do not write", func(t *testing.T) {
			agent := agent.in(t)
			list := agent.do(http.StatusOK, "GET", "/articles", nil)
			// buildWorld made one article too.
			if n := len(list.JSON["data"].([]any)); n != len(ids)+2 {
				t.Errorf("agent lists %d articles, want %d", n, len(ids)+2)
			}
			agent.do(http.StatusOK, "GET", fmt.Sprintf("/articles/%d", ids[1]), nil)
			if hits := agent.search("activate esim"); len(hits) == 0 || testkit.ID(hits[0]["article_id"]) != ids[1] {
				t.Errorf("agent search: %v", hits)
			}
			agent.do(http.StatusForbidden, "POST", "/articles", map[string]any{"title": "x", "content": "y"})
			agent.do(http.StatusForbidden, "PATCH", fmt.Sprintf("/articles/%d", ids[1]), map[string]any{"title": "x"})
			agent.do(http.StatusForbidden, "DELETE", fmt.Sprintf("/articles/%d", ids[1]), nil)
		})

		t.Run("search ranks the answering article first", func(t *testing.T) {
			admin := admin.in(t)
			for q, want := range map[string]int64{
				"I forgot my password":                ids[0],
				"how do I scan the eSIM QR code":      ids[1],
				"travel data pass for my trip abroad": ids[2],
				"milloin on laskun eräpäivä":          ids[3],
			} {
				hits := admin.search(q)
				if len(hits) == 0 || testkit.ID(hits[0]["article_id"]) != want {
					t.Errorf("search %q: first hits are articles %v, want %d first", q, hitArticles(hits), want)
					continue
				}
				s := hits[0]["scores"].(map[string]any)
				if s["similarity"].(float64) <= 0 || s["fused"].(float64) <= 0 || s["vector_rank"] == nil || s["text_rank"] == nil {
					t.Errorf("search %q: scores of the first hit %v", q, s)
				}
				if hits[0]["article_title"] == "" || hits[0]["chunk"] == "" {
					t.Errorf("search %q: hit without title or chunk text: %v", q, hits[0])
				}
				for i := 1; i < len(hits); i++ {
					if hits[i]["scores"].(map[string]any)["fused"].(float64) > hits[i-1]["scores"].(map[string]any)["fused"].(float64) {
						t.Errorf("search %q: hits not ordered by fused score", q)
					}
				}
			}
			if hits := admin.search("   "); len(hits) != 0 {
				t.Errorf("blank query found %d hits", len(hits))
			}
			if hits := admin.search("password login page"); slices.Contains(hitArticles(hits), draft) {
				t.Errorf("search found the unpublished article: %v", hitArticles(hits))
			}
			high := admin.do(http.StatusOK, "GET", "/search?min_similarity=0.99&q="+url.QueryEscape("forgot my password"), nil)
			if n := len(high.JSON["data"].([]any)); n != 0 {
				t.Errorf("min_similarity 0.99 kept %d hits", n)
			}
		})

		t.Run("an update embeds again, a publish does not", func(t *testing.T) {
			admin := admin.in(t)
			res := admin.do(http.StatusOK, "PATCH", fmt.Sprintf("/articles/%d", ids[1]), map[string]any{
				"content": "Order an eSIM in the app. Smartwatches with LTE can use an eSIM too: pair the watch first."})
			if testkit.ID(res.JSON["version"]) != 2 {
				t.Fatalf("version after a content change: %s", res.Raw)
			}
			admin.waitEmbedded(ids[1], 2)
			if got := admin.chunks(ids[1]); len(got) != 1 || !strings.Contains(got[0], "Smartwatches") {
				t.Errorf("chunks after the update: %q", got)
			}
			if hits := admin.search("smartwatch pairing"); len(hits) == 0 || testkit.ID(hits[0]["article_id"]) != ids[1] {
				t.Errorf("search for the new content: %v", hitArticles(hits))
			}
			res = admin.do(http.StatusOK, "PATCH", fmt.Sprintf("/articles/%d", draft), map[string]any{"published": true, "tags": []string{"a", "b", "a"}})
			if testkit.ID(res.JSON["version"]) != 1 || res.JSON["embedding"].(map[string]any)["status"] != "ready" {
				t.Errorf("publishing changed the version or the embedding: %s", res.Raw)
			}
			if tags := res.JSON["tags"].([]any); len(tags) != 2 {
				t.Errorf("tags %v, want [a b]", tags)
			}
			if hits := admin.search("rebuild the password login page"); !slices.Contains(hitArticles(hits), draft) {
				t.Errorf("the published article is not found: %v", hitArticles(hits))
			}
		})

		t.Run("a deletion takes the chunks along", func(t *testing.T) {
			admin := admin.in(t)
			admin.do(http.StatusNoContent, "DELETE", fmt.Sprintf("/articles/%d", ids[0]), nil)
			admin.do(http.StatusNotFound, "GET", fmt.Sprintf("/articles/%d", ids[0]), nil)
			admin.do(http.StatusNotFound, "GET", fmt.Sprintf("/articles/%d/chunks", ids[0]), nil)
			admin.do(http.StatusNotFound, "DELETE", fmt.Sprintf("/articles/%d", ids[0]), nil)
			if hits := admin.search("forgot my password"); slices.Contains(hitArticles(hits), ids[0]) {
				t.Errorf("search still finds the deleted article")
			}
			err := a.Store().ReadTx(t.Context(), w.AccountID, func(tx *store.Tx) error {
				chunks, err := tx.KBChunkList(t.Context(), ids[0])
				if len(chunks) != 0 {
					t.Errorf("%d chunks of the deleted article remain", len(chunks))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})

		t.Run("invalid input", func(t *testing.T) {
			admin := admin.in(t)
			var manyTags []string
			for i := range 21 {
				manyTags = append(manyTags, fmt.Sprint("tag", i))
			}
			for name, body := range map[string]map[string]any{
				"blank title":     {"title": "   ", "content": "x"},
				"empty content":   {"title": "x", "content": ""},
				"blank content":   {"title": "x", "content": " \n "},
				"too many tags":   {"title": "x", "content": "y", "tags": manyTags},
				"a long tag":      {"title": "x", "content": "y", "tags": []string{strings.Repeat("t", 51)}},
				"title too long":  {"title": strings.Repeat("t", 201), "content": "y"},
				"content missing": {"title": "x"},
			} {
				res := a.Do(t, testkit.Req{Method: "POST", Path: admin.base + "/knowledge_base/articles", Token: admin.token, Body: body})
				if res.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s: status %d, want 422; %s", name, res.Status, res.Raw)
				}
			}
		})

		t.Run("accounts never see each other's articles", func(t *testing.T) {
			admin := admin.in(t)
			v := buildWorld(t, a)
			other := kbClient{t, a, v.base(), v.Token}
			theirs := other.create(kbArticles[0][0], kbArticles[0][1], true)
			other.waitEmbedded(theirs, 1)
			mine := admin.create(kbArticles[0][0], kbArticles[0][1], true)
			admin.waitEmbedded(mine, 1)
			bs := []int64{theirs, v.ArticleID} // buildWorld made one too
			for _, q := range []string{"forgot my password", "reset link", "esim", "password", "refunds"} {
				for _, id := range hitArticles(admin.search(q)) {
					if slices.Contains(bs, id) {
						t.Errorf("search %q in A found B's article %d", q, id)
					}
				}
				found := hitArticles(other.search(q))
				for _, id := range found {
					if !slices.Contains(bs, id) {
						t.Errorf("search %q in B found article %d, which is not B's", q, id)
					}
				}
				if q == "password" && !slices.Contains(found, theirs) {
					t.Errorf("search %q in B misses B's article: %v", q, found)
				}
			}
			admin.do(http.StatusNotFound, "GET", fmt.Sprintf("/articles/%d", theirs), nil)
			admin.do(http.StatusNotFound, "GET", fmt.Sprintf("/articles/%d/chunks", theirs), nil)
		})
	})
}
