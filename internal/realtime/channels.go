package realtime

import (
	"fmt"
	"strconv"
	"strings"
)

// Channel kinds. Names are `kind:account[:id]`, all ids decimal.
const (
	KindAccount      = "account"      // account:{account}: account-wide events, agents of the account
	KindAgent        = "agent"        // agent:{account}:{user}: one agent's personal events
	KindConversation = "conversation" // conversation:{account}:{conversation}: messages and typing
)

// Channel is a parsed channel name.
type Channel struct {
	Kind      string
	AccountID int64
	// ID is the user id (agent channels) or conversation id.
	ID int64
}

// String is the channel's name.
func (c Channel) String() string {
	if c.Kind == KindAccount {
		return KindAccount + ":" + strconv.FormatInt(c.AccountID, 10)
	}
	return c.Kind + ":" + strconv.FormatInt(c.AccountID, 10) + ":" + strconv.FormatInt(c.ID, 10)
}

// AccountChannel names an account's channel.
func AccountChannel(accountID int64) string {
	return Channel{Kind: KindAccount, AccountID: accountID}.String()
}

// AgentChannel names an agent's personal channel in an account.
func AgentChannel(accountID, userID int64) string {
	return Channel{Kind: KindAgent, AccountID: accountID, ID: userID}.String()
}

// ConversationChannel names a conversation's channel.
func ConversationChannel(accountID, conversationID int64) string {
	return Channel{Kind: KindConversation, AccountID: accountID, ID: conversationID}.String()
}

// ParseChannel parses and validates a channel name; anything malformed is an
// error (and refused on subscribe).
func ParseChannel(name string) (Channel, error) {
	parts := strings.Split(name, ":")
	bad := fmt.Errorf("malformed channel %q", name)
	if len(parts) < 2 || len(name) > 100 {
		return Channel{}, bad
	}
	num := func(s string) (int64, bool) {
		if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n > 0
	}
	acc, ok := num(parts[1])
	if !ok {
		return Channel{}, bad
	}
	c := Channel{Kind: parts[0], AccountID: acc}
	switch c.Kind {
	case KindAccount:
		if len(parts) != 2 {
			return Channel{}, bad
		}
	case KindAgent, KindConversation:
		if len(parts) != 3 {
			return Channel{}, bad
		}
		if c.ID, ok = num(parts[2]); !ok {
			return Channel{}, bad
		}
	default:
		return Channel{}, bad
	}
	return c, nil
}
