// Package testkit starts real HummDesk pieces for tests: a fresh database on
// each dialect (SQLite always; PostgreSQL at HUMMDESK_TEST_POSTGRES_URL,
// default postgres://postgres@127.0.0.1:5432/postgres), and the whole app
// on a random port. When CI is set, a missing PostgreSQL fails the test
// instead of skipping it.
package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the admin connection

	"hummdesk/internal/auth"
	"hummdesk/internal/store"
)

// Dialect is a database a test runs against.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// AdminURL is the PostgreSQL server tests create their databases on.
func AdminURL() string {
	if u := os.Getenv("HUMMDESK_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var (
	pgOnce sync.Once
	pgErr  error
)

// postgresAvailable reports whether the test PostgreSQL answers.
func postgresAvailable() error {
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", AdminURL())
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	return pgErr
}

// RequirePostgres skips the test when PostgreSQL is absent, or fails it
// when CI is set.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if err := postgresAvailable(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI but not reachable at %s: %v", AdminURL(), err)
		}
		t.Skipf("PostgreSQL not reachable (%v); set HUMMDESK_TEST_POSTGRES_URL", err)
	}
}

// Each runs f as a subtest once per dialect.
func Each(t *testing.T, f func(t *testing.T, d Dialect)) {
	t.Helper()
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) {
			if d == Postgres {
				RequirePostgres(t)
			}
			f(t, d)
		})
	}
}

// NewDatabaseURL creates an empty database of the dialect, dropped when the
// test ends, and returns its URL.
func NewDatabaseURL(t testing.TB, d Dialect) string {
	t.Helper()
	if d == SQLite {
		return "sqlite://" + filepath.Join(t.TempDir(), "hummdesk.db")
	}
	RequirePostgres(t)
	name := "hdtest_" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(auth.RandomToken(9)))
	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	return replaceDBName(AdminURL(), name)
}

func replaceDBName(url, name string) string {
	q := ""
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url, q = url[:i], url[i:]
	}
	i := strings.LastIndexByte(url, '/')
	if i < len("postgres://") {
		return url + "/" + name + q
	}
	return url[:i+1] + name + q
}

// NewStore opens a migrated store on a fresh database.
func NewStore(t testing.TB, d Dialect) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, NewDatabaseURL(t, d), store.Options{MaxConns: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}

// Unique returns a short unique string for names and emails.
func Unique(prefix string) string {
	return fmt.Sprintf("%s%s", prefix, strings.ToLower(strings.NewReplacer("-", "x", "_", "y").Replace(auth.RandomToken(6))))
}
