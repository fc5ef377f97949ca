package local

import (
	"fmt"
	"slices"
	"strings"
)

// explain builds Prediction.Reasoning: the words that pushed hardest
// towards the chosen category and priority. A feature's push is its value
// times how much more it weighs for the chosen label than for the average
// other label; a word collects the pushes of its unigram, its character
// n-grams, half of each bigram it is in and its share of each lexicon
// concept that matched it.
func (m *Model) explain(p Prediction) string {
	var raw rawFeatures
	raw.trace = true
	extract(p.text, &m.feat, &raw)
	// The vector's value of each row, computed on a copy (vectorize sorts).
	var cp rawFeatures
	for g := range raw.groups {
		cp.groups[g] = slices.Clone(raw.groups[g])
	}
	vals := map[int32]float32{}
	vec, _ := vectorize(&cp, &m.feat, m.lookup, nil)
	for _, e := range vec {
		vals[e.row] += e.val
	}
	occurrences := map[uint32]int{}
	for g := range raw.groups {
		for _, b := range raw.groups[g] {
			occurrences[b]++
		}
	}
	push := func(h, label int) []float64 {
		per := make([]float64, len(raw.toks))
		K := len(headLabels[h])
		for g := range raw.groups {
			for i, b := range raw.groups[g] {
				row := m.index[b]
				sp := raw.spans[g][i]
				if row < 0 || sp.start < 0 {
					continue
				}
				w := m.w[int(row)*numCols+headOffset[h] : int(row)*numCols+headOffset[h]+K]
				var others float64
				for k, x := range w {
					if k != label {
						others += float64(x)
					}
				}
				d := float64(vals[row]) * (float64(w[label]) - others/float64(K-1)) / float64(occurrences[b])
				d /= float64(sp.end - sp.start)
				for t := sp.start; t < sp.end; t++ {
					per[t] += d
				}
			}
		}
		return per
	}
	cat := labelIndex(Categories, p.Category)
	pri := labelIndex(Priorities, p.Priority)
	catWords := topPhrases(raw.toks, push(headCategory, cat), 3)
	priWords := topPhrases(raw.toks, push(headPriority, pri), 2)

	var b strings.Builder
	if len(catWords) == 0 {
		fmt.Fprintf(&b, "Nothing in the message points clearly to a category; %s is the most likely (confidence %.2f).", p.Category, p.Confidence)
	} else {
		what, verb := evidence(catWords)
		fmt.Fprintf(&b, "%s %s to %s (confidence %.2f).", what, verb, p.Category, p.Confidence)
	}
	var second []string
	switch {
	case p.Rule != "":
		what := lexicon[conceptID(ruleByName(m.rules, p.Rule).Concept)].about
		second = append(second, fmt.Sprintf("it reads as %s, which the priority rules make %s", what, p.Priority))
	case len(priWords) > 0:
		verb := "suggests"
		if len(priWords) > 1 {
			verb = "suggest"
		}
		second = append(second, fmt.Sprintf("%s %s %s priority", quoteList(priWords), verb, p.Priority))
	default:
		second = append(second, fmt.Sprintf("priority %s is the most likely", p.Priority))
	}
	second = append(second, "the tone reads as "+p.Sentiment)
	if p.InstructionIgnored {
		second = append(second, "instructions addressed to the classifier were ignored")
	}
	s := strings.Join(second, "; ")
	b.WriteString(" " + strings.ToUpper(s[:1]) + s[1:] + ".")
	return b.String()
}

func ruleByName(rules []priorityRule, name string) priorityRule {
	for _, r := range rules {
		if r.Name == name {
			return r
		}
	}
	return priorityRule{}
}

// evidence introduces the quoted words and conjugates the verb after them.
func evidence(ws []string) (string, string) {
	switch {
	case len(ws) > 1:
		return "Words like " + quoteList(ws), "point"
	case strings.Contains(ws[0], " "):
		return "The phrase " + quoteList(ws), "points"
	}
	return "The word " + quoteList(ws), "points"
}

func quoteList(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, ", ")
}

// topPhrases returns up to n phrases that pushed hardest towards the
// label, strongest first. A word counts when it has letters and pushes at
// least 30% as hard as the strongest word; adjacent counting words form a
// phrase of up to three.
func topPhrases(toks []token, per []float64, n int) []string {
	shown := func(i int) bool { return toks[i].word && hasLetter(toks[i].text) }
	var top float64
	for i := range toks {
		if shown(i) {
			top = max(top, per[i])
		}
	}
	if top <= 0 {
		return nil
	}
	strong := func(i int) bool { return shown(i) && per[i] >= 0.3*top }
	type phrase struct {
		text  string
		score float64
	}
	var ps []phrase
	for i := 0; i < len(toks); {
		if !strong(i) {
			i++
			continue
		}
		var words []string
		var score float64
		j := i
		for ; j < len(toks) && j-i < 3 && strong(j); j++ {
			words = append(words, toks[j].text)
			score += per[j]
		}
		ps = append(ps, phrase{strings.Join(words, " "), score})
		i = j
	}
	slices.SortStableFunc(ps, func(a, b phrase) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	var out []string
	for _, p := range ps {
		if len(out) == n {
			break
		}
		if !slices.Contains(out, p.text) {
			out = append(out, p.text)
		}
	}
	return out
}
