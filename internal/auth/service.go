package auth

import (
	"context"
	"errors"
	"time"

	"hummdesk/internal/desk"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
)

// Login throttling: failed attempts per email and per client IP in a
// sliding window. Unknown emails count like known ones.
const (
	LoginFailuresPerEmail = 10
	LoginFailuresPerIP    = 50
	LoginWindow           = 15 * time.Minute
)

// Session is what a successful login or refresh returns.
type Session struct {
	AccessToken  string
	ExpiresAt    time.Time
	RefreshToken string
	User         desk.User
	Accounts     []desk.Membership
}

// Service logs agents in and rotates their refresh tokens.
type Service struct {
	store      *store.Store
	signer     *Signer
	limiter    ratelimit.Limiter
	refreshTTL time.Duration
}

// NewService returns the auth service.
func NewService(st *store.Store, signer *Signer, limiter ratelimit.Limiter, refreshTTL time.Duration) *Service {
	return &Service{store: st, signer: signer, limiter: limiter, refreshTTL: refreshTTL}
}

// Signer returns the token signer.
func (s *Service) Signer() *Signer { return s.signer }

var errBadCredentials = &desk.Error{Kind: desk.KindUnauthorized, Message: "invalid email or password"}

// Login checks credentials. Unknown email and wrong password fail alike,
// in the same time; too many failures per email or per IP are refused with
// a rate-limit error until the window moves on.
//
// Every attempt is counted before the password is checked, so a burst of
// concurrent guesses cannot all pass the throttle before the first failure
// is recorded; a successful attempt is then taken back (the email's count
// is reset, the IP's one attempt undone).
func (s *Service) Login(ctx context.Context, email, password, clientIP string) (Session, error) {
	email = store.NormalizeEmail(email)
	emailKey, ipKey := "login:email:"+email, "login:ip:"+clientIP
	r, err := s.limiter.Hit(ctx, emailKey, LoginFailuresPerEmail, LoginWindow)
	if err != nil {
		return Session{}, err
	}
	if !r.Allowed {
		return Session{}, &RateLimitError{RetryAfter: r.RetryAfter}
	}
	r, err = s.limiter.Hit(ctx, ipKey, LoginFailuresPerIP, LoginWindow)
	if err != nil {
		return Session{}, err
	}
	if !r.Allowed {
		// Refused before any check: this attempt must not count against the
		// email.
		_ = s.limiter.Undo(ctx, emailKey, LoginWindow)
		return Session{}, &RateLimitError{RetryAfter: r.RetryAfter}
	}
	var user desk.User
	err = s.store.SystemTx(ctx, func(tx *store.Tx) error {
		var err error
		user, err = tx.UserGetByEmail(ctx, email)
		return err
	})
	ok := false
	switch {
	case err == nil:
		ok, _ = CheckPassword(user.PasswordHash, password)
	case desk.IsNotFound(err):
		CheckDummy(password)
	default:
		_ = s.limiter.Undo(ctx, emailKey, LoginWindow)
		_ = s.limiter.Undo(ctx, ipKey, LoginWindow)
		return Session{}, err
	}
	if !ok {
		return Session{}, errBadCredentials
	}
	_ = s.limiter.Reset(ctx, emailKey, LoginWindow)
	_ = s.limiter.Undo(ctx, ipKey, LoginWindow)
	return s.newSession(ctx, user, RandomToken(12))
}

// IssueFor starts a session for a user who was just created (signup).
func (s *Service) IssueFor(ctx context.Context, user desk.User) (Session, error) {
	return s.newSession(ctx, user, RandomToken(12))
}

func (s *Service) newSession(ctx context.Context, user desk.User, family string) (Session, error) {
	access, exp, err := s.signer.IssueAccess(user.ID)
	if err != nil {
		return Session{}, err
	}
	refresh := RandomToken(32)
	sess := Session{AccessToken: access, ExpiresAt: exp, RefreshToken: refresh, User: user}
	err = s.store.SystemTx(ctx, func(tx *store.Tx) error {
		if err := tx.RefreshInsert(ctx, user.ID, family, HashRefreshToken(refresh), tx.Now().Add(s.refreshTTL)); err != nil {
			return err
		}
		sess.Accounts, err = tx.MembershipsOfUser(ctx, user.ID)
		return err
	})
	return sess, err
}

var errBadRefresh = &desk.Error{Kind: desk.KindUnauthorized, Message: "invalid or expired refresh token"}

// Refresh rotates a refresh token: the presented token is spent and a new
// pair is issued in the same family. Presenting a spent token again is
// taken as theft: the whole family is revoked.
func (s *Service) Refresh(ctx context.Context, token string) (Session, error) {
	var (
		user   desk.User
		family string
		reused bool
	)
	err := s.store.SystemTx(ctx, func(tx *store.Tx) error {
		rt, err := tx.RefreshGetForUpdate(ctx, HashRefreshToken(token))
		if err != nil {
			if desk.IsNotFound(err) {
				return errBadRefresh
			}
			return err
		}
		if rt.RevokedAt != nil || !tx.Now().Before(rt.ExpiresAt) {
			return errBadRefresh
		}
		if rt.UsedAt != nil {
			reused = true
			return tx.RefreshRevokeFamily(ctx, rt.FamilyID)
		}
		fresh, err := tx.RefreshMarkUsed(ctx, rt.ID)
		if err != nil {
			return err
		}
		if !fresh {
			reused = true
			return tx.RefreshRevokeFamily(ctx, rt.FamilyID)
		}
		family = rt.FamilyID
		user, err = tx.UserGet(ctx, rt.UserID)
		return err
	})
	if err != nil {
		return Session{}, err
	}
	if reused {
		return Session{}, errBadRefresh
	}
	return s.newSession(ctx, user, family)
}

// Logout revokes the refresh token's family. Unknown tokens are ignored.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.SystemTx(ctx, func(tx *store.Tx) error {
		rt, err := tx.RefreshGetForUpdate(ctx, HashRefreshToken(token))
		if errors.Is(err, desk.ErrNotFound) || desk.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.RefreshRevokeFamily(ctx, rt.FamilyID)
	})
}

// RateLimitError is returned when a throttle refuses a request.
type RateLimitError struct{ RetryAfter time.Duration }

// Error implements error.
func (e *RateLimitError) Error() string { return "too many attempts, try again later" }
