package realtime

import (
	"encoding/json"
	"fmt"
	"strconv"

	"hummdesk/internal/desk"
)

// wire is an event as clients receive it.
type wire struct {
	ID             int64           `json:"id"`
	Type           desk.EventType  `json:"type"`
	AccountID      int64           `json:"account_id"`
	ConversationID int64           `json:"conversation_id,omitempty"`
	Version        int64           `json:"version,omitempty"`
	Data           json.RawMessage `json:"data"`
	CreatedAt      string          `json:"created_at"`
}

// Targets lists the channels an event goes to, with the payload each gets.
// Agents get the full event on the account channel (and assignments on the
// assignee's personal channel); a conversation's channel, which the widget
// contact may join, gets only what a contact may see: public messages and
// status changes, never private notes, never agent-side details.
func Targets(e desk.Event) (map[string][]byte, error) {
	full, err := json.Marshal(wire{ID: e.ID, Type: e.Type, AccountID: e.AccountID, ConversationID: e.ConversationID,
		Version: e.Version, Data: e.Data, CreatedAt: e.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z")})
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{AccountChannel(e.AccountID): full}
	if e.AgentID > 0 {
		out[AgentChannel(e.AccountID, e.AgentID)] = full
	}
	if e.ConversationID > 0 && !e.Private {
		if pub, ok, err := publicProjection(e); err != nil {
			return nil, err
		} else if ok {
			out[ConversationChannel(e.AccountID, e.ConversationID)] = pub
		}
	}
	return out, nil
}

func publicProjection(e desk.Event) ([]byte, bool, error) {
	var data any
	switch e.Type {
	case desk.EventMessageCreated:
		var m desk.Message
		if err := json.Unmarshal(e.Data, &m); err != nil {
			return nil, false, err
		}
		if m.Private {
			return nil, false, nil
		}
		data = map[string]any{"id": m.ID, "conversation_id": m.ConversationID, "content": m.Content,
			"sender_type": m.SenderType, "private": false, "created_at": m.CreatedAt}
	case desk.EventConversationStatusChanged:
		var c struct {
			ID     int64       `json:"id"`
			Status desk.Status `json:"status"`
		}
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return nil, false, err
		}
		data = c
	default:
		return nil, false, nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, false, err
	}
	b, err := json.Marshal(wire{ID: e.ID, Type: e.Type, AccountID: e.AccountID, ConversationID: e.ConversationID,
		Version: e.Version, Data: raw, CreatedAt: e.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z")})
	return b, err == nil, err
}

// PublishEvent publishes an outbox event to its channels. Publishing the
// same event twice (the post-commit publish and the relay) delivers it once:
// each publication carries an idempotency key derived from the event id. It
// stops at the first channel that fails (the broker is down, and each try
// would wait for its timeout); the relay publishes the event again.
func (n *Node) PublishEvent(e desk.Event) error {
	targets, err := Targets(e)
	if err != nil {
		return err
	}
	for ch, data := range targets {
		if err := n.Publish(ch, data, "ev"+strconv.FormatInt(e.ID, 10)); err != nil {
			return fmt.Errorf("publish event %d to %s: %w", e.ID, ch, err)
		}
	}
	return nil
}
