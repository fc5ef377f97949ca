package kb

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/jobs"
	"hummdesk/internal/store"
)

// EmbedArgs is the job that embeds one version of an article.
type EmbedArgs struct {
	AccountID int64 `json:"account_id"`
	ArticleID int64 `json:"article_id"`
	Version   int64 `json:"version"`
}

// Kind implements river.JobArgs.
func (EmbedArgs) Kind() string { return "kb_embed" }

// InsertOpts implements river.JobArgsWithInsertOpts. A job for the same
// article version that is still waiting or running makes a second insert a
// no-op, so the sweep never piles duplicates on a busy queue.
func (EmbedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       jobs.QueueKnowledgeBase,
		MaxAttempts: jobs.DefaultPolicies()[jobs.QueueKnowledgeBase].MaxAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled,
		}},
	}
}

// EmbedWorker works embedding jobs.
type EmbedWorker struct {
	river.WorkerDefaults[EmbedArgs]
	Service *Service
	Policy  jobs.Policy
}

// NextRetry implements river.Worker: exponential backoff with jitter.
func (w *EmbedWorker) NextRetry(job *river.Job[EmbedArgs]) time.Time {
	return time.Now().Add(w.Policy.Backoff(job.Attempt))
}

// Work implements river.Worker.
func (w *EmbedWorker) Work(ctx context.Context, job *river.Job[EmbedArgs]) error {
	_, err := w.Service.EmbedArticle(ctx, job.Args.AccountID, job.Args.ArticleID, job.Args.Version)
	return err
}

// SweepArgs is the periodic job that finds articles whose chunks are not
// current (never embedded, or embedded by another embedder than this
// server's) and enqueues their embedding.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "kb_sweep" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueMaintenance, MaxAttempts: 3}
}

// SweepWorker works sweep jobs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Service *Service
}

// Work implements river.Worker.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	_, err := w.Service.EnqueueStale(ctx)
	return err
}

// sweepPage is how many articles one sweep transaction enqueues.
const sweepPage = 200

// EnqueueStale enqueues the embedding of every article, in every account,
// whose chunks are not current for the service's embedder, and returns how
// many it found.
func (s *Service) EnqueueStale(ctx context.Context) (int, error) {
	if s.jobs == nil {
		return 0, fmt.Errorf("knowledge base: no job queue to enqueue into")
	}
	var after int64
	total := 0
	for {
		var refs []store.KBArticleRef
		err := s.store.SystemTx(ctx, func(tx *store.Tx) (err error) {
			refs, err = tx.KBArticlesStale(ctx, s.emb.Name(), after, sweepPage)
			if err != nil {
				return err
			}
			for _, r := range refs {
				if _, err := s.jobs.InsertTx(ctx, tx, EmbedArgs{AccountID: r.AccountID, ArticleID: r.ArticleID, Version: r.Version}, nil); err != nil {
					return fmt.Errorf("enqueue embedding of article %d: %w", r.ArticleID, err)
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(refs)
		if len(refs) < sweepPage {
			return total, nil
		}
		after = refs[len(refs)-1].ArticleID
	}
}

// AddWorkers registers the knowledge base's workers; the embedding queue
// runs under policy.
func (s *Service) AddWorkers(workers *river.Workers, policy jobs.Policy) {
	river.AddWorker(workers, &EmbedWorker{Service: s, Policy: policy})
	river.AddWorker(workers, &SweepWorker{Service: s})
}

// SweepJob is the periodic sweep: at start and every interval.
func SweepJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
