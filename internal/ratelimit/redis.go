package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Limiter whose counters live in Redis, so every node of a
// cluster shares them.
type Redis struct {
	client *redis.Client
	prefix string
	now    func() time.Time
}

// NewRedis returns a Redis-backed limiter; keys are prefixed with prefix.
func NewRedis(client *redis.Client, prefix string, now func() time.Time) *Redis {
	if now == nil {
		now = time.Now
	}
	return &Redis{client: client, prefix: prefix, now: now}
}

// hitScript reads the previous and current window counts and, when one more
// event fits, increments the current one, all atomically. The decision is
// the script's alone, so what it counts and what the caller is told never
// disagree. KEYS: prev, cur. ARGV: limit, weight (prev multiplier), ttl ms,
// count (0/1). Returns {prev, cur before this event, allowed 0/1}.
var hitScript = redis.NewScript(`
local prev = tonumber(redis.call('GET', KEYS[1]) or '0')
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
local est = prev * tonumber(ARGV[2]) + cur
if est + 1 > tonumber(ARGV[1]) then
  return {prev, cur, 0}
end
if ARGV[4] == '1' then
  redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return {prev, cur, 1}
`)

// undoScript takes back one event: from the current window if it has any,
// else from the previous one.
var undoScript = redis.NewScript(`
for _, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') > 0 then
    redis.call('DECR', k)
    return 1
  end
end
return 0
`)

func (r *Redis) check(ctx context.Context, key string, limit int, window time.Duration, count bool) (Result, error) {
	now := r.now()
	start := now.Truncate(window)
	base, idx := r.keys(key, window, now)
	elapsed := now.Sub(start)
	weight := 1 - float64(elapsed)/float64(window)
	c := "0"
	if count {
		c = "1"
	}
	res, err := hitScript.Run(ctx, r.client, []string{base + strconv.FormatInt(idx-1, 10), base + strconv.FormatInt(idx, 10)},
		limit, strconv.FormatFloat(weight, 'f', -1, 64), int64(2*window/time.Millisecond), c).Int64Slice()
	if err != nil {
		return Result{}, err
	}
	if len(res) != 3 {
		return Result{}, fmt.Errorf("rate limit script returned %d values", len(res))
	}
	return result(res[2] == 1, res[0], res[1], elapsed, window, limit), nil
}

// Hit implements Limiter.
func (r *Redis) Hit(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	return r.check(ctx, key, limit, window, true)
}

// Peek implements Limiter.
func (r *Redis) Peek(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	return r.check(ctx, key, limit, window, false)
}

// Reset implements Limiter.
func (r *Redis) Reset(ctx context.Context, key string, window time.Duration) error {
	base, idx := r.keys(key, window, r.now())
	return r.client.Del(ctx, base+strconv.FormatInt(idx-1, 10), base+strconv.FormatInt(idx, 10)).Err()
}

// Undo implements Limiter.
func (r *Redis) Undo(ctx context.Context, key string, window time.Duration) error {
	base, idx := r.keys(key, window, r.now())
	return undoScript.Run(ctx, r.client, []string{base + strconv.FormatInt(idx, 10), base + strconv.FormatInt(idx-1, 10)}).Err()
}

func (r *Redis) keys(key string, window time.Duration, now time.Time) (string, int64) {
	idx := now.Truncate(window).UnixNano() / int64(window)
	return r.prefix + key + ":" + strconv.FormatInt(int64(window/time.Millisecond), 10) + ":", idx
}
