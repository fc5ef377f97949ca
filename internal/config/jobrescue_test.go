package config_test

import (
	"strings"
	"testing"
	"time"
)

// HUMMDESK_JOB_RESCUE_AFTER defaults to 5m, reads a duration from the
// environment or the flag, and must leave a job room for its AI requests.
func TestJobRescueAfter(t *testing.T) {
	t.Parallel()
	if got := load(t, nil).JobRescueAfter; got != 5*time.Minute {
		t.Errorf("default JobRescueAfter = %v, want 5m", got)
	}
	if got := load(t, []string{"HUMMDESK_JOB_RESCUE_AFTER=90s"}).JobRescueAfter; got != 90*time.Second {
		t.Errorf("JobRescueAfter from env = %v, want 90s", got)
	}
	if got := load(t, []string{"HUMMDESK_JOB_RESCUE_AFTER=90s"}, "--job-rescue-after=10m").JobRescueAfter; got != 10*time.Minute {
		t.Errorf("JobRescueAfter from the flag = %v, want 10m (the flag wins)", got)
	}
	if got := load(t, []string{"HUMMDESK_AI_TIMEOUT=2s", "HUMMDESK_JOB_RESCUE_AFTER=4s"}).JobRescueAfter; got != 4*time.Second {
		t.Errorf("JobRescueAfter = %v, want 4s (twice the AI timeout is allowed)", got)
	}
	for _, env := range [][]string{
		{"HUMMDESK_JOB_RESCUE_AFTER=soon"},
		{"HUMMDESK_JOB_RESCUE_AFTER=0"},
		{"HUMMDESK_JOB_RESCUE_AFTER=500ms", "HUMMDESK_AI_TIMEOUT=100ms"},
		{"HUMMDESK_JOB_RESCUE_AFTER=59s"}, // the default AI timeout is 30s
		{"HUMMDESK_AI_TIMEOUT=10m"},       // the default rescue is 5m
	} {
		if msg := loadErr(t, env); !strings.Contains(msg, "HUMMDESK_JOB_RESCUE_AFTER") {
			t.Errorf("%q: the error %q does not name HUMMDESK_JOB_RESCUE_AFTER", env, msg)
		}
	}
}
