package httpapi

import (
	"context"
	"strings"
	"time"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

type userBody struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

func userOf(u desk.User) userBody {
	return userBody{ID: u.ID, Name: u.Name, Email: u.Email, CreatedAt: u.CreatedAt}
}

type accountRoleBody struct {
	ID           int64             `json:"id"`
	Name         string            `json:"name"`
	Role         desk.Role         `json:"role" enum:"administrator,agent"`
	Availability desk.Availability `json:"availability" enum:"online,busy,offline"`
}

func accountsOf(ms []desk.Membership) []accountRoleBody {
	out := make([]accountRoleBody, len(ms))
	for i, m := range ms {
		out[i] = accountRoleBody{ID: m.AccountID, Name: m.AccountName, Role: m.Role, Availability: m.Availability}
	}
	return out
}

type sessionBody struct {
	AccessToken  string            `json:"access_token"`
	TokenType    string            `json:"token_type"`
	ExpiresAt    time.Time         `json:"expires_at"`
	RefreshToken string            `json:"refresh_token"`
	User         userBody          `json:"user"`
	Accounts     []accountRoleBody `json:"accounts"`
}

func sessionOf(s auth.Session) sessionBody {
	return sessionBody{AccessToken: s.AccessToken, TokenType: "Bearer", ExpiresAt: s.ExpiresAt, RefreshToken: s.RefreshToken,
		User: userOf(s.User), Accounts: accountsOf(s.Accounts)}
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"320" doc:"Email address"`
		Password string `json:"password" maxLength:"1024"`
	}
}

func (s *Server) loginHandler(ctx context.Context, in *loginInput) (*out[sessionBody], error) {
	sess, err := s.auth.Login(ctx, in.Body.Email, in.Body.Password, infoFrom(ctx).clientIP)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	infoFrom(ctx).userID.Store(sess.User.ID)
	return reply(sessionOf(sess)), nil
}

type refreshInput struct {
	Body struct {
		RefreshToken string `json:"refresh_token" minLength:"1" maxLength:"256"`
	}
}

func (s *Server) refreshHandler(ctx context.Context, in *refreshInput) (*out[sessionBody], error) {
	sess, err := s.auth.Refresh(ctx, in.Body.RefreshToken)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(sessionOf(sess)), nil
}

func (s *Server) logoutHandler(ctx context.Context, in *refreshInput) (*struct{}, error) {
	if err := s.auth.Logout(ctx, in.Body.RefreshToken); err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return nil, nil
}

type signupInput struct {
	Body struct {
		AccountName string `json:"account_name" minLength:"1" maxLength:"200"`
		Name        string `json:"name" minLength:"1" maxLength:"200"`
		Email       string `json:"email" format:"email" maxLength:"320"`
		Password    string `json:"password" minLength:"8" maxLength:"1024"`
	}
}

type signupBody struct {
	Account      desk.Account      `json:"account"`
	User         userBody          `json:"user"`
	AccessToken  string            `json:"access_token"`
	TokenType    string            `json:"token_type"`
	ExpiresAt    time.Time         `json:"expires_at"`
	RefreshToken string            `json:"refresh_token"`
	Accounts     []accountRoleBody `json:"accounts"`
}

func validName(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return desk.Invalid(field, "%s must not be blank", field)
	}
	return nil
}

func (s *Server) signupHandler(ctx context.Context, in *signupInput) (*out[signupBody], error) {
	if !s.cfg.Signup {
		return nil, s.toProblem(ctx, &desk.Error{Kind: desk.KindForbidden, Message: "self-service signup is disabled on this server"})
	}
	b := in.Body
	for _, f := range []struct{ name, v string }{{"account_name", b.AccountName}, {"name", b.Name}} {
		if err := validName(f.name, f.v); err != nil {
			return nil, s.toProblem(ctx, err)
		}
	}
	hash, err := auth.HashPassword(b.Password)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var acc desk.Account
	var user desk.User
	err = s.store.SystemTx(ctx, func(tx *store.Tx) error {
		var err error
		if user, err = tx.UserCreate(ctx, store.UserCreateParams{Name: strings.TrimSpace(b.Name), Email: b.Email, PasswordHash: hash}); err != nil {
			return err
		}
		if acc, err = tx.AccountCreate(ctx, strings.TrimSpace(b.AccountName)); err != nil {
			return err
		}
		_, err = tx.MemberAdd(ctx, acc.ID, store.MemberAddParams{UserID: user.ID, Role: desk.RoleAdministrator})
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	sess, err := s.auth.IssueFor(ctx, user)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(signupBody{Account: acc, User: userOf(user), AccessToken: sess.AccessToken, TokenType: "Bearer",
		ExpiresAt: sess.ExpiresAt, RefreshToken: sess.RefreshToken, Accounts: accountsOf(sess.Accounts)}), nil
}

type profileBody struct {
	User     userBody          `json:"user"`
	Accounts []accountRoleBody `json:"accounts"`
}

// currentUser loads the caller and their memberships, refusing tokens
// issued before a password change.
func (s *Server) currentUser(ctx context.Context) (desk.User, []desk.Membership, error) {
	p := principalFrom(ctx)
	var u desk.User
	var ms []desk.Membership
	err := s.store.SystemTx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.UserGet(ctx, p.userID); err != nil {
			if desk.IsNotFound(err) {
				return &desk.Error{Kind: desk.KindUnauthorized, Message: "user no longer exists"}
			}
			return err
		}
		if p.issuedAt.Before(u.TokensValidAfter) {
			return &desk.Error{Kind: desk.KindUnauthorized, Message: "token revoked; log in again"}
		}
		ms, err = tx.MembershipsOfUser(ctx, p.userID)
		return err
	})
	return u, ms, err
}

func (s *Server) getProfileHandler(ctx context.Context, _ *struct{}) (*out[profileBody], error) {
	u, ms, err := s.currentUser(ctx)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(profileBody{User: userOf(u), Accounts: accountsOf(ms)}), nil
}

type updateProfileInput struct {
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"200"`
	}
}

func (s *Server) updateProfileHandler(ctx context.Context, in *updateProfileInput) (*out[profileBody], error) {
	if err := validName("name", in.Body.Name); err != nil {
		return nil, s.toProblem(ctx, err)
	}
	if _, _, err := s.currentUser(ctx); err != nil {
		return nil, s.toProblem(ctx, err)
	}
	p := principalFrom(ctx)
	if err := s.store.SystemTx(ctx, func(tx *store.Tx) error {
		return tx.UserUpdateName(ctx, p.userID, strings.TrimSpace(in.Body.Name))
	}); err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return s.getProfileHandler(ctx, nil)
}

type changePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" maxLength:"1024"`
		NewPassword     string `json:"new_password" minLength:"8" maxLength:"1024"`
	}
}

func (s *Server) changePasswordHandler(ctx context.Context, in *changePasswordInput) (*struct{}, error) {
	u, _, err := s.currentUser(ctx)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	if ok, _ := auth.CheckPassword(u.PasswordHash, in.Body.CurrentPassword); !ok {
		return nil, s.toProblem(ctx, &desk.Error{Kind: desk.KindInvalid, Field: "current_password", Message: "current password is wrong"})
	}
	hash, err := auth.HashPassword(in.Body.NewPassword)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	err = s.store.SystemTx(ctx, func(tx *store.Tx) error {
		s.disconnectAfterCommit(tx, u.ID)
		return tx.UserSetPassword(ctx, u.ID, hash)
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return nil, nil
}
