package store

import (
	"context"

	"hummdesk/internal/desk"
)

const teamCols = "id, account_id, name, description, created_at"

func scanTeam(row interface{ Scan(...any) error }) (desk.Team, error) {
	var tm desk.Team
	err := row.Scan(&tm.ID, &tm.AccountID, &tm.Name, &tm.Description, timeCol{&tm.CreatedAt})
	return tm, err
}

// TeamCreate adds a team; names are unique per account.
func (t *Tx) TeamCreate(ctx context.Context, name, description string) (desk.Team, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Team{}, err
	}
	tm, err := scanTeam(t.queryRow(ctx, `INSERT INTO teams (account_id, name, description, created_at)
		VALUES ($1, $2, $3, $4) RETURNING `+teamCols, t.accountID, name, description, t.d.ts(t.now)))
	if err != nil {
		return tm, teamNameErr(mapErr(err))
	}
	return tm, nil
}

func teamNameErr(err error) error {
	if desk.ErrorKind(err) == desk.KindConflict {
		return &desk.Error{Kind: desk.KindConflict, Field: "name", Message: "a team with this name already exists", Err: err}
	}
	return err
}

// TeamGet returns one team of the account.
func (t *Tx) TeamGet(ctx context.Context, id int64) (desk.Team, error) {
	if err := t.mustAccount(); err != nil {
		return desk.Team{}, err
	}
	tm, err := scanTeam(t.queryRow(ctx, "SELECT "+teamCols+" FROM teams WHERE account_id = $1 AND id = $2", t.accountID, id))
	return tm, scanErr(err, "team")
}

// TeamList lists the account's teams by name.
func (t *Tx) TeamList(ctx context.Context) ([]desk.Team, error) {
	if err := t.mustAccount(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, "SELECT "+teamCols+" FROM teams WHERE account_id = $1 ORDER BY name, id", t.accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Team{}
	for rows.Next() {
		tm, err := scanTeam(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tm)
	}
	return out, rows.Err()
}

// TeamUpdate renames or re-describes a team; nil fields stay.
func (t *Tx) TeamUpdate(ctx context.Context, id int64, name, description *string) (desk.Team, error) {
	tm, err := t.TeamGet(ctx, id)
	if err != nil {
		return tm, err
	}
	if name != nil {
		tm.Name = *name
	}
	if description != nil {
		tm.Description = *description
	}
	if _, err := t.exec(ctx, "UPDATE teams SET name = $3, description = $4 WHERE account_id = $1 AND id = $2",
		t.accountID, id, tm.Name, tm.Description); err != nil {
		return tm, teamNameErr(err)
	}
	return tm, nil
}

// TeamDelete deletes a team; its conversations keep their assignee and lose
// the team.
func (t *Tx) TeamDelete(ctx context.Context, id int64) error {
	if _, err := t.TeamGet(ctx, id); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `UPDATE conversations SET team_id = NULL, updated_at = $3, version = version + 1
		WHERE account_id = $1 AND team_id = $2`, t.accountID, id, t.d.ts(t.now)); err != nil {
		return err
	}
	res, err := t.exec(ctx, "DELETE FROM teams WHERE account_id = $1 AND id = $2", t.accountID, id)
	return affectedOne(res, err, "team")
}

// TeamMemberAdd adds an agent of the account to a team (idempotent).
func (t *Tx) TeamMemberAdd(ctx context.Context, teamID, userID int64) error {
	if _, err := t.TeamGet(ctx, teamID); err != nil {
		return err
	}
	if _, err := t.MemberGet(ctx, userID); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO team_members (account_id, team_id, user_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (team_id, user_id) DO NOTHING`, t.accountID, teamID, userID, t.d.ts(t.now))
	return err
}

// TeamMemberRemove removes an agent from a team.
func (t *Tx) TeamMemberRemove(ctx context.Context, teamID, userID int64) error {
	if err := t.mustAccount(); err != nil {
		return err
	}
	res, err := t.exec(ctx, "DELETE FROM team_members WHERE account_id = $1 AND team_id = $2 AND user_id = $3",
		t.accountID, teamID, userID)
	return affectedOne(res, err, "team member")
}

// TeamMembers lists the agents of a team.
func (t *Tx) TeamMembers(ctx context.Context, teamID int64) ([]desk.Membership, error) {
	if _, err := t.TeamGet(ctx, teamID); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, membershipSelect+` JOIN team_members tm ON tm.account_id = au.account_id AND tm.user_id = au.user_id
		WHERE tm.account_id = $1 AND tm.team_id = $2 ORDER BY u.name, u.id`, t.accountID, teamID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Membership{}
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
