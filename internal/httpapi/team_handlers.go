package httpapi

import (
	"context"
	"strings"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// TeamParam names a team of the account in the path.
type TeamParam struct {
	AccountParam
	TeamID int64 `path:"team_id"`
}

func (s *Server) listTeamsHandler(ctx context.Context, _ *AccountParam) (*out[page[desk.Team]], error) {
	var res []desk.Team
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.TeamList(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(page[desk.Team]{Data: res}), nil
}

type createTeamInput struct {
	AccountParam
	Body struct {
		Name        string `json:"name" minLength:"1" maxLength:"100"`
		Description string `json:"description,omitempty" maxLength:"1000"`
	}
}

func (s *Server) createTeamHandler(ctx context.Context, in *createTeamInput) (*out[desk.Team], error) {
	var res desk.Team
	err := s.tenant(ctx, true, func(tx *store.Tx, _ member) (err error) {
		if err := validName("name", in.Body.Name); err != nil {
			return err
		}
		res, err = tx.TeamCreate(ctx, strings.TrimSpace(in.Body.Name), in.Body.Description)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

func (s *Server) getTeamHandler(ctx context.Context, in *TeamParam) (*out[desk.Team], error) {
	var res desk.Team
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.TeamGet(ctx, in.TeamID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type updateTeamInput struct {
	TeamParam
	Body struct {
		Name        *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Description *string `json:"description,omitempty" maxLength:"1000"`
	}
}

func (s *Server) updateTeamHandler(ctx context.Context, in *updateTeamInput) (*out[desk.Team], error) {
	var res desk.Team
	err := s.tenant(ctx, true, func(tx *store.Tx, _ member) (err error) {
		name := in.Body.Name
		if name != nil {
			if err := validName("name", *name); err != nil {
				return err
			}
			n := strings.TrimSpace(*name)
			name = &n
		}
		res, err = tx.TeamUpdate(ctx, in.TeamID, name, in.Body.Description)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

func (s *Server) deleteTeamHandler(ctx context.Context, in *TeamParam) (*struct{}, error) {
	return nil, s.tenant(ctx, true, func(tx *store.Tx, _ member) error { return tx.TeamDelete(ctx, in.TeamID) })
}

func (s *Server) listTeamMembersHandler(ctx context.Context, in *TeamParam) (*out[page[agentBody]], error) {
	var res []desk.Membership
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.TeamMembers(ctx, in.TeamID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(page[agentBody]{Data: agentsOf(res)}), nil
}

type addTeamMemberInput struct {
	TeamParam
	Body struct {
		AgentID int64 `json:"agent_id" minimum:"1" doc:"User id of an agent of the account"`
	}
}

func (s *Server) addTeamMemberHandler(ctx context.Context, in *addTeamMemberInput) (*struct{}, error) {
	return nil, s.tenant(ctx, true, func(tx *store.Tx, _ member) error {
		return tx.TeamMemberAdd(ctx, in.TeamID, in.Body.AgentID)
	})
}

// TeamMemberParam names an agent within a team of the account in the path.
type TeamMemberParam struct {
	TeamParam
	AgentID int64 `path:"agent_id"`
}

func (s *Server) removeTeamMemberHandler(ctx context.Context, in *TeamMemberParam) (*struct{}, error) {
	return nil, s.tenant(ctx, true, func(tx *store.Tx, _ member) error {
		return tx.TeamMemberRemove(ctx, in.TeamID, in.AgentID)
	})
}
