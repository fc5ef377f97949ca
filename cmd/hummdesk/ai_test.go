package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// runStdin runs hummdesk with stdin and returns its exit code and outputs.
func runStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = baseEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	res := result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errOut.String()}
	if err != nil && res.code <= 0 {
		t.Fatalf("hummdesk %q: %v\n%s", args, err, res.stderr)
	}
	return res
}

type classified struct {
	ID         json.RawMessage `json:"id"`
	Language   string          `json:"language"`
	Category   string          `json:"category"`
	Priority   string          `json:"priority"`
	Sentiment  string          `json:"sentiment"`
	Confidence *float64        `json:"confidence"`
	Reasoning  string          `json:"reasoning"`
}

func TestAIClassify(t *testing.T) {
	t.Parallel()
	in := `{"id":"a1","text":"I was charged twice for my invoice this month, please refund one payment."}
{"id":2,"text":"Reititin vilkkuu punaisena eikä netti toimi ollenkaan."}

{"id":"c3","text":"Pourriez-vous m'envoyer un devis pour 30 licences ?","extra":"ignored"}
`
	res := runStdin(t, in, "ai", "classify", "--provider", "local")
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	var got []classified
	sc := bufio.NewScanner(strings.NewReader(res.stdout))
	for sc.Scan() {
		var c classified
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		got = append(got, c)
	}
	if len(got) != 3 {
		t.Fatalf("%d output lines, want 3:\n%s", len(got), res.stdout)
	}
	want := []struct{ id, lang, category string }{{`"a1"`, "en", "billing"}, {`2`, "fi", "technical"}, {`"c3"`, "fr", "sales"}}
	for i, w := range want {
		c := got[i]
		if string(c.ID) != w.id || c.Language != w.lang || c.Category != w.category {
			t.Errorf("line %d: id %s, %s/%s; want id %s, %s/%s", i+1, c.ID, c.Language, c.Category, w.id, w.lang, w.category)
		}
		if !slices.Contains([]string{"urgent", "high", "normal", "low"}, c.Priority) ||
			!slices.Contains([]string{"positive", "neutral", "negative", "angry", "frustrated"}, c.Sentiment) ||
			c.Confidence == nil || *c.Confidence < 0 || *c.Confidence > 1 || c.Reasoning == "" {
			t.Errorf("line %d: invalid fields %+v", i+1, c)
		}
	}
	// The same input gives the same output.
	if again := runStdin(t, in, "ai", "classify"); again.stdout != res.stdout {
		t.Errorf("second run differs:\n%s\nvs\n%s", again.stdout, res.stdout)
	}
}

func TestAIClassifyBadLines(t *testing.T) {
	t.Parallel()
	in := `{"id":1,"text":"Hello, what are your opening hours?"}
this is not json
{"id":3}
{"text":"no id"}
{"id":5,"text":42}
{"id":6,"text":"Danke für die schnelle Hilfe!"}`
	res := runStdin(t, in, "ai", "classify")
	if res.code != 1 {
		t.Errorf("exit %d, want 1", res.code)
	}
	for _, n := range []string{"line 2:", "line 3:", "line 4:", "line 5:"} {
		if !strings.Contains(res.stderr, n) {
			t.Errorf("stderr does not name %s\n%s", n, res.stderr)
		}
	}
	if strings.Contains(res.stderr, "line 1:") || strings.Contains(res.stderr, "line 6:") {
		t.Errorf("stderr reports a good line:\n%s", res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"id":1,`) || !strings.HasPrefix(lines[1], `{"id":6,`) {
		t.Errorf("stdout should hold lines 1 and 6 only:\n%s", res.stdout)
	}
}

func TestAIClassifyUsage(t *testing.T) {
	t.Parallel()
	res := runStdin(t, "", "ai", "classify", "--provider", "anthropic")
	if res.code != 2 || !strings.Contains(res.stderr, `provider "anthropic"`) || res.stdout != "" {
		t.Errorf("--provider anthropic: exit %d, stdout %q, stderr %q; want 2 and an error naming the provider", res.code, res.stdout, res.stderr)
	}
	res = runStdin(t, "", "ai", "classify", "--help")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "Usage: hummdesk ai classify") || !strings.Contains(res.stdout, "--provider") {
		t.Errorf("--help: exit %d, stdout %q", res.code, res.stdout)
	}
	res = runStdin(t, "", "ai")
	if res.code != 2 || !strings.Contains(res.stderr, "classify") {
		t.Errorf("ai without a command: exit %d, stderr %q", res.code, res.stderr)
	}
	res = runStdin(t, "", "ai", "classify")
	if res.code != 0 || res.stdout != "" {
		t.Errorf("empty input: exit %d, stdout %q", res.code, res.stdout)
	}
}
