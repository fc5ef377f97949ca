package local

import (
	"slices"
	"sort"
	"time"
)

// Evaluation measures a model on a labelled set.
type Evaluation struct {
	N          int
	Accuracy   map[string]float64            // field → accuracy
	ByLanguage map[string]map[string]float64 // true language → field → accuracy
	Counts     map[string]int                // true language → examples
	// Confusion[field][truth][predicted] counts.
	Confusion   map[string]map[string]map[string]int
	Calibration []CalibrationBin // category confidence, 10 bins
	ECE         float64
	// AutoPrecision is the category accuracy among the messages with
	// confidence above AutoAssignThreshold; AutoCoverage is their share.
	AutoPrecision, AutoCoverage float64
	AutoCount                   int
}

// Fields are the evaluated fields, in report order.
var Fields = []string{"language", "category", "priority", "sentiment"}

// Evaluate classifies every example of set and compares with its labels.
func Evaluate(m *Model, set []Example) *Evaluation {
	ev := &Evaluation{
		N:          len(set),
		Accuracy:   map[string]float64{},
		ByLanguage: map[string]map[string]float64{},
		Counts:     map[string]int{},
		Confusion:  map[string]map[string]map[string]int{},
	}
	right := map[string]int{}
	byRight := map[string]map[string]int{}
	var confs []float64
	var catRight []bool
	var auto, autoRight int
	for _, e := range set {
		p := m.Classify(e.Text)
		truth := map[string]string{"language": e.Language, "category": e.Category, "priority": e.Priority, "sentiment": e.Sentiment}
		pred := map[string]string{"language": p.Language, "category": p.Category, "priority": p.Priority, "sentiment": p.Sentiment}
		ev.Counts[e.Language]++
		if byRight[e.Language] == nil {
			byRight[e.Language] = map[string]int{}
		}
		for _, f := range Fields {
			if truth[f] == pred[f] {
				right[f]++
				byRight[e.Language][f]++
			}
			if ev.Confusion[f] == nil {
				ev.Confusion[f] = map[string]map[string]int{}
			}
			if ev.Confusion[f][truth[f]] == nil {
				ev.Confusion[f][truth[f]] = map[string]int{}
			}
			ev.Confusion[f][truth[f]][pred[f]]++
		}
		ok := p.Category == e.Category
		confs = append(confs, p.Confidence)
		catRight = append(catRight, ok)
		if p.Confidence > AutoAssignThreshold {
			auto++
			if ok {
				autoRight++
			}
		}
	}
	for _, f := range Fields {
		ev.Accuracy[f] = ratio(right[f], len(set))
	}
	for l, n := range ev.Counts {
		ev.ByLanguage[l] = map[string]float64{}
		for _, f := range Fields {
			ev.ByLanguage[l][f] = ratio(byRight[l][f], n)
		}
	}
	ev.Calibration = CalibrationTable(confs, catRight, 10)
	ev.ECE = round4(ExpectedCalibrationError(ev.Calibration))
	ev.AutoPrecision, ev.AutoCoverage, ev.AutoCount = ratio(autoRight, auto), ratio(auto, len(set)), auto
	return ev
}

// LanguagesOf returns the keys of a per-language map: the five trained
// languages first, then the others in order.
func LanguagesOf[V any](m map[string]V) []string {
	var out []string
	for _, l := range Languages {
		if _, ok := m[l]; ok {
			out = append(out, l)
		}
	}
	var rest []string
	for l := range m {
		if !slices.Contains(Languages, l) {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Throughput classifies texts in turn on the calling goroutine until at
// least minCalls calls and minTime have passed, and returns the calls per
// second, the 50th and 99th percentile latency of one call, and the number
// of calls.
func Throughput(m *Model, texts []string, minCalls int, minTime time.Duration) (perSec float64, p50, p99 time.Duration, calls int) {
	if len(texts) == 0 {
		return 0, 0, 0, 0
	}
	var lat []time.Duration
	start := time.Now()
	for i := 0; len(lat) < minCalls || time.Since(start) < minTime; i++ {
		t := time.Now()
		m.Classify(texts[i%len(texts)])
		lat = append(lat, time.Since(t))
	}
	total := time.Since(start)
	slices.Sort(lat)
	return float64(len(lat)) / total.Seconds(), lat[len(lat)/2], lat[(len(lat)*99)/100], len(lat)
}
