package bench

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

func TestAccountSizes(t *testing.T) {
	t.Parallel()
	for _, s := range []Sizes{DefaultSizes, {Accounts: 3, Conversations: 400, Messages: 400}, {Accounts: 1, Conversations: 2, Messages: 2}} {
		got := accountSizes(s)
		sum := 0
		for i, n := range got {
			sum += n
			if n < 2 || (i > 0 && n > got[i-1]) {
				t.Errorf("%+v: account %d has %d conversations (previous %d)", s, i+1, n, got[max(i-1, 0)])
			}
		}
		if sum != s.Conversations || len(got) != s.Accounts {
			t.Errorf("%+v: %d accounts with %d conversations", s, len(got), sum)
		}
	}
	if got := accountSizes(DefaultSizes); got[0] < 20_000 || got[99] > 500 {
		t.Errorf("largest account %d, smallest %d: want a Zipf-like spread with 20,000+ at the top", got[0], got[99])
	}
	if (Sizes{Accounts: 10, Conversations: 10, Messages: 10}).Validate() == nil {
		t.Error("Validate accepted fewer than two conversations per account")
	}
}

// smallSizes keep PostgreSQL tests quick.
var smallSizes = Sizes{Accounts: 4, Conversations: 600, Messages: 4000}

func TestSeedBuildsConsistentData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testkit.NewDatabaseURL(t, testkit.Postgres)
	if err := Seed(ctx, url, smallSizes, t.Logf); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(q string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if a, c, m := count("SELECT count(*) FROM accounts"), count("SELECT count(*) FROM conversations"), count("SELECT count(*) FROM messages"); a != smallSizes.Accounts || c != smallSizes.Conversations || m != smallSizes.Messages {
		t.Errorf("seeded %d accounts, %d conversations, %d messages; want %+v", a, c, m, smallSizes)
	}
	// Every conversation points at its own newest message, which carries
	// its last activity; display ids count up per account to its sequence.
	for q, what := range map[string]string{
		`SELECT count(*) FROM conversations c WHERE c.last_message_id IS DISTINCT FROM
			(SELECT max(id) FROM messages m WHERE m.conversation_id = c.id)`: "conversations whose last_message_id is not their newest message",
		`SELECT count(*) FROM conversations c JOIN messages m ON m.id = c.last_message_id
			WHERE m.created_at <> c.last_activity_at OR m.account_id <> c.account_id`: "last messages off the conversation's activity or account",
		`SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.created_at < c.created_at OR m.created_at > c.last_activity_at`: "messages outside their conversation's lifetime",
		`SELECT count(*) FROM accounts a WHERE conversation_seq <>
			(SELECT count(*) FROM conversations WHERE account_id = a.id) OR conversation_seq <>
			(SELECT coalesce(max(display_id), 0) FROM conversations WHERE account_id = a.id)`: "accounts whose sequence is off",
		`SELECT count(*) FROM messages m WHERE m.sender_type = 'agent' AND NOT EXISTS
			(SELECT 1 FROM account_users au WHERE au.account_id = m.account_id AND au.user_id = m.sender_id)`: "agent messages from non-members",
		`SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.sender_type = 'contact' AND m.sender_id <> c.contact_id`: "contact messages from another contact",
		`SELECT 4 - count(DISTINCT status) FROM conversations`: "missing statuses",
	} {
		if n := count(q); n != 0 {
			t.Errorf("%d %s", n, what)
		}
	}
	var comment string
	if err := conn.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()").Scan(&comment); err != nil || comment != smallSizes.marker() {
		t.Errorf("database comment %q (%v), want %q", comment, err, smallSizes.marker())
	}

	ds, err := Describe(ctx, url, smallSizes)
	if err != nil {
		t.Fatal(err)
	}
	if largest := count("SELECT max(n) FROM (SELECT count(*) n FROM conversations GROUP BY account_id) x"); ds.AccountConversations != largest || ds.AgentOpen == 0 {
		t.Errorf("benchmarked account has %d conversations (largest %d), agent %d open", ds.AccountConversations, largest, ds.AgentOpen)
	}

	// The benchmark agent is a real user: an agent of account 1 only, with
	// the documented password.
	st, err := store.Open(ctx, url, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.SystemTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserGetByEmail(ctx, AgentEmail)
		if err != nil {
			return err
		}
		if ok, err := auth.CheckPassword(u.PasswordHash, AgentPassword); !ok || err != nil {
			t.Errorf("the benchmark agent's password does not check: %v", err)
		}
		ms, err := tx.MembershipsOfUser(ctx, u.ID)
		if len(ms) != 1 || ms[0].AccountID != ds.AccountID || ms[0].Role != desk.RoleAgent {
			t.Errorf("benchmark agent memberships %+v", ms)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// The raw queries return what the store returns for the same request.
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for i, sc := range Scenarios(ds) {
		p := store.ConversationListParams{Limit: PageSize + 1}
		if i == 1 {
			p.Status, p.AssigneeID = desk.StatusOpen, ds.AgentID
		}
		var want []int64
		if err := st.ReadTx(ctx, ds.AccountID, func(tx *store.Tx) error {
			vs, err := tx.ConversationList(ctx, p)
			for _, v := range vs {
				want = append(want, v.ID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got, err := RawList(ctx, pool, sc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) || len(got) != sc.WantRaw() {
			t.Errorf("%s: raw %v, store %v (want %d rows)", sc.Name, got, want, sc.WantRaw())
		}
	}
}

func TestRunMeasuresAndReusesTheDatabase(t *testing.T) {
	t.Parallel()
	testkit.RequirePostgres(t)
	ctx := context.Background()
	name := "hdbench_" + strings.ToLower(testkit.Unique("t"))
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), testkit.AdminURL())
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			conn.Close(context.Background())
		}
	})
	opts := Options{ServerURL: testkit.AdminURL(), Database: name, Sizes: smallSizes, Clients: 2,
		Duration: 200 * time.Millisecond, Warmup: 20 * time.Millisecond, Round: 100 * time.Millisecond}
	for _, c := range []struct {
		reseed, reused bool
	}{{false, false}, {false, true}, {true, false}} {
		var out bytes.Buffer
		opts.Out, opts.Reseed = &out, c.reseed
		rep, err := Run(ctx, opts)
		if err != nil {
			t.Fatalf("run (reseed %v): %v\n%s", c.reseed, err, out.String())
		}
		if !c.reused {
			t.Logf("output:\n%s", out.String())
		}
		if rep.Dataset.Reused != c.reused {
			t.Errorf("reseed %v: reused %v, want %v", c.reseed, rep.Dataset.Reused, c.reused)
		}
		if len(rep.Scenarios) != 2 {
			t.Fatalf("%d scenarios", len(rep.Scenarios))
		}
		for _, s := range rep.Scenarios {
			for _, r := range []Result{s.Raw, s.API} {
				if r.Requests == 0 || r.Errors != 0 {
					t.Errorf("%s %s: %d requests, %d errors (%s)", s.Scenario.Name, r.Mode, r.Requests, r.Errors, r.FirstError)
				}
			}
		}
		for _, want := range []string{"API/raw throughput", "API p99", "RESULT scenario 1", "RESULT scenario 2", "p99"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	}
}
