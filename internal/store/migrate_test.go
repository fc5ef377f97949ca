package store_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

var dialects = map[testkit.Dialect]store.Dialect{testkit.SQLite: store.SQLite, testkit.Postgres: store.Postgres}

// openEmpty opens a store on a fresh, unmigrated database.
func openEmpty(t *testing.T, d testkit.Dialect, url string, opts store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if st.Dialect() != dialects[d] {
		t.Fatalf("dialect %v, want %v", st.Dialect(), dialects[d])
	}
	return st
}

func TestMigrationsAreNumberedWithoutGaps(t *testing.T) {
	t.Parallel()
	counts := map[store.Dialect]int{}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		ms, err := store.Migrations(d)
		if err != nil {
			t.Fatalf("%v: %v", d, err)
		}
		if len(ms) == 0 {
			t.Fatalf("%v: no migrations", d)
		}
		for i, m := range ms {
			if m.Version != i+1 {
				t.Errorf("%v: migration %d is %s, want version %d", d, i, m.Name, i+1)
			}
			if want := fmt.Sprintf("%04d_", m.Version); !strings.HasPrefix(m.Name, want) {
				t.Errorf("%v: migration %s should start with %s", d, m.Name, want)
			}
			if strings.TrimSpace(m.SQL) == "" {
				t.Errorf("%v: migration %s is empty", d, m.Name)
			}
		}
		if got := store.LatestVersion(d); got != len(ms) {
			t.Errorf("%v: LatestVersion = %d, want %d", d, got, len(ms))
		}
		counts[d] = len(ms)
	}
	if counts[store.SQLite] != counts[store.Postgres] {
		t.Errorf("SQLite has %d migrations, PostgreSQL %d: the schemas must move together", counts[store.SQLite], counts[store.Postgres])
	}
	// Both dialects name their steps alike.
	sq, _ := store.Migrations(store.SQLite)
	pg, _ := store.Migrations(store.Postgres)
	for i := range min(len(sq), len(pg)) {
		if sq[i].Name != pg[i].Name {
			t.Errorf("migration %d is %s on SQLite but %s on PostgreSQL", i+1, sq[i].Name, pg[i].Name)
		}
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := openEmpty(t, d, testkit.NewDatabaseURL(t, d), store.Options{MaxConns: 4})
		latest := store.LatestVersion(st.Dialect())
		if v, err := st.SchemaVersion(ctx); err != nil || v != 0 {
			t.Fatalf("fresh database at version %d, %v", v, err)
		}
		err := st.CheckSchema(ctx)
		if err == nil || errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("CheckSchema on an empty database = %v, want a needs-migrating error", err)
		}
		applied, err := st.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != latest || applied[0] != 1 || applied[len(applied)-1] != latest {
			t.Fatalf("first Migrate applied %v, want 1..%d", applied, latest)
		}
		for range 2 {
			again, err := st.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("Migrate again applied %v, %v; want nothing", again, err)
			}
		}
		if v, err := st.SchemaVersion(ctx); err != nil || v != latest {
			t.Errorf("SchemaVersion = %d, %v; want %d", v, err, latest)
		}
		if err := st.CheckSchema(ctx); err != nil {
			t.Errorf("CheckSchema after migrating: %v", err)
		}
		var rows int
		if err := st.DB().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&rows); err != nil || rows != latest {
			t.Errorf("schema_migrations has %d rows, %v; want %d", rows, err, latest)
		}
	})
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := openEmpty(t, d, testkit.NewDatabaseURL(t, d), store.Options{MaxConns: 4})
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		future := store.LatestVersion(st.Dialect()) + 1
		if _, err := st.DB().ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ("+
			strconv.Itoa(future)+", 'from_the_future', '2099-01-01T00:00:00Z')"); err != nil {
			t.Fatal(err)
		}
		applied, err := st.Migrate(ctx)
		if !errors.Is(err, store.ErrSchemaTooNew) || len(applied) != 0 {
			t.Errorf("Migrate on a newer schema = %v, %v; want ErrSchemaTooNew", applied, err)
		}
		if err := st.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaTooNew) {
			t.Errorf("CheckSchema on a newer schema = %v; want ErrSchemaTooNew", err)
		}
		if v, err := st.SchemaVersion(ctx); err != nil || v != future {
			t.Errorf("SchemaVersion = %d, %v; want %d", v, err, future)
		}
	})
}

// TestConcurrentMigrate starts several nodes on one fresh PostgreSQL
// database at once: the advisory lock lets each migration run exactly once.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	testkit.RequirePostgres(t)
	ctx := context.Background()
	url := testkit.NewDatabaseURL(t, testkit.Postgres)
	const nodes = 5
	stores := make([]*store.Store, nodes)
	for i := range stores {
		stores[i] = openEmpty(t, testkit.Postgres, url, store.Options{MaxConns: 2})
	}
	applied := make([][]int, nodes)
	errs := make([]error, nodes)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Go(func() {
			<-start
			applied[i], errs[i] = st.Migrate(ctx)
		})
	}
	close(start)
	wg.Wait()
	var all []int
	for i := range nodes {
		if errs[i] != nil {
			t.Errorf("node %d: %v", i, errs[i])
		}
		all = append(all, applied[i]...)
	}
	sort.Ints(all)
	latest := store.LatestVersion(store.Postgres)
	if len(all) != latest {
		t.Fatalf("migrations applied %v across nodes, want each of 1..%d once", all, latest)
	}
	for i, v := range all {
		if v != i+1 {
			t.Fatalf("migrations applied %v across nodes, want each of 1..%d once", all, latest)
		}
	}
	var rows int
	if err := stores[0].DB().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&rows); err != nil || rows != latest {
		t.Errorf("schema_migrations has %d rows, %v", rows, err)
	}
	for i, st := range stores {
		if err := st.CheckSchema(ctx); err != nil {
			t.Errorf("node %d CheckSchema: %v", i, err)
		}
	}
}
