package httpapi

import (
	"context"
	"strings"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

type agentBody struct {
	ID            int64             `json:"id" doc:"The agent's user id"`
	Name          string            `json:"name"`
	Email         string            `json:"email"`
	Role          desk.Role         `json:"role" enum:"administrator,agent"`
	Availability  desk.Availability `json:"availability" enum:"online,busy,offline"`
	MaxConcurrent int               `json:"max_concurrent"`
	Online        *bool             `json:"online,omitempty" doc:"Connected to the account's real-time channel now, on any node (given by the agent routes)"`
	// OpenConversations is the agent's load (given by the agent list).
	OpenConversations *int   `json:"open_conversations,omitempty" doc:"Open or pending conversations assigned to the agent (given by the agent list)"`
	CreatedAt         string `json:"created_at"`
}

func agentOf(m desk.Membership) agentBody {
	return agentBody{ID: m.UserID, Name: m.Name, Email: m.Email, Role: m.Role, Availability: m.Availability,
		MaxConcurrent: m.MaxConcurrent, CreatedAt: m.CreatedAt.Format("2006-01-02T15:04:05.000000Z07:00")}
}

func agentsOf(ms []desk.Membership) []agentBody {
	out := make([]agentBody, len(ms))
	for i, m := range ms {
		out[i] = agentOf(m)
	}
	return out
}

// withOnline marks each agent with whether their user id is in online (the
// agents connected now).
func withOnline(agents []agentBody, online []int64) []agentBody {
	set := make(map[int64]bool, len(online))
	for _, id := range online {
		set[id] = true
	}
	for i := range agents {
		on := set[agents[i].ID]
		agents[i].Online = &on
	}
	return agents
}

// agentOnline renders one agent with whether they are connected now.
func agentOnline(ctx context.Context, tx *store.Tx, m desk.Membership) (agentBody, error) {
	b := agentOf(m)
	online, err := tx.PresenceConnected(ctx, m.UserID, tx.Now().Add(-store.PresenceTTL))
	b.Online = &online
	return b, err
}

// AgentParam names an agent (by user id) of the account in the path.
type AgentParam struct {
	AccountParam
	AgentID int64 `path:"agent_id"`
}

func (s *Server) listAgentsHandler(ctx context.Context, _ *AccountParam) (*out[page[agentBody]], error) {
	var res []desk.Membership
	var online []int64
	var loads map[int64]int
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		if res, err = tx.MemberList(ctx); err != nil {
			return err
		}
		if loads, err = tx.AgentLoads(ctx); err != nil {
			return err
		}
		online, err = tx.AgentsConnected(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	agents := withOnline(agentsOf(res), online)
	for i := range agents {
		n := loads[agents[i].ID]
		agents[i].OpenConversations = &n
	}
	return reply(page[agentBody]{Data: agents}), nil
}

type addAgentInput struct {
	AccountParam
	Body struct {
		Email         string    `json:"email" format:"email" maxLength:"320"`
		Name          string    `json:"name,omitempty" maxLength:"200" doc:"Required when the email has no user yet"`
		Role          desk.Role `json:"role" enum:"administrator,agent"`
		Password      string    `json:"password,omitempty" minLength:"8" maxLength:"1024" doc:"Initial password when a new user is created; ignored for existing users"`
		MaxConcurrent int       `json:"max_concurrent,omitempty" minimum:"0" maximum:"1000"`
	}
}

// addAgentHandler adds a user to the account, creating the user when the
// email is new. An existing user's name and password are never changed.
func (s *Server) addAgentHandler(ctx context.Context, in *addAgentInput) (*out[agentBody], error) {
	b := in.Body
	var hash string
	var res desk.Membership
	err := s.tenant(ctx, true, func(tx *store.Tx, _ member) error {
		u, err := tx.UserGetByEmail(ctx, b.Email)
		if desk.IsNotFound(err) {
			if strings.TrimSpace(b.Name) == "" {
				return desk.Invalid("name", "name is required for a new user")
			}
			if b.Password == "" {
				return desk.Invalid("password", "password is required for a new user")
			}
			if hash == "" {
				if hash, err = auth.HashPassword(b.Password); err != nil {
					return err
				}
			}
			u, err = tx.UserCreate(ctx, store.UserCreateParams{Name: strings.TrimSpace(b.Name), Email: b.Email, PasswordHash: hash})
		}
		if err != nil {
			return err
		}
		res, err = tx.MemberAdd(ctx, 0, store.MemberAddParams{UserID: u.ID, Role: b.Role, MaxConcurrent: b.MaxConcurrent})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(agentOf(res)), nil
}

func (s *Server) getAgentHandler(ctx context.Context, in *AgentParam) (*out[agentBody], error) {
	var res agentBody
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) error {
		m, err := tx.MemberGet(ctx, in.AgentID)
		if err != nil {
			return err
		}
		res, err = agentOnline(ctx, tx, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type updateAgentInput struct {
	AgentParam
	Body struct {
		Role          *desk.Role         `json:"role,omitempty" enum:"administrator,agent"`
		Availability  *desk.Availability `json:"availability,omitempty" enum:"online,busy,offline"`
		MaxConcurrent *int               `json:"max_concurrent,omitempty" minimum:"0" maximum:"1000"`
	}
}

var errLastAdmin = &desk.Error{Kind: desk.KindConflict, Message: "the account must keep at least one administrator"}

func (s *Server) updateAgentHandler(ctx context.Context, in *updateAgentInput) (*out[agentBody], error) {
	var res agentBody
	err := s.tenant(ctx, true, func(tx *store.Tx, _ member) error {
		cur, err := tx.MemberGet(ctx, in.AgentID)
		if err != nil {
			return err
		}
		if in.Body.Role != nil && *in.Body.Role != desk.RoleAdministrator && cur.Role == desk.RoleAdministrator {
			n, err := tx.MemberCountAdmins(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return errLastAdmin
			}
		}
		m, err := tx.MemberUpdate(ctx, in.AgentID, store.MemberUpdateParams{Role: in.Body.Role,
			Availability: in.Body.Availability, MaxConcurrent: in.Body.MaxConcurrent})
		if err != nil {
			return err
		}
		res, err = agentOnline(ctx, tx, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

func (s *Server) removeAgentHandler(ctx context.Context, in *AgentParam) (*struct{}, error) {
	err := s.tenant(ctx, true, func(tx *store.Tx, _ member) error {
		cur, err := tx.MemberGet(ctx, in.AgentID)
		if err != nil {
			return err
		}
		if cur.Role == desk.RoleAdministrator {
			n, err := tx.MemberCountAdmins(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return errLastAdmin
			}
		}
		s.disconnectAfterCommit(tx, in.AgentID)
		return tx.MemberRemove(ctx, in.AgentID)
	})
	return nil, err
}

type availabilityInput struct {
	AccountParam
	Body struct {
		Availability desk.Availability `json:"availability" enum:"online,busy,offline"`
	}
}

func (s *Server) setAvailabilityHandler(ctx context.Context, in *availabilityInput) (*out[agentBody], error) {
	var res agentBody
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) error {
		a := in.Body.Availability
		u, err := tx.MemberUpdate(ctx, m.UserID, store.MemberUpdateParams{Availability: &a})
		if err != nil {
			return err
		}
		res, err = agentOnline(ctx, tx, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

func (s *Server) getAccountHandler(ctx context.Context, in *AccountParam) (*out[desk.Account], error) {
	var res desk.Account
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.AccountGet(ctx, in.AccountID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type updateAccountInput struct {
	AccountParam
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"200"`
	}
}

func (s *Server) updateAccountHandler(ctx context.Context, in *updateAccountInput) (*out[desk.Account], error) {
	var res desk.Account
	err := s.tenant(ctx, true, func(tx *store.Tx, _ member) (err error) {
		if err := validName("name", in.Body.Name); err != nil {
			return err
		}
		res, err = tx.AccountRename(ctx, in.AccountID, strings.TrimSpace(in.Body.Name))
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}
