package kb

import (
	"cmp"
	"context"
	"hash/fnv"
	"math"
	"slices"
	"unicode/utf8"
)

// Embedder turns texts into vectors. Vectors of one embedder are
// comparable by cosine similarity; Name identifies the embedder and its
// version, and is stored with every chunk, so changing the embedder (or its
// version) makes the knowledge base embed every article again.
type Embedder interface {
	// Name identifies the method and its version, e.g. "local-ngram-v1".
	Name() string
	// Dim is the length of every vector Embed returns.
	Dim() int
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// LocalEmbedder is the built-in embedder: deterministic, offline and
// language-agnostic. It is a feature-hashing bag of n-grams:
//
//   - each text is lower-cased, its accented Latin letters folded to their
//     base letters, and split into words (runs of letters and digits);
//   - features are word unigrams (weight 1), word bigrams (weight 0.6) and
//     the character 3-, 4- and 5-grams of each word marked with its
//     boundaries, "<word>" (weight 0.25 each); the character n-grams let
//     inflected forms ("salasana", "salasanan") and compounds share most of
//     their features;
//   - a feature's value is its sublinear term frequency, ln(1 + tf), where
//     each occurrence counts with an IDF-like prior of its word: 0.1 for a
//     function word of one of our five languages (stopwords), else rising
//     with word length from 0.59 (two letters) to 1 (six or more), since
//     short words are the common ones;
//   - each feature is hashed (FNV-1a, 64 bits) to one of Dim dimensions,
//     with a sign from another bit of the hash so that collisions cancel
//     out on average instead of adding up;
//   - the vector is L2-normalised, so a dot product is a cosine similarity.
//
// It captures shared words and word forms, not meaning: a question finds
// articles that use its words, in the same language.
type LocalEmbedder struct{}

// LocalDim is the dimension of LocalEmbedder's vectors.
const LocalDim = 384

// LocalMinSimilarity is a similarity floor that suits LocalEmbedder, for
// callers of Search that want only likely answers. Its cosines run lower
// than a neural embedder's: on the evaluation set the best chunk of the
// answering article scores 0.29 on average (40 of 43 above 0.15), and the
// best chunk of any other article 0.13 (about three in four below 0.15). A
// floor of 0.7, sensible for neural embeddings, would let nothing through.
const LocalMinSimilarity = 0.15

// Name implements Embedder.
func (LocalEmbedder) Name() string { return "local-ngram-v1" }

// Dim implements Embedder.
func (LocalEmbedder) Dim() int { return LocalDim }

// Embed implements Embedder.
func (e LocalEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = e.vector(t)
	}
	return out, nil
}

// featureSet says which features a hashing embedder extracts and how much
// each kind weighs; stop is the prior of a stopword.
type featureSet struct {
	word, bigram, ngram float64
	minN, maxN          int
	stop                float64
}

// localFeatures are LocalEmbedder's features.
var localFeatures = featureSet{word: 1, bigram: 0.6, ngram: 0.25, minN: 3, maxN: 5, stop: 0.1}

const (
	featureWord   = 'w'
	featureBigram = 'b'
	featureNgram  = 'c'
)

// prior is the IDF-like weight of a word.
func (fs featureSet) prior(w string) float64 {
	if isStopword(w) {
		return fs.stop
	}
	return math.Min(1, 0.35+0.12*float64(utf8.RuneCountInString(w)))
}

func (LocalEmbedder) vector(text string) []float32 { return localFeatures.vector(text) }

func (fs featureSet) vector(text string) []float32 {
	type feature struct {
		kind  byte
		value string
	}
	tf := map[feature]float64{}
	ws := words(fold.Replace(text))
	for i, w := range ws {
		p := fs.prior(w)
		tf[feature{featureWord, w}] += p
		if i > 0 && fs.bigram > 0 {
			prev := ws[i-1]
			tf[feature{featureBigram, prev + " " + w}] += math.Sqrt(p * fs.prior(prev))
		}
		if fs.ngram > 0 {
			r := []rune("<" + w + ">")
			for n := fs.minN; n <= fs.maxN; n++ {
				for j := 0; j+n <= len(r); j++ {
					tf[feature{featureNgram, string(r[j : j+n])}] += p
				}
			}
		}
	}
	// Values are summed in hash order: map order varies from run to run,
	// and floating-point addition depends on order.
	type hashed struct {
		sum uint64
		x   float64
	}
	hs := make([]hashed, 0, len(tf))
	h := fnv.New64a()
	for f, count := range tf {
		h.Reset()
		_, _ = h.Write([]byte{f.kind})
		_, _ = h.Write([]byte(f.value))
		sum := h.Sum64()
		weight := fs.ngram
		switch f.kind {
		case featureWord:
			weight = fs.word
		case featureBigram:
			weight = fs.bigram
		}
		x := weight * math.Log1p(count)
		if sum>>63 == 1 {
			x = -x
		}
		hs = append(hs, hashed{sum, x})
	}
	slices.SortFunc(hs, func(a, b hashed) int { return cmp.Compare(a.sum, b.sum) })
	v := make([]float64, LocalDim)
	for _, f := range hs {
		v[f.sum%LocalDim] += f.x
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, LocalDim)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}
