package ai

import "strings"

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	InputPerMTok  float64
	OutputPerMTok float64
}

// PriceTable maps model ids to prices. A model id matches its own entry or,
// failing that, the longest entry that is a prefix of it up to a '-', '@' or
// ':' (so "claude-haiku-4-5-20251001" is priced as "claude-haiku-4-5", and
// "gpt-4o-mini" never as "gpt-4o" while "gpt-4o-mini" is listed).
//
// The remote providers ship list prices as they stood when the table was
// written (see anthropic.DefaultPrices and openai.DefaultPrices); the
// provider configs take a PriceTable whose entries override or extend
// those, because prices change and negotiated rates differ.
type PriceTable map[string]Price

// Lookup returns the price of model and whether the table knows it.
func (t PriceTable) Lookup(model string) (Price, bool) {
	if p, ok := t[model]; ok {
		return p, true
	}
	best, found := "", false
	for id := range t {
		if len(id) <= len(best) || len(id) >= len(model) || !strings.HasPrefix(model, id) {
			continue
		}
		switch model[len(id)] {
		case '-', '@', ':':
			best, found = id, true
		}
	}
	if !found {
		return Price{}, false
	}
	return t[best], true
}

// Cost is the price in USD of inputTokens and outputTokens on model; zero
// for a model the table does not know (self-hosted models, new releases).
func (t PriceTable) Cost(model string, inputTokens, outputTokens int) float64 {
	p, ok := t.Lookup(model)
	if !ok {
		return 0
	}
	return (float64(inputTokens)*p.InputPerMTok + float64(outputTokens)*p.OutputPerMTok) / 1e6
}

// Merge returns a new table with the entries of t overridden and extended
// by those of over. Neither argument is modified.
func (t PriceTable) Merge(over PriceTable) PriceTable {
	out := make(PriceTable, len(t)+len(over))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
