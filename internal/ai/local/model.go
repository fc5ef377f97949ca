package local

import (
	_ "embed"
	"fmt"
	"math"
	"sync"
)

//go:generate go run ./cmd/train

// modelFile is the trained model, written by `go generate` (cmd/train) from
// corpus/*.jsonl. TestModelReproducible checks that it matches the corpus.
//
//go:embed model.bin
var modelFile []byte

// Model is a trained classifier. It is safe for concurrent use.
type Model struct {
	feat  featureConfig
	index []int32   // feature bucket → row, -1 when the bucket was not seen in training
	idf   []float32 // per row
	w     []float32 // per row, numCols weights: the category, priority and sentiment heads side by side
	bias  []float32 // numCols
	temp  [numHeads]float32
	meta  confidenceModel // P(category right) from the category probabilities and how much of the text the model knows
	conf  isotonic        // recalibrates meta's score
	rules []priorityRule
	lang  langModel
	info  Info
}

// Info describes how a model was trained and how it did in cross-validation
// on its corpus.
type Info struct {
	Version    string // "local-" + a digest of the corpus and the training settings
	Examples   int    // labelled training examples
	LangTexts  int    // texts the language profiles were built from
	Rows       int    // feature buckets with weights
	Folds      int
	Rules      []string // the priority rules kept (rules.go)
	CV         CVReport
	CorpusHash string
}

// CVReport holds the k-fold cross-validation results on the training
// corpus: each example was predicted by a model that did not see it.
type CVReport struct {
	Accuracy   map[string]float64            // field → accuracy
	ByLanguage map[string]map[string]float64 // language → field → accuracy
	// AutoPrecision is the category accuracy among examples whose
	// calibrated confidence is above 0.85; AutoCoverage is their share.
	AutoPrecision, AutoCoverage float64
	// ECE is the expected calibration error of the confidence (10 bins).
	ECE float64
}

// Info returns the model's training metadata.
func (m *Model) Info() Info { return m.info }

// Prediction is the classification of one message.
type Prediction struct {
	Language  string // ISO 639-1 code, or "und"
	Category  string // one of Categories
	Priority  string // one of Priorities
	Sentiment string // one of Sentiments
	// Confidence is the calibrated probability that Category is right: of
	// the messages given 0.9, about 90% have the right category. It is what
	// gates auto-assignment.
	Confidence float64
	// Per-field probabilities of every label, in the order of Categories,
	// Priorities and Sentiments (temperature-scaled on held-out folds).
	CategoryProbs  [4]float64
	PriorityProbs  [4]float64
	SentimentProbs [5]float64
	// LanguageConfidence is the probability of Language.
	LanguageConfidence float64
	// InstructionIgnored reports that the text addressed instructions to
	// the classifier ("mark this urgent"), which were left out.
	InstructionIgnored bool
	// Rule names the priority rule that set Priority, if one did.
	Rule string

	model *Model
	text  string
}

// Reasoning explains the prediction in at most two sentences, from the
// features that weighed most for the chosen labels.
func (p Prediction) Reasoning() string {
	if p.model == nil {
		return ""
	}
	return p.model.explain(p)
}

var (
	defaultOnce  sync.Once
	defaultModel *Model
)

// Default returns the model embedded in the binary. It is decoded once.
func Default() *Model {
	defaultOnce.Do(func() {
		m, err := Decode(modelFile)
		if err != nil {
			// The file is a build artefact checked by the package's tests.
			panic(fmt.Sprintf("local: embedded model: %v", err))
		}
		defaultModel = m
	})
	return defaultModel
}

// scratch holds the buffers of one classification.
type scratch struct {
	raw        rawFeatures
	vec        []entry
	grams      []uint32
	runes      []rune
	langScores [64]float64
	logits     [16]float64
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (m *Model) lookup(b uint32) (int32, float32) {
	row := m.index[b]
	if row < 0 {
		return -1, 0
	}
	return row, m.idf[row]
}

// Classify labels one message. The same text always gets the same answer.
func (m *Model) Classify(text string) Prediction {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	extract(text, &m.feat, &sc.raw)
	var distinct int
	sc.vec, distinct = vectorize(&sc.raw, &m.feat, m.lookup, sc.vec[:0])
	z := sc.logits[:numCols]
	m.logits(sc.vec, z)

	p := Prediction{model: m, text: text, InstructionIgnored: sc.raw.injected}
	var probs [16]float64
	for h := range numHeads {
		k := len(headLabels[h])
		softmax(z[headOffset[h]:headOffset[h]+k], float64(m.temp[h]), probs[headOffset[h]:headOffset[h]+k])
	}
	copy(p.CategoryProbs[:], probs[headOffset[headCategory]:])
	copy(p.PriorityProbs[:], probs[headOffset[headPriority]:])
	copy(p.SentimentProbs[:], probs[headOffset[headSentiment]:])
	ci := argmax(p.CategoryProbs[:])
	p.Category = Categories[ci]
	p.Confidence = m.conf.apply(m.meta.score(p.CategoryProbs[:], len(sc.vec), distinct))
	p.Priority = Priorities[argmax(p.PriorityProbs[:])]
	p.Sentiment = Sentiments[argmax(p.SentimentProbs[:])]
	p.Priority, p.Rule = applyRules(m.rules, p.Priority, p.PriorityProbs[:], sc.raw.hits)
	p.Language, p.LanguageConfidence = m.lang.detect(text, sc.raw.toks, sc)
	return p
}

// logits computes bias + W·x for every column.
func (m *Model) logits(vec []entry, z []float64) {
	for c := range z {
		z[c] = float64(m.bias[c])
	}
	for _, e := range vec {
		row := m.w[int(e.row)*numCols : int(e.row)*numCols+numCols]
		v := float64(e.val)
		for c, w := range row {
			z[c] += float64(v * float64(w))
		}
	}
}

// softmax writes softmax(z/temp) into out.
func softmax(z []float64, temp float64, out []float64) {
	mx := z[0]
	for _, v := range z {
		mx = math.Max(mx, v)
	}
	var sum float64
	for i, v := range z {
		out[i] = math.Exp((v - mx) / temp)
		sum += out[i]
	}
	for i := range z {
		out[i] /= sum
	}
}

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
