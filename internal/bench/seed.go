package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// Dataset describes a seeded benchmark database.
type Dataset struct {
	// URL is the benchmark database's URL (the superuser's).
	URL   string
	Sizes Sizes
	// Reused is true when an earlier run's data was kept.
	Reused bool
	// SeedTime is how long seeding took (zero when reused).
	SeedTime time.Duration
	// AccountID is the largest account, the one benchmarked.
	AccountID            int64
	AccountConversations int
	AccountAgents        int
	// AgentID is the benchmark agent's user id; AgentOpen counts the open
	// conversations assigned to them.
	AgentID   int64
	AgentOpen int
}

// DatabaseURL returns serverURL with its database name replaced by name.
func DatabaseURL(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("bench: %q is not a postgres:// URL", serverURL)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// Prepare makes sure database name on the server at serverURL holds a data
// set of the given sizes: it reuses one seeded earlier with the same sizes
// (unless reseed), and otherwise drops and recreates the database and seeds
// it. serverURL must connect as a superuser. logf reports progress.
func Prepare(ctx context.Context, serverURL, name string, s Sizes, reseed bool, logf func(string, ...any)) (Dataset, error) {
	if err := s.Validate(); err != nil {
		return Dataset{}, err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	dbURL, err := DatabaseURL(serverURL, name)
	if err != nil {
		return Dataset{}, err
	}
	admin, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return Dataset{}, fmt.Errorf("bench: connect to %s: %w", redactURL(serverURL), err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	var comment *string
	err = admin.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name).Scan(&comment)
	exists := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Dataset{}, fmt.Errorf("bench: look for database %s: %w", name, err)
	}
	if exists && !reseed && comment != nil && *comment == s.marker() {
		// The app migrates the schema when it starts; the data stays.
		ds, err := Describe(ctx, dbURL, s)
		ds.Reused = true
		return ds, err
	}
	quoted := pgx.Identifier{name}.Sanitize()
	if exists {
		logf("dropping database %s (reseed)", name)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+quoted+" WITH (FORCE)"); err != nil {
			return Dataset{}, fmt.Errorf("bench: drop database %s: %w", name, err)
		}
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+quoted); err != nil {
		return Dataset{}, fmt.Errorf("bench: create database %s: %w", name, err)
	}
	start := time.Now()
	if err := Seed(ctx, dbURL, s, logf); err != nil {
		return Dataset{}, err
	}
	ds, err := Describe(ctx, dbURL, s)
	ds.SeedTime = time.Since(start)
	return ds, err
}

// Describe reads the benchmarked account and agent back from a seeded
// database.
func Describe(ctx context.Context, dbURL string, s Sizes) (Dataset, error) {
	ds := Dataset{URL: dbURL, Sizes: s, AccountID: 1}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return ds, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = conn.QueryRow(ctx, `SELECT u.id,
		(SELECT count(*) FROM conversations WHERE account_id = $2),
		(SELECT count(*) FROM account_users WHERE account_id = $2),
		(SELECT count(*) FROM conversations WHERE account_id = $2 AND assignee_id = u.id AND status = 'open')
		FROM users u JOIN account_users au ON au.user_id = u.id AND au.account_id = $2 AND au.role = 'agent'
		WHERE u.email = $1`, AgentEmail, ds.AccountID).
		Scan(&ds.AgentID, &ds.AccountConversations, &ds.AccountAgents, &ds.AgentOpen)
	if err != nil {
		return ds, fmt.Errorf("bench: read the seeded data set: %w", err)
	}
	return ds, nil
}

// Seed migrates the empty database at dbURL with the store and fills it:
// the accounts, the benchmark agent (through the store, with a real
// password hash), then, in one transaction of COPYs, every other row. It
// ends with VACUUM ANALYZE and a comment on the database recording the
// sizes. dbURL must connect as a superuser (COPY into tables under
// row-level security).
func Seed(ctx context.Context, dbURL string, s Sizes, logf func(string, ...any)) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	st, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("bench: migrate: %w", err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var super bool
	var accounts int
	if err := conn.QueryRow(ctx, "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), (SELECT count(*) FROM accounts)").
		Scan(&super, &accounts); err != nil {
		return err
	}
	if !super {
		return errors.New("bench: seeding needs a superuser connection (COPY into tables under row-level security)")
	}
	if accounts > 0 {
		return errors.New("bench: the database already has accounts; seed an empty one")
	}

	now := time.Now().UTC().Truncate(time.Second)
	accs := planAccounts(s, now)
	if _, err := copyRows(ctx, conn, "accounts", []string{"id", "name", "conversation_seq", "created_at"}, len(accs),
		func(i int) []any { a := accs[i]; return []any{a.id, a.name, int64(a.conversations), a.createdAt} }); err != nil {
		return err
	}
	// The benchmark agent goes through the store like any real user.
	hash, err := auth.HashPassword(AgentPassword)
	if err != nil {
		return err
	}
	var benchUser int64
	if err := st.SystemTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserCreate(ctx, store.UserCreateParams{Name: AgentName, Email: AgentEmail, PasswordHash: hash})
		if err != nil {
			return err
		}
		benchUser = u.ID
		_, err = tx.MemberAdd(ctx, accs[0].id, store.MemberAddParams{UserID: u.ID, Role: desk.RoleAgent, MaxConcurrent: 25})
		return err
	}); err != nil {
		return fmt.Errorf("bench: create the benchmark agent: %w", err)
	}
	var firstUser int64
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(id), 0) + 1 FROM users").Scan(&firstUser); err != nil {
		return err
	}
	p := newPlan(s, accs, benchUser, firstUser, now)
	// Everyone else shares one hash: argon2id per user would dominate seeding.
	otherHash, err := auth.HashPassword(auth.RandomToken(24))
	if err != nil {
		return err
	}

	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	steps := []struct {
		table string
		cols  []string
		n     int
		row   func(i int) []any
	}{
		{"users", []string{"id", "name", "email", "password_hash", "tokens_valid_after", "created_at"}, len(p.users),
			func(i int) []any {
				u := p.users[i]
				return []any{u.id, u.name, u.email, otherHash, now.Add(-time.Hour), now.Add(-300 * 24 * time.Hour)}
			}},
		{"account_users", []string{"account_id", "user_id", "role", "availability", "max_concurrent", "created_at"}, len(p.members),
			func(i int) []any {
				m := p.members[i]
				return []any{m.accountID, m.userID, m.role, m.avail, m.maxConcurrent, now.Add(-300 * 24 * time.Hour)}
			}},
		{"teams", []string{"id", "account_id", "name", "description", "created_at"}, len(p.teams),
			func(i int) []any {
				t := p.teams[i]
				return []any{t.id, t.accountID, t.name, t.name + " team", now.Add(-300 * 24 * time.Hour)}
			}},
		{"team_members", []string{"account_id", "team_id", "user_id", "created_at"}, len(p.teamMembers),
			func(i int) []any {
				m := p.teamMembers[i]
				return []any{m.accountID, m.teamID, m.userID, now.Add(-300 * 24 * time.Hour)}
			}},
		{"inboxes", []string{"id", "account_id", "name", "channel_type", "token", "hmac_secret", "hmac_mandatory", "greeting", "created_at"},
			len(p.inboxes), func(i int) []any {
				b := p.inboxes[i]
				return []any{b.id, b.accountID, b.name, b.channel, b.token, b.secret, false, "Hi! How can we help?", now.Add(-300 * 24 * time.Hour)}
			}},
	}
	for _, step := range steps {
		if _, err := copyRows(ctx, tx, step.table, step.cols, step.n, step.row); err != nil {
			return err
		}
	}
	if err := p.copyContacts(ctx, tx); err != nil {
		return err
	}
	if err := p.copyConversations(ctx, tx); err != nil {
		return err
	}
	logf("copying %d messages", s.Messages)
	if err := p.copyMessages(ctx, tx); err != nil {
		return err
	}
	for _, t := range []string{"accounts", "users", "teams", "inboxes", "contacts", "conversations", "messages"} {
		if _, err := tx.Exec(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", t, t)); err != nil {
			return fmt.Errorf("bench: advance %s id sequence: %w", t, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("bench: commit seed: %w", err)
	}
	logf("vacuum analyze")
	for _, t := range []string{"accounts", "users", "account_users", "teams", "team_members", "inboxes", "contacts", "conversations", "messages"} {
		if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) "+t); err != nil {
			return fmt.Errorf("bench: vacuum %s: %w", t, err)
		}
	}
	var db string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{db}.Sanitize()+" IS '"+strings.ReplaceAll(s.marker(), "'", "''")+"'")
	return err
}

type copier interface {
	CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error)
}

func copyRows(ctx context.Context, c copier, table string, cols []string, n int, row func(i int) []any) (int64, error) {
	i := 0
	got, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		i++
		return row(i - 1), nil
	}))
	if err != nil {
		return got, fmt.Errorf("bench: copy %s: %w", table, err)
	}
	return got, nil
}

func (p *plan) copyContacts(ctx context.Context, c copier) error {
	rng := rand.New(rand.NewPCG(7, 7))
	type ref struct {
		account *accountPlan
		k       int
	}
	var refs []ref
	for _, a := range p.accounts {
		refs = append(refs, ref{a, a.contacts})
	}
	ai, k := 0, 0
	_, err := c.CopyFrom(ctx, pgx.Identifier{"contacts"},
		[]string{"id", "account_id", "name", "email", "phone", "identifier", "custom_attributes", "created_at", "updated_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for ai < len(refs) && k >= refs[ai].k {
				ai, k = ai+1, 0
			}
			if ai >= len(refs) {
				return nil, nil
			}
			a := refs[ai].account
			id := a.firstContact + int64(k)
			k++
			name, email, phone, ident, attrs := contactFields(rng, id)
			created := p.now.Add(-time.Duration(181+rng.IntN(200)) * 24 * time.Hour)
			return []any{id, a.id, name, email, phone, ident, attrs, created, created}, nil
		}))
	if err != nil {
		return fmt.Errorf("bench: copy contacts: %w", err)
	}
	return nil
}

func (p *plan) copyConversations(ctx context.Context, c copier) error {
	_, err := copyRows(ctx, c, "conversations", []string{"id", "account_id", "display_id", "inbox_id", "contact_id", "status",
		"priority", "assignee_id", "team_id", "snoozed_until", "last_message_id", "last_activity_at", "created_at", "updated_at", "version"},
		len(p.convs), func(i int) []any {
			cv := &p.convs[i]
			var snoozed any
			if !cv.snoozedUntil.IsZero() {
				snoozed = cv.snoozedUntil
			}
			return []any{int64(i + 1), cv.account.id, cv.displayID, cv.inboxID, cv.contactID, statuses[cv.status],
				priorities[cv.priority], nullID(cv.assigneeID), nullID(cv.teamID), snoozed, cv.lastMessageID,
				cv.lastActivity, cv.createdAt, cv.lastActivity, int64(cv.version)}
		})
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// copyMessages streams every conversation's messages in id order: the
// customer opens, then customer, agent, system and AI lines follow, spread
// evenly up to the conversation's last activity.
func (p *plan) copyMessages(ctx context.Context, c copier) error {
	rng := rand.New(rand.NewPCG(9, 9))
	ci, j := 0, int32(0)
	var id int64
	_, err := c.CopyFrom(ctx, pgx.Identifier{"messages"},
		[]string{"id", "account_id", "conversation_id", "sender_type", "sender_id", "content", "private", "idempotency_key", "created_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for ci < len(p.convs) && j >= p.convs[ci].messages {
				ci, j = ci+1, 0
			}
			if ci >= len(p.convs) {
				return nil, nil
			}
			cv := &p.convs[ci]
			id++
			j++
			span := cv.lastActivity.Sub(cv.createdAt)
			at := cv.createdAt.Add(time.Duration(float64(span) * float64(j) / float64(cv.messages))).Truncate(time.Microsecond)
			if j == cv.messages {
				at = cv.lastActivity
			}
			var sender string
			var senderID, key any
			var text string
			private := false
			r := rng.IntN(100)
			switch {
			case j == 1 || r < 45:
				sender, senderID, text = "contact", cv.contactID, messageText(rng, contactLines[:])
				if rng.IntN(2) == 0 {
					key = fmt.Sprintf("idem-%d", id)
				}
			case r < 85:
				agent := cv.assigneeID
				if agent == 0 {
					agent = cv.account.agents[rng.IntN(len(cv.account.agents))]
				}
				sender, senderID = "agent", agent
				if rng.IntN(100) < 5 {
					private, text = true, messageText(rng, noteLines[:])
				} else {
					text = messageText(rng, agentLines[:])
				}
			case r < 93:
				sender, text = "system", systemLines[rng.IntN(len(systemLines))]
			default:
				sender, text = "ai", aiLines[rng.IntN(len(aiLines))]
			}
			return []any{id, cv.account.id, int64(ci + 1), sender, senderID, text, private, key, at}, nil
		}))
	if err != nil {
		return fmt.Errorf("bench: copy messages: %w", err)
	}
	if id != int64(p.sizes.Messages) || p.convs[len(p.convs)-1].lastMessageID != id {
		return fmt.Errorf("bench: generated %d messages, planned %d", id, p.sizes.Messages)
	}
	return nil
}

// redactURL hides a URL's password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
