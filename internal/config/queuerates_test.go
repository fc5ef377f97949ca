package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/config"
)

func TestQueueRates(t *testing.T) {
	t.Parallel()
	if c := load(t, nil); len(c.QueueRates) != 0 {
		t.Errorf("default QueueRates = %v, want none (the queues keep their built-in rates)", c.QueueRates)
	}
	for _, tc := range []struct {
		value string
		want  map[string]config.QueueRate
	}{
		{"ai_classification=3000/m", map[string]config.QueueRate{"ai_classification": {Limit: 3000, Per: time.Minute}}},
		{" ai_classification = 60/s , ai_draft=off, email=1000/h ", map[string]config.QueueRate{
			"ai_classification": {Limit: 60, Per: time.Second}, "ai_draft": {}, "email": {Limit: 1000, Per: time.Hour}}},
		{"ai_draft=5/10s,email=0/m", map[string]config.QueueRate{"ai_draft": {Limit: 5, Per: 10 * time.Second}, "email": {}}},
		{"ai_draft=OFF", map[string]config.QueueRate{"ai_draft": {}}},
		{"", map[string]config.QueueRate{}},
	} {
		c := load(t, []string{"HUMMDESK_QUEUE_RATES=" + tc.value})
		if !reflect.DeepEqual(c.QueueRates, tc.want) {
			t.Errorf("HUMMDESK_QUEUE_RATES=%q: QueueRates = %v, want %v", tc.value, c.QueueRates, tc.want)
		}
	}
	// The flag wins over the environment, like every other setting.
	c := load(t, []string{"HUMMDESK_QUEUE_RATES=ai_draft=1/m"}, "--queue-rates=ai_classification=2/s")
	if want := map[string]config.QueueRate{"ai_classification": {Limit: 2, Per: time.Second}}; !reflect.DeepEqual(c.QueueRates, want) {
		t.Errorf("--queue-rates over the environment: QueueRates = %v, want %v", c.QueueRates, want)
	}
}

func TestQueueRatesInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want string }{
		{"ai_classification", "queue=N/unit"},
		{"ai_classification=", "queue=N/unit"},
		{"=3/s", "queue=N/unit"},
		{"ai_classification=3000", "N/s"},
		{"ai_classification=many/m", "N/s"},
		{"ai_classification=-1/m", "N/s"},
		{"ai_classification=3/fortnight", "fortnight"},
		{"ai_classification=3/0s", "positive duration"},
		{"AI Classification=3/s", "queue name"},
		{"email=1/s,email=2/s", "named twice"},
	} {
		msg := loadErr(t, []string{"HUMMDESK_QUEUE_RATES=" + tc.value})
		if !strings.Contains(msg, "HUMMDESK_QUEUE_RATES") || !strings.Contains(msg, tc.want) {
			t.Errorf("HUMMDESK_QUEUE_RATES=%q: error %q does not name the variable and %q", tc.value, msg, tc.want)
		}
	}
}

func TestQueueRateString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    config.QueueRate
		want string
	}{
		{config.QueueRate{}, "off"},
		{config.QueueRate{Limit: 100, Per: time.Minute}, "100/m"},
		{config.QueueRate{Limit: 50, Per: time.Second}, "50/s"},
		{config.QueueRate{Limit: 500, Per: time.Hour}, "500/h"},
		{config.QueueRate{Limit: 5, Per: 10 * time.Second}, "5/10s"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.r, got, tc.want)
		}
	}
}
