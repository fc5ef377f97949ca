package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// querier runs the statements of one transaction. SQLite transactions go
// through database/sql (sqlQuerier), PostgreSQL ones through native pgx
// (pgxQuerier), which scans straight into the destinations instead of
// through database/sql's driver values and conversions. Queries are written
// with PostgreSQL's $N placeholders; sqlQuerier rebinds them.
type querier interface {
	// exec runs a statement and returns the number of rows it affected.
	exec(ctx context.Context, query string, args ...any) (int64, error)
	// query runs a statement that returns rows.
	query(ctx context.Context, query string, args ...any) (rows, error)
	// queryRow runs a statement that returns at most one row; a missing
	// row is an error for which isNoRows holds, returned by Scan.
	queryRow(ctx context.Context, query string, args ...any) row
	commit(ctx context.Context) error
	// rollback ends the transaction; it is a no-op after commit.
	rollback(ctx context.Context)
}

// rows is a result set being read. Close may be called more than once.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Close()
	Err() error
}

// row is a single-row result; Scan reports the statement's error, if any.
type row interface {
	Scan(dest ...any) error
}

// isNoRows reports whether err means a single-row query found no row, on
// either driver.
func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows)
}

// sqlQuerier is a database/sql transaction (SQLite).
type sqlQuerier struct {
	tx *sql.Tx
	d  Dialect
}

func (q *sqlQuerier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.tx.ExecContext(ctx, q.d.rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q *sqlQuerier) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := q.tx.QueryContext(ctx, q.d.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (q *sqlQuerier) queryRow(ctx context.Context, query string, args ...any) row {
	return q.tx.QueryRowContext(ctx, q.d.rebind(query), args...)
}

func (q *sqlQuerier) commit(context.Context) error { return q.tx.Commit() }

func (q *sqlQuerier) rollback(context.Context) { _ = q.tx.Rollback() }

// sqlRows adapts *sql.Rows, whose Close returns an error nobody acts on.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

func (r sqlRows) Err() error { return mapErr(r.Rows.Err()) }

// pgxQuerier is a native pgx transaction (PostgreSQL).
type pgxQuerier struct {
	tx pgx.Tx
}

func (q *pgxQuerier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.tx.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (q *pgxQuerier) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := q.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return &pgxRows{r}, nil
}

func (q *pgxQuerier) queryRow(ctx context.Context, query string, args ...any) row {
	return q.tx.QueryRow(ctx, query, args...)
}

func (q *pgxQuerier) commit(ctx context.Context) error { return q.tx.Commit(ctx) }

// rollbackTimeout bounds a rollback that runs after the request's context
// ended.
const rollbackTimeout = 5 * time.Second

func (q *pgxQuerier) rollback(ctx context.Context) {
	// pgx closes a connection whose ROLLBACK fails, and a cancelled
	// context fails it; a request that was cancelled should still hand
	// its connection back to the pool in a clean state.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_ = q.tx.Rollback(ctx)
}

// pgxRows maps the errors of pgx.Rows. pgx reports a failed statement
// through Err once Next returns false, where database/sql (which reads the
// first row up front) reported it from Query, already mapped.
type pgxRows struct{ pgx.Rows }

func (r *pgxRows) Err() error { return mapErr(r.Rows.Err()) }
