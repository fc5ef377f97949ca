// Package cli is the hummdesk command line: subcommands, their flags and
// their help.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"hummdesk/internal/app"
	"hummdesk/internal/config"
	"hummdesk/internal/seed"
	"hummdesk/internal/store"
)

// Version is set at build time with -ldflags "-X hummdesk/internal/cli.Version=…".
var Version = "dev"

const usage = `hummdesk — AI-native help desk

Usage:
  hummdesk <command> [flags]

Commands:
  serve     run the API server and, unless --workers=false, the job workers
  worker    run only the job workers (scale them out on PostgreSQL)
  migrate   apply database migrations and exit
  seed      create the demo account (idempotent) and exit
  ai        offline AI tools: 'hummdesk ai classify' labels messages read from stdin
  version   print the version

Run 'hummdesk <command> --help' for a command's flags. Every flag can also be
set with its environment variable (HUMMDESK_*, DATABASE_URL, REDIS_URL).
`

// Main runs the command line and returns the exit code.
func Main(args []string, env []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "--version":
		fmt.Fprintf(stdout, "hummdesk %s (schema %d)\n", Version, store.LatestVersion(store.SQLite))
		return 0
	case "ai":
		return runAI(rest, os.Stdin, stdout, stderr)
	case "serve", "worker", "migrate", "seed":
	default:
		fmt.Fprintf(stderr, "hummdesk: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	// The flag package writes usage and parse errors to the flag set's
	// output; help asked for goes to stdout, anything else to stderr.
	var flagOut bytes.Buffer
	fs := flag.NewFlagSet("hummdesk "+cmd, flag.ContinueOnError)
	fs.SetOutput(&flagOut)
	fs.Usage = func() {
		fmt.Fprintf(&flagOut, "Usage: hummdesk %s [flags]\n\n%s\n\nFlags (each also read from its environment variable):\n", cmd, commandDoc[cmd])
		for _, v := range config.Vars {
			fmt.Fprintf(&flagOut, "  --%s  (env %s", v.Flag, v.Env)
			if v.Default != "" {
				fmt.Fprintf(&flagOut, ", default %s", v.Default)
			}
			fmt.Fprintf(&flagOut, ")\n        %s\n", v.Doc)
		}
	}
	cfg, err := config.Load(env, fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = io.Copy(stdout, &flagOut)
		return 0
	}
	_, _ = io.Copy(stderr, &flagOut)
	if err != nil {
		fmt.Fprintf(stderr, "hummdesk %s: configuration error:\n  %s\n", cmd, strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return 2
	}
	log := newLogger(cfg, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal starts a graceful shutdown, restore the
		// default handling so a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, cmd, cfg, log, stdout); err != nil {
		log.Error(cmd+" failed", slog.Any("error", err))
		return 1
	}
	return 0
}

var commandDoc = map[string]string{
	"serve":   "Runs the HummDesk API. Applies pending migrations first; creates the demo account when HUMMDESK_DEMO is on.",
	"worker":  "Runs only the job workers: background work such as reopening snoozed conversations. Any number of worker processes can share one PostgreSQL database.",
	"migrate": "Applies the embedded, numbered migrations (PostgreSQL: under an advisory lock) and exits. Refuses a database migrated by a newer binary.",
	"seed":    "Creates the demo account if it does not exist yet, then exits.",
}

func run(ctx context.Context, cmd string, cfg *config.Config, log *slog.Logger, stdout io.Writer) error {
	switch cmd {
	case "worker":
		return app.RunWorker(ctx, cfg, log)
	case "migrate":
		if err := app.Migrate(ctx, cfg, log); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "database is at the latest schema version")
		return nil
	case "seed":
		if err := app.Migrate(ctx, cfg, log); err != nil {
			return err
		}
		st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{MaxConns: 2})
		if err != nil {
			return err
		}
		defer st.Close()
		res, err := seed.Demo(ctx, st, seed.Options{})
		if err != nil {
			return err
		}
		if res.Created {
			fmt.Fprintf(stdout, "demo account %d created: log in as %s / %s\n", res.AccountID, seed.DemoEmail, seed.DemoPassword)
		} else {
			fmt.Fprintf(stdout, "demo account %d already exists\n", res.AccountID)
		}
		return nil
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Demo {
		fmt.Fprintf(stdout, "HummDesk is running on %s — demo login: %s / %s\n", browserURL(a.Addr()), seed.DemoEmail, seed.DemoPassword)
	}
	return a.Run(ctx)
}

// browserURL turns a listen address into a URL a browser on this machine
// can open (":8080" listens on every interface; localhost reaches it).
func browserURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
