package bench

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	t.Parallel()
	var r Result
	for i := 100; i >= 1; i-- {
		r.Latencies = append(r.Latencies, time.Duration(i)*time.Millisecond)
	}
	slices.Sort(r.Latencies)
	r.Requests, r.Elapsed = 100, 2*time.Second
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := r.Percentile(c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if r.Max() != 100*time.Millisecond || r.Throughput() != 50 {
		t.Errorf("max %v, throughput %v; want 100ms, 50/s", r.Max(), r.Throughput())
	}
	var empty Result
	if empty.Percentile(99) != 0 || empty.Max() != 0 || empty.Throughput() != 0 {
		t.Error("an empty result should report zeros")
	}
}

func TestLoadCountsEveryRequest(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	boom := errors.New("boom")
	r := Load(context.Background(), "m", 3, 30*time.Millisecond, func(context.Context) error {
		if calls.Add(1)%3 == 0 {
			return boom
		}
		return nil
	})
	if r.Mode != "m" || r.Clients != 3 {
		t.Errorf("mode %q clients %d", r.Mode, r.Clients)
	}
	if int64(r.Requests+r.Errors) != calls.Load() || r.Requests == 0 || r.Errors == 0 {
		t.Errorf("requests %d + errors %d, calls %d", r.Requests, r.Errors, calls.Load())
	}
	if r.FirstError != "boom" || len(r.Latencies) != r.Requests || !slices.IsSorted(r.Latencies) {
		t.Errorf("first error %q, %d latencies (sorted %v)", r.FirstError, len(r.Latencies), slices.IsSorted(r.Latencies))
	}
	if r.Elapsed < 30*time.Millisecond {
		t.Errorf("elapsed %v, shorter than the duration", r.Elapsed)
	}
}

func TestLoadStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	r := Load(ctx, "m", 2, time.Hour, func(ctx context.Context) error {
		if calls.Add(1) == 5 {
			cancel()
		}
		return ctx.Err()
	})
	if r.Errors != 0 || r.Requests < 4 {
		t.Errorf("requests %d errors %d: a cancelled run must stop without counting errors", r.Requests, r.Errors)
	}
}

func TestCompareAlternatesModes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var runs []string // each switch of the running mode
	mode := func(name string) Mode {
		return Mode{Name: name, Op: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			if len(runs) == 0 || runs[len(runs)-1] != name {
				runs = append(runs, name)
			}
			return nil
		}}
	}
	var samples int
	meter := func(context.Context) (time.Duration, time.Duration, bool) {
		samples++
		return time.Duration(samples) * time.Millisecond, time.Duration(2*samples) * time.Millisecond, true
	}
	rs := Compare(context.Background(), 2, 30*time.Millisecond, 10*time.Millisecond, meter, mode("a"), mode("b"))
	if len(rs) != 2 || rs[0].Mode != "a" || rs[1].Mode != "b" {
		t.Fatalf("results %+v", rs)
	}
	if want := []string{"a", "b", "a", "b", "a", "b"}; !slices.Equal(runs, want) {
		t.Errorf("modes ran in the order %q, want %q", runs, want)
	}
	if samples != 12 {
		t.Errorf("meter sampled %d times, want 2 per round × 3 rounds × 2 modes", samples)
	}
	for _, r := range rs {
		// Each round's sample pair differs by 1ms (process) and 2ms (db).
		if r.Requests == 0 || !r.CPUKnown || r.ProcessCPU != 3*time.Millisecond || r.DBCPU != 6*time.Millisecond {
			t.Errorf("%s: %d requests, cpu %v/%v known %v; want 3ms/6ms over three rounds", r.Mode, r.Requests, r.ProcessCPU, r.DBCPU, r.CPUKnown)
		}
		if r.Elapsed < 30*time.Millisecond {
			t.Errorf("%s ran %v, want at least the duration", r.Mode, r.Elapsed)
		}
	}
}

func TestCountRows(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		body string
		want int
		err  bool
	}{
		{`{"data":[]}`, 0, false},
		{`{"$schema":"http://x/data","data":[{"id":1,"s":"],\"{","a":[1,2]},{"id":2,"n":{"data":[9,9]}}],"next_cursor":null}`, 2, false},
		{`{ "data" : [ 1 , "two" , [3, 4] , null , {"x": "}"} ] }`, 5, false},
		{`{"next":"data","data":[true]}`, 1, false},
		{`{"items":[1,2]}`, 0, true},
		{`{"data":[1,2`, 0, true},
	} {
		got, err := CountRows([]byte(c.body))
		if (err != nil) != c.err || got != c.want {
			t.Errorf("CountRows(%s) = %d, %v; want %d, error %v", c.body, got, err, c.want, c.err)
		}
	}
}

func TestWriteTableVerdicts(t *testing.T) {
	t.Parallel()
	lat := func(d time.Duration, n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = d
		}
		return out
	}
	raw := Result{Mode: "raw", Clients: 8, Requests: 1000, Elapsed: time.Second, Latencies: lat(2*time.Millisecond, 1000)}
	fast := Result{Mode: "api", Clients: 8, Requests: 700, Elapsed: time.Second, Latencies: lat(5*time.Millisecond, 700)}
	slow := Result{Mode: "api", Clients: 8, Requests: 500, Elapsed: time.Second, Latencies: lat(30*time.Millisecond, 500)}
	var b bytes.Buffer
	WriteTable(&b, ScenarioResult{Raw: raw, API: fast})
	if out := b.String(); !strings.Contains(out, "70.0% (target >= 60%)  PASS") || !strings.Contains(out, "API p99: 5.00 ms (target < 25.00 ms)  PASS") {
		t.Errorf("passing run printed:\n%s", out)
	}
	b.Reset()
	WriteTable(&b, ScenarioResult{Raw: raw, API: slow})
	if out := b.String(); !strings.Contains(out, "50.0% (target >= 60%)  MISSED") || !strings.Contains(out, "30.00 ms (target < 25.00 ms)  MISSED") {
		t.Errorf("missing run printed:\n%s", out)
	}
	if thousands(1234567) != "1,234,567" || thousands(12) != "12" {
		t.Errorf("thousands: %s %s", thousands(1234567), thousands(12))
	}
}
