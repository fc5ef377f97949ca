package kb

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"hummdesk/internal/store"
)

// words splits text into lower-cased words: runs of letters and digits.
func words(text string) []string {
	var out []string
	start := -1
	lower := strings.ToLower(text)
	for i, r := range lower {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, lower[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, lower[start:])
	}
	return out
}

// fold maps the accented Latin letters of our languages to their base
// letters, so "päivitys" and "paivitys" embed alike.
var fold = strings.NewReplacer(
	"ä", "a", "å", "a", "à", "a", "â", "a", "á", "a", "æ", "ae",
	"ö", "o", "ø", "o", "ô", "o", "ó", "o", "œ", "oe",
	"ü", "u", "ù", "u", "û", "u", "ú", "u",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i",
	"ç", "c", "ß", "ss", "ñ", "n", "ÿ", "y",
)

// stopwords are the commonest function words of English, Finnish, Swedish,
// German and French. The embedder gives them little weight and full-text
// queries leave them out: they match every article.
var stopwords = func() map[string]bool {
	lists := []string{
		// English
		`a an and are as at be been but by can could do does did for from had has have how i if in into is it its
		me my no not of on or our so than that the their them then there these they this to too us was we were
		what when where which who why will with would you your yours am any all also about after before get
		got cannot should may might must i'm don't doesn't`,
		// Finnish
		`ja on ei ole oli olen olet ovat se ne että kun jos mutta tai kuin niin myös vain voi voin voiko voinko
		mitä mikä miten miksi missä mistä mihin kuka minä sinä hän me te he minun sinun meidän teidän heidän
		mun mua mulle minulle minua minulla sen sitä siitä siihen tämä tämän tätä tässä nyt jo vielä kanssa
		ilman olla onko eikö pitää täytyy saa saako saanko`,
		// Swedish
		`och att det som en ett är i på av för med till den de har inte om jag du vi ni han hon man kan
		min mitt mina din ditt dina vår vårt våra er ert era hur vad varför var när vilken vilket vilka
		eller men så också bara måste ska skall kunna får från under efter sig sin sitt sina mig dig oss
		hos då nu än utan`,
		// German
		`der die das den dem des ein eine einer einen einem eines und oder aber ist sind war waren bin bist
		ich du er sie es wir ihr mein meine meinen meinem meiner dein deine unser unsere euer ihre
		nicht kein keine zu zum zur mit von vom bei für auf an am im in aus um wie was wo warum wann welche
		welcher welches kann können muss müssen soll sollte wird werden wurde hat haben habe auch nur noch
		schon so dass wenn ob man sich mich mir dich dir uns`,
		// French
		`le la les un une des du de d l et ou mais est sont était être avoir ai as a ont je tu il elle nous
		vous ils elles mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs ne pas plus que qui
		quoi quel quelle quels quelles comment pourquoi où quand dans en sur pour par avec sans au aux ce
		cet cette ces se me te lui y peut peux puis dois doit faut il s c j n qu est-ce`,
	}
	m := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			m[w] = true
			m[fold.Replace(w)] = true
		}
	}
	return m
}()

// isStopword reports whether w (lower-cased) is a function word.
func isStopword(w string) bool { return stopwords[w] }

// textTerms turns a question into a full-text query: its content words,
// each also matching longer words that start with its stem (the first
// len-2 letters of words of six or more letters), which catches plurals
// and the case endings of Finnish and German without a stemmer per
// language.
func textTerms(q string) []store.KBTextTerm {
	seen := map[string]bool{}
	var out []store.KBTextTerm
	for _, w := range words(q) {
		if isStopword(w) || seen[w] {
			continue
		}
		seen[w] = true
		n := utf8.RuneCountInString(w)
		switch {
		case n < 2:
			continue
		case n >= 6:
			stem := string([]rune(w)[:n-2])
			out = append(out, store.KBTextTerm{Word: stem, Prefix: true})
		default:
			out = append(out, store.KBTextTerm{Word: w})
		}
	}
	return out
}
