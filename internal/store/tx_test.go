package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// TestTxExposesItsDriver checks the contract the job queue relies on: a
// transaction exposes exactly one of SQL (SQLite) and PGX (PostgreSQL), and
// what it exposes runs inside the transaction.
func TestTxExposesItsDriver(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := testkit.NewStore(t, d)
		accountID := newAccount(t, st, "Driver")
		if (st.Pool() != nil) != (d == testkit.Postgres) {
			t.Errorf("Pool() = %v on %s", st.Pool(), d)
		}
		// A row written through the raw transaction is seen by the store's
		// own queries in it, and rolled back with it.
		failed := errors.New("roll back")
		err := st.Tx(ctx, accountID, func(tx *store.Tx) error {
			const insert = "INSERT INTO teams (account_id, name, description, created_at) VALUES ($1, 'Raw', '', $2)"
			switch d {
			case testkit.Postgres:
				if tx.SQL() != nil || tx.PGX() == nil {
					t.Fatalf("postgres: SQL() = %v, PGX() = %v", tx.SQL(), tx.PGX())
				}
				if _, err := tx.PGX().Exec(ctx, insert, accountID, tx.Now()); err != nil {
					return err
				}
			default:
				if tx.SQL() == nil || tx.PGX() != nil {
					t.Fatalf("sqlite: SQL() = %v, PGX() = %v", tx.SQL(), tx.PGX())
				}
				if _, err := tx.SQL().ExecContext(ctx, "INSERT INTO teams (account_id, name, description, created_at) VALUES (?1, 'Raw', '', ?2)",
					accountID, tx.Now().UnixMicro()); err != nil {
					return err
				}
			}
			teams, err := tx.TeamList(ctx)
			if err != nil {
				return err
			}
			if len(teams) != 1 || teams[0].Name != "Raw" || !teams[0].CreatedAt.Equal(tx.Now()) {
				t.Errorf("inside the transaction: %+v", teams)
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("Tx = %v", err)
		}
		if err := st.ReadTx(ctx, accountID, func(tx *store.Tx) error {
			teams, err := tx.TeamList(ctx)
			if len(teams) != 0 {
				t.Errorf("the rolled-back row is visible: %+v", teams)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestReadTxIsReadOnly proves that the statement opening a PostgreSQL
// ReadTx (which also sets the tenant context) starts a read-only
// transaction, while Tx may write.
func TestReadTxIsReadOnly(t *testing.T) {
	t.Parallel()
	testkit.RequirePostgres(t)
	ctx := context.Background()
	st := testkit.NewStore(t, testkit.Postgres)
	var accountID int64
	if err := st.SystemTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountCreate(ctx, "Reader")
		accountID = a.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err := st.ReadTx(ctx, accountID, func(tx *store.Tx) error {
		_, err := tx.TeamCreate(ctx, "Nope", "")
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
		t.Errorf("write in ReadTx = %v, want read_only_sql_transaction (25006)", err)
	}
	if err := st.Tx(ctx, accountID, func(tx *store.Tx) error {
		_, err := tx.TeamCreate(ctx, "Yes", "")
		return err
	}); err != nil {
		t.Errorf("write in Tx = %v", err)
	}
}

// TestCancelledTxReturnsItsConnection checks that a transaction whose
// request context ends is rolled back on the same connection, which goes
// back to the pool clean instead of being dropped or left in a
// transaction.
func TestCancelledTxReturnsItsConnection(t *testing.T) {
	t.Parallel()
	testkit.RequirePostgres(t)
	ctx := context.Background()
	st := openEmpty(t, testkit.Postgres, testkit.NewDatabaseURL(t, testkit.Postgres), store.Options{MaxConns: 1})
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var accountID int64
	if err := st.SystemTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountCreate(ctx, "Cancelled")
		accountID = a.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pid := func(tx *store.Tx) int32 {
		t.Helper()
		var p int32
		if err := tx.PGX().QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var first int32
	reqCtx, cancel := context.WithCancel(ctx)
	err := st.Tx(reqCtx, accountID, func(tx *store.Tx) error {
		first = pid(tx)
		if _, err := tx.TeamCreate(reqCtx, "Abandoned", ""); err != nil {
			return err
		}
		cancel()
		return reqCtx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Tx = %v", err)
	}
	// With one connection, this waits forever if the first one leaked.
	waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	err = st.ReadTx(waitCtx, accountID, func(tx *store.Tx) error {
		if p := pid(tx); p != first {
			t.Errorf("the connection was replaced (%d, then %d)", first, p)
		}
		teams, err := tx.TeamList(waitCtx)
		if len(teams) != 0 {
			t.Errorf("the cancelled transaction committed %+v", teams)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A transaction whose context is already over never starts.
	err = st.Tx(reqCtx, accountID, func(tx *store.Tx) error {
		t.Error("fn ran with a cancelled context")
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Tx with a cancelled context = %v", err)
	}
	if err := st.Tx(ctx, accountID, func(tx *store.Tx) error {
		_, err := tx.TeamCreate(ctx, "Kept", "")
		return err
	}); err != nil {
		t.Fatalf("after the cancellations: %v", err)
	}
}
