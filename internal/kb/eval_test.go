package kb_test

import (
	"context"
	"testing"

	"hummdesk/internal/kb"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// newAccount creates an empty account in st.
func newAccount(t *testing.T, st *store.Store, name string) int64 {
	t.Helper()
	var id int64
	err := st.SystemTx(context.Background(), func(tx *store.Tx) error {
		a, err := tx.AccountCreate(context.Background(), name)
		id = a.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRecallFloor(t *testing.T) {
	t.Parallel()
	set, err := kb.LoadEvalSet()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		st := testkit.NewStore(t, d)
		svc, err := kb.NewService(kb.Options{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Evaluate(context.Background(), newAccount(t, st, "Eval"), set, 3)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s", d, res)
		// Measured 0.977 (42/43) on both dialects; the miss is an English
		// question whose answer is only in a French article.
		if res.Questions != len(set.Questions) || res.Recall < 0.93 {
			t.Errorf("recall@3 %.3f is below the floor 0.93", res.Recall)
		}
	})
}
