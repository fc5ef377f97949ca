// Command hummdesk-eval is `make eval`: it runs the built-in offline
// classifier (internal/ai/local) over a labelled set and prints accuracy
// per field and per language, the calibration table of the confidence,
// auto-assignment precision and coverage, single-goroutine throughput, and
// the model's own cross-validation results on its training corpus. It
// exits 0 even when a target is missed (unless -strict); only setup
// failures exit 1.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"hummdesk/internal/ai/local"
)

// Targets of issue 4 on the evaluation set.
var targets = map[string]float64{"language": 0.98, "category": 0.85, "priority": 0.75, "sentiment": 0.70}

const (
	targetPrecision = 0.95
	targetCoverage  = 0.30
	targetPerSec    = 2000
)

func main() {
	fs := flag.NewFlagSet("hummdesk-eval", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: hummdesk-eval [flags]\n\nEvaluates the local classifier on a JSONL set of {\"text\",\"language\",\"category\",\"priority\",\"sentiment\"}.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	set := fs.String("set", "../shared/eval/dev.jsonl", "labelled evaluation set (JSONL)")
	benchTime := fs.Duration("bench-time", 2*time.Second, "how long to measure throughput (0 skips it)")
	strict := fs.Bool("strict", false, "exit 2 when a target is missed")
	modelPath := fs.String("model", "", "evaluate this model file instead of the embedded one (experiments)")
	showErrors := fs.String("show-errors", "", "print the messages whose FIELD (language, category, priority, sentiment) is wrong")
	_ = fs.Parse(os.Args[1:])

	examples, err := readSet(*set)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hummdesk-eval: %v\n", err)
		os.Exit(1)
	}
	var m *local.Model
	if *modelPath == "" {
		m = local.Default()
	} else {
		data, err := os.ReadFile(*modelPath)
		if err == nil {
			m, err = local.Decode(data)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "hummdesk-eval: %v\n", err)
			os.Exit(1)
		}
	}
	ev := local.Evaluate(m, examples)
	missed := report(os.Stdout, m, ev, *set)
	if *showErrors != "" {
		printErrors(m, examples, *showErrors)
	}
	if *benchTime > 0 {
		texts := make([]string, len(examples))
		for i, e := range examples {
			texts[i] = e.Text
		}
		cpu0, cpuOK := processCPU()
		perSec, p50, p99, calls := local.Throughput(m, texts, 5000, *benchTime)
		cpu1, _ := processCPU()
		// The target is per core: on a busy machine the wall-clock rate
		// also counts time other processes held the CPU, so the check uses
		// calls per CPU-second of this process when it can measure them.
		perCore := perSec
		if cpuOK && cpu1 > cpu0 {
			perCore = float64(calls) / (cpu1 - cpu0).Seconds()
		}
		if perCore < targetPerSec {
			missed++
		}
		fmt.Printf("\nThroughput, one goroutine: %.0f msgs/s wall clock, %.0f msgs per CPU-second %s (target ≥ %d per core); latency p50 %s, p99 %s",
			perSec, perCore, mark(perCore >= targetPerSec), targetPerSec, p50.Round(time.Microsecond), p99.Round(time.Microsecond))
		if l := loadAverage(); l != "" {
			fmt.Printf(" (load average %s)", l)
		}
		fmt.Println()
	}
	if missed > 0 {
		fmt.Printf("\n%d target(s) missed\n", missed)
		if *strict {
			os.Exit(2)
		}
	} else {
		fmt.Println("\nall targets met")
	}
}

func readSet(path string) ([]local.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []local.Example
	r := bufio.NewReader(f)
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if len(strings.TrimSpace(string(b))) > 0 {
			var e local.Example
			if err := json.Unmarshal(b, &e); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			out = append(out, e)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no examples", path)
	}
	return out, nil
}

func mark(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// report prints the evaluation and returns the number of missed targets.
func report(w io.Writer, m *local.Model, ev *local.Evaluation, set string) int {
	info := m.Info()
	missed := 0
	fmt.Fprintf(w, "Model %s (%d labelled training examples, %d feature rows)\nEvaluation set %s: %d messages\n\n", info.Version, info.Examples, info.Rows, set, ev.N)

	fmt.Fprintf(w, "Accuracy per field\n  %-10s %8s %8s\n", "field", "accuracy", "target")
	for _, f := range local.Fields {
		ok := ev.Accuracy[f] >= targets[f]
		if !ok {
			missed++
		}
		fmt.Fprintf(w, "  %-10s %7.1f%% %7.0f%%  %s\n", f, 100*ev.Accuracy[f], 100*targets[f], mark(ok))
	}

	fmt.Fprintf(w, "\nAccuracy per language\n  %-5s %5s", "lang", "n")
	for _, f := range local.Fields {
		fmt.Fprintf(w, " %10s", f)
	}
	fmt.Fprintln(w)
	for _, l := range local.LanguagesOf(ev.ByLanguage) {
		fmt.Fprintf(w, "  %-5s %5d", l, ev.Counts[l])
		for _, f := range local.Fields {
			fmt.Fprintf(w, " %9.1f%%", 100*ev.ByLanguage[l][f])
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "\nCategory confusion (rows: truth, columns: predicted)\n  %-10s", "")
	for _, c := range local.Categories {
		fmt.Fprintf(w, " %9s", c)
	}
	fmt.Fprintln(w)
	for _, t := range local.Categories {
		fmt.Fprintf(w, "  %-10s", t)
		for _, p := range local.Categories {
			fmt.Fprintf(w, " %9d", ev.Confusion["category"][t][p])
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "\nCalibration of the confidence (category right?), ECE %.3f\n  %-11s %6s %10s %9s\n", ev.ECE, "confidence", "count", "mean conf", "accuracy")
	for _, b := range ev.Calibration {
		fmt.Fprintf(w, "  [%.1f, %.1f) %6d %10.3f %8.1f%%\n", b.Lo, b.Hi, b.Count, b.MeanConfidence, 100*b.Accuracy)
	}

	okP, okC := ev.AutoPrecision >= targetPrecision, ev.AutoCoverage >= targetCoverage
	if !okP {
		missed++
	}
	if !okC {
		missed++
	}
	fmt.Fprintf(w, "\nAuto-assignment (confidence > %.2f): precision %.1f%% %s (target ≥ %.0f%%), coverage %.1f%% (%d of %d) %s (target ≥ %.0f%%)\n",
		local.AutoAssignThreshold, 100*ev.AutoPrecision, mark(okP), 100*targetPrecision, 100*ev.AutoCoverage, ev.AutoCount, ev.N, mark(okC), 100*targetCoverage)

	cv := info.CV
	fmt.Fprintf(w, "\n%d-fold cross-validation on the training corpus (for comparison)\n ", info.Folds)
	for _, f := range local.Fields {
		fmt.Fprintf(w, " %s %.1f%%", f, 100*cv.Accuracy[f])
	}
	fmt.Fprintf(w, "; auto-assign precision %.1f%%, coverage %.1f%%; ECE %.3f\n", 100*cv.AutoPrecision, 100*cv.AutoCoverage, cv.ECE)
	if len(info.Rules) > 0 {
		fmt.Fprintf(w, "  priority rules kept: %s\n", strings.Join(info.Rules, "; "))
	}
	return missed
}

func printErrors(m *local.Model, examples []local.Example, field string) {
	fmt.Printf("\nMessages with a wrong %s:\n", field)
	for _, e := range examples {
		p := m.Classify(e.Text)
		pair := map[string][2]string{
			"language":  {p.Language, e.Language},
			"category":  {p.Category, e.Category},
			"priority":  {p.Priority, e.Priority},
			"sentiment": {p.Sentiment, e.Sentiment},
		}[field]
		if pair[0] != pair[1] {
			fmt.Printf("  [%s] got %s, want %s (confidence %.2f): %.160q\n    %s\n", e.Language, pair[0], pair[1], p.Confidence, e.Text, p.Reasoning())
		}
	}
}
