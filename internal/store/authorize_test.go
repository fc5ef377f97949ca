package store_test

import (
	"context"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

func TestMemberTxAuthorizesInTheTransaction(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := testkit.NewStore(t, d)
		var acc, other int64
		var admin, agent, outsider desk.User
		err := st.SystemTx(ctx, func(tx *store.Tx) error {
			a, err := tx.AccountCreate(ctx, "A")
			if err != nil {
				return err
			}
			b, err := tx.AccountCreate(ctx, "B")
			if err != nil {
				return err
			}
			acc, other = a.ID, b.ID
			for _, u := range []*desk.User{&admin, &agent, &outsider} {
				if *u, err = tx.UserCreate(ctx, store.UserCreateParams{Name: "U", Email: testkit.Unique("u") + "@x.test", PasswordHash: "h"}); err != nil {
					return err
				}
			}
			if _, err := tx.MemberAdd(ctx, acc, store.MemberAddParams{UserID: admin.ID, Role: desk.RoleAdministrator}); err != nil {
				return err
			}
			if _, err := tx.MemberAdd(ctx, acc, store.MemberAddParams{UserID: agent.ID, Role: desk.RoleAgent}); err != nil {
				return err
			}
			_, err = tx.MemberAdd(ctx, other, store.MemberAddParams{UserID: outsider.ID, Role: desk.RoleAdministrator})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UnixMicro()
		ran := false
		check := func(name string, account int64, c store.AuthCheck, want desk.Kind) {
			t.Helper()
			for _, mode := range []string{"read", "write", "pipelined read"} {
				ran = false
				fn := func(tx *store.Tx) error {
					_, err := tx.TeamList(ctx)
					ran = err == nil
					return err
				}
				var err error
				if mode == "pipelined read" {
					err = st.MemberRead(ctx, account, c, fn)
				} else {
					err = st.MemberTx(ctx, account, c, mode == "write", fn)
				}
				if want == "" {
					if err != nil || !ran {
						t.Errorf("%s (%s): %v, ran %v", name, mode, err, ran)
					}
					continue
				}
				if desk.ErrorKind(err) != want || ran {
					t.Errorf("%s (%s): %v (kind %s), ran %v; want %s without running", name, mode, err, desk.ErrorKind(err), ran, want)
				}
			}
		}
		check("admin on an admin route", acc, store.AuthCheck{UserID: admin.ID, IssuedAtMicros: now, NeedAdmin: true}, "")
		check("agent on a member route", acc, store.AuthCheck{UserID: agent.ID, IssuedAtMicros: now}, "")
		check("agent on an admin route", acc, store.AuthCheck{UserID: agent.ID, IssuedAtMicros: now, NeedAdmin: true}, desk.KindForbidden)
		check("member of another account", acc, store.AuthCheck{UserID: outsider.ID, IssuedAtMicros: now}, desk.KindNotFound)
		check("missing account", 999999, store.AuthCheck{UserID: admin.ID, IssuedAtMicros: now}, desk.KindNotFound)
		check("token from before the account existed", acc, store.AuthCheck{UserID: admin.ID, IssuedAtMicros: now - int64(time.Hour/time.Microsecond)}, desk.KindUnauthorized)
		if err := st.SystemTx(ctx, func(tx *store.Tx) error { return tx.UserSetPassword(ctx, agent.ID, "new") }); err != nil {
			t.Fatal(err)
		}
		check("token from before a password change", acc, store.AuthCheck{UserID: agent.ID, IssuedAtMicros: now}, desk.KindUnauthorized)
		check("token after the password change", acc, store.AuthCheck{UserID: agent.ID, IssuedAtMicros: time.Now().Add(time.Second).UnixMicro()}, "")
	})
}
