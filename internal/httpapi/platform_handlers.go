package httpapi

import (
	"context"
	"strings"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// The platform API provisions accounts and users for an operator who runs
// HummDesk for others. It is authenticated by the platform token and is the
// only API that crosses accounts.

func (s *Server) platformListAccountsHandler(ctx context.Context, _ *struct{}) (*out[page[desk.Account]], error) {
	var res []desk.Account
	err := s.store.SystemTx(ctx, func(tx *store.Tx) (err error) {
		res, err = tx.AccountList(ctx, 1000)
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(page[desk.Account]{Data: res}), nil
}

type platformCreateAccountInput struct {
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"200"`
	}
}

func (s *Server) platformCreateAccountHandler(ctx context.Context, in *platformCreateAccountInput) (*out[desk.Account], error) {
	if err := validName("name", in.Body.Name); err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var res desk.Account
	err := s.store.SystemTx(ctx, func(tx *store.Tx) (err error) {
		res, err = tx.AccountCreate(ctx, strings.TrimSpace(in.Body.Name))
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(res), nil
}

type platformAccountParam struct {
	AccountID int64 `path:"account_id"`
}

func (s *Server) platformGetAccountHandler(ctx context.Context, in *platformAccountParam) (*out[desk.Account], error) {
	var res desk.Account
	err := s.store.SystemTx(ctx, func(tx *store.Tx) (err error) {
		res, err = tx.AccountGet(ctx, in.AccountID)
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(res), nil
}

type platformCreateUserInput struct {
	Body struct {
		Name     string `json:"name" minLength:"1" maxLength:"200"`
		Email    string `json:"email" format:"email" maxLength:"320"`
		Password string `json:"password" minLength:"8" maxLength:"1024"`
	}
}

func (s *Server) platformCreateUserHandler(ctx context.Context, in *platformCreateUserInput) (*out[userBody], error) {
	if err := validName("name", in.Body.Name); err != nil {
		return nil, s.toProblem(ctx, err)
	}
	hash, err := auth.HashPassword(in.Body.Password)
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	var res desk.User
	err = s.store.SystemTx(ctx, func(tx *store.Tx) (err error) {
		res, err = tx.UserCreate(ctx, store.UserCreateParams{Name: strings.TrimSpace(in.Body.Name), Email: in.Body.Email, PasswordHash: hash})
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(userOf(res)), nil
}

type platformUserBody struct {
	userBody
	Accounts []accountRoleBody `json:"accounts"`
}

type platformUserParam struct {
	UserID int64 `path:"user_id"`
}

func (s *Server) platformGetUserHandler(ctx context.Context, in *platformUserParam) (*out[platformUserBody], error) {
	var u desk.User
	var ms []desk.Membership
	err := s.store.SystemTx(ctx, func(tx *store.Tx) (err error) {
		if u, err = tx.UserGet(ctx, in.UserID); err != nil {
			return err
		}
		ms, err = tx.MembershipsOfUser(ctx, in.UserID)
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(platformUserBody{userBody: userOf(u), Accounts: accountsOf(ms)}), nil
}

type platformAddAccountUserInput struct {
	AccountID int64 `path:"account_id"`
	Body      struct {
		UserID int64     `json:"user_id" minimum:"1"`
		Role   desk.Role `json:"role" enum:"administrator,agent"`
	}
}

func (s *Server) platformAddAccountUserHandler(ctx context.Context, in *platformAddAccountUserInput) (*out[agentBody], error) {
	var res desk.Membership
	err := s.store.SystemTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AccountGet(ctx, in.AccountID); err != nil {
			return err
		}
		if _, err := tx.UserGet(ctx, in.Body.UserID); err != nil {
			return err
		}
		var err error
		res, err = tx.MemberAdd(ctx, in.AccountID, store.MemberAddParams{UserID: in.Body.UserID, Role: in.Body.Role})
		return err
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return reply(agentOf(res)), nil
}

type platformAccountUserParam struct {
	AccountID int64 `path:"account_id"`
	UserID    int64 `path:"user_id"`
}

func (s *Server) platformRemoveAccountUserHandler(ctx context.Context, in *platformAccountUserParam) (*struct{}, error) {
	// Removal runs in the account's own transaction so it takes the same
	// path (unassign, leave teams, revoke sessions) as an administrator's.
	err := s.store.Tx(ctx, in.AccountID, func(tx *store.Tx) error {
		s.disconnectAfterCommit(tx, in.UserID)
		return tx.MemberRemove(ctx, in.UserID)
	})
	if err != nil {
		return nil, s.toProblem(ctx, err)
	}
	return nil, nil
}
