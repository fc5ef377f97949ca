package httpapi

import (
	"context"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

type listEventsInput struct {
	AccountParam
	Since int64 `query:"since" minimum:"0" doc:"Return events with an id greater than this"`
	Limit int   `query:"limit" doc:"Page size, clamped to 1..100 (default 25)"`
}

type eventsPage struct {
	Data []desk.Event `json:"data"`
	// Since is the id to pass next time (the last event's id, or the
	// request's since when there was nothing new).
	Since int64 `json:"since"`
	// Pending says that committed events after Since wait behind an older
	// transaction still running (PostgreSQL keeps catch-up in commit
	// order); ask again in a moment.
	Pending bool `json:"pending" doc:"Committed events after since wait for an older transaction to finish; ask again shortly"`
}

// listEventsHandler lets a client that was away longer than real-time
// history lasts catch up over REST. Pushes are hints: after a gap the
// client should also refetch what it shows.
func (s *Server) listEventsHandler(ctx context.Context, in *listEventsInput) (*out[eventsPage], error) {
	limit := clampLimit(in.Limit)
	var res []desk.Event
	var pending bool
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		if res, err = tx.EventsSince(ctx, in.Since, limit); err != nil || len(res) == limit {
			return err
		}
		after := in.Since
		if len(res) > 0 {
			after = res[len(res)-1].ID
		}
		pending, err = tx.EventsHeldBack(ctx, after)
		return err
	})
	if err != nil {
		return nil, err
	}
	p := eventsPage{Data: res, Since: in.Since, Pending: pending}
	if len(res) > 0 {
		p.Since = res[len(res)-1].ID
	}
	return reply(p), nil
}
