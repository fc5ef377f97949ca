package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"hummdesk/internal/desk"
)

// KBDim is the embedding dimension both dialects store (vector(384) on
// PostgreSQL, a 1,536-byte BLOB on SQLite).
const KBDim = 384

// KBArticle is a knowledge-base article of an account.
type KBArticle struct {
	ID        int64
	AccountID int64
	Title     string
	Content   string
	Tags      []string
	Published bool
	// Version counts changes to what is embedded (title and content).
	Version int64
	// EmbeddedVersion and Embedder say what the article's chunks were made
	// from; the chunks are current when EmbeddedVersion equals Version and
	// Embedder is the server's embedder.
	EmbeddedVersion int64
	Embedder        string
	EmbeddedAt      *time.Time
	// Chunks is how many chunks the article has.
	Chunks    int
	CreatedAt time.Time
	UpdatedAt time.Time
}

const kbArticleCols = `a.id, a.account_id, a.title, a.content, a.tags, a.published, a.version, a.embedded_version, a.embedder,
	a.embedded_at, (SELECT count(*) FROM kb_chunks c WHERE c.account_id = a.account_id AND c.article_id = a.id), a.created_at, a.updated_at`

func scanKBArticle(r row) (KBArticle, error) {
	var a KBArticle
	var tags string
	err := r.Scan(&a.ID, &a.AccountID, &a.Title, &a.Content, nullString{&tags}, nullBool{&a.Published}, &a.Version,
		&a.EmbeddedVersion, &a.Embedder, nullTimeCol{&a.EmbeddedAt}, &a.Chunks, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	if err != nil {
		return a, err
	}
	a.Tags = []string{}
	if tags != "" {
		if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
			return a, err
		}
	}
	return a, nil
}

func tagsArg(tags []string) string {
	if len(tags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

// KBArticleParams are a new article's fields.
type KBArticleParams struct {
	Title     string
	Content   string
	Tags      []string
	Published bool
}

// KBArticleCreate adds an article at version 1, not yet embedded.
func (t *Tx) KBArticleCreate(ctx context.Context, p KBArticleParams) (KBArticle, error) {
	if err := t.mustAccount(); err != nil {
		return KBArticle{}, err
	}
	var id int64
	err := t.queryRow(ctx, `INSERT INTO kb_articles (account_id, title, content, tags, published, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		t.accountID, p.Title, p.Content, tagsArg(p.Tags), p.Published, t.d.ts(t.now)).Scan(&id)
	if err != nil {
		return KBArticle{}, mapErr(err)
	}
	if err := t.kbTouch(ctx); err != nil {
		return KBArticle{}, err
	}
	return t.KBArticleGet(ctx, id)
}

// KBArticleGet returns one article of the account.
func (t *Tx) KBArticleGet(ctx context.Context, id int64) (KBArticle, error) {
	if err := t.mustAccount(); err != nil {
		return KBArticle{}, err
	}
	a, err := scanKBArticle(t.queryRow(ctx, "SELECT "+kbArticleCols+" FROM kb_articles a WHERE a.account_id = $1 AND a.id = $2",
		t.accountID, id))
	return a, scanErr(err, "article")
}

// KBArticleListParams filters and pages articles (newest first).
type KBArticleListParams struct {
	// Published, when set, keeps only articles with that flag.
	Published *bool
	BeforeID  int64
	Limit     int
}

// KBArticleList lists the account's articles newest first, keyset-paged by
// id.
func (t *Tx) KBArticleList(ctx context.Context, p KBArticleListParams) ([]KBArticle, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	q := "SELECT " + kbArticleCols + " FROM kb_articles a WHERE a.account_id = $1 AND ($2 = 0 OR a.id < $2)"
	args := []any{t.accountID, p.BeforeID}
	if p.Published != nil {
		args = append(args, *p.Published)
		q += " AND a.published = $3"
	}
	args = append(args, p.Limit)
	q += " ORDER BY a.id DESC LIMIT $" + itoa(len(args))
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []KBArticle{}
	for rows.Next() {
		a, err := scanKBArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// KBArticlePatch changes an article; nil fields stay.
type KBArticlePatch struct {
	Title     *string
	Content   *string
	Tags      *[]string
	Published *bool
}

// KBArticleUpdate changes an article. A change of title or content bumps
// its version (the chunks must be made again); reembed reports it.
func (t *Tx) KBArticleUpdate(ctx context.Context, id int64, p KBArticlePatch) (a KBArticle, reembed bool, err error) {
	if err := t.mustAccount(); err != nil {
		return KBArticle{}, false, err
	}
	a, err = scanKBArticle(t.queryRow(ctx, "SELECT "+kbArticleCols+" FROM kb_articles a WHERE a.account_id = $1 AND a.id = $2"+
		t.d.forUpdate(), t.accountID, id))
	if err != nil {
		return a, false, scanErr(err, "article")
	}
	if p.Title != nil && *p.Title != a.Title {
		a.Title, reembed = *p.Title, true
	}
	if p.Content != nil && *p.Content != a.Content {
		a.Content, reembed = *p.Content, true
	}
	if p.Tags != nil {
		a.Tags = append([]string{}, *p.Tags...)
	}
	wasPublished := a.Published
	if p.Published != nil {
		a.Published = *p.Published
	}
	if reembed {
		a.Version++
	}
	a.UpdatedAt = t.now
	if _, err := t.exec(ctx, `UPDATE kb_articles SET title = $3, content = $4, tags = $5, published = $6, version = $7, updated_at = $8
		WHERE account_id = $1 AND id = $2`, t.accountID, id, a.Title, a.Content, tagsArg(a.Tags), a.Published, a.Version,
		t.d.ts(t.now)); err != nil {
		return a, false, err
	}
	if a.Published != wasPublished {
		if _, err := t.exec(ctx, "UPDATE kb_chunks SET published = $3 WHERE account_id = $1 AND article_id = $2",
			t.accountID, id, a.Published); err != nil {
			return a, false, err
		}
	}
	return a, reembed, t.kbTouch(ctx)
}

// KBArticleDelete deletes an article and its chunks.
func (t *Tx) KBArticleDelete(ctx context.Context, id int64) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	n, err := t.exec(ctx, "DELETE FROM kb_articles WHERE account_id = $1 AND id = $2", t.accountID, id)
	if err := affectedOne(n, err, "article"); err != nil {
		return err
	}
	return t.kbTouch(ctx)
}

// kbTouch bumps the account's knowledge-base generation: whatever search
// reads has changed.
func (t *Tx) kbTouch(ctx context.Context) error {
	_, err := t.exec(ctx, `INSERT INTO kb_state (account_id, generation) VALUES ($1, 1)
		ON CONFLICT (account_id) DO UPDATE SET generation = kb_state.generation + 1`, t.accountID)
	return err
}

// KBGeneration is the account's knowledge-base generation: it changes
// whenever an article or chunk is written, so a cache of the account's
// vectors is current while it has not moved.
func (t *Tx) KBGeneration(ctx context.Context) (int64, error) {
	if err := t.mustAccount(); err != nil {
		return 0, err
	}
	var g int64
	err := t.queryRow(ctx, "SELECT generation FROM kb_state WHERE account_id = $1", t.accountID).Scan(&g)
	if isNoRows(err) {
		return 0, nil
	}
	return g, mapErr(err)
}

// KBChunkInput is one chunk of an article with its embedding.
type KBChunkInput struct {
	Content   string
	Embedding []float32
}

// KBChunksReplaceParams replaces an article's chunks with those made from
// one version of it.
type KBChunksReplaceParams struct {
	ArticleID int64
	// Version is the article version the chunks were made from.
	Version  int64
	Embedder string
	Chunks   []KBChunkInput
}

// ErrKBStale is returned by KBChunksReplace when the article changed after
// the chunks were made from it.
var ErrKBStale = errors.New("store: the article changed since its chunks were made")

// KBChunksReplace replaces an article's chunks and records what they were
// made from. It fails with ErrKBStale when the article is no longer at
// p.Version, and with a not-found error when it is gone.
func (t *Tx) KBChunksReplace(ctx context.Context, p KBChunksReplaceParams) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	var version int64
	var title string
	var published bool
	err := t.queryRow(ctx, "SELECT version, title, published FROM kb_articles WHERE account_id = $1 AND id = $2"+t.d.forUpdate(),
		t.accountID, p.ArticleID).Scan(&version, &title, nullBool{&published})
	if err != nil {
		return scanErr(err, "article")
	}
	if version != p.Version {
		return ErrKBStale
	}
	if _, err := t.exec(ctx, "DELETE FROM kb_chunks WHERE account_id = $1 AND article_id = $2", t.accountID, p.ArticleID); err != nil {
		return err
	}
	for i, c := range p.Chunks {
		if len(c.Embedding) != KBDim {
			return desk.Errorf(desk.KindInvalid, "embedding of chunk %d has %d dimensions, want %d", i, len(c.Embedding), KBDim)
		}
		vec := t.d.vectorArg(c.Embedding)
		if _, err := t.exec(ctx, `INSERT INTO kb_chunks (account_id, article_id, ordinal, title, content, published, embedder, dim, embedding, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, `+t.d.vectorParam("$9")+`, $10)`,
			t.accountID, p.ArticleID, i, title, c.Content, published, p.Embedder, KBDim, vec, t.d.ts(t.now)); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, `UPDATE kb_articles SET embedded_version = $3, embedder = $4, embedded_at = $5
		WHERE account_id = $1 AND id = $2`, t.accountID, p.ArticleID, p.Version, p.Embedder, t.d.ts(t.now)); err != nil {
		return err
	}
	return t.kbTouch(ctx)
}

// KBChunk is a stored chunk, without its embedding.
type KBChunk struct {
	ID        int64
	ArticleID int64
	Ordinal   int
	Title     string
	Content   string
	Embedder  string
	Dim       int
	CreatedAt time.Time
}

// KBChunkList lists an article's chunks in order.
func (t *Tx) KBChunkList(ctx context.Context, articleID int64) ([]KBChunk, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT id, article_id, ordinal, title, content, embedder, dim, created_at FROM kb_chunks
		WHERE account_id = $1 AND article_id = $2 ORDER BY ordinal`, t.accountID, articleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []KBChunk{}
	for rows.Next() {
		var c KBChunk
		if err := rows.Scan(&c.ID, &c.ArticleID, &c.Ordinal, &c.Title, &c.Content, &c.Embedder, &c.Dim, timeCol{&c.CreatedAt}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// KBScored is a chunk with a score: a cosine similarity from KBNearest, a
// text score (higher is better) from KBTextSearch.
type KBScored struct {
	ChunkID   int64
	ArticleID int64
	Score     float64
}

// DefaultEfSearch is the HNSW candidate list size of a search. On the
// benchmark's 1,000,000 clustered chunks, one index build gave recall@10
// 0.953 at 100 and another 0.945; at 128 it gave 0.961 with a p95 of 6 ms
// (`go run ./cmd/hummdesk-bench -only kb -kb-ef-search N` measures others).
const DefaultEfSearch = 128

// KBNearest returns the limit chunks of the account's published articles
// nearest to vec by cosine similarity, among those embedded by embedder,
// best first. It runs on PostgreSQL only; on SQLite search the vectors from
// KBVectorsLoad in process. efSearch is the HNSW candidate list size (0:
// 2×limit, at least DefaultEfSearch).
//
// The query reads kb_chunks alone and is planned for the account at hand
// (a custom plan, against the transaction's generic-plan default): for an
// account with many chunks PostgreSQL walks the HNSW index, and iterative
// scans go on past ef_search until enough of the account's chunks pass the
// filter; for a small one it reads the account's chunks by index and sorts
// them exactly, which is faster there than filtering a graph of everyone's.
func (t *Tx) KBNearest(ctx context.Context, vec []float32, embedder string, limit, efSearch int) ([]KBScored, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	if t.d != Postgres {
		return nil, errors.New("store: KBNearest needs PostgreSQL; search KBVectorsLoad's vectors on SQLite")
	}
	if efSearch <= 0 {
		efSearch = max(DefaultEfSearch, 2*limit)
	}
	if _, err := t.exec(ctx, `SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', $1, true),
		set_config('plan_cache_mode', 'force_custom_plan', true)`, strconv.Itoa(min(efSearch, 1000))); err != nil {
		return nil, err
	}
	// relaxed_order may return neighbours slightly out of order; they are
	// sorted here.
	rows, err := t.query(ctx, `SELECT c.id, c.article_id, c.embedding <=> $2::vector AS distance FROM kb_chunks c
		WHERE c.account_id = $1 AND c.embedder = $3 AND c.published
		ORDER BY c.embedding <=> $2::vector LIMIT $4`,
		t.accountID, vectorLiteral(vec), embedder, limit)
	if err != nil {
		return nil, err
	}
	out, err := scanScored(rows)
	if err != nil {
		return nil, err
	}
	if _, err := t.exec(ctx, "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Score = 1 - out[i].Score
	}
	slices.SortStableFunc(out, func(a, b KBScored) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ChunkID, b.ChunkID)
	})
	return out, nil
}

func scanScored(rows rows) ([]KBScored, error) {
	defer rows.Close()
	out := []KBScored{}
	for rows.Next() {
		var s KBScored
		if err := rows.Scan(&s.ChunkID, &s.ArticleID, &s.Score); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// KBVectors is every embedding of an account's published articles made by
// one embedder, packed for an in-process search: the vector of chunk
// ChunkIDs[i] is Data[i*Dim : (i+1)*Dim].
type KBVectors struct {
	// Generation is the account's KBGeneration the vectors were read at.
	Generation int64
	Dim        int
	ChunkIDs   []int64
	ArticleIDs []int64
	Data       []float32
}

// KBVectorsLoad reads the account's vectors for an in-process search (the
// SQLite path of KBNearest).
func (t *Tx) KBVectorsLoad(ctx context.Context, embedder string) (KBVectors, error) {
	v := KBVectors{Dim: KBDim}
	var err error
	if v.Generation, err = t.KBGeneration(ctx); err != nil {
		return v, err
	}
	embedding := "c.embedding"
	if t.d == Postgres {
		embedding = "c.embedding::text"
	}
	rows, err := t.query(ctx, `SELECT c.id, c.article_id, `+embedding+` FROM kb_chunks c
		WHERE c.account_id = $1 AND c.embedder = $2 AND c.dim = $3 AND c.published ORDER BY c.id`, t.accountID, embedder, KBDim)
	if err != nil {
		return v, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, article int64
		var raw vectorCol
		if err := rows.Scan(&id, &article, &raw); err != nil {
			return v, err
		}
		if len(raw.v) != KBDim {
			return v, errors.New("store: stored embedding has the wrong dimension")
		}
		v.ChunkIDs = append(v.ChunkIDs, id)
		v.ArticleIDs = append(v.ArticleIDs, article)
		v.Data = append(v.Data, raw.v...)
	}
	return v, rows.Err()
}

// KBTextTerm is one word of a full-text query; Prefix also matches words
// that start with it. Characters other than letters and digits are
// dropped.
type KBTextTerm struct {
	Word   string
	Prefix bool
}

// KBTextSearch returns up to limit chunks of the account's published
// articles that contain any of the terms, best first: PostgreSQL ranks with
// ts_rank over the 'simple' configuration (title words weigh more), SQLite
// with FTS5's bm25 (negated, so higher is better there too).
//
// On PostgreSQL the search runs in hummdesk_kb_text_search (migration
// 0011), which filters by the transaction's account itself so that the GIN
// index on tsv can serve @@: under the tenant policy it could not, since @@
// is not LEAKPROOF, and every chunk of the account would be read and tested.
func (t *Tx) KBTextSearch(ctx context.Context, terms []KBTextTerm, limit int) ([]KBScored, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	var parts []string
	for _, term := range terms {
		w := cleanTerm(term.Word)
		if w == "" {
			continue
		}
		switch {
		case t.d == Postgres && term.Prefix:
			parts = append(parts, "'"+w+"':*")
		case t.d == Postgres:
			parts = append(parts, "'"+w+"'")
		case term.Prefix:
			parts = append(parts, `"`+w+`"*`)
		default:
			parts = append(parts, `"`+w+`"`)
		}
	}
	if len(parts) == 0 {
		return []KBScored{}, nil
	}
	var rows rows
	var err error
	if t.d == Postgres {
		// ts_rank normalization 1 divides by 1 + log(length), so long chunks
		// do not win on length alone.
		rows, err = t.query(ctx, `SELECT id, article_id, rank
			FROM hummdesk_kb_text_search(to_tsquery('simple', $1), $2)`, strings.Join(parts, " | "), limit)
	} else {
		rows, err = t.query(ctx, `SELECT c.id, c.article_id, -bm25(kb_chunks_fts, 2.0, 1.0) AS score
			FROM kb_chunks_fts JOIN kb_chunks c ON c.id = kb_chunks_fts.rowid
			WHERE kb_chunks_fts MATCH $2 AND c.account_id = $1 AND c.published
			ORDER BY score DESC, c.id LIMIT $3`, t.accountID, strings.Join(parts, " OR "), limit)
	}
	if err != nil {
		return nil, err
	}
	return scanScored(rows)
}

// isWordRune reports whether r belongs to a word: a letter or a digit.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// cleanTerm keeps the letters and digits of w, lower-cased.
func cleanTerm(w string) string {
	return strings.Map(func(r rune) rune {
		if isWordRune(r) {
			return r
		}
		return -1
	}, strings.ToLower(w))
}

// KBChunkHit is a chunk found by a search, with its article's title and
// its cosine similarity to the query vector.
type KBChunkHit struct {
	KBChunk
	ArticleTitle string
	Similarity   float64
}

// KBChunksByID returns the account's chunks with the given ids (any order;
// missing ids are left out) with their cosine similarity to vec.
func (t *Tx) KBChunksByID(ctx context.Context, ids []int64, vec []float32) ([]KBChunkHit, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	out := []KBChunkHit{}
	if len(ids) == 0 {
		return out, nil
	}
	cols := `c.id, c.article_id, c.ordinal, c.title, c.content, c.embedder, c.dim, c.created_at, a.title, `
	var rows rows
	var err error
	if t.d == Postgres {
		rows, err = t.query(ctx, "SELECT "+cols+`1 - (c.embedding <=> $3::vector)
			FROM kb_chunks c JOIN kb_articles a ON a.account_id = c.account_id AND a.id = c.article_id
			WHERE c.account_id = $1 AND c.id = ANY($2)`, t.accountID, ids, vectorLiteral(vec))
	} else {
		list, _ := json.Marshal(ids)
		rows, err = t.query(ctx, "SELECT "+cols+`c.embedding
			FROM kb_chunks c JOIN kb_articles a ON a.account_id = c.account_id AND a.id = c.article_id
			WHERE c.account_id = $1 AND c.id IN (SELECT value FROM json_each($2))`, t.accountID, string(list))
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h KBChunkHit
		dest := []any{&h.ID, &h.ArticleID, &h.Ordinal, &h.Title, &h.Content, &h.Embedder, &h.Dim, timeCol{&h.CreatedAt}, &h.ArticleTitle}
		var raw vectorCol
		if t.d == Postgres {
			dest = append(dest, &h.Similarity)
		} else {
			dest = append(dest, &raw)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if t.d != Postgres {
			h.Similarity = Cosine(raw.v, vec)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// KBArticleRef names one article version across accounts.
type KBArticleRef struct {
	AccountID int64
	ArticleID int64
	Version   int64
}

// KBArticlesStale lists, across accounts, articles whose chunks are not
// current for embedder: never embedded, embedded from an older version, or
// by another embedder. It pages by article id (afterID) and needs a
// SystemTx.
func (t *Tx) KBArticlesStale(ctx context.Context, embedder string, afterID int64, limit int) ([]KBArticleRef, error) {
	if err := t.mustSystem(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT account_id, id, version FROM kb_articles
		WHERE id > $1 AND (embedded_version <> version OR embedder <> $2) ORDER BY id LIMIT $3`, afterID, embedder, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []KBArticleRef
	for rows.Next() {
		var r KBArticleRef
		if err := rows.Scan(&r.AccountID, &r.ArticleID, &r.Version); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Cosine is the cosine similarity of two vectors of equal length (0 when
// either is zero or their lengths differ).
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// vectorLiteral is pgvector's text form of v: [1,2.5,-3].
func vectorLiteral(v []float32) string {
	b := make([]byte, 0, len(v)*12+2)
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	}
	return string(append(b, ']'))
}

// VectorBlob is SQLite's encoding of an embedding: little-endian float32s.
func VectorBlob(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// vectorArg encodes an embedding argument for the dialect.
func (d Dialect) vectorArg(v []float32) any {
	if d == SQLite {
		return VectorBlob(v)
	}
	return vectorLiteral(v)
}

// vectorParam is the placeholder of a vector argument made by vectorArg.
func (d Dialect) vectorParam(p string) string {
	if d == SQLite {
		return p
	}
	return p + "::vector"
}

// vectorCol scans an embedding stored as a SQLite BLOB or a pgvector text
// value.
type vectorCol struct{ v []float32 }

func (c *vectorCol) Scan(src any) error {
	switch s := src.(type) {
	case []byte:
		if len(s)%4 != 0 {
			return errors.New("scan vector: blob length is not a multiple of 4")
		}
		c.v = make([]float32, len(s)/4)
		for i := range c.v {
			c.v[i] = math.Float32frombits(binary.LittleEndian.Uint32(s[4*i:]))
		}
		return nil
	case string:
		return c.parse(s)
	}
	return errors.New("scan vector: unsupported type")
}

func (c *vectorCol) parse(s string) error {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "["), "]")
	c.v = c.v[:0]
	if s == "" {
		return nil
	}
	for _, f := range strings.Split(s, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
		if err != nil {
			return err
		}
		c.v = append(c.v, float32(x))
	}
	return nil
}
