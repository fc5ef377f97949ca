// Package config holds HummDesk's typed configuration: one struct, filled
// from HUMMDESK_* environment variables (and the conventional DATABASE_URL
// and REDIS_URL) and then from command-line flags, checked by Validate.
// Unknown HUMMDESK_* variables are an error, so a typo never passes silently.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of a hummdesk process.
type Config struct {
	Addr               string
	DataDir            string
	DatabaseURL        string
	MigrateDatabaseURL string
	RedisURL           string
	RedisPrefix        string
	DBMaxConns         int
	Demo               bool
	demoSet            bool
	PlatformToken      string
	Signup             bool
	Workers            bool
	QueueRates         map[string]QueueRate
	JobRescueAfter     time.Duration
	RateLimits         bool
	RateLimitAPI       int
	RateLimitWidget    int
	JWTSecret          string
	AccessTokenTTL     time.Duration
	RefreshTokenTTL    time.Duration
	ContactTokenTTL    time.Duration
	TrustedProxies     []netip.Prefix
	CORSOrigins        []string
	FrameAncestors     []string
	PublicURL          string
	LogLevel           string
	LogFormat          string
	ShutdownTimeout    time.Duration
	SecretKey          string
	AIProvider         string
	AITimeout          time.Duration
	AnthropicAPIKey    string
	AnthropicModel     string
	AnthropicBaseURL   string
	OpenAIAPIKey       string
	OpenAIBaseURL      string
	OpenAIModel        string
	OpenAIEmbedModel   string
	// SMTPURL is the outgoing mail server; it holds a password, so never
	// log it (Redact).
	SMTPURL                string
	EmailFrom              string
	SMTPInsecureSkipVerify bool
}

// Var documents one setting; the table drives env parsing, flags and the
// README's configuration table.
type Var struct {
	Env     string
	Flag    string
	Default string
	Doc     string
	set     func(c *Config, v string) error
}

// Vars is every setting, in the order the README lists them.
var Vars = []Var{
	{"HUMMDESK_ADDR", "addr", ":8080", "listen address", func(c *Config, v string) error { c.Addr = v; return nil }},
	{"HUMMDESK_DATA_DIR", "data-dir", "./data", "directory of the embedded SQLite database and local files", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"DATABASE_URL", "database-url", "", "postgres://… selects PostgreSQL; sqlite://PATH or empty uses SQLite in the data directory (also HUMMDESK_DATABASE_URL)", func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{"HUMMDESK_MIGRATE_DATABASE_URL", "migrate-database-url", "", "PostgreSQL URL of the tables' owner, used only for migrations (default: DATABASE_URL)", func(c *Config, v string) error { c.MigrateDatabaseURL = v; return nil }},
	{"REDIS_URL", "redis-url", "", "redis://… enables Redis: real-time fan-out, history and presence across nodes, shared rate limits (also HUMMDESK_REDIS_URL)", func(c *Config, v string) error { c.RedisURL = v; return nil }},
	{"HUMMDESK_REDIS_PREFIX", "redis-prefix", "hummdesk", "prefix of every Redis key and channel, so several deployments can share one Redis", func(c *Config, v string) error { c.RedisPrefix = v; return nil }},
	{"HUMMDESK_DB_MAX_CONNS", "db-max-conns", "20", "maximum PostgreSQL connections per process", intVar(func(c *Config) *int { return &c.DBMaxConns })},
	{"HUMMDESK_DEMO", "demo", "", "create the demo account at start (default: true on SQLite, false on PostgreSQL)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		c.Demo, c.demoSet = b, true
		return nil
	}},
	{"HUMMDESK_PLATFORM_TOKEN", "platform-token", "", "bearer token of the platform API (/platform/api/v1); empty disables it", func(c *Config, v string) error { c.PlatformToken = v; return nil }},
	{"HUMMDESK_WORKERS", "workers", "true", "run the job workers inside `serve` (`hummdesk worker` runs only them)", boolVar(func(c *Config) *bool { return &c.Workers })},
	{"HUMMDESK_QUEUE_RATES", "queue-rates", "", "rate limits of the AI and email job queues, held across all worker processes: comma-separated queue=N/s, N/m, N/h or N/DURATION, or queue=off for none; a queue not named keeps its default (ai_classification=100/m, ai_draft=50/m, email=500/h)", parseQueueRates},
	{"HUMMDESK_JOB_RESCUE_AFTER", "job-rescue-after", "5m", "how long a background job may run: one still running at 4/5 of this is cancelled and retried, and one whose worker died (killed, crashed) is retried once it is this old (checked every 30s). Keep it well above the longest job: a classification may make 6 AI requests (3 attempts, twice with a repair), 6 × HUMMDESK_AI_TIMEOUT; it must be at least 2 × HUMMDESK_AI_TIMEOUT", durVar(func(c *Config) *time.Duration { return &c.JobRescueAfter })},
	{"HUMMDESK_SIGNUP", "signup", "true", "allow self-service signup (POST /api/v1/accounts)", boolVar(func(c *Config) *bool { return &c.Signup })},
	{"HUMMDESK_RATE_LIMITS", "rate-limits", "on", "request rate limiting: on or off (login throttling stays on)", func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "on", "true", "1":
			c.RateLimits = true
		case "off", "false", "0":
			c.RateLimits = false
		default:
			return errors.New("must be on or off")
		}
		return nil
	}},
	{"HUMMDESK_RATE_LIMIT_API", "rate-limit-api", "600", "agent API requests per minute per account and client IP", intVar(func(c *Config) *int { return &c.RateLimitAPI })},
	{"HUMMDESK_RATE_LIMIT_WIDGET", "rate-limit-widget", "60", "widget requests per minute per inbox and client IP", intVar(func(c *Config) *int { return &c.RateLimitWidget })},
	{"HUMMDESK_JWT_SECRET", "jwt-secret", "", "token signing key (≥ 32 bytes); default: generated once and kept in the database", func(c *Config, v string) error { c.JWTSecret = v; return nil }},
	{"HUMMDESK_ACCESS_TOKEN_TTL", "access-token-ttl", "15m", "lifetime of access tokens", durVar(func(c *Config) *time.Duration { return &c.AccessTokenTTL })},
	{"HUMMDESK_REFRESH_TOKEN_TTL", "refresh-token-ttl", "720h", "lifetime of refresh tokens", durVar(func(c *Config) *time.Duration { return &c.RefreshTokenTTL })},
	{"HUMMDESK_CONTACT_TOKEN_TTL", "contact-token-ttl", "2160h", "lifetime of widget contact tokens", durVar(func(c *Config) *time.Duration { return &c.ContactTokenTTL })},
	{"HUMMDESK_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For is believed", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, s := range splitList(v) {
			if !strings.Contains(s, "/") {
				if a, err := netip.ParseAddr(s); err == nil {
					c.TrustedProxies = append(c.TrustedProxies, netip.PrefixFrom(a, a.BitLen()))
					continue
				}
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return fmt.Errorf("%q is not an IP or CIDR", s)
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
		return nil
	}},
	{"HUMMDESK_CORS_ORIGINS", "cors-origins", "", "comma-separated origins allowed to call the agent API from a browser (the widget API allows any origin)", func(c *Config, v string) error { c.CORSOrigins = splitList(v); return nil }},
	{"HUMMDESK_FRAME_ANCESTORS", "frame-ancestors", "'none'", "CSP frame-ancestors of the app (space-separated sources)", func(c *Config, v string) error { c.FrameAncestors = strings.Fields(v); return nil }},
	{"HUMMDESK_PUBLIC_URL", "public-url", "http://localhost:8080", "URL at which browsers reach this server (widget snippet)", func(c *Config, v string) error { c.PublicURL = strings.TrimRight(v, "/"); return nil }},
	{"HUMMDESK_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", func(c *Config, v string) error { c.LogLevel = strings.ToLower(v); return nil }},
	{"HUMMDESK_LOG_FORMAT", "log-format", "json", "json or text", func(c *Config, v string) error { c.LogFormat = strings.ToLower(v); return nil }},
	{"HUMMDESK_SHUTDOWN_TIMEOUT", "shutdown-timeout", "20s", "how long in-flight requests may take to finish on SIGTERM", durVar(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{"HUMMDESK_SECRET_KEY", "secret-key", "", "encrypts the AI API keys accounts store (≥ 32 bytes); default: generated once and kept in the database, which protects a leaked settings table but not a leaked database", func(c *Config, v string) error { c.SecretKey = v; return nil }},
	{"HUMMDESK_AI_PROVIDER", "ai-provider", "", "server default AI provider: local, anthropic or openai; default: anthropic when ANTHROPIC_API_KEY is set, else openai when OPENAI_API_KEY is set, else local (accounts may choose their own)", func(c *Config, v string) error {
		switch v {
		case "", "local", "anthropic", "openai":
			c.AIProvider = v
			return nil
		}
		return errors.New("must be local, anthropic or openai")
	}},
	{"HUMMDESK_AI_TIMEOUT", "ai-timeout", "30s", "timeout of one request to a remote AI provider", durVar(func(c *Config) *time.Duration { return &c.AITimeout })},
	{"ANTHROPIC_API_KEY", "anthropic-api-key", "", "Anthropic API key of the server default (also HUMMDESK_ANTHROPIC_API_KEY)", func(c *Config, v string) error { c.AnthropicAPIKey = v; return nil }},
	{"HUMMDESK_ANTHROPIC_MODEL", "anthropic-model", "", "Anthropic model; default: a current Claude Sonnet", func(c *Config, v string) error { c.AnthropicModel = v; return nil }},
	{"HUMMDESK_ANTHROPIC_BASE_URL", "anthropic-base-url", "", "Anthropic API base URL (default: the official API)", func(c *Config, v string) error { c.AnthropicBaseURL = v; return nil }},
	{"OPENAI_API_KEY", "openai-api-key", "", "key of the OpenAI-compatible endpoint (also HUMMDESK_OPENAI_API_KEY)", func(c *Config, v string) error { c.OpenAIAPIKey = v; return nil }},
	{"HUMMDESK_OPENAI_BASE_URL", "openai-base-url", "", "OpenAI-compatible base URL: OpenAI (default), Azure, Ollama (http://localhost:11434/v1), vLLM, LM Studio", func(c *Config, v string) error { c.OpenAIBaseURL = v; return nil }},
	{"HUMMDESK_OPENAI_MODEL", "openai-model", "", "chat model of the OpenAI-compatible endpoint", func(c *Config, v string) error { c.OpenAIModel = v; return nil }},
	{"HUMMDESK_OPENAI_EMBEDDING_MODEL", "openai-embedding-model", "", "embedding model of the OpenAI-compatible endpoint (empty: knowledge-base embeddings stay local)", func(c *Config, v string) error { c.OpenAIEmbedModel = v; return nil }},
	// Checked in Validate, whose messages hide the password: an error
	// returned here would quote the value.
	{"HUMMDESK_SMTP_URL", "smtp-url", "", "SMTP server that sends agents' replies in email inboxes: smtp://user:password@host:port (STARTTLS when offered; port 587 by default) or smtps://… (TLS from the start; 465); empty: replies are not emailed, and each records why", func(c *Config, v string) error { c.SMTPURL = strings.TrimSpace(v); return nil }},
	{"HUMMDESK_EMAIL_FROM", "email-from", "", "From address of outgoing email, e.g. support@example.com (required with HUMMDESK_SMTP_URL); shown as \"Agent via Inbox\"", func(c *Config, v string) error { c.EmailFrom = strings.TrimSpace(v); return nil }},
	{"HUMMDESK_SMTP_INSECURE_SKIP_VERIFY", "smtp-insecure-skip-verify", "false", "accept any TLS certificate from the SMTP server (for testing only)", boolVar(func(c *Config) *bool { return &c.SMTPInsecureSkipVerify })},
}

// aliases are accepted alternative environment names; the canonical name
// wins when both are set.
var aliases = map[string]string{
	"HUMMDESK_DATABASE_URL":      "DATABASE_URL",
	"HUMMDESK_REDIS_URL":         "REDIS_URL",
	"HUMMDESK_ANTHROPIC_API_KEY": "ANTHROPIC_API_KEY",
	"HUMMDESK_OPENAI_API_KEY":    "OPENAI_API_KEY",
}

// toolPrefixes mark HUMMDESK_* variables that belong to the test suite
// (HUMMDESK_TEST_POSTGRES_URL) and the benchmark (HUMMDESK_BENCH_POSTGRES_URL),
// not to the binary; they are not reported as unknown.
var toolPrefixes = []string{"HUMMDESK_TEST_", "HUMMDESK_BENCH_"}

// ours reports whether an environment name is in HummDesk's namespace.
func ours(name string) bool {
	if !strings.HasPrefix(name, "HUMMDESK_") {
		return false
	}
	for _, p := range toolPrefixes {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	return true
}

// boolFlags are the flags that may be given without a value (--demo means
// --demo=true).
var boolFlags = map[string]bool{"demo": true, "signup": true, "rate-limits": true, "workers": true, "smtp-insecure-skip-verify": true}

// flagValue records a flag's text; Load applies it after the environment so
// flags win.
type flagValue struct {
	text   string
	isBool bool
}

func (f *flagValue) String() string {
	if f == nil {
		return ""
	}
	return f.text
}

func (f *flagValue) Set(s string) error { f.text = s; return nil }

func (f *flagValue) IsBoolFlag() bool { return f != nil && f.isBool }

func intVar(f func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("must be an integer")
		}
		*f(c) = n
		return nil
	}
}

func boolVar(f func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		*f(c) = b
		return nil
	}
}

func durVar(f func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return errors.New("must be a duration such as 15m or 720h")
		}
		*f(c) = d
		return nil
	}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// QueueRate is a job queue's rate limit: Limit jobs per Per across every
// worker process together. Limit 0 means no limit.
type QueueRate struct {
	Limit int
	Per   time.Duration
}

// String formats r as HUMMDESK_QUEUE_RATES writes it.
func (r QueueRate) String() string {
	if r.Limit == 0 {
		return "off"
	}
	switch r.Per {
	case time.Second:
		return strconv.Itoa(r.Limit) + "/s"
	case time.Minute:
		return strconv.Itoa(r.Limit) + "/m"
	case time.Hour:
		return strconv.Itoa(r.Limit) + "/h"
	}
	return strconv.Itoa(r.Limit) + "/" + r.Per.String()
}

// parseQueueRates reads HUMMDESK_QUEUE_RATES, e.g.
// "ai_classification=3000/m,ai_draft=off". Whether each queue exists is
// checked where the queues are built (internal/app).
func parseQueueRates(c *Config, v string) error {
	rates := map[string]QueueRate{}
	for _, item := range splitList(v) {
		name, spec, ok := strings.Cut(item, "=")
		name, spec = strings.TrimSpace(name), strings.TrimSpace(spec)
		if !ok || name == "" || spec == "" {
			return fmt.Errorf("%q is not queue=N/unit (e.g. ai_classification=3000/m)", item)
		}
		for _, r := range name {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
				return fmt.Errorf("%q is not a queue name", name)
			}
		}
		if _, dup := rates[name]; dup {
			return fmt.Errorf("queue %s is named twice", name)
		}
		if strings.EqualFold(spec, "off") {
			rates[name] = QueueRate{}
			continue
		}
		n, unit, ok := strings.Cut(spec, "/")
		limit, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || limit < 0 {
			return fmt.Errorf("%s=%s: the rate must be N/s, N/m, N/h, N/DURATION or off", name, spec)
		}
		var per time.Duration
		switch unit = strings.TrimSpace(unit); unit {
		case "s":
			per = time.Second
		case "m", "min":
			per = time.Minute
		case "h":
			per = time.Hour
		default:
			if per, err = time.ParseDuration(unit); err != nil || per <= 0 {
				return fmt.Errorf("%s=%s: %q is not s, m, h or a positive duration", name, spec, unit)
			}
		}
		if limit == 0 {
			per = 0
		}
		rates[name] = QueueRate{Limit: limit, Per: per}
	}
	c.QueueRates = rates
	return nil
}

// Load builds a Config from defaults, then env (a list of KEY=VALUE, as
// os.Environ returns), then the flags in args that were given. fs may be nil
// to parse env only; the returned error names the offending variable.
func Load(env []string, fs *flag.FlagSet, args []string) (*Config, error) {
	c := &Config{}
	for _, v := range Vars {
		if v.Default == "" {
			continue
		}
		if err := v.set(c, v.Default); err != nil {
			return nil, fmt.Errorf("default of %s: %w", v.Env, err)
		}
	}
	known := map[string]Var{}
	for _, v := range Vars {
		known[v.Env] = v
	}
	given := map[string]bool{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		given[k] = true
	}
	var errs []error
	var unknown []string
	for _, kv := range env {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		name := k
		if a, ok := aliases[k]; ok {
			if given[a] {
				continue
			}
			k = a
		}
		v, ok := known[k]
		if !ok {
			if ours(k) {
				unknown = append(unknown, k)
			}
			continue
		}
		if err := v.set(c, val); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", name, val, err))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		errs = append(errs, fmt.Errorf("unknown environment variable(s) %s (see `hummdesk serve --help`)", strings.Join(unknown, ", ")))
	}
	if fs != nil {
		vals := map[string]*flagValue{}
		for _, v := range Vars {
			fv := &flagValue{text: v.Default, isBool: boolFlags[v.Flag]}
			vals[v.Flag] = fv
			fs.Var(fv, v.Flag, v.Doc+" (env "+v.Env+")")
		}
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() > 0 {
			errs = append(errs, fmt.Errorf("unexpected argument %q (flags look like --addr=:8080)", fs.Arg(0)))
		}
		fs.Visit(func(f *flag.Flag) {
			for _, v := range Vars {
				if v.Flag == f.Name {
					if err := v.set(c, vals[f.Name].text); err != nil {
						errs = append(errs, fmt.Errorf("--%s=%q: %w", f.Name, vals[f.Name].text, err))
					}
				}
			}
		})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.finish()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// FromEnv is Load without flags, for tests and tools.
func FromEnv() (*Config, error) { return Load(os.Environ(), nil, nil) }

func (c *Config) finish() {
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + strings.TrimRight(c.DataDir, "/") + "/hummdesk.db"
	}
	if !c.demoSet {
		c.Demo = !c.Postgres()
	}
}

// Postgres reports whether the configured database is PostgreSQL.
func (c *Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// Validate checks the configuration as a whole.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("HUMMDESK_ADDR: must not be empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("HUMMDESK_DATA_DIR: must not be empty"))
	}
	if !c.Postgres() && !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		errs = append(errs, fmt.Errorf("DATABASE_URL: %q is neither postgres://… nor sqlite://…", redact(c.DatabaseURL)))
	}
	if c.MigrateDatabaseURL != "" && !strings.HasPrefix(c.MigrateDatabaseURL, "postgres") {
		errs = append(errs, errors.New("HUMMDESK_MIGRATE_DATABASE_URL: must be a postgres:// URL"))
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		errs = append(errs, errors.New("REDIS_URL: must start with redis:// or rediss://"))
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 1000 {
		errs = append(errs, errors.New("HUMMDESK_DB_MAX_CONNS: must be between 1 and 1000"))
	}
	if c.PlatformToken != "" && len(c.PlatformToken) < 16 {
		errs = append(errs, errors.New("HUMMDESK_PLATFORM_TOKEN: must be at least 16 characters"))
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		errs = append(errs, errors.New("HUMMDESK_SECRET_KEY: must be at least 32 bytes"))
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("HUMMDESK_JWT_SECRET: must be at least 32 bytes"))
	}
	if c.RateLimitAPI < 1 || c.RateLimitWidget < 1 {
		errs = append(errs, errors.New("HUMMDESK_RATE_LIMIT_API and HUMMDESK_RATE_LIMIT_WIDGET: must be positive"))
	}
	if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > 24*time.Hour {
		errs = append(errs, errors.New("HUMMDESK_ACCESS_TOKEN_TTL: must be between 1m and 24h"))
	}
	if c.RefreshTokenTTL < c.AccessTokenTTL {
		errs = append(errs, errors.New("HUMMDESK_REFRESH_TOKEN_TTL: must not be shorter than the access token TTL"))
	}
	if c.ContactTokenTTL < time.Hour {
		errs = append(errs, errors.New("HUMMDESK_CONTACT_TOKEN_TTL: must be at least 1h"))
	}
	if c.JobRescueAfter < time.Second {
		errs = append(errs, errors.New("HUMMDESK_JOB_RESCUE_AFTER: must be at least 1s"))
	} else if c.JobRescueAfter < 2*c.AITimeout {
		errs = append(errs, errors.New("HUMMDESK_JOB_RESCUE_AFTER: must be at least twice HUMMDESK_AI_TIMEOUT, or jobs waiting for the AI time out"))
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, errors.New("HUMMDESK_SHUTDOWN_TIMEOUT: must not be negative"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("HUMMDESK_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("HUMMDESK_LOG_FORMAT: %q is not json or text", c.LogFormat))
	}
	if !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, errors.New("HUMMDESK_PUBLIC_URL: must start with http:// or https://"))
	}
	errs = append(errs, c.validateEmail()...)
	for _, o := range c.CORSOrigins {
		if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			errs = append(errs, fmt.Errorf("HUMMDESK_CORS_ORIGINS: %q is not an origin like https://app.example.com", o))
		}
	}
	return errors.Join(errs...)
}

// validateEmail checks the outgoing mail settings. The messages show the
// SMTP URL only redacted.
func (c *Config) validateEmail() []error {
	var errs []error
	if c.SMTPURL != "" {
		if msg := checkSMTPURL(c.SMTPURL); msg != "" {
			shown := "the value"
			if strings.Contains(c.SMTPURL, "://") { // else redact could not find the password
				shown = strconv.Quote(redact(c.SMTPURL))
			}
			errs = append(errs, fmt.Errorf("HUMMDESK_SMTP_URL: %s %s", shown, msg))
		}
		if c.EmailFrom == "" {
			errs = append(errs, errors.New("HUMMDESK_EMAIL_FROM: required when HUMMDESK_SMTP_URL is set (e.g. support@example.com)"))
		}
	}
	if c.EmailFrom != "" {
		if a, err := mail.ParseAddress(c.EmailFrom); err != nil || a.Address != c.EmailFrom {
			errs = append(errs, fmt.Errorf("HUMMDESK_EMAIL_FROM: %q is not an email address like support@example.com", c.EmailFrom))
		}
	}
	return errs
}

// checkSMTPURL says what is wrong with an SMTP URL ("" when nothing is).
// It never quotes the URL or url.Parse's error, which would show the
// password.
func checkSMTPURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a URL like smtp://user:password@host:587"
	case u.Scheme != "smtp" && u.Scheme != "smtps":
		return "must start with smtp:// or smtps://"
	case u.Opaque != "" || u.Hostname() == "":
		return "names no host (smtp://user:password@host:port)"
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "must be smtp://[user:password@]host[:port], without a path or query"
	case u.User != nil && u.User.Username() == "":
		return "has a password without a user name"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "has an invalid port"
		}
	}
	return ""
}

// redact hides the password of a URL for messages.
func redact(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return u[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
	}
	return u
}

// Redact hides the password in a database or Redis URL.
func Redact(u string) string { return redact(u) }
