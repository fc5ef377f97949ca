package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"hummdesk/internal/store"
)

// Metrics exports the job queue to Prometheus: job counts by queue and
// state, read from the database at scrape time (so every node reports the
// whole cluster's queue), and, for the jobs this process works, the time
// from enqueue to start and the run time.
type Metrics struct {
	store    *store.Store
	log      *slog.Logger
	jobs     *prometheus.Desc
	wait     *prometheus.HistogramVec
	run      *prometheus.HistogramVec
	finished *prometheus.CounterVec
}

// NewMetrics registers the job metrics on reg.
func NewMetrics(st *store.Store, reg prometheus.Registerer, log *slog.Logger) *Metrics {
	buckets := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	m := &Metrics{
		store: st,
		log:   log,
		jobs: prometheus.NewDesc("hummdesk_jobs", "Jobs in the queue by queue and state (available = queued, running, retryable, discarded = failed, …).",
			[]string{"queue", "state"}, nil),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hummdesk_job_queue_wait_seconds",
			Help: "Time from a job becoming available to its start, for jobs worked by this process.", Buckets: buckets}, []string{"queue"}),
		run: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hummdesk_job_run_seconds",
			Help: "Job run time, for jobs worked by this process.", Buckets: buckets}, []string{"queue", "kind"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hummdesk_jobs_finished_total",
			Help: "Jobs worked by this process, by outcome (completed, failed, snoozed, cancelled)."}, []string{"queue", "kind", "outcome"}),
	}
	reg.MustRegister(m, m.wait, m.run, m.finished)
	return m
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.jobs }

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := m.store.DB().QueryContext(ctx, "SELECT queue, state, count(*) FROM river_job GROUP BY queue, state")
	if err != nil {
		m.log.Warn("job metrics", slog.Any("error", err))
		return
	}
	defer rows.Close()
	for rows.Next() {
		var queue, state string
		var n float64
		if err := rows.Scan(&queue, &state, &n); err != nil {
			return
		}
		ch <- prometheus.MustNewConstMetric(m.jobs, prometheus.GaugeValue, n, queue, state)
	}
}

// observe records the events of jobs this process works until ctx ends.
func (m *Metrics) observe(ctx context.Context, events <-chan *river.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			if e.Job == nil {
				continue
			}
			outcome := map[river.EventKind]string{
				river.EventKindJobCompleted: "completed", river.EventKindJobFailed: "failed",
				river.EventKindJobSnoozed: "snoozed", river.EventKindJobCancelled: "cancelled",
			}[e.Kind]
			if outcome == "" {
				continue
			}
			m.finished.WithLabelValues(e.Job.Queue, e.Job.Kind, outcome).Inc()
			if e.JobStats != nil {
				m.wait.WithLabelValues(e.Job.Queue).Observe(e.JobStats.QueueWaitDuration.Seconds())
				m.run.WithLabelValues(e.Job.Queue, e.Job.Kind).Observe(e.JobStats.RunDuration.Seconds())
			}
		}
	}
}

// Observe feeds the metrics from the client's events until ctx ends; call it
// after Start on a working client.
func (c *Client) Observe(ctx context.Context, m *Metrics) {
	kinds := []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobSnoozed, river.EventKindJobCancelled}
	var (
		events <-chan *river.Event
		cancel func()
	)
	if c.sqlite != nil {
		events, cancel = c.sqlite.Subscribe(kinds...)
	} else {
		events, cancel = c.pg.Subscribe(kinds...)
	}
	go func() {
		defer cancel()
		m.observe(ctx, events)
	}()
}
