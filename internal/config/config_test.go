package config_test

import (
	"flag"
	"io"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/config"
)

func load(t *testing.T, env []string, args ...string) *config.Config {
	t.Helper()
	var fs *flag.FlagSet
	if args != nil {
		fs = flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
	}
	c, err := config.Load(env, fs, args)
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", env, args, err)
	}
	return c
}

func loadErr(t *testing.T, env []string, args ...string) string {
	t.Helper()
	var fs *flag.FlagSet
	if args != nil {
		fs = flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
	}
	c, err := config.Load(env, fs, args)
	if err == nil {
		t.Fatalf("Load(%q, %q) = %+v, want an error", env, args, c)
	}
	return err.Error()
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := load(t, nil)
	checks := []struct {
		name      string
		got, want any
	}{
		{"Addr", c.Addr, ":8080"},
		{"DataDir", c.DataDir, "./data"},
		{"DatabaseURL", c.DatabaseURL, "sqlite://./data/hummdesk.db"},
		{"MigrateDatabaseURL", c.MigrateDatabaseURL, ""},
		{"RedisURL", c.RedisURL, ""},
		{"DBMaxConns", c.DBMaxConns, 20},
		{"Demo", c.Demo, true},
		{"PlatformToken", c.PlatformToken, ""},
		{"Signup", c.Signup, true},
		{"RateLimits", c.RateLimits, true},
		{"RateLimitAPI", c.RateLimitAPI, 600},
		{"RateLimitWidget", c.RateLimitWidget, 60},
		{"JWTSecret", c.JWTSecret, ""},
		{"AccessTokenTTL", c.AccessTokenTTL, 15 * time.Minute},
		{"RefreshTokenTTL", c.RefreshTokenTTL, 720 * time.Hour},
		{"ContactTokenTTL", c.ContactTokenTTL, 2160 * time.Hour},
		{"TrustedProxies", len(c.TrustedProxies), 0},
		{"CORSOrigins", len(c.CORSOrigins), 0},
		{"FrameAncestors", c.FrameAncestors, []string{"'none'"}},
		{"PublicURL", c.PublicURL, "http://localhost:8080"},
		{"LogLevel", c.LogLevel, "info"},
		{"LogFormat", c.LogFormat, "json"},
		{"ShutdownTimeout", c.ShutdownTimeout, 20 * time.Second},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("default %s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	if c.Postgres() {
		t.Error("default database reported as PostgreSQL")
	}
}

// Every documented default must be accepted when given explicitly, and give
// the same configuration as leaving the variable unset.
func TestDocumentedDefaultsParse(t *testing.T) {
	t.Parallel()
	var env []string
	for _, v := range config.Vars {
		if v.Default != "" {
			env = append(env, v.Env+"="+v.Default)
		}
	}
	if got, want := load(t, env), load(t, nil); !reflect.DeepEqual(got, want) {
		t.Errorf("explicit defaults give %+v, implicit %+v", got, want)
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Parallel()
	c := load(t, []string{
		"HUMMDESK_ADDR=127.0.0.1:9000",
		"HUMMDESK_DATA_DIR=/srv/hd/",
		"REDIS_URL=redis://127.0.0.1:6379/2",
		"HUMMDESK_DB_MAX_CONNS=7",
		"HUMMDESK_PLATFORM_TOKEN=platform-token-0123456789",
		"HUMMDESK_SIGNUP=false",
		"HUMMDESK_RATE_LIMIT_API=5",
		"HUMMDESK_RATE_LIMIT_WIDGET=6",
		"HUMMDESK_JWT_SECRET=" + strings.Repeat("k", 32),
		"HUMMDESK_ACCESS_TOKEN_TTL=5m",
		"HUMMDESK_REFRESH_TOKEN_TTL=48h",
		"HUMMDESK_CONTACT_TOKEN_TTL=3h",
		"HUMMDESK_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.7 ,fd00::1/64",
		"HUMMDESK_CORS_ORIGINS=https://a.example, https://b.example",
		"HUMMDESK_FRAME_ANCESTORS='self' https://shop.example",
		"HUMMDESK_PUBLIC_URL=https://desk.example/",
		"HUMMDESK_LOG_LEVEL=DEBUG",
		"HUMMDESK_LOG_FORMAT=text",
		"HUMMDESK_SHUTDOWN_TIMEOUT=3s",
		"PATH=/usr/bin", // not ours: ignored
	})
	checks := []struct {
		name      string
		got, want any
	}{
		{"Addr", c.Addr, "127.0.0.1:9000"},
		{"DataDir", c.DataDir, "/srv/hd/"},
		{"DatabaseURL", c.DatabaseURL, "sqlite:///srv/hd/hummdesk.db"},
		{"RedisURL", c.RedisURL, "redis://127.0.0.1:6379/2"},
		{"DBMaxConns", c.DBMaxConns, 7},
		{"PlatformToken", c.PlatformToken, "platform-token-0123456789"},
		{"Signup", c.Signup, false},
		{"RateLimitAPI", c.RateLimitAPI, 5},
		{"RateLimitWidget", c.RateLimitWidget, 6},
		{"JWTSecret", c.JWTSecret, strings.Repeat("k", 32)},
		{"AccessTokenTTL", c.AccessTokenTTL, 5 * time.Minute},
		{"RefreshTokenTTL", c.RefreshTokenTTL, 48 * time.Hour},
		{"ContactTokenTTL", c.ContactTokenTTL, 3 * time.Hour},
		{"TrustedProxies", c.TrustedProxies, []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"),
			netip.MustParsePrefix("192.168.1.7/32"),
			netip.MustParsePrefix("fd00::/64"),
		}},
		{"CORSOrigins", c.CORSOrigins, []string{"https://a.example", "https://b.example"}},
		{"FrameAncestors", c.FrameAncestors, []string{"'self'", "https://shop.example"}},
		{"PublicURL", c.PublicURL, "https://desk.example"},
		{"LogLevel", c.LogLevel, "debug"},
		{"LogFormat", c.LogFormat, "text"},
		{"ShutdownTimeout", c.ShutdownTimeout, 3 * time.Second},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	t.Parallel()
	env := []string{
		"HUMMDESK_ADDR=127.0.0.1:9000",
		"HUMMDESK_LOG_LEVEL=debug",
		"HUMMDESK_DEMO=false",
		"HUMMDESK_RATE_LIMITS=on",
		"HUMMDESK_ACCESS_TOKEN_TTL=5m",
	}
	c := load(t, env, "--addr=127.0.0.1:9100", "-log-level", "error", "--demo", "--rate-limits=off", "--access-token-ttl=30m")
	if c.Addr != "127.0.0.1:9100" {
		t.Errorf("Addr = %q, want the flag's value", c.Addr)
	}
	if c.LogLevel != "error" {
		t.Errorf("LogLevel = %q, want the flag's value", c.LogLevel)
	}
	if !c.Demo {
		t.Error("--demo without a value did not turn the demo on")
	}
	if c.RateLimits {
		t.Error("--rate-limits=off did not turn rate limits off")
	}
	if c.AccessTokenTTL != 30*time.Minute {
		t.Errorf("AccessTokenTTL = %v, want 30m", c.AccessTokenTTL)
	}
	// A flag that is not given leaves the environment's value in place.
	c = load(t, env, "--log-format=text")
	if c.Addr != "127.0.0.1:9000" || c.LogLevel != "debug" || c.Demo {
		t.Errorf("unset flags replaced env values: addr %q level %q demo %v", c.Addr, c.LogLevel, c.Demo)
	}
}

func TestFlagErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--db-max-conns=many"}, "--db-max-conns"},
		{[]string{"--demo=perhaps"}, "--demo"},
		{[]string{"--no-such-flag"}, "no-such-flag"},
		{[]string{"stray"}, `unexpected argument "stray"`},
	} {
		if msg := loadErr(t, nil, tc.args...); !strings.Contains(msg, tc.want) {
			t.Errorf("args %q: error %q does not mention %q", tc.args, msg, tc.want)
		}
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := config.Load(nil, fs, []string{"--help"}); err != flag.ErrHelp {
		t.Errorf("--help: err = %v, want flag.ErrHelp", err)
	}
}

func TestUnknownVariable(t *testing.T) {
	t.Parallel()
	msg := loadErr(t, []string{"HUMMDESK_ADRR=:9000", "HUMMDESK_ZZZ=1"})
	for _, want := range []string{"HUMMDESK_ADRR", "HUMMDESK_ZZZ", "unknown"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	// Variables of the test suite and of other programs are not ours to judge.
	load(t, []string{"HUMMDESK_TEST_POSTGRES_URL=postgres://x@127.0.0.1/db", "HUMMDESK_BENCH_POSTGRES_URL=postgres://x@127.0.0.1/db", "HOME=/root", "CI=true"})
}

func TestInvalidValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  string
		want []string
	}{
		{"HUMMDESK_DB_MAX_CONNS=ten", []string{"HUMMDESK_DB_MAX_CONNS", "integer"}},
		{"HUMMDESK_DB_MAX_CONNS=0", []string{"HUMMDESK_DB_MAX_CONNS", "between"}},
		{"HUMMDESK_DEMO=maybe", []string{"HUMMDESK_DEMO", "true or false"}},
		{"HUMMDESK_SIGNUP=yes please", []string{"HUMMDESK_SIGNUP", "true or false"}},
		{"HUMMDESK_RATE_LIMITS=sometimes", []string{"HUMMDESK_RATE_LIMITS", "on or off"}},
		{"HUMMDESK_RATE_LIMIT_API=0", []string{"HUMMDESK_RATE_LIMIT_API", "positive"}},
		{"HUMMDESK_ACCESS_TOKEN_TTL=soon", []string{"HUMMDESK_ACCESS_TOKEN_TTL", "duration"}},
		{"HUMMDESK_ACCESS_TOKEN_TTL=10s", []string{"HUMMDESK_ACCESS_TOKEN_TTL", "between"}},
		{"HUMMDESK_REFRESH_TOKEN_TTL=1m", []string{"HUMMDESK_REFRESH_TOKEN_TTL", "shorter"}},
		{"HUMMDESK_CONTACT_TOKEN_TTL=5m", []string{"HUMMDESK_CONTACT_TOKEN_TTL", "1h"}},
		{"HUMMDESK_SHUTDOWN_TIMEOUT=-1s", []string{"HUMMDESK_SHUTDOWN_TIMEOUT", "negative"}},
		{"HUMMDESK_TRUSTED_PROXIES=10.0.0.0/8,proxy.local", []string{"HUMMDESK_TRUSTED_PROXIES", "proxy.local"}},
		{"HUMMDESK_CORS_ORIGINS=app.example", []string{"HUMMDESK_CORS_ORIGINS", "app.example"}},
		{"HUMMDESK_PUBLIC_URL=desk.example", []string{"HUMMDESK_PUBLIC_URL", "http"}},
		{"HUMMDESK_LOG_LEVEL=loud", []string{"HUMMDESK_LOG_LEVEL", "loud"}},
		{"HUMMDESK_LOG_FORMAT=xml", []string{"HUMMDESK_LOG_FORMAT", "xml"}},
		{"HUMMDESK_PLATFORM_TOKEN=short", []string{"HUMMDESK_PLATFORM_TOKEN", "16"}},
		{"HUMMDESK_JWT_SECRET=short", []string{"HUMMDESK_JWT_SECRET", "32"}},
		{"HUMMDESK_ADDR=", []string{"HUMMDESK_ADDR", "empty"}},
		{"HUMMDESK_DATA_DIR=", []string{"HUMMDESK_DATA_DIR", "empty"}},
		{"DATABASE_URL=mysql://root:hunter2@db/hd", []string{"DATABASE_URL", "mysql://root:***@db/hd"}},
		{"HUMMDESK_MIGRATE_DATABASE_URL=sqlite://x.db", []string{"HUMMDESK_MIGRATE_DATABASE_URL", "postgres"}},
		{"REDIS_URL=127.0.0.1:6379", []string{"REDIS_URL", "redis://"}},
	} {
		msg := loadErr(t, []string{tc.env})
		for _, want := range tc.want {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error %q does not contain %q", tc.env, msg, want)
			}
		}
		if strings.Contains(msg, "hunter2") {
			t.Errorf("%s: error %q leaks the password", tc.env, msg)
		}
	}
	// Several bad variables are all reported at once.
	msg := loadErr(t, []string{"HUMMDESK_DB_MAX_CONNS=x", "HUMMDESK_DEMO=x"})
	if !strings.Contains(msg, "HUMMDESK_DB_MAX_CONNS") || !strings.Contains(msg, "HUMMDESK_DEMO") {
		t.Errorf("error %q does not report both variables", msg)
	}
}

func TestDemoDefaultFollowsDatabase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env      []string
		postgres bool
		demo     bool
	}{
		{[]string{"DATABASE_URL=postgres://hd@127.0.0.1:5432/hd"}, true, false},
		{[]string{"DATABASE_URL=postgresql://hd@127.0.0.1:5432/hd"}, true, false},
		{[]string{"HUMMDESK_DATABASE_URL=postgres://hd@127.0.0.1:5432/hd"}, true, false},
		{[]string{"DATABASE_URL=sqlite:///tmp/hd.db"}, false, true},
		{[]string{"DATABASE_URL="}, false, true},
		{[]string{"HUMMDESK_DEMO=false"}, false, false},
		{[]string{"DATABASE_URL=sqlite:///tmp/hd.db", "HUMMDESK_DEMO=false"}, false, false},
		{[]string{"DATABASE_URL=postgres://hd@127.0.0.1:5432/hd", "HUMMDESK_DEMO=true"}, true, true},
	} {
		c := load(t, tc.env)
		if c.Postgres() != tc.postgres || c.Demo != tc.demo {
			t.Errorf("%q: Postgres() = %v, Demo = %v; want %v, %v", tc.env, c.Postgres(), c.Demo, tc.postgres, tc.demo)
		}
	}
}

func TestDatabaseURLAlias(t *testing.T) {
	t.Parallel()
	// The canonical name wins over the alias, whatever the order.
	for _, env := range [][]string{
		{"HUMMDESK_DATABASE_URL=sqlite:///alias.db", "DATABASE_URL=sqlite:///canonical.db"},
		{"DATABASE_URL=sqlite:///canonical.db", "HUMMDESK_DATABASE_URL=sqlite:///alias.db"},
	} {
		if c := load(t, env); c.DatabaseURL != "sqlite:///canonical.db" {
			t.Errorf("%q: DatabaseURL = %q, want the DATABASE_URL value", env, c.DatabaseURL)
		}
	}
	if c := load(t, []string{"HUMMDESK_REDIS_URL=redis://127.0.0.1:6379"}); c.RedisURL != "redis://127.0.0.1:6379" {
		t.Errorf("HUMMDESK_REDIS_URL alias ignored: RedisURL = %q", c.RedisURL)
	}
}

func TestRateLimitsSwitch(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"on": true, "ON": true, "true": true, "1": true, "off": false, "Off": false, "false": false, "0": false} {
		if c := load(t, []string{"HUMMDESK_RATE_LIMITS=" + v}); c.RateLimits != want {
			t.Errorf("HUMMDESK_RATE_LIMITS=%s: RateLimits = %v, want %v", v, c.RateLimits, want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://hd:s3cret@db:5432/hd":    "postgres://hd:***@db:5432/hd",
		"redis://:pw@cache:6379/0":           "redis://:***@cache:6379/0",
		"postgres://hd@db/hd":                "postgres://hd@db/hd",
		"sqlite:///var/lib/hummdesk/data.db": "sqlite:///var/lib/hummdesk/data.db",
	} {
		if got := config.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVarsAreWellFormed(t *testing.T) {
	t.Parallel()
	envs, flags := map[string]bool{}, map[string]bool{}
	for _, v := range config.Vars {
		if envs[v.Env] || flags[v.Flag] {
			t.Errorf("duplicate setting %s / --%s", v.Env, v.Flag)
		}
		envs[v.Env], flags[v.Flag] = true, true
		if v.Doc == "" {
			t.Errorf("%s has no documentation", v.Env)
		}
		// Besides HUMMDESK_*, only the names every tool of their kind reads.
		conventional := map[string]bool{"DATABASE_URL": true, "REDIS_URL": true, "ANTHROPIC_API_KEY": true, "OPENAI_API_KEY": true}
		if !conventional[v.Env] && !strings.HasPrefix(v.Env, "HUMMDESK_") {
			t.Errorf("%s: environment names start with HUMMDESK_", v.Env)
		}
	}
}

// README.md's configuration table is generated from config.Vars; this test
// fails when they drift apart. Regenerate with:
//
//	go test ./internal/config -run TestREADMEConfigTable -update-readme
func TestREADMEConfigTable(t *testing.T) {
	const path = "../../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	readme := string(raw)
	start := strings.Index(readme, tableStart)
	end := strings.Index(readme, tableEnd)
	if start < 0 || end < start {
		t.Fatalf("README.md lacks the markers %q and %q around the configuration table", tableStart, tableEnd)
	}
	want := configTable()
	got := readme[start+len(tableStart) : end]
	if *updateReadme {
		if err := os.WriteFile(path, []byte(readme[:start+len(tableStart)]+want+readme[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, v := range config.Vars {
		if !strings.Contains(got, "| `"+v.Env+"` | `--"+v.Flag+"` |") {
			t.Errorf("README.md's configuration table does not list %s (--%s)", v.Env, v.Flag)
		}
	}
	if got != want {
		t.Errorf("README.md's configuration table is out of date; run\n  go test ./internal/config -run TestREADMEConfigTable -update-readme\nwant:%s", want)
	}
}

const (
	tableStart = "<!-- config-table:start (generated from config.Vars; see internal/config/config_test.go) -->"
	tableEnd   = "<!-- config-table:end -->"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite README.md's configuration table")

func configTable() string {
	var b strings.Builder
	b.WriteString("\n| Environment | Flag | Default | Meaning |\n|---|---|---|---|\n")
	for _, v := range config.Vars {
		def := "—"
		if v.Default != "" {
			def = "`" + v.Default + "`"
		}
		b.WriteString("| `" + v.Env + "` | `--" + v.Flag + "` | " + def + " | " + strings.ReplaceAll(v.Doc, "|", "\\|") + " |\n")
	}
	return b.String()
}
