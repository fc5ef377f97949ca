package bench

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times (100 on every
// Linux this runs on).
const clockTick = 10 * time.Millisecond

// NewCPUMeter reads this process's CPU time from getrusage and the
// database backends' from /proc, which works when PostgreSQL runs on this
// machine and this process may read its processes' stat files.
func NewCPUMeter(pool *pgxpool.Pool) CPUMeter {
	return func(ctx context.Context) (process, db time.Duration, ok bool) {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
			process = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND backend_type = 'client backend'`)
		if err != nil {
			return process, 0, false
		}
		defer rows.Close()
		ok = true
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) != nil {
				return process, 0, false
			}
			t, good := procCPU(pid)
			if !good {
				ok = false
			}
			db += t
		}
		return process, db, ok && rows.Err() == nil
	}
}

// procCPU returns a process's user+system time from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	if !strings.Contains(s, "(postgres)") {
		return 0, false // a pid of another machine's server
	}
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	// After the command: state is field 3, utime 14 and stime 15.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+st) * clockTick, true
}

// loadAverage is the 1, 5 and 15 minute load average, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
