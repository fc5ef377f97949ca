package local

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word (a run of letters and digits) or one symbol (a currency
// sign, an emoji) of a message, lower-cased, with digits replaced by '0' so
// that "€64" and "€39" share their features.
type token struct {
	text   string // lower-cased, digits → '0'
	folded string // text without diacritics (é → e, ß → ss); == text when there are none
	word   bool   // letters/digits, not a symbol
}

// shape counts the surface cues lower-casing erases.
type shape struct {
	capsWords int // words of three or more letters written in capitals
	words     int
	bangs     int // '!' characters
	bangRuns  int // "!!" or longer
	questions int
	runes     int
}

// tokenize splits s into tokens and measures its shape. Apostrophes and
// hyphens separate words ("doesn't" → "doesn", "t"; "l'adresse" → "l",
// "adresse"): the lexicon is tokenised the same way, so phrases still match.
func tokenize(s string, toks []token) ([]token, shape) {
	var sh shape
	var b strings.Builder
	upper, letters := 0, 0
	prevBang := false
	flush := func() {
		if b.Len() == 0 {
			return
		}
		w := b.String()
		b.Reset()
		toks = append(toks, token{text: w, folded: fold(w), word: true})
		sh.words++
		if letters >= 3 && upper == letters {
			sh.capsWords++
		}
		upper, letters = 0, 0
	}
	for _, r := range s {
		sh.runes++
		switch {
		case unicode.IsLetter(r) || unicode.IsMark(r):
			if unicode.IsUpper(r) {
				upper++
			}
			if unicode.IsLetter(r) {
				letters++
			}
			b.WriteRune(unicode.ToLower(r))
			prevBang = false
			continue
		case unicode.IsDigit(r):
			b.WriteByte('0')
			prevBang = false
			continue
		}
		flush()
		switch {
		case r == '!':
			sh.bangs++
			if prevBang {
				sh.bangRuns++
			}
			prevBang = true
			continue
		case r == '?':
			sh.questions++
		case unicode.Is(unicode.Sc, r) || unicode.Is(unicode.So, r):
			toks = append(toks, token{text: string(r), folded: string(r)})
		}
		prevBang = false
	}
	flush()
	return toks, sh
}

// fold removes diacritics from a lower-case word of a Latin script, so that
// a message typed without accents ("hyvaa paivaa", "facture recue") shares
// features with one typed with them. Letters outside the table are kept.
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var foldTable = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'ø': "o", 'œ': "oe", 'đ': "d", 'ł': "l", 'ı': "i"}
	groups := map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "e": "èéêëēĕėęě", "i": "ìíîïĩīĭįİ",
		"n": "ñńņňŉ", "o": "òóôõöōŏő", "u": "ùúûüũūŭůűų", "y": "ýÿŷ",
		"s": "śŝşšș", "z": "źżž", "g": "ĝğġģ", "r": "ŕŗř", "t": "ţťț",
		"l": "ĺļľ", "d": "ď", "h": "ĥħ", "j": "ĵ", "k": "ķ", "w": "ŵ",
	}
	for to, from := range groups {
		for _, r := range from {
			m[r] = to
		}
	}
	return m
}()
