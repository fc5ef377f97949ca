package desk

import "time"

// AISettings are an account's AI choices. An empty Provider means the
// server's default. The API key is write-only: it is stored encrypted and
// only HasAPIKey is ever shown.
type AISettings struct {
	AccountID       int64     `json:"account_id"`
	Provider        string    `json:"provider"`
	Model           string    `json:"model"`
	BaseURL         string    `json:"base_url"`
	HasAPIKey       bool      `json:"has_api_key"`
	APIKeyEncrypted []byte    `json:"-"`
	Threshold       float64   `json:"threshold"`
	AutoAssign      bool      `json:"auto_assign"`
	Drafts          bool      `json:"drafts"`
	BusinessHours   string    `json:"business_hours"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// DefaultAIThreshold is the confidence above which a classification may
// assign a conversation by itself.
const DefaultAIThreshold = 0.85

// DefaultAISettings are the settings of an account that never changed them.
func DefaultAISettings(accountID int64) AISettings {
	return AISettings{AccountID: accountID, Threshold: DefaultAIThreshold, AutoAssign: true, Drafts: true}
}

// Correction is an agent's correction of one field of a classification.
type Correction struct {
	ID               int64     `json:"id"`
	ClassificationID int64     `json:"classification_id"`
	Field            string    `json:"field"`
	OldValue         *string   `json:"old_value"`
	NewValue         string    `json:"new_value"`
	UserID           int64     `json:"user_id"`
	CreatedAt        time.Time `json:"created_at"`
}

// CorrectableFields are the classification fields agents may correct.
var CorrectableFields = []string{"category", "priority", "sentiment", "language", "team"}

// RoutingAgent is what routing knows of an agent of the account.
type RoutingAgent struct {
	UserID        int64        `json:"id"`
	Name          string       `json:"name"`
	Availability  Availability `json:"availability"`
	MaxConcurrent int          `json:"max_concurrent"`
	// Load is the number of open or pending conversations assigned to them.
	Load int `json:"load"`
	// Online: connected now (fresh presence), whatever their availability.
	Online  bool    `json:"online"`
	TeamIDs []int64 `json:"team_ids"`
}

// Available reports whether the agent can take one more conversation now:
// connected, availability online, and under capacity.
func (a RoutingAgent) Available() bool {
	return a.Online && a.Availability == AvailabilityOnline && a.Load < a.MaxConcurrent
}

// InTeam reports whether the agent is a member of team.
func (a RoutingAgent) InTeam(team int64) bool {
	for _, t := range a.TeamIDs {
		if t == team {
			return true
		}
	}
	return false
}

// Routing is the account's teams and agents as routing sees them.
type Routing struct {
	Teams  []Team         `json:"teams"`
	Agents []RoutingAgent `json:"agents"`
}

// Draft is an AI reply draft for an agent.
type Draft struct {
	ID               int64     `json:"id"`
	ConversationID   int64     `json:"conversation_id"`
	MessageID        int64     `json:"message_id"`
	ClassificationID *int64    `json:"classification_id"`
	Provider         string    `json:"provider"`
	Model            string    `json:"model"`
	PromptVersion    string    `json:"prompt_version"`
	Language         string    `json:"language"`
	Content          string    `json:"content"`
	Articles         []int64   `json:"articles"`
	Status           string    `json:"status"`
	EditDistance     *int      `json:"edit_distance"`
	SentMessageID    *int64    `json:"sent_message_id"`
	DecidedBy        *int64    `json:"decided_by"`
	LatencyMS        float64   `json:"latency_ms"`
	InputTokens      int       `json:"input_tokens"`
	OutputTokens     int       `json:"output_tokens"`
	CostUSD          float64   `json:"cost_usd"`
	Notes            string    `json:"notes"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Draft statuses.
const (
	DraftPending  = "pending"
	DraftAccepted = "accepted"
	DraftEdited   = "edited"
	DraftRejected = "rejected"
)
