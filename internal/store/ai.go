package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"hummdesk/internal/desk"
)

// AISettingsGet returns the account's AI settings, or the defaults when it
// never set any.
func (t *Tx) AISettingsGet(ctx context.Context) (desk.AISettings, error) {
	if err := t.mustAccount(); err != nil {
		return desk.AISettings{}, err
	}
	s := desk.DefaultAISettings(t.accountID)
	err := t.queryRow(ctx, `SELECT provider, model, base_url, api_key_encrypted, threshold, auto_assign, drafts,
		business_hours, updated_at FROM account_ai_settings WHERE account_id = $1`, t.accountID).
		Scan(&s.Provider, &s.Model, &s.BaseURL, &s.APIKeyEncrypted, &s.Threshold, &s.AutoAssign, &s.Drafts,
			&s.BusinessHours, timeCol{&s.UpdatedAt})
	if isNoRows(err) {
		return s, nil
	}
	s.HasAPIKey = len(s.APIKeyEncrypted) > 0
	return s, mapErr(err)
}

// AISettingsPut stores the account's AI settings. APIKeyEncrypted is
// stored as given: the caller keeps the old one to leave it unchanged.
func (t *Tx) AISettingsPut(ctx context.Context, s desk.AISettings) (desk.AISettings, error) {
	if err := t.mustAccount(); err != nil {
		return desk.AISettings{}, err
	}
	var key any
	if len(s.APIKeyEncrypted) > 0 {
		key = s.APIKeyEncrypted
	}
	_, err := t.exec(ctx, `INSERT INTO account_ai_settings (account_id, provider, model, base_url, api_key_encrypted,
		threshold, auto_assign, drafts, business_hours, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (account_id) DO UPDATE SET provider = excluded.provider, model = excluded.model,
		base_url = excluded.base_url, api_key_encrypted = excluded.api_key_encrypted, threshold = excluded.threshold,
		auto_assign = excluded.auto_assign, drafts = excluded.drafts, business_hours = excluded.business_hours,
		updated_at = excluded.updated_at`, t.accountID, s.Provider, s.Model, s.BaseURL, key, s.Threshold,
		s.AutoAssign, s.Drafts, s.BusinessHours, t.d.ts(t.now))
	if err != nil {
		return desk.AISettings{}, mapErr(err)
	}
	return t.AISettingsGet(ctx)
}

// AgentLoads returns, by user id, how many open or pending conversations
// are assigned to each agent of the account that has any.
func (t *Tx) AgentLoads(ctx context.Context) (map[int64]int, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT assignee_id, count(*) FROM conversations
		WHERE account_id = $1 AND assignee_id IS NOT NULL AND status IN ('open', 'pending') GROUP BY assignee_id`, t.accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// Routing returns the account's teams and agents with their load, team
// memberships and presence: an agent is Online when some node saw their
// connection at or after onlineSince.
func (t *Tx) Routing(ctx context.Context, onlineSince time.Time) (desk.Routing, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Routing{}, err
	}
	var r desk.Routing
	var err error
	if r.Teams, err = t.TeamList(ctx); err != nil {
		return r, err
	}
	rows, err := t.query(ctx, `SELECT au.user_id, u.name, au.availability, au.max_concurrent,
		(SELECT count(*) FROM conversations c WHERE c.account_id = au.account_id AND c.assignee_id = au.user_id
			AND c.status IN ('open', 'pending')),
		EXISTS (SELECT 1 FROM agent_presence p WHERE p.account_id = au.account_id AND p.user_id = au.user_id
			AND p.last_seen_at >= $2)
		FROM account_users au JOIN users u ON u.id = au.user_id
		WHERE au.account_id = $1 ORDER BY au.user_id`, t.accountID, t.d.ts(onlineSince))
	if err != nil {
		return r, err
	}
	byID := map[int64]int{}
	for rows.Next() {
		var a desk.RoutingAgent
		var avail string
		if err := rows.Scan(&a.UserID, &a.Name, &avail, &a.MaxConcurrent, &a.Load, &a.Online); err != nil {
			rows.Close()
			return r, err
		}
		a.Availability = desk.Availability(avail)
		a.TeamIDs = []int64{}
		byID[a.UserID] = len(r.Agents)
		r.Agents = append(r.Agents, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	rows, err = t.query(ctx, `SELECT team_id, user_id FROM team_members WHERE account_id = $1 ORDER BY team_id, user_id`, t.accountID)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var team, user int64
		if err := rows.Scan(&team, &user); err != nil {
			return r, err
		}
		if i, ok := byID[user]; ok {
			r.Agents[i].TeamIDs = append(r.Agents[i].TeamIDs, team)
		}
	}
	return r, rows.Err()
}

// ClassificationGet returns one classification of the account.
func (t *Tx) ClassificationGet(ctx context.Context, id int64) (desk.Classification, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Classification{}, err
	}
	c, err := scanClassification(t.queryRow(ctx, "SELECT "+classificationCols+
		" FROM ai_classifications WHERE account_id = $1 AND id = $2", t.accountID, id))
	return c, scanErr(err, "classification")
}

// ClassificationSetOutcome records what was done with a classification.
func (t *Tx) ClassificationSetOutcome(ctx context.Context, id int64, outcome, notes string) error {
	n, err := t.exec(ctx, `UPDATE ai_classifications SET outcome = $3, notes = $4 WHERE account_id = $1 AND id = $2`,
		t.accountID, id, outcome, notes)
	if err == nil && n == 0 {
		return desk.NotFound("classification")
	}
	return err
}

// CorrectionPut records an agent's correction of one field of a
// classification; a second correction of the same field replaces the
// first (the original value stays the AI's).
func (t *Tx) CorrectionPut(ctx context.Context, c *desk.Correction) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	c.CreatedAt = t.now
	err := t.queryRow(ctx, `INSERT INTO ai_corrections (account_id, classification_id, field, old_value, new_value, user_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (classification_id, field) DO UPDATE SET new_value = excluded.new_value, user_id = excluded.user_id,
		created_at = excluded.created_at RETURNING id`, t.accountID, c.ClassificationID, c.Field, strArg(c.OldValue),
		c.NewValue, c.UserID, t.d.ts(t.now)).Scan(&c.ID)
	return mapErr(err)
}

// CorrectionList returns the corrections of a classification.
func (t *Tx) CorrectionList(ctx context.Context, classificationID int64) ([]desk.Correction, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT id, classification_id, field, old_value, new_value, user_id, created_at
		FROM ai_corrections WHERE account_id = $1 AND classification_id = $2 ORDER BY field`, t.accountID, classificationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Correction{}
	for rows.Next() {
		var c desk.Correction
		var old sql.NullString
		if err := rows.Scan(&c.ID, &c.ClassificationID, &c.Field, &old, &c.NewValue, &c.UserID, timeCol{&c.CreatedAt}); err != nil {
			return nil, err
		}
		if old.Valid {
			c.OldValue = &old.String
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AIFieldStats is how often one field of the AI's classifications stood,
// per provider: Corrected of Total were changed by an agent.
type AIFieldStats struct {
	Provider  string `json:"provider"`
	Field     string `json:"field"`
	Total     int    `json:"total"`
	Corrected int    `json:"corrected"`
}

// AIStats are the raw figures behind the AI metrics of an account since a
// time.
type AIStats struct {
	Fields         []AIFieldStats `json:"fields"`
	Classified     int            `json:"classified"`
	AutoAssigned   int            `json:"auto_assigned"`
	TeamQueued     int            `json:"team_queued"`
	LatencyAvgMS   float64        `json:"latency_avg_ms"`
	LatencyMaxMS   float64        `json:"latency_max_ms"`
	CostUSD        float64        `json:"cost_usd"`
	InputTokens    int64          `json:"input_tokens"`
	OutputTokens   int64          `json:"output_tokens"`
	DraftsByStatus map[string]int `json:"drafts_by_status"`
}

// AIStats gathers the account's AI figures since since.
func (t *Tx) AIStats(ctx context.Context, since time.Time) (AIStats, error) {
	if err := t.mustAccount(); err != nil {
		return AIStats{}, err
	}
	st := AIStats{Fields: []AIFieldStats{}, DraftsByStatus: map[string]int{}}
	err := t.queryRow(ctx, `SELECT count(*), coalesce(sum(CASE WHEN outcome = 'auto_assigned' THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN outcome = 'team_queue' THEN 1 ELSE 0 END), 0),
		coalesce(avg(latency_ms), 0), coalesce(max(latency_ms), 0), coalesce(sum(cost_usd), 0),
		coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0)
		FROM ai_classifications WHERE account_id = $1 AND created_at >= $2 AND category IS NOT NULL`,
		t.accountID, t.d.ts(since)).Scan(&st.Classified, &st.AutoAssigned, &st.TeamQueued, &st.LatencyAvgMS,
		&st.LatencyMaxMS, &st.CostUSD, &st.InputTokens, &st.OutputTokens)
	if err != nil {
		return st, mapErr(err)
	}
	// Every labelled classification counts once per field; a correction
	// of that field marks it wrong.
	rows, err := t.query(ctx, `SELECT c.provider, f.field, count(*),
		coalesce(sum(CASE WHEN k.id IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM ai_classifications c
		CROSS JOIN (SELECT 'category' AS field UNION ALL SELECT 'priority' UNION ALL SELECT 'sentiment'
			UNION ALL SELECT 'language' UNION ALL SELECT 'team') f
		LEFT JOIN ai_corrections k ON k.account_id = c.account_id AND k.classification_id = c.id AND k.field = f.field
		WHERE c.account_id = $1 AND c.created_at >= $2 AND c.category IS NOT NULL
		GROUP BY c.provider, f.field ORDER BY c.provider, f.field`, t.accountID, t.d.ts(since))
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var f AIFieldStats
		if err := rows.Scan(&f.Provider, &f.Field, &f.Total, &f.Corrected); err != nil {
			rows.Close()
			return st, err
		}
		st.Fields = append(st.Fields, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	rows, err = t.query(ctx, `SELECT status, count(*) FROM ai_drafts WHERE account_id = $1 AND created_at >= $2 GROUP BY status`,
		t.accountID, t.d.ts(since))
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return st, err
		}
		st.DraftsByStatus[s] = n
	}
	return st, rows.Err()
}

// DraftInsert stores a draft; a retried job that already stored its draft
// gets the stored one back with replayed true.
func (t *Tx) DraftInsert(ctx context.Context, d *desk.Draft) (replayed bool, err error) {
	if err := t.mustAccount(); err != nil {
		return false, err
	}
	arts, _ := json.Marshal(d.Articles)
	if d.Articles == nil {
		arts = []byte("[]")
	}
	if d.Status == "" {
		d.Status = desk.DraftPending
	}
	d.CreatedAt, d.UpdatedAt = t.now, t.now
	err = t.queryRow(ctx, `INSERT INTO ai_drafts (account_id, conversation_id, message_id, classification_id, provider, model,
		prompt_version, language, content, articles, status, latency_ms, input_tokens, output_tokens, cost_usd, notes,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
		ON CONFLICT (classification_id, provider, prompt_version) DO NOTHING RETURNING id`,
		t.accountID, d.ConversationID, d.MessageID, int64Arg(d.ClassificationID), d.Provider, d.Model, d.PromptVersion,
		d.Language, d.Content, string(arts), d.Status, d.LatencyMS, d.InputTokens, d.OutputTokens, d.CostUSD, d.Notes,
		t.d.ts(t.now)).Scan(&d.ID)
	if isNoRows(err) {
		prev, err := scanDraft(t.queryRow(ctx, "SELECT "+draftCols+
			" FROM ai_drafts WHERE account_id = $1 AND classification_id = $2 AND provider = $3 AND prompt_version = $4",
			t.accountID, int64Arg(d.ClassificationID), d.Provider, d.PromptVersion))
		if err != nil {
			return false, scanErr(err, "draft")
		}
		*d = prev
		return true, nil
	}
	return false, mapErr(err)
}

const draftCols = `id, conversation_id, message_id, classification_id, provider, model, prompt_version, language, content,
	articles, status, edit_distance, sent_message_id, decided_by, latency_ms, input_tokens, output_tokens, cost_usd, notes,
	created_at, updated_at`

func scanDraft(r row) (desk.Draft, error) {
	var d desk.Draft
	var arts string
	var dist *int64
	err := r.Scan(&d.ID, &d.ConversationID, &d.MessageID, nullInt64{&d.ClassificationID}, &d.Provider, &d.Model,
		&d.PromptVersion, &d.Language, &d.Content, &arts, &d.Status, nullInt64{&dist}, nullInt64{&d.SentMessageID},
		nullInt64{&d.DecidedBy}, &d.LatencyMS, &d.InputTokens, &d.OutputTokens, &d.CostUSD, &d.Notes,
		timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
	if err != nil {
		return d, err
	}
	if dist != nil {
		n := int(*dist)
		d.EditDistance = &n
	}
	d.Articles = []int64{}
	_ = json.Unmarshal([]byte(arts), &d.Articles)
	return d, nil
}

// DraftGet returns one draft of a conversation of the account.
func (t *Tx) DraftGet(ctx context.Context, conversationID, id int64) (desk.Draft, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Draft{}, err
	}
	d, err := scanDraft(t.queryRow(ctx, "SELECT "+draftCols+
		" FROM ai_drafts WHERE account_id = $1 AND conversation_id = $2 AND id = $3", t.accountID, conversationID, id))
	return d, scanErr(err, "draft")
}

// DraftList returns a conversation's drafts, newest first.
func (t *Tx) DraftList(ctx context.Context, conversationID int64) ([]desk.Draft, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, "SELECT "+draftCols+
		" FROM ai_drafts WHERE account_id = $1 AND conversation_id = $2 ORDER BY id DESC LIMIT 50", t.accountID, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Draft{}
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DraftDecide records what the agent did with a pending draft.
func (t *Tx) DraftDecide(ctx context.Context, d *desk.Draft) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	var dist any
	if d.EditDistance != nil {
		dist = int64(*d.EditDistance)
	}
	n, err := t.exec(ctx, `UPDATE ai_drafts SET status = $4, edit_distance = $5, sent_message_id = $6, decided_by = $7,
		updated_at = $8 WHERE account_id = $1 AND conversation_id = $2 AND id = $3 AND status = 'pending'`,
		t.accountID, d.ConversationID, d.ID, d.Status, dist, int64Arg(d.SentMessageID), int64Arg(d.DecidedBy), t.d.ts(t.now))
	if err != nil {
		return err
	}
	if n == 0 {
		return &desk.Error{Kind: desk.KindConflict, Message: "the draft was already decided"}
	}
	d.UpdatedAt = t.now
	return nil
}

// ContactConversationCount counts a contact's conversations in the account.
func (t *Tx) ContactConversationCount(ctx context.Context, contactID int64) (int, error) {
	if err := t.mustAccount(); err != nil {
		return 0, err
	}
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM conversations WHERE account_id = $1 AND contact_id = $2`,
		t.accountID, contactID).Scan(&n)
	return n, mapErr(err)
}
