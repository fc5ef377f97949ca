package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// tenantTables are the tables row-level security guards, with the column
// that names the account.
var tenantTables = map[string]string{
	"accounts":      "id",
	"account_users": "account_id",
	"teams":         "account_id",
	"team_members":  "account_id",
	"inboxes":       "account_id",
	"contacts":      "account_id",
	"conversations": "account_id",
	"messages":      "account_id",
}

// rlsAccount is one account's rows and how many each table holds.
type rlsAccount struct {
	ID, UserID, TeamID, InboxID, ContactID, ConversationID int64
	Rows                                                   map[string]int
}

// seedRLSAccount fills an account through the store; conversations and
// messages vary so that counts tell accounts apart.
func seedRLSAccount(t *testing.T, st *store.Store, name string, conversations int) rlsAccount {
	t.Helper()
	ctx := context.Background()
	var a rlsAccount
	err := st.SystemTx(ctx, func(tx *store.Tx) error {
		acc, err := tx.AccountCreate(ctx, name)
		if err != nil {
			return err
		}
		u, err := tx.UserCreate(ctx, store.UserCreateParams{Name: "Admin " + name, Email: testkit.Unique("rls") + "@example.test", PasswordHash: "x"})
		if err != nil {
			return err
		}
		a.ID, a.UserID = acc.ID, u.ID
		_, err = tx.MemberAdd(ctx, acc.ID, store.MemberAddParams{UserID: u.ID, Role: desk.RoleAdministrator})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Tx(ctx, a.ID, func(tx *store.Tx) error {
		tm, err := tx.TeamCreate(ctx, "Support", "")
		if err != nil {
			return err
		}
		if err := tx.TeamMemberAdd(ctx, tm.ID, a.UserID); err != nil {
			return err
		}
		in, err := tx.InboxCreate(ctx, desk.Inbox{Name: "Web", ChannelType: desk.ChannelWebWidget, Token: testkit.Unique("tok"), HMACSecret: "s"})
		if err != nil {
			return err
		}
		c, err := tx.ContactCreate(ctx, store.ContactParams{Name: "Customer " + name})
		if err != nil {
			return err
		}
		a.TeamID, a.InboxID, a.ContactID = tm.ID, in.ID, c.ID
		for i := range conversations {
			conv, err := tx.ConversationCreate(ctx, store.ConversationCreateParams{InboxID: in.ID, ContactID: c.ID})
			if err != nil {
				return err
			}
			a.ConversationID = conv.ID
			for j := range 2 {
				if _, err := tx.MessageCreate(ctx, store.MessageCreateParams{ConversationID: conv.ID, SenderType: desk.SenderContact,
					Content: fmt.Sprintf("%s %d.%d", name, i, j)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Rows = map[string]int{"accounts": 1, "account_users": 1, "teams": 1, "team_members": 1, "inboxes": 1, "contacts": 1,
		"conversations": conversations, "messages": 2 * conversations}
	return a
}

// rowsByAccount runs a WHERE-less query on every tenant table and returns,
// per table, how many rows each account id has. q is a raw *sql.DB or
// *sql.Tx, or a store transaction's pgx.Tx.
func rowsByAccount(t *testing.T, ctx context.Context, q any) map[string]map[int64]int {
	t.Helper()
	out := map[string]map[int64]int{}
	for table, col := range tenantTables {
		ids, err := selectIDs(ctx, q, "SELECT "+col+" FROM "+table)
		if err != nil {
			t.Fatalf("select from %s: %v", table, err)
		}
		out[table] = map[int64]int{}
		for _, id := range ids {
			out[table][id]++
		}
	}
	return out
}

// selectIDs runs a query of one bigint column through q (see rowsByAccount).
func selectIDs(ctx context.Context, q any, query string) ([]int64, error) {
	switch q := q.(type) {
	case pgx.Tx:
		rows, err := q.Query(ctx, query)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[int64])
	case interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}:
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return ids, rows.Close()
	}
	return nil, fmt.Errorf("selectIDs: cannot query through %T", q)
}

// wantOnly fails unless every table shows exactly the rows of the accounts
// given (none when no account is given).
func wantOnly(t *testing.T, what string, got map[string]map[int64]int, accounts ...rlsAccount) {
	t.Helper()
	for table := range tenantTables {
		want := map[int64]int{}
		for _, a := range accounts {
			want[a.ID] = a.Rows[table]
		}
		if fmt.Sprint(got[table]) != fmt.Sprint(want) {
			t.Errorf("%s: %s shows rows per account %v, want %v", what, table, got[table], want)
		}
	}
}

func wantRLSViolation(t *testing.T, err error, what string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("%s: %v, want a row-level security violation (42501)", what, err)
	}
}

// createAppLogin creates a LOGIN role that is a member of the application
// role and nothing else, and returns a pool connected as it.
func createAppLogin(t *testing.T, dbURL string) (*sql.DB, string) {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	role := testkit.Unique("hdrls_")
	if _, err := admin.ExecContext(ctx, "CREATE ROLE "+role+" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE "+store.AppRole); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP ROLE IF EXISTS "+role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one pooled connection: what one transaction sets, the next one meets
	t.Cleanup(func() { db.Close() })
	var who string
	if err := db.QueryRowContext(ctx, "SELECT current_user").Scan(&who); err != nil || who != role {
		t.Fatalf("connect as %s: %q, %v", role, who, err)
	}
	return db, role
}

// inTx runs fn in a transaction of db and rolls it back.
func inTx(t *testing.T, db *sql.DB, fn func(tx *sql.Tx)) {
	t.Helper()
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	fn(tx)
}

func setAccount(t *testing.T, tx *sql.Tx, id int64) {
	t.Helper()
	if _, err := tx.ExecContext(context.Background(), "SELECT set_config('app.current_account_id', $1, true)", strconv.FormatInt(id, 10)); err != nil {
		t.Fatal(err)
	}
}

// TestRowLevelSecurity proves, on PostgreSQL, that the database itself keeps
// tenants apart for a role that connects as the application does.
func TestRowLevelSecurity(t *testing.T) {
	t.Parallel()
	testkit.RequirePostgres(t)
	ctx := context.Background()
	dbURL := testkit.NewDatabaseURL(t, testkit.Postgres)
	st := openEmpty(t, testkit.Postgres, dbURL, store.Options{MaxConns: 4})
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := seedRLSAccount(t, st, "A", 2)
	b := seedRLSAccount(t, st, "B", 3)
	app, role := createAppLogin(t, dbURL)

	t.Run("the role owns nothing and cannot bypass RLS", func(t *testing.T) {
		for _, r := range []string{role, store.AppRole, store.SystemRole} {
			var super, bypass bool
			if err := app.QueryRowContext(ctx, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", r).Scan(&super, &bypass); err != nil {
				t.Fatal(err)
			}
			if super || bypass {
				t.Errorf("role %s: superuser %v, bypassrls %v", r, super, bypass)
			}
		}
		var owned []string
		rows, err := app.QueryContext(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND pg_has_role(current_user, c.relowner, 'USAGE')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			_ = rows.Scan(&name)
			owned = append(owned, name)
		}
		rows.Close()
		if len(owned) > 0 {
			t.Errorf("%s owns (directly or through a role) %v", role, owned)
		}
	})

	t.Run("every table with tenant rows has forced RLS", func(t *testing.T) {
		rows, err := app.QueryContext(ctx, `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
				EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND (SELECT oid FROM pg_roles WHERE rolname = $1) = ANY (p.polroles))
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relkind = 'r'
			  AND (c.relname = 'accounts' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped))`,
			store.AppRole)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := 0
		for rows.Next() {
			var name string
			var enabled, forced, policy bool
			if err := rows.Scan(&name, &enabled, &forced, &policy); err != nil {
				t.Fatal(err)
			}
			seen++
			if !enabled || !forced || !policy {
				t.Errorf("table %s: RLS enabled %v, forced %v, policy for %s %v", name, enabled, forced, store.AppRole, policy)
			}
		}
		if seen < len(tenantTables) {
			t.Errorf("found %d tenant tables, want at least %d", seen, len(tenantTables))
		}
	})

	t.Run("a WHERE-less select sees only the current account", func(t *testing.T) {
		for _, acc := range []rlsAccount{a, b} {
			inTx(t, app, func(tx *sql.Tx) {
				setAccount(t, tx, acc.ID)
				wantOnly(t, fmt.Sprintf("account %d set", acc.ID), rowsByAccount(t, ctx, tx), acc)
			})
		}
	})

	t.Run("no account set sees nothing", func(t *testing.T) {
		inTx(t, app, func(tx *sql.Tx) {
			wantOnly(t, "no account set", rowsByAccount(t, ctx, tx))
		})
		// The local setting of a committed transaction does not survive it
		// on the (single) pooled connection.
		tx, err := app.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		setAccount(t, tx, a.ID)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		wantOnly(t, "after a committed transaction set it", rowsByAccount(t, ctx, app))
		inTx(t, app, func(tx *sql.Tx) {
			if _, err := tx.ExecContext(ctx, "SELECT set_config('app.current_account_id', '', true)"); err != nil {
				t.Fatal(err)
			}
			wantOnly(t, "empty account", rowsByAccount(t, ctx, tx))
		})
	})

	t.Run("the knowledge-base text search sees only the current account", func(t *testing.T) {
		// hummdesk_kb_text_search runs as hummdesk_system (so the GIN index
		// serves @@) and filters by the transaction's account itself.
		admin, err := sql.Open("pgx", dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		articles := map[int64]int64{}
		for _, acc := range []rlsAccount{a, b} {
			var id int64
			if err := admin.QueryRowContext(ctx, `INSERT INTO kb_articles (account_id, title, content, published, created_at, updated_at)
				VALUES ($1, 'Refunds', 'Our refund policy', true, now(), now()) RETURNING id`, acc.ID).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := admin.ExecContext(ctx, `INSERT INTO kb_chunks (account_id, article_id, ordinal, title, content, published, embedder, dim, embedding, created_at)
				VALUES ($1, $2, 0, 'Refunds', 'Our refund policy', true, 'test', 384, array_fill(0.1::real, ARRAY[384])::vector, now())`, acc.ID, id); err != nil {
				t.Fatal(err)
			}
			articles[acc.ID] = id
		}
		search := func(tx *sql.Tx) []int64 {
			rows, err := tx.QueryContext(ctx, "SELECT article_id FROM hummdesk_kb_text_search(to_tsquery('simple', 'refund'), 10)")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out = append(out, id)
			}
			return out
		}
		for _, acc := range []rlsAccount{a, b} {
			inTx(t, app, func(tx *sql.Tx) {
				setAccount(t, tx, acc.ID)
				if got := search(tx); len(got) != 1 || got[0] != articles[acc.ID] {
					t.Errorf("account %d finds articles %v, want only its own %d", acc.ID, got, articles[acc.ID])
				}
			})
		}
		inTx(t, app, func(tx *sql.Tx) {
			if got := search(tx); len(got) != 0 {
				t.Errorf("no account set finds articles %v", got)
			}
		})
	})

	t.Run("writing another account's rows fails", func(t *testing.T) {
		inserts := map[string]string{
			"teams":         "INSERT INTO teams (account_id, name, created_at) VALUES ($1, 'evil', now())",
			"contacts":      "INSERT INTO contacts (account_id, name, created_at, updated_at) VALUES ($1, 'evil', now(), now())",
			"inboxes":       "INSERT INTO inboxes (account_id, name, channel_type, token, hmac_secret, created_at) VALUES ($1, 'evil', 'api', 'evil-token', 's', now())",
			"account_users": fmt.Sprintf("INSERT INTO account_users (account_id, user_id, role, created_at) VALUES ($1, %d, 'administrator', now())", a.UserID),
			"conversations": fmt.Sprintf("INSERT INTO conversations (account_id, display_id, inbox_id, contact_id, last_activity_at, created_at, updated_at) VALUES ($1, 999, %d, %d, now(), now(), now())", b.InboxID, b.ContactID),
			"messages":      fmt.Sprintf("INSERT INTO messages (account_id, conversation_id, sender_type, content, created_at) VALUES ($1, %d, 'agent', 'evil', now())", b.ConversationID),
			"accounts":      "INSERT INTO accounts (name, created_at) VALUES ('evil', now())",
		}
		for table, q := range inserts {
			inTx(t, app, func(tx *sql.Tx) {
				setAccount(t, tx, a.ID)
				args := []any{b.ID}
				if table == "accounts" {
					args = nil
				}
				_, err := tx.ExecContext(ctx, q, args...)
				wantRLSViolation(t, err, "insert into "+table+" for account B as account A")
			})
		}
		inTx(t, app, func(tx *sql.Tx) {
			setAccount(t, tx, a.ID)
			_, err := tx.ExecContext(ctx, "UPDATE contacts SET account_id = $1 WHERE id = $2", b.ID, a.ContactID)
			wantRLSViolation(t, err, "moving A's contact into B")
		})
		inTx(t, app, func(tx *sql.Tx) {
			setAccount(t, tx, a.ID)
			for _, q := range []string{
				fmt.Sprintf("UPDATE contacts SET name = 'pwned' WHERE id = %d", b.ContactID),
				fmt.Sprintf("UPDATE conversations SET status = 'resolved' WHERE account_id = %d", b.ID),
				fmt.Sprintf("DELETE FROM messages WHERE account_id = %d", b.ID),
				fmt.Sprintf("DELETE FROM teams WHERE id = %d", b.TeamID),
				fmt.Sprintf("UPDATE accounts SET name = 'pwned' WHERE id = %d", b.ID),
			} {
				res, err := tx.ExecContext(ctx, q)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if n, _ := res.RowsAffected(); n != 0 {
					t.Errorf("%s touched %d of B's rows", q, n)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		})
		// B is intact, seen through the system role.
		err := st.SystemTx(ctx, func(tx *store.Tx) error {
			wantOnly(t, "system view after the attempts", rowsByAccount(t, ctx, tx.PGX()), a, b)
			var name string
			if err := tx.PGX().QueryRow(ctx, "SELECT name FROM contacts WHERE id = $1", b.ContactID).Scan(&name); err != nil || name != "Customer B" {
				t.Errorf("B's contact is now %q, %v", name, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Store transactions run as the application role", func(t *testing.T) {
		var superuser bool
		if err := st.DB().QueryRowContext(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = session_user").Scan(&superuser); err != nil || !superuser {
			t.Fatalf("the test database URL should connect as a superuser: %v, %v", superuser, err)
		}
		for _, acc := range []rlsAccount{a, b} {
			for name, run := range map[string]func(context.Context, int64, func(*store.Tx) error) error{"Tx": st.Tx, "ReadTx": st.ReadTx} {
				err := run(ctx, acc.ID, func(tx *store.Tx) error {
					var cur, sess string
					if err := tx.PGX().QueryRow(ctx, "SELECT current_user, session_user").Scan(&cur, &sess); err != nil {
						return err
					}
					if cur != store.AppRole || sess == store.AppRole {
						t.Errorf("%s: current_user %s, session_user %s", name, cur, sess)
					}
					wantOnly(t, fmt.Sprintf("%s(%d)", name, acc.ID), rowsByAccount(t, ctx, tx.PGX()), acc)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		err := st.Tx(ctx, a.ID, func(tx *store.Tx) error {
			_, err := tx.PGX().Exec(ctx, "INSERT INTO teams (account_id, name, created_at) VALUES ($1, 'evil', now())", b.ID)
			return err
		})
		wantRLSViolation(t, err, "raw insert for B inside Store.Tx(A)")
		err = st.SystemTx(ctx, func(tx *store.Tx) error {
			var cur string
			if err := tx.PGX().QueryRow(ctx, "SELECT current_user").Scan(&cur); err != nil {
				return err
			}
			if cur != store.SystemRole {
				t.Errorf("SystemTx runs as %s", cur)
			}
			wantOnly(t, "SystemTx", rowsByAccount(t, ctx, tx.PGX()), a, b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("nothing leaks into the next use of a pooled connection", func(t *testing.T) {
		one := openEmpty(t, testkit.Postgres, dbURL, store.Options{MaxConns: 1})
		var pid int
		check := func(after string) {
			t.Helper()
			var cur string
			var acct sql.NullString
			var p int
			if err := one.DB().QueryRowContext(ctx, "SELECT current_user, current_setting('app.current_account_id', true), pg_backend_pid()").
				Scan(&cur, &acct, &p); err != nil {
				t.Fatal(err)
			}
			if p != pid {
				t.Fatalf("the pool switched connections (%d, %d): the test proves nothing", pid, p)
			}
			if cur == store.AppRole || cur == store.SystemRole || acct.String != "" {
				t.Errorf("after %s the connection runs as %s with account %q", after, cur, acct.String)
			}
			inTx(t, one.DB(), func(tx *sql.Tx) {
				if _, err := tx.ExecContext(ctx, "SET LOCAL ROLE "+store.AppRole); err != nil {
					t.Fatal(err)
				}
				wantOnly(t, "raw query as "+store.AppRole+" after "+after, rowsByAccount(t, ctx, tx))
			})
		}
		err := one.Tx(ctx, a.ID, func(tx *store.Tx) error {
			if err := tx.PGX().QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
				return err
			}
			_, err := tx.ContactCreate(ctx, store.ContactParams{Name: "Late"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		a.Rows["contacts"]++
		check("a committed Tx")
		if err := one.ReadTx(ctx, b.ID, func(tx *store.Tx) error {
			_, err := tx.ConversationList(ctx, store.ConversationListParams{Limit: 5})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		check("a ReadTx")
		failed := errors.New("roll back")
		if err := one.Tx(ctx, a.ID, func(tx *store.Tx) error { return failed }); !errors.Is(err, failed) {
			t.Fatalf("Tx = %v", err)
		}
		check("a rolled-back Tx")
		if err := one.SystemTx(ctx, func(tx *store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		check("a SystemTx")
		if !strings.HasPrefix(dbURL, "postgres") {
			t.Fatal(dbURL)
		}
	})
}
