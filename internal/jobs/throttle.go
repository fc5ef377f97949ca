package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"hummdesk/internal/ratelimit"
)

// Throttle holds a queue's rate across every worker process (l counts in
// Redis or the shared database in a cluster). A worker calls it before its
// side effect: over the rate it returns river.JobSnooze until the window
// has room, so the job waits and is never failed for it. A nil l or a
// policy without a rate lets everything through.
func Throttle(ctx context.Context, l ratelimit.Limiter, p Policy, queue string) error {
	if l == nil || p.Rate <= 0 {
		return nil
	}
	r, err := l.Hit(ctx, "jobs:"+queue, p.Rate, p.Per)
	if err != nil {
		return fmt.Errorf("rate limiter: %w", err)
	}
	if !r.Allowed {
		return river.JobSnooze(r.RetryAfter)
	}
	return nil
}
