package store

import (
	"context"
	"database/sql"

	"hummdesk/internal/desk"
)

const classificationCols = `id, account_id, conversation_id, message_id, provider, model, prompt_version, category, priority,
	sentiment, language, confidence, reasoning, suggested_team_id, suggested_agent_id, latency_ms, input_tokens,
	output_tokens, cost_usd, raw_output, outcome, notes, run, created_at`

func scanClassification(r row) (desk.Classification, error) {
	var c desk.Classification
	var category, priority, sentiment, language sql.NullString
	var confidence sql.NullFloat64
	err := r.Scan(&c.ID, &c.AccountID, &c.ConversationID, &c.MessageID, &c.Provider, &c.Model, &c.PromptVersion,
		&category, &priority, &sentiment, &language, &confidence, &c.Reasoning, nullInt64{&c.SuggestedTeamID},
		nullInt64{&c.SuggestedAgentID}, &c.LatencyMS, &c.InputTokens, &c.OutputTokens, &c.CostUSD, &c.RawOutput,
		&c.Outcome, &c.Notes, &c.Run, timeCol{&c.CreatedAt})
	str := func(n sql.NullString) *string {
		if !n.Valid {
			return nil
		}
		return &n.String
	}
	c.Category, c.Priority, c.Sentiment, c.Language = str(category), str(priority), str(sentiment), str(language)
	if confidence.Valid {
		c.Confidence = &confidence.Float64
	}
	return c, err
}

func strArg(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func floatArg(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// ClassificationInsert stores a classification of a message of the
// account. One message has at most one classification per provider and
// prompt version: a retried job that already stored its result gets the
// stored one back with replayed true.
func (t *Tx) ClassificationInsert(ctx context.Context, c *desk.Classification) (replayed bool, err error) {
	if err := t.mustAccount(); err != nil {
		return false, err
	}
	c.AccountID, c.CreatedAt = t.accountID, t.now
	err = t.queryRow(ctx, `INSERT INTO ai_classifications (account_id, conversation_id, message_id, provider, model,
		prompt_version, category, priority, sentiment, language, confidence, reasoning, suggested_team_id,
		suggested_agent_id, latency_ms, input_tokens, output_tokens, cost_usd, raw_output, outcome, notes, run, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $22, $23, $21)
		ON CONFLICT (message_id, provider, prompt_version, run) DO NOTHING RETURNING id`,
		t.accountID, c.ConversationID, c.MessageID, c.Provider, c.Model, c.PromptVersion, strArg(c.Category),
		strArg(c.Priority), strArg(c.Sentiment), strArg(c.Language), floatArg(c.Confidence), c.Reasoning,
		int64Arg(c.SuggestedTeamID), int64Arg(c.SuggestedAgentID), c.LatencyMS, c.InputTokens, c.OutputTokens,
		c.CostUSD, c.RawOutput, c.Outcome, t.d.ts(t.now), c.Notes, c.Run).Scan(&c.ID)
	if isNoRows(err) {
		prev, err := scanClassification(t.queryRow(ctx, "SELECT "+classificationCols+
			" FROM ai_classifications WHERE account_id = $1 AND message_id = $2 AND provider = $3 AND prompt_version = $4 AND run = $5",
			t.accountID, c.MessageID, c.Provider, c.PromptVersion, c.Run))
		if err != nil {
			return false, scanErr(err, "classification")
		}
		*c = prev
		return true, nil
	}
	return false, mapErr(err)
}

// ClassificationLatest returns the newest classification of a conversation
// of the account.
func (t *Tx) ClassificationLatest(ctx context.Context, conversationID int64) (desk.Classification, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Classification{}, err
	}
	c, err := scanClassification(t.queryRow(ctx, "SELECT "+classificationCols+
		" FROM ai_classifications WHERE account_id = $1 AND conversation_id = $2 ORDER BY id DESC LIMIT 1",
		t.accountID, conversationID))
	return c, scanErr(err, "classification")
}

// MessageGet returns one message of the account.
func (t *Tx) MessageGet(ctx context.Context, id int64) (desk.Message, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Message{}, err
	}
	m, err := scanMessage(t.queryRow(ctx, "SELECT "+messageCols+" FROM messages WHERE account_id = $1 AND id = $2", t.accountID, id))
	return m, scanErr(err, "message")
}
