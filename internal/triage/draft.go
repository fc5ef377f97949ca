package triage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/ai"
	"hummdesk/internal/desk"
	"hummdesk/internal/events"
	"hummdesk/internal/jobs"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
)

// DraftArgs is the reply-draft job of one classified customer message.
type DraftArgs struct {
	AccountID        int64 `json:"account_id"`
	ConversationID   int64 `json:"conversation_id"`
	MessageID        int64 `json:"message_id"`
	ClassificationID int64 `json:"classification_id"`
}

// Kind implements river.JobArgs.
func (DraftArgs) Kind() string { return "ai_draft" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (DraftArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDraft, MaxAttempts: jobs.DefaultPolicies()[jobs.QueueDraft].MaxAttempts}
}

// Enqueuer inserts jobs in a transaction.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Retrieve finds the knowledge-base passages that answer a customer's
// message: at most k, each at least minSimilarity similar.
type Retrieve func(ctx context.Context, accountID int64, text string, k int, minSimilarity float64) ([]ai.Article, error)

// DraftAfterClassify returns the ClassifyWorker hook that enqueues a draft
// in the classification's transaction, when the account wants drafts and
// the conversation is still open. jobs is read when the hook runs, so it
// may be set after the worker is built.
func DraftAfterClassify(jobs *Enqueuer) func(context.Context, *store.Tx, desk.Classification, desk.ConversationView) error {
	return func(ctx context.Context, tx *store.Tx, c desk.Classification, v desk.ConversationView) error {
		if *jobs == nil || c.Category == nil || v.Status == desk.StatusResolved {
			return nil
		}
		s, err := tx.AISettingsGet(ctx)
		if err != nil || !s.Drafts {
			return err
		}
		args := DraftArgs{AccountID: tx.AccountID(), ConversationID: c.ConversationID, MessageID: c.MessageID, ClassificationID: c.ID}
		_, err = (*jobs).InsertTx(ctx, tx, args, &river.InsertOpts{Priority: JobPriority(v.Priority)})
		return err
	}
}

// DraftWorker writes reply drafts from the knowledge base and pushes them
// to the assigned agent.
type DraftWorker struct {
	river.WorkerDefaults[DraftArgs]
	Store     *store.Store
	Providers Providers
	Retrieve  Retrieve
	// MinSimilarity is the retrieval floor (0.7 in the specification, for
	// remote embeddings; the local embedder's scale differs).
	MinSimilarity float64
	Publisher     events.Publisher
	Limiter       ratelimit.Limiter
	Policy        jobs.Policy
}

// draftArticles is how many passages a draft may use.
const draftArticles = 3

// NextRetry implements river.Worker.
func (w *DraftWorker) NextRetry(job *river.Job[DraftArgs]) time.Time {
	return time.Now().Add(w.Policy.Backoff(job.Attempt))
}

// Work implements river.Worker.
func (w *DraftWorker) Work(ctx context.Context, job *river.Job[DraftArgs]) error {
	a := job.Args
	if err := jobs.Throttle(ctx, w.Limiter, w.Policy, jobs.QueueDraft); err != nil {
		return err
	}
	var in ai.DraftInput
	var settings desk.AISettings
	var c desk.Classification
	err := w.Store.ReadTx(ctx, a.AccountID, func(tx *store.Tx) (err error) {
		if in.Message, err = tx.MessageGet(ctx, a.MessageID); err != nil {
			return err
		}
		if c, err = tx.ClassificationGet(ctx, a.ClassificationID); err != nil {
			return err
		}
		view, err := tx.ConversationGet(ctx, a.ConversationID)
		if err != nil {
			return err
		}
		in.ContactName = view.Contact.Name
		if view.Assignee != nil {
			in.AgentName = view.Assignee.Name
		}
		hist, err := tx.MessageList(ctx, store.MessageListParams{ConversationID: a.ConversationID, BeforeID: a.MessageID,
			Newest: true, Limit: historyLimit})
		if err != nil {
			return err
		}
		slices.Reverse(hist)
		in.History = hist
		settings, err = tx.AISettingsGet(ctx)
		return err
	})
	if desk.IsNotFound(err) {
		return river.JobCancel(fmt.Errorf("draft of message %d: %w", a.MessageID, err))
	}
	if err != nil {
		return err
	}
	if !settings.Drafts || c.Category == nil {
		return nil
	}
	in.Verdict = ai.Verdict{Category: *c.Category, Priority: deref(c.Priority), Sentiment: deref(c.Sentiment), Language: deref(c.Language)}
	if w.Retrieve != nil {
		if in.Articles, err = w.Retrieve(ctx, a.AccountID, in.Message.Content, draftArticles, w.MinSimilarity); err != nil {
			return fmt.Errorf("knowledge base: %w", err)
		}
	}
	providers := w.Providers
	if providers == nil {
		providers = LocalOnly
	}
	remote, model, err := providers(ctx, settings)
	if err != nil {
		return fmt.Errorf("AI provider of account %d: %w", a.AccountID, err)
	}
	res, err := (&ai.Drafter{Remote: remote, Model: model}).Draft(ctx, in)
	if err != nil {
		return err
	}
	d := desk.Draft{ConversationID: a.ConversationID, MessageID: a.MessageID, ClassificationID: &c.ID, Provider: res.Provider,
		Model: res.Model, PromptVersion: res.PromptVersion, Language: res.Language, Content: res.Content, Articles: res.Articles,
		LatencyMS: float64(res.Latency.Microseconds()) / 1000, InputTokens: res.InputTokens, OutputTokens: res.OutputTokens,
		CostUSD: res.CostUSD, Notes: ai.JoinNotes(res.Notes)}
	return w.Store.Tx(ctx, a.AccountID, func(tx *store.Tx) error {
		replayed, err := tx.DraftInsert(ctx, &d)
		if err != nil || replayed {
			return err
		}
		view, err := tx.ConversationGet(ctx, a.ConversationID)
		if err != nil {
			return err
		}
		// Drafts are for agents only: private, and to the assignee's
		// personal channel as well as the account's.
		ev := desk.Event{Type: desk.EventDraftCreated, ConversationID: a.ConversationID, Version: view.Version, Private: true}
		if view.AssigneeID != nil {
			ev.AgentID = *view.AssigneeID
		}
		return events.Emit(ctx, tx, w.Publisher, ev, d)
	})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
