package ai

import (
	"fmt"
	"strings"

	"hummdesk/internal/desk"
)

// Decision is what a classification does to its conversation.
type Decision struct {
	// Outcome is desk.OutcomeAutoAssigned (an agent, and the team),
	// desk.OutcomeTeamQueue (the team only) or desk.OutcomeHumanQueue.
	Outcome    string
	AssigneeID *int64
	TeamID     *int64
	// Why explains the decision in a sentence, stored with it.
	Why string
}

// Decide applies the account's auto-assignment rules to a verdict:
// above the threshold, the suggested agent when they are a member of the
// suggested team, connected, online and under capacity; otherwise the
// least-loaded available agent of that team; otherwise the team's queue.
// At or below the threshold, or with auto-assignment off, the conversation
// waits in the human queue with the suggestion shown.
func Decide(v Verdict, s desk.AISettings, r desk.Routing) Decision {
	human := func(why string, args ...any) Decision {
		return Decision{Outcome: desk.OutcomeHumanQueue, Why: fmt.Sprintf(why, args...)}
	}
	if !s.AutoAssign {
		return human("Auto-assignment is off for this account.")
	}
	if v.Confidence <= s.Threshold {
		return human("Confidence %.2f is not above the account's threshold %.2f.", v.Confidence, s.Threshold)
	}
	if v.SuggestedTeamID == nil {
		return human("No team matches the message.")
	}
	team := *v.SuggestedTeamID
	if a := v.SuggestedAgentID; a != nil {
		for _, ag := range r.Agents {
			if ag.UserID == *a && ag.InTeam(team) && ag.Available() {
				id := ag.UserID
				return Decision{Outcome: desk.OutcomeAutoAssigned, AssigneeID: &id, TeamID: &team,
					Why: fmt.Sprintf("Assigned to the suggested agent %d of team %d.", id, team)}
			}
		}
	}
	if best := LeastLoaded(r, team); best != nil {
		id := best.UserID
		why := fmt.Sprintf("Assigned to agent %d, the least-loaded available agent of team %d.", id, team)
		if v.SuggestedAgentID != nil {
			why = fmt.Sprintf("The suggested agent %d could not take it; ", *v.SuggestedAgentID) + strings.ToLower(why[:1]) + why[1:]
		}
		return Decision{Outcome: desk.OutcomeAutoAssigned, AssigneeID: &id, TeamID: &team, Why: why}
	}
	return Decision{Outcome: desk.OutcomeTeamQueue, TeamID: &team,
		Why: fmt.Sprintf("No agent of team %d is available; the conversation waits in the team's queue.", team)}
}

// LeastLoaded returns the available agent of team with the lowest share of
// their capacity in use (ties: fewer conversations, then the lower id), or
// nil when none is available.
func LeastLoaded(r desk.Routing, team int64) *desk.RoutingAgent {
	var best *desk.RoutingAgent
	for i := range r.Agents {
		a := &r.Agents[i]
		if !a.InTeam(team) || !a.Available() {
			continue
		}
		if best == nil || lessLoaded(a, best) {
			best = a
		}
	}
	return best
}

func lessLoaded(a, b *desk.RoutingAgent) bool {
	// a.Load/a.Max < b.Load/b.Max without division.
	l, r := a.Load*b.MaxConcurrent, b.Load*a.MaxConcurrent
	if l != r {
		return l < r
	}
	if a.Load != b.Load {
		return a.Load < b.Load
	}
	return a.UserID < b.UserID
}

// categoryWords name each category in the five languages, to find the team
// that handles it by the team's name and description.
var categoryWords = map[string][]string{
	"billing":   {"billing", "invoice", "payment", "finance", "accounts", "laskutus", "lasku", "maksu", "fakturering", "faktura", "betalning", "abrechnung", "rechnung", "zahlung", "buchhaltung", "facturation", "facture", "paiement", "comptabilit"},
	"technical": {"technical", "tech", "support", "engineering", "tekninen", "tuki", "teknisk", "teknik", "technik", "technisch", "technique", "assistance"},
	"sales":     {"sales", "commercial", "account management", "myynti", "försäljning", "sälj", "vertrieb", "verkauf", "ventes", "vente", "commerce"},
	"general":   {"general", "customer service", "service", "front desk", "yleinen", "asiakaspalvelu", "allmän", "kundservice", "kundtjänst", "allgemein", "kundendienst", "général", "accueil"},
}

// TeamForCategory picks the team of r that handles category, judged by the
// category's words in the team's name (preferred) or description; among
// several, the one with the lowest utilisation. Nil when no team matches.
func TeamForCategory(r desk.Routing, category string) *int64 {
	words := categoryWords[category]
	bestScore, bestUtil := 0, 2.0
	var best *int64
	for _, t := range r.Teams {
		score := 0
		if matchesAny(t.Name, words) {
			score = 2
		} else if matchesAny(t.Description, words) {
			score = 1
		}
		if score == 0 {
			continue
		}
		load, capacity := 0, 0
		for _, a := range r.Agents {
			if a.InTeam(t.ID) {
				load += a.Load
				capacity += a.MaxConcurrent
			}
		}
		util := 1.0
		if capacity > 0 {
			util = float64(load) / float64(capacity)
		}
		if score > bestScore || score == bestScore && util < bestUtil {
			id := t.ID
			best, bestScore, bestUtil = &id, score, util
		}
	}
	return best
}

// matchesAny reports whether one of words occurs in s as a word or word
// prefix ("invoic" matches "Invoicing"), case-insensitively.
func matchesAny(s string, words []string) bool {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	text := " " + strings.Join(fields, " ") + " "
	for _, w := range words {
		if strings.Contains(text, " "+w) {
			return true
		}
	}
	return false
}
