package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"

	"hummdesk/internal/ai/local"
)

const aiUsage = `Usage: hummdesk ai <command> [flags]

Commands:
  classify  label messages read from stdin with the built-in offline classifier

Run 'hummdesk ai classify --help' for its flags.
`

const aiClassifyDoc = `Reads one JSON object per line from stdin, at least {"id": ..., "text": "..."},
and writes one per line to stdout:
  {"id","language","category","priority","sentiment","confidence","reasoning"}
The id is echoed as given. Needs no server, database or network. A bad line is
reported on stderr with its line number and skipped; the exit status is then 1.`

// runAI runs `hummdesk ai …` and returns the exit code.
func runAI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, aiUsage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, aiUsage)
		return 0
	case "classify":
		return aiClassify(args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "hummdesk ai: unknown command %q\n\n%s", args[0], aiUsage)
	return 2
}

func aiClassify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var flagOut bytes.Buffer
	fs := flag.NewFlagSet("hummdesk ai classify", flag.ContinueOnError)
	fs.SetOutput(&flagOut)
	provider := fs.String("provider", "local", "classifier to use; only \"local\" (built in, offline) is available here")
	reasoning := fs.Bool("reasoning", true, "include a short explanation of each answer")
	fs.Usage = func() {
		fmt.Fprintf(&flagOut, "Usage: hummdesk ai classify [flags] < messages.jsonl\n\n%s\n\nFlags:\n", aiClassifyDoc)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(&flagOut, "  --%s  (default %s)\n        %s\n", f.Name, f.DefValue, f.Usage)
		})
	}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = io.Copy(stdout, &flagOut)
		return 0
	}
	_, _ = io.Copy(stderr, &flagOut)
	if err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hummdesk ai classify: unexpected argument %q (messages are read from stdin)\n", fs.Arg(0))
		return 2
	}
	if *provider != "local" {
		fmt.Fprintf(stderr, "hummdesk ai classify: provider %q is not available in this command; only \"local\" is (remote providers run in the server's workers)\n", *provider)
		return 2
	}
	m := local.Default()
	in := bufio.NewReaderSize(stdin, 64*1024)
	out := bufio.NewWriter(stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	bad := 0
	for line := 1; ; line++ {
		b, readErr := in.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			res, err := classifyLine(m, b, *reasoning)
			if err != nil {
				bad++
				fmt.Fprintf(stderr, "hummdesk ai classify: line %d: %v\n", line, err)
			} else if err := enc.Encode(res); err != nil {
				fmt.Fprintf(stderr, "hummdesk ai classify: write: %v\n", err)
				return 1
			}
		}
		if readErr == io.EOF {
			break
		}
		if readErr != nil {
			_ = out.Flush()
			fmt.Fprintf(stderr, "hummdesk ai classify: read stdin: %v\n", readErr)
			return 1
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "hummdesk ai classify: write: %v\n", err)
		return 1
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "hummdesk ai classify: %d bad line(s) skipped\n", bad)
		return 1
	}
	return 0
}

type classifyInput struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
}

type classifyOutput struct {
	ID         json.RawMessage `json:"id"`
	Language   string          `json:"language"`
	Category   string          `json:"category"`
	Priority   string          `json:"priority"`
	Sentiment  string          `json:"sentiment"`
	Confidence float64         `json:"confidence"`
	Reasoning  string          `json:"reasoning,omitempty"`
}

func classifyLine(m *local.Model, b []byte, reasoning bool) (*classifyOutput, error) {
	var in classifyInput
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	switch {
	case len(in.ID) == 0 || string(in.ID) == "null":
		return nil, errors.New(`missing "id"`)
	case in.Text == nil:
		return nil, errors.New(`missing "text" (a string)`)
	}
	p := m.Classify(*in.Text)
	out := &classifyOutput{
		ID:         in.ID,
		Language:   p.Language,
		Category:   p.Category,
		Priority:   p.Priority,
		Sentiment:  p.Sentiment,
		Confidence: math.Round(p.Confidence*1e4) / 1e4,
	}
	if reasoning {
		out.Reasoning = p.Reasoning()
	}
	return out, nil
}
