package local

import (
	"math"
	"unicode"
)

// Language detection is a naive Bayes classifier over the character 1–4-grams
// of each word (with word boundaries, diacritics kept: å, ä, ö, ß, é and æ/ø
// tell languages apart). It is trained on the corpus: the five languages of
// the labelled examples plus short profiles of a few neighbours written for
// this purpose (corpus/extra.jsonl), so that Spanish is "es" rather than
// the nearest of the five. Text in a non-Latin script is named by its
// script; text without letters, or far from every profile, is "und".

const (
	langBits = 18
	langMask = 1<<langBits - 1
	langMinN = 1
	langMaxN = 4
	// Undetermined is the answer for empty or nonsense input.
	Undetermined = "und"
)

// langModel holds, for each n-gram bucket seen in training, the
// log-probability of that bucket under each language's profile.
type langModel struct {
	langs  []string
	prior  []float32 // log prior per language
	index  []int32   // bucket → row, -1 when unseen
	logp   []float32 // rows × len(langs)
	unseen []float32 // log-probability of a bucket seen in training but not in this language
	temp   float32   // posterior temperature, fitted on held-out folds
	// floor is the log-probability an n-gram seen in no language counts
	// for when judging whether text is nonsense; minAvg is the lowest
	// average log-probability per n-gram a text may have under its best
	// language before it counts as nonsense.
	floor, minAvg float32
}

// langGrams appends the hashed character n-grams of the words of toks.
func langGrams(toks []token, out []uint32, runes []rune) ([]uint32, []rune) {
	for _, t := range toks {
		if !t.word || !hasLetter(t.text) {
			continue
		}
		runes = append(runes[:0], '<')
		for _, c := range t.text {
			runes = append(runes, c)
		}
		runes = append(runes, '>')
		for n := langMinN; n <= langMaxN; n++ {
			for i := 0; i+n <= len(runes); i++ {
				if n == 1 && (runes[i] == '<' || runes[i] == '>') {
					continue
				}
				h := seedLang
				for _, c := range runes[i : i+n] {
					h = hashRune(h, c)
				}
				out = append(out, uint32(mix(h)&langMask))
			}
		}
	}
	return out, runes
}

func mix(h uint64) uint64 {
	h ^= h >> 31
	h *= 0x94d049bb133111eb
	h ^= h >> 29
	return h
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// scores writes the unnormalised log-posterior of each language into out
// and returns the number of n-grams that counted.
func (lm *langModel) scores(grams []uint32, out []float64) int {
	L := len(lm.langs)
	for l := range L {
		out[l] = float64(lm.prior[l])
	}
	n := 0
	for _, g := range grams {
		row := lm.index[g]
		if row < 0 {
			continue
		}
		n++
		p := lm.logp[int(row)*L : int(row)*L+L]
		for l := range L {
			out[l] += float64(p[l])
		}
	}
	return n
}

// nonLatinScript names the language of text written mostly in a script
// other than Latin, or returns "".
func nonLatinScript(text string) string {
	var latin, other int
	var counts [16]int // per entry of scripts
	for _, r := range text {
		if r < 0x80 || !unicode.IsLetter(r) {
			if r < 0x80 && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
				latin++
			}
			continue
		}
		if unicode.Is(unicode.Latin, r) {
			latin++
			continue
		}
		other++
		for i, s := range scripts {
			if unicode.Is(s.table, r) {
				counts[i]++
				break
			}
		}
	}
	if other <= latin {
		return ""
	}
	byLang := map[string]int{}
	best, n := Undetermined, 0
	for i, s := range scripts { // fixed order: deterministic ties
		byLang[s.lang] += counts[i]
		if byLang[s.lang] > n {
			best, n = s.lang, byLang[s.lang]
		}
	}
	switch best {
	case "ru":
		for _, r := range text {
			if r == 'і' || r == 'ї' || r == 'є' || r == 'ґ' {
				return "uk"
			}
		}
	case "zh":
		if byLang["ja"] > 0 {
			return "ja"
		}
	}
	return best
}

var scripts = []struct {
	lang  string
	table *unicode.RangeTable
}{
	{"ja", unicode.Hiragana}, {"ja", unicode.Katakana}, {"zh", unicode.Han}, {"ko", unicode.Hangul},
	{"ru", unicode.Cyrillic}, {"el", unicode.Greek}, {"ar", unicode.Arabic}, {"he", unicode.Hebrew},
	{"th", unicode.Thai}, {"hi", unicode.Devanagari}, {"hy", unicode.Armenian}, {"ka", unicode.Georgian},
}

// detect returns the language of toks (from text) and its probability.
func (lm *langModel) detect(text string, toks []token, sc *scratch) (string, float64) {
	if l := nonLatinScript(text); l != "" {
		return l, 0.99
	}
	sc.grams, sc.runes = langGrams(toks, sc.grams[:0], sc.runes)
	if len(sc.grams) == 0 {
		return Undetermined, 1
	}
	L := len(lm.langs)
	s := sc.langScores[:L]
	n := lm.scores(sc.grams, s)
	if n == 0 {
		return Undetermined, 1
	}
	best := 0
	for l := range L {
		if s[l] > s[best] {
			best = l
		}
	}
	if lm.avgLogProb(s[best]-float64(lm.prior[best]), n, len(sc.grams)) < float64(lm.minAvg) {
		return Undetermined, 1
	}
	return lm.langs[best], softmaxAt(s, best, float64(lm.temp))
}

// softmaxAt returns softmax(s/temp)[i].
func softmaxAt(s []float64, i int, temp float64) float64 {
	m := s[i]
	for _, v := range s {
		m = math.Max(m, v)
	}
	var z float64
	for _, v := range s {
		z += math.Exp((v - m) / temp)
	}
	return math.Exp((s[i]-m)/temp) / z
}

// avgLogProb is the average log-probability per n-gram of a text whose
// seen n-grams sum to sum, counting the unseen ones at the floor.
func (lm *langModel) avgLogProb(sum float64, seen, total int) float64 {
	return (sum + float64(total-seen)*float64(lm.floor)) / float64(total)
}
