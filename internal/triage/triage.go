// Package triage classifies incoming customer messages in the background:
// the classification job is enqueued in the message's own transaction, the
// worker asks a Classifier, stores the result with what produced it, and
// pushes a conversation.classified event.
//
// Until the AI providers land, the only Classifier is Unconfigured, which
// says so in every stored record and leaves the conversation in the human
// queue; the pipeline around it is the real one.
package triage

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

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

// Input is what a classifier reads.
type Input struct {
	Message      desk.Message
	Conversation desk.ConversationView
}

// Result is a classifier's answer. Nil labels mean "no answer".
type Result struct {
	Model         string
	PromptVersion string
	Category      *string
	Priority      *string
	Sentiment     *string
	Language      *string
	Confidence    *float64
	Reasoning     string
	RawOutput     string
	InputTokens   int
	OutputTokens  int
	CostUSD       float64
}

// Classifier reads a customer message.
type Classifier interface {
	// Name is the provider's name as stored with each result.
	Name() string
	Classify(ctx context.Context, in Input) (Result, error)
}

// Unconfigured is the classifier of a server without AI: it gives no
// labels, says why, and routes nothing.
type Unconfigured struct{}

// Name implements Classifier.
func (Unconfigured) Name() string { return "none" }

// Classify implements Classifier.
func (Unconfigured) Classify(context.Context, Input) (Result, error) {
	return Result{PromptVersion: "none",
		Reasoning: "No AI classifier is configured on this server; the conversation waits in the human queue."}, nil
}

// ClassifyWorker works classification jobs.
type ClassifyWorker struct {
	river.WorkerDefaults[ClassifyArgs]
	Store      *store.Store
	Classifier Classifier
	Publisher  events.Publisher
	// Limiter and Policy hold the queue's rate across every worker process
	// (a Redis limiter in a cluster); a job over the rate is snoozed.
	Limiter ratelimit.Limiter
	Policy  jobs.Policy
}

// NextRetry implements river.Worker: exponential backoff with jitter.
func (w *ClassifyWorker) NextRetry(job *river.Job[ClassifyArgs]) time.Time {
	return time.Now().Add(w.Policy.Backoff(job.Attempt))
}

// Work implements river.Worker.
func (w *ClassifyWorker) Work(ctx context.Context, job *river.Job[ClassifyArgs]) error {
	a := job.Args
	if w.Limiter != nil && w.Policy.Rate > 0 {
		r, err := w.Limiter.Hit(ctx, "jobs:"+jobs.QueueClassification, w.Policy.Rate, w.Policy.Per)
		if err != nil {
			return fmt.Errorf("rate limiter: %w", err)
		}
		if !r.Allowed {
			return river.JobSnooze(r.RetryAfter)
		}
	}
	var in Input
	err := w.Store.ReadTx(ctx, a.AccountID, func(tx *store.Tx) (err error) {
		if in.Message, err = tx.MessageGet(ctx, a.MessageID); err != nil {
			return err
		}
		in.Conversation, err = tx.ConversationGet(ctx, a.ConversationID)
		return err
	})
	if desk.IsNotFound(err) {
		return river.JobCancel(fmt.Errorf("message %d is gone: %w", a.MessageID, err))
	}
	if err != nil {
		return err
	}
	if in.Message.SenderType != desk.SenderContact || in.Message.ConversationID != a.ConversationID {
		return river.JobCancel(fmt.Errorf("message %d is not a customer message of conversation %d", a.MessageID, a.ConversationID))
	}
	start := time.Now()
	res, err := w.Classifier.Classify(ctx, in)
	if err != nil {
		return fmt.Errorf("classify with %s: %w", w.Classifier.Name(), err)
	}
	c := desk.Classification{ConversationID: a.ConversationID, MessageID: a.MessageID, Provider: w.Classifier.Name(),
		Model: res.Model, PromptVersion: res.PromptVersion, Category: res.Category, Priority: res.Priority,
		Sentiment: res.Sentiment, Language: res.Language, Confidence: res.Confidence, Reasoning: res.Reasoning,
		LatencyMS: float64(time.Since(start).Microseconds()) / 1000, InputTokens: res.InputTokens,
		OutputTokens: res.OutputTokens, CostUSD: res.CostUSD, RawOutput: res.RawOutput, Outcome: desk.OutcomeHumanQueue}
	return w.Store.Tx(ctx, a.AccountID, func(tx *store.Tx) error {
		replayed, err := tx.ClassificationInsert(ctx, &c)
		if err != nil || replayed {
			return err
		}
		return events.Emit(ctx, tx, w.Publisher, desk.Event{Type: desk.EventConversationClassified,
			ConversationID: a.ConversationID, Version: in.Conversation.Version}, c)
	})
}
