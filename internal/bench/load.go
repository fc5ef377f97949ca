package bench

import (
	"context"
	"math"
	"runtime/pprof"
	"slices"
	"sync"
	"time"
)

// Result is what one mode of one scenario measured.
type Result struct {
	Mode     string
	Clients  int
	Requests int
	Errors   int
	// FirstError is the first failure's text, for the report.
	FirstError string
	Elapsed    time.Duration
	// Latencies of the successful requests, sorted ascending.
	Latencies []time.Duration
	// CPU used while measuring: by this process (client and, for the API,
	// server) and by the database's backends. CPUKnown is false when the
	// database's processes could not be read (a remote server).
	ProcessCPU, DBCPU time.Duration
	CPUKnown          bool
}

// Throughput is successful requests per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the latency at or below which p percent of the
// successful requests finished (nearest rank); 0 when there were none.
func (r Result) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	return r.Latencies[min(max(rank, 1), n)-1]
}

// Max is the slowest successful request.
func (r Result) Max() time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[len(r.Latencies)-1]
}

// CPUPerRequest divides the CPU used by the requests served.
func (r Result) CPUPerRequest() (process, db time.Duration) {
	if r.Requests == 0 {
		return 0, 0
	}
	return r.ProcessCPU / time.Duration(r.Requests), r.DBCPU / time.Duration(r.Requests)
}

// add folds another round of the same mode into r.
func (r *Result) add(o Result) {
	r.Mode, r.Clients = o.Mode, o.Clients
	r.Requests += o.Requests
	r.Errors += o.Errors
	if r.FirstError == "" {
		r.FirstError = o.FirstError
	}
	r.Elapsed += o.Elapsed
	r.Latencies = append(r.Latencies, o.Latencies...)
	slices.Sort(r.Latencies)
}

// Load runs op from clients goroutines in a closed loop (each starts its
// next request when the previous one ends) for d, and records every
// request's latency. ctx ending stops it early. The goroutines carry the
// pprof label mode=<mode>, so a CPU profile can tell the clients apart
// (the in-process server's goroutines are unlabelled).
func Load(ctx context.Context, mode string, clients int, d time.Duration, op func(context.Context) error) Result {
	clients = max(clients, 1)
	type worker struct {
		lat   []time.Duration
		errs  int
		first error
		_     [64]byte // keeps workers' fields off each other's cache lines
	}
	ws := make([]worker, clients)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range ws {
		w := &ws[i]
		w.lat = make([]time.Duration, 0, 1024)
		wg.Add(1)
		go pprof.Do(ctx, pprof.Labels("mode", mode), func(ctx context.Context) {
			defer wg.Done()
			// Every client runs at least once, so a round measures something
			// even when the scheduler starts it late on a loaded machine.
			for first := true; ctx.Err() == nil; first = false {
				t0 := time.Now()
				if !first && !t0.Before(deadline) {
					return
				}
				if err := op(ctx); err != nil {
					if ctx.Err() != nil {
						return
					}
					w.errs++
					if w.first == nil {
						w.first = err
					}
					continue
				}
				w.lat = append(w.lat, time.Since(t0))
			}
		})
	}
	wg.Wait()
	res := Result{Mode: mode, Clients: clients, Elapsed: time.Since(start)}
	for _, w := range ws {
		res.Latencies = append(res.Latencies, w.lat...)
		res.Errors += w.errs
		if w.first != nil && res.FirstError == "" {
			res.FirstError = w.first.Error()
		}
	}
	slices.Sort(res.Latencies)
	res.Requests = len(res.Latencies)
	return res
}

// Mode is one way of doing a scenario's request.
type Mode struct {
	Name string
	Op   func(context.Context) error
}

// CPUMeter reads cumulative CPU time: this process's and the database's.
// ok is false when the database's share cannot be read.
type CPUMeter func(ctx context.Context) (process, db time.Duration, ok bool)

// Compare measures the modes in alternating rounds (a round of each, then
// again) until each has run for d, so that a change in the machine's
// background load hits all modes alike. meter may be nil.
func Compare(ctx context.Context, clients int, d, round time.Duration, meter CPUMeter, modes ...Mode) []Result {
	out := make([]Result, len(modes))
	for i := range out {
		out[i].CPUKnown = meter != nil
	}
	if round <= 0 || round > d {
		round = d
	}
	for done := time.Duration(0); done < d && ctx.Err() == nil; done += round {
		step := min(round, d-done)
		for i, m := range modes {
			var p0, db0 time.Duration
			var ok0 bool
			if meter != nil {
				p0, db0, ok0 = meter(ctx)
			}
			r := Load(ctx, m.Name, clients, step, m.Op)
			if meter != nil {
				p1, db1, ok1 := meter(ctx)
				out[i].ProcessCPU += p1 - p0
				out[i].DBCPU += db1 - db0
				out[i].CPUKnown = out[i].CPUKnown && ok0 && ok1
			}
			out[i].add(r)
		}
	}
	return out
}
