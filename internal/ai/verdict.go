package ai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"hummdesk/internal/desk"
)

// Labels of the classification schema.
var (
	Categories = []string{"billing", "technical", "sales", "general"}
	Priorities = []string{"urgent", "high", "normal", "low"}
	Sentiments = []string{"positive", "neutral", "negative", "angry", "frustrated"}
)

// Verdict is a validated classification.
type Verdict struct {
	Category         string
	Priority         string
	Sentiment        string
	Language         string
	Confidence       float64
	Reasoning        string
	SuggestedTeamID  *int64
	SuggestedAgentID *int64
}

// rawVerdict is the model's answer as JSON. Pointers tell a missing key
// from a zero value.
type rawVerdict struct {
	Category         *string    `json:"category"`
	Priority         *string    `json:"priority"`
	Sentiment        *string    `json:"sentiment"`
	Language         *string    `json:"language"`
	Confidence       *float64   `json:"confidence"`
	Reasoning        *string    `json:"reasoning"`
	SuggestedTeamID  presentRaw `json:"suggested_team_id"`
	SuggestedAgentID presentRaw `json:"suggested_agent_id"`
}

// presentRaw is a JSON value that remembers whether its key was there at
// all: null is an answer ("none"), a missing key is not.
type presentRaw struct {
	set bool
	raw json.RawMessage
}

// UnmarshalJSON implements json.Unmarshaler; encoding/json calls it for
// null too.
func (p *presentRaw) UnmarshalJSON(b []byte) error {
	p.set, p.raw = true, append(json.RawMessage(nil), b...)
	return nil
}

// maxReasoning bounds the stored reasoning.
const maxReasoning = 600

// ParseVerdict reads a model's answer strictly: one JSON object with
// exactly the schema's keys, labels from the schema, a confidence in
// [0, 1], and team and agent ids that exist in routing (the account's own),
// the agent a member of the suggested team. Anything else is an error
// saying what was wrong, for the repair attempt and the stored notes.
func ParseVerdict(text string, routing desk.Routing) (Verdict, error) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "{") || !strings.HasSuffix(text, "}") {
		return Verdict{}, errors.New("the answer is not a single JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	var r rawVerdict
	if err := dec.Decode(&r); err != nil {
		return Verdict{}, fmt.Errorf("malformed JSON: %v", err)
	}
	if dec.More() {
		return Verdict{}, errors.New("text after the JSON object")
	}
	var v Verdict
	var err error
	if v.Category, err = label("category", r.Category, Categories); err != nil {
		return Verdict{}, err
	}
	if v.Priority, err = label("priority", r.Priority, Priorities); err != nil {
		return Verdict{}, err
	}
	if v.Sentiment, err = label("sentiment", r.Sentiment, Sentiments); err != nil {
		return Verdict{}, err
	}
	if r.Language == nil || !isLanguageCode(*r.Language) {
		return Verdict{}, errors.New(`"language" must be a two-letter ISO 639-1 code`)
	}
	v.Language = *r.Language
	if r.Confidence == nil || math.IsNaN(*r.Confidence) || *r.Confidence < 0 || *r.Confidence > 1 {
		return Verdict{}, errors.New(`"confidence" must be a number from 0 to 1`)
	}
	v.Confidence = *r.Confidence
	if r.Reasoning == nil || strings.TrimSpace(*r.Reasoning) == "" {
		return Verdict{}, errors.New(`"reasoning" is missing`)
	}
	if !utf8.ValidString(*r.Reasoning) || strings.ContainsRune(*r.Reasoning, 0) {
		return Verdict{}, errors.New(`"reasoning" is not valid text`)
	}
	v.Reasoning = twoSentences(*r.Reasoning)
	if v.SuggestedTeamID, err = optionalID("suggested_team_id", r.SuggestedTeamID); err != nil {
		return Verdict{}, err
	}
	if v.SuggestedAgentID, err = optionalID("suggested_agent_id", r.SuggestedAgentID); err != nil {
		return Verdict{}, err
	}
	if t := v.SuggestedTeamID; t != nil && !slices.ContainsFunc(routing.Teams, func(x desk.Team) bool { return x.ID == *t }) {
		return Verdict{}, fmt.Errorf(`"suggested_team_id" %d is not one of the listed teams`, *t)
	}
	if a := v.SuggestedAgentID; a != nil {
		i := slices.IndexFunc(routing.Agents, func(x desk.RoutingAgent) bool { return x.UserID == *a })
		if i < 0 {
			return Verdict{}, fmt.Errorf(`"suggested_agent_id" %d is not one of the listed agents`, *a)
		}
		if v.SuggestedTeamID != nil && !routing.Agents[i].InTeam(*v.SuggestedTeamID) {
			return Verdict{}, fmt.Errorf(`agent %d is not a member of team %d`, *a, *v.SuggestedTeamID)
		}
	}
	return v, nil
}

func label(key string, v *string, allowed []string) (string, error) {
	if v == nil {
		return "", fmt.Errorf("%q is missing", key)
	}
	if !slices.Contains(allowed, *v) {
		return "", fmt.Errorf("%q must be one of %s, not %q", key, strings.Join(allowed, ", "), truncate(*v, 40))
	}
	return *v, nil
}

func optionalID(key string, v presentRaw) (*int64, error) {
	if !v.set {
		return nil, fmt.Errorf("%q is missing (use null for none)", key)
	}
	if bytes.Equal(v.raw, []byte("null")) {
		return nil, nil
	}
	var id int64
	if err := json.Unmarshal(v.raw, &id); err != nil || id <= 0 {
		// Some models quote ids; a string holding a number is still an id.
		var s string
		if json.Unmarshal(v.raw, &s) != nil || json.Unmarshal([]byte(s), &id) != nil || id <= 0 {
			return nil, fmt.Errorf("%q must be a positive integer id or null", key)
		}
	}
	return &id, nil
}

func isLanguageCode(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

// twoSentences keeps the first two sentences of s, at most maxReasoning
// bytes.
func twoSentences(s string) string { return firstSentences(s, 2) }
