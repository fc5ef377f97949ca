package store

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// MemberRead is MemberTx for work that is one read statement, the shape of
// the desk's hottest routes (listing conversations). On PostgreSQL the
// tenant context, the authorization and the statement travel to the server
// as one pipeline and run in its implicit transaction: one round trip where
// MemberTx needs three (BEGIN, the statement, COMMIT). The settings are
// transaction-local (set_config with is_local), so they end with the
// pipeline and never leak to the connection's next user.
//
// fn may run exactly one statement through tx; a second one, or a write,
// is a programming error reported as an error. On SQLite MemberRead is
// MemberTx.
func (s *Store) MemberRead(ctx context.Context, accountID int64, check AuthCheck, fn func(*Tx) error) error {
	if accountID <= 0 || check.UserID <= 0 {
		return errNotMember
	}
	if s.dialect != Postgres {
		return s.MemberTx(ctx, accountID, check, false, fn)
	}
	pq := &pipeQuerier{s: s, accountID: accountID, check: check}
	tx := &Tx{d: s.dialect, accountID: accountID, q: pq, now: s.Now()}
	err := fn(tx)
	if cerr := pq.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if !pq.sent {
		// fn decided without the database (say, bad input it caught
		// itself); the caller's membership must still be checked.
		return s.MemberTx(ctx, accountID, check, false, func(*Tx) error { return nil })
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

var errPipelineUsed = errors.New("store: MemberRead runs exactly one read statement")

// pipeQuerier sends its one statement behind the tenant context and the
// authorization check, in one batch.
type pipeQuerier struct {
	s         *Store
	accountID int64
	check     AuthCheck
	sent      bool
	br        pgx.BatchResults
	closeErr  error
}

const (
	pipeSetupSQL     = "SELECT set_config('role', $1, true), set_config('app.current_account_id', $2, true), set_config('plan_cache_mode', 'force_generic_plan', true)"
	pipeAuthorizeSQL = "SELECT hummdesk_authorize($1, $2, $3)"
)

// send queues the setup, the check and the statement, and reads the
// answers up to the statement's.
func (q *pipeQuerier) send(ctx context.Context, query string, args []any) error {
	if q.sent {
		return errPipelineUsed
	}
	q.sent = true
	b := &pgx.Batch{}
	b.Queue(pipeSetupSQL, AppRole, strconv.FormatInt(q.accountID, 10))
	b.Queue(pipeAuthorizeSQL, q.check.UserID, q.check.IssuedAtMicros, q.check.NeedAdmin)
	b.Queue(query, args...)
	q.br = q.s.pool.SendBatch(ctx, b)
	if _, err := q.br.Exec(); err != nil {
		return q.fail(err)
	}
	if _, err := q.br.Exec(); err != nil {
		if authErr := authError(err); authErr != nil {
			_ = q.close()
			return authErr
		}
		return q.fail(err)
	}
	return nil
}

func (q *pipeQuerier) fail(err error) error {
	_ = q.close()
	return mapErr(err)
}

// close ends the pipeline, which commits its implicit transaction, and
// hands the connection back.
func (q *pipeQuerier) close() error {
	if q.br != nil {
		q.closeErr = q.br.Close()
		q.br = nil
	}
	return mapErr(q.closeErr)
}

func (q *pipeQuerier) query(ctx context.Context, query string, args ...any) (rows, error) {
	if err := q.send(ctx, query, args); err != nil {
		return nil, err
	}
	r, err := q.br.Query()
	if err != nil {
		return nil, q.fail(err)
	}
	return &pipeRows{pgxRows: pgxRows{r}, q: q}, nil
}

func (q *pipeQuerier) queryRow(ctx context.Context, query string, args ...any) row {
	r, err := q.query(ctx, query, args...)
	return &pipeRow{r: r, err: err}
}

func (q *pipeQuerier) exec(context.Context, string, ...any) (int64, error) {
	return 0, errPipelineUsed
}

func (q *pipeQuerier) commit(context.Context) error { return q.close() }
func (q *pipeQuerier) rollback(context.Context)     { _ = q.close() }

// pipeRows ends the pipeline when the rows are closed, so the connection
// goes back to the pool as early as with a transaction.
type pipeRows struct {
	pgxRows
	q *pipeQuerier
}

func (r *pipeRows) Close() {
	r.pgxRows.Close()
	_ = r.q.close()
}

func (r *pipeRows) Err() error {
	if err := r.pgxRows.Err(); err != nil {
		return err
	}
	return mapErr(r.q.closeErr)
}

// pipeRow is queryRow's answer: the first row of the statement.
type pipeRow struct {
	r   rows
	err error
}

func (r *pipeRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.r.Close()
	if !r.r.Next() {
		if err := r.r.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.r.Scan(dest...); err != nil {
		return err
	}
	r.r.Close()
	return r.r.Err()
}
