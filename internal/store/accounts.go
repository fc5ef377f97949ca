package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hummdesk/internal/desk"
)

// AccountCreate inserts an account (SystemTx only).
func (t *Tx) AccountCreate(ctx context.Context, name string) (desk.Account, error) {
	if err := t.mustSystem(); err != nil {
		return desk.Account{}, err
	}
	a := desk.Account{Name: name, CreatedAt: t.now}
	err := t.queryRow(ctx, "INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id",
		name, t.d.ts(t.now)).Scan(&a.ID)
	return a, mapErr(err)
}

// AccountGet returns the transaction's account, or any account by id in a
// SystemTx.
func (t *Tx) AccountGet(ctx context.Context, id int64) (desk.Account, error) {
	if t.accountID > 0 && id != t.accountID {
		return desk.Account{}, desk.NotFound("account")
	}
	var a desk.Account
	err := t.queryRow(ctx, "SELECT id, name, created_at FROM accounts WHERE id = $1", id).
		Scan(&a.ID, &a.Name, timeCol{&a.CreatedAt})
	return a, scanErr(err, "account")
}

// AccountList lists all accounts (SystemTx only), newest first.
func (t *Tx) AccountList(ctx context.Context, limit int) ([]desk.Account, error) {
	if err := t.mustSystem(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, "SELECT id, name, created_at FROM accounts ORDER BY id DESC LIMIT $1", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Account{}
	for rows.Next() {
		var a desk.Account
		if err := rows.Scan(&a.ID, &a.Name, timeCol{&a.CreatedAt}); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccountRename changes the transaction's account name.
func (t *Tx) AccountRename(ctx context.Context, id int64, name string) (desk.Account, error) {
	if t.accountID > 0 && id != t.accountID {
		return desk.Account{}, desk.NotFound("account")
	}
	res, err := t.exec(ctx, "UPDATE accounts SET name = $2 WHERE id = $1", id, name)
	if err := affectedOne(res, err, "account"); err != nil {
		return desk.Account{}, err
	}
	return t.AccountGet(ctx, id)
}

// UserCreateParams describes a new user.
type UserCreateParams struct {
	Name         string
	Email        string
	PasswordHash string
}

// NormalizeEmail is the canonical form emails are stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// UserCreate inserts a user. A taken email is a conflict.
func (t *Tx) UserCreate(ctx context.Context, p UserCreateParams) (desk.User, error) {
	u := desk.User{Name: p.Name, Email: NormalizeEmail(p.Email), PasswordHash: p.PasswordHash,
		CreatedAt: t.now, TokensValidAfter: t.now.Add(-time.Second)}
	err := t.queryRow(ctx, `INSERT INTO users (name, email, password_hash, tokens_valid_after, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		u.Name, u.Email, u.PasswordHash, t.d.ts(u.TokensValidAfter), t.d.ts(t.now)).Scan(&u.ID)
	if err != nil {
		err = mapErr(err)
		if desk.ErrorKind(err) == desk.KindConflict {
			return desk.User{}, &desk.Error{Kind: desk.KindConflict, Field: "email", Message: "a user with this email already exists"}
		}
		return desk.User{}, err
	}
	return u, nil
}

const userCols = "id, name, email, password_hash, tokens_valid_after, created_at"

func scanUser(row interface{ Scan(...any) error }) (desk.User, error) {
	var u desk.User
	err := row.Scan(&u.ID, &u.Name, &u.Email, &u.PasswordHash, timeCol{&u.TokensValidAfter}, timeCol{&u.CreatedAt})
	return u, err
}

// UserGetByEmail finds a user by email.
func (t *Tx) UserGetByEmail(ctx context.Context, email string) (desk.User, error) {
	u, err := scanUser(t.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE email = $1", NormalizeEmail(email)))
	return u, scanErr(err, "user")
}

// UserGet finds a user by id. Users are not tenant data; callers scope them
// through memberships.
func (t *Tx) UserGet(ctx context.Context, id int64) (desk.User, error) {
	u, err := scanUser(t.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
	return u, scanErr(err, "user")
}

// UserSetPassword replaces a user's password and invalidates every token
// issued before now.
func (t *Tx) UserSetPassword(ctx context.Context, id int64, hash string) error {
	res, err := t.exec(ctx, "UPDATE users SET password_hash = $2, tokens_valid_after = $3 WHERE id = $1",
		id, hash, t.d.ts(t.now))
	if err := affectedOne(res, err, "user"); err != nil {
		return err
	}
	return t.RefreshRevokeUser(ctx, id)
}

// UserUpdateName changes a user's display name.
func (t *Tx) UserUpdateName(ctx context.Context, id int64, name string) error {
	res, err := t.exec(ctx, "UPDATE users SET name = $2 WHERE id = $1", id, name)
	return affectedOne(res, err, "user")
}

const membershipSelect = `SELECT au.account_id, a.name, au.user_id, u.name, u.email, au.role, au.availability,
	au.max_concurrent, au.created_at
	FROM account_users au JOIN users u ON u.id = au.user_id JOIN accounts a ON a.id = au.account_id`

func scanMembership(row interface{ Scan(...any) error }) (desk.Membership, error) {
	var m desk.Membership
	err := row.Scan(&m.AccountID, &m.AccountName, &m.UserID, &m.Name, &m.Email, &m.Role, &m.Availability,
		&m.MaxConcurrent, timeCol{&m.CreatedAt})
	return m, err
}

// MembershipsOfUser lists every account the user belongs to (SystemTx).
func (t *Tx) MembershipsOfUser(ctx context.Context, userID int64) ([]desk.Membership, error) {
	if err := t.mustSystem(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, membershipSelect+" WHERE au.user_id = $1 ORDER BY au.account_id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Membership{}
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MemberAddParams adds a user to the transaction's account.
type MemberAddParams struct {
	UserID        int64
	Role          desk.Role
	MaxConcurrent int
}

// MemberAdd makes a user an agent of the account. Adding an existing member
// is a conflict. In a SystemTx, accountID must be given.
func (t *Tx) MemberAdd(ctx context.Context, accountID int64, p MemberAddParams) (desk.Membership, error) {
	if t.accountID > 0 {
		accountID = t.accountID
	}
	if accountID <= 0 {
		return desk.Membership{}, desk.NotFound("account")
	}
	if p.MaxConcurrent <= 0 {
		p.MaxConcurrent = 10
	}
	_, err := t.exec(ctx, `INSERT INTO account_users (account_id, user_id, role, availability, max_concurrent, created_at)
		VALUES ($1, $2, $3, 'offline', $4, $5)`, accountID, p.UserID, string(p.Role), p.MaxConcurrent, t.d.ts(t.now))
	if err != nil {
		if desk.ErrorKind(err) == desk.KindConflict {
			return desk.Membership{}, &desk.Error{Kind: desk.KindConflict, Field: "email", Message: "this user is already an agent of the account"}
		}
		return desk.Membership{}, err
	}
	return t.memberGet(ctx, accountID, p.UserID)
}

func (t *Tx) memberGet(ctx context.Context, accountID, userID int64) (desk.Membership, error) {
	m, err := scanMembership(t.queryRow(ctx, membershipSelect+" WHERE au.account_id = $1 AND au.user_id = $2", accountID, userID))
	return m, scanErr(err, "agent")
}

// MemberGet returns one agent of the account.
func (t *Tx) MemberGet(ctx context.Context, userID int64) (desk.Membership, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Membership{}, err
	}
	return t.memberGet(ctx, t.accountID, userID)
}

// MemberList lists the account's agents by name.
func (t *Tx) MemberList(ctx context.Context) ([]desk.Membership, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, membershipSelect+" WHERE au.account_id = $1 ORDER BY u.name, u.id", t.accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Membership{}
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MemberUpdateParams changes an agent; nil fields stay.
type MemberUpdateParams struct {
	Role          *desk.Role
	Availability  *desk.Availability
	MaxConcurrent *int
}

// MemberUpdate changes an agent's role, availability or capacity.
func (t *Tx) MemberUpdate(ctx context.Context, userID int64, p MemberUpdateParams) (desk.Membership, error) {
	m, err := t.MemberGet(ctx, userID)
	if err != nil {
		return m, err
	}
	if p.Role != nil {
		m.Role = *p.Role
	}
	if p.Availability != nil {
		m.Availability = *p.Availability
	}
	if p.MaxConcurrent != nil {
		m.MaxConcurrent = *p.MaxConcurrent
	}
	_, err = t.exec(ctx, `UPDATE account_users SET role = $3, availability = $4, max_concurrent = $5
		WHERE account_id = $1 AND user_id = $2`, t.accountID, userID, string(m.Role), string(m.Availability), m.MaxConcurrent)
	if err != nil {
		return m, err
	}
	return m, nil
}

// MemberCountAdmins counts the account's administrators. On PostgreSQL it
// locks their rows until the transaction ends, so two concurrent demotions
// or removals cannot both count the other administrator and leave none.
func (t *Tx) MemberCountAdmins(ctx context.Context) (int, error) {
	if err := t.mustAccount(); err != nil {
		return 0, err
	}
	rows, err := t.query(ctx, "SELECT user_id FROM account_users WHERE account_id = $1 AND role = 'administrator'"+t.d.forUpdate(),
		t.accountID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, mapErr(rows.Err())
}

// MemberRemove removes an agent from the account: their conversations are
// unassigned, their team memberships go, and their refresh tokens are
// revoked so no session outlives the membership.
func (t *Tx) MemberRemove(ctx context.Context, userID int64) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	if _, err := t.MemberGet(ctx, userID); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `UPDATE conversations SET assignee_id = NULL, updated_at = $3, version = version + 1
		WHERE account_id = $1 AND assignee_id = $2`, t.accountID, userID, t.d.ts(t.now)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM team_members WHERE account_id = $1 AND user_id = $2", t.accountID, userID); err != nil {
		return err
	}
	res, err := t.exec(ctx, "DELETE FROM account_users WHERE account_id = $1 AND user_id = $2", t.accountID, userID)
	if err := affectedOne(res, err, "agent"); err != nil {
		return err
	}
	return t.RefreshRevokeUser(ctx, userID)
}

// SecretGetOrCreate returns the named server secret, storing generate()'s
// value the first time. All nodes of a cluster read the same secret.
func (s *Store) SecretGetOrCreate(ctx context.Context, name string, generate func() string) (string, error) {
	ins := s.dialect.rebind("INSERT INTO system_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
	if _, err := s.db.ExecContext(ctx, ins, name, generate()); err != nil {
		return "", fmt.Errorf("store secret %s: %w", name, err)
	}
	var v string
	err := s.db.QueryRowContext(ctx, s.dialect.rebind("SELECT value FROM system_secrets WHERE name = $1"), name).Scan(&v)
	return v, err
}

// affectedOne turns a statement that changed no row into desk.NotFound(what).
func affectedOne(n int64, err error, what string) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return desk.NotFound(what)
	}
	return nil
}
