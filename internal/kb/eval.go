package kb

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"hummdesk/internal/store"
)

//go:embed testdata/eval.json
var evalJSON []byte

// EvalArticle is an article of the evaluation set; Key names it in the
// questions.
type EvalArticle struct {
	Key     string   `json:"key"`
	Lang    string   `json:"lang"`
	Title   string   `json:"title"`
	Tags    []string `json:"tags"`
	Content string   `json:"content"`
}

// EvalQuestion is a question and the key of the article that answers it.
type EvalQuestion struct {
	Lang     string `json:"lang"`
	Question string `json:"question"`
	Article  string `json:"article"`
}

// EvalSet is a labelled retrieval set.
type EvalSet struct {
	Articles  []EvalArticle  `json:"articles"`
	Questions []EvalQuestion `json:"questions"`
}

// LoadEvalSet returns the built-in evaluation set (testdata/eval.json): a
// fictional telecom help centre with 15 articles in English, Finnish,
// Swedish, German and French, and 43 questions in those languages, each
// labelled with the article that answers it.
func LoadEvalSet() (EvalSet, error) {
	var s EvalSet
	if err := json.Unmarshal(evalJSON, &s); err != nil {
		return s, fmt.Errorf("evaluation set: %w", err)
	}
	keys := map[string]bool{}
	for _, a := range s.Articles {
		keys[a.Key] = true
	}
	for _, q := range s.Questions {
		if !keys[q.Article] {
			return s, fmt.Errorf("evaluation set: question %q names unknown article %q", q.Question, q.Article)
		}
	}
	return s, nil
}

// EvalMiss is a question whose article was not among the top k hits.
type EvalMiss struct {
	Question EvalQuestion
	// Got are the keys of the articles of the top k hits, best first.
	Got []string
}

// EvalResult is recall@K over a set: the share of questions whose article
// is among the articles of the K best hits.
type EvalResult struct {
	K         int
	Questions int
	Found     int
	Recall    float64
	// ByLanguage is recall@K per question language.
	ByLanguage map[string]float64
	Misses     []EvalMiss
}

// String formats the result for a report.
func (r EvalResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "recall@%d = %.3f (%d/%d)", r.K, r.Recall, r.Found, r.Questions)
	langs := make([]string, 0, len(r.ByLanguage))
	for l := range r.ByLanguage {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		fmt.Fprintf(&b, " %s=%.2f", l, r.ByLanguage[l])
	}
	for _, m := range r.Misses {
		fmt.Fprintf(&b, "\n  miss [%s] %q want %s got %v", m.Question.Lang, m.Question.Question, m.Question.Article, m.Got)
	}
	return b.String()
}

// Evaluate loads set's articles, published, into the account (which should
// hold no other articles), embeds them at once, asks every question and
// reports recall@k.
func (s *Service) Evaluate(ctx context.Context, accountID int64, set EvalSet, k int) (EvalResult, error) {
	keyOf := map[int64]string{}
	err := s.store.Tx(ctx, accountID, func(tx *store.Tx) error {
		for _, a := range set.Articles {
			art, err := s.CreateArticle(ctx, tx, ArticleParams{Title: a.Title, Content: a.Content, Tags: a.Tags, Published: true})
			if err != nil {
				return fmt.Errorf("article %s: %w", a.Key, err)
			}
			keyOf[art.ID] = a.Key
		}
		return nil
	})
	if err != nil {
		return EvalResult{}, err
	}
	for id := range keyOf {
		if _, err := s.EmbedArticle(ctx, accountID, id, 0); err != nil {
			return EvalResult{}, err
		}
	}
	res := EvalResult{K: k, ByLanguage: map[string]float64{}}
	asked, found := map[string]int{}, map[string]int{}
	for _, q := range set.Questions {
		hits, err := s.Search(ctx, accountID, q.Question, k, 0)
		if err != nil {
			return res, fmt.Errorf("search %q: %w", q.Question, err)
		}
		var got []string
		for _, h := range hits {
			if key := keyOf[h.ArticleID]; !slices.Contains(got, key) {
				got = append(got, key)
			}
		}
		res.Questions++
		asked[q.Lang]++
		if slices.Contains(got, q.Article) {
			res.Found++
			found[q.Lang]++
		} else {
			res.Misses = append(res.Misses, EvalMiss{Question: q, Got: got})
		}
	}
	if res.Questions > 0 {
		res.Recall = float64(res.Found) / float64(res.Questions)
	}
	for l, n := range asked {
		res.ByLanguage[l] = float64(found[l]) / float64(n)
	}
	return res, nil
}
