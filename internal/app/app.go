// Package app wires HummDesk together: it opens the database, migrates,
// seeds the demo, builds the services and the HTTP server, and runs them
// until the context ends. Tests start the whole product with New on
// 127.0.0.1:0.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"

	"hummdesk/internal/auth"
	"hummdesk/internal/config"
	"hummdesk/internal/conversation"
	"hummdesk/internal/httpapi"
	"hummdesk/internal/jobs"
	"hummdesk/internal/kb"
	"hummdesk/internal/mail"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/realtime"
	"hummdesk/internal/seed"
	"hummdesk/internal/store"
	"hummdesk/internal/triage"
	"hummdesk/internal/webui"
)

// App is a running HummDesk node.
type App struct {
	cfg    *config.Config
	log    *slog.Logger
	store  *store.Store
	redis  *redis.Client
	server *httpapi.Server
	rt     *realtime.Node
	relay  *realtime.Relay
	jobs   *jobs.Client
	jobm   *jobs.Metrics
	// startDashboard starts the job dashboard's background work.
	startDashboard func(context.Context) error
	ln             net.Listener
}

// New prepares a node: database open and migrated, demo seeded when
// configured, listener bound. Run serves.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	if err := Migrate(ctx, cfg, log); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{MaxConns: cfg.DBMaxConns})
	if err != nil {
		return nil, err
	}
	a.store = st
	if err := st.CheckSchema(ctx); err != nil {
		return nil, err
	}
	var limiter ratelimit.Limiter = ratelimit.NewMemory(nil)
	checks := []httpapi.ReadyCheck{{Name: "database", Check: st.Ping}}
	if cfg.RedisURL != "" {
		if a.redis, err = connectRedis(ctx, cfg); err != nil {
			return nil, err
		}
		limiter = redisLimiter(a.redis, cfg, log)
		checks = append(checks, httpapi.ReadyCheck{Name: "redis", Check: func(ctx context.Context) error { return a.redis.Ping(ctx).Err() }})
	}
	key, err := signingKey(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	signer, err := auth.NewSigner([]byte(key), cfg.AccessTokenTTL, cfg.ContactTokenTTL, nil)
	if err != nil {
		return nil, err
	}
	reg := httpapi.NewRegistry(st.DB())
	a.jobm = jobs.NewMetrics(st, reg, log)
	a.rt, err = realtime.New(realtime.Config{Store: st, Signer: signer, Logger: log, Registry: reg, RedisURL: cfg.RedisURL, RedisPrefix: cfg.RedisPrefix})
	if err != nil {
		return nil, err
	}
	var convs *conversation.Service
	var kbs *kb.Service
	sealer, err := newSealer(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	policies, err := queuePolicies(cfg)
	if err != nil {
		return nil, err
	}
	outbound, err := mail.NewOutbound(cfg.SMTPURL, cfg.EmailFrom, cfg.SMTPInsecureSkipVerify)
	if err != nil {
		return nil, err
	}
	if a.jobs, convs, kbs, err = newJobs(st, log, a.rt, queueLimiter(st, limiter, cfg), newProviders(cfg, log, sealer), policies, cfg.Workers, cfg.JobRescueAfter, outbound); err != nil {
		return nil, err
	}
	if cfg.Demo {
		// After the job queue exists: the demo's customer messages are
		// classified and its articles embedded like real ones. Its events
		// go to the outbox, and the relay publishes them once the real-time
		// node runs (it does not yet).
		demo := conversation.NewService(conversation.Options{Jobs: a.jobs})
		res, err := seed.Demo(ctx, st, seed.Options{Conversations: demo, KB: kbs})
		if err != nil {
			return nil, fmt.Errorf("seed demo: %w", err)
		}
		if res.Created {
			log.Info("demo account created", slog.Int64("account_id", res.AccountID),
				slog.String("email", seed.DemoEmail), slog.String("password", "see README (demo only)"))
		}
	}
	dashboard, startDashboard, err := a.jobs.Dashboard(log, cfg.PlatformToken)
	if err != nil {
		return nil, fmt.Errorf("job dashboard: %w", err)
	}
	a.startDashboard = startDashboard
	a.relay = &realtime.Relay{Store: st, Node: a.rt, Log: log, Delay: 2 * time.Second, Interval: 250 * time.Millisecond, Retain: 24 * time.Hour}
	a.server = httpapi.New(httpapi.Deps{
		Config:        cfg,
		Store:         st,
		Auth:          auth.NewService(st, signer, limiter, cfg.RefreshTokenTTL),
		Conversations: convs,
		KB:            kbs,
		Limiter:       limiter,
		Logger:        log,
		Registry:      reg,
		ReadyChecks:   checks,
		Realtime:      a.rt,
		JobsDashboard: dashboard,
		Sealer:        sealer,
		WebUI:         webui.New(webui.Assets()),
	})
	if a.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// Addr is the address the node listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Store is the node's database handle.
func (a *App) Store() *store.Store { return a.store }

// Handler is the node's HTTP handler.
func (a *App) Handler() http.Handler { return a.server }

// Run serves until ctx ends, then lets in-flight requests finish within the
// shutdown timeout.
func (a *App) Run(ctx context.Context) error {
	srv := &http.Server{
		Handler:           a.server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if err := a.rt.Run(); err != nil {
		return fmt.Errorf("start real-time node: %w", err)
	}
	relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
	if err := a.startDashboard(relayCtx); err != nil {
		stopRelay()
		return fmt.Errorf("start job dashboard: %w", err)
	}
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		_ = a.relay.Run(relayCtx)
	}()
	defer func() {
		stopRelay()
		<-relayDone
	}()
	presenceDone := make(chan struct{})
	go func() {
		defer close(presenceDone)
		_ = a.rt.RunPresence(relayCtx)
	}()
	defer func() {
		stopRelay()
		<-presenceDone
	}()
	if a.cfg.Workers {
		if err := a.jobs.Start(ctx); err != nil {
			return fmt.Errorf("start job workers: %w", err)
		}
		a.jobs.Observe(relayCtx, a.jobm)
		defer a.stopJobs()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.ln) }()
	a.log.Info("hummdesk listening", slog.String("addr", a.Addr()), slog.String("database", a.store.Dialect().String()),
		slog.Bool("redis", a.redis != nil))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down", slog.Duration("timeout", a.cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Real-time clients are told to reconnect (to another node).
	if err := a.rt.Shutdown(sctx); err != nil {
		a.log.Warn("real-time shutdown", slog.Any("error", err))
	}
	// Its agents are offline here now; the stale-presence job clears what
	// this does not finish in time.
	if err := a.rt.ClearPresence(sctx); err != nil {
		a.log.Warn("clear presence", slog.Any("error", err))
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close releases the node's connections.
func (a *App) Close() {
	if a.ln != nil {
		_ = a.ln.Close()
	}
	if a.redis != nil {
		_ = a.redis.Close()
	}
	if a.store != nil {
		_ = a.store.Close()
	}
}

// Migrate applies pending migrations, through the owner URL when one is
// configured.
func Migrate(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	url := cfg.DatabaseURL
	if cfg.MigrateDatabaseURL != "" {
		url = cfg.MigrateDatabaseURL
	}
	st, err := store.Open(ctx, url, store.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if err := jobs.Migrate(ctx, st); err != nil {
		return err
	}
	if err := st.GrantAppRoles(ctx); err != nil {
		return fmt.Errorf("grant application roles: %w", err)
	}
	if len(applied) > 0 {
		log.Info("database migrated", slog.Any("versions", applied), slog.String("database", st.Dialect().String()))
	}
	return nil
}

// newJobs builds the job queue client with every worker and periodic job,
// and the conversation service that enqueues into it; work says whether
// this process runs the workers, rescueAfter when a running job is taken
// for one whose worker died. pub may be nil (the relay publishes).
func newJobs(st *store.Store, log *slog.Logger, pub conversation.Publisher, limiter ratelimit.Limiter, providers triage.Providers,
	policies map[string]jobs.Policy, work bool, rescueAfter time.Duration, outbound mail.Outbound) (*jobs.Client, *conversation.Service, *kb.Service, error) {
	workers := river.NewWorkers()
	wake := &conversation.WakeSnoozedWorker{Store: st}
	river.AddWorker(workers, wake)
	var enqueue triage.Enqueuer // set once the job client exists
	river.AddWorker(workers, &triage.ClassifyWorker{Store: st, Providers: providers, Publisher: pub,
		Limiter: limiter, Policy: policies[jobs.QueueClassification], AfterClassify: triage.DraftAfterClassify(&enqueue)})
	drafts := &triage.DraftWorker{Store: st, Providers: providers, Publisher: pub, Limiter: limiter,
		Policy: policies[jobs.QueueDraft], MinSimilarity: draftMinSimilarity}
	river.AddWorker(workers, drafts)
	river.AddWorker(workers, &realtime.PresenceCleanupWorker{Store: st, Publisher: pub})
	river.AddWorker(workers, &mail.Worker{Store: st, Sender: outbound.Sender, From: outbound.From, Limiter: limiter, Policy: policies[jobs.QueueEmail]})
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(15*time.Second),
			func() (river.JobArgs, *river.InsertOpts) { return conversation.WakeSnoozedArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(30*time.Second),
			func() (river.JobArgs, *river.InsertOpts) { return realtime.PresenceCleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
	kbs, err := kb.NewService(kb.Options{Store: st, Embedder: kb.LocalEmbedder{}, Logger: log})
	if err != nil {
		return nil, nil, nil, err
	}
	kbs.AddWorkers(workers, policies[jobs.QueueKnowledgeBase])
	periodic = append(periodic, kb.SweepJob(time.Minute))
	jc, err := jobs.New(jobs.Config{Store: st, Logger: log, Workers: workers, Policies: policies, Work: work, Periodic: periodic,
		RescueAfter: rescueAfter})
	if err != nil {
		return nil, nil, nil, err
	}
	kbs.UseJobs(jc)
	enqueue = jc
	drafts.Retrieve = retrieveWith(kbs)
	convs := conversation.NewService(conversation.Options{Publisher: pub, Jobs: jc, EmailDomain: outbound.Domain()})
	wake.Service = convs
	return jc, convs, kbs, nil
}

// stopJobs lets running jobs finish within the shutdown timeout; River
// hands the rest back for another worker.
func (a *App) stopJobs() {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := a.jobs.Stop(ctx); err != nil {
		a.log.Warn("stop job workers", slog.Any("error", err))
	}
}

// RunWorker runs only the job workers (`hummdesk worker`) until ctx ends.
// With Redis configured, events from jobs are published at once; without,
// the API nodes' relay publishes them.
func RunWorker(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{MaxConns: cfg.DBMaxConns})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	var pub conversation.Publisher
	if cfg.RedisURL != "" {
		key, err := signingKey(ctx, cfg, st)
		if err != nil {
			return err
		}
		signer, err := auth.NewSigner([]byte(key), cfg.AccessTokenTTL, cfg.ContactTokenTTL, nil)
		if err != nil {
			return err
		}
		rt, err := realtime.New(realtime.Config{Store: st, Signer: signer, Logger: log, Registry: httpapi.NewRegistry(nil), RedisURL: cfg.RedisURL, RedisPrefix: cfg.RedisPrefix})
		if err != nil {
			return err
		}
		if err := rt.Run(); err != nil {
			return err
		}
		defer func() { _ = rt.Shutdown(context.Background()) }()
		pub = rt
	}
	var limiter ratelimit.Limiter = ratelimit.NewMemory(nil)
	if cfg.RedisURL != "" {
		rc, err := connectRedis(ctx, cfg)
		if err != nil {
			return err
		}
		defer rc.Close()
		limiter = redisLimiter(rc, cfg, log)
	}
	sealer, err := newSealer(ctx, cfg, st)
	if err != nil {
		return err
	}
	policies, err := queuePolicies(cfg)
	if err != nil {
		return err
	}
	outbound, err := mail.NewOutbound(cfg.SMTPURL, cfg.EmailFrom, cfg.SMTPInsecureSkipVerify)
	if err != nil {
		return err
	}
	jc, _, _, err := newJobs(st, log, pub, queueLimiter(st, limiter, cfg), newProviders(cfg, log, sealer), policies, true, cfg.JobRescueAfter, outbound)
	if err != nil {
		return err
	}
	if err := jc.Start(ctx); err != nil {
		return err
	}
	log.Info("hummdesk worker running", slog.String("database", st.Dialect().String()))
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return jc.Stop(sctx)
}

// signingKey is the configured token key or the one kept in the database.
func signingKey(ctx context.Context, cfg *config.Config, st *store.Store) (string, error) {
	if cfg.JWTSecret != "" {
		return cfg.JWTSecret, nil
	}
	key, err := st.SecretGetOrCreate(ctx, "jwt_signing_key", func() string { return auth.RandomToken(48) })
	if err != nil {
		return "", fmt.Errorf("load signing key: %w", err)
	}
	return key, nil
}

// Jobs is the node's job queue client.
func (a *App) Jobs() *jobs.Client { return a.jobs }

// connectRedis connects to REDIS_URL and checks it answers.
func connectRedis(ctx context.Context, cfg *config.Config) (*redis.Client, error) {
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	// Calls end at their context's deadline, so a Redis that hangs costs a
	// caller no more than the deadline it set.
	opts.ContextTimeoutEnabled = true
	rc := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rc.Ping(pingCtx).Err(); err != nil {
		_ = rc.Close()
		return nil, fmt.Errorf("connect to redis: %w", err)
	}
	return rc, nil
}

// redisLimiter counts in Redis, shared by every process, and in process
// while Redis fails: requests and jobs never fail or wait on a broken Redis.
func redisLimiter(rc *redis.Client, cfg *config.Config, log *slog.Logger) ratelimit.Limiter {
	return ratelimit.NewFallback(ratelimit.NewRedis(rc, cfg.RedisPrefix+":rl:", nil), ratelimit.NewMemory(nil), log, ratelimit.FallbackOptions{})
}

// queuePolicies are the default queue policies with the rates of
// HUMMDESK_QUEUE_RATES. Only the queues with a default rate enforce one;
// naming another queue is an error.
func queuePolicies(cfg *config.Config) (map[string]jobs.Policy, error) {
	policies := jobs.DefaultPolicies()
	var limited []string
	for name, p := range policies {
		if p.Rate > 0 {
			limited = append(limited, name)
		}
	}
	slices.Sort(limited)
	for name, r := range cfg.QueueRates {
		p, ok := policies[name]
		if !ok || p.Rate == 0 {
			return nil, fmt.Errorf("HUMMDESK_QUEUE_RATES: %q is not a rate-limited queue (those are %s)", name, strings.Join(limited, ", "))
		}
		p.Rate, p.Per = r.Limit, r.Per
		policies[name] = p
	}
	return policies, nil
}

// queueLimiter is what holds the job queues' rates across every process:
// Redis when configured, else the database that all processes share.
func queueLimiter(st *store.Store, redisOrMemory ratelimit.Limiter, cfg *config.Config) ratelimit.Limiter {
	if cfg.RedisURL != "" {
		return redisOrMemory
	}
	return ratelimit.NewSQL(st, nil)
}
