package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestRunTriageSQLite runs the classification benchmark briefly on SQLite:
// every timed message is accounted for, each measure has a sample per
// classified message, and a RESULT line is printed.
func TestRunTriageSQLite(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	rs, err := RunTriage(context.Background(), TriageOptions{SQLite: true, Rate: 20, Duration: time.Second, Conversations: 3, Out: &out})
	if err != nil {
		t.Fatalf("RunTriage: %v\n%s", err, out.String())
	}
	if len(rs) != 1 || rs[0].Database != "SQLite" {
		t.Fatalf("results %+v, want one for SQLite", rs)
	}
	r := rs[0]
	if r.Sent != 20 || r.Classified != r.Sent {
		t.Errorf("sent %d, classified %d; want 20 and 20", r.Sent, r.Classified)
	}
	for name, ds := range map[string][]time.Duration{"published": r.Published, "bound": r.Bound, "stored": r.Stored, "queue wait": r.QueueWait, "work": r.Work} {
		if len(ds) != r.Classified {
			t.Errorf("%d %s samples for %d classified messages", len(ds), name, r.Classified)
		}
	}
	for i := range r.Published {
		if r.Published[i] <= 0 || r.Bound[i] < r.Published[i] {
			t.Fatalf("sample %d: commit→event %s, send→event %s: want 0 < commit→event <= send→event", i, r.Published[i], r.Bound[i])
		}
	}
	n := 0
	for _, c := range r.Outcomes {
		n += c
	}
	if n != r.Classified {
		t.Errorf("outcomes %v count %d, want %d", r.Outcomes, n, r.Classified)
	}
	if !strings.Contains(out.String(), "RESULT triage SQLite: p99 commit → classification stored") {
		t.Errorf("no RESULT line in\n%s", out.String())
	}
}

func TestTriageVerdict(t *testing.T) {
	t.Parallel()
	fast := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}
	for _, tc := range []struct {
		name string
		r    TriageResult
		want bool
	}{
		{"all classified, fast", TriageResult{Sent: 3, Classified: 3, Published: fast}, true},
		{"one lost", TriageResult{Sent: 4, Classified: 3, Published: fast}, false},
		{"slow tail", TriageResult{Sent: 3, Classified: 3, Published: append(fast[:2:2], TriageTarget)}, false},
		{"nothing sent", TriageResult{}, false},
	} {
		if got := tc.r.OK(); got != tc.want {
			t.Errorf("%s: OK() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
