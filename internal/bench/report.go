package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// The performance targets for the conversation list.
const (
	// TargetRatio is the least share of the raw query's throughput the API
	// must serve.
	TargetRatio = 0.60
	// TargetP99 is the API's p99 latency bound.
	TargetP99 = 25 * time.Millisecond
	// TargetClients is the concurrency the targets are stated for.
	TargetClients = 8
)

// ScenarioResult is one scenario measured both ways.
type ScenarioResult struct {
	Scenario Scenario
	Raw, API Result
}

// Ratio is the API's throughput as a share of the raw query's.
func (s ScenarioResult) Ratio() float64 {
	if raw := s.Raw.Throughput(); raw > 0 {
		return s.API.Throughput() / raw
	}
	return 0
}

// RatioOK reports whether the throughput target is met.
func (s ScenarioResult) RatioOK() bool { return s.Ratio() >= TargetRatio && s.API.Errors == 0 }

// P99OK reports whether the latency target is met.
func (s ScenarioResult) P99OK() bool {
	return s.API.Requests > 0 && s.API.Percentile(99) < TargetP99 && s.API.Errors == 0
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISSED"
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// thousands formats n with thin separators: 1,000,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// WriteTable prints a scenario's results side by side with the ratio and
// the verdicts against the targets.
func WriteTable(w io.Writer, s ScenarioResult) {
	fmt.Fprintf(w, "%-5s %7s %9s %9s %10s %10s %10s %10s %6s %12s %12s\n",
		"mode", "clients", "requests", "req/s", "p50", "p90", "p99", "max", "errors", "go cpu/req", "pg cpu/req")
	for _, r := range []Result{s.Raw, s.API} {
		goCPU, pgCPU := "-", "-"
		if r.Requests > 0 {
			p, d := r.CPUPerRequest()
			goCPU = ms(p)
			if r.CPUKnown {
				pgCPU = ms(d)
			}
		}
		fmt.Fprintf(w, "%-5s %7d %9s %9.1f %10s %10s %10s %10s %6d %12s %12s\n", r.Mode, r.Clients, thousands(r.Requests),
			r.Throughput(), ms(r.Percentile(50)), ms(r.Percentile(90)), ms(r.Percentile(99)), ms(r.Max()), r.Errors, goCPU, pgCPU)
	}
	for _, r := range []Result{s.Raw, s.API} {
		if r.Errors > 0 {
			fmt.Fprintf(w, "  %s errors: %d, first: %s\n", r.Mode, r.Errors, r.FirstError)
		}
	}
	fmt.Fprintf(w, "API/raw throughput: %.1f%% (target >= %.0f%%)  %s\n", 100*s.Ratio(), 100*TargetRatio, verdict(s.RatioOK()))
	fmt.Fprintf(w, "API p99: %s (target < %s)  %s\n", ms(s.API.Percentile(99)), ms(TargetP99), verdict(s.P99OK()))
}
