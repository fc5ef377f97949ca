package store_test

import (
	"context"
	"strings"
	"testing"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

// An email delivery is created once per message, is marked sent only once,
// records failed attempts without touching a sent email, and is invisible
// to another account.
func TestEmailDeliveries(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		ctx := context.Background()
		st := testkit.NewStore(t, d)
		a := seedRLSAccount(t, st, "A", 1)
		b := seedRLSAccount(t, st, "B", 1)
		var msg int64
		var dl store.EmailDelivery
		err := st.Tx(ctx, a.ID, func(tx *store.Tx) error {
			res, err := tx.MessageCreate(ctx, store.MessageCreateParams{ConversationID: a.ConversationID, SenderType: desk.SenderAgent,
				SenderID: &a.UserID, Content: "Reply"})
			if err != nil {
				return err
			}
			msg = res.Message.ID
			dl, err = tx.EmailDeliveryCreate(ctx, store.EmailDeliveryCreateParams{ConversationID: a.ConversationID, MessageID: msg,
				ToAddress: "carl@example.com", MessageIDHeader: "<x1@desk.example>"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if dl.ID == 0 || dl.AccountID != a.ID || dl.Status != store.EmailPending || dl.Attempts != 0 || dl.SentAt != nil ||
			dl.MessageIDHeader != "<x1@desk.example>" || dl.CreatedAt.IsZero() {
			t.Fatalf("created %+v", dl)
		}
		tx := func(account int64, fn func(tx *store.Tx) error) {
			t.Helper()
			if err := st.Tx(ctx, account, fn); err != nil {
				t.Fatal(err)
			}
		}
		tx(a.ID, func(tx *store.Tx) error {
			got, err := tx.EmailDeliveryGet(ctx, dl.ID)
			if err != nil || got != dl {
				t.Errorf("get: %+v %v, want %+v", got, err, dl)
			}
			byMsg, err := tx.EmailDeliveryGetByMessage(ctx, msg)
			if err != nil || byMsg != dl {
				t.Errorf("by message: %+v %v", byMsg, err)
			}
			return nil
		})
		// One email per message.
		err = st.Tx(ctx, a.ID, func(tx *store.Tx) error {
			_, err := tx.EmailDeliveryCreate(ctx, store.EmailDeliveryCreateParams{ConversationID: a.ConversationID, MessageID: msg,
				ToAddress: "carl@example.com", MessageIDHeader: "<x2@desk.example>"})
			return err
		})
		if desk.ErrorKind(err) != desk.KindConflict {
			t.Errorf("second delivery of a message: %v, want a conflict", err)
		}
		tx(a.ID, func(tx *store.Tx) error {
			return tx.EmailDeliveryAttempt(ctx, dl.ID, "DATA: 451 busy\x00 \xff"+strings.Repeat("x", 2000))
		})
		tx(a.ID, func(tx *store.Tx) error {
			got, err := tx.EmailDeliveryGet(ctx, dl.ID)
			if err != nil || got.Status != store.EmailPending || got.Attempts != 1 || !strings.HasPrefix(got.LastError, "DATA: 451 busy") ||
				len(got.LastError) > 1100 || strings.Contains(got.LastError, "\x00") {
				t.Errorf("after a failed attempt: %+v %v", got, err)
			}
			changed, err := tx.EmailDeliveryMarkSent(ctx, dl.ID)
			if err != nil || !changed {
				t.Errorf("mark sent: %v %v", changed, err)
			}
			changed, err = tx.EmailDeliveryMarkSent(ctx, dl.ID)
			if err != nil || changed {
				t.Errorf("mark sent again: %v %v, want no change", changed, err)
			}
			if err := tx.EmailDeliveryMarkFailed(ctx, dl.ID, "late failure", true); err != nil {
				return err
			}
			if err := tx.EmailDeliveryAttempt(ctx, dl.ID, "late attempt"); err != nil {
				return err
			}
			got, err = tx.EmailDeliveryGet(ctx, dl.ID)
			if err != nil || got.Status != store.EmailSent || got.Attempts != 2 || got.SentAt == nil || strings.Contains(got.LastError, "late") {
				t.Errorf("a sent email changed: %+v %v", got, err)
			}
			return nil
		})
		// Another account sees nothing.
		tx(b.ID, func(tx *store.Tx) error {
			if _, err := tx.EmailDeliveryGet(ctx, dl.ID); !desk.IsNotFound(err) {
				t.Errorf("account B reads A's delivery: %v", err)
			}
			if _, err := tx.EmailDeliveryGetByMessage(ctx, msg); !desk.IsNotFound(err) {
				t.Errorf("account B reads A's delivery by message: %v", err)
			}
			if changed, err := tx.EmailDeliveryMarkSent(ctx, dl.ID); err != nil || changed {
				t.Errorf("account B marks A's delivery: %v %v", changed, err)
			}
			return nil
		})
		// A failed email keeps its reason.
		tx(a.ID, func(tx *store.Tx) error {
			res, err := tx.MessageCreate(ctx, store.MessageCreateParams{ConversationID: a.ConversationID, SenderType: desk.SenderAgent,
				SenderID: &a.UserID, Content: "Another"})
			if err != nil {
				return err
			}
			d2, err := tx.EmailDeliveryCreate(ctx, store.EmailDeliveryCreateParams{ConversationID: a.ConversationID, MessageID: res.Message.ID,
				ToAddress: "carl@example.com", MessageIDHeader: "<x3@desk.example>"})
			if err != nil {
				return err
			}
			if err := tx.EmailDeliveryMarkFailed(ctx, d2.ID, "SMTP is not configured", false); err != nil {
				return err
			}
			got, err := tx.EmailDeliveryGet(ctx, d2.ID)
			if err != nil || got.Status != store.EmailFailed || got.Attempts != 0 || got.LastError != "SMTP is not configured" {
				t.Errorf("failed: %+v %v", got, err)
			}
			return nil
		})
	})
}
