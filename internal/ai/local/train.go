package local

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// TrainOptions are the settings of a training run. They are part of the
// model's version digest.
type TrainOptions struct {
	Folds     int               // k of the k-fold cross-validation that calibrates the model
	Iters     int               // L-BFGS iterations per head
	Lambda    [numHeads]float64 // L2 strength per head
	MinDF     int               // buckets in fewer training documents are dropped
	Features  featureConfig
	LangAlpha float64 // additive smoothing of the language profiles
	CoreBonus float64 // log-prior bonus of the five trained languages over the others
	MinBlock  int     // smallest block of the confidence calibration
	// Log, when set, receives progress lines.
	Log func(format string, args ...any) `json:"-"`
}

// DefaultTrainOptions are the settings `go generate` uses.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{
		Folds:     5,
		Iters:     60,
		Lambda:    [numHeads]float64{5e-5, 5e-5, 5e-5},
		MinDF:     2,
		Features:  defaultFeatureConfig,
		LangAlpha: 0.1,
		CoreBonus: 1,
		MinBlock:  25,
	}
}

// trainDoc is a labelled example turned into raw features.
type trainDoc struct {
	raw  rawFeatures
	y    [numHeads]int
	lang string
	fold int
}

// Train fits the model on the corpus and returns the model file and the
// model read back from it (so it is exactly what Default would load).
func Train(examples []Example, opt TrainOptions) ([]byte, *Model, error) {
	logf := opt.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if opt.Folds < 2 {
		return nil, nil, fmt.Errorf("need at least 2 folds")
	}
	var docs []*trainDoc
	for _, e := range examples {
		if err := e.check(); err != nil {
			return nil, nil, fmt.Errorf("example %.40q: %w", e.Text, err)
		}
		if !e.labelled() {
			continue
		}
		d := &trainDoc{lang: e.Language, fold: foldOf(e.Text, opt.Folds)}
		extract(e.Text, &opt.Features, &d.raw)
		d.y = [numHeads]int{labelIndex(Categories, e.Category), labelIndex(Priorities, e.Priority), labelIndex(Sentiments, e.Sentiment)}
		docs = append(docs, d)
	}
	if len(docs) < 10*opt.Folds {
		return nil, nil, fmt.Errorf("only %d labelled examples", len(docs))
	}

	// Out-of-fold logits: each document predicted by a model that did not
	// see it. They calibrate the final model and measure it.
	oof := make([][]float64, len(docs))
	known := make([]int, len(docs))
	distinct := make([]int, len(docs))
	ws := newWorkspace()
	for f := range opt.Folds {
		var tr, te []int
		for i, d := range docs {
			if d.fold == f {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		fit := ws.fit(docs, tr, opt)
		for _, i := range te {
			oof[i], known[i], distinct[i] = fit.predict(ws, docs[i], &opt.Features)
		}
		logf("fold %d/%d: %d train, %d held out, %d rows", f+1, opt.Folds, len(tr), len(te), len(fit.buckets))
	}
	var temps [numHeads]float64
	for h := range numHeads {
		z := make([][]float64, len(docs))
		y := make([]int, len(docs))
		for i, d := range docs {
			z[i] = oof[i][headOffset[h] : headOffset[h]+len(headLabels[h])]
			y[i] = d.y[h]
		}
		temps[h] = fitTemperature(z, y)
	}
	held := heldOut(docs, oof, temps)
	for h := range numHeads {
		K := len(headLabels[h])
		conf := make([]int, K*K)
		for i, d := range docs {
			conf[d.y[h]*K+held.pred[h][i]]++
		}
		logf("held-out %s confusion (rows: truth %v): %v, temperature %.2f", headNames[h], headLabels[h], conf, temps[h])
	}
	meta := fitConfidenceModel(held.catProbs, known, distinct, held.catRight)
	scores := make([]float64, len(docs))
	for i := range docs {
		scores[i] = meta.score(held.catProbs[i], known[i], distinct[i])
	}
	held.catProb = scores
	logf("confidence model weights (bias, logit p1, log p1/p2, log known, known share): %.3f", meta.w)
	conf := fitIsotonic(scores, held.catRight, opt.MinBlock)
	rules := chooseRules(docs, held)

	lang, langCV, err := trainLanguages(examples, opt, logf)
	if err != nil {
		return nil, nil, err
	}
	report := held.report(docs, conf, rules, langCV)

	fit := ws.fit(docs, seq(len(docs)), opt)
	h := fileHeader{
		Features:    opt.Features,
		Docs:        fit.docs,
		Temperature: []float32{float32(temps[0]), float32(temps[1]), float32(temps[2])},
		ConfMeta:    meta.w[:],
		ConfX:       conf.x,
		ConfY:       conf.y,
		Rules:       rules,
		Langs:       lang.langs,
		LangPrior:   lang.prior,
		LangAlpha:   opt.LangAlpha,
		LangTemp:    lang.temp,
		LangMinAvg:  lang.minAvg,
	}
	h.Info = Info{
		Examples:  len(docs),
		LangTexts: lang.texts,
		Rows:      len(fit.buckets),
		Folds:     opt.Folds,
		CV:        report,
	}
	for _, r := range rules {
		h.Info.Rules = append(h.Info.Rules, fmt.Sprintf("%s (%s → %s, p ≥ %.2f)", r.Name, r.Concept, r.Set, r.MinProb))
	}
	h.Info.CorpusHash, h.Info.Version = digest(examples, opt)
	parts := &modelParts{
		header:     h,
		buckets:    fit.buckets,
		df:         fit.df,
		w:          fit.weights(),
		bias:       fit.bias(),
		langBucket: lang.buckets,
		langCounts: lang.counts,
	}
	data, err := encode(parts)
	if err != nil {
		return nil, nil, err
	}
	m, err := Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("read back: %w", err)
	}
	return data, m, nil
}

// foldOf assigns an example to a fold by a hash of its text, so a fold
// does not change when examples are added elsewhere in the corpus.
func foldOf(text string, k int) int {
	return int(mix(hashString(0x51ed2701a3f4c9b7, text)) % uint64(k))
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// trainerVersion changes whenever the training or feature code changes in
// a way that changes the model for the same corpus and settings.
const trainerVersion = "2"

// digest returns a hash of the corpus and a version naming it together with
// the training settings and the trainer.
func digest(examples []Example, opt TrainOptions) (corpus, version string) {
	h := sha256.New()
	for _, e := range examples {
		b, _ := json.Marshal(e)
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	c := h.Sum(nil)
	o, _ := json.Marshal(opt)
	v := sha256.Sum256(append(append(c, o...), []byte(fmt.Sprint(trainerVersion, lexicon, injectionPatterns, candidateRules))...))
	return hex.EncodeToString(c[:8]), "local-" + hex.EncodeToString(v[:6])
}

// workspace holds the large buffers reused across fits.
type workspace struct {
	df    []int32  // per bucket
	index []int32  // bucket → row of the current fit
	last  []uint32 // buckets set in index by the last fit
}

func newWorkspace() *workspace {
	ws := &workspace{df: make([]int32, hashMask+1), index: make([]int32, hashMask+1)}
	for i := range ws.index {
		ws.index[i] = -1
	}
	return ws
}

// labelFit is a fitted label model on a vocabulary of buckets.
type labelFit struct {
	docs    int
	buckets []uint32
	df      []int
	idf     []float32
	x       []float64 // rows × numCols weights, then numCols biases
}

func (f *labelFit) weights() []float64 { return f.x[:len(f.buckets)*numCols] }

func (f *labelFit) bias() []float64 { return f.x[len(f.buckets)*numCols:] }

// fit trains the three heads on docs[idx].
func (ws *workspace) fit(docs []*trainDoc, idx []int, opt TrainOptions) *labelFit {
	for _, b := range ws.last {
		ws.index[b] = -1
	}
	// Vocabulary: buckets in at least MinDF of the training documents.
	var touched []uint32
	var uniq []uint32
	for _, i := range idx {
		uniq = uniq[:0]
		for g := range numGroups {
			uniq = append(uniq, docs[i].raw.groups[g]...)
		}
		slices.Sort(uniq)
		uniq = slices.Compact(uniq)
		for _, b := range uniq {
			if ws.df[b] == 0 {
				touched = append(touched, b)
			}
			ws.df[b]++
		}
	}
	slices.Sort(touched)
	fit := &labelFit{docs: len(idx)}
	for _, b := range touched {
		if int(ws.df[b]) >= opt.MinDF {
			ws.index[b] = int32(len(fit.buckets))
			fit.buckets = append(fit.buckets, b)
			fit.df = append(fit.df, int(ws.df[b]))
			fit.idf = append(fit.idf, idfOf(len(idx), int(ws.df[b])))
		}
		ws.df[b] = 0
	}
	// Design matrix in compressed rows.
	var m csr
	m.start = append(m.start, 0)
	lookup := func(b uint32) (int32, float32) {
		r := ws.index[b]
		if r < 0 {
			return -1, 0
		}
		return r, fit.idf[r]
	}
	var vec []entry
	for _, i := range idx {
		vec, _ = vectorize(&docs[i].raw, &opt.Features, lookup, vec[:0])
		m.entries = append(m.entries, vec...)
		m.start = append(m.start, len(m.entries))
	}
	var y [numHeads][]int
	for h := range numHeads {
		y[h] = make([]int, len(idx))
		for j, i := range idx {
			y[h][j] = docs[i].y[h]
		}
	}
	fit.x = make([]float64, (len(fit.buckets)+1)*numCols)
	minimize(objective(&m, y, len(fit.buckets), opt.Lambda), fit.x, opt.Iters)
	// Leave the index as predict needs it; the next fit resets it.
	ws.last = fit.buckets
	return fit
}

// predict returns the logits of every column for one document, with the
// vocabulary of the last fit (ws.index).
func (f *labelFit) predict(ws *workspace, d *trainDoc, cfg *featureConfig) (z []float64, known, distinct int) {
	lookup := func(b uint32) (int32, float32) {
		r := ws.index[b]
		if r < 0 {
			return -1, 0
		}
		return r, f.idf[r]
	}
	vec, distinct := vectorize(&d.raw, cfg, lookup, nil)
	z = slices.Clone(f.bias())
	for _, e := range vec {
		w := f.x[int(e.row)*numCols : int(e.row)*numCols+numCols]
		for c := range numCols {
			z[c] += float64(float64(e.val) * w[c])
		}
	}
	return z, len(vec), distinct
}

// csr is a sparse matrix by rows: document i has entries[start[i]:start[i+1]].
type csr struct {
	entries []entry
	start   []int
}

// objective is, summed over the heads, the mean cross-entropy of a softmax
// regression plus lambda[h]/2·‖W_h‖² (biases not penalised). x holds
// R×numCols weights, then numCols biases; y[h] holds the labels of head h.
func objective(m *csr, y [numHeads][]int, R int, lambda [numHeads]float64) func(x, g []float64) float64 {
	n := float64(len(y[0]))
	z := make([]float64, numCols)
	colLambda := make([]float64, numCols)
	for h := range numHeads {
		for k := range headLabels[h] {
			colLambda[headOffset[h]+k] = lambda[h]
		}
	}
	return func(x, g []float64) float64 {
		clear(g)
		var loss float64
		bias := x[R*numCols:]
		gb := g[R*numCols:]
		for i := range y[0] {
			es := m.entries[m.start[i]:m.start[i+1]]
			copy(z, bias)
			zc := (*[numCols]float64)(z)
			for _, e := range es {
				v := float64(e.val)
				w := (*[numCols]float64)(x[int(e.row)*numCols:])
				for c := range numCols {
					zc[c] += float64(v * w[c])
				}
			}
			for h := range numHeads {
				zh := z[headOffset[h] : headOffset[h]+len(headLabels[h])]
				mx := zh[0]
				for _, v := range zh {
					mx = math.Max(mx, v)
				}
				var sum float64
				for k := range zh {
					zh[k] = math.Exp(zh[k] - mx)
					sum += zh[k]
				}
				loss -= math.Log(zh[y[h][i]] / sum)
				for k := range zh {
					zh[k] /= sum
				}
				zh[y[h][i]] -= 1
			}
			for _, e := range es {
				v := float64(e.val)
				gw := (*[numCols]float64)(g[int(e.row)*numCols:])
				for c := range numCols {
					gw[c] += float64(v * zc[c])
				}
			}
			for c := range numCols {
				gb[c] += z[c]
			}
		}
		loss /= n
		var reg float64
		for r := range R {
			xr := (*[numCols]float64)(x[r*numCols:])
			gr := (*[numCols]float64)(g[r*numCols:])
			for c := range numCols {
				l := colLambda[c]
				reg += float64(l * float64(xr[c]*xr[c]))
				gr[c] = gr[c]/n + float64(l*xr[c])
			}
		}
		for c := range numCols {
			gb[c] /= n
		}
		return loss + float64(0.5*reg)
	}
}
