package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// kbUnit is a 384-dimensional unit vector along axis i.
func kbUnit(i int) []float32 {
	v := make([]float32, store.KBDim)
	v[i] = 1
	return v
}

// seedKB gives an account n published articles, article i with one chunk
// whose embedding is kbUnit(i), and returns their ids.
func seedKB(t *testing.T, st *store.Store, acct int64, n int, words string) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := st.Tx(ctx, acct, func(tx *store.Tx) error {
		for i := range n {
			a, err := tx.KBArticleCreate(ctx, store.KBArticleParams{Title: "Article", Content: words, Published: true, Tags: []string{"t"}})
			if err != nil {
				return err
			}
			ids = append(ids, a.ID)
			if err := tx.KBChunksReplace(ctx, store.KBChunksReplaceParams{ArticleID: a.ID, Version: 1, Embedder: "test",
				Chunks: []store.KBChunkInput{{Content: words, Embedding: kbUnit(i)}}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestKBArticles(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := testkit.NewStore(t, d)
		acct := seedRLSAccount(t, st, "A", 0).ID
		err := st.Tx(ctx, acct, func(tx *store.Tx) error {
			g0, err := tx.KBGeneration(ctx)
			if err != nil || g0 != 0 {
				t.Errorf("generation of an empty knowledge base: %d %v", g0, err)
			}
			var ids []int64
			for i, title := range []string{"One", "Two", "Three"} {
				a, err := tx.KBArticleCreate(ctx, store.KBArticleParams{Title: title, Content: "Text", Published: i != 1, Tags: []string{"x", "ö"}})
				if err != nil {
					return err
				}
				if a.Title != title || a.Version != 1 || a.Chunks != 0 || !slices.Equal(a.Tags, []string{"x", "ö"}) || a.EmbeddedAt != nil {
					t.Errorf("created %+v", a)
				}
				ids = append(ids, a.ID)
			}
			page, err := tx.KBArticleList(ctx, store.KBArticleListParams{Limit: 2})
			if err != nil || len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
				t.Errorf("first page %+v %v", page, err)
			}
			page, err = tx.KBArticleList(ctx, store.KBArticleListParams{Limit: 2, BeforeID: ids[1]})
			if err != nil || len(page) != 1 || page[0].ID != ids[0] {
				t.Errorf("second page %+v %v", page, err)
			}
			no := false
			page, err = tx.KBArticleList(ctx, store.KBArticleListParams{Limit: 10, Published: &no})
			if err != nil || len(page) != 1 || page[0].ID != ids[1] {
				t.Errorf("unpublished %+v %v", page, err)
			}
			g1, _ := tx.KBGeneration(ctx)
			if g1 <= g0 {
				t.Errorf("generation did not move: %d", g1)
			}
			err = tx.KBChunksReplace(ctx, store.KBChunksReplaceParams{ArticleID: ids[0], Version: 1, Embedder: "test",
				Chunks: []store.KBChunkInput{{Content: "short", Embedding: make([]float32, 10)}}})
			if desk.ErrorKind(err) != desk.KindInvalid {
				t.Errorf("a 10-dimensional embedding: %v", err)
			}
			err = tx.KBChunksReplace(ctx, store.KBChunksReplaceParams{ArticleID: 999999, Version: 1, Embedder: "test"})
			if !desk.IsNotFound(err) {
				t.Errorf("chunks of a missing article: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := seedKB(t, st, acct, 2, "alpha beta")
		err = st.ReadTx(ctx, acct, func(tx *store.Tx) error {
			v, err := tx.KBVectorsLoad(ctx, "test")
			if err != nil {
				return err
			}
			if len(v.ChunkIDs) != 2 || !slices.Equal(v.ArticleIDs, ids) || len(v.Data) != 2*store.KBDim ||
				v.Data[0] != 1 || v.Data[store.KBDim+1] != 1 || v.Generation == 0 || v.Dim != store.KBDim {
				t.Errorf("vectors %d ids, %d floats, generation %d", len(v.ChunkIDs), len(v.Data), v.Generation)
			}
			hits, err := tx.KBChunksByID(ctx, v.ChunkIDs, kbUnit(1))
			if err != nil || len(hits) != 2 {
				return err
			}
			for _, h := range hits {
				want := 0.0
				if h.ArticleID == ids[1] {
					want = 1
				}
				if h.Similarity != want || h.ArticleTitle != "Article" || h.Content != "alpha beta" {
					t.Errorf("hit %+v, want similarity %v", h, want)
				}
			}
			text, err := tx.KBTextSearch(ctx, []store.KBTextTerm{{Word: "alp", Prefix: true}, {Word: "'\"*:|&"}}, 10)
			if err != nil || len(text) != 2 {
				t.Errorf("prefix search: %+v %v", text, err)
			}
			if text, err := tx.KBTextSearch(ctx, []store.KBTextTerm{{Word: "alp"}}, 10); err != nil || len(text) != 0 {
				t.Errorf("whole-word search for a prefix: %+v %v", text, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestKBRowLevelSecurity checks on PostgreSQL that an account's
// transaction sees and writes only its own knowledge base, even with
// statements that forget the account filter.
func TestKBRowLevelSecurity(t *testing.T) {
	t.Parallel()
	testkit.RequirePostgres(t)
	ctx := context.Background()
	st := testkit.NewStore(t, testkit.Postgres)
	a, b := seedRLSAccount(t, st, "A", 0), seedRLSAccount(t, st, "B", 0)
	seedKB(t, st, a.ID, 3, "alpha")
	bIDs := seedKB(t, st, b.ID, 2, "alpha")
	err := st.Tx(ctx, a.ID, func(tx *store.Tx) error {
		for table, want := range map[string]int{"kb_articles": 3, "kb_chunks": 3, "kb_state": 1} {
			var n int
			if err := tx.PGX().QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				return err
			}
			if n != want {
				t.Errorf("account A sees %d rows of %s, want %d", n, table, want)
			}
		}
		var n int64
		err := tx.PGX().QueryRow(ctx, "UPDATE kb_articles SET title = 'x' WHERE id = $1 RETURNING id", bIDs[0]).Scan(&n)
		if err == nil {
			t.Errorf("account A updated B's article")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Tx(ctx, a.ID, func(tx *store.Tx) error {
		_, err := tx.PGX().Exec(ctx, `INSERT INTO kb_articles (account_id, title, content, created_at, updated_at)
			VALUES ($1, 't', 'c', now(), now())`, b.ID)
		return err
	})
	if err == nil {
		t.Errorf("account A inserted an article into B")
	}
	err = st.ReadTx(ctx, a.ID, func(tx *store.Tx) error {
		near, err := tx.KBNearest(ctx, kbUnit(0), "test", 10, 0)
		if err != nil {
			return err
		}
		if len(near) != 3 || near[0].Score < 0.999 {
			t.Errorf("nearest %+v", near)
		}
		for _, h := range near {
			if slices.Contains(bIDs, h.ArticleID) {
				t.Errorf("nearest found B's article %d", h.ArticleID)
			}
		}
		hits, err := tx.KBChunksByID(ctx, []int64{1, 2, 3, 4, 5}, kbUnit(0))
		if len(hits) != 3 {
			t.Errorf("A reads %d of the 5 chunks by id", len(hits))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.SystemTx(ctx, func(tx *store.Tx) error {
		refs, err := tx.KBArticlesStale(ctx, "other", 0, 100)
		if len(refs) != 5 {
			t.Errorf("system sweep sees %d articles, want 5", len(refs))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Tx(ctx, a.ID, func(tx *store.Tx) error {
		_, err := tx.KBArticlesStale(ctx, "other", 0, 100)
		return err
	})
	if err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("a tenant transaction ran the cross-account sweep: %v", err)
	}
}
