package kb

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"hummdesk/internal/store"
)

// TestParallelScanIsTheSequentialScan: a search split across CPUs returns
// exactly what one scan of every vector returns, ties included, and that is
// the brute-force top k.
func TestParallelScanIsTheSequentialScan(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	const n, dim = 3 * parallelScanMin, 16
	rng := rand.New(rand.NewPCG(7, 7))
	e := &cacheEntry{vecs: store.KBVectors{Dim: dim}}
	for i := range n {
		v := make([]float32, dim)
		for j := range v {
			// Few distinct values, so that many similarities tie.
			v[j] = float32(rng.IntN(3))
		}
		if i%1000 == 0 {
			clear(v) // zero vectors are skipped
		}
		var norm float64
		for _, x := range v {
			norm += float64(x) * float64(x)
		}
		e.vecs.ChunkIDs = append(e.vecs.ChunkIDs, int64(i+1))
		e.vecs.ArticleIDs = append(e.vecs.ArticleIDs, int64(i/10+1))
		e.vecs.Data = append(e.vecs.Data, v...)
		e.norms = append(e.norms, float32(math.Sqrt(norm)))
	}
	for q := range 20 {
		vec := make([]float32, dim)
		for j := range vec {
			vec[j] = float32(rng.IntN(3) + q%2)
		}
		var qn float64
		for _, x := range vec {
			qn += float64(x) * float64(x)
		}
		qnorm := float32(math.Sqrt(qn))
		for _, limit := range []int{1, 10, 50} {
			got := e.search(vec, qnorm, limit)
			seq := e.topK(vec, qnorm, 0, n, limit).sorted()
			if !slices.Equal(got, seq) {
				t.Fatalf("query %d, limit %d: parallel %v, sequential %v", q, limit, got[:min(3, len(got))], seq[:min(3, len(seq))])
			}
			// Brute force: every non-zero vector, by score then chunk id.
			var all []store.KBScored
			for i := range n {
				if e.norms[i] == 0 {
					continue
				}
				all = append(all, store.KBScored{ChunkID: e.vecs.ChunkIDs[i], ArticleID: e.vecs.ArticleIDs[i],
					Score: float64(dot(vec, e.vecs.Data[i*dim:(i+1)*dim]) / (qnorm * e.norms[i]))})
			}
			slices.SortFunc(all, func(a, b store.KBScored) int {
				switch {
				case worse(a, b):
					return 1
				case worse(b, a):
					return -1
				}
				return 0
			})
			if !slices.Equal(got, all[:limit]) {
				t.Fatalf("query %d, limit %d: %v, brute force %v", q, limit, got[:min(3, len(got))], all[:min(3, limit)])
			}
		}
	}
}
