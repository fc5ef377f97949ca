package seed_test

import (
	"context"
	"testing"

	"hummdesk/internal/desk"
	"hummdesk/internal/seed"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

func TestDemoIsCompleteAndIdempotent(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := testkit.NewStore(t, d)
		first, err := seed.Demo(ctx, st, seed.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !first.Created || first.AccountID == 0 {
			t.Fatalf("first run: %+v", first)
		}
		again, err := seed.Demo(ctx, st, seed.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Created || again.AccountID != first.AccountID {
			t.Fatalf("second run must find the same account and create nothing: %+v", again)
		}
		err = st.ReadTx(ctx, first.AccountID, func(tx *store.Tx) error {
			agents, err := tx.MemberList(ctx)
			if err != nil {
				return err
			}
			teams, err := tx.TeamList(ctx)
			if err != nil {
				return err
			}
			inboxes, err := tx.InboxList(ctx)
			if err != nil {
				return err
			}
			contacts, err := tx.ContactList(ctx, store.ContactListParams{Limit: 100})
			if err != nil {
				return err
			}
			convs, err := tx.ConversationList(ctx, store.ConversationListParams{Limit: 100})
			if err != nil {
				return err
			}
			if len(agents) != 4 || len(teams) != 2 || len(inboxes) != 1 || len(contacts) != 6 || len(convs) != 5 {
				t.Errorf("demo has %d agents, %d teams, %d inboxes, %d contacts, %d conversations; want 4, 2, 1, 6, 5",
					len(agents), len(teams), len(inboxes), len(contacts), len(convs))
			}
			articles, err := tx.KBArticleList(ctx, store.KBArticleListParams{Limit: 100})
			if err != nil {
				return err
			}
			published := 0
			for _, a := range articles {
				if a.Published {
					published++
				}
			}
			if len(articles) != 5 || published != 5 {
				t.Errorf("demo knowledge base: %d articles, %d published; want 5 published", len(articles), published)
			}
			if inboxes[0].Token != seed.DemoInboxToken || inboxes[0].ChannelType != desk.ChannelWebWidget {
				t.Errorf("demo inbox: %+v", inboxes[0])
			}
			// Newest activity first: the urgent Finnish login outage tops the list.
			if convs[0].Priority != desk.PriorityUrgent || convs[0].LastMessage == nil {
				t.Errorf("top conversation: %+v", convs[0])
			}
			for i := 1; i < len(convs); i++ {
				if convs[i].LastActivityAt.After(convs[i-1].LastActivityAt) {
					t.Errorf("conversations out of order at %d", i)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
