//go:build !linux

package bench

import "github.com/jackc/pgx/v5/pgxpool"

// NewCPUMeter returns nil off Linux: CPU use is not reported there.
func NewCPUMeter(*pgxpool.Pool) CPUMeter { return nil }

func loadAverage() string { return "" }
