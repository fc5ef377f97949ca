// Package triage classifies incoming customer messages in the background:
// the classification job is enqueued in the message's own transaction; the
// worker builds the context (the conversation so far, the contact, the
// account's teams and agents), asks the account's classifier (internal/ai),
// and in one transaction stores the result with what produced it, sets the
// conversation's priority and category label, routes it by the account's
// rules and writes the events.
package triage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"hummdesk/internal/ai"
	"hummdesk/internal/desk"
	"hummdesk/internal/events"
	"hummdesk/internal/jobs"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
)

// ClassifyArgs is the classification job of one customer message.
type ClassifyArgs struct {
	AccountID      int64 `json:"account_id"`
	ConversationID int64 `json:"conversation_id"`
	MessageID      int64 `json:"message_id"`
	// Run is 0 for an arriving message; an agent's re-run gets a new
	// number, so its result is stored beside the first.
	Run int64 `json:"run,omitempty"`
}

// Kind implements river.JobArgs.
func (ClassifyArgs) Kind() string { return "ai_classify" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ClassifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueClassification, MaxAttempts: jobs.DefaultPolicies()[jobs.QueueClassification].MaxAttempts}
}

// JobPriority maps a conversation's priority to the job's: urgent
// conversations are classified first.
func JobPriority(p desk.Priority) int { return jobs.Priority(string(p)) }

// Providers gives the remote provider and model for an account's AI
// settings; a nil provider means the built-in local model.
type Providers func(ctx context.Context, s desk.AISettings) (ai.Provider, string, error)

// LocalOnly is the Providers of a server without remote providers.
func LocalOnly(context.Context, desk.AISettings) (ai.Provider, string, error) { return nil, "", nil }

// ClassifyWorker works classification jobs.
type ClassifyWorker struct {
	river.WorkerDefaults[ClassifyArgs]
	Store     *store.Store
	Providers Providers
	Publisher events.Publisher
	// Limiter and Policy hold the queue's rate across every worker process
	// (a Redis limiter in a cluster); a job over the rate is snoozed.
	Limiter ratelimit.Limiter
	Policy  jobs.Policy
	// AfterClassify, when set, runs in the transaction that stored a new
	// classification (the draft job is enqueued there).
	AfterClassify func(ctx context.Context, tx *store.Tx, c desk.Classification, v desk.ConversationView) error
}

// historyLimit bounds the earlier messages a classification reads.
const historyLimit = 10

// NextRetry implements river.Worker: exponential backoff with jitter.
func (w *ClassifyWorker) NextRetry(job *river.Job[ClassifyArgs]) time.Time {
	return time.Now().Add(w.Policy.Backoff(job.Attempt))
}

// Work implements river.Worker.
func (w *ClassifyWorker) Work(ctx context.Context, job *river.Job[ClassifyArgs]) error {
	a := job.Args
	if err := jobs.Throttle(ctx, w.Limiter, w.Policy, jobs.QueueClassification); err != nil {
		return err
	}
	in, settings, err := w.load(ctx, a)
	if desk.IsNotFound(err) {
		return river.JobCancel(fmt.Errorf("message %d is gone: %w", a.MessageID, err))
	}
	if err != nil {
		return err
	}
	if in.Message.SenderType != desk.SenderContact || in.Message.ConversationID != a.ConversationID {
		return river.JobCancel(fmt.Errorf("message %d is not a customer message of conversation %d", a.MessageID, a.ConversationID))
	}
	providers := w.Providers
	if providers == nil {
		providers = LocalOnly
	}
	remote, model, err := providers(ctx, settings)
	if err != nil {
		return fmt.Errorf("AI provider of account %d: %w", a.AccountID, err)
	}
	cl := &ai.Classifier{Remote: remote, Model: model}
	res, err := cl.Classify(ctx, in)
	if err != nil {
		return fmt.Errorf("classify: %w", err)
	}
	return Apply(ctx, w.Store, w.Publisher, a, res, w.AfterClassify)
}

// load reads what a classification needs: the message, its conversation's
// earlier public messages, the contact, the account's settings and routing.
func (w *ClassifyWorker) load(ctx context.Context, a ClassifyArgs) (ai.ClassifyInput, desk.AISettings, error) {
	in := ai.ClassifyInput{AccountID: a.AccountID}
	var settings desk.AISettings
	err := w.Store.ReadTx(ctx, a.AccountID, func(tx *store.Tx) (err error) {
		in.Now = tx.Now()
		if in.Message, err = tx.MessageGet(ctx, a.MessageID); err != nil {
			return err
		}
		conv, err := tx.ConversationGet(ctx, a.ConversationID)
		if err != nil {
			return err
		}
		hist, err := tx.MessageList(ctx, store.MessageListParams{ConversationID: a.ConversationID, BeforeID: a.MessageID,
			Newest: true, Limit: historyLimit})
		if err != nil {
			return err
		}
		slices.Reverse(hist)
		in.History = hist
		ct, err := tx.ContactGet(ctx, conv.ContactID)
		if err != nil {
			return err
		}
		in.Contact = ai.ContactContext{Name: ct.Name, Tier: tierOf(ct.CustomAttributes), AccountAge: in.Now.Sub(ct.CreatedAt)}
		if n, err := tx.ContactConversationCount(ctx, ct.ID); err != nil {
			return err
		} else if n > 0 {
			in.Contact.PreviousConversations = n - 1
		}
		if settings, err = tx.AISettingsGet(ctx); err != nil {
			return err
		}
		in.BusinessHours = settings.BusinessHours
		in.Routing, err = tx.Routing(ctx, in.Now.Add(-store.PresenceTTL))
		return err
	})
	return in, settings, err
}

// tierOf reads a contact's tier from custom attributes "tier" or "plan".
func tierOf(attrs json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(attrs, &m) != nil {
		return ""
	}
	for _, k := range []string{"tier", "plan"} {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	return ""
}

// Apply stores a classification result and acts on it in one transaction:
// the conversation takes the classified priority and the category as a
// label, and is assigned by the account's rules (ai.Decide) unless an
// agent already has it. A result stored before (a retried job) changes
// nothing. The events go out after the commit.
func Apply(ctx context.Context, st *store.Store, pub events.Publisher, a ClassifyArgs, res ai.ClassifyResult,
	after func(context.Context, *store.Tx, desk.Classification, desk.ConversationView) error) error {
	accountID, conversationID := a.AccountID, a.ConversationID
	notes := res.Notes
	c := desk.Classification{ConversationID: conversationID, MessageID: a.MessageID, Run: a.Run, Provider: res.Provider,
		Model: res.Model, PromptVersion: res.PromptVersion, LatencyMS: float64(res.Latency.Microseconds()) / 1000,
		InputTokens: res.InputTokens, OutputTokens: res.OutputTokens, CostUSD: res.CostUSD, RawOutput: res.RawOutput,
		Outcome: desk.OutcomeHumanQueue}
	if v := res.Verdict; v != nil {
		c.Category, c.Priority, c.Sentiment, c.Language = &v.Category, &v.Priority, &v.Sentiment, &v.Language
		c.Confidence, c.Reasoning = &v.Confidence, v.Reasoning
		c.SuggestedTeamID, c.SuggestedAgentID = v.SuggestedTeamID, v.SuggestedAgentID
	}
	return st.Tx(ctx, accountID, func(tx *store.Tx) error {
		if err := tx.ConversationLock(ctx, conversationID); err != nil {
			return err
		}
		c.Notes = ai.JoinNotes(notes)
		replayed, err := tx.ClassificationInsert(ctx, &c)
		if err != nil || replayed {
			return err
		}
		view, err := tx.ConversationGet(ctx, conversationID)
		if err != nil {
			return err
		}
		changed := false
		if v := res.Verdict; v != nil {
			if p := desk.Priority(v.Priority); view.Priority != p {
				if view, err = tx.ConversationUpdate(ctx, conversationID, store.ConversationUpdateParams{Priority: &p}); err != nil {
					return err
				}
				changed = true
			}
			set, err := tx.ConversationSetLabel(ctx, conversationID, v.Category, ai.Categories...)
			if err != nil {
				return err
			}
			changed = changed || set
			d := ai.Decision{Outcome: desk.OutcomeHumanQueue, Why: "The conversation is already assigned to an agent; left as it is."}
			if view.AssigneeID == nil {
				settings, err := tx.AISettingsGet(ctx)
				if err != nil {
					return err
				}
				routing, err := tx.Routing(ctx, tx.Now().Add(-store.PresenceTTL))
				if err != nil {
					return err
				}
				d = ai.Decide(*v, settings, routing)
			}
			c.Outcome = d.Outcome
			notes = append(notes, d.Why)
			if d.TeamID != nil {
				view, err = tx.ConversationAssign(ctx, conversationID, store.ConversationAssignParams{
					SetAssignee: d.AssigneeID != nil, AssigneeID: d.AssigneeID, SetTeam: true, TeamID: d.TeamID,
					Source: desk.AssignedByAI, ClassificationID: &c.ID})
				if err != nil {
					return err
				}
				ev := desk.Event{Type: desk.EventConversationAssigned, ConversationID: conversationID, Version: view.Version}
				if view.AssigneeID != nil {
					ev.AgentID = *view.AssigneeID
				}
				if err := events.Emit(ctx, tx, pub, ev, view); err != nil {
					return err
				}
				changed = false
			}
			if err := tx.ClassificationSetOutcome(ctx, c.ID, c.Outcome, ai.JoinNotes(notes)); err != nil {
				return err
			}
			c.Notes = ai.JoinNotes(notes)
		}
		if changed {
			if view, err = tx.ConversationGet(ctx, conversationID); err != nil {
				return err
			}
			if err := events.Emit(ctx, tx, pub, desk.Event{Type: desk.EventConversationUpdated, ConversationID: conversationID,
				Version: view.Version}, view); err != nil {
				return err
			}
		}
		if err := events.Emit(ctx, tx, pub, desk.Event{Type: desk.EventConversationClassified,
			ConversationID: conversationID, Version: view.Version}, c); err != nil {
			return err
		}
		if after != nil {
			return after(ctx, tx, c, view)
		}
		return nil
	})
}
