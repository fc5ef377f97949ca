package kb_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/desk"
	"hummdesk/internal/jobs"
	"hummdesk/internal/kb"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

func TestChunk(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 250)
	sentences := strings.Repeat("This sentence has exactly six words. ", 30)
	cases := []struct {
		name    string
		content string
		max     int
		want    []string // nil: check only the invariants
		chunks  int
	}{
		{name: "empty", content: " \n\n  ", want: []string{}},
		{name: "one paragraph", content: "  Hello there.\n", want: []string{"Hello there."}},
		{name: "short paragraphs pack together", content: "One two.\n\n\nThree four.\r\n\r\nFive six.", max: 4,
			want: []string{"One two.\n\nThree four.", "Five six."}},
		{name: "lines of a paragraph stay", content: "Steps:\n1. Open\n2. Close", want: []string{"Steps:\n1. Open\n2. Close"}},
		{name: "long paragraph splits between sentences", content: sentences, max: 20, chunks: 10},
		{name: "a long sentence splits between words", content: long, max: 100, chunks: 3},
		{name: "default size", content: long, chunks: 3},
	}
	for _, c := range cases {
		got := kb.Chunk(c.content, c.max)
		if c.want != nil && !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s: chunks %q, want %q", c.name, got, c.want)
		}
		if c.chunks > 0 && len(got) != c.chunks {
			t.Errorf("%s: %d chunks, want %d", c.name, len(got), c.chunks)
		}
		max := c.max
		if max == 0 {
			max = kb.ChunkWords
		}
		total := 0
		for _, ch := range got {
			if n := len(strings.Fields(ch)); n == 0 || n > max {
				t.Errorf("%s: chunk of %d words (max %d): %q", c.name, n, max, ch)
			}
			if strings.TrimSpace(ch) != ch {
				t.Errorf("%s: chunk not trimmed: %q", c.name, ch)
			}
			total += len(strings.Fields(ch))
		}
		if total != len(strings.Fields(c.content)) {
			t.Errorf("%s: chunks hold %d words, content %d", c.name, total, len(strings.Fields(c.content)))
		}
	}
}

func cosine(a, b []float32) float64 { return store.Cosine(a, b) }

func TestLocalEmbedder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := kb.LocalEmbedder{}
	if e.Dim() != 384 || e.Name() == "" {
		t.Fatalf("name %q dim %d", e.Name(), e.Dim())
	}
	texts := []string{
		"How do I reset my password?",
		"Forgot password: choose reset on the login page and we email you a link.",
		"Roaming outside the EU is charged by zone.",
		"Mistä löydän salasanan?",
		"Salasana unohtui, miten vaihdan salasanan",
		"",
	}
	v, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := e.Embed(ctx, texts)
	for i := range texts {
		if len(v[i]) != 384 {
			t.Fatalf("vector %d has %d dimensions", i, len(v[i]))
		}
		if !slices.Equal(v[i], again[i]) {
			t.Errorf("embedding of %q is not deterministic", texts[i])
		}
		var norm float64
		for _, x := range v[i] {
			norm += float64(x) * float64(x)
		}
		if want := 1.0; texts[i] == "" {
			if norm != 0 {
				t.Errorf("empty text has norm %v", norm)
			}
		} else if math.Abs(norm-want) > 1e-5 {
			t.Errorf("%q: squared norm %v, want 1", texts[i], norm)
		}
	}
	if related, unrelated := cosine(v[0], v[1]), cosine(v[0], v[2]); related <= unrelated+0.1 {
		t.Errorf("password question vs answer %.3f, vs roaming %.3f", related, unrelated)
	}
	// Inflected Finnish forms share their character n-grams.
	if inflected, other := cosine(v[3], v[4]), cosine(v[3], v[2]); inflected <= other+0.1 {
		t.Errorf("salasanan vs salasana %.3f, vs roaming %.3f", inflected, other)
	}
	if folded, _ := e.Embed(ctx, []string{"paivitys", "päivitys"}); cosine(folded[0], folded[1]) < 0.999 {
		t.Errorf("accents are not folded: %.3f", cosine(folded[0], folded[1]))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.Embed(cctx, texts); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled embed: %v", err)
	}
}

// recorder is an Enqueuer that keeps what it was given.
type recorder struct {
	mu   sync.Mutex
	jobs []kb.EmbedArgs
}

func (r *recorder) InsertTx(_ context.Context, tx *store.Tx, args river.JobArgs, _ *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := args.(kb.EmbedArgs)
	if tx.AccountID() != 0 && tx.AccountID() != a.AccountID {
		return nil, errors.New("job enqueued in another account's transaction")
	}
	r.jobs = append(r.jobs, a)
	return &rivertype.JobInsertResult{}, nil
}

func (r *recorder) take() []kb.EmbedArgs {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.jobs
	r.jobs = nil
	return out
}

// renamed is the local embedder under another name, as if the server had
// switched embedders.
type renamed struct {
	kb.LocalEmbedder
	name string
}

func (r renamed) Name() string { return r.name }

type fixture struct {
	st   *store.Store
	svc  *kb.Service
	jobs *recorder
	acct int64
}

func setup(t *testing.T, d testkit.Dialect) fixture {
	t.Helper()
	st := testkit.NewStore(t, d)
	f := fixture{st: st, jobs: &recorder{}}
	var err error
	if f.svc, err = kb.NewService(kb.Options{Store: st, Jobs: f.jobs}); err != nil {
		t.Fatal(err)
	}
	f.acct = newAccount(t, st, "Acme")
	return f
}

func (f fixture) tx(t *testing.T, acct int64, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := f.st.Tx(context.Background(), acct, fn); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) create(t *testing.T, acct int64, p kb.ArticleParams) store.KBArticle {
	t.Helper()
	var a store.KBArticle
	f.tx(t, acct, func(tx *store.Tx) (err error) {
		a, err = f.svc.CreateArticle(context.Background(), tx, p)
		return err
	})
	return a
}

func (f fixture) chunks(t *testing.T, acct, article int64) []store.KBChunk {
	t.Helper()
	var out []store.KBChunk
	f.tx(t, acct, func(tx *store.Tx) (err error) {
		out, err = tx.KBChunkList(context.Background(), article)
		return err
	})
	return out
}

func (f fixture) article(t *testing.T, acct, id int64) store.KBArticle {
	t.Helper()
	var a store.KBArticle
	f.tx(t, acct, func(tx *store.Tx) (err error) {
		a, err = tx.KBArticleGet(context.Background(), id)
		return err
	})
	return a
}

func TestArticleLifecycle(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d)
		content := strings.Repeat("Reset your password from the login page. ", 40) + "\n\nThe reset link is valid for 30 minutes."
		a := f.create(t, f.acct, kb.ArticleParams{Title: "  Passwords ", Content: content, Tags: []string{"login", " login", "account"}, Published: true})
		if a.Title != "Passwords" || a.Version != 1 || a.EmbeddedVersion != 0 || !slices.Equal(a.Tags, []string{"login", "account"}) {
			t.Fatalf("created %+v", a)
		}
		if got := f.jobs.take(); !slices.Equal(got, []kb.EmbedArgs{{AccountID: f.acct, ArticleID: a.ID, Version: 1}}) {
			t.Fatalf("enqueued %v", got)
		}

		embedded, err := f.svc.EmbedArticle(ctx, f.acct, a.ID, 1)
		if err != nil || !embedded {
			t.Fatalf("embed: %v %v", embedded, err)
		}
		chunks := f.chunks(t, f.acct, a.ID)
		if len(chunks) != len(kb.Chunk(content, 0)) || len(chunks) < 3 {
			t.Fatalf("%d chunks, want %d", len(chunks), len(kb.Chunk(content, 0)))
		}
		for i, c := range chunks {
			if c.Ordinal != i || c.Embedder != "local-ngram-v1" || c.Dim != 384 || c.Title != "Passwords" || c.ArticleID != a.ID {
				t.Errorf("chunk %d: %+v", i, c)
			}
		}
		got := f.article(t, f.acct, a.ID)
		if got.EmbeddedVersion != 1 || got.Embedder != "local-ngram-v1" || got.Chunks != len(chunks) || got.EmbeddedAt == nil {
			t.Errorf("after embedding: %+v", got)
		}
		if again, err := f.svc.EmbedArticle(ctx, f.acct, a.ID, 1); err != nil || again {
			t.Errorf("embedding a current article again: %v %v", again, err)
		}

		// Tags and the published flag are not embedded.
		tags := []string{"x"}
		f.tx(t, f.acct, func(tx *store.Tx) error {
			u, err := f.svc.UpdateArticle(ctx, tx, a.ID, kb.ArticlePatch{Tags: &tags})
			if u.Version != 1 || !slices.Equal(u.Tags, tags) {
				t.Errorf("after a tag change: %+v", u)
			}
			return err
		})
		if got := f.jobs.take(); len(got) != 0 {
			t.Errorf("a tag change enqueued %v", got)
		}

		newContent := "Passwords expire after a year.\n\nChange yours in Settings."
		f.tx(t, f.acct, func(tx *store.Tx) error {
			u, err := f.svc.UpdateArticle(ctx, tx, a.ID, kb.ArticlePatch{Content: &newContent})
			if u.Version != 2 {
				t.Errorf("version after a content change: %d", u.Version)
			}
			return err
		})
		if got := f.jobs.take(); !slices.Equal(got, []kb.EmbedArgs{{AccountID: f.acct, ArticleID: a.ID, Version: 2}}) {
			t.Fatalf("enqueued %v", got)
		}
		// The job of version 1 is overtaken: it leaves the work to version 2's.
		if done, err := f.svc.EmbedArticle(ctx, f.acct, a.ID, 1); err != nil || done {
			t.Errorf("stale job: %v %v", done, err)
		}
		// Chunks made from version 1 are refused.
		err = f.st.Tx(ctx, f.acct, func(tx *store.Tx) error {
			return tx.KBChunksReplace(ctx, store.KBChunksReplaceParams{ArticleID: a.ID, Version: 1, Embedder: "local-ngram-v1",
				Chunks: []store.KBChunkInput{{Content: "old", Embedding: make([]float32, 384)}}})
		})
		if !errors.Is(err, store.ErrKBStale) {
			t.Errorf("replacing with stale chunks: %v", err)
		}
		if done, err := f.svc.EmbedArticle(ctx, f.acct, a.ID, 2); err != nil || !done {
			t.Fatalf("embed version 2: %v %v", done, err)
		}
		chunks = f.chunks(t, f.acct, a.ID)
		if len(chunks) != 1 || !strings.Contains(chunks[0].Content, "expire") {
			t.Errorf("chunks after the update: %+v", chunks)
		}

		bad := "  "
		f.tx(t, f.acct, func(tx *store.Tx) error {
			if _, err := f.svc.UpdateArticle(ctx, tx, a.ID, kb.ArticlePatch{Title: &bad}); desk.ErrorKind(err) != desk.KindInvalid {
				t.Errorf("blank title: %v", err)
			}
			if _, err := f.svc.UpdateArticle(ctx, tx, 999999, kb.ArticlePatch{Title: &newContent}); !desk.IsNotFound(err) {
				t.Errorf("missing article: %v", err)
			}
			return nil
		})

		f.tx(t, f.acct, func(tx *store.Tx) error { return f.svc.DeleteArticle(ctx, tx, a.ID) })
		if n := len(f.chunks(t, f.acct, a.ID)); n != 0 {
			t.Errorf("%d chunks left after the delete", n)
		}
		if done, err := f.svc.EmbedArticle(ctx, f.acct, a.ID, 2); err != nil || done {
			t.Errorf("embedding a deleted article: %v %v", done, err)
		}
		err = f.st.Tx(ctx, f.acct, func(tx *store.Tx) error { return f.svc.DeleteArticle(ctx, tx, a.ID) })
		if !desk.IsNotFound(err) {
			t.Errorf("deleting twice: %v", err)
		}
	})
}

func TestEmbedderChangeReembeds(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d)
		a := f.create(t, f.acct, kb.ArticleParams{Title: "eSIM", Content: "Scan the QR code to activate the eSIM.", Published: true})
		f.jobs.take()
		if n, err := f.svc.EnqueueStale(ctx); err != nil || n != 1 {
			t.Fatalf("stale before the first embedding: %d %v", n, err)
		}
		if got := f.jobs.take(); len(got) != 1 || got[0].ArticleID != a.ID {
			t.Fatalf("sweep enqueued %v", got)
		}
		if _, err := f.svc.EmbedArticle(ctx, f.acct, a.ID, 0); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.svc.EnqueueStale(ctx); n != 0 {
			t.Errorf("%d stale articles after embedding", n)
		}

		v2, err := kb.NewService(kb.Options{Store: f.st, Jobs: f.jobs, Embedder: renamed{name: "local-ngram-v2"}})
		if err != nil {
			t.Fatal(err)
		}
		// Until it is embedded again, the new embedder finds the article
		// by its words only.
		hits, err := v2.Search(ctx, f.acct, "activate the esim", 3, 0)
		if err != nil || len(hits) != 1 || hits[0].VectorRank != 0 || hits[0].TextRank != 1 || hits[0].Similarity != 0 {
			t.Errorf("search before re-embedding: %+v %v", hits, err)
		}
		if n, err := v2.EnqueueStale(ctx); err != nil || n != 1 {
			t.Fatalf("stale after the embedder changed: %d %v", n, err)
		}
		job := f.jobs.take()[0]
		w := &kb.EmbedWorker{Service: v2}
		if err := w.Work(ctx, &river.Job[kb.EmbedArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: job}); err != nil {
			t.Fatal(err)
		}
		for _, c := range f.chunks(t, f.acct, a.ID) {
			if c.Embedder != "local-ngram-v2" {
				t.Errorf("chunk embedded by %s after the change", c.Embedder)
			}
		}
		hits, err = v2.Search(ctx, f.acct, "activate the esim", 3, 0)
		if err != nil || len(hits) != 1 || hits[0].VectorRank != 1 || hits[0].Similarity <= 0 {
			t.Errorf("search after re-embedding: %+v %v", hits, err)
		}
		if n, _ := v2.EnqueueStale(ctx); n != 0 {
			t.Errorf("%d stale articles after re-embedding", n)
		}
	})
}

func TestEmbedJobInArticleTransaction(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := testkit.NewStore(t, d)
		if err := jobs.Migrate(ctx, st); err != nil {
			t.Fatal(err)
		}
		if err := st.GrantAppRoles(ctx); err != nil {
			t.Fatal(err)
		}
		jc, err := jobs.New(jobs.Config{Store: st, Policies: jobs.DefaultPolicies()})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := kb.NewService(kb.Options{Store: st, Jobs: jc})
		if err != nil {
			t.Fatal(err)
		}
		acct := newAccount(t, st, "Acme")
		count := func() (n int) {
			t.Helper()
			if err := st.DB().QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE kind = 'kb_embed'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		rollback := errors.New("roll back")
		err = st.Tx(ctx, acct, func(tx *store.Tx) error {
			if _, err := svc.CreateArticle(ctx, tx, kb.ArticleParams{Title: "T", Content: "C"}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) || count() != 0 {
			t.Fatalf("rolled-back article left %d jobs (%v)", count(), err)
		}
		var id int64
		err = st.Tx(ctx, acct, func(tx *store.Tx) error {
			a, err := svc.CreateArticle(ctx, tx, kb.ArticleParams{Title: "T", Content: "C"})
			id = a.ID
			return err
		})
		if err != nil || count() != 1 {
			t.Fatalf("committed article has %d jobs (%v)", count(), err)
		}
		// The sweep finds the article not embedded, but its job is still
		// waiting: no duplicate.
		for range 2 {
			if n, err := svc.EnqueueStale(ctx); err != nil || n != 1 {
				t.Fatalf("sweep: %d %v", n, err)
			}
		}
		if count() != 1 {
			t.Errorf("the sweep duplicated a waiting job: %d jobs", count())
		}
		var args kb.EmbedArgs
		var raw []byte
		argsText := "args::text"
		if d == testkit.SQLite {
			argsText = "json(args)" // River keeps SQLite's binary JSON
		}
		if err := st.DB().QueryRowContext(ctx, "SELECT "+argsText+" FROM river_job WHERE kind = 'kb_embed'").Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &args); err != nil || args != (kb.EmbedArgs{AccountID: acct, ArticleID: id, Version: 1}) {
			t.Errorf("job args %s (%v)", raw, err)
		}
	})
}

func TestSearch(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, d)
		other := newAccount(t, f.st, "Other")
		set, err := kb.LoadEvalSet()
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int64]map[string]int64{f.acct: {}, other: {}}
		for _, acct := range []int64{f.acct, other} {
			for _, a := range set.Articles[:6] {
				art := f.create(t, acct, kb.ArticleParams{Title: a.Title, Content: a.Content, Published: true})
				ids[acct][a.Key] = art.ID
				if _, err := f.svc.EmbedArticle(ctx, acct, art.ID, 0); err != nil {
					t.Fatal(err)
				}
			}
		}
		owner := map[int64]int64{}
		for acct, m := range ids {
			for _, id := range m {
				owner[id] = acct
			}
		}
		for _, q := range set.Questions {
			want, ok := ids[f.acct][q.Article]
			if !ok {
				continue
			}
			for _, acct := range []int64{f.acct, other} {
				hits, err := f.svc.Search(ctx, acct, q.Question, 10, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range hits {
					if owner[h.ArticleID] != acct {
						t.Errorf("search in account %d found article %d of account %d", acct, h.ArticleID, owner[h.ArticleID])
					}
				}
				if acct == f.acct && (len(hits) == 0 || hits[0].ArticleID != want) {
					t.Errorf("%q: first hit %+v, want article %d", q.Question, hits, want)
				}
			}
		}

		hits, err := f.svc.Search(ctx, f.acct, "How do I activate an eSIM?", 3, 0)
		if err != nil || len(hits) != 3 {
			t.Fatalf("hits %+v %v", hits, err)
		}
		h := hits[0]
		if h.ArticleID != ids[f.acct]["en-esim"] || h.ArticleTitle != "Activate an eSIM on your phone" || h.Chunk == "" ||
			h.VectorRank < 1 || h.TextRank < 1 || h.TextScore <= 0 || h.Similarity <= 0 || h.Similarity > 1 {
			t.Errorf("first hit %+v", h)
		}
		wantScore := 1/float64(kb.RRFK+h.VectorRank) + 1/float64(kb.RRFK+h.TextRank)
		if math.Abs(h.Score-wantScore) > 1e-12 {
			t.Errorf("fused score %v, want %v", h.Score, wantScore)
		}
		for _, min := range []float64{0.2, 0.99} {
			hits, err := f.svc.Search(ctx, f.acct, "How do I activate an eSIM?", 10, min)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				if h.Similarity < min {
					t.Errorf("min similarity %v kept a hit of %v", min, h.Similarity)
				}
			}
			if min > 0.9 && len(hits) != 0 {
				t.Errorf("min similarity %v kept %d hits", min, len(hits))
			}
		}

		// Unpublishing takes an article out of search at once (on SQLite,
		// past the vector cache).
		esim := ids[f.acct]["en-esim"]
		no := false
		f.tx(t, f.acct, func(tx *store.Tx) error {
			_, err := f.svc.UpdateArticle(ctx, tx, esim, kb.ArticlePatch{Published: &no})
			return err
		})
		hits, err = f.svc.Search(ctx, f.acct, "How do I activate an eSIM?", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.ArticleID == esim {
				t.Errorf("unpublished article found: %+v", h)
			}
		}
		if hits, err := f.svc.Search(ctx, f.acct, " ", 3, 0); err != nil || len(hits) != 0 {
			t.Errorf("blank query: %v %v", hits, err)
		}
		if hits, err := f.svc.Search(ctx, newAccount(t, f.st, "Empty"), "esim", 3, 0); err != nil || len(hits) != 0 {
			t.Errorf("empty knowledge base: %v %v", hits, err)
		}
	})
}
