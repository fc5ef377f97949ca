// Command hummdesk-bench is `make bench`: it seeds PostgreSQL with 100
// accounts, 100,000 conversations and 1,000,000 messages (once; later runs
// reuse the database), starts HummDesk in-process, and measures the
// conversation list through the API side by side with the same SQL run
// directly through pgx. It prints a table and whether the targets
// (API ≥ 60% of the raw throughput at 8 clients, API p99 < 25 ms) are met.
// The other parts (-only) measure message → agent latency, classification
// latency (triage: commit → stored classification at 50 messages/s, on
// PostgreSQL and SQLite), the job queue, WebSocket connections and, when
// named, the knowledge base. It exits 0 even when a target is missed; only setup failures exit 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"hummdesk/internal/bench"
)

const defaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func main() {
	fs := flag.NewFlagSet("hummdesk-bench", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: hummdesk-bench [flags]\n\n"+
			"Seeds the PostgreSQL database %s (created on the server of -url) and compares\n"+
			"GET /api/v1/accounts/{id}/conversations through the API with the raw SQL.\n\nFlags:\n", bench.DefaultDatabase)
		fs.PrintDefaults()
	}
	url := fs.String("url", serverURL(), "superuser URL of the PostgreSQL server (env HUMMDESK_BENCH_POSTGRES_URL, or DATABASE_URL when it is postgres://)")
	duration := fs.Duration("duration", 10*time.Second, "measuring time of each mode of each scenario")
	warmup := fs.Duration("warmup", 2*time.Second, "warm-up of each mode before each scenario")
	round := fs.Duration("round", 2*time.Second, "the modes alternate in rounds of this length until each ran for -duration")
	clients := fs.Int("clients", bench.TargetClients, "concurrent clients")
	reseed := fs.Bool("reseed", false, "drop and seed the benchmark database even if it is already seeded")
	db := fs.String("db", bench.DefaultDatabase, "name of the benchmark database")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the first scenario to this file (client goroutines are labelled mode=raw|api; e.g. go tool pprof -tagignore mode=raw)")
	rate := fs.Int("rate", 200, "messages per second in the message → agent latency benchmark")
	latency := fs.Duration("latency-duration", 10*time.Second, "how long the latency benchmark sends messages (0 skips it)")
	redisURL := fs.String("redis", redisURL(), "Redis for the cross-node latency scenario (env REDIS_URL; empty skips it)")
	only := fs.String("only", "", "run only one part: list, latency, triage, queue, connections or kb (kb runs only when named)")
	triageRate := fs.Int("triage-rate", bench.TriageTargetRate, "customer messages per second in the classification latency benchmark")
	triageDuration := fs.Duration("triage-duration", 20*time.Second, "how long the classification latency benchmark sends messages (0 skips it)")
	triageRates := fs.String("triage-queue-rates", bench.TriageQueueRates, "HUMMDESK_QUEUE_RATES of the product in the classification latency benchmark")
	kbChunks := fs.Int("kb-chunks", 1_000_000, "chunks in the PostgreSQL knowledge-base benchmark (20 accounts)")
	kbSQLite := fs.Int("kb-sqlite-chunks", 50_000, "chunks in the SQLite knowledge-base benchmark (0 skips it)")
	kbQueries := fs.Int("kb-queries", 200, "searches per knowledge-base measurement")
	kbEf := fs.Int("kb-ef-search", 0, "HNSW ef_search of the top-10 measurement (0: the store's default, 100)")
	conns := fs.Int("connections", 10000, "WebSocket clients in the connections benchmark (0 skips it)")
	queueJobs := fs.Int("queue-jobs", 5000, "no-op jobs in the queue benchmark (0 skips it)")
	_ = fs.Parse(os.Args[1:])
	if *clients < 1 || *duration <= 0 || *warmup < 0 {
		fmt.Fprintln(os.Stderr, "hummdesk-bench: -clients must be positive, -duration positive, -warmup not negative")
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if *only == "" || *only == "list" {
		_, err := bench.Run(ctx, bench.Options{
			ServerURL: *url, Database: *db, Sizes: bench.DefaultSizes, Reseed: *reseed,
			Clients: *clients, Duration: *duration, Warmup: *warmup, Round: *round, CPUProfile: *cpuprofile, Out: os.Stdout,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "hummdesk-bench:", err)
			os.Exit(1)
		}
	}
	if (*only == "" || *only == "latency") && *latency > 0 && *rate > 0 {
		_, err := bench.RunLatency(ctx, bench.LatencyOptions{ServerURL: *url, RedisURL: *redisURL, Rate: *rate, Duration: *latency, Out: os.Stdout})
		if err != nil {
			fmt.Fprintln(os.Stderr, "hummdesk-bench: latency:", err)
			os.Exit(1)
		}
	}
	if (*only == "" || *only == "triage") && *triageDuration > 0 && *triageRate > 0 {
		_, err := bench.RunTriage(ctx, bench.TriageOptions{ServerURL: *url, SQLite: true, Rate: *triageRate, Duration: *triageDuration,
			QueueRates: *triageRates, Out: os.Stdout})
		if err != nil {
			fmt.Fprintln(os.Stderr, "hummdesk-bench: triage:", err)
			os.Exit(1)
		}
	}
	if (*only == "" || *only == "queue") && *queueJobs > 0 {
		if _, err := bench.RunQueue(ctx, *url, *queueJobs, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "hummdesk-bench: queue:", err)
			os.Exit(1)
		}
	}
	if *only == "kb" {
		_, err := bench.RunKB(ctx, bench.KBOptions{ServerURL: *url, Chunks: *kbChunks, Accounts: 20, SQLiteChunks: *kbSQLite,
			Queries: *kbQueries, EfSearch: *kbEf, Reseed: *reseed, Out: os.Stdout})
		if err != nil {
			fmt.Fprintln(os.Stderr, "hummdesk-bench: kb:", err)
			os.Exit(1)
		}
	}
	if (*only == "" || *only == "connections") && *conns > 0 {
		if err := bench.RunConnections(ctx, *conns, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "hummdesk-bench: connections:", err)
			os.Exit(1)
		}
	}
}

// serverURL picks the PostgreSQL server from the environment.
func serverURL() string {
	if u := os.Getenv("HUMMDESK_BENCH_POSTGRES_URL"); u != "" {
		return u
	}
	if u := os.Getenv("DATABASE_URL"); strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return u
	}
	return defaultServerURL
}

func redisURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}
