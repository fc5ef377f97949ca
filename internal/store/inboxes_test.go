package store_test

import (
	"context"
	"strings"
	"testing"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// TestInboxPrechatSettings checks the pre-chat form settings: an inbox
// created from the zero value keeps the form on (as the demo seed and older
// callers expect), every field round-trips through create, update, get, list
// and the widget's token lookup, and the table refuses an over-long intro.
func TestInboxPrechatSettings(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := testkit.NewStore(t, d)
		accountID := newAccount(t, st, "Prechat")
		var plain, off desk.Inbox
		err := st.Tx(ctx, accountID, func(tx *store.Tx) (err error) {
			if plain, err = tx.InboxCreate(ctx, desk.Inbox{Name: "Plain", ChannelType: desk.ChannelWebWidget, Token: testkit.Unique("tok-"), HMACSecret: "s"}); err != nil {
				return err
			}
			off, err = tx.InboxCreate(ctx, desk.Inbox{Name: "Off", ChannelType: desk.ChannelWebWidget, Token: testkit.Unique("tok-"), HMACSecret: "s",
				PrechatDisabled: true, PrechatRequireEmail: true, PrechatMessage: "Hi there"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !plain.PrechatEnabled() || plain.PrechatRequireEmail || plain.PrechatMessage != "" {
			t.Errorf("zero-value inbox: %+v", plain)
		}
		if off.PrechatEnabled() || !off.PrechatRequireEmail || off.PrechatMessage != "Hi there" {
			t.Errorf("inbox created with the form off: %+v", off)
		}

		on, email, msg := true, false, strings.Repeat("ß", desk.MaxPrechatMessage)
		err = st.Tx(ctx, accountID, func(tx *store.Tx) error {
			upd, err := tx.InboxUpdate(ctx, off.ID, store.InboxUpdateParams{PrechatEnabled: &on, PrechatRequireEmail: &email, PrechatMessage: &msg})
			if err != nil {
				return err
			}
			got, err := tx.InboxGet(ctx, off.ID)
			if err != nil {
				return err
			}
			list, err := tx.InboxList(ctx)
			if err != nil {
				return err
			}
			for _, in := range append([]desk.Inbox{upd, got}, list[1]) {
				if in.ID != off.ID || !in.PrechatEnabled() || in.PrechatRequireEmail || in.PrechatMessage != msg || in.Name != "Off" {
					t.Errorf("after update: %+v", in)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SystemTx(ctx, func(tx *store.Tx) error {
			in, err := tx.InboxGetByToken(ctx, off.Token)
			if err == nil && (!in.PrechatEnabled() || in.PrechatMessage != msg) {
				t.Errorf("by token: %+v", in)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}

		long := msg + "x"
		err = st.Tx(ctx, accountID, func(tx *store.Tx) error {
			_, err := tx.InboxUpdate(ctx, off.ID, store.InboxUpdateParams{PrechatMessage: &long})
			return err
		})
		if err == nil {
			t.Error("the table took a pre-chat message over the limit")
		}
	})
}
