package kb

import (
	"cmp"
	"container/heap"
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"hummdesk/internal/store"
)

// Search defaults.
const (
	// RRFK is the k of reciprocal rank fusion: a hit at rank r in one list
	// adds 1/(RRFK + r) to its score.
	RRFK = 60
	// Candidates is how many hits each of the two searches contributes to
	// the fusion. 30 keeps recall@3 on the labelled questions (0.977, as
	// with 50) and the PostgreSQL hybrid search's p95 at 14 ms instead of 19
	// on the benchmark's million chunks (a longer HNSW walk for 50).
	Candidates = 30
	// MaxK caps the hits a search returns.
	MaxK = 50
)

// Hit is one chunk a search found, with every score that placed it.
type Hit struct {
	ArticleID    int64
	ArticleTitle string
	ChunkID      int64
	// Ordinal is the chunk's position in its article (0-based).
	Ordinal int
	// Chunk is the chunk's text.
	Chunk string
	// Similarity is the cosine similarity of the query's and the chunk's
	// embeddings, -1..1 (0 for a chunk not yet embedded by the current
	// embedder).
	Similarity float64
	// VectorRank is the hit's 1-based place among the nearest neighbours
	// of the query (0: not among the Candidates nearest).
	VectorRank int
	// TextRank is the hit's 1-based place in the full-text results (0: the
	// chunk shares no word with the query).
	TextRank int
	// TextScore is the full-text engine's relevance: ts_rank on
	// PostgreSQL, -bm25 on SQLite (0 without a text match).
	TextScore float64
	// Score is the fused score: the sum over both lists of
	// 1/(RRFK + rank).
	Score float64
}

// Query is a search.
type Query struct {
	Text string
	// K is how many hits to return (default 5, at most MaxK).
	K int
	// MinSimilarity drops hits whose Similarity is below it (0: keep all;
	// negative similarities are dropped only by a positive minimum).
	MinSimilarity float64
}

// Search runs a hybrid search of an account's published articles in a
// transaction of its own: the K best chunks by fused score, each with a
// similarity of at least minSimilarity. Drafts call it as
// Search(ctx, accountID, question, 3, threshold).
func (s *Service) Search(ctx context.Context, accountID int64, text string, k int, minSimilarity float64) ([]Hit, error) {
	var hits []Hit
	err := s.store.ReadTx(ctx, accountID, func(tx *store.Tx) (err error) {
		hits, err = s.SearchTx(ctx, tx, Query{Text: text, K: k, MinSimilarity: minSimilarity})
		return err
	})
	return hits, err
}

// SearchTx is Search in the caller's account transaction.
//
// Two searches run over the account's published articles: the Candidates
// chunks nearest to the query's embedding (pgvector's HNSW index on
// PostgreSQL; an exact scan of the account's vectors, cached in memory, on
// SQLite), and the Candidates best full-text matches of the query's
// content words (PostgreSQL full text with the 'simple' configuration;
// SQLite FTS5). Reciprocal rank fusion merges the two lists; the fused
// score orders the hits.
func (s *Service) SearchTx(ctx context.Context, tx *store.Tx, q Query) ([]Hit, error) {
	k := q.K
	if k <= 0 {
		k = 5
	}
	k = min(k, MaxK)
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return []Hit{}, nil
	}
	vecs, err := s.emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	vec := vecs[0]
	var nearest []store.KBScored
	if tx.Dialect() == store.Postgres {
		nearest, err = tx.KBNearest(ctx, vec, s.emb.Name(), Candidates, 0)
	} else {
		nearest, err = s.cache.nearest(ctx, tx, s.emb.Name(), vec, Candidates)
	}
	if err != nil {
		return nil, err
	}
	matches, err := tx.KBTextSearch(ctx, textTerms(text), Candidates)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Hit{}
	var ids []int64
	hit := func(id int64) *Hit {
		h := byID[id]
		if h == nil {
			h = &Hit{ChunkID: id}
			byID[id] = h
			ids = append(ids, id)
		}
		return h
	}
	for i, n := range nearest {
		h := hit(n.ChunkID)
		h.VectorRank = i + 1
		h.Score += 1 / float64(RRFK+i+1)
	}
	for i, m := range matches {
		h := hit(m.ChunkID)
		h.TextRank, h.TextScore = i+1, m.Score
		h.Score += 1 / float64(RRFK+i+1)
	}
	chunks, err := tx.KBChunksByID(ctx, ids, vec)
	if err != nil {
		return nil, err
	}
	out := make([]Hit, 0, len(chunks))
	for _, c := range chunks {
		h := byID[c.ID]
		h.ArticleID, h.ArticleTitle, h.Ordinal, h.Chunk = c.ArticleID, c.ArticleTitle, c.Ordinal, c.Content
		if c.Embedder == s.emb.Name() {
			h.Similarity = c.Similarity
		}
		if q.MinSimilarity != 0 && h.Similarity < q.MinSimilarity {
			continue
		}
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Similarity, a.Similarity); c != 0 {
			return c
		}
		return cmp.Compare(a.ChunkID, b.ChunkID)
	})
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

// vectorCache keeps accounts' vectors in memory for SQLite's exact search,
// each valid while the account's knowledge-base generation has not moved.
// Least recently used accounts go first when the cap is reached.
type vectorCache struct {
	mu      sync.Mutex
	max     int
	total   int
	tick    uint64
	entries map[int64]*cacheEntry
}

type cacheEntry struct {
	embedder string
	vecs     store.KBVectors
	// norms are the vectors' L2 norms.
	norms []float32
	used  uint64
}

func newVectorCache(maxFloats int) *vectorCache {
	if maxFloats <= 0 {
		maxFloats = 32 << 20
	}
	return &vectorCache{max: maxFloats, entries: map[int64]*cacheEntry{}}
}

// load returns the account's current vectors, from memory when the
// generation is unchanged.
func (c *vectorCache) load(ctx context.Context, tx *store.Tx, embedder string) (*cacheEntry, error) {
	gen, err := tx.KBGeneration(ctx)
	if err != nil {
		return nil, err
	}
	acct := tx.AccountID()
	c.mu.Lock()
	e := c.entries[acct]
	if e != nil && e.vecs.Generation == gen && e.embedder == embedder {
		c.tick++
		e.used = c.tick
		c.mu.Unlock()
		return e, nil
	}
	c.mu.Unlock()
	vecs, err := tx.KBVectorsLoad(ctx, embedder)
	if err != nil {
		return nil, err
	}
	e = &cacheEntry{embedder: embedder, vecs: vecs, norms: make([]float32, len(vecs.ChunkIDs))}
	for i := range e.norms {
		var n float64
		for _, x := range vecs.Data[i*vecs.Dim : (i+1)*vecs.Dim] {
			n += float64(x) * float64(x)
		}
		e.norms[i] = float32(math.Sqrt(n))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[acct]; old != nil {
		c.total -= len(old.vecs.Data)
	}
	c.tick++
	e.used = c.tick
	c.entries[acct] = e
	c.total += len(vecs.Data)
	for c.total > c.max && len(c.entries) > 1 {
		var lru int64
		var lruUsed uint64 = math.MaxUint64
		for id, x := range c.entries {
			if id != acct && x.used < lruUsed {
				lru, lruUsed = id, x.used
			}
		}
		c.total -= len(c.entries[lru].vecs.Data)
		delete(c.entries, lru)
	}
	return e, nil
}

// nearest is an exact nearest-neighbour search of the account's vectors
// by cosine similarity.
func (c *vectorCache) nearest(ctx context.Context, tx *store.Tx, embedder string, vec []float32, limit int) ([]store.KBScored, error) {
	e, err := c.load(ctx, tx, embedder)
	if err != nil {
		return nil, err
	}
	var qn float64
	for _, x := range vec {
		qn += float64(x) * float64(x)
	}
	if qn == 0 {
		return []store.KBScored{}, nil
	}
	return e.search(vec, float32(math.Sqrt(qn)), limit), nil
}

// search returns the limit vectors most similar to vec (whose norm is
// qnorm), best first. Large accounts are scanned in parallel shards, each
// keeping its own best hits; the shards' hits are then merged under the same
// order, so the answer is the sequential scan's.
func (e *cacheEntry) search(vec []float32, qnorm float32, limit int) []store.KBScored {
	n := len(e.vecs.ChunkIDs)
	shards := 1
	if n >= parallelScanMin {
		shards = min(runtime.GOMAXPROCS(0), n/(parallelScanMin/2))
	}
	if shards <= 1 {
		return e.topK(vec, qnorm, 0, n, limit).sorted()
	}
	parts := make([]*scoredHeap, shards)
	var wg sync.WaitGroup
	for s := range shards {
		lo, hi := n*s/shards, n*(s+1)/shards
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[s] = e.topK(vec, qnorm, lo, hi, limit)
		}()
	}
	wg.Wait()
	top := &scoredHeap{}
	for _, p := range parts {
		for _, h := range *p {
			top.offer(h, limit)
		}
	}
	return top.sorted()
}

// parallelScanMin is the number of vectors from which a search is split
// across the CPUs (below it, starting goroutines costs more than it saves).
const parallelScanMin = 8192

// topK scans vectors [lo, hi) and keeps the limit most similar to vec.
func (e *cacheEntry) topK(vec []float32, qnorm float32, lo, hi, limit int) *scoredHeap {
	dim := e.vecs.Dim
	top := &scoredHeap{}
	for i := lo; i < hi; i++ {
		if e.norms[i] == 0 {
			continue
		}
		sim := dot(vec, e.vecs.Data[i*dim:(i+1)*dim]) / (qnorm * e.norms[i])
		top.offer(store.KBScored{ChunkID: e.vecs.ChunkIDs[i], ArticleID: e.vecs.ArticleIDs[i], Score: float64(sim)}, limit)
	}
	return top
}

// offer keeps h if it is among the limit best seen so far.
func (h *scoredHeap) offer(x store.KBScored, limit int) {
	switch {
	case limit <= 0:
	case h.Len() < limit:
		heap.Push(h, x)
	case worse((*h)[0], x):
		(*h)[0] = x
		heap.Fix(h, 0)
	}
}

// worse reports whether a ranks below b: a lower score, or the same score
// and a higher chunk id (the heap's order).
func worse(a, b store.KBScored) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ChunkID > b.ChunkID
}

// sorted empties the heap, best first.
func (h *scoredHeap) sorted() []store.KBScored {
	out := make([]store.KBScored, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(store.KBScored)
	}
	return out
}

// dot is the dot product of two vectors of equal length.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// scoredHeap is a min-heap by score (ties: the higher chunk id is lower),
// holding the best hits seen so far.
type scoredHeap []store.KBScored

func (h scoredHeap) Len() int { return len(h) }
func (h scoredHeap) Less(i, j int) bool {
	if h[i].Score != h[j].Score {
		return h[i].Score < h[j].Score
	}
	return h[i].ChunkID > h[j].ChunkID
}
func (h scoredHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *scoredHeap) Push(x any)   { *h = append(*h, x.(store.KBScored)) }
func (h *scoredHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
