package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"hummdesk/internal/desk"
)

// AuthCheck is what MemberTx verifies before it runs anything else.
type AuthCheck struct {
	// UserID must be a member of the transaction's account.
	UserID int64
	// IssuedAtMicros is when the caller's token was issued; tokens issued
	// before the user's last password change are refused.
	IssuedAtMicros int64
	// NeedAdmin refuses members who are not administrators.
	NeedAdmin bool
}

// Authorization failures of MemberTx. A non-member is told the account does
// not exist, exactly like a caller of an account that really does not.
var (
	errNotMember = desk.NotFound("account")
	errRevoked   = &desk.Error{Kind: desk.KindUnauthorized, Message: "token revoked; log in again"}
	errNotAdmin  = &desk.Error{Kind: desk.KindForbidden, Message: "only administrators of the account may do this"}
)

// MemberTx runs fn in a transaction bound to accountID (as Tx or ReadTx),
// after checking in that same transaction that check.UserID may act there.
// On PostgreSQL the check runs in the statement that opens the transaction
// (hummdesk_authorize), so it costs no round trip of its own.
func (s *Store) MemberTx(ctx context.Context, accountID int64, check AuthCheck, write bool, fn func(*Tx) error) error {
	if accountID <= 0 || check.UserID <= 0 {
		return errNotMember
	}
	if s.dialect == Postgres {
		return s.runChecked(ctx, accountID, AppRole, !write, &check, fn)
	}
	return s.run(ctx, accountID, AppRole, !write, func(tx *Tx) error {
		a, err := tx.AgentAuthGet(ctx, check.UserID)
		if err != nil {
			if desk.IsNotFound(err) {
				return errNotMember
			}
			return err
		}
		if check.IssuedAtMicros < a.TokensValidAfter.UnixMicro() {
			return errRevoked
		}
		if check.NeedAdmin && a.Membership.Role != desk.RoleAdministrator {
			return errNotAdmin
		}
		return fn(tx)
	})
}

// authError maps hummdesk_authorize's SQLSTATEs to the errors above.
func authError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return nil
	}
	switch pgErr.Code {
	case "HD404":
		return errNotMember
	case "HD401":
		return errRevoked
	case "HD403":
		return errNotAdmin
	}
	return nil
}
