package realtime

import (
	"context"
	"log/slog"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// Relay publishes outbox events that were committed but not (known to be)
// published: the node that committed them publishes right after commit,
// and when it died in between, or the broker was down, the relay on any
// node publishes them. Idempotency keys make the second publish a no-op
// for clients that already got the first.
type Relay struct {
	Store *store.Store
	Node  *Node
	Log   *slog.Logger
	// Delay is how old an unpublished event must be before the relay takes
	// it, so it does not race the committing node's own publish.
	Delay time.Duration
	// Interval between scans.
	Interval time.Duration
	// Retain is how long published events stay for REST catch-up.
	Retain time.Duration
}

// Run scans until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	tick := time.NewTicker(r.Interval)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if _, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn("event relay", slog.Any("error", err))
		}
		if time.Since(lastPrune) > time.Minute {
			lastPrune = time.Now()
			if err := r.Store.SystemTx(ctx, func(tx *store.Tx) error {
				return tx.EventsPrune(ctx, tx.Now().Add(-r.Retain))
			}); err != nil && ctx.Err() == nil {
				r.Log.Warn("event prune", slog.Any("error", err))
			}
		}
	}
}

// Once records what this node published right after commit, then
// publishes the pending events that remain, in batches, and reports how
// many it published.
func (r *Relay) Once(ctx context.Context) (int, error) {
	if ids := r.Node.takePublished(); len(ids) > 0 {
		for len(ids) > 0 {
			batch := ids[:min(len(ids), 1000)]
			if err := r.Store.SystemTx(ctx, func(tx *store.Tx) error { return tx.EventsMarkPublished(ctx, batch) }); err != nil {
				return 0, err
			}
			ids = ids[len(batch):]
		}
	}
	total := 0
	for {
		n, err := r.batch(ctx)
		total += n
		if err != nil || n < relayBatch {
			return total, err
		}
	}
}

const relayBatch = 500

func (r *Relay) batch(ctx context.Context) (int, error) {
	n := 0
	err := r.Store.SystemTx(ctx, func(tx *store.Tx) error {
		evs, err := tx.EventsPending(ctx, tx.Now().Add(-r.Delay), relayBatch)
		if err != nil || len(evs) == 0 {
			return err
		}
		ids := make([]int64, 0, len(evs))
		for _, e := range evs {
			if err := r.Node.PublishEvent(e); err != nil {
				// Broker down: keep the rest for the next scan, and keep
				// commits from waiting for it meanwhile.
				r.Node.brokerFailed(err)
				break
			}
			ids = append(ids, e.ID)
		}
		if len(ids) > 0 {
			r.Node.brokerAnswered()
		}
		n = len(ids)
		return tx.EventsMarkPublished(ctx, ids)
	})
	return n, err
}

// PublishAfterCommit registers the immediate publish of e on tx. While the
// broker is known to be down the event is left to the relay, so a request
// that committed does not wait for the broker's timeout.
func (n *Node) PublishAfterCommit(tx *store.Tx, e *desk.Event) {
	tx.AfterCommit(func() {
		if time.Now().UnixNano() < n.brokerDownUntil.Load() {
			return
		}
		if err := n.PublishEvent(*e); err != nil {
			n.brokerFailed(err)
			return
		}
		n.mu.Lock()
		n.published = append(n.published, e.ID)
		n.mu.Unlock()
	})
}

// brokerRetry is how long commits leave their events to the relay after a
// publish failed. The relay's next successful publish ends it sooner;
// processes without a relay (`hummdesk worker`) try again after it.
const brokerRetry = 10 * time.Second

// brokerFailed records a failed publish.
func (n *Node) brokerFailed(err error) {
	if n.brokerDownUntil.Swap(time.Now().Add(brokerRetry).UnixNano()) == 0 {
		n.log.Warn("real-time broker unavailable; events wait for the relay", slog.Any("error", err))
	}
}

// brokerAnswered records a successful publish by the relay.
func (n *Node) brokerAnswered() {
	if n.brokerDownUntil.Swap(0) != 0 {
		n.log.Info("real-time broker answers again")
	}
}

// takePublished returns and forgets the ids published since the last call.
func (n *Node) takePublished() []int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	ids := n.published
	n.published = nil
	return ids
}
