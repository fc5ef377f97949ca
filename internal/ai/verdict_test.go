package ai_test

import (
	"strings"
	"testing"

	"hummdesk/internal/ai"
	"hummdesk/internal/desk"
)

func TestParseVerdictIsStrict(t *testing.T) {
	r := desk.Routing{Teams: []desk.Team{{ID: 1, Name: "Billing"}, {ID: 2, Name: "Tech"}},
		Agents: []desk.RoutingAgent{{UserID: 10, TeamIDs: []int64{1}}, {UserID: 11, TeamIDs: []int64{2}}}}
	base := `"category":"billing","priority":"high","sentiment":"neutral","language":"en","confidence":0.9,"reasoning":"One. Two. Three."`
	ok := map[string]func(ai.Verdict) bool{
		`{` + base + `,"suggested_team_id":1,"suggested_agent_id":10}`: func(v ai.Verdict) bool {
			return *v.SuggestedTeamID == 1 && *v.SuggestedAgentID == 10 && v.Reasoning == "One. Two."
		},
		`{` + base + `,"suggested_team_id":null,"suggested_agent_id":null}`: func(v ai.Verdict) bool {
			return v.SuggestedTeamID == nil && v.SuggestedAgentID == nil
		},
		`{` + base + `,"suggested_team_id":"1","suggested_agent_id":null}`: func(v ai.Verdict) bool { return *v.SuggestedTeamID == 1 },
	}
	for in, check := range ok {
		v, err := ai.ParseVerdict(in, r)
		if err != nil || !check(v) {
			t.Errorf("%s: %+v, %v", in, v, err)
		}
	}
	bad := map[string]string{
		`{` + base + `}`: "missing",
		`{` + base + `,"suggested_team_id":1,"suggested_agent_id":11}`:                                             "not a member",
		`{` + base + `,"suggested_team_id":99,"suggested_agent_id":null}`:                                          "not one of the listed teams",
		`{` + base + `,"suggested_team_id":null,"suggested_agent_id":99}`:                                          "not one of the listed agents",
		`{` + base + `,"suggested_team_id":1,"suggested_agent_id":null,"assignee":"ceo"}`:                          "unknown field",
		strings.Replace(`{`+base+`,"suggested_team_id":1,"suggested_agent_id":null}`, `"billing"`, `"refunds"`, 1): "must be one of",
		strings.Replace(`{`+base+`,"suggested_team_id":1,"suggested_agent_id":null}`, `0.9`, `1.5`, 1):             "confidence",
		`{"category":"billing",}`:      "malformed",
		`Sure! {"category":"billing"}`: "not a single JSON object",
	}
	for in, want := range bad {
		if _, err := ai.ParseVerdict(in, r); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error about %q", in, err, want)
		}
	}
}
