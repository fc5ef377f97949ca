package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"hummdesk/internal/desk"
)

// args collects numbered query arguments.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

const conversationViewSelect = `SELECT c.id, c.account_id, c.display_id, c.inbox_id, c.contact_id, c.status, c.priority,
	c.assignee_id, c.team_id, c.snoozed_until, c.last_activity_at, c.created_at, c.updated_at, c.version, c.labels,
	ct.name, ct.email, ct.phone,
	u.name, u.email,
	tm.name,
	m.id, m.sender_type, m.sender_id, m.content, m.private, m.created_at
	FROM conversations c
	JOIN contacts ct ON ct.account_id = c.account_id AND ct.id = c.contact_id
	LEFT JOIN users u ON u.id = c.assignee_id
	LEFT JOIN teams tm ON tm.account_id = c.account_id AND tm.id = c.team_id
	LEFT JOIN messages m ON m.id = c.last_message_id AND m.account_id = c.account_id`

// conversationViewScanner reads rows of conversationViewSelect. It builds
// the destination list once per query, so that reading a row allocates only
// what the row's values need.
type conversationViewScanner struct {
	v desk.ConversationView
	// status and priority are scanned as plain strings: pgx converts to
	// named string types through reflection.
	status, priority, labels              string
	assigneeName, assigneeEmail, teamName string
	msgSender, msgContent                 string
	msgID, msgSenderID                    *int64
	msgPrivate                            bool
	msgCreated                            *time.Time
	dest                                  []any
}

func newConversationViewScanner() *conversationViewScanner {
	s := &conversationViewScanner{}
	c := &s.v.Conversation
	s.dest = []any{&c.ID, &c.AccountID, &c.DisplayID, &c.InboxID, &c.ContactID, &s.status, &s.priority,
		nullInt64{&c.AssigneeID}, nullInt64{&c.TeamID}, nullTimeCol{&c.SnoozedUntil}, timeCol{&c.LastActivityAt},
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &c.Version, &s.labels,
		&s.v.Contact.Name, &s.v.Contact.Email, &s.v.Contact.Phone,
		nullString{&s.assigneeName}, nullString{&s.assigneeEmail},
		nullString{&s.teamName},
		nullInt64{&s.msgID}, nullString{&s.msgSender}, nullInt64{&s.msgSenderID}, nullString{&s.msgContent},
		nullBool{&s.msgPrivate}, nullTimeCol{&s.msgCreated}}
	return s
}

// scan reads one row. Every destination is overwritten by every row, and
// the parts built from them are fresh, so rows share nothing.
func (s *conversationViewScanner) scan(row row) (desk.ConversationView, error) {
	if err := row.Scan(s.dest...); err != nil {
		return desk.ConversationView{}, err
	}
	v := s.v
	c := &v.Conversation
	c.Status, c.Priority = desk.Status(s.status), desk.Priority(s.priority)
	c.Labels = splitLabels(s.labels)
	v.Contact.ID = c.ContactID
	if c.AssigneeID != nil {
		v.Assignee = &desk.AgentRef{ID: *c.AssigneeID, Name: s.assigneeName, Email: s.assigneeEmail}
	}
	if c.TeamID != nil {
		v.Team = &desk.TeamRef{ID: *c.TeamID, Name: s.teamName}
	}
	if s.msgID != nil {
		m := &desk.Message{ID: *s.msgID, AccountID: c.AccountID, ConversationID: c.ID, SenderType: desk.SenderType(s.msgSender),
			SenderID: s.msgSenderID, Content: s.msgContent, Private: s.msgPrivate}
		if s.msgCreated != nil {
			m.CreatedAt = *s.msgCreated
		}
		v.LastMessage = m
	}
	return v, nil
}

// ConversationCreateParams describes a new conversation.
type ConversationCreateParams struct {
	InboxID    int64
	ContactID  int64
	Status     desk.Status
	Priority   desk.Priority
	AssigneeID *int64
	TeamID     *int64
}

// ConversationCreate opens a conversation in the account, numbering it with
// the account's next display id. Inbox, contact, team and assignee are
// resolved inside the account.
func (t *Tx) ConversationCreate(ctx context.Context, p ConversationCreateParams) (desk.Conversation, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Conversation{}, err
	}
	if _, err := t.InboxGet(ctx, p.InboxID); err != nil {
		return desk.Conversation{}, err
	}
	if _, err := t.ContactGet(ctx, p.ContactID); err != nil {
		return desk.Conversation{}, err
	}
	if p.TeamID != nil {
		if _, err := t.TeamGet(ctx, *p.TeamID); err != nil {
			return desk.Conversation{}, err
		}
	}
	if p.AssigneeID != nil {
		if _, err := t.MemberGet(ctx, *p.AssigneeID); err != nil {
			return desk.Conversation{}, err
		}
	}
	if p.Status == "" {
		p.Status = desk.StatusOpen
	}
	if p.Priority == "" {
		p.Priority = desk.PriorityNone
	}
	var displayID int64
	if err := t.queryRow(ctx, "UPDATE accounts SET conversation_seq = conversation_seq + 1 WHERE id = $1 RETURNING conversation_seq",
		t.accountID).Scan(&displayID); err != nil {
		return desk.Conversation{}, scanErr(err, "account")
	}
	c := desk.Conversation{AccountID: t.accountID, DisplayID: displayID, InboxID: p.InboxID, ContactID: p.ContactID,
		Status: p.Status, Priority: p.Priority, AssigneeID: p.AssigneeID, TeamID: p.TeamID,
		LastActivityAt: t.now, CreatedAt: t.now, UpdatedAt: t.now, Version: 1, Labels: []string{}}
	err := t.queryRow(ctx, `INSERT INTO conversations (account_id, display_id, inbox_id, contact_id, status, priority,
		assignee_id, team_id, last_activity_at, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, 1) RETURNING id`,
		t.accountID, displayID, p.InboxID, p.ContactID, string(p.Status), string(p.Priority),
		int64Arg(p.AssigneeID), int64Arg(p.TeamID), t.d.ts(t.now)).Scan(&c.ID)
	return c, mapErr(err)
}

// ConversationGet returns one conversation of the account with its list
// row's companions.
func (t *Tx) ConversationGet(ctx context.Context, id int64) (desk.ConversationView, error) {
	if err := t.mustAccount(); err != nil {
		return desk.ConversationView{}, err
	}
	v, err := newConversationViewScanner().scan(t.queryRow(ctx, conversationViewSelect+" WHERE c.account_id = $1 AND c.id = $2", t.accountID, id))
	return v, scanErr(err, "conversation")
}

// ConversationCursor is the keyset position of a conversation in the
// last-activity order.
type ConversationCursor struct {
	LastActivityAt time.Time
	ID             int64
}

// ConversationListParams filters and pages the conversation list.
type ConversationListParams struct {
	Status     desk.Status
	Priority   desk.Priority
	AssigneeID int64 // 0: any
	Unassigned bool
	TeamID     int64
	InboxID    int64
	ContactID  int64
	// Label keeps conversations carrying this label (the AI's category is
	// one: billing, technical, sales or general).
	Label string
	// Query matches the contact's name, email or phone, or the display id.
	Query string
	After *ConversationCursor
	Limit int
}

// ConversationList lists conversations by last activity, newest first.
func (t *Tx) ConversationList(ctx context.Context, p ConversationListParams) ([]desk.ConversationView, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	var a args
	q := conversationViewSelect + " WHERE " + t.conversationWhere(&a, p)
	if p.After != nil {
		q += " AND (c.last_activity_at, c.id) < (" + a.add(t.d.ts(p.After.LastActivityAt)) + ", " + a.add(p.After.ID) + ")"
	}
	q += " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT " + a.add(p.Limit)
	rows, err := t.query(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]desk.ConversationView, 0, min(max(p.Limit, 0), 100))
	sc := newConversationViewScanner()
	for rows.Next() {
		v, err := sc.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// conversationWhere is the filter of ConversationList and ConversationCounts
// (everything but the cursor), with its arguments added to a.
func (t *Tx) conversationWhere(a *args, p ConversationListParams) string {
	q := "c.account_id = " + a.add(t.accountID)
	if p.Status != "" {
		q += " AND c.status = " + a.add(string(p.Status))
	}
	if p.Priority != "" {
		q += " AND c.priority = " + a.add(string(p.Priority))
	}
	if p.Unassigned {
		q += " AND c.assignee_id IS NULL"
	} else if p.AssigneeID > 0 {
		q += " AND c.assignee_id = " + a.add(p.AssigneeID)
	}
	if p.TeamID > 0 {
		q += " AND c.team_id = " + a.add(p.TeamID)
	}
	if p.InboxID > 0 {
		q += " AND c.inbox_id = " + a.add(p.InboxID)
	}
	if p.ContactID > 0 {
		q += " AND c.contact_id = " + a.add(p.ContactID)
	}
	if p.Label != "" {
		q += " AND (',' || c.labels || ',') LIKE " + a.add("%,"+escapeLike(p.Label)+",%") + ` ESCAPE '\'`
	}
	if p.Query != "" {
		like := a.add(t.d.containsArg(p.Query))
		q += " AND (" + t.d.containsFold("ct.name", like) + " OR " + t.d.containsFold("ct.email", like) +
			" OR " + t.d.containsFold("ct.phone", like)
		if n, err := strconv.ParseInt(p.Query, 10, 64); err == nil {
			q += " OR c.display_id = " + a.add(n)
		}
		q += ")"
	}
	return q
}

// ConversationCounts are the sizes of the list's three tabs.
type ConversationCounts struct {
	Mine       int `json:"mine"`
	Unassigned int `json:"unassigned"`
	All        int `json:"all"`
}

// ConversationCounts counts the conversations matching p (its assignee
// fields, cursor and limit are ignored) in all, assigned to userID, and
// assigned to nobody.
func (t *Tx) ConversationCounts(ctx context.Context, p ConversationListParams, userID int64) (ConversationCounts, error) {
	if err := t.mustAccount(); err != nil {
		return ConversationCounts{}, err
	}
	p.AssigneeID, p.Unassigned = 0, false
	var a args
	me := a.add(userID)
	q := "SELECT COUNT(*), COALESCE(SUM(CASE WHEN c.assignee_id = " + me + " THEN 1 ELSE 0 END), 0), " +
		"COALESCE(SUM(CASE WHEN c.assignee_id IS NULL THEN 1 ELSE 0 END), 0) " +
		"FROM conversations c JOIN contacts ct ON ct.account_id = c.account_id AND ct.id = c.contact_id WHERE " + t.conversationWhere(&a, p)
	var n ConversationCounts
	err := t.queryRow(ctx, q, a...).Scan(&n.All, &n.Mine, &n.Unassigned)
	return n, err
}

// ConversationUpdateParams changes status or priority; nil fields stay.
type ConversationUpdateParams struct {
	Status       *desk.Status
	Priority     *desk.Priority
	SnoozedUntil *time.Time
}

// ConversationUpdate changes a conversation's status or priority and bumps
// its version. Leaving the snoozed status clears snoozed_until.
func (t *Tx) ConversationUpdate(ctx context.Context, id int64, p ConversationUpdateParams) (desk.ConversationView, error) {
	v, err := t.conversationForUpdate(ctx, id)
	if err != nil {
		return desk.ConversationView{}, err
	}
	status, priority, snoozed := v.Status, v.Priority, v.SnoozedUntil
	if p.Status != nil {
		status = *p.Status
	}
	if p.Priority != nil {
		priority = *p.Priority
	}
	if status == desk.StatusSnoozed {
		if p.SnoozedUntil != nil {
			snoozed = p.SnoozedUntil
		}
	} else {
		snoozed = nil
	}
	_, err = t.exec(ctx, `UPDATE conversations SET status = $3, priority = $4, snoozed_until = $5, updated_at = $6,
		version = version + 1 WHERE account_id = $1 AND id = $2`,
		t.accountID, id, string(status), string(priority), t.d.tsPtr(snoozed), t.d.ts(t.now))
	if err != nil {
		return desk.ConversationView{}, err
	}
	return t.ConversationGet(ctx, id)
}

// ConversationAssignParams sets assignee and team. Set* says whether the
// field is being changed; a nil id with Set* true clears it.
type ConversationAssignParams struct {
	SetAssignee bool
	AssigneeID  *int64
	SetTeam     bool
	TeamID      *int64
	// Source says who decided (desk.AssignedByAgent when empty), ActorID
	// the agent who did, ClassificationID the AI reading it came from.
	Source           desk.AssignmentSource
	ActorID          *int64
	ClassificationID *int64
}

// ConversationAssign assigns a conversation to an agent and/or team of the
// account and bumps its version.
func (t *Tx) ConversationAssign(ctx context.Context, id int64, p ConversationAssignParams) (desk.ConversationView, error) {
	v, err := t.conversationForUpdate(ctx, id)
	if err != nil {
		return desk.ConversationView{}, err
	}
	assignee, team := v.AssigneeID, v.TeamID
	if p.SetAssignee {
		if p.AssigneeID != nil {
			if _, err := t.MemberGet(ctx, *p.AssigneeID); err != nil {
				return desk.ConversationView{}, &desk.Error{Kind: desk.KindNotFound, Field: "assignee_id", Message: "agent not found"}
			}
		}
		assignee = p.AssigneeID
	}
	if p.SetTeam {
		if p.TeamID != nil {
			if _, err := t.TeamGet(ctx, *p.TeamID); err != nil {
				return desk.ConversationView{}, &desk.Error{Kind: desk.KindNotFound, Field: "team_id", Message: "team not found"}
			}
		}
		team = p.TeamID
	}
	_, err = t.exec(ctx, `UPDATE conversations SET assignee_id = $3, team_id = $4, updated_at = $5, version = version + 1
		WHERE account_id = $1 AND id = $2`, t.accountID, id, int64Arg(assignee), int64Arg(team), t.d.ts(t.now))
	if err != nil {
		return desk.ConversationView{}, err
	}
	source := p.Source
	if source == "" {
		source = desk.AssignedByAgent
	}
	if _, err := t.exec(ctx, `INSERT INTO conversation_assignments (account_id, conversation_id, assignee_id, team_id, source,
		classification_id, actor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.accountID, id, int64Arg(assignee),
		int64Arg(team), string(source), int64Arg(p.ClassificationID), int64Arg(p.ActorID), t.d.ts(t.now)); err != nil {
		return desk.ConversationView{}, err
	}
	return t.ConversationGet(ctx, id)
}

func (t *Tx) conversationForUpdate(ctx context.Context, id int64) (desk.Conversation, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Conversation{}, err
	}
	var c desk.Conversation
	var labels string
	err := t.queryRow(ctx, `SELECT id, account_id, display_id, inbox_id, contact_id, status, priority, assignee_id, team_id,
		snoozed_until, last_activity_at, created_at, updated_at, version, labels
		FROM conversations WHERE account_id = $1 AND id = $2`+t.d.forUpdate(), t.accountID, id).
		Scan(&c.ID, &c.AccountID, &c.DisplayID, &c.InboxID, &c.ContactID, &c.Status, &c.Priority,
			nullInt64{&c.AssigneeID}, nullInt64{&c.TeamID}, nullTimeCol{&c.SnoozedUntil}, timeCol{&c.LastActivityAt},
			timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &c.Version, &labels)
	c.Labels = splitLabels(labels)
	return c, scanErr(err, "conversation")
}

// splitLabels reads the labels column: comma-separated, "" for none.
func splitLabels(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// ConversationSetLabel adds label to a conversation, removing the labels
// of replace (the other values of the same kind, say the other categories),
// and bumps its version. It reports whether anything changed.
func (t *Tx) ConversationSetLabel(ctx context.Context, id int64, label string, replace ...string) (bool, error) {
	if !desk.ValidLabel(label) {
		return false, desk.Invalid("label", "label %q: use a-z, 0-9, '_', '-' and ':' (at most 64)", label)
	}
	c, err := t.conversationForUpdate(ctx, id)
	if err != nil {
		return false, err
	}
	out := make([]string, 0, len(c.Labels)+1)
	for _, l := range c.Labels {
		if l == label || !slices.Contains(replace, l) {
			out = append(out, l)
		}
	}
	if !slices.Contains(out, label) {
		out = append(out, label)
	}
	if slices.Equal(out, c.Labels) {
		return false, nil
	}
	_, err = t.exec(ctx, `UPDATE conversations SET labels = $3, updated_at = $4, version = version + 1
		WHERE account_id = $1 AND id = $2`, t.accountID, id, strings.Join(out, ","), t.d.ts(t.now))
	return err == nil, err
}

// AssignmentList returns a conversation's assignment history, newest first.
func (t *Tx) AssignmentList(ctx context.Context, conversationID int64) ([]desk.Assignment, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT id, conversation_id, assignee_id, team_id, source, classification_id, actor_id, created_at
		FROM conversation_assignments WHERE account_id = $1 AND conversation_id = $2 ORDER BY id DESC LIMIT 100`,
		t.accountID, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []desk.Assignment
	for rows.Next() {
		var a desk.Assignment
		var source string
		if err := rows.Scan(&a.ID, &a.ConversationID, nullInt64{&a.AssigneeID}, nullInt64{&a.TeamID}, &source,
			nullInt64{&a.ClassificationID}, nullInt64{&a.ActorID}, timeCol{&a.CreatedAt}); err != nil {
			return nil, err
		}
		a.Source = desk.AssignmentSource(source)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ConversationLock locks a conversation's row until the transaction ends.
// Transactions that will change a conversation and insert rows pointing at
// it take this lock first, like message intake does: taking the foreign
// key's share lock first and upgrading later deadlocks against intake.
func (t *Tx) ConversationLock(ctx context.Context, id int64) error {
	_, err := t.conversationForUpdate(ctx, id)
	return err
}
