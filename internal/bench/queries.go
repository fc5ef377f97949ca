package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// conversationViewSelect is a verbatim copy of the store's list query head
// (internal/store/conversations.go). The raw baseline runs exactly what the
// API runs; TestRawQueriesMatchStore fails when the two drift apart.
const conversationViewSelect = `SELECT c.id, c.account_id, c.display_id, c.inbox_id, c.contact_id, c.status, c.priority,
	c.assignee_id, c.team_id, c.snoozed_until, c.last_activity_at, c.created_at, c.updated_at, c.version,
	ct.name, ct.email, ct.phone,
	u.name, u.email,
	tm.name,
	m.id, m.sender_type, m.sender_id, m.content, m.private, m.created_at
	FROM conversations c
	JOIN contacts ct ON ct.account_id = c.account_id AND ct.id = c.contact_id
	LEFT JOIN users u ON u.id = c.assignee_id
	LEFT JOIN teams tm ON tm.account_id = c.account_id AND tm.id = c.team_id
	LEFT JOIN messages m ON m.id = c.last_message_id AND m.account_id = c.account_id`

// The WHERE, ORDER and LIMIT the store appends for the two benchmarked
// requests. The API asks the store for limit+1 rows to learn whether a next
// page exists, so the raw query reads 51 rows for a page of 50.
const (
	// ListAllSQL is GET .../conversations?limit=50: $1 account, $2 limit+1.
	ListAllSQL = conversationViewSelect +
		" WHERE c.account_id = $1 ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $2"
	// ListMineOpenSQL is ...?assignee=me&status=open: $1 account, $2 status,
	// $3 the caller's user id, $4 limit+1.
	ListMineOpenSQL = conversationViewSelect +
		" WHERE c.account_id = $1 AND c.status = $2 AND c.assignee_id = $3 ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $4"
)

// PageSize is the page the benchmark asks for.
const PageSize = 50

// Scenario is one benchmarked request, in its API and raw forms.
type Scenario struct {
	Name string
	// Path is the API path and query.
	Path string
	SQL  string
	Args []any
	// Want is how many rows the API page must hold.
	Want int
}

// Scenarios are the two requests measured for a data set.
func Scenarios(ds Dataset) []Scenario {
	base := fmt.Sprintf("/api/v1/accounts/%d/conversations?limit=%d", ds.AccountID, PageSize)
	return []Scenario{
		{Name: "all conversations", Path: base, SQL: ListAllSQL,
			Args: []any{ds.AccountID, PageSize + 1}, Want: min(PageSize, ds.AccountConversations)},
		{Name: "mine, open", Path: base + "&assignee=me&status=open", SQL: ListMineOpenSQL,
			Args: []any{ds.AccountID, "open", ds.AgentID, PageSize + 1}, Want: min(PageSize, ds.AgentOpen)},
	}
}

// WantRaw is how many rows the raw query returns: the store asks for one
// more than the page.
func (sc Scenario) WantRaw() int {
	if sc.Want < PageSize {
		return sc.Want
	}
	return PageSize + 1
}

// listRow holds one scanned row, typed as the store scans it.
type listRow struct {
	id, accountID, displayID, inboxID, contactID int64
	status, priority                             string
	assigneeID, teamID                           *int64
	snoozed                                      *time.Time
	lastActivity, created, updated               time.Time
	version                                      int64
	contactName, contactEmail, contactPhone      string
	assigneeName, assigneeEmail, teamName        *string
	msgID, msgSenderID                           *int64
	msgSender, msgContent                        *string
	msgPrivate                                   *bool
	msgCreated                                   *time.Time
}

// RawList runs a scenario's SQL on the pool and scans every row; it
// returns the conversation ids in order.
func RawList(ctx context.Context, pool *pgxpool.Pool, sc Scenario) ([]int64, error) {
	rows, err := pool.Query(ctx, sc.SQL, sc.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, PageSize+1)
	var r listRow
	for rows.Next() {
		if err := rows.Scan(&r.id, &r.accountID, &r.displayID, &r.inboxID, &r.contactID, &r.status, &r.priority,
			&r.assigneeID, &r.teamID, &r.snoozed, &r.lastActivity, &r.created, &r.updated, &r.version,
			&r.contactName, &r.contactEmail, &r.contactPhone, &r.assigneeName, &r.assigneeEmail, &r.teamName,
			&r.msgID, &r.msgSender, &r.msgSenderID, &r.msgContent, &r.msgPrivate, &r.msgCreated); err != nil {
			return nil, err
		}
		ids = append(ids, r.id)
	}
	return ids, rows.Err()
}
