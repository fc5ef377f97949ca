package local

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// langTrained is a trained language model in the form the file stores.
type langTrained struct {
	langs   []string
	prior   []float32
	temp    float32
	minAvg  float32
	buckets []uint32
	counts  []int // len(buckets) × len(langs)
	texts   int
}

// langCV is the held-out accuracy of language detection.
type langCV struct {
	accuracy float64
	byLang   map[string]float64
}

// newLangModel builds the detector from n-gram counts; the trainer and
// Decode both use it.
func newLangModel(langs []string, prior []float32, buckets []uint32, counts []int, alpha float64) langModel {
	lm := langModel{langs: langs, prior: prior, index: make([]int32, langMask+1)}
	for i := range lm.index {
		lm.index[i] = -1
	}
	for i, b := range buckets {
		lm.index[b] = int32(i)
	}
	lm.logp, lm.floor = langLogProbs(counts, len(langs), alpha)
	return lm
}

type langText struct {
	lang  int
	grams []uint32
	fold  int
}

// langCounts counts the n-grams of texts per language.
func langCounts(texts []langText, L int, keep func(int) bool) ([]uint32, []int) {
	m := map[uint32][]int{}
	for i, t := range texts {
		if !keep(i) {
			continue
		}
		for _, g := range t.grams {
			c := m[g]
			if c == nil {
				c = make([]int, L)
				m[g] = c
			}
			c[t.lang]++
		}
	}
	buckets := make([]uint32, 0, len(m))
	for b := range m {
		buckets = append(buckets, b)
	}
	slices.Sort(buckets)
	counts := make([]int, 0, len(buckets)*L)
	for _, b := range buckets {
		counts = append(counts, m[b]...)
	}
	return buckets, counts
}

func trainLanguages(examples []Example, opt TrainOptions, logf func(string, ...any)) (*langTrained, langCV, error) {
	// The trained languages first, then the others by code.
	var others []string
	seen := map[string]bool{}
	for _, l := range Languages {
		seen[l] = true
	}
	for _, e := range examples {
		if !seen[e.Language] {
			seen[e.Language] = true
			others = append(others, e.Language)
		}
	}
	sort.Strings(others)
	langs := append(slices.Clone(Languages), others...)
	if len(langs) > 64 {
		return nil, langCV{}, fmt.Errorf("too many languages: %d", len(langs))
	}
	L := len(langs)
	prior := make([]float32, L)
	for l := range langs {
		prior[l] = float32(-math.Log(float64(L)))
		if l < len(Languages) {
			prior[l] += float32(opt.CoreBonus)
		}
	}
	var texts []langText
	var toks []token
	var runes []rune
	for _, e := range examples {
		toks, _ = tokenize(e.Text, toks[:0])
		var grams []uint32
		grams, runes = langGrams(toks, nil, runes)
		if len(grams) == 0 {
			continue
		}
		texts = append(texts, langText{lang: slices.Index(langs, e.Language), grams: grams, fold: foldOf(e.Text, opt.Folds)})
	}
	// Held-out scores, for the temperature, the nonsense threshold and the
	// accuracy.
	var scores [][]float64
	var labels []int
	var avgs []float64
	right := make([]int, L)
	total := make([]int, L)
	for f := range opt.Folds {
		b, c := langCounts(texts, L, func(i int) bool { return texts[i].fold != f })
		lm := newLangModel(langs, prior, b, c, opt.LangAlpha)
		for _, t := range texts {
			if t.fold != f {
				continue
			}
			s := make([]float64, L)
			n := lm.scores(t.grams, s)
			best := argmax(s)
			scores = append(scores, s)
			labels = append(labels, t.lang)
			total[t.lang]++
			if best == t.lang {
				right[t.lang]++
				avgs = append(avgs, lm.avgLogProb(s[best]-float64(prior[best]), n, len(t.grams)))
			}
		}
	}
	cv := langCV{byLang: map[string]float64{}}
	var r, n int
	for l, lang := range langs {
		if total[l] > 0 {
			cv.byLang[lang] = ratio(right[l], total[l])
		}
		if l < len(Languages) {
			r += right[l]
			n += total[l]
		}
	}
	cv.accuracy = ratio(r, n)
	temp := fitTemperatureRange(scores, labels, 0.5, 500)
	// Nonsense: an average log-probability per n-gram well below that of
	// every correctly detected held-out text.
	slices.Sort(avgs)
	minAvg := float32(avgs[0] - 1)
	logf("languages: %d texts, held-out accuracy %.4f (five languages), by language %v, temperature %.1f, lowest average log-probability %.2f", len(texts), cv.accuracy, cv.byLang, temp, avgs[0])
	b, c := langCounts(texts, L, func(int) bool { return true })
	return &langTrained{langs: langs, prior: prior, temp: float32(temp), minAvg: minAvg, buckets: b, counts: c, texts: len(texts)}, cv, nil
}
