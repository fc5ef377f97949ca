package store_test

import (
	"testing"

	"hummdesk/internal/store"
	"hummdesk/internal/store/storetest"
	"hummdesk/internal/testkit"
)

// TestConformance runs the storage conformance suite on every dialect.
func TestConformance(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		storetest.Exercise(t, func(t *testing.T) *store.Store { return testkit.NewStore(t, d) })
	})
}
