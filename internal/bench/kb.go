package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"hummdesk/internal/kb"
	"hummdesk/internal/store"
)

// Knowledge-base search targets (PostgreSQL, 1,000,000 chunks).
const (
	KBTargetP95    = 20 * time.Millisecond
	KBTargetRecall = 0.95
	// KBDatabase is the PostgreSQL database the KB benchmark seeds once and
	// reuses.
	KBDatabase = "hummdesk_kbbench"
)

// KBOptions configures RunKB.
type KBOptions struct {
	// ServerURL is a superuser URL of the PostgreSQL server ("" skips
	// PostgreSQL).
	ServerURL string
	Database  string
	// Chunks and Accounts shape the PostgreSQL data set: Chunks spread
	// evenly over Accounts, ten chunks an article.
	Chunks   int
	Accounts int
	// SQLiteChunks is the size of the SQLite data set, one account (0
	// skips SQLite).
	SQLiteChunks int
	// Queries is how many searches each measurement runs.
	Queries int
	// EfSearch is HNSW's candidate list size for the top-10 measurement
	// (0: the store's default, 100).
	EfSearch int
	Reseed   bool
	Out      io.Writer
}

// KBResult is one dialect's knowledge-base search figures.
type KBResult struct {
	Dialect       string
	Chunks        int
	AccountChunks int
	// Vector is the latency of a top-10 nearest-neighbour search of one
	// account (its own transaction, row-level security included on
	// PostgreSQL); Recall is its recall@10 against an exact search.
	Vector []time.Duration
	Recall float64
	// Hybrid is the latency of kb.Service.Search (k=5): vector and full
	// text, fused, chunks fetched.
	Hybrid []time.Duration
	// Cold is SQLite's first search, which loads the account's vectors.
	Cold     time.Duration
	Seed     time.Duration
	Index    time.Duration
	Reused   bool
	IndexMiB float64
}

// The synthetic corpus: kbTopics topics, each with a centre vector and a
// few words of its own, and articles of ten chunks. Vectors are clustered
// the way real embeddings are (random vectors would make recall
// meaningless): a chunk is its topic's centre, plus its article's offset
// (0.8 of the centre's length), plus noise of its own (0.7). Two chunks of
// an article then have a cosine of about 0.77, two of a topic about 0.47,
// and a query made the same way from one article finds that article's
// chunks at about 0.8, other articles of its topic at about 0.5.
const (
	kbTopics        = 1000
	kbTopicWords    = 6
	kbChunksPerArt  = 10
	kbEmbedder      = "bench-synthetic-v1"
	kbDim           = store.KBDim
	kbSeedVersion   = "v3"
	kbArticleSpread = 0.8
	kbChunkNoise    = 0.7
)

var kbSyllables = strings.Fields("ka lo mi ne su ta ri vo pe lu ha ji ko ma na sa te vi yo zu")

var kbFiller = strings.Fields(`the account service customer setting page app phone plan invoice data network
	support help order change update open select choose check use your our with from after before when every`)

// kbCorpus generates the synthetic corpus deterministically.
type kbCorpus struct {
	centres [][]float32
	words   [][]string
}

func newKBCorpus() *kbCorpus {
	c := &kbCorpus{}
	rng := rand.New(rand.NewPCG(42, 1))
	for range kbTopics {
		v := make([]float32, kbDim)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		c.centres = append(c.centres, normalize(v))
		var ws []string
		for range kbTopicWords {
			w := ""
			for range 3 {
				w += kbSyllables[rng.IntN(len(kbSyllables))]
			}
			ws = append(ws, w)
		}
		c.words = append(c.words, ws)
	}
	return c
}

func normalize(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i] = float32(float64(v[i]) / n)
	}
	return v
}

// topicOf is the topic of article a (global index).
func topicOf(a int) int { return int((uint64(a)*2654435761 + 17) % kbTopics) }

// chunk returns the vector and text of chunk i (global index); its article
// is i / kbChunksPerArt.
func (c *kbCorpus) chunk(i int) ([]float32, string) {
	a := i / kbChunksPerArt
	t := topicOf(a)
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	return c.near(a, rng), c.text(t, rng, 40)
}

// near is a vector near article a: its topic's centre, its article's
// offset, and noise from rng.
func (c *kbCorpus) near(a int, rng *rand.Rand) []float32 {
	off := rand.New(rand.NewPCG(uint64(a), 11))
	v := make([]float32, kbDim)
	sd := 1 / math.Sqrt(kbDim)
	for j := range v {
		v[j] = c.centres[topicOf(a)][j] + float32(kbArticleSpread*off.NormFloat64()*sd+kbChunkNoise*rng.NormFloat64()*sd)
	}
	return normalize(v)
}

func (c *kbCorpus) text(t int, rng *rand.Rand, n int) string {
	ws := make([]string, n)
	for j := range ws {
		if j%5 == 0 {
			ws[j] = c.words[t][rng.IntN(kbTopicWords)]
		} else {
			ws[j] = kbFiller[rng.IntN(len(kbFiller))]
		}
	}
	return strings.Join(ws, " ")
}

// kbQuery is one search: a text of its topic's words and a vector near its
// topic's centre.
type kbQuery struct {
	text string
	vec  []float32
}

// queries makes n queries, each about an article among the chunks
// [lo, hi).
func (c *kbCorpus) queries(n, lo, hi int) []kbQuery {
	rng := rand.New(rand.NewPCG(99, uint64(lo)))
	out := make([]kbQuery, n)
	for i := range out {
		a := (lo + rng.IntN(hi-lo)) / kbChunksPerArt
		t := topicOf(a)
		out[i] = kbQuery{text: c.words[t][0] + " " + c.words[t][1], vec: c.near(a, rng)}
	}
	return out
}

// queryEmbedder stands in for a real embedder so that searches run on the
// synthetic vectors: it answers every text with the vector of the query
// being measured (the measurements run one query at a time).
type queryEmbedder struct {
	mu  sync.Mutex
	vec []float32
}

func (e *queryEmbedder) Name() string { return kbEmbedder }
func (e *queryEmbedder) Dim() int     { return kbDim }
func (e *queryEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([][]float32, len(texts))
	for i := range texts {
		out[i] = e.vec
	}
	return out, nil
}

func (e *queryEmbedder) set(v []float32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vec = v
}

// exactTop returns the ids of the k chunks of [lo, hi) nearest to q, with
// chunk id = global index + 1.
func (c *kbCorpus) exactTop(q []float32, lo, hi, k int, vecs [][]float32) []int64 {
	type sc struct {
		id  int64
		sim float64
	}
	best := make([]sc, 0, k+1)
	for i := lo; i < hi; i++ {
		s := store.Cosine(q, vecs[i-lo])
		if len(best) < k || s > best[len(best)-1].sim {
			best = append(best, sc{int64(i + 1), s})
			slices.SortFunc(best, func(a, b sc) int {
				if a.sim > b.sim {
					return -1
				}
				if a.sim < b.sim {
					return 1
				}
				return 0
			})
			if len(best) > k {
				best = best[:k]
			}
		}
	}
	out := make([]int64, len(best))
	for i, b := range best {
		out[i] = b.id
	}
	return out
}

func recallOf(got, want []int64) float64 {
	if len(want) == 0 {
		return 1
	}
	n := 0
	for _, id := range want {
		if slices.Contains(got, id) {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// vectorBinary is pgvector's binary form: dimension, unused, float32s
// (big-endian). COPY takes it as raw bytes.
func vectorBinary(v []float32) []byte {
	b := make([]byte, 4+4*len(v))
	binary.BigEndian.PutUint16(b, uint16(len(v)))
	for i, x := range v {
		binary.BigEndian.PutUint32(b[4+4*i:], math.Float32bits(x))
	}
	return b
}

// RunKB measures knowledge-base search on PostgreSQL (pgvector HNSW with
// iterative scans) and on SQLite (in-process exact scan), and prints the
// figures against the targets.
func RunKB(ctx context.Context, o KBOptions) ([]KBResult, error) {
	if o.Database == "" {
		o.Database = KBDatabase
	}
	if o.Chunks <= 0 {
		o.Chunks = 1_000_000
	}
	if o.Accounts <= 0 {
		o.Accounts = 20
	}
	if o.Queries <= 0 {
		o.Queries = 200
	}
	if o.Chunks%(o.Accounts*kbChunksPerArt) != 0 {
		return nil, fmt.Errorf("bench: %d chunks do not split into %d accounts of whole articles", o.Chunks, o.Accounts)
	}
	w := o.Out
	corpus := newKBCorpus()
	var out []KBResult
	if o.ServerURL != "" {
		r, err := runKBPostgres(ctx, o, corpus)
		if err != nil {
			return out, err
		}
		out = append(out, r)
		writeKB(w, r, true)
	}
	if o.SQLiteChunks > 0 {
		r, err := runKBSQLite(ctx, o, corpus)
		if err != nil {
			return out, err
		}
		out = append(out, r)
		writeKB(w, r, false)
	}
	return out, nil
}

func writeKB(w io.Writer, r KBResult, targets bool) {
	fmt.Fprintf(w, "\nknowledge-base search, %s: %s chunks, %s in the searched account\n", r.Dialect, thousands(r.Chunks), thousands(r.AccountChunks))
	if r.Reused {
		fmt.Fprintf(w, "  reused the data seeded earlier (-reseed to seed again)\n")
	} else if r.Index > 0 {
		fmt.Fprintf(w, "  seeded in %s, indexes built in %s\n", r.Seed.Round(time.Second), r.Index.Round(time.Second))
	} else if r.Seed > 0 {
		fmt.Fprintf(w, "  seeded in %s\n", r.Seed.Round(time.Second))
	}
	if r.IndexMiB > 0 {
		fmt.Fprintf(w, "  HNSW index: %.0f MiB\n", r.IndexMiB)
	}
	if r.Cold > 0 {
		fmt.Fprintf(w, "  first search (loads the account's vectors): %s\n", ms(r.Cold))
	}
	line := func(name string, ds []time.Duration) {
		fmt.Fprintf(w, "  %-28s p50 %s  p95 %s  p99 %s  (%d queries)\n", name, ms(percentile(ds, 50)), ms(percentile(ds, 95)),
			ms(percentile(ds, 99)), len(ds))
	}
	line("top-10 vector search", r.Vector)
	fmt.Fprintf(w, "  recall@10 against exact search: %.3f\n", r.Recall)
	line("hybrid search (k=5)", r.Hybrid)
	if targets {
		fmt.Fprintf(w, "  target p95 < %s: %s; target recall@10 >= %.2f: %s\n", ms(KBTargetP95),
			verdict(percentile(r.Vector, 95) < KBTargetP95 && percentile(r.Hybrid, 95) < KBTargetP95), KBTargetRecall, verdict(r.Recall >= KBTargetRecall))
	}
}

func (o KBOptions) marker() string {
	return fmt.Sprintf("hummdesk kb bench %s: %d chunks, %d accounts", kbSeedVersion, o.Chunks, o.Accounts)
}

func runKBPostgres(ctx context.Context, o KBOptions, c *kbCorpus) (KBResult, error) {
	r := KBResult{Dialect: "postgres", Chunks: o.Chunks, AccountChunks: o.Chunks / o.Accounts}
	dbURL, err := DatabaseURL(o.ServerURL, o.Database)
	if err != nil {
		return r, err
	}
	admin, err := pgx.Connect(ctx, o.ServerURL)
	if err != nil {
		return r, fmt.Errorf("bench: connect: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	var comment *string
	err = admin.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", o.Database).Scan(&comment)
	exists := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return r, err
	}
	quoted := pgx.Identifier{o.Database}.Sanitize()
	if exists && !o.Reseed && comment != nil && *comment == o.marker() {
		r.Reused = true
	} else {
		if exists {
			if _, err := admin.Exec(ctx, "DROP DATABASE "+quoted+" WITH (FORCE)"); err != nil {
				return r, err
			}
		}
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+quoted); err != nil {
			return r, err
		}
		if err := seedKBPostgres(ctx, o, c, dbURL, &r); err != nil {
			return r, err
		}
		if _, err := admin.Exec(ctx, "COMMENT ON DATABASE "+quoted+" IS '"+o.marker()+"'"); err != nil {
			return r, err
		}
	}
	st, err := store.Open(ctx, dbURL, store.Options{MaxConns: 4})
	if err != nil {
		return r, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return r, err
	}
	_ = st.Pool().QueryRow(ctx, "SELECT pg_relation_size('kb_chunks_embedding_idx') / 1048576.0").Scan(&r.IndexMiB)

	// The searched account is the middle one; its chunks are the global
	// indexes [lo, hi).
	acct := o.Accounts/2 + 1
	lo, hi := (acct-1)*r.AccountChunks, acct*r.AccountChunks
	vecs := make([][]float32, hi-lo)
	for i := lo; i < hi; i++ {
		vecs[i-lo], _ = c.chunk(i)
	}
	qs := c.queries(o.Queries, lo, hi)
	return r, measureKB(ctx, st, int64(acct), qs, c, lo, hi, vecs, o.EfSearch, &r)
}

// measureKB runs the vector and hybrid measurements on a prepared store.
func measureKB(ctx context.Context, st *store.Store, acct int64, qs []kbQuery, c *kbCorpus, lo, hi int, vecs [][]float32, ef int, r *KBResult) error {
	emb := &queryEmbedder{}
	svc, err := kb.NewService(kb.Options{Store: st, Embedder: emb})
	if err != nil {
		return err
	}
	// Warm up caches (buffers on PostgreSQL, the vector cache on SQLite).
	start := time.Now()
	emb.set(qs[0].vec)
	if _, err := svc.Search(ctx, acct, qs[0].text, 5, 0); err != nil {
		return err
	}
	r.Cold = time.Since(start)
	if st.Dialect() == store.Postgres {
		r.Cold = 0
		for _, q := range qs[:min(len(qs), 20)] {
			emb.set(q.vec)
			if _, err := svc.Search(ctx, acct, q.text, 5, 0); err != nil {
				return err
			}
		}
	}
	var recall float64
	for _, q := range qs {
		var got []int64
		start := time.Now()
		if st.Dialect() == store.Postgres {
			err = st.ReadTx(ctx, acct, func(tx *store.Tx) error {
				near, err := tx.KBNearest(ctx, q.vec, kbEmbedder, 10, ef)
				for _, n := range near {
					got = append(got, n.ChunkID)
				}
				return err
			})
		} else {
			// A query without text matches ranks by vector alone.
			var hits []kb.Hit
			emb.set(q.vec)
			hits, err = svc.Search(ctx, acct, "zzzq", 10, 0)
			for _, h := range hits {
				got = append(got, h.ChunkID)
			}
		}
		if err != nil {
			return err
		}
		r.Vector = append(r.Vector, time.Since(start))
		recall += recallOf(got, c.exactTop(q.vec, lo, hi, 10, vecs))
	}
	r.Recall = recall / float64(len(qs))
	for _, q := range qs {
		emb.set(q.vec)
		start := time.Now()
		hits, err := svc.Search(ctx, acct, q.text, 5, 0)
		if err != nil {
			return err
		}
		r.Hybrid = append(r.Hybrid, time.Since(start))
		if len(hits) == 0 {
			return fmt.Errorf("bench: query %q found nothing", q.text)
		}
	}
	return nil
}

func seedKBPostgres(ctx context.Context, o KBOptions, c *kbCorpus, dbURL string, r *KBResult) error {
	logf := func(format string, args ...any) { fmt.Fprintf(o.Out, "  "+format+"\n", args...) }
	start := time.Now()
	st, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	_, err = st.Migrate(ctx)
	st.Close()
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// Indexes are built after the load, which is much faster than
	// maintaining them row by row.
	for _, q := range []string{
		"DROP INDEX kb_chunks_embedding_idx", "DROP INDEX kb_chunks_tsv_idx", "DROP INDEX kb_chunks_article_idx",
		"ALTER TABLE kb_chunks DROP CONSTRAINT kb_chunks_article_id_ordinal_key",
		fmt.Sprintf("INSERT INTO accounts (id, name, created_at) SELECT g, 'KB bench ' || g, now() FROM generate_series(1, %d) g", o.Accounts),
		"INSERT INTO kb_state (account_id, generation) SELECT id, 1 FROM accounts",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("bench: %s: %w", q, err)
		}
	}
	articles := o.Chunks / kbChunksPerArt
	perAccount := articles / o.Accounts
	now := time.Now().UTC()
	logf("loading %s articles and %s chunks of %d dimensions (COPY)", thousands(articles), thousands(o.Chunks), kbDim)
	if _, err := copyRows(ctx, conn, "kb_articles", []string{"id", "account_id", "title", "content", "tags", "published", "version",
		"embedded_version", "embedder", "embedded_at", "created_at", "updated_at"}, articles, func(i int) []any {
		return []any{int64(i + 1), int64(i/perAccount + 1), fmt.Sprintf("Topic %d article %d", topicOf(i), i+1), "(synthetic)", "[]",
			true, int64(1), int64(1), kbEmbedder, now, now, now}
	}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "kb_chunks", []string{"id", "account_id", "article_id", "ordinal", "title", "content", "published",
		"embedder", "dim", "embedding", "created_at"}, o.Chunks, func(i int) []any {
		v, text := c.chunk(i)
		art := i / kbChunksPerArt
		if (i+1)%100_000 == 0 {
			logf("%s chunks", thousands(i+1))
		}
		return []any{int64(i + 1), int64(art/perAccount + 1), int64(art + 1), int32(i % kbChunksPerArt),
			fmt.Sprintf("Topic %d article %d", topicOf(art), art+1), text, true, kbEmbedder, int32(kbDim), vectorBinary(v), now}
	}); err != nil {
		return err
	}
	r.Seed = time.Since(start)
	logf("loaded in %s; building indexes", r.Seed.Round(time.Second))
	start = time.Now()
	for _, q := range []string{
		"SET maintenance_work_mem = '6GB'", "SET max_parallel_maintenance_workers = 1",
		"SELECT setval(pg_get_serial_sequence('kb_articles', 'id'), (SELECT max(id) FROM kb_articles))",
		"SELECT setval(pg_get_serial_sequence('kb_chunks', 'id'), (SELECT max(id) FROM kb_chunks))",
		"ALTER TABLE kb_chunks ADD CONSTRAINT kb_chunks_article_id_ordinal_key UNIQUE (article_id, ordinal)",
		"CREATE INDEX kb_chunks_article_idx ON kb_chunks (account_id, article_id, ordinal)",
		"CREATE INDEX kb_chunks_tsv_idx ON kb_chunks USING gin (tsv)",
		"CREATE INDEX kb_chunks_embedding_idx ON kb_chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 128)",
		"VACUUM ANALYZE kb_articles", "VACUUM ANALYZE kb_chunks",
	} {
		t := time.Now()
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("bench: %s: %w", q, err)
		}
		if d := time.Since(t); d > 5*time.Second {
			logf("%s: %s", q, d.Round(time.Second))
		}
	}
	r.Index = time.Since(start)
	return nil
}

func runKBSQLite(ctx context.Context, o KBOptions, c *kbCorpus) (KBResult, error) {
	n := o.SQLiteChunks - o.SQLiteChunks%kbChunksPerArt
	r := KBResult{Dialect: "sqlite", Chunks: n, AccountChunks: n}
	dir, err := os.MkdirTemp("", "hummdesk-kb-bench-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "kb.db"), store.Options{})
	if err != nil {
		return r, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return r, err
	}
	var acct int64
	if err := st.SystemTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountCreate(ctx, "KB bench")
		acct = a.ID
		return err
	}); err != nil {
		return r, err
	}
	start := time.Now()
	vecs := make([][]float32, n)
	const perTx = 100
	for first := 0; first < n/kbChunksPerArt; first += perTx {
		err := st.Tx(ctx, acct, func(tx *store.Tx) error {
			for a := first; a < min(first+perTx, n/kbChunksPerArt); a++ {
				art, err := tx.KBArticleCreate(ctx, store.KBArticleParams{Title: fmt.Sprintf("Topic %d article %d", topicOf(a), a+1),
					Content: "(synthetic)", Published: true})
				if err != nil {
					return err
				}
				p := store.KBChunksReplaceParams{ArticleID: art.ID, Version: 1, Embedder: kbEmbedder}
				for j := range kbChunksPerArt {
					i := a*kbChunksPerArt + j
					v, text := c.chunk(i)
					vecs[i] = v
					p.Chunks = append(p.Chunks, store.KBChunkInput{Content: text, Embedding: v})
				}
				if err := tx.KBChunksReplace(ctx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return r, err
		}
	}
	r.Seed = time.Since(start)
	// Chunk ids are 1..n in insertion order (AUTOINCREMENT on a fresh
	// table), as exactTop assumes.
	qs := c.queries(o.Queries, 0, n)
	return r, measureKB(ctx, st, acct, qs, c, 0, n, vecs, 0, &r)
}
