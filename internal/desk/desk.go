package desk

import (
	"encoding/json"
	"time"
)

// Role is a user's role inside one account.
type Role string

// Roles.
const (
	RoleAdministrator Role = "administrator"
	RoleAgent         Role = "agent"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdministrator || r == RoleAgent }

// Availability is an agent's presence as the agent set it.
type Availability string

// Availabilities.
const (
	AvailabilityOnline  Availability = "online"
	AvailabilityBusy    Availability = "busy"
	AvailabilityOffline Availability = "offline"
)

// Valid reports whether a is a known availability.
func (a Availability) Valid() bool {
	return a == AvailabilityOnline || a == AvailabilityBusy || a == AvailabilityOffline
}

// ChannelType is the kind of an inbox.
type ChannelType string

// Channel types.
const (
	ChannelWebWidget ChannelType = "web_widget"
	ChannelAPI       ChannelType = "api"
	ChannelEmail     ChannelType = "email"
)

// Valid reports whether c is a known channel type.
func (c ChannelType) Valid() bool {
	return c == ChannelWebWidget || c == ChannelAPI || c == ChannelEmail
}

// Status is a conversation's workflow state.
type Status string

// Conversation statuses.
const (
	StatusOpen     Status = "open"
	StatusPending  Status = "pending"
	StatusSnoozed  Status = "snoozed"
	StatusResolved Status = "resolved"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusOpen || s == StatusPending || s == StatusSnoozed || s == StatusResolved
}

// Priority is a conversation's priority.
type Priority string

// Priorities, most urgent first.
const (
	PriorityUrgent Priority = "urgent"
	PriorityHigh   Priority = "high"
	PriorityNormal Priority = "normal"
	PriorityLow    Priority = "low"
	PriorityNone   Priority = "none"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	switch p {
	case PriorityUrgent, PriorityHigh, PriorityNormal, PriorityLow, PriorityNone:
		return true
	}
	return false
}

// SenderType says who wrote a message.
type SenderType string

// Sender types.
const (
	SenderContact SenderType = "contact"
	SenderAgent   SenderType = "agent"
	SenderSystem  SenderType = "system"
	SenderAI      SenderType = "ai"
)

// Valid reports whether t is a known sender type.
func (t SenderType) Valid() bool {
	return t == SenderContact || t == SenderAgent || t == SenderSystem || t == SenderAI
}

// Account is a tenant.
type Account struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a person who can log in; users belong to accounts through
// memberships.
type User struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// TokensValidAfter invalidates every token issued before it (password
	// change).
	TokensValidAfter time.Time `json:"-"`
}

// Membership is a user's place in one account: an agent.
type Membership struct {
	AccountID     int64        `json:"account_id"`
	AccountName   string       `json:"account_name,omitempty"`
	UserID        int64        `json:"user_id"`
	Name          string       `json:"name"`
	Email         string       `json:"email"`
	Role          Role         `json:"role"`
	Availability  Availability `json:"availability"`
	MaxConcurrent int          `json:"max_concurrent"`
	CreatedAt     time.Time    `json:"created_at"`
}

// Team groups agents of one account.
type Team struct {
	ID          int64     `json:"id"`
	AccountID   int64     `json:"account_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// Inbox is a channel through which customers write in.
type Inbox struct {
	ID          int64       `json:"id"`
	AccountID   int64       `json:"account_id"`
	Name        string      `json:"name"`
	ChannelType ChannelType `json:"channel_type"`
	// Token is the inbox's public token, used by the widget.
	Token string `json:"inbox_token"`
	// HMACSecret signs contact identifiers for identity verification.
	HMACSecret    string `json:"hmac_secret"`
	HMACMandatory bool   `json:"hmac_mandatory"`
	Greeting      string `json:"greeting"`
	// The widget's pre-chat form. PrechatDisabled is negative so that the
	// zero value is the default, as in the table: the form on (name and
	// email asked before the chat), the email optional.
	PrechatDisabled     bool `json:"prechat_disabled"`
	PrechatRequireEmail bool `json:"prechat_require_email"`
	// PrechatMessage is the line shown above the form (at most
	// MaxPrechatMessage characters).
	PrechatMessage string    `json:"prechat_message"`
	CreatedAt      time.Time `json:"created_at"`
}

// MaxPrechatMessage is the longest pre-chat intro line, in characters.
const MaxPrechatMessage = 500

// PrechatEnabled tells whether the widget asks for a name and an email
// before the chat.
func (in Inbox) PrechatEnabled() bool { return !in.PrechatDisabled }

// SessionNeedsEmail is the one rule for a widget session's email: it is
// required when the pre-chat form is on and asks for it, unless the site
// vouched for the visitor with a verified identifier (identifier_hash).
func (in Inbox) SessionNeedsEmail(verified bool) bool {
	return in.PrechatEnabled() && in.PrechatRequireEmail && !verified
}

// Contact is a customer of an account.
type Contact struct {
	ID               int64           `json:"id"`
	AccountID        int64           `json:"account_id"`
	Name             string          `json:"name"`
	Email            string          `json:"email"`
	Phone            string          `json:"phone"`
	Identifier       string          `json:"identifier"`
	CustomAttributes json.RawMessage `json:"custom_attributes"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

// Conversation is one thread between a contact and the desk.
type Conversation struct {
	ID             int64      `json:"id"`
	AccountID      int64      `json:"account_id"`
	DisplayID      int64      `json:"display_id"`
	InboxID        int64      `json:"inbox_id"`
	ContactID      int64      `json:"contact_id"`
	Status         Status     `json:"status"`
	Priority       Priority   `json:"priority"`
	AssigneeID     *int64     `json:"assignee_id"`
	TeamID         *int64     `json:"team_id"`
	SnoozedUntil   *time.Time `json:"snoozed_until"`
	LastActivityAt time.Time  `json:"last_activity_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	// Version grows by one with every change; clients use it to ignore
	// stale pushes.
	Version int64 `json:"version"`
	// Labels tag the conversation; the AI's category is one of them.
	Labels []string `json:"labels"`
}

// Message is one entry of a conversation.
type Message struct {
	ID             int64      `json:"id"`
	AccountID      int64      `json:"account_id"`
	ConversationID int64      `json:"conversation_id"`
	SenderType     SenderType `json:"sender_type"`
	SenderID       *int64     `json:"sender_id"`
	Content        string     `json:"content"`
	Private        bool       `json:"private"`
	IdempotencyKey string     `json:"idempotency_key,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// ContactRef is the part of a contact shown beside a conversation.
type ContactRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// AgentRef is the part of an agent shown beside a conversation.
type AgentRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// TeamRef is the part of a team shown beside a conversation.
type TeamRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ConversationView is a conversation with what a list row shows: its
// contact, assignee, team and last message.
type ConversationView struct {
	Conversation
	Contact     ContactRef `json:"contact"`
	Assignee    *AgentRef  `json:"assignee"`
	Team        *TeamRef   `json:"team"`
	LastMessage *Message   `json:"last_message"`
}

// Classification is the AI's reading of one customer message, and what was
// done with it. Labels are nil when the provider gave none.
type Classification struct {
	ID               int64    `json:"id"`
	AccountID        int64    `json:"account_id"`
	ConversationID   int64    `json:"conversation_id"`
	MessageID        int64    `json:"message_id"`
	Provider         string   `json:"provider"`
	Model            string   `json:"model"`
	PromptVersion    string   `json:"prompt_version"`
	Category         *string  `json:"category"`
	Priority         *string  `json:"priority"`
	Sentiment        *string  `json:"sentiment"`
	Language         *string  `json:"language"`
	Confidence       *float64 `json:"confidence"`
	Reasoning        string   `json:"reasoning"`
	SuggestedTeamID  *int64   `json:"suggested_team_id"`
	SuggestedAgentID *int64   `json:"suggested_agent_id"`
	LatencyMS        float64  `json:"latency_ms"`
	InputTokens      int      `json:"input_tokens"`
	OutputTokens     int      `json:"output_tokens"`
	CostUSD          float64  `json:"cost_usd"`
	RawOutput        string   `json:"raw_output"`
	Outcome          string   `json:"outcome"`
	// Notes say what happened on the way: a repair of the model's answer,
	// a fallback to another provider, why nothing was assigned.
	Notes string `json:"notes"`
	// Run is 0 for the classification of an arriving message and a new
	// number for each re-run an agent asked for.
	Run       int64     `json:"run"`
	CreatedAt time.Time `json:"created_at"`
}

// Classification outcomes.
const (
	OutcomeHumanQueue   = "human_queue"
	OutcomeAutoAssigned = "auto_assigned"
	// OutcomeTeamQueue: confident, but no agent of the team could take it;
	// it waits in the team's queue.
	OutcomeTeamQueue = "team_queue"
)

// AssignmentSource says who assigned a conversation.
type AssignmentSource string

// Assignment sources.
const (
	AssignedByAgent  AssignmentSource = "agent"
	AssignedByAI     AssignmentSource = "ai_auto_assign"
	AssignedBySystem AssignmentSource = "system"
)

// Assignment is one entry of a conversation's assignment history.
type Assignment struct {
	ID               int64            `json:"id"`
	ConversationID   int64            `json:"conversation_id"`
	AssigneeID       *int64           `json:"assignee_id"`
	TeamID           *int64           `json:"team_id"`
	Source           AssignmentSource `json:"source"`
	ClassificationID *int64           `json:"classification_id"`
	ActorID          *int64           `json:"actor_id"`
	CreatedAt        time.Time        `json:"created_at"`
}

// ValidLabel reports whether s may be a conversation label: 1–64 of
// a-z, 0-9, '_', '-' and ':'.
func ValidLabel(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}
