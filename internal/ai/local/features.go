package local

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Features are hashed into a space of 2^hashBits buckets. Only the buckets
// seen in training are kept (model.index maps them to rows); the others
// carry no weight and are skipped.
const (
	hashBits = 20
	hashMask = 1<<hashBits - 1
)

// Feature groups. Each group is weighted with sublinear TF × IDF and
// L2-normalised on its own, then scaled by its group weight, so that the
// many character n-grams do not drown the few word and concept features.
const (
	groupWords    = iota // word unigrams and bigrams
	groupChars           // character n-grams of each word, with word boundaries
	groupConcepts        // lexicon concepts and shape cues (capitals, "!!", length)
	numGroups
)

// Hash seeds keep the kinds of feature apart in the shared bucket space.
const (
	seedUnigram uint64 = 0x9e3779b97f4a7c15
	seedBigram  uint64 = 0xc2b2ae3d27d4eb4f
	seedChar    uint64 = 0x165667b19e3779f9
	seedConcept uint64 = 0x27d4eb2f165667c5
	seedLang    uint64 = 0x85ebca77c2b2ae63
	seedStem    uint64 = 0x4cf5ad432745937f
)

// featureConfig fixes how text becomes features. It is stored in the model.
type featureConfig struct {
	MinN, MaxN  int // character n-gram lengths
	GroupWeight [numGroups]float32
	// Stems, when positive, adds the first Stems letters of each longer
	// word (without diacritics) as a word feature: a crude stemmer that
	// lets "laskussa", "laskulla" and "laskun" share "lasku".
	Stems int `json:",omitempty"`
}

var defaultFeatureConfig = featureConfig{MinN: 3, MaxN: 5, GroupWeight: [numGroups]float32{1, 1, 0.6}, Stems: 5}

// hashString is FNV-1a over s, started from seed.
func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

func bucket(h uint64) uint32 {
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return uint32(h & hashMask)
}

// rawFeatures are the hashed features of one text, with repetitions, per
// group, before weighting.
type rawFeatures struct {
	groups [numGroups][]uint32
	// spans, when trace is set, holds for each feature of each group the
	// tokens it came from ({-1, -1} for shape cues).
	trace    bool
	spans    [numGroups][]span
	toks     []token
	hits     []conceptHit
	injected bool // an instruction addressed to the classifier was removed
	runes    []rune
}

type span struct{ start, end int32 }

func (r *rawFeatures) reset() {
	for g := range r.groups {
		r.groups[g] = r.groups[g][:0]
		r.spans[g] = r.spans[g][:0]
	}
	r.toks = r.toks[:0]
	r.hits = r.hits[:0]
	r.injected = false
}

// extract turns text into hashed features.
func extract(text string, cfg *featureConfig, r *rawFeatures) {
	r.reset()
	text, r.injected = stripInjection(text)
	var sh shape
	r.toks, sh = tokenize(text, r.toks)
	words := &r.groups[groupWords]
	prev := ""
	for i, t := range r.toks {
		*words = append(*words, bucket(hashString(seedUnigram, t.text)))
		r.note(groupWords, i, i+1)
		if prev != "" {
			*words = append(*words, bucket(hashString(hashString(seedBigram, prev), " "+t.text)))
			r.note(groupWords, i-1, i+1)
		}
		prev = t.text
		if cfg.Stems > 0 && t.word && len(t.folded) > cfg.Stems && utf8.RuneCountInString(t.folded) > cfg.Stems {
			n := 0
			for k := range t.folded {
				if n == cfg.Stems {
					*words = append(*words, bucket(hashString(seedStem, t.folded[:k])))
					r.note(groupWords, i, i+1)
					break
				}
				n++
			}
		}
	}
	chars := &r.groups[groupChars]
	for ti, t := range r.toks {
		if !t.word {
			continue
		}
		r.runes = append(r.runes[:0], '<')
		for _, c := range t.folded {
			r.runes = append(r.runes, c)
		}
		r.runes = append(r.runes, '>')
		for n := cfg.MinN; n <= cfg.MaxN; n++ {
			for i := 0; i+n <= len(r.runes); i++ {
				h := seedChar
				for _, c := range r.runes[i : i+n] {
					h = hashRune(h, c)
				}
				*chars = append(*chars, bucket(h))
				r.note(groupChars, ti, ti+1)
			}
		}
	}
	concepts := &r.groups[groupConcepts]
	r.hits = defaultMatcher.match(r.toks, r.hits)
	for _, h := range r.hits {
		*concepts = append(*concepts, conceptBucket[h.concept])
		r.note(groupConcepts, h.start, h.end)
	}
	for _, s := range shapeCues(sh) {
		*concepts = append(*concepts, bucket(hashString(seedConcept, s)))
		r.note(groupConcepts, -1, -1)
	}
}

func (r *rawFeatures) note(g, start, end int) {
	if r.trace {
		r.spans[g] = append(r.spans[g], span{int32(start), int32(end)})
	}
}

func hashRune(h uint64, c rune) uint64 {
	if c < utf8.RuneSelf {
		h ^= uint64(c)
		return h * 0x100000001b3
	}
	var b [4]byte
	n := utf8.EncodeRune(b[:], c)
	for _, x := range b[:n] {
		h ^= uint64(x)
		h *= 0x100000001b3
	}
	return h
}

// shapeCues names what lower-casing removed: capitals, exclamation marks,
// questions, and the length of the message.
func shapeCues(sh shape) []string {
	var cues [6]string
	out := cues[:0]
	if sh.capsWords >= 1 {
		out = append(out, "s:caps")
	}
	if sh.capsWords >= 3 || (sh.words >= 3 && sh.capsWords*3 >= sh.words) {
		out = append(out, "s:shouting")
	}
	if sh.bangs > 0 {
		out = append(out, "s:bang")
	}
	if sh.bangRuns > 0 {
		out = append(out, "s:bangs")
	}
	if sh.questions > 0 {
		out = append(out, "s:question")
	}
	switch {
	case sh.runes < 40:
		out = append(out, "s:len-short")
	case sh.runes < 150:
		out = append(out, "s:len-medium")
	case sh.runes < 400:
		out = append(out, "s:len-long")
	default:
		out = append(out, "s:len-email")
	}
	return out
}

// entry is one weighted feature of a vector: a row of the model and its value.
type entry struct {
	row int32
	val float32
}

// vectorize weights raw features: for each group, count the repetitions of
// each bucket, keep those lookup knows (row ≥ 0), weight them with
// (1 + ln count) × idf, L2-normalise the group and scale it. Entries are
// appended to out in a fixed order, so the result is deterministic. It also
// returns the number of distinct buckets, known or not.
func vectorize(r *rawFeatures, cfg *featureConfig, lookup func(uint32) (int32, float32), out []entry) ([]entry, int) {
	distinct := 0
	for g := range r.groups {
		ids := r.groups[g]
		slices.Sort(ids)
		start := len(out)
		var norm float64
		for i := 0; i < len(ids); {
			j := i + 1
			for j < len(ids) && ids[j] == ids[i] {
				j++
			}
			distinct++
			if row, idf := lookup(ids[i]); row >= 0 {
				v := float32((1 + math.Log(float64(j-i))) * float64(idf))
				out = append(out, entry{row, v})
				norm += float64(v) * float64(v)
			}
			i = j
		}
		if norm == 0 {
			continue
		}
		scale := float32(float64(cfg.GroupWeight[g]) / math.Sqrt(norm))
		for k := start; k < len(out); k++ {
			out[k].val *= scale
		}
	}
	return out, distinct
}

// conceptHit is one match of a lexicon entry: the concept and the tokens
// it covered.
type conceptHit struct {
	concept    int
	start, end int // token span [start, end)
}

const (
	patPrefix = iota
	patExact
	patInfix
)

type pattern struct {
	s    string
	mode int
}

type lexEntry struct {
	concept int
	pats    []pattern
}

// matcher finds lexicon entries in a token sequence. Entries are indexed by
// the first three bytes of their first word; words shorter than three bytes
// and infix words are looked up separately.
type matcher struct {
	entries []lexEntry
	byKey   map[string][]int
	short   map[string][]int
	infix   []int
}

var (
	defaultMatcher = newMatcher(lexicon)
	conceptBucket  = func() []uint32 {
		b := make([]uint32, len(lexicon))
		for i, c := range lexicon {
			b[i] = bucket(hashString(seedConcept, "c:"+c.name))
		}
		return b
	}()
)

func newMatcher(lex []concept) *matcher {
	m := &matcher{byKey: map[string][]int{}, short: map[string][]int{}}
	var toks []token
	for ci, c := range lex {
		for _, lang := range c.terms {
			for _, term := range strings.Split(lang, "|") {
				var pats []pattern
				for _, w := range strings.Fields(term) {
					mode := patPrefix
					switch w[0] {
					case '=':
						mode, w = patExact, w[1:]
					case '*':
						mode, w = patInfix, w[1:]
					}
					toks, _ = tokenize(w, toks[:0])
					for i, t := range toks {
						md := mode
						if i > 0 {
							md = patPrefix
						}
						pats = append(pats, pattern{t.folded, md})
					}
				}
				if len(pats) == 0 {
					continue
				}
				id := len(m.entries)
				m.entries = append(m.entries, lexEntry{ci, pats})
				switch p := pats[0]; {
				case p.mode == patInfix:
					m.infix = append(m.infix, id)
				case len(p.s) < 3:
					m.short[p.s] = append(m.short[p.s], id)
				default:
					m.byKey[p.s[:3]] = append(m.byKey[p.s[:3]], id)
				}
			}
		}
	}
	return m
}

func (p pattern) matches(tok string) bool {
	switch p.mode {
	case patExact:
		return tok == p.s
	case patInfix:
		return len(tok) >= len(p.s) && strings.Contains(tok, p.s)
	}
	if len(p.s) < 3 {
		return tok == p.s // "ei", "jo": as prefixes they would match far too much
	}
	return strings.HasPrefix(tok, p.s)
}

// match appends every match in toks to hits. A concept is counted at most
// once per starting token.
func (m *matcher) match(toks []token, hits []conceptHit) []conceptHit {
	var seen [64]bool // concepts already hit at this token (len(lexicon) ≤ 64)
	for i, t := range toks {
		clear(seen[:])
		try := func(ids []int) {
			for _, id := range ids {
				e := &m.entries[id]
				if seen[e.concept] || !e.pats[0].matches(t.folded) {
					continue
				}
				if end, ok := matchRest(toks, i+1, e.pats[1:]); ok {
					seen[e.concept] = true
					hits = append(hits, conceptHit{e.concept, i, end})
				}
			}
		}
		if len(t.folded) >= 3 {
			try(m.byKey[t.folded[:3]])
		}
		try(m.short[t.folded])
		try(m.infix)
	}
	return hits
}

// matchRest matches the remaining words of a phrase from token i on,
// allowing one extra token before each word.
func matchRest(toks []token, i int, pats []pattern) (int, bool) {
	for _, p := range pats {
		switch {
		case i < len(toks) && p.matches(toks[i].folded):
			i++
		case i+1 < len(toks) && p.matches(toks[i+1].folded):
			i += 2
		default:
			return 0, false
		}
	}
	return i, true
}
