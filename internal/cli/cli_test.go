package cli_test

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"hummdesk/internal/cli"
	"hummdesk/internal/config"
)

// run calls cli.Main and returns its exit code and outputs.
func run(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Main(args, env, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"version", "--version"} {
		code, out, _ := run(t, nil, arg)
		if code != 0 {
			t.Errorf("%s: exit %d, want 0", arg, code)
		}
		if !regexp.MustCompile(`^hummdesk \S+ \(schema [1-9][0-9]*\)\n$`).MatchString(out) {
			t.Errorf("%s printed %q, want `hummdesk VERSION (schema N)`", arg, out)
		}
	}
}

func TestTopLevelHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--help", "-h", "help"} {
		code, out, _ := run(t, nil, arg)
		if code != 0 {
			t.Errorf("%s: exit %d, want 0", arg, code)
		}
		for _, cmd := range []string{"serve", "migrate", "seed", "version"} {
			if !strings.Contains(out, "  "+cmd+" ") {
				t.Errorf("%s: usage does not list %q:\n%s", arg, cmd, out)
			}
		}
	}
	code, _, errOut := run(t, nil)
	if code != 2 || !strings.Contains(errOut, "Usage:") {
		t.Errorf("no arguments: exit %d, stderr %q; want 2 and the usage", code, errOut)
	}
}

func TestSubcommandHelp(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"serve", "migrate", "seed"} {
		for _, arg := range []string{"--help", "-h"} {
			// A broken environment does not stand in the way of reading the help.
			code, out, errOut := run(t, []string{"HUMMDESK_NOPE=1"}, cmd, arg)
			if code != 0 {
				t.Errorf("%s %s: exit %d, want 0 (stderr %q)", cmd, arg, code, errOut)
			}
			if errOut != "" {
				t.Errorf("%s %s: help went to stderr: %q", cmd, arg, errOut)
			}
			if !strings.HasPrefix(out, "Usage: hummdesk "+cmd) {
				t.Errorf("%s %s: output does not start with its usage line: %q", cmd, arg, out)
			}
			for _, v := range config.Vars {
				if !strings.Contains(out, "--"+v.Flag+" ") || !strings.Contains(out, v.Env) {
					t.Errorf("%s %s: help does not list --%s (%s)", cmd, arg, v.Flag, v.Env)
				}
			}
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	code, out, errOut := run(t, nil, "serv")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if out != "" || !strings.Contains(errOut, `unknown command "serv"`) {
		t.Errorf("stdout %q, stderr %q; want the error on stderr", out, errOut)
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"bad value", []string{"HUMMDESK_DATA_DIR=" + dir, "HUMMDESK_DB_MAX_CONNS=lots"}, []string{"migrate"}, "HUMMDESK_DB_MAX_CONNS"},
		{"unknown variable", []string{"HUMMDESK_DATA_DIR=" + dir, "HUMMDESK_LOGLEVEL=debug"}, []string{"serve"}, "HUMMDESK_LOGLEVEL"},
		{"bad flag value", []string{"HUMMDESK_DATA_DIR=" + dir}, []string{"seed", "--log-level=chatty"}, "chatty"},
		{"unknown flag", []string{"HUMMDESK_DATA_DIR=" + dir}, []string{"serve", "--port=80"}, "port"},
		{"stray argument", []string{"HUMMDESK_DATA_DIR=" + dir}, []string{"migrate", "now"}, `unexpected argument "now"`},
	} {
		code, _, errOut := run(t, tc.env, tc.args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", tc.name, code, errOut)
		}
		if !strings.Contains(errOut, "configuration error") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: stderr %q does not explain the error (want %q)", tc.name, errOut, tc.want)
		}
	}
}

func TestMigrateAndSeedOnSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := []string{"HUMMDESK_DATA_DIR=" + dir, "HUMMDESK_LOG_LEVEL=warn"}
	code, out, errOut := run(t, env, "migrate")
	if code != 0 || !strings.Contains(out, "latest schema version") {
		t.Fatalf("migrate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "hummdesk.db")); len(matches) != 1 {
		t.Errorf("migrate did not create the database under HUMMDESK_DATA_DIR")
	}
	code, out, errOut = run(t, env, "seed")
	if code != 0 || !strings.Contains(out, "created") {
		t.Fatalf("seed: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = run(t, env, "seed")
	if code != 0 || !strings.Contains(out, "already exists") {
		t.Fatalf("second seed: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
