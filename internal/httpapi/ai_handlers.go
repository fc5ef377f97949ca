package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"hummdesk/internal/ai"
	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// classificationView is a classification with the agents' corrections.
type classificationView struct {
	desk.Classification
	Corrections []desk.Correction `json:"corrections"`
}

func (s *Server) getClassificationHandler(ctx context.Context, in *ConversationParam) (*out[classificationView], error) {
	var res classificationView
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		if _, err = tx.ConversationGet(ctx, in.ConversationID); err != nil {
			return err
		}
		if res.Classification, err = tx.ClassificationLatest(ctx, in.ConversationID); err != nil {
			return err
		}
		res.Corrections, err = tx.CorrectionList(ctx, res.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type correctClassificationInput struct {
	ConversationParam
	Body struct {
		Category  *string `json:"category,omitempty" enum:"billing,technical,sales,general"`
		Priority  *string `json:"priority,omitempty" enum:"urgent,high,normal,low"`
		Sentiment *string `json:"sentiment,omitempty" enum:"positive,neutral,negative,angry,frustrated"`
		Language  *string `json:"language,omitempty" pattern:"^[a-z]{2}$" doc:"ISO 639-1 code"`
		TeamID    *int64  `json:"team_id,omitempty" minimum:"1" doc:"The team that should have had it; the conversation moves there"`
	}
}

// correctClassificationHandler records an agent's corrections of the
// latest classification, field by field, and applies them to the
// conversation (priority, category label, team).
func (s *Server) correctClassificationHandler(ctx context.Context, in *correctClassificationInput) (*out[classificationView], error) {
	b := in.Body
	if b.Category == nil && b.Priority == nil && b.Sentiment == nil && b.Language == nil && b.TeamID == nil {
		return nil, s.toProblem(ctx, desk.Invalid("category", "give at least one of category, priority, sentiment, language, team_id"))
	}
	var res classificationView
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) (err error) {
		c, err := tx.ClassificationLatest(ctx, in.ConversationID)
		if err != nil {
			return err
		}
		view, err := tx.ConversationGet(ctx, in.ConversationID)
		if err != nil {
			return err
		}
		put := func(field string, old *string, v string) error {
			return tx.CorrectionPut(ctx, &desk.Correction{ClassificationID: c.ID, Field: field, OldValue: old, NewValue: v, UserID: m.UserID})
		}
		for _, f := range []struct {
			name string
			old  *string
			v    *string
		}{{"category", c.Category, b.Category}, {"priority", c.Priority, b.Priority}, {"sentiment", c.Sentiment, b.Sentiment}, {"language", c.Language, b.Language}} {
			if f.v != nil {
				if err := put(f.name, f.old, *f.v); err != nil {
					return err
				}
			}
		}
		if b.Priority != nil && string(view.Priority) != *b.Priority {
			p := desk.Priority(*b.Priority)
			if _, err := s.convs.Update(ctx, tx, in.ConversationID, store.ConversationUpdateParams{Priority: &p}); err != nil {
				return err
			}
		}
		if b.Category != nil {
			if _, err := s.convs.SetLabel(ctx, tx, in.ConversationID, *b.Category, ai.Categories...); err != nil {
				return err
			}
		}
		if b.TeamID != nil {
			if _, err := tx.TeamGet(ctx, *b.TeamID); err != nil {
				return &desk.Error{Kind: desk.KindNotFound, Field: "team_id", Message: "team not found"}
			}
			var old *string
			if c.SuggestedTeamID != nil {
				o := formatID(*c.SuggestedTeamID)
				old = &o
			}
			if err := put("team", old, formatID(*b.TeamID)); err != nil {
				return err
			}
			if view.TeamID == nil || *view.TeamID != *b.TeamID {
				if _, err := s.convs.Assign(ctx, tx, in.ConversationID, store.ConversationAssignParams{SetTeam: true, TeamID: b.TeamID,
					Source: desk.AssignedByAgent, ActorID: &m.UserID}); err != nil {
					return err
				}
			}
		}
		res.Classification = c
		res.Corrections, err = tx.CorrectionList(ctx, c.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type reclassifyOut struct {
	Status int
	Body   struct {
		ConversationID int64 `json:"conversation_id"`
		MessageID      int64 `json:"message_id"`
		Run            int64 `json:"run" doc:"The new classification's run; GET .../classification shows it once done"`
	}
}

func (s *Server) reclassifyHandler(ctx context.Context, in *ConversationParam) (*reclassifyOut, error) {
	res := &reclassifyOut{Status: http.StatusAccepted}
	err := s.tenant(ctx, true, func(tx *store.Tx, _ member) error {
		a, err := s.convs.Reclassify(ctx, tx, in.ConversationID)
		res.Body.ConversationID, res.Body.MessageID, res.Body.Run = a.ConversationID, a.MessageID, a.Run
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Server) getAISettingsHandler(ctx context.Context, in *AccountParam) (*out[desk.AISettings], error) {
	var res desk.AISettings
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		res, err = tx.AISettingsGet(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type updateAISettingsInput struct {
	AccountParam
	Body struct {
		Provider      *string  `json:"provider,omitempty" enum:"default,local,anthropic,openai" doc:"default: the server's provider"`
		Model         *string  `json:"model,omitempty" maxLength:"200"`
		BaseURL       *string  `json:"base_url,omitempty" maxLength:"500" doc:"OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, LM Studio)"`
		APIKey        *string  `json:"api_key,omitempty" maxLength:"500" doc:"Write-only; stored encrypted; empty string removes it"`
		Threshold     *float64 `json:"threshold,omitempty" minimum:"0" maximum:"1" doc:"Confidence above which conversations are assigned automatically"`
		AutoAssign    *bool    `json:"auto_assign,omitempty"`
		Drafts        *bool    `json:"drafts,omitempty"`
		BusinessHours *string  `json:"business_hours,omitempty" maxLength:"500" doc:"Free text shown to the classifier, e.g. Mon–Fri 8–17 Europe/Helsinki"`
	}
}

func (s *Server) updateAISettingsHandler(ctx context.Context, in *updateAISettingsInput) (*out[desk.AISettings], error) {
	b := in.Body
	if b.BaseURL != nil && *b.BaseURL != "" && !strings.HasPrefix(*b.BaseURL, "https://") && !strings.HasPrefix(*b.BaseURL, "http://") {
		return nil, s.toProblem(ctx, desk.Invalid("base_url", "base_url must be an http(s) URL"))
	}
	if b.APIKey != nil && *b.APIKey != "" && s.sealer == nil {
		return nil, s.toProblem(ctx, desk.Invalid("api_key", "this server cannot store API keys: it has no key-encryption secret"))
	}
	var res desk.AISettings
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) error {
		cur, err := tx.AISettingsGet(ctx)
		if err != nil {
			return err
		}
		if b.Provider != nil {
			cur.Provider = *b.Provider
			if cur.Provider == "default" {
				cur.Provider = ""
			}
		}
		for _, f := range []struct {
			dst *string
			v   *string
		}{{&cur.Model, b.Model}, {&cur.BaseURL, b.BaseURL}, {&cur.BusinessHours, b.BusinessHours}} {
			if f.v != nil {
				*f.dst = strings.TrimSpace(*f.v)
			}
		}
		if b.Threshold != nil {
			cur.Threshold = *b.Threshold
		}
		if b.AutoAssign != nil {
			cur.AutoAssign = *b.AutoAssign
		}
		if b.Drafts != nil {
			cur.Drafts = *b.Drafts
		}
		if b.APIKey != nil {
			cur.APIKeyEncrypted = nil
			if *b.APIKey != "" {
				cur.APIKeyEncrypted = s.sealer.Seal(m.AccountID, *b.APIKey)
			}
		}
		res, err = tx.AISettingsPut(ctx, cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type aiMetricsInput struct {
	AccountParam
	Days int `query:"days" minimum:"1" maximum:"365" doc:"Window in days, today included, from midnight UTC (default 30)"`
}

// fieldAccuracy is the share of classifications whose field no agent
// corrected.
type fieldAccuracy struct {
	Provider  string  `json:"provider"`
	Field     string  `json:"field"`
	Total     int     `json:"total"`
	Corrected int     `json:"corrected"`
	Accuracy  float64 `json:"accuracy"`
}

type aiMetrics struct {
	Since           time.Time       `json:"since"`
	Classified      int             `json:"classified"`
	AutoAssignRate  float64         `json:"auto_assign_rate" doc:"Share of classifications that assigned an agent"`
	TeamQueueRate   float64         `json:"team_queue_rate"`
	Accuracy        []fieldAccuracy `json:"accuracy" doc:"Per provider and field, from agents' corrections"`
	LatencyAvgMS    float64         `json:"latency_avg_ms"`
	LatencyMaxMS    float64         `json:"latency_max_ms"`
	CostUSD         float64         `json:"cost_usd"`
	InputTokens     int64           `json:"input_tokens"`
	OutputTokens    int64           `json:"output_tokens"`
	Drafts          map[string]int  `json:"drafts" doc:"Drafts by status"`
	DraftAcceptRate float64         `json:"draft_acceptance_rate" doc:"Accepted as-is or edited, of the decided drafts"`
	DraftAsIsRate   float64         `json:"draft_as_is_rate" doc:"Sent without edits, of the decided drafts"`
	DraftsUndecided int             `json:"drafts_pending"`
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *Server) aiMetricsHandler(ctx context.Context, in *aiMetricsInput) (*out[aiMetrics], error) {
	days := in.Days
	if days == 0 {
		days = 30
	}
	var st store.AIStats
	var since time.Time
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		// The last days days, today included, from midnight UTC.
		since = tx.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1-days)
		st, err = tx.AIStats(ctx, since)
		return err
	})
	if err != nil {
		return nil, err
	}
	m := aiMetrics{Since: since, Classified: st.Classified, AutoAssignRate: ratio(st.AutoAssigned, st.Classified),
		TeamQueueRate: ratio(st.TeamQueued, st.Classified), LatencyAvgMS: st.LatencyAvgMS, LatencyMaxMS: st.LatencyMaxMS,
		CostUSD: st.CostUSD, InputTokens: st.InputTokens, OutputTokens: st.OutputTokens, Drafts: st.DraftsByStatus,
		Accuracy: []fieldAccuracy{}}
	for _, f := range st.Fields {
		m.Accuracy = append(m.Accuracy, fieldAccuracy{Provider: f.Provider, Field: f.Field, Total: f.Total, Corrected: f.Corrected,
			Accuracy: 1 - ratio(f.Corrected, f.Total)})
	}
	slices.SortFunc(m.Accuracy, func(a, b fieldAccuracy) int {
		return strings.Compare(a.Provider+"/"+a.Field, b.Provider+"/"+b.Field)
	})
	acc, edit, rej := st.DraftsByStatus[desk.DraftAccepted], st.DraftsByStatus[desk.DraftEdited], st.DraftsByStatus[desk.DraftRejected]
	m.DraftAcceptRate = ratio(acc+edit, acc+edit+rej)
	m.DraftAsIsRate = ratio(acc, acc+edit+rej)
	m.DraftsUndecided = st.DraftsByStatus[desk.DraftPending]
	return reply(m), nil
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

// DraftParam names a draft of a conversation in the path.
type DraftParam struct {
	ConversationParam
	DraftID int64 `path:"draft_id"`
}

type draftList struct {
	Data []desk.Draft `json:"data"`
}

func (s *Server) listDraftsHandler(ctx context.Context, in *ConversationParam) (*out[draftList], error) {
	var res draftList
	err := s.tenant(ctx, false, func(tx *store.Tx, _ member) (err error) {
		if _, err = tx.ConversationGet(ctx, in.ConversationID); err != nil {
			return err
		}
		res.Data, err = tx.DraftList(ctx, in.ConversationID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

type acceptDraftInput struct {
	DraftParam
	Body *struct {
		Content *string `json:"content,omitempty" maxLength:"20000" doc:"The reply as sent, when the agent edited the draft"`
	}
}

type acceptedDraft struct {
	Draft   desk.Draft   `json:"draft"`
	Message desk.Message `json:"message"`
}

// acceptDraftHandler sends a draft as the agent's reply, as it is or as
// edited, and records which (with the edit distance).
func (s *Server) acceptDraftHandler(ctx context.Context, in *acceptDraftInput) (*out[acceptedDraft], error) {
	var res acceptedDraft
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) error {
		d, err := tx.DraftGet(ctx, in.ConversationID, in.DraftID)
		if err != nil {
			return err
		}
		content := d.Content
		if in.Body != nil && in.Body.Content != nil {
			content = *in.Body.Content
		}
		posted, err := s.convs.Post(ctx, tx, conversation.PostParams{ConversationID: in.ConversationID, SenderType: desk.SenderAgent,
			SenderID: &m.UserID, Content: content})
		if err != nil {
			return err
		}
		dist := ai.EditDistance(d.Content, content)
		d.Status, d.EditDistance, d.SentMessageID, d.DecidedBy = desk.DraftAccepted, &dist, &posted.Message.ID, &m.UserID
		if dist > 0 {
			d.Status = desk.DraftEdited
		}
		if err := tx.DraftDecide(ctx, &d); err != nil {
			return err
		}
		res.Draft, res.Message = d, posted.Message
		return nil
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}

func (s *Server) rejectDraftHandler(ctx context.Context, in *DraftParam) (*out[desk.Draft], error) {
	var res desk.Draft
	err := s.tenant(ctx, true, func(tx *store.Tx, m member) error {
		d, err := tx.DraftGet(ctx, in.ConversationID, in.DraftID)
		if err != nil {
			return err
		}
		d.Status, d.DecidedBy = desk.DraftRejected, &m.UserID
		if err := tx.DraftDecide(ctx, &d); err != nil {
			return err
		}
		res = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return reply(res), nil
}
