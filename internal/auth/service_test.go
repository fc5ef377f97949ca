package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

type serviceSetup struct {
	svc   *auth.Service
	clock *fakeClock
	st    *store.Store
}

func newService(t *testing.T, d testkit.Dialect) serviceSetup {
	t.Helper()
	st := testkit.NewStore(t, d)
	signer, c := newSigner(t)
	return serviceSetup{svc: auth.NewService(st, signer, ratelimit.NewMemory(c.Now), time.Hour), clock: c, st: st}
}

func (s serviceSetup) user(t *testing.T, email, password string) desk.User {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	var u desk.User
	err = s.st.SystemTx(context.Background(), func(tx *store.Tx) (err error) {
		u, err = tx.UserCreate(context.Background(), store.UserCreateParams{Name: "U", Email: email, PasswordHash: hash})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func isRateLimited(err error) (*auth.RateLimitError, bool) {
	var rl *auth.RateLimitError
	return rl, errors.As(err, &rl)
}

func TestServiceLoginThrottleLiftsWhenTheWindowMoves(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		s := newService(t, d)
		ctx := context.Background()
		s.user(t, "pat@example.test", "right password")
		for i := range auth.LoginFailuresPerEmail {
			_, err := s.svc.Login(ctx, "pat@example.test", fmt.Sprintf("wrong %d", i), "192.0.2.1")
			if desk.ErrorKind(err) != desk.KindUnauthorized {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		// Case and spaces do not make a new email.
		_, err := s.svc.Login(ctx, " PAT@example.test", "right password", "192.0.2.2")
		rl, ok := isRateLimited(err)
		if !ok {
			t.Fatalf("after %d failures: %v, want a rate-limit error", auth.LoginFailuresPerEmail, err)
		}
		s.clock.Advance(rl.RetryAfter)
		sess, err := s.svc.Login(ctx, "pat@example.test", "right password", "192.0.2.2")
		if err != nil || sess.AccessToken == "" {
			t.Fatalf("after RetryAfter %v: %v", rl.RetryAfter, err)
		}
		// A success clears the email's failures.
		for i := range auth.LoginFailuresPerEmail - 1 {
			if _, err := s.svc.Login(ctx, "pat@example.test", "wrong", "192.0.2.3"); desk.ErrorKind(err) != desk.KindUnauthorized {
				t.Fatalf("failure %d after success: %v", i, err)
			}
		}
		if _, err := s.svc.Login(ctx, "pat@example.test", "right password", "192.0.2.3"); err != nil {
			t.Errorf("9 failures after a success locked the email: %v", err)
		}
	})
}

func TestServiceSuccessfulLoginsDoNotExhaustTheIP(t *testing.T) {
	t.Parallel()
	s := newService(t, testkit.SQLite)
	ctx := context.Background()
	s.user(t, "office@example.test", "right password")
	for i := range auth.LoginFailuresPerIP + 5 {
		if _, err := s.svc.Login(ctx, "office@example.test", "right password", "192.0.2.9"); err != nil {
			t.Fatalf("login %d from a busy office: %v", i, err)
		}
	}
	for i := range auth.LoginFailuresPerIP {
		if _, err := s.svc.Login(ctx, fmt.Sprintf("nobody%d@example.test", i), "x", "192.0.2.9"); desk.ErrorKind(err) != desk.KindUnauthorized {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := s.svc.Login(ctx, "office@example.test", "right password", "192.0.2.9"); err == nil {
		t.Fatal("the IP's failure limit did not hold")
	} else if _, ok := isRateLimited(err); !ok {
		t.Fatalf("want a rate-limit error, got %v", err)
	}
	if _, err := s.svc.Login(ctx, "office@example.test", "right password", "192.0.2.10"); err != nil {
		t.Errorf("another IP: %v", err)
	}
}

func TestServiceRefreshRotation(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		s := newService(t, d)
		ctx := context.Background()
		u := s.user(t, "rot@example.test", "right password")
		first, err := s.svc.Login(ctx, "rot@example.test", "right password", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.svc.Refresh(ctx, first.RefreshToken)
		if err != nil || second.User.ID != u.ID || second.RefreshToken == first.RefreshToken {
			t.Fatalf("refresh: %+v %v", second, err)
		}
		if _, err := s.svc.Refresh(ctx, first.RefreshToken); desk.ErrorKind(err) != desk.KindUnauthorized {
			t.Fatalf("reuse: %v", err)
		}
		if _, err := s.svc.Refresh(ctx, second.RefreshToken); desk.ErrorKind(err) != desk.KindUnauthorized {
			t.Errorf("the newest token survived reuse of its ancestor: %v", err)
		}
		third, err := s.svc.IssueFor(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.svc.Logout(ctx, third.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.Refresh(ctx, third.RefreshToken); desk.ErrorKind(err) != desk.KindUnauthorized {
			t.Errorf("refresh after logout: %v", err)
		}
		if err := s.svc.Logout(ctx, "unknown"); err != nil {
			t.Errorf("logout of an unknown token: %v", err)
		}
	})
}
