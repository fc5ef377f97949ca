package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// presenceEnv is two accounts: A with agents u1 and u2, B with u1 (the same
// user) and u3.
type presenceEnv struct {
	st         *store.Store
	a, b       int64
	u1, u2, u3 int64
}

func newPresenceEnv(t *testing.T, d testkit.Dialect) presenceEnv {
	t.Helper()
	ctx := context.Background()
	e := presenceEnv{st: testkit.NewStore(t, d)}
	err := e.st.SystemTx(ctx, func(tx *store.Tx) error {
		var ids [5]int64
		for i, name := range []string{"A", "B"} {
			acc, err := tx.AccountCreate(ctx, name)
			if err != nil {
				return err
			}
			ids[i] = acc.ID
		}
		for i := range 3 {
			u, err := tx.UserCreate(ctx, store.UserCreateParams{Name: fmt.Sprint("U", i), Email: testkit.Unique("p") + "@example.test", PasswordHash: "x"})
			if err != nil {
				return err
			}
			ids[2+i] = u.ID
		}
		e.a, e.b, e.u1, e.u2, e.u3 = ids[0], ids[1], ids[2], ids[3], ids[4]
		for _, m := range []struct{ acc, user int64 }{{e.a, e.u1}, {e.a, e.u2}, {e.b, e.u1}, {e.b, e.u3}} {
			if _, err := tx.MemberAdd(ctx, m.acc, store.MemberAddParams{UserID: m.user, Role: desk.RoleAgent}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e presenceEnv) tx(t *testing.T, st *store.Store, account int64, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := st.Tx(context.Background(), account, fn); err != nil {
		t.Fatal(err)
	}
}

// lists returns the account's connected and online agents.
func (e presenceEnv) lists(t *testing.T, account int64) (connected, online []int64) {
	t.Helper()
	e.tx(t, e.st, account, func(tx *store.Tx) (err error) {
		if connected, err = tx.AgentsConnected(context.Background()); err != nil {
			return err
		}
		online, err = tx.AgentsOnline(context.Background())
		return err
	})
	return connected, online
}

func TestAgentPresence(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		e := newPresenceEnv(t, d)

		// u1 connects to A on node n1 (two connections).
		e.tx(t, e.st, e.a, func(tx *store.Tx) error { return tx.PresenceSet(ctx, e.u1, "n1", 2) })
		conn, on := e.lists(t, e.a)
		if !slices.Equal(conn, []int64{e.u1}) || len(on) != 0 {
			t.Errorf("A after u1 connected (availability offline): connected %v, online %v; want [%d], []", conn, on, e.u1)
		}
		// Presence in A is not presence in B, even for the same user.
		if conn, on := e.lists(t, e.b); len(conn) != 0 || len(on) != 0 {
			t.Errorf("B shows A's presence: connected %v, online %v", conn, on)
		}
		// Routing wants availability online too.
		online := desk.AvailabilityOnline
		e.tx(t, e.st, e.a, func(tx *store.Tx) error {
			_, err := tx.MemberUpdate(ctx, e.u1, store.MemberUpdateParams{Availability: &online})
			return err
		})
		e.tx(t, e.st, e.b, func(tx *store.Tx) error {
			_, err := tx.MemberUpdate(ctx, e.u3, store.MemberUpdateParams{Availability: &online})
			return err
		})
		if _, on := e.lists(t, e.a); !slices.Equal(on, []int64{e.u1}) {
			t.Errorf("AgentsOnline(A) = %v, want [%d]", on, e.u1)
		}
		if _, on := e.lists(t, e.b); len(on) != 0 {
			t.Errorf("AgentsOnline(B) = %v: u3 is available but not connected", on)
		}

		// A node that died two minutes ago left u2's row behind.
		old := e.st.WithClock(func() time.Time { return time.Now().Add(-2 * time.Minute) })
		e.tx(t, old, e.a, func(tx *store.Tx) error { return tx.PresenceSet(ctx, e.u2, "dead", 1) })
		if conn, _ := e.lists(t, e.a); !slices.Equal(conn, []int64{e.u1}) {
			t.Errorf("connected %v: a stale row counts", conn)
		}
		var rows []store.PresenceRow
		e.tx(t, e.st, e.a, func(tx *store.Tx) (err error) { rows, err = tx.PresenceList(ctx); return err })
		if len(rows) != 2 || rows[0].UserID != e.u1 || rows[0].NodeID != "n1" || rows[0].Connections != 2 ||
			rows[1].UserID != e.u2 || rows[1].NodeID != "dead" || !rows[1].LastSeenAt.Before(rows[0].LastSeenAt.Add(-time.Minute)) {
			t.Errorf("PresenceList(A) = %+v", rows)
		}
		err := e.st.SystemTx(ctx, func(tx *store.Tx) error {
			cutoff := tx.Now().Add(-store.PresenceTTL)
			stale, err := tx.PresenceStale(ctx, cutoff, 10)
			if err != nil {
				return err
			}
			if !slices.Equal(stale, []store.AgentRef{{AccountID: e.a, UserID: e.u2}}) {
				t.Errorf("PresenceStale = %+v, want u2 in A", stale)
			}
			// The heartbeat refreshes live rows only: a stale one must be
			// recorded again (and announced) by its node.
			if n, err := tx.PresenceTouch(ctx, "dead", cutoff); err != nil || n != 0 {
				t.Errorf("PresenceTouch(dead) = %d, %v; want 0", n, err)
			}
			if n, err := tx.PresenceTouch(ctx, "n1", cutoff); err != nil || n != 1 {
				t.Errorf("PresenceTouch(n1) = %d, %v; want 1", n, err)
			}
			mine, err := tx.PresenceOfNode(ctx, "n1")
			if err != nil || len(mine) != 1 || mine[0].AccountID != e.a || !mine[0].LastSeenAt.Equal(tx.Now()) {
				t.Errorf("PresenceOfNode(n1) = %+v, %v", mine, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		e.tx(t, e.st, e.a, func(tx *store.Tx) error {
			n, err := tx.PresenceDeleteStale(ctx, e.u2, tx.Now().Add(-store.PresenceTTL))
			if err != nil || n != 1 {
				t.Errorf("PresenceDeleteStale = %d, %v; want 1", n, err)
			}
			if n, err := tx.PresenceDeleteStale(ctx, e.u1, tx.Now().Add(-store.PresenceTTL)); err != nil || n != 0 {
				t.Errorf("PresenceDeleteStale(live u1) = %d, %v; want 0", n, err)
			}
			return nil
		})

		// Announcements: locked state, versions.
		e.tx(t, e.st, e.a, func(tx *store.Tx) error {
			s, err := tx.PresenceLock(ctx, e.u1)
			if err != nil {
				return err
			}
			if s.Online || s.Version != 0 || s.Availability != desk.AvailabilityOnline {
				t.Errorf("PresenceLock before any announcement = %+v", s)
			}
			for i, want := range []bool{true, false} {
				v, err := tx.PresenceAnnounce(ctx, e.u1, want)
				if err != nil || v != int64(i+1) {
					t.Errorf("PresenceAnnounce(%v) = %d, %v; want version %d", want, v, err, i+1)
				}
			}
			if _, err := tx.PresenceLock(ctx, e.u3); !desk.IsNotFound(err) {
				t.Errorf("PresenceLock(agent of another account) = %v, want not found", err)
			}
			if _, err := tx.PresenceAnnounce(ctx, e.u3, true); !desk.IsNotFound(err) {
				t.Errorf("PresenceAnnounce(agent of another account) = %v, want not found", err)
			}
			return nil
		})
		// A row can only exist for an agent of the account.
		if err := e.st.Tx(ctx, e.a, func(tx *store.Tx) error { return tx.PresenceSet(ctx, e.u3, "n1", 1) }); err == nil {
			t.Error("PresenceSet recorded an agent of another account")
		}
		e.tx(t, e.st, e.a, func(tx *store.Tx) error {
			s, err := tx.PresenceLock(ctx, e.u1)
			if err != nil || s.Online || s.Version != 2 {
				t.Errorf("PresenceLock after two announcements = %+v, %v", s, err)
			}
			return err
		})
		// Announced online with no live row: the cleanup lists the agent.
		e.tx(t, e.st, e.b, func(tx *store.Tx) error { _, err := tx.PresenceAnnounce(ctx, e.u3, true); return err })
		err = e.st.SystemTx(ctx, func(tx *store.Tx) error {
			stale, err := tx.PresenceStale(ctx, tx.Now().Add(-store.PresenceTTL), 10)
			if err == nil && !slices.Equal(stale, []store.AgentRef{{AccountID: e.b, UserID: e.u3}}) {
				t.Errorf("PresenceStale = %+v, want u3 in B (announced online, no row)", stale)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// Zero connections delete the row; so does leaving the account.
		e.tx(t, e.st, e.a, func(tx *store.Tx) error { return tx.PresenceSet(ctx, e.u1, "n1", 0) })
		if conn, _ := e.lists(t, e.a); len(conn) != 0 {
			t.Errorf("connected after the last connection closed: %v", conn)
		}
		e.tx(t, e.st, e.b, func(tx *store.Tx) error { return tx.PresenceSet(ctx, e.u1, "n2", 1) })
		e.tx(t, e.st, e.b, func(tx *store.Tx) error { return tx.MemberRemove(ctx, e.u1) })
		e.tx(t, e.st, e.b, func(tx *store.Tx) error {
			rows, err := tx.PresenceList(ctx)
			if err == nil && len(rows) != 0 {
				t.Errorf("presence of a removed agent remains: %+v", rows)
			}
			return err
		})

		// Cross-account calls are refused in tenant transactions and the
		// other way round.
		e.tx(t, e.st, e.a, func(tx *store.Tx) error {
			if _, err := tx.PresenceStale(ctx, time.Now(), 1); err == nil {
				t.Error("PresenceStale ran in an account transaction")
			}
			if _, err := tx.PresenceTouch(ctx, "n1", time.Now()); err == nil {
				t.Error("PresenceTouch ran in an account transaction")
			}
			return nil
		})
		_ = e.st.SystemTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.AgentsOnline(ctx); err == nil {
				t.Error("AgentsOnline ran in a system transaction")
			}
			return nil
		})
	})
}

// TestAgentPresenceRowLevelSecurity checks on PostgreSQL that the database
// keeps presence rows apart: an account's transaction sees and writes only
// its own.
func TestAgentPresenceRowLevelSecurity(t *testing.T) {
	t.Parallel()
	testkit.RequirePostgres(t)
	ctx := context.Background()
	e := newPresenceEnv(t, testkit.Postgres)
	e.tx(t, e.st, e.a, func(tx *store.Tx) error { return tx.PresenceSet(ctx, e.u1, "n1", 1) })
	e.tx(t, e.st, e.b, func(tx *store.Tx) error { return tx.PresenceSet(ctx, e.u3, "n1", 1) })
	for _, acc := range []int64{e.a, e.b} {
		e.tx(t, e.st, acc, func(tx *store.Tx) error {
			ids, err := selectIDs(ctx, tx.PGX(), "SELECT account_id FROM agent_presence")
			if err != nil {
				return err
			}
			if !slices.Equal(ids, []int64{acc}) {
				t.Errorf("account %d sees presence rows of accounts %v", acc, ids)
			}
			return nil
		})
	}
	err := e.st.Tx(ctx, e.a, func(tx *store.Tx) error {
		_, err := tx.PGX().Exec(ctx, `INSERT INTO agent_presence (account_id, user_id, node_id, connections, connected_at, last_seen_at)
			VALUES ($1, $2, 'evil', 1, now(), now())`, e.b, e.u3)
		return err
	})
	wantRLSViolation(t, err, "insert presence into B as A")
	err = e.st.Tx(ctx, e.a, func(tx *store.Tx) error {
		tag, err := tx.PGX().Exec(ctx, "DELETE FROM agent_presence WHERE account_id = $1", e.b)
		if err == nil && tag.RowsAffected() != 0 {
			t.Errorf("A deleted %d of B's presence rows", tag.RowsAffected())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
