package desk

import (
	"encoding/json"
	"time"
)

// EventType names a real-time event. Values are part of the client
// protocol.
type EventType string

// Event types.
const (
	EventConversationCreated       EventType = "conversation.created"
	EventConversationUpdated       EventType = "conversation.updated"
	EventConversationAssigned      EventType = "conversation.assigned"
	EventConversationStatusChanged EventType = "conversation.status_changed"
	EventMessageCreated            EventType = "message.created"
	EventConversationClassified    EventType = "conversation.classified"
	EventAgentPresence             EventType = "agent.presence"
	// EventDraftCreated carries an AI reply draft to agents (never to the
	// widget).
	EventDraftCreated EventType = "draft.created"
)

// Event is a change worth pushing to browsers. It is written to the outbox
// in the transaction that made the change and published after commit.
type Event struct {
	// ID is the outbox id: increasing, so clients can ask for events since
	// the last one they saw.
	ID             int64     `json:"id"`
	Type           EventType `json:"type"`
	AccountID      int64     `json:"account_id"`
	ConversationID int64     `json:"conversation_id,omitempty"`
	// Version is the conversation's version after the change; clients drop
	// events older than what they hold.
	Version int64 `json:"version,omitempty"`
	// Private events (private notes) never reach widget channels.
	Private bool `json:"private,omitempty"`
	// AgentID, when set, also sends the event to that agent's personal
	// channel (assignments).
	AgentID   int64           `json:"agent_id,omitempty"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
}
