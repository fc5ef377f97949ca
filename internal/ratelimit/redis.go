package ratelimit

import (
	"context"
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

// hitScript reads the previous and current window counts and, when allowed
// by the caller-computed threshold, increments the current one atomically.
// KEYS: prev, cur. ARGV: limit, weight (prev multiplier), ttl ms, count(0/1).
var hitScript = redis.NewScript(`
local prev = tonumber(redis.call('GET', KEYS[1]) or '0')
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
local est = prev * tonumber(ARGV[2]) + cur
if est + 1 <= tonumber(ARGV[1]) and ARGV[4] == '1' then
  cur = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return {prev, cur - 1}
end
return {prev, cur}
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
		limit, strconv.FormatFloat(weight, 'f', 6, 64), int64(2*window/time.Millisecond), c).Int64Slice()
	if err != nil {
		return Result{}, err
	}
	return decide(res[0], res[1], elapsed, window, limit), nil
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

func (r *Redis) keys(key string, window time.Duration, now time.Time) (string, int64) {
	idx := now.Truncate(window).UnixNano() / int64(window)
	return r.prefix + key + ":" + strconv.FormatInt(int64(window/time.Millisecond), 10) + ":", idx
}
