package realtime_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/realtime"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// TestRelayPublishesEventsWhoseNodeDied commits a message the way a node
// does, but without the post-commit publish (as if the node died right
// after COMMIT): the relay of the running node must still deliver it.
func TestRelayPublishesEventsWhoseNodeDied(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, dialect testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, dialect)
		d := newDesk(t, a)
		c := connect(t, a, d.ten.Token)
		acc, err := subscribe(t, c, realtime.AccountChannel(d.ten.AccountID))
		if err != nil {
			t.Fatal(err)
		}
		dead := conversation.NewService(conversation.Options{}) // no publisher
		ctx := context.Background()
		err = a.Store().Tx(ctx, d.ten.AccountID, func(tx *store.Tx) error {
			_, err := dead.Post(ctx, tx, conversation.PostParams{ConversationID: d.convID, SenderType: desk.SenderAgent,
				SenderID: &d.ten.AdminID, Content: "committed, never published by its node"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		acc.waitFor(t, "relayed message", isMessage("committed, never published by its node"))
		// The relay marks what it published, so it is not sent again.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var pending []desk.Event
			err := a.Store().SystemTx(ctx, func(tx *store.Tx) (err error) {
				pending, err = tx.EventsPending(ctx, tx.Now(), 100)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d events still pending", len(pending))
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func TestTargetsKeepPrivateNotesOffConversationChannels(t *testing.T) {
	t.Parallel()
	note, _ := json.Marshal(desk.Message{ID: 7, ConversationID: 3, Content: "internal", Private: true, SenderType: desk.SenderAgent})
	reply, _ := json.Marshal(desk.Message{ID: 8, ConversationID: 3, Content: "hello", SenderType: desk.SenderAgent})
	view, _ := json.Marshal(map[string]any{"id": 3, "status": "resolved", "assignee": map[string]any{"email": "a@b.c"}})
	cases := []struct {
		name  string
		ev    desk.Event
		conv  bool
		agent bool
	}{
		{"private note", desk.Event{Type: desk.EventMessageCreated, AccountID: 1, ConversationID: 3, Private: true, Data: note}, false, false},
		{"private flag only in data", desk.Event{Type: desk.EventMessageCreated, AccountID: 1, ConversationID: 3, Data: note}, false, false},
		{"public reply", desk.Event{Type: desk.EventMessageCreated, AccountID: 1, ConversationID: 3, Data: reply}, true, false},
		{"status change", desk.Event{Type: desk.EventConversationStatusChanged, AccountID: 1, ConversationID: 3, Data: view}, true, false},
		{"assignment", desk.Event{Type: desk.EventConversationAssigned, AccountID: 1, ConversationID: 3, AgentID: 9, Data: view}, false, true},
	}
	for _, tc := range cases {
		targets, err := realtime.Targets(tc.ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := targets[realtime.AccountChannel(1)]; !ok {
			t.Errorf("%s: not on the account channel", tc.name)
		}
		pub, onConv := targets[realtime.ConversationChannel(1, 3)]
		if onConv != tc.conv {
			t.Errorf("%s: on conversation channel = %v, want %v", tc.name, onConv, tc.conv)
		}
		if onConv && (strings.Contains(string(pub), "internal") || strings.Contains(string(pub), "a@b.c")) {
			t.Errorf("%s: conversation channel payload leaks agent-side data: %s", tc.name, pub)
		}
		if _, ok := targets[realtime.AgentChannel(1, 9)]; ok != tc.agent {
			t.Errorf("%s: on agent channel = %v, want %v", tc.name, ok, tc.agent)
		}
	}
}

func TestParseChannel(t *testing.T) {
	t.Parallel()
	good := map[string]realtime.Channel{
		"account:1":          {Kind: realtime.KindAccount, AccountID: 1},
		"agent:2:3":          {Kind: realtime.KindAgent, AccountID: 2, ID: 3},
		"conversation:4:500": {Kind: realtime.KindConversation, AccountID: 4, ID: 500},
	}
	for name, want := range good {
		got, err := realtime.ParseChannel(name)
		if err != nil || got != want || got.String() != name {
			t.Errorf("ParseChannel(%q) = %+v, %v", name, got, err)
		}
	}
	for _, bad := range []string{"", "account", "account:", "account:0", "account:-1", "account:01", "account:1:2",
		"agent:1", "conversation:1:x", "room:1", "account:99999999999999999999", "account:1 ", "ACCOUNT:1"} {
		if _, err := realtime.ParseChannel(bad); err == nil {
			t.Errorf("ParseChannel(%q) accepted", bad)
		}
	}
}
