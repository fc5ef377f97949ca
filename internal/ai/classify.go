package ai

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hummdesk/internal/ai/local"
)

// LocalProvider is the name stored with results of the built-in model.
const LocalProvider = "local"

// LocalPromptVersion names the local model's "prompt": the model embedded
// in the binary, so a retrained model never mixes with an older one.
func LocalPromptVersion() string { return local.Default().Info().Version }

// ClassifyResult is a classification with what produced it.
type ClassifyResult struct {
	// Verdict is nil when no provider gave a usable answer.
	Verdict       *Verdict
	Provider      string
	Model         string
	PromptVersion string
	RawOutput     string
	InputTokens   int
	OutputTokens  int
	CostUSD       float64
	Latency       time.Duration
	// Notes tell what happened on the way (a repair, a fallback).
	Notes []string
}

// Classifier classifies customer messages with a remote provider, one
// repair attempt when its answer is rejected, and the local model as the
// fallback; with no remote provider it uses the local model alone.
type Classifier struct {
	// Remote may be nil.
	Remote Provider
	// Model overrides the remote provider's model when not empty.
	Model string
	// DisableFallback leaves a conversation unclassified (human queue)
	// instead of asking the local model when the remote provider fails.
	DisableFallback bool
}

// Classify reads in.Message. Errors are only the caller's (a cancelled
// context); a provider's failure is a fallback recorded in Notes.
func (c *Classifier) Classify(ctx context.Context, in ClassifyInput) (ClassifyResult, error) {
	if c.Remote == nil {
		return ClassifyLocal(in), nil
	}
	res, err := c.classifyRemote(ctx, in)
	if err == nil {
		return res, nil
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	note := fmt.Sprintf("%s failed: %s", c.Remote.Name(), truncate(err.Error(), 300))
	if c.DisableFallback {
		res.Notes = append(res.Notes, note+"; the conversation waits in the human queue")
		res.Verdict = nil
		return res, nil
	}
	loc := ClassifyLocal(in)
	loc.Notes = append(append(res.Notes, note+"; classified by the local model instead"), loc.Notes...)
	// What the remote attempt cost is still spent.
	loc.InputTokens += res.InputTokens
	loc.OutputTokens += res.OutputTokens
	loc.CostUSD += res.CostUSD
	if res.RawOutput != "" {
		loc.RawOutput = res.RawOutput
	}
	return loc, nil
}

func (c *Classifier) classifyRemote(ctx context.Context, in ClassifyInput) (ClassifyResult, error) {
	system, prompt := BuildClassifyPrompt(in)
	req := Request{Purpose: PurposeClassify, Model: c.Model, System: system, Prompt: prompt,
		Temperature: ClassifyTemperature, MaxTokens: 1024, JSON: true}
	res := ClassifyResult{Provider: c.Remote.Name(), PromptVersion: ClassifyPromptVersion}
	start := time.Now()
	defer func() { res.Latency = time.Since(start) }()
	add := func(r Response) {
		res.Model, res.RawOutput = r.Model, r.Text
		res.InputTokens += r.InputTokens
		res.OutputTokens += r.OutputTokens
		res.CostUSD += r.CostUSD
	}
	r, err := c.Remote.Complete(ctx, req)
	if err != nil {
		res.Latency = time.Since(start)
		return res, err
	}
	add(r)
	// A fence or a sentence around the object is cut away; the object
	// itself is validated strictly.
	text, _ := ExtractJSONObject(r.Text)
	v, perr := ParseVerdict(text, in.Routing)
	if perr != nil {
		res.Notes = append(res.Notes, "answer rejected ("+perr.Error()+"); asked once more")
		req.Prompt = repairPrompt(prompt, r.Text, perr)
		r2, err := c.Remote.Complete(ctx, req)
		if err != nil {
			res.Latency = time.Since(start)
			return res, err
		}
		add(r2)
		text, _ = ExtractJSONObject(r2.Text)
		if v, perr = ParseVerdict(text, in.Routing); perr != nil {
			res.Latency = time.Since(start)
			return res, fmt.Errorf("answer rejected again: %w", perr)
		}
	}
	res.Verdict = &v
	res.Latency = time.Since(start)
	return res, nil
}

// ClassifyLocal classifies with the built-in model: labels and a
// calibrated confidence from the model, the team by the category's words
// in the teams' names, and the least-loaded available agent of that team.
func ClassifyLocal(in ClassifyInput) ClassifyResult {
	start := time.Now()
	m := local.Default()
	p := m.Classify(in.Message.Content)
	v := Verdict{Category: p.Category, Priority: p.Priority, Sentiment: p.Sentiment, Language: p.Language,
		Confidence: p.Confidence, Reasoning: p.Reasoning()}
	if v.Language == "und" || !isLanguageCode(v.Language) {
		v.Language = "en"
	}
	v.SuggestedTeamID = TeamForCategory(in.Routing, v.Category)
	if v.SuggestedTeamID != nil {
		if a := LeastLoaded(in.Routing, *v.SuggestedTeamID); a != nil {
			id := a.UserID
			v.SuggestedAgentID = &id
		}
	}
	res := ClassifyResult{Verdict: &v, Provider: LocalProvider, Model: "hummdesk-local",
		PromptVersion: LocalPromptVersion(), Latency: time.Since(start)}
	if p.InstructionIgnored {
		res.Notes = append(res.Notes, "the message addressed instructions to the classifier; they were ignored")
	}
	if v.SuggestedTeamID == nil && len(in.Routing.Teams) > 0 {
		res.Notes = append(res.Notes, "no team's name or description matches the category "+v.Category)
	}
	return res
}

// JoinNotes joins notes into the stored text.
func JoinNotes(notes []string) string { return strings.Join(notes, "; ") }
