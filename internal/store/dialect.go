package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"modernc.org/sqlite"
)

// Dialect names a supported SQL dialect.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// String names the dialect ("sqlite", "postgres").
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "unknown"
}

// rebindCache maps a query written with $N placeholders to its SQLite form.
var rebindCache sync.Map

// rebind rewrites PostgreSQL-style $N placeholders to SQLite's ?N, which
// keeps the numbering (and so lets a query reuse an argument).
func (d Dialect) rebind(query string) string {
	if d != SQLite {
		return query
	}
	if q, ok := rebindCache.Load(query); ok {
		return q.(string)
	}
	q := strings.ReplaceAll(query, "$", "?")
	rebindCache.Store(query, q)
	return q
}

// ts encodes a timestamp argument: time.Time for PostgreSQL, microseconds
// since the epoch for SQLite.
func (d Dialect) ts(t time.Time) any {
	if d == SQLite {
		return t.UTC().UnixMicro()
	}
	return t.UTC()
}

// tsPtr is ts for a nullable timestamp.
func (d Dialect) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.ts(*t)
}

// foldFunc is a SQLite function that lower-cases text beyond ASCII: SQLite's
// own LIKE and lower() fold only A-Z, so "åsa" would not find "Åsa" as it
// does on PostgreSQL.
const foldFunc = "hummdesk_fold"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(foldFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil
	})
}

// containsFold is a condition that text column col contains the pattern in
// param (made by containsArg), ignoring case.
func (d Dialect) containsFold(col, param string) string {
	if d == SQLite {
		return foldFunc + "(" + col + ") LIKE " + param + ` ESCAPE '\'`
	}
	return col + " ILIKE " + param + ` ESCAPE '\'`
}

// containsArg is containsFold's pattern for the user text q: LIKE wildcards
// in q match literally.
func (d Dialect) containsArg(q string) string {
	if d == SQLite {
		q = strings.ToLower(q)
	}
	return "%" + escapeLike(q) + "%"
}

// forUpdate is the row-lock suffix for SELECTs inside write transactions;
// SQLite has a single writer and needs none.
func (d Dialect) forUpdate() string {
	if d == SQLite {
		return ""
	}
	return " FOR UPDATE"
}

// The column scanners below implement sql.Scanner, which SQLite's
// database/sql rows call with driver values, and pgx's typed scanner
// interfaces (pgtype.TimestamptzScanner, Int64Scanner, BytesScanner,
// BoolScanner), which pgx prefers and calls with the decoded binary value,
// without boxing it into an interface first.

// timeCol scans a timestamp stored in either dialect's encoding.
type timeCol struct{ t *time.Time }

// ScanTimestamptz is timeCol's pgx path.
func (c timeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		*c.t = time.Time{}
		return nil
	}
	if v.InfinityModifier != pgtype.Finite {
		return errors.New("scan timestamp: infinite timestamps are not supported")
	}
	*c.t = v.Time.UTC()
	return nil
}

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*c.t = v.UTC()
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("scan timestamp %q: %w", v, err)
		}
		*c.t = time.UnixMicro(n).UTC()
	case nil:
		*c.t = time.Time{}
	default:
		return fmt.Errorf("scan timestamp: unsupported type %T", src)
	}
	return nil
}

// nullTimeCol scans a nullable timestamp into a **time.Time.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// ScanTimestamptz is nullTimeCol's pgx path.
func (c nullTimeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).ScanTimestamptz(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// nullInt64 scans a nullable integer into a **int64.
type nullInt64 struct{ p **int64 }

// ScanInt64 is nullInt64's pgx path.
func (c nullInt64) ScanInt64(v pgtype.Int8) error {
	if !v.Valid {
		*c.p = nil
		return nil
	}
	n := v.Int64
	*c.p = &n
	return nil
}

func (c nullInt64) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	var v int64
	switch s := src.(type) {
	case int64:
		v = s
	case int32:
		v = int64(s)
	default:
		n, err := driver.Int32.ConvertValue(src)
		if err != nil {
			return fmt.Errorf("scan int64: %w", err)
		}
		v = n.(int64)
	}
	*c.p = &v
	return nil
}

// nullString scans a nullable text column into a string ("" for NULL).
type nullString struct{ p *string }

func (c nullString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = ""
	case string:
		*c.p = v
	case []byte:
		*c.p = string(v)
	default:
		return fmt.Errorf("scan string: unsupported type %T", src)
	}
	return nil
}

// ScanBytes is nullString's pgx path, for text and jsonb columns alike; v
// is nil for NULL.
func (c nullString) ScanBytes(v []byte) error {
	if v == nil {
		*c.p = ""
		return nil
	}
	*c.p = string(v)
	return nil
}

// nullBool scans a nullable boolean into a bool (false for NULL).
type nullBool struct{ p *bool }

func (c nullBool) Scan(src any) error {
	var b sql.NullBool
	if err := b.Scan(src); err != nil {
		return err
	}
	*c.p = b.Bool
	return nil
}

// ScanBool is nullBool's pgx path.
func (c nullBool) ScanBool(v pgtype.Bool) error {
	*c.p = v.Valid && v.Bool
	return nil
}

// nullIfEmpty turns "" into NULL for nullable text columns.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// int64Arg turns a nil pointer into NULL.
func int64Arg(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
