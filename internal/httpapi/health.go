package httpapi

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

func (s *Server) healthHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

type checkResult struct {
	Status    string  `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

// readyHandler asks every dependency, in parallel, with a short deadline;
// any failure makes the answer 503 with per-check detail.
func (s *Server) readyHandler(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	results := make(map[string]checkResult, len(s.ready))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range s.ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := c.Check(ctx)
			res := checkResult{Status: "ok", LatencyMS: float64(time.Since(start).Microseconds()) / 1000}
			if err != nil {
				res.Status, res.Error = "error", err.Error()
			}
			mu.Lock()
			results[c.Name] = res
			mu.Unlock()
		}()
	}
	wg.Wait()
	w.Header().Set("Cache-Control", "no-store")
	var failed []string
	for name, r := range results {
		if r.Status != "ok" {
			failed = append(failed, name)
		}
	}
	if len(failed) == 0 {
		w.Header().Set("Content-Type", "application/json")
		_ = jsonEncode(w, map[string]any{"status": "ok", "checks": results})
		return
	}
	// Like every error, a failed readiness check is a problem document;
	// its checks member carries the per-dependency detail.
	sort.Strings(failed)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = jsonEncode(w, readyProblem{
		Type: ProblemType(http.StatusServiceUnavailable), Title: http.StatusText(http.StatusServiceUnavailable),
		Status: http.StatusServiceUnavailable, Detail: "not ready: " + strings.Join(failed, ", ") + " unavailable",
		Checks: results,
	})
}

// readyProblem is /ready's answer when a dependency fails: an RFC 9457
// problem with the checks as an extension member.
type readyProblem struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Detail string                 `json:"detail"`
	Checks map[string]checkResult `json:"checks"`
}
