package local

import "math"

// heldOutSet holds the calibrated out-of-fold predictions of the labelled
// corpus.
type heldOutSet struct {
	pred     [numHeads][]int
	priProbs [][]float64
	catProbs [][]float64
	catProb  []float64 // confidence score of the predicted category, before the isotonic map
	catRight []bool
}

func heldOut(docs []*trainDoc, oof [][]float64, temps [numHeads]float64) *heldOutSet {
	s := &heldOutSet{}
	for i, d := range docs {
		for h := range numHeads {
			K := len(headLabels[h])
			p := make([]float64, K)
			softmax(oof[i][headOffset[h]:headOffset[h]+K], temps[h], p)
			best := argmax(p)
			s.pred[h] = append(s.pred[h], best)
			switch h {
			case headCategory:
				s.catProbs = append(s.catProbs, p)
				s.catProb = append(s.catProb, p[best])
				s.catRight = append(s.catRight, best == d.y[h])
			case headPriority:
				s.priProbs = append(s.priProbs, p)
			}
		}
	}
	return s
}

// priorities returns the held-out priorities after rules.
func (s *heldOutSet) priorities(docs []*trainDoc, rules []priorityRule) []int {
	out := make([]int, len(docs))
	for i, d := range docs {
		p, _ := applyRules(rules, Priorities[s.pred[headPriority][i]], s.priProbs[i], d.raw.hits)
		out[i] = labelIndex(Priorities, p)
	}
	return out
}

// chooseRules keeps, in order, each candidate rule (with the best of a few
// thresholds) that makes held-out priority accuracy better by at least
// three examples.
func chooseRules(docs []*trainDoc, s *heldOutSet) []priorityRule {
	correct := func(rules []priorityRule) int {
		n := 0
		for i, p := range s.priorities(docs, rules) {
			if p == docs[i].y[headPriority] {
				n++
			}
		}
		return n
	}
	var kept []priorityRule
	base := correct(nil)
	for _, c := range candidateRules {
		bestN, best := base+2, priorityRule{}
		for _, t := range []float64{0.05, 0.1, 0.15, 0.2, 0.3, 0.4} {
			r := c
			r.MinProb = t
			if n := correct(append(cloneRules(kept), r)); n > bestN {
				bestN, best = n, r
			}
		}
		if best.Name != "" {
			kept = append(kept, best)
			base = bestN
		}
	}
	return kept
}

func cloneRules(r []priorityRule) []priorityRule { return append([]priorityRule(nil), r...) }

// report measures the held-out predictions.
func (s *heldOutSet) report(docs []*trainDoc, conf isotonic, rules []priorityRule, lang langCV) CVReport {
	pri := s.priorities(docs, rules)
	type tally struct{ n, right [numHeads]int }
	all := &tally{}
	by := map[string]*tally{}
	var confs []float64
	var auto, autoRight int
	for i, d := range docs {
		t := by[d.lang]
		if t == nil {
			t = &tally{}
			by[d.lang] = t
		}
		pred := [numHeads]int{s.pred[headCategory][i], pri[i], s.pred[headSentiment][i]}
		for h := range numHeads {
			for _, x := range []*tally{all, t} {
				x.n[h]++
				if pred[h] == d.y[h] {
					x.right[h]++
				}
			}
		}
		c := conf.apply(s.catProb[i])
		confs = append(confs, c)
		if c > AutoAssignThreshold {
			auto++
			if s.catRight[i] {
				autoRight++
			}
		}
	}
	r := CVReport{Accuracy: map[string]float64{}, ByLanguage: map[string]map[string]float64{}}
	for h := range numHeads {
		r.Accuracy[headNames[h]] = ratio(all.right[h], all.n[h])
	}
	r.Accuracy["language"] = lang.accuracy
	for l, t := range by {
		m := map[string]float64{}
		for h := range numHeads {
			m[headNames[h]] = ratio(t.right[h], t.n[h])
		}
		if a, ok := lang.byLang[l]; ok {
			m["language"] = a
		}
		r.ByLanguage[l] = m
	}
	r.AutoPrecision = ratio(autoRight, auto)
	r.AutoCoverage = ratio(auto, len(docs))
	r.ECE = round4(ExpectedCalibrationError(CalibrationTable(confs, s.catRight, 10)))
	return r
}

// AutoAssignThreshold is the default confidence above which a conversation
// is assigned without a human (DESIGN.md §1).
const AutoAssignThreshold = 0.85

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return round4(float64(a) / float64(b))
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
