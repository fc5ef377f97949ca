package store_test

import (
	"context"
	"testing"

	"hummdesk/internal/store"
)

// newAccount creates an account named name and returns its id.
func newAccount(t *testing.T, st *store.Store, name string) int64 {
	t.Helper()
	var id int64
	if err := st.SystemTx(context.Background(), func(tx *store.Tx) error {
		a, err := tx.AccountCreate(context.Background(), name)
		id = a.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}
