package ai

import (
	"math"
	"testing"
)

func TestPriceTableLookup(t *testing.T) {
	t.Parallel()
	table := PriceTable{
		"claude-sonnet-5":   {InputPerMTok: 2, OutputPerMTok: 10},
		"claude-sonnet-5-5": {InputPerMTok: 3, OutputPerMTok: 12},
		"gpt-4o":            {InputPerMTok: 2.5, OutputPerMTok: 10},
		"gpt-4o-mini":       {InputPerMTok: 0.15, OutputPerMTok: 0.6},
		"gpt-5":             {InputPerMTok: 1.25, OutputPerMTok: 10},
	}
	cases := []struct {
		model string
		want  float64 // input price
		ok    bool
	}{
		{"claude-sonnet-5", 2, true},
		{"claude-sonnet-5-5", 3, true},
		{"claude-sonnet-5-5-20260928", 3, true},
		{"claude-sonnet-5-20260630", 2, true},
		{"gpt-4o-mini-2024-07-18", 0.15, true},
		{"gpt-4o-2024-11-20", 2.5, true},
		{"gpt-5.4-mini", 0, false}, // "gpt-5" must not price "gpt-5.4"
		{"llama3.2", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		p, ok := table.Lookup(c.model)
		if ok != c.ok || p.InputPerMTok != c.want {
			t.Errorf("Lookup(%q) = (%v, %v), want input %v, %v", c.model, p, ok, c.want, c.ok)
		}
	}
}

func TestPriceTableCostAndMerge(t *testing.T) {
	t.Parallel()
	base := PriceTable{"m": {InputPerMTok: 2, OutputPerMTok: 10}}
	if got := base.Cost("m", 1_000_000, 500_000); math.Abs(got-7) > 1e-9 {
		t.Errorf("Cost = %v, want 7", got)
	}
	if got := base.Cost("unknown", 1000, 1000); got != 0 {
		t.Errorf("unknown model cost = %v, want 0", got)
	}
	merged := base.Merge(PriceTable{"m": {InputPerMTok: 1}, "n": {OutputPerMTok: 4}})
	if merged["m"].InputPerMTok != 1 || merged["n"].OutputPerMTok != 4 {
		t.Errorf("merged = %v", merged)
	}
	if base["m"].InputPerMTok != 2 || len(base) != 1 {
		t.Errorf("Merge modified its receiver: %v", base)
	}
}

func TestExtractJSONObject(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"a":1}`, `{"a":1}`, true},
		{"  {\"a\": {\"b\": [1,2]}}\n", `{"a": {"b": [1,2]}}`, true},
		{"```json\n{\"a\":1}\n```", `{"a":1}`, true},
		{"```\n{\"a\":1}\n```", `{"a":1}`, true},
		{`Here it is: {"a":"}"} Hope that helps.`, `{"a":"}"}`, true},
		{`{oops} then {"a":1}`, `{"a":1}`, true},
		{`{"a":1`, `{"a":1`, false},
		{`no json here`, `no json here`, false},
		{`[1,2]`, `[1,2]`, false},
	}
	for _, c := range cases {
		got, ok := ExtractJSONObject(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ExtractJSONObject(%q) = (%q, %v), want (%q, %v)", c.in, got, ok, c.want, c.ok)
		}
	}
}
