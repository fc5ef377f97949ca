package store

import (
	"context"
	"time"

	"hummdesk/internal/desk"
)

// RefreshToken is a stored refresh token; the token itself is never stored,
// only its hash.
type RefreshToken struct {
	ID        int64
	UserID    int64
	FamilyID  string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

// RefreshInsert stores a refresh token hash in a family.
func (t *Tx) RefreshInsert(ctx context.Context, userID int64, familyID string, hash []byte, expires time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5)`, userID, familyID, hash, t.d.ts(expires), t.d.ts(t.now))
	return err
}

// RefreshGetForUpdate finds a refresh token by hash and locks it (SystemTx).
func (t *Tx) RefreshGetForUpdate(ctx context.Context, hash []byte) (RefreshToken, error) {
	if err := t.mustSystem(); err != nil {
		return RefreshToken{}, err
	}
	var r RefreshToken
	err := t.queryRow(ctx, `SELECT id, user_id, family_id, expires_at, used_at, revoked_at
		FROM refresh_tokens WHERE token_hash = $1`+t.d.forUpdate(), hash).
		Scan(&r.ID, &r.UserID, &r.FamilyID, timeCol{&r.ExpiresAt}, nullTimeCol{&r.UsedAt}, nullTimeCol{&r.RevokedAt})
	return r, scanErr(err, "refresh token")
}

// RefreshMarkUsed marks a token as rotated. It reports false when another
// request rotated it first.
func (t *Tx) RefreshMarkUsed(ctx context.Context, id int64) (bool, error) {
	n, err := t.exec(ctx, "UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL", id, t.d.ts(t.now))
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// RefreshRevokeFamily revokes every token of a family (reuse detection,
// logout).
func (t *Tx) RefreshRevokeFamily(ctx context.Context, familyID string) error {
	_, err := t.exec(ctx, "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
		familyID, t.d.ts(t.now))
	return err
}

// RefreshRevokeUser revokes all of a user's refresh tokens.
func (t *Tx) RefreshRevokeUser(ctx context.Context, userID int64) error {
	_, err := t.exec(ctx, "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
		userID, t.d.ts(t.now))
	return err
}

// AgentAuth is what an authenticated agent request needs to know about its
// user in one account.
type AgentAuth struct {
	Membership       desk.Membership
	TokensValidAfter time.Time
}

// AgentAuthGet loads the caller's membership in the transaction's account
// together with the user's token cut-off. A non-member gets not-found.
func (t *Tx) AgentAuthGet(ctx context.Context, userID int64) (AgentAuth, error) {
	if err := t.mustAccount(); err != nil {
		return AgentAuth{}, err
	}
	var a AgentAuth
	m := &a.Membership
	err := t.queryRow(ctx, `SELECT au.account_id, a.name, au.user_id, u.name, u.email, au.role, au.availability,
		au.max_concurrent, au.created_at, u.tokens_valid_after
		FROM account_users au JOIN users u ON u.id = au.user_id JOIN accounts a ON a.id = au.account_id
		WHERE au.account_id = $1 AND au.user_id = $2`, t.accountID, userID).
		Scan(&m.AccountID, &m.AccountName, &m.UserID, &m.Name, &m.Email, &m.Role, &m.Availability,
			&m.MaxConcurrent, timeCol{&m.CreatedAt}, timeCol{&a.TokensValidAfter})
	return a, scanErr(err, "account")
}
