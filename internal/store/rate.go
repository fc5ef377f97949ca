package store

import (
	"context"
	"math/rand/v2"
)

// RateCount adds one to key's counter for the window starting at cur
// (unix nanoseconds) and returns it with the previous window's count. When
// keep reports false for the pair, the addition is undone in the same
// transaction. Windows older than the previous one are pruned now and then.
func (s *Store) RateCount(ctx context.Context, key string, prevStart, curStart int64, keep func(prev, cur int64) bool) (prev, cur int64, kept bool, err error) {
	err = s.SystemTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, 1)
			ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1 RETURNING count`,
			key, curStart).Scan(&cur); err != nil {
			return mapErr(err)
		}
		if err := tx.queryRow(ctx, "SELECT count FROM rate_counters WHERE key = $1 AND window_start = $2", key, prevStart).Scan(&prev); err != nil {
			if !isNoRows(err) {
				return mapErr(err)
			}
			prev = 0
		}
		if kept = keep(prev, cur); !kept {
			if _, err := tx.exec(ctx, "UPDATE rate_counters SET count = count - 1 WHERE key = $1 AND window_start = $2", key, curStart); err != nil {
				return mapErr(err)
			}
			cur--
		}
		if rand.IntN(100) == 0 {
			if _, err := tx.exec(ctx, "DELETE FROM rate_counters WHERE key = $1 AND window_start < $2", key, prevStart); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	return prev, cur, kept, err
}

// RateAdjust adds delta (usually -1) to key's counter for the window
// starting at curStart, never below zero.
func (s *Store) RateAdjust(ctx context.Context, key string, curStart, delta int64) error {
	return s.SystemTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE rate_counters SET count = CASE WHEN count + $3 < 0 THEN 0 ELSE count + $3 END
			WHERE key = $1 AND window_start = $2`, key, curStart, delta)
		return mapErr(err)
	})
}

// RateReset forgets key's counters.
func (s *Store) RateReset(ctx context.Context, key string) error {
	return s.SystemTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "DELETE FROM rate_counters WHERE key = $1", key)
		return mapErr(err)
	})
}
