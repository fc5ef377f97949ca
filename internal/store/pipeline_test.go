package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// TestMemberReadIsOneTenantStatement checks MemberRead's promises: its one
// statement sees only the account's rows (row-level security on
// PostgreSQL), a second statement or a write is refused, and the pooled
// connection is handed back without the tenant's role or account.
func TestMemberReadIsOneTenantStatement(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		// One connection, so the session checked afterwards is the one
		// the pipeline ran on.
		st, err := store.Open(ctx, testkit.NewDatabaseURL(t, d), store.Options{MaxConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var acc, other int64
		var user desk.User
		err = st.SystemTx(ctx, func(tx *store.Tx) error {
			a, err := tx.AccountCreate(ctx, "A")
			if err != nil {
				return err
			}
			b, err := tx.AccountCreate(ctx, "B")
			if err != nil {
				return err
			}
			acc, other = a.ID, b.ID
			if user, err = tx.UserCreate(ctx, store.UserCreateParams{Name: "U", Email: testkit.Unique("u") + "@x.test", PasswordHash: "h"}); err != nil {
				return err
			}
			_, err = tx.MemberAdd(ctx, acc, store.MemberAddParams{UserID: user.ID, Role: desk.RoleAgent})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for account, names := range map[int64][]string{acc: {"Billing", "Tech"}, other: {"Other 1", "Other 2", "Other 3"}} {
			err := st.Tx(ctx, account, func(tx *store.Tx) error {
				for _, n := range names {
					if _, err := tx.TeamCreate(ctx, n, ""); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		check := store.AuthCheck{UserID: user.ID, IssuedAtMicros: time.Now().UnixMicro()}

		var viaTx, viaRead []desk.Team
		if err := st.MemberTx(ctx, acc, check, false, func(tx *store.Tx) (err error) {
			viaTx, err = tx.TeamList(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.MemberRead(ctx, acc, check, func(tx *store.Tx) (err error) {
			viaRead, err = tx.TeamList(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(viaRead) != 2 || !slices.EqualFunc(viaTx, viaRead, func(a, b desk.Team) bool { return a.ID == b.ID && a.Name == b.Name }) {
			t.Fatalf("MemberRead listed %v, MemberTx %v", viaRead, viaTx)
		}

		if d == testkit.Postgres {
			var n int64
			if err := st.MemberRead(ctx, acc, check, func(tx *store.Tx) (err error) {
				n, err = tx.CountRowsForTest(ctx, "teams")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Fatalf("a statement with no WHERE saw %d teams, want the account's 2", n)
			}
			role, account, err := st.SessionForTest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if role == store.AppRole || account != "" {
				t.Fatalf("after MemberRead the connection is left as role %q, account %q", role, account)
			}
		}

		if d != testkit.Postgres {
			return // On SQLite MemberRead is MemberTx, and may run anything.
		}
		err = st.MemberRead(ctx, acc, check, func(tx *store.Tx) error {
			if _, err := tx.TeamList(ctx); err != nil {
				return err
			}
			_, err := tx.TeamList(ctx)
			return err
		})
		if err == nil {
			t.Fatal("a second statement in MemberRead was allowed")
		}
		if err := st.MemberRead(ctx, acc, check, func(tx *store.Tx) error { return tx.ExecForTest(ctx, "DELETE FROM teams") }); err == nil {
			t.Fatal("a write in MemberRead was allowed")
		}
		if err := st.Tx(ctx, acc, func(tx *store.Tx) error {
			teams, err := tx.TeamList(ctx)
			if err == nil && len(teams) != 2 {
				t.Errorf("after the refused write the account has %d teams, want 2", len(teams))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
