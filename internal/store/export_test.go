package store

import "context"

// CountRowsForTest counts a table's rows with no WHERE clause, so only
// row-level security limits what it sees.
func (t *Tx) CountRowsForTest(ctx context.Context, table string) (n int64, err error) {
	err = t.q.queryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n)
	return n, err
}

// ExecForTest runs a statement through the transaction.
func (t *Tx) ExecForTest(ctx context.Context, stmt string) error {
	_, err := t.q.exec(ctx, stmt)
	return err
}

// SessionForTest reports, outside any transaction, the role and account
// a pooled PostgreSQL connection is left with.
func (s *Store) SessionForTest(ctx context.Context) (role, account string, err error) {
	err = s.pool.QueryRow(ctx, "SELECT current_user::text, coalesce(current_setting('app.current_account_id', true), '')").Scan(&role, &account)
	return role, account, err
}
