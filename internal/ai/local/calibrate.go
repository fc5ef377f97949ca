package local

import (
	"math"
	"slices"
	"sort"
)

// isotonic is a non-decreasing piecewise-linear map from a raw probability
// to a calibrated one, fitted by pool-adjacent-violators on held-out
// predictions. Between knots it interpolates; outside it clamps.
type isotonic struct {
	x, y []float32
}

func (c isotonic) apply(p float64) float64 {
	n := len(c.x)
	switch {
	case n == 0:
		return p
	case p <= float64(c.x[0]):
		return float64(c.y[0])
	case p >= float64(c.x[n-1]):
		return float64(c.y[n-1])
	}
	i := sort.Search(n, func(i int) bool { return float64(c.x[i]) >= p })
	x0, x1 := float64(c.x[i-1]), float64(c.x[i])
	y0, y1 := float64(c.y[i-1]), float64(c.y[i])
	if x1 == x0 {
		return y1
	}
	return y0 + (y1-y0)*(p-x0)/(x1-x0)
}

// fitIsotonic fits P(correct | score). Blocks hold at least minBlock
// examples, and each block's rate is smoothed as (hits+1)/(n+2), so that a
// block of perfect answers still says less than 1.
func fitIsotonic(scores []float64, correct []bool, minBlock int) isotonic {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	type block struct{ n, hits, sum float64 }
	var bs []block
	for _, i := range idx {
		b := block{n: 1, sum: scores[i]}
		if correct[i] {
			b.hits = 1
		}
		bs = append(bs, b)
		// Pool while the last block is not above its predecessor, or the
		// predecessor is too small to stand on its own.
		for len(bs) > 1 {
			p, l := bs[len(bs)-2], bs[len(bs)-1]
			if p.hits/p.n < l.hits/l.n && p.n >= float64(minBlock) {
				break
			}
			bs = bs[:len(bs)-2]
			bs = append(bs, block{p.n + l.n, p.hits + l.hits, p.sum + l.sum})
		}
	}
	// A small last block joins its neighbour.
	for len(bs) > 1 && bs[len(bs)-1].n < float64(minBlock) {
		p, l := bs[len(bs)-2], bs[len(bs)-1]
		bs = append(bs[:len(bs)-2], block{p.n + l.n, p.hits + l.hits, p.sum + l.sum})
	}
	var c isotonic
	prev := 0.0
	for _, b := range bs {
		y := math.Max(prev, (b.hits+1)/(b.n+2))
		prev = y
		c.x = append(c.x, float32(b.sum/b.n))
		c.y = append(c.y, float32(y))
	}
	return c
}

// fitTemperature finds the temperature T minimising the negative
// log-likelihood of softmax(z/T) on held-out logits, by golden-section
// search over log T in [1/8, 8].
func fitTemperature(logits [][]float64, labels []int) float64 {
	return fitTemperatureRange(logits, labels, 0.125, 8)
}

func fitTemperatureRange(logits [][]float64, labels []int, minT, maxT float64) float64 {
	nll := func(logT float64) float64 {
		t := math.Exp(logT)
		var sum float64
		var p []float64
		for i, z := range logits {
			p = append(p[:0], z...)
			softmax(z, t, p)
			sum -= math.Log(math.Max(p[labels[i]], 1e-12))
		}
		return sum
	}
	lo, hi := math.Log(minT), math.Log(maxT)
	const phi = 0.6180339887498949
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := nll(a), nll(b)
	for range 60 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = nll(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}

// CalibrationBin is one row of a calibration table: the predictions whose
// confidence fell in [Lo, Hi).
type CalibrationBin struct {
	Lo, Hi         float64
	Count          int
	MeanConfidence float64
	Accuracy       float64
}

// CalibrationTable bins confidences into n equal-width bins and reports,
// for each non-empty bin, its size, mean confidence and accuracy.
func CalibrationTable(conf []float64, correct []bool, n int) []CalibrationBin {
	bins := make([]CalibrationBin, n)
	for i := range bins {
		bins[i].Lo, bins[i].Hi = float64(i)/float64(n), float64(i+1)/float64(n)
	}
	hits := make([]int, n)
	for i, c := range conf {
		b := min(int(c*float64(n)), n-1)
		bins[b].Count++
		bins[b].MeanConfidence += c
		if correct[i] {
			hits[b]++
		}
	}
	out := bins[:0]
	for i, b := range bins {
		if b.Count == 0 {
			continue
		}
		b.MeanConfidence /= float64(b.Count)
		b.Accuracy = float64(hits[i]) / float64(b.Count)
		out = append(out, b)
	}
	return out
}

// ExpectedCalibrationError is Σ count/N × |accuracy − mean confidence| over
// the bins.
func ExpectedCalibrationError(bins []CalibrationBin) float64 {
	var n, e float64
	for _, b := range bins {
		n += float64(b.Count)
		e += float64(b.Count) * math.Abs(b.Accuracy-b.MeanConfidence)
	}
	if n == 0 {
		return 0
	}
	return e / n
}

// metaFeatures is the number of inputs of the confidence model.
const metaFeatures = 5

// confidenceModel estimates the probability that the top category is right
// from more than its softmax probability: the margin over the runner-up
// and how much of the message the model has seen features of (a short
// message or one full of unknown words is riskier than its probability
// says). It is a logistic regression fitted on held-out predictions.
type confidenceModel struct {
	w [metaFeatures]float64
}

func metaInputs(probs []float64, known, distinct int) [metaFeatures]float64 {
	p1, p2 := 0.0, 0.0
	for _, p := range probs {
		if p > p1 {
			p1, p2 = p, p1
		} else if p > p2 {
			p2 = p
		}
	}
	p1 = math.Min(math.Max(p1, 1e-6), 1-1e-6)
	p2 = math.Max(p2, 1e-6)
	return [metaFeatures]float64{
		1,
		math.Log(p1 / (1 - p1)),
		math.Log(p1 / p2),
		math.Log1p(float64(known)),
		float64(known) / float64(max(distinct, 1)),
	}
}

// score returns the model's probability that the top category is right.
// A zero model returns the top probability itself.
func (c confidenceModel) score(probs []float64, known, distinct int) float64 {
	if c.w == ([metaFeatures]float64{}) {
		return slices.Max(probs)
	}
	x := metaInputs(probs, known, distinct)
	var z float64
	for i, w := range c.w {
		z += float64(w * x[i])
	}
	return 1 / (1 + math.Exp(-z))
}

// fitConfidenceModel fits the confidence model by L-BFGS with a light L2
// penalty on everything but the intercept.
func fitConfidenceModel(probs [][]float64, known, distinct []int, right []bool) confidenceModel {
	xs := make([][metaFeatures]float64, len(probs))
	for i := range probs {
		xs[i] = metaInputs(probs[i], known[i], distinct[i])
	}
	const lambda = 1e-3
	n := float64(len(xs))
	f := func(w, g []float64) float64 {
		clear(g)
		var loss float64
		for i, x := range xs {
			var z float64
			for j := range w {
				z += float64(w[j] * x[j])
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if right[i] {
				y = 1
			}
			loss -= y*math.Log(math.Max(p, 1e-12)) + (1-y)*math.Log(math.Max(1-p, 1e-12))
			for j := range w {
				g[j] += float64((p - y) * x[j])
			}
		}
		loss /= n
		for j := range w {
			g[j] /= n
			if j > 0 {
				loss += float64(0.5 * lambda * w[j] * w[j])
				g[j] += float64(lambda * w[j])
			}
		}
		return loss
	}
	w := make([]float64, metaFeatures)
	minimize(f, w, 200)
	var c confidenceModel
	copy(c.w[:], w)
	return c
}
